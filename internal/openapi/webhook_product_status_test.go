package openapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

type productStatusHook struct {
	ID        string `json:"tts_notification_id"`
	ProductID string `json:"product_id"`
	Status    string `json:"status"`
	Reason    string `json:"suspended_reason"`
	Update    int64  `json:"update_time"`
}

// productStatuses are the PRODUCT_STATUS_CHANGE webhooks received for a product.
func productStatuses(t *testing.T, got []webhook, productID id.ID) []productStatusHook {
	var out []productStatusHook
	for _, h := range got {
		if h.Type != 5 {
			continue
		}
		var d productStatusHook
		if err := json.Unmarshal(h.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.ProductID == productID.String() {
			d.ID = h.NotificationID
			out = append(out, d)
		}
	}
	return out
}

func statusList(hs []productStatusHook) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Status)
	}
	slices.Sort(out)
	return out
}

// Every later change of a product's status reaches the app as one signed
// PRODUCT_STATUS_CHANGE: an edit that sends a live product back to review, the
// operator's rejection (with its reason), the edit after it, the approval. Edits that
// leave the status alone and refused reviews send nothing, and events published again
// (a relay after a crash) queue nothing twice.
func TestProductStatusWebhooks(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		ctx := e.ctx
		rc := newReceiver(t)
		s := e.seller("pia")
		dev := e.seller("pdev").actor
		// The product's creation was announced before the app existed; let the relay
		// hand it on first, so the app hears only the changes below (under load the
		// relay can lag behind the authorization).
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if pending, _, err := e.Outbox.Stats(ctx); err == nil && pending == 0 {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("the outbox did not drain: %d pending, %v", pending, err)
			}
		}
		a, secret, err := e.OpenAPI.RegisterApp(ctx, dev, openapi.AppInput{Name: "Status", RedirectURLs: []string{"https://erp.example.com/cb"},
			Scopes: openapi.ScopeNames(), WebhookURL: rc.URL})
		if err != nil {
			t.Fatal(err)
		}
		rc.appKey, rc.secret = a.Key, secret
		e.client(a, secret, s.actor, s.shop.ID)
		opAcct, err := e.Identity.Provision(ctx, fmt.Sprintf("ops%d@ops.test", seq.Add(1)), "Ops", "", auth.Operator)
		if err != nil {
			t.Fatal(err)
		}
		op := opAcct.Actor()
		if _, err := e.Catalog.AddKeyword(ctx, op, "US", "miracle", "health claims"); err != nil {
			t.Fatal(err)
		}
		p := s.product.ID
		str := func(v string) *string { return &v }
		price := money.New(1399, "USD")
		want := []string{}
		expect := func(what string, add ...string) {
			t.Helper()
			want = append(want, add...)
			slices.Sort(want)
			rc.wait(what, func(got []webhook) bool { return slices.Equal(statusList(productStatuses(t, got, p)), want) })
		}

		// An edit that keeps the product live: no change, nothing sent.
		if _, err := e.Catalog.EditProduct(ctx, s.actor, p, catalog.ProductEdit{Title: str("pia lip tint, new shade"),
			SKUs: []catalog.SKUEdit{{ID: s.product.SKUs[0].ID, Price: &price}}}); err != nil {
			t.Fatal(err)
		}
		// Live -> back to review.
		if _, err := e.Catalog.EditProduct(ctx, s.actor, p, catalog.ProductEdit{Title: str("pia miracle lip tint")}); err != nil {
			t.Fatal(err)
		}
		expect("the edit's PENDING", "PENDING")
		// Refused reviews change nothing and send nothing.
		if _, err := e.Catalog.ReviewProduct(ctx, op, p, false, " "); errs.As(err).Field != "reason" {
			t.Fatalf("reject without reason: %v", err)
		}
		if _, err := e.Catalog.ReviewProduct(ctx, s.actor, p, true, ""); err == nil {
			t.Fatal("a seller reviewed their own product")
		}
		// Rejected, with the reason.
		if _, err := e.Catalog.ReviewProduct(ctx, op, p, false, "no health claims in titles"); err != nil {
			t.Fatal(err)
		}
		expect("the rejection", "FAILED")
		if _, err := e.Catalog.ReviewProduct(ctx, op, p, true, ""); err == nil {
			t.Fatal("approved a product not in review")
		}
		// The seller fixes it: back to review, then approved.
		if _, err := e.Catalog.EditProduct(ctx, s.actor, p, catalog.ProductEdit{Title: str("pia lip tint")}); err != nil {
			t.Fatal(err)
		}
		expect("the fix's PENDING", "PENDING")
		if _, err := e.Catalog.ReviewProduct(ctx, op, p, true, ""); err != nil {
			t.Fatal(err)
		}
		got := productStatuses(t, rc.wait("the approval", func(got []webhook) bool {
			return slices.Equal(statusList(productStatuses(t, got, p)), []string{"ACTIVATE", "FAILED", "PENDING", "PENDING"})
		}), p)
		ids := map[string]bool{}
		for _, h := range got {
			ids[h.ID] = true
			if h.Update == 0 {
				t.Errorf("%s without update_time", h.Status)
			}
			if want := map[string]string{"FAILED": "no health claims in titles"}[h.Status]; h.Reason != want {
				t.Errorf("%s: suspended_reason %q, want %q", h.Status, h.Reason, want)
			}
		}
		if len(ids) != 4 {
			t.Fatalf("notification ids %v", ids)
		}
		if st, err := e.Catalog.Product(ctx, p); err != nil || st.Status != catalog.Live {
			t.Fatalf("product %s %v", st.Status, err)
		}

		// Publish the status events again, as a relay would after a crash.
		if _, err := e.DB.ExecContext(ctx, `UPDATE outbox SET published_at = NULL WHERE topic = 'product.status_changed'`); err != nil {
			t.Fatal(err)
		}
		e.Outbox.Wake()
		time.Sleep(500 * time.Millisecond)
		if got := productStatuses(t, rc.wait("", func([]webhook) bool { return true }), p); len(got) != 4 {
			t.Fatalf("redelivered events sent %d webhooks", len(got))
		}
		var n int
		if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM openapi_deliveries WHERE app_id = $1 AND event_type = 'PRODUCT_STATUS_CHANGE'`, a.ID).Scan(&n); err != nil || n != 4 {
			t.Fatalf("%d deliveries %v", n, err)
		}
	})
}
