package openapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// receiver is an integrator's webhook endpoint: it verifies each delivery's signature
// as TikTok's documentation tells integrators to, and can be told to fail.
type receiver struct {
	*httptest.Server
	t      *testing.T
	appKey string
	secret string

	mu       sync.Mutex
	got      []webhook
	badSigs  int
	failNext int
}

type webhook struct {
	Type           int             `json:"type"`
	NotificationID string          `json:"tts_notification_id"`
	ShopID         string          `json:"shop_id"`
	Timestamp      int64           `json:"timestamp"`
	Data           json.RawMessage `json:"data"`
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if r.Header.Get("Authorization") != openapi.WebhookSignature(rc.appKey, rc.secret, body) {
			rc.badSigs++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if rc.failNext > 0 {
			rc.failNext--
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		var h webhook
		if err := json.Unmarshal(body, &h); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		rc.got = append(rc.got, h)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// wait waits until fn holds for what the receiver got.
func (rc *receiver) wait(what string, fn func(got []webhook) bool) []webhook {
	rc.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		rc.mu.Lock()
		got := append([]webhook(nil), rc.got...)
		bad := rc.badSigs
		rc.mu.Unlock()
		if bad > 0 {
			rc.t.Fatalf("%d deliveries with a bad signature", bad)
		}
		if fn(got) {
			return got
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("never got %s; got %+v", what, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func statusesOf(got []webhook, orderID id.ID) []string {
	var out []string
	for _, h := range got {
		var d struct {
			OrderID     string `json:"order_id"`
			OrderStatus string `json:"order_status"`
		}
		json.Unmarshal(h.Data, &d)
		if h.Type == 1 && d.OrderID == orderID.String() {
			out = append(out, d.OrderStatus)
		}
	}
	return out
}

// Order, product and deauthorization events reach the app signed as TikTok signs
// them, at the app's URL or the shop's own subscription; failures are retried with
// backoff, set aside as dead after the last attempt, and redelivered from the console.
func TestWebhooks(t *testing.T) {
	each(t, func(s *openapi.Service) { s.WebhookMaxAttempts = 3 }, func(t *testing.T, e *env) {
		ctx := context.Background()
		appURL, shopURL := newReceiver(t), newReceiver(t)
		s := e.seller("kim")
		dev := e.seller("dev").actor
		a, secret, err := e.OpenAPI.RegisterApp(ctx, dev, openapi.AppInput{Name: "Hooks", RedirectURLs: []string{"https://erp.example.com/cb"},
			Scopes: openapi.ScopeNames(), WebhookURL: appURL.URL + "/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range []*receiver{appURL, shopURL} {
			rc.appKey, rc.secret = a.Key, secret
		}
		c, _ := e.client(a, secret, s.actor, s.shop.ID)

		// An order is paid: ORDER_STATUS_CHANGE at the app's URL.
		o := e.buy(s.product.SKUs[0].ID, 1)
		got := appURL.wait("the order's status change", func(got []webhook) bool { return len(statusesOf(got, o.ID)) > 0 })
		var h webhook
		for _, w := range got {
			if w.Type == 1 {
				h = w
			}
		}
		if h.Type != 1 || h.ShopID != s.shop.ID.String() || h.NotificationID == "" || h.Timestamp == 0 {
			t.Fatalf("webhook %+v", h)
		}

		// The shop subscribes its own address for order events through the API.
		ok(t, c, "PUT", "/event/202309/webhooks", nil, map[string]string{"event_type": "ORDER_STATUS_CHANGE", "address": shopURL.URL + "/orders"}, nil)
		var hooks struct {
			Webhooks []struct {
				Address   string `json:"address"`
				EventType string `json:"event_type"`
			} `json:"webhooks"`
			Total int `json:"total_count"`
		}
		ok(t, c, "GET", "/event/202309/webhooks", nil, nil, &hooks)
		if hooks.Total != 1 || hooks.Webhooks[0].EventType != "ORDER_STATUS_CHANGE" || hooks.Webhooks[0].Address != shopURL.URL+"/orders" {
			t.Fatalf("webhooks %+v", hooks)
		}
		refused(t, call(t, c, "PUT", "/event/202309/webhooks", nil, map[string]string{"event_type": "ORDER_EXPLODED", "address": shopURL.URL}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "PUT", "/event/202309/webhooks", nil, map[string]string{"event_type": "PACKAGE_UPDATE", "address": "ftp://x"}), 400, openapi.CodeInvalidParam)

		// The receiver fails twice, then accepts: retried with backoff, delivered once.
		shopURL.mu.Lock()
		shopURL.failNext = 2
		shopURL.mu.Unlock()
		released := e.release(o)
		if _, err := e.Orders.Ship(ctx, s.actor, released.ID, order.ShipInput{}); err != nil {
			t.Fatal(err)
		}
		shopURL.wait("the retried delivery", func(got []webhook) bool {
			st := statusesOf(got, o.ID)
			return len(st) == 1 && st[0] == string(order.AwaitingCollection)
		})
		// Shipping also announces the package, at the app's URL (no shop address for it).
		appURL.wait("the package update", func(got []webhook) bool {
			for _, h := range got {
				var d map[string]any
				json.Unmarshal(h.Data, &d)
				if h.Type == 4 && d["order_id"] == o.ID.String() && d["package_status"] == "SHIPPED" {
					return true
				}
			}
			return false
		})
		ds, _ := e.OpenAPI.Deliveries(ctx, dev, a.ID, "delivered", 50)
		retried := false
		for _, d := range ds {
			if d.Address == shopURL.URL+"/orders" && d.Attempts == 3 {
				retried = true
			}
		}
		if !retried {
			t.Fatalf("no delivery took 3 attempts: %+v", ds)
		}

		// A product listed through the API: PRODUCT_STATUS_CHANGE at the app's URL.
		var created struct {
			ProductID string `json:"product_id"`
		}
		ok(t, c, "POST", "/product/202309/products", nil, map[string]any{"title": "Hook balm",
			"skus": []map[string]any{{"price": map[string]string{"amount": "3"}, "inventory": []map[string]any{{"quantity": 3}}}}}, &created)
		appURL.wait("the product status change", func(got []webhook) bool {
			for _, h := range got {
				var d map[string]any
				json.Unmarshal(h.Data, &d)
				if h.Type == 5 && d["product_id"] == created.ProductID && d["status"] == "ACTIVATE" {
					return true
				}
			}
			return false
		})

		// A receiver that keeps failing: dead after three attempts, then redelivered by hand.
		ok(t, c, "DELETE", "/event/202309/webhooks", nil, map[string]string{"event_type": "ORDER_STATUS_CHANGE"}, nil)
		refused(t, call(t, c, "DELETE", "/event/202309/webhooks", url.Values{"n": {"2"}}, map[string]string{"event_type": "ORDER_STATUS_CHANGE"}), 404, openapi.CodeNotFound)
		appURL.mu.Lock()
		appURL.failNext = 6 // the delivery's status change and its package update, three attempts each
		appURL.mu.Unlock()
		if err := e.Orders.Sweep(ctx); err != nil { // the sandbox carrier collects and delivers
			t.Fatal(err)
		}
		var dead []openapi.Delivery
		deadline := time.Now().Add(15 * time.Second)
		for len(dead) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the failing delivery never went dead")
			}
			time.Sleep(50 * time.Millisecond)
			all, _ := e.OpenAPI.Deliveries(ctx, dev, a.ID, "dead", 10)
			for _, d := range all {
				if d.EventType == "ORDER_STATUS_CHANGE" {
					dead = append(dead, d)
				}
			}
		}
		if dead[0].Attempts != 3 || dead[0].LastStatus != 503 || dead[0].EventType != "ORDER_STATUS_CHANGE" {
			t.Fatalf("dead %+v", dead[0])
		}
		if err := e.OpenAPI.Redeliver(ctx, s.actor, a.ID, dead[0].ID); err == nil {
			t.Fatal("a stranger redelivered the app's webhook")
		}
		if err := e.OpenAPI.Redeliver(ctx, dev, a.ID, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		appURL.wait("the redelivered status change", func(got []webhook) bool {
			for _, st := range statusesOf(got, o.ID) {
				if st == string(order.Delivered) {
					return true
				}
			}
			return false
		})
		if err := e.OpenAPI.Redeliver(ctx, dev, a.ID, dead[0].ID); err == nil {
			t.Fatal("redelivered a delivered delivery")
		}

		// The seller deauthorizes: SELLER_DEAUTHORIZATION reaches the app.
		grants, _ := e.OpenAPI.SellerGrants(ctx, s.actor)
		if err := e.OpenAPI.Deauthorize(ctx, s.actor, grants[0].ID); err != nil {
			t.Fatal(err)
		}
		appURL.wait("the deauthorization", func(got []webhook) bool {
			for _, h := range got {
				if h.Type == 6 && h.ShopID == s.shop.ID.String() {
					return true
				}
			}
			return false
		})
		// After deauthorization the app hears nothing more from the shop.
		before := len(appURL.wait("", func([]webhook) bool { return true }))
		e.buy(s.product.SKUs[0].ID, 1)
		time.Sleep(300 * time.Millisecond)
		if after := len(appURL.wait("", func([]webhook) bool { return true })); after != before {
			t.Fatalf("a deauthorized app still got %d webhooks", after-before)
		}
	})
}

// The consumer is idempotent: the same event delivered twice queues its webhooks once.
func TestWebhookConsumerIsIdempotent(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("lou")
		dev := e.seller("dev2").actor
		rc := newReceiver(t)
		a, secret, err := e.OpenAPI.RegisterApp(e.ctx, dev, openapi.AppInput{Name: "Once", RedirectURLs: []string{"https://erp.example.com/cb"},
			Scopes: openapi.ScopeNames(), WebhookURL: rc.URL})
		if err != nil {
			t.Fatal(err)
		}
		rc.appKey, rc.secret = a.Key, secret
		e.client(a, secret, s.actor, s.shop.ID)
		o := e.buy(s.product.SKUs[0].ID, 1)
		rc.wait("one delivery", func(got []webhook) bool { return len(statusesOf(got, o.ID)) == 1 })
		// Publish every order event again, as a relay would after a crash.
		if _, err := e.DB.ExecContext(e.ctx, `UPDATE outbox SET published_at = NULL WHERE topic LIKE 'order.%'`); err != nil {
			t.Fatal(err)
		}
		e.Outbox.Wake()
		time.Sleep(500 * time.Millisecond)
		if got := statusesOf(rc.wait("", func([]webhook) bool { return true }), o.ID); len(got) != 1 {
			t.Fatalf("redelivered events queued %d webhooks", len(got))
		}
		var n int
		e.DB.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM openapi_deliveries WHERE app_id = $1 AND event_type = 'ORDER_STATUS_CHANGE'`, a.ID).Scan(&n)
		if n != 1 {
			t.Fatalf("%d deliveries", n)
		}
	})
}
