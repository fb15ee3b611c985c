package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

const actorHeader = "X-Test-Actor"

// server serves the hub's routes; a request acts as the actor whose account id it
// names in actorHeader, as the session middleware would have decided.
func (f *fixture) server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	f.hub.Routes(mux)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		a, ok := f.actors[r.Header.Get(actorHeader)]
		f.mu.Unlock()
		if ok {
			r = r.WithContext(auth.With(r.Context(), a))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fixture) as(a auth.Actor) http.Header {
	h := http.Header{}
	if !a.Anonymous() {
		f.mu.Lock()
		f.actors[a.AccountID.String()] = a
		f.mu.Unlock()
		h.Set(actorHeader, a.AccountID.String())
	}
	return h
}

func (f *fixture) wsURL(srv *httptest.Server, query string) string {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/live/sessions/" + f.session.ID.String() + "/ws"
	if query != "" {
		u += "?" + query
	}
	return u
}

func (f *fixture) tryDial(srv *httptest.Server, a auth.Actor, query string) (*websocket.Conn, error) {
	conn, resp, err := websocket.DefaultDialer.Dial(f.wsURL(srv, query), f.as(a))
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, fmt.Errorf("dial (status %d): %w", status, err)
	}
	return conn, nil
}

// dial opens a room connection as a and returns it after its hello.
func (f *fixture) dial(t *testing.T, srv *httptest.Server, a auth.Actor, query string) (*websocket.Conn, live.Hello) {
	t.Helper()
	conn, err := f.tryDial(srv, a, query)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fr := nextFrame(t, connReader(conn))
	if fr.Type != live.FrameHello || fr.Seq != 0 {
		t.Fatalf("first frame %s#%d, want hello", fr.Type, fr.Seq)
	}
	return conn, decode[live.Hello](t, fr)
}

// connReader reads frames from a connection. A read error (a timeout included) ends
// the connection, so tests give it one generous deadline.
func connReader(conn *websocket.Conn) reader {
	return func(deadline time.Time) (frame, error) {
		_ = conn.SetReadDeadline(deadline)
		kind, data, err := conn.ReadMessage()
		if err != nil {
			return frame{}, err
		}
		if kind != websocket.TextMessage {
			return frame{}, fmt.Errorf("message of kind %d", kind)
		}
		var fr frame
		if err := json.Unmarshal(data, &fr); err != nil {
			return frame{}, fmt.Errorf("frame %s: %w", data, err)
		}
		return fr, nil
	}
}

// sequenced reads the next n frames that carry a sequence number.
func sequenced(t *testing.T, r reader, n int) []frame {
	t.Helper()
	var out []frame
	for len(out) < n {
		fr, _ := expect(t, r, "a sequenced frame", func(fr frame) bool { return fr.Seq > 0 })
		out = append(out, fr)
	}
	return out
}

func texts(t *testing.T, fs []frame) string {
	var s []string
	for _, fr := range fs {
		s = append(s, fmt.Sprintf("%d:%s", fr.Seq, decode[live.Chat](t, fr).Text))
	}
	return strings.Join(s, " ")
}

func TestReconnectResumesAfterLastSeenFrame(t *testing.T) {
	cfg := testConfig()
	cfg.HistorySize, cfg.ContextFrames = 8, 2
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	f.setChatPolicy(t, 150, 0)
	srv := f.server(t)
	chatter, _ := f.watch(t, f.Actor(t, "cy"))
	say := func(from, to int) {
		for i := from; i <= to; i++ {
			if err := chatter.Chat(ctx, fmt.Sprint("m", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	dee := f.Actor(t, "dee")

	c1, h1 := f.dial(t, srv, dee, "")
	if h1.Resumed || h1.LastSeq != 0 {
		t.Fatalf("first hello %+v", h1)
	}
	say(1, 3)
	if got := texts(t, sequenced(t, connReader(c1), 3)); got != "1:m1 2:m2 3:m3" {
		t.Fatalf("first connection saw %s", got)
	}
	c1.Close()
	say(4, 7) // missed while away

	c2, h2 := f.dial(t, srv, dee, "since=3")
	if !h2.Resumed || h2.LastSeq != 7 {
		t.Fatalf("resuming hello %+v", h2)
	}
	r2 := connReader(c2)
	if got := texts(t, sequenced(t, r2, 4)); got != "4:m4 5:m5 6:m6 7:m7" {
		t.Fatalf("resumed with %s", got)
	}
	say(8, 8)
	if got := texts(t, sequenced(t, r2, 1)); got != "8:m8" { // nothing repeated before it
		t.Fatalf("after the missed frames came %s", got)
	}
	c2.Close()

	// Resuming at the newest frame sends nothing old.
	c3, h3 := f.dial(t, srv, dee, "since=8")
	say(9, 9)
	if got := texts(t, sequenced(t, connReader(c3), 1)); !h3.Resumed || got != "9:m9" {
		t.Fatalf("resumed at the head: %+v then %s", h3, got)
	}
	c3.Close()

	// The history keeps 8 frames (2..9 now, 5..12 after three more): a viewer away
	// longer starts afresh with the recent context.
	say(10, 12)
	c4, h4 := f.dial(t, srv, dee, "since=3")
	if h4.Resumed || h4.LastSeq != 12 {
		t.Fatalf("hello after too long away %+v", h4)
	}
	say(13, 13)
	if got := texts(t, sequenced(t, connReader(c4), 3)); got != "11:m11 12:m12 13:m13" {
		t.Fatalf("afresh with %s", got)
	}
	// A sequence number the room never issued (a restarted server) starts afresh too.
	if _, h := f.dial(t, srv, dee, "since=999"); h.Resumed {
		t.Fatalf("resumed from the future: %+v", h)
	}
	// The oldest frame still held is resumable from.
	if _, h := f.dial(t, srv, dee, "since=5"); !h.Resumed {
		t.Fatalf("since=5 with history 6..13: %+v", h)
	}
}

func TestWebSocketRefusals(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	srv := f.server(t)
	for _, tt := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"bad since", "/api/v1/live/sessions/" + f.session.ID.String() + "/ws?since=yesterday", http.StatusBadRequest, "invalid_field"},
		{"negative since", "/api/v1/live/sessions/" + f.session.ID.String() + "/ws?since=-1", http.StatusBadRequest, "invalid_field"},
		{"unknown session", "/api/v1/live/sessions/12345/ws", http.StatusNotFound, "live_session_not_found"},
		{"not an id", "/api/v1/live/sessions/abc/ws", http.StatusNotFound, "not_found"},
	} {
		_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+tt.path, nil)
		if err == nil || resp == nil || resp.StatusCode != tt.status {
			t.Errorf("%s: %v %+v", tt.name, err, resp)
			continue
		}
		var body struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if body.Code != tt.code {
			t.Errorf("%s: code %q, want %q", tt.name, body.Code, tt.code)
		}
	}
}

func TestChatOverWebSocketAnswersWithNotices(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	srv := f.server(t)
	obs, _ := f.dial(t, srv, auth.Actor{}, "")
	ro := connReader(obs)
	guest, _ := f.dial(t, srv, auth.Actor{}, "")
	eve, eh := f.dial(t, srv, f.Actor(t, "eve"), "")
	if eh.You == nil || eh.You.Name != "eve" || !eh.You.CanChat {
		t.Fatalf("eve's hello says %+v", eh.You)
	}
	notice := func(conn *websocket.Conn, msg map[string]any, want string) {
		t.Helper()
		if err := conn.WriteJSON(msg); err != nil {
			t.Fatal(err)
		}
		fr, _ := expect(t, connReader(conn), "notice "+want, isType(live.FrameNotice))
		if n := decode[live.Notice](t, fr); n.Code != want || n.Text == "" {
			t.Fatalf("notice %+v, want %s", n, want)
		}
	}
	notice(guest, map[string]any{"type": "chat", "text": "hi"}, "login_to_chat")
	if err := eve.WriteJSON(map[string]any{"type": "chat", "text": "hello from eve"}); err != nil {
		t.Fatal(err)
	}
	fr, _ := expect(t, ro, "eve's chat", isType(live.FrameChat))
	if c := decode[live.Chat](t, fr); fr.Seq != 1 || c.User != "eve" || c.Text != "hello from eve" {
		t.Fatalf("chat #%d %+v", fr.Seq, c)
	}
	notice(eve, map[string]any{"type": "chat", "text": strings.Repeat("x", 151)}, "chat_too_long")
	notice(eve, map[string]any{"type": "chat", "text": "again"}, "chat_too_fast")

	// Likes over the socket reach the room's counts.
	for range 3 {
		if err := guest.WriteJSON(map[string]any{"type": "like", "count": 4}); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, ro, "likes", statsWhere(func(s live.Stats) bool { return s.Likes == 12 && s.Viewers == 3 }))
	// Leaving is seen as a viewer fewer.
	guest.Close()
	expect(t, ro, "a viewer fewer", statsWhere(func(s live.Stats) bool { return s.Viewers == 2 }))
}

func TestGarbageDisconnectsOnlyTheSender(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	ctx := context.Background()
	f.setChatPolicy(t, 150, 0)
	srv := f.server(t)
	obs, _ := f.dial(t, srv, auth.Actor{}, "")
	ro := connReader(obs)
	chatter, _ := f.watch(t, f.Actor(t, "cy"))

	chat := func(v map[string]any) []byte { b, _ := json.Marshal(v); return b }
	huge := chat(map[string]any{"type": "chat", "text": strings.Repeat("x", 5000)})
	for _, tt := range []struct {
		name string
		kind int
		msg  []byte
		code int
	}{
		{"not json", websocket.TextMessage, []byte("hello?"), websocket.CloseUnsupportedData},
		{"binary", websocket.BinaryMessage, chat(map[string]any{"type": "chat", "text": "hi"}), websocket.CloseUnsupportedData},
		{"unknown type", websocket.TextMessage, chat(map[string]any{"type": "buy_everything"}), websocket.CloseUnsupportedData},
		{"no type", websocket.TextMessage, []byte("{}"), websocket.CloseUnsupportedData},
		{"wrong field type", websocket.TextMessage, []byte(`{"type":"like","count":"lots"}`), websocket.CloseUnsupportedData},
		{"over 4096 bytes", websocket.TextMessage, huge, websocket.CloseMessageTooBig},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad, _ := f.dial(t, srv, f.Actor(t, "mallory"), "")
			if err := bad.WriteMessage(tt.kind, tt.msg); err != nil {
				t.Fatal(err)
			}
			rb := connReader(bad)
			deadline := time.Now().Add(waitLimit)
			for {
				_, err := rb(deadline)
				if err == nil {
					continue // frames already on their way
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) {
					t.Fatalf("the connection ended with %v, want a close", err)
				}
				if ce.Code != tt.code {
					t.Fatalf("closed with %d %q, want %d", ce.Code, ce.Text, tt.code)
				}
				break
			}
			// Everyone else carries on.
			text := "still here after " + tt.name
			if err := chatter.Chat(ctx, text); err != nil {
				t.Fatal(err)
			}
			expect(t, ro, text, chatSaying(text))
		})
	}

	// A message of exactly 4096 bytes is within the limit: it is refused as a chat,
	// not as garbage, and the connection lives on.
	prefix, suffix := `{"type":"chat","text":"`, `"}`
	edge := prefix + strings.Repeat("x", 4096-len(prefix)-len(suffix)) + suffix
	ok, _ := f.dial(t, srv, f.Actor(t, "edge"), "")
	if err := ok.WriteMessage(websocket.TextMessage, []byte(edge)); err != nil {
		t.Fatal(err)
	}
	rk := connReader(ok)
	fr, _ := expect(t, rk, "notice", isType(live.FrameNotice))
	if n := decode[live.Notice](t, fr); n.Code != "chat_too_long" {
		t.Fatalf("4096-byte message: notice %+v", n)
	}
	if err := ok.WriteJSON(map[string]any{"type": "chat", "text": "short now"}); err != nil {
		t.Fatal(err)
	}
	expect(t, ro, "the edge viewer's chat", chatSaying("short now"))
	// Every garbage sender has been let go: the observer, the chatter and the edge remain.
	eventually(t, "the garbage senders to be let go", func() bool { return f.metric(t, "liveshop_live_viewers") == 3 })
	if g := f.metric(t, "liveshop_live_bad_messages_total"); g != 6 {
		t.Fatalf("bad messages %v, want 6", g)
	}
}

func TestBuyInTheRoom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, testConfig())
		ctx := context.Background()
		v, _ := f.watch(t, auth.Actor{})
		acct, err := f.Identity.Provision(ctx, "bea@example.com", "Bea Buyer", "")
		if err != nil {
			t.Fatal(err)
		}
		bea := acct.Actor()
		p0 := f.products[0]
		res, err := f.hub.Buy(ctx, bea, f.session.ID, live.BuyInput{SKUID: p0.SKUs[0].ID, Quantity: 2, IdempotencyKey: "k1",
			ShippingAddress: address, PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != "paid" || len(res.Orders) != 1 {
			t.Fatalf("result %+v", res)
		}
		stored, err := f.orders.Get(ctx, bea, res.Orders[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		l := stored.Lines[0]
		if l.Source != order.SourceLive || l.LiveSessionID != f.session.ID || l.CreatorID != f.profile.ID ||
			l.CommissionBP != 1000 || l.Total != money.New(3000, "USD") || l.Commission != money.New(300, "USD") {
			t.Fatalf("line %+v", l)
		}

		f.RelayUntilIdle(t)
		r := viewerReader(v)
		fr, _ := expect(t, r, "purchase", isType(live.FramePurchase))
		want := live.Purchase{User: "Bea B.", ProductID: p0.ID, Title: "Glow lip gloss", Quantity: 2}
		if got := decode[live.Purchase](t, fr); fr.Seq == 0 || got != want {
			t.Fatalf("purchase #%d %+v, want %+v", fr.Seq, got, want)
		}
		// The pinned product's card follows its stock.
		fr, _ = expect(t, r, "pinned with new stock", isType(live.FramePinned))
		if c := decode[live.ProductCard](t, fr); c.ID != p0.ID || c.Stock != 3 {
			t.Fatalf("pinned after the sale %+v", c)
		}

		// The same purchase over HTTP: created, then replayed by its idempotency key.
		srv := f.server(t)
		post := func(a auth.Actor, key string, in live.BuyInput) (int, map[string]any) {
			body, _ := json.Marshal(in)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/live/sessions/"+f.session.ID.String()+"/orders", bytes.NewReader(body))
			req.Header = f.as(a)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		in := live.BuyInput{SKUID: f.products[1].SKUs[1].ID, Quantity: 1, ShippingAddress: address, PaymentMethod: "pm_card_visa"}
		if status, body := post(bea, "k2", in); status != http.StatusCreated || body["status"] != "paid" {
			t.Fatalf("POST: %d %v", status, body)
		}
		if status, body := post(bea, "k2", in); status != http.StatusOK || body["replayed"] != true {
			t.Fatalf("replayed POST: %d %v", status, body)
		}
		if status, body := post(auth.Actor{}, "k3", in); status != http.StatusUnauthorized || body["code"] != "unauthenticated" {
			t.Fatalf("anonymous POST: %d %v", status, body)
		}
		f.RelayUntilIdle(t)
		fr, _ = expect(t, r, "second purchase", isType(live.FramePurchase))
		if got := decode[live.Purchase](t, fr); got.ProductID != f.products[1].ID || got.User != "Bea B." {
			t.Fatalf("second purchase %+v", got)
		}
	})
}

var address = order.Address{Name: "Bea Buyer", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}

func TestBuyRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, testConfig())
		ctx := context.Background()
		scheduled := f.schedule(t)
		ended := f.schedule(t)
		if _, err := f.content.Start(ctx, f.host, ended.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.content.End(ctx, f.host, ended.ID); err != nil {
			t.Fatal(err)
		}
		bea := f.Actor(t, "bea")
		sku := f.products[0].SKUs[0].ID
		tests := []struct {
			name      string
			actor     auth.Actor
			session   id.ID
			sku       id.ID
			wantCode  string
			wantField string
			qty       int64
		}{
			{"scheduled", bea, scheduled.ID, sku, "live_not_live", "", 1},
			{"ended", bea, ended.ID, sku, "live_ended", "", 1},
			{"product not in the live", bea, f.session.ID, f.products[2].SKUs[0].ID, "product_not_in_live", "sku_id", 1},
			{"anonymous", auth.Actor{}, f.session.ID, sku, "unauthenticated", "", 1},
			{"no sku", bea, f.session.ID, 0, "invalid_field", "sku_id", 1},
			{"unknown sku", bea, f.session.ID, 424242, "sku_not_found", "sku_id", 1},
			{"unknown session", bea, 424242, sku, "live_session_not_found", "", 1},
			// Checkout's refusals name the room request's own fields.
			{"more than in stock", bea, f.session.ID, sku, "out_of_stock", "quantity", 999},
			{"zero quantity", bea, f.session.ID, sku, "invalid_field", "quantity", 0},
		}
		for i, tt := range tests {
			_, err := f.hub.Buy(ctx, tt.actor, tt.session, live.BuyInput{SKUID: tt.sku, Quantity: tt.qty, IdempotencyKey: fmt.Sprint("k", i),
				ShippingAddress: address, PaymentMethod: "pm_card_visa"})
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		if !errors.Is(func() error {
			_, err := f.hub.Buy(ctx, bea, ended.ID, live.BuyInput{SKUID: sku, Quantity: 1, IdempotencyKey: "x"})
			return err
		}(), live.ErrRoomEnded) {
			t.Error("ended live: not ErrRoomEnded")
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d orders after refusals (%v)", n, err)
		}
	})
}
