package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// An approved sample is a zero-price order for the creator through the API: it
// takes the stock, ships and is delivered through the seller's usual fulfilment, the
// sample following with its content due from delivery; a refund of it (faulty) pays
// nothing back; the creator completes it, and no consumer books money, GMV or
// commission for it (every event is consumed, none set aside).
func TestSampleOrderAPI(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) { testSampleOrderAPI(t, pg) })
	}
}

func testSampleOrderAPI(t *testing.T, pg bool) {
	s := start(t, pg)
	ctx := context.Background()
	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shop := sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})
	shopID := str(shop["id"])
	prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Tint",
		"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 3}}})
	pid := str(prod["id"])
	sku := str(prod["skus"].([]any)[0].(map[string]any)["id"])
	sel.must(200, "PUT", "/api/v1/products/"+pid+"/open-plan", map[string]any{"commission_bp": 1500, "free_samples": true})
	cr := s.signup(t, "cleo@creator.test", "Cleo")
	me := cr.must(201, "POST", "/api/v1/creators", map[string]any{"handle": "cleo", "market": "US", "birth_date": "1995-01-01"})
	cid, _ := id.Parse(str(me["id"]))
	giveFollowers(t, s, cid, 1000)

	// Where samples go: refused abroad, with the field named; then kept.
	addr := map[string]any{"name": "Cleo", "line1": "9 Elm St", "city": "Austin", "postal_code": "78701", "country": "MX"}
	if r := cr.do("PUT", "/api/v1/creators/me/sample-address", addr); r.Status != 400 || !strings.Contains(string(r.Raw), "shipping_address.country") {
		t.Fatalf("address abroad: %d %s", r.Status, r.Raw)
	}
	if r := cr.do("POST", "/api/v1/samples", map[string]any{"product_id": pid}); r.Status != 400 || !strings.Contains(string(r.Raw), "sample_address_missing") {
		t.Fatalf("sample without an address: %d %s", r.Status, r.Raw)
	}
	addr["country"] = "US"
	cr.must(200, "PUT", "/api/v1/creators/me/sample-address", addr)
	if got := cr.must(200, "GET", "/api/v1/creators/me/sample-address", nil)["address"].(map[string]any); got["line1"] != "9 Elm St" {
		t.Fatalf("kept address %v", got)
	}
	smp := cr.must(201, "POST", "/api/v1/samples", map[string]any{"product_id": pid, "note": "for a review"})
	sid := str(smp["id"])
	if r := sel.do("POST", "/api/v1/samples/"+sid+"/decision", map[string]any{"approve": true}); r.Status != 400 || !strings.Contains(string(r.Raw), "content_days") {
		t.Fatalf("approve without content days: %d %s", r.Status, r.Raw)
	}
	smp = sel.must(200, "POST", "/api/v1/samples/"+sid+"/decision", map[string]any{"approve": true, "content_days": 10})
	oid := str(smp["order_id"])
	if smp["status"] != "approved" || oid == "" || oid == "0" {
		t.Fatalf("approved sample %v", smp)
	}
	o := cr.must(200, "GET", "/api/v1/orders/"+oid, nil)
	line := o["lines"].([]any)[0].(map[string]any)
	if o["status"] != "AWAITING_SHIPMENT" || num(o["total"].(map[string]any)["amount"]) != 0 || line["source"] != "SAMPLE" ||
		num(line["unit_price"].(map[string]any)["amount"]) != 0 || str(line["sku_id"]) != sku {
		t.Fatalf("sample order %v", o)
	}
	if p := sel.must(200, "GET", "/api/v1/products/"+pid, nil); num(p["skus"].([]any)[0].(map[string]any)["stock"]) != 2 {
		t.Fatalf("stock after the sample: %v", p["skus"])
	}
	// The seller ships it as any order (the test's sandbox carrier delivers at once).
	sel.must(200, "POST", "/api/v1/orders/"+oid+"/ship", map[string]any{})
	waitStatus(t, cr, oid, "DELIVERED")
	waitFor(t, "the sample delivered", func() bool {
		ms := cr.must(200, "GET", "/api/v1/creators/me/samples", nil)["samples"].([]any)
		return ms[0].(map[string]any)["status"] == "delivered" && ms[0].(map[string]any)["content_due_at"] != nil
	})
	// A faulty sample may be refunded: nothing to pay back, and nothing books it.
	ret := cr.must(201, "POST", "/api/v1/orders/"+oid+"/returns", map[string]any{"kind": "refund_only", "reason": "arrived broken"})
	ret = sel.must(200, "POST", "/api/v1/returns/"+str(ret["id"])+"/respond", map[string]any{"approve": true})
	if ret["status"] != "refunded" {
		t.Fatalf("the sample's refund: %v", ret)
	}
	cr.must(200, "POST", "/api/v1/orders/"+oid+"/confirm-receipt", nil)
	waitStatus(t, cr, oid, "COMPLETED")
	waitFor(t, "every event consumed", func() bool {
		pending, _, err := s.Outbox.Stats(ctx)
		return err == nil && pending == 0
	})
	if _, dead, _ := s.Outbox.Stats(ctx); dead != 0 {
		evs, _ := s.Outbox.Dead(ctx, 5)
		t.Fatalf("%d events set aside: %+v", dead, evs)
	}
	for what, q := range map[string]string{
		"ledger transfers": `SELECT COUNT(*) FROM ledger_transfers WHERE reference = 'order:` + oid + `'`,
		"GMV facts":        `SELECT COUNT(*) FROM gmv_facts WHERE order_id = ` + oid,
		"GMV rollups":      `SELECT COUNT(*) FROM gmv_rollups`,
		"commissions":      `SELECT COUNT(*) FROM commissions`,
		"payments":         `SELECT COUNT(*) FROM payments`,
	} {
		var n int
		if err := s.DB.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d %s for a sample order", n, what)
		}
	}
}
