package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/testkit"
)

// server is a liveshop node listening on a loopback port for one test.
type server struct {
	*app.App
	URL string
}

// start runs a node on a fresh database: SQLite in a temporary directory, or a fresh
// PostgreSQL schema when pg is true. The sandbox carrier delivers at once and the
// timers tick fast, so the whole loop runs in seconds.
func start(t *testing.T, pg bool) *server {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TimerInterval: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second}
	if pg {
		cfg.DB = dbtest.PostgresURL(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &server{App: a, URL: "http://" + ln.Addr().String()}
}

// client calls the JSON API as one account.
type client struct {
	t     *testing.T
	base  string
	token string
}

type response struct {
	Status int
	Body   map[string]any
	Raw    []byte
}

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{Status: resp.StatusCode, Raw: raw}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// must calls and fails the test unless the status is want.
func (c *client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r.Body
}

// signup registers an account over HTTP and logs it in with a bearer token.
func (s *server) signup(t *testing.T, email, name string, roles ...string) *client {
	t.Helper()
	anon := &client{t: t, base: s.URL}
	anon.must(201, "POST", "/api/v1/accounts", map[string]any{"email": email, "password": "correct horse battery", "display_name": name, "roles": roles})
	tok := anon.must(201, "POST", "/api/v1/auth/tokens", map[string]any{"email": email, "password": "correct horse battery", "name": "e2e"})
	return &client{t: t, base: s.URL, token: tok["token"].(string)}
}

func str(v any) string { return fmt.Sprint(v) }

func num(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case string:
		var i int64
		fmt.Sscan(n, &i)
		return i
	}
	return 0
}

// viewer is a WebSocket viewer of a live room.
type viewer struct {
	t    *testing.T
	conn *websocket.Conn
}

func (s *server) watch(t *testing.T, c *client, session string) *viewer {
	t.Helper()
	h := http.Header{}
	if c != nil && c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	url := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/live/sessions/" + session + "/ws"
	conn, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", url, err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	return &viewer{t: t, conn: conn}
}

// await reads frames until one of the type satisfies match, failing after a timeout.
func (v *viewer) await(typ string, match func(data map[string]any) bool) map[string]any {
	v.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = v.conn.SetReadDeadline(deadline)
		_, raw, err := v.conn.ReadMessage()
		if err != nil {
			v.t.Fatalf("waiting for a %q frame: %v", typ, err)
		}
		var f struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if json.Unmarshal(raw, &f) == nil && f.Type == typ && (match == nil || match(f.Data)) {
			return f.Data
		}
	}
}

func (v *viewer) send(msg any) {
	v.t.Helper()
	if err := v.conn.WriteJSON(msg); err != nil {
		v.t.Fatal(err)
	}
}

// TestThinLoopOverHTTPAndWebSocket drives the whole live-commerce loop through the
// public API of a real server: a seller lists a product, a creator with enough
// followers sells it in a live room, shoppers watch, chat, like and buy over the room,
// the order ships, is delivered and completed, the ledger splits the money and the
// market's GMV counts it.
func TestThinLoopOverHTTPAndWebSocket(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := start(t, engine == "postgres")
			ctx := context.Background()
			anon := &client{t: t, base: s.URL}

			// Machines can see the node is healthy and scrape it.
			h := anon.must(200, "GET", "/healthz", nil)
			if h["status"] != "ok" || h["database"].(map[string]any)["kind"] != engine || h["bus"].(map[string]any)["status"] != "ok" {
				t.Fatalf("healthz %v", h)
			}

			// Operators set the US rules this walkthrough runs under: paid orders ship at
			// once, with no hold window for the buyer to cancel in.
			ops := operatorClient(t, s)
			rules := ops.must(200, "GET", "/api/v1/markets/US/policy", nil)["policy"].(map[string]any)
			rules["orders"].(map[string]any)["on_hold_minutes"] = 0
			ops.must(201, "POST", "/api/v1/markets/US/policies", map[string]any{"policy": rules, "note": "walkthrough: no hold window"})

			// A seller opens a shop in a live market (a planned one refuses) and lists a product.
			sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
			if r := sel.do("POST", "/api/v1/shops", map[string]any{"market": "JP", "name": "Tokyo"}); r.Status != 422 || r.Body["code"] != "market_closed" {
				t.Fatalf("shop in a planned market: %d %s", r.Status, r.Raw)
			}
			shop := sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})
			shopID := str(shop["id"])
			prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Velvet Lip Tint",
				"skus": []any{map[string]any{"seller_sku": "VLT", "price": map[string]any{"amount": 2599, "currency": "USD"}, "stock": 10}}})
			productID := str(prod["id"])
			skuID := str(prod["skus"].([]any)[0].(map[string]any)["id"])
			sel.must(200, "PUT", "/api/v1/products/"+productID+"/affiliate-offer", map[string]any{"commission_bp": 1000})

			// Another seller may not touch the first seller's shop.
			other := s.signup(t, "olga@seller.test", "Olga Other", "seller")
			if r := other.do("POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Fake", "skus": []any{map[string]any{"price": map[string]any{"amount": 1, "currency": "USD"}, "stock": 1}}}); r.Status != 403 {
				t.Fatalf("other seller listing in the shop: %d %s", r.Status, r.Raw)
			}
			if r := other.do("PUT", "/api/v1/products/"+productID+"/affiliate-offer", map[string]any{"commission_bp": 8000}); r.Status != 403 {
				t.Fatalf("other seller changing the offer: %d %s", r.Status, r.Raw)
			}
			if r := other.do("GET", "/api/v1/shops/"+shopID+"/orders", nil); r.Status != 403 {
				t.Fatalf("other seller reading orders: %d %s", r.Status, r.Raw)
			}

			// A creator below the market's follower threshold is refused, clearly.
			cr := s.signup(t, "mia@creator.test", "Mia Tran", "creator")
			creator := cr.must(201, "POST", "/api/v1/creators", map[string]any{"handle": "mia.makeup", "market": "US", "birth_date": "1996-05-14"})
			creatorID := str(creator["id"])
			r := cr.do("POST", "/api/v1/creators/me/showcase", map[string]any{"product_id": productID})
			if r.Status != 422 || r.Body["code"] != "creator_not_eligible" || !strings.Contains(str(r.Body["message"]), "1000 followers; you have 0") {
				t.Fatalf("showcase below threshold: %d %s", r.Status, r.Raw)
			}

			// The audience grows to exactly the threshold: 998 imported, 2 following over HTTP.
			var fans []identity.ProvisionInput
			for i := 0; i < 998; i++ {
				fans = append(fans, identity.ProvisionInput{Email: fmt.Sprintf("fan%d@fans.test", i), DisplayName: "Fan"})
			}
			accts, err := s.Identity.ProvisionMany(ctx, fans)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]id.ID, len(accts))
			for i, a := range accts {
				ids[i] = a.ID
			}
			if err := s.Identity.FollowMany(ctx, ids, identity.FollowCreator, id.ID(num(creatorID))); err != nil {
				t.Fatal(err)
			}
			ana := s.signup(t, "ana@shopper.test", "Ana Lima")
			bo := s.signup(t, "bo@shopper.test", "Bo Chen")
			ana.must(204, "POST", "/api/v1/creators/"+creatorID+"/follow", nil)
			bo.must(204, "POST", "/api/v1/creators/"+creatorID+"/follow", nil)
			elig := cr.must(200, "GET", "/api/v1/creators/me/eligibility", nil)
			if elig["can_sell"] != true || num(elig["followers"]) != 1000 {
				t.Fatalf("eligibility %v", elig)
			}
			cr.must(200, "POST", "/api/v1/creators/me/showcase", map[string]any{"product_id": productID})

			// The creator schedules a live, goes live and pins the product.
			sess := cr.must(201, "POST", "/api/v1/live/sessions", map[string]any{"title": "Glow-up Friday", "product_ids": []string{productID}})
			sessionID := str(sess["id"])
			cr.must(200, "POST", "/api/v1/live/sessions/"+sessionID+"/start", nil)
			cr.must(200, "POST", "/api/v1/live/sessions/"+sessionID+"/pin", map[string]any{"product_id": productID})
			if r := bo.do("POST", "/api/v1/live/sessions/"+sessionID+"/pin", map[string]any{"product_id": productID}); r.Status != 403 {
				t.Fatalf("a viewer pinning: %d %s", r.Status, r.Raw)
			}

			// Shoppers open the room and see the pinned product, the viewer count, chat and likes.
			va, vb := s.watch(t, ana, sessionID), s.watch(t, bo, sessionID)
			for _, v := range []*viewer{va, vb} {
				hello := v.await("hello", nil)
				if hello["status"] != "live" || hello["pinned"] == nil || hello["pinned"].(map[string]any)["title"] != "Velvet Lip Tint" {
					t.Fatalf("hello %v", hello)
				}
			}
			va.await("stats", func(d map[string]any) bool { return num(d["viewers"]) == 2 })
			va.send(map[string]any{"type": "chat", "text": "is it cruelty free?"})
			vb.await("chat", func(d map[string]any) bool { return d["text"] == "is it cruelty free?" && d["user"] == "Ana Lima" })
			vb.send(map[string]any{"type": "like", "count": 7})
			va.await("stats", func(d map[string]any) bool { return num(d["likes"]) == 7 })

			// A garbage-sending client is disconnected; the room carries on.
			junk := s.watch(t, nil, sessionID)
			junk.await("hello", nil)
			_ = junk.conn.WriteMessage(websocket.TextMessage, []byte("{not json"))
			_ = junk.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				if _, _, err := junk.conn.ReadMessage(); err != nil {
					if !websocket.IsCloseError(err, websocket.CloseUnsupportedData) {
						t.Fatalf("garbage client closed with %v", err)
					}
					break
				}
			}
			vb.send(map[string]any{"type": "chat", "text": "still here"})
			va.await("chat", func(d map[string]any) bool { return d["text"] == "still here" })

			// Ana buys two from the room with the sandbox card; everyone sees it; stock drops.
			address := map[string]any{"name": "Ana Lima", "line1": "1 Main St", "city": "Austin", "postal_code": "73301", "country": "US"}
			buy := map[string]any{"sku_id": skuID, "quantity": 2, "idempotency_key": "ana-1", "shipping_address": address, "payment_method": "pm_card_visa"}
			co := ana.must(201, "POST", "/api/v1/live/sessions/"+sessionID+"/orders", buy)
			if again := ana.must(200, "POST", "/api/v1/live/sessions/"+sessionID+"/orders", buy); str(again["checkout_id"]) != str(co["checkout_id"]) {
				t.Fatalf("retried buy made a new checkout: %v", again)
			}
			o := co["orders"].([]any)[0].(map[string]any)
			orderID := str(o["id"])
			line := o["lines"].([]any)[0].(map[string]any)
			if o["status"] != "AWAITING_SHIPMENT" || line["source"] != "LIVE" || str(line["creator_id"]) != creatorID || str(line["live_session_id"]) != sessionID {
				t.Fatalf("order %v", o)
			}
			vb.await("purchase", func(d map[string]any) bool { return d["user"] == "Ana L." && num(d["quantity"]) == 2 })
			if p := anon.must(200, "GET", "/api/v1/products/"+productID, nil); num(p["skus"].([]any)[0].(map[string]any)["stock"]) != 8 {
				t.Fatalf("stock after sale: %v", p)
			}
			// Asking for more than is left is refused and changes nothing: stock never goes below zero.
			over := map[string]any{"sku_id": skuID, "quantity": 9, "idempotency_key": "bo-1", "shipping_address": address, "payment_method": "pm_card_visa"}
			if r := bo.do("POST", "/api/v1/live/sessions/"+sessionID+"/orders", over); r.Status != 409 || r.Body["code"] != "out_of_stock" || r.Body["field"] != "quantity" {
				t.Fatalf("overselling: %d %s", r.Status, r.Raw)
			}
			if p := anon.must(200, "GET", "/api/v1/products/"+productID, nil); num(p["skus"].([]any)[0].(map[string]any)["stock"]) != 8 {
				t.Fatalf("stock after refused sale: %v", p)
			}
			// Nobody but the buyer, the shop and operators can see the order.
			if r := bo.do("GET", "/api/v1/orders/"+orderID, nil); r.Status != 404 {
				t.Fatalf("another shopper reading the order: %d", r.Status)
			}
			if r := other.do("POST", "/api/v1/orders/"+orderID+"/ship", nil); r.Status != 404 {
				t.Fatalf("another seller shipping: %d", r.Status)
			}

			// The seller ships; the sandbox carrier delivers; Ana confirms; the order completes.
			sel.must(200, "POST", "/api/v1/orders/"+orderID+"/ship", nil)
			waitStatus(t, ana, orderID, "DELIVERED")
			done := ana.must(200, "POST", "/api/v1/orders/"+orderID+"/confirm-receipt", nil)
			if done["status"] != "COMPLETED" {
				t.Fatalf("after confirming: %v", done["status"])
			}

			// The consumers settle it: the ledger splits Ana's 51.98 and the postings sum to
			// zero. The US co-funded free shipping programme paid her 5.99 label: 3.00 from
			// the platform, 2.99 from the seller.
			var transfers []any
			waitFor(t, "the order to settle in the ledger", func() bool {
				transfers = ops.must(200, "GET", "/api/v1/ledger/transfers?reference=order:"+orderID, nil)["transfers"].([]any)
				return len(transfers) == 2
			})
			want := map[string]map[string]int64{
				"payment_captured": {"payment_provider_receivable/platform/0/USD": 5198, "buyer_payments_clearing/platform/0/USD": -5198},
				"order_settled": {
					"buyer_payments_clearing/platform/0/USD":                   5198,
					"platform_subsidy_expense/platform/0/USD":                  300,   // the platform's share of shipping
					"carrier_payable/platform/0/USD":                           -599,  // the label
					"platform_referral_revenue/platform/0/USD":                 -330,  // 6% of (51.98 + 3.00) = 3.2988
					"creator_commission_payable/creator/" + creatorID + "/USD": -520,  // 10% of 51.98 = 5.198
					"seller_payable/shop/" + shopID + "/USD":                   -4049, // the rest: 51.98 - 2.99 - 3.30 - 5.20
				},
			}
			for _, tr := range transfers {
				tm := tr.(map[string]any)
				got, sum := map[string]int64{}, int64(0)
				for _, p := range tm["postings"].([]any) {
					pm := p.(map[string]any)
					got[str(pm["account"])] += num(pm["amount"])
					sum += num(pm["amount"])
				}
				if sum != 0 || fmt.Sprint(got) != fmt.Sprint(want[str(tm["kind"])]) {
					t.Errorf("%s: postings %v (sum %d), want %v", tm["kind"], got, sum, want[str(tm["kind"])])
				}
			}
			if tb := ops.must(200, "GET", "/api/v1/ledger/trial-balance", nil); tb["balanced"] != true {
				t.Fatalf("trial balance %v", tb)
			}
			bal := sel.must(200, "GET", "/api/v1/shops/"+shopID+"/balances", nil)["accounts"].([]any)
			if len(bal) != 1 || num(bal[0].(map[string]any)["balance_normalised"].(map[string]any)["amount"]) != 4049 {
				t.Fatalf("seller's balance %v", bal)
			}
			if r := other.do("GET", "/api/v1/shops/"+shopID+"/balances", nil); r.Status != 403 {
				t.Fatalf("another seller reading balances: %d", r.Status)
			}
			// The creators' consumer handles order.completed on its own; wait for it too.
			var comms []any
			waitFor(t, "the commission to become payable", func() bool {
				comms = cr.must(200, "GET", "/api/v1/creators/me/commissions", nil)["commissions"].([]any)
				return len(comms) == 1 && comms[0].(map[string]any)["status"] == "payable"
			})
			if len(comms) != 1 || comms[0].(map[string]any)["status"] != "payable" || num(comms[0].(map[string]any)["amount"].(map[string]any)["amount"]) != 520 {
				t.Fatalf("creator's commissions %v", comms)
			}

			// The market's GMV includes the order.
			gmv := ops.must(200, "GET", "/api/v1/analytics/gmv", nil)["markets"].([]any)
			var us map[string]any
			for _, m := range gmv {
				if m.(map[string]any)["market"] == "US" {
					us = m.(map[string]any)
				}
			}
			if num(us["total"].(map[string]any)["amount"]) != 5198 || num(us["today"].(map[string]any)["amount"]) != 5198 || num(us["orders"]) != 1 {
				t.Fatalf("US GMV %v", us)
			}
			if r := sel.do("GET", "/api/v1/analytics/gmv", nil); r.Status != 403 {
				t.Fatalf("a seller reading platform GMV: %d", r.Status)
			}

			// Metrics are exposed in the Prometheus text format.
			resp, err := http.Get(s.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, m := range []string{"liveshop_http_requests_total", "liveshop_outbox_published_total", "liveshop_live_rooms", "go_goroutines"} {
				if !bytes.Contains(metrics, []byte(m)) {
					t.Errorf("/metrics lacks %s", m)
				}
			}
		})
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, c *client, orderID, status string) {
	t.Helper()
	waitFor(t, "order "+status, func() bool { return c.must(200, "GET", "/api/v1/orders/"+orderID, nil)["status"] == status })
}

// operatorClient provisions an operator (operators are appointed, not self-registered)
// and logs it in over HTTP.
func operatorClient(t *testing.T, s *server) *client {
	t.Helper()
	email := fmt.Sprintf("ops%d@ops.test", id.New())
	if _, err := s.Identity.Provision(context.Background(), email, "Olive Ops", "correct horse battery", auth.Operator); err != nil {
		t.Fatal(err)
	}
	tok := (&client{t: t, base: s.URL}).must(201, "POST", "/api/v1/auth/tokens", map[string]any{"email": email, "password": "correct horse battery"})
	return &client{t: t, base: s.URL, token: tok["token"].(string)}
}
