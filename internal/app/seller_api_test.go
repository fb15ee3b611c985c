package app_test

import (
	"testing"
)

// The Seller Center over HTTP, on both engines: a cross-border shop registers, waits
// in the operators' queue, is approved, and reads its tier, requirements, performance
// and history; bad input is refused naming the field.
func TestSellerCenterAPI(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			s := start(t, pg)
			ana := s.signup(t, "ana@seller.test", "Ana", "seller")
			ops := operatorClient(t, s)

			bad := ana.do("POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Ana Abroad", "kind": "cross_border", "annual_gmv_elsewhere": -5})
			if bad.Status != 400 || bad.Body["field"] != "annual_gmv_elsewhere" {
				t.Fatalf("negative GMV: %d %s", bad.Status, bad.Raw)
			}
			shop := ana.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Ana Abroad", "kind": "cross_border",
				"legal_name": "Ana Ltd", "registration_number": "HK-1", "documents": "licence.pdf"})
			id := str(shop["id"])
			if shop["status"] != "pending" || shop["review_state"] != "submitted" {
				t.Fatalf("registered %v", shop)
			}
			if r := ana.do("GET", "/api/v1/ops/shops/queue", nil); r.Status != 403 {
				t.Fatalf("seller read the queue: %d", r.Status)
			}
			q := ops.must(200, "GET", "/api/v1/ops/shops/queue?market=US", nil)
			if shops := q["shops"].([]any); len(shops) != 1 || str(shops[0].(map[string]any)["id"]) != id {
				t.Fatalf("queue %v", q)
			}
			r := ops.do("POST", "/api/v1/ops/shops/"+id+"/decision", map[string]any{"decision": "reject"})
			if r.Status != 400 || r.Body["field"] != "reason" {
				t.Fatalf("reject without reason: %d %s", r.Status, r.Raw)
			}
			got := ops.must(200, "POST", "/api/v1/ops/shops/"+id+"/decision", map[string]any{"decision": "approve"})
			if got["status"] != "active" {
				t.Fatalf("approved %v", got)
			}
			tier := ana.must(200, "GET", "/api/v1/shops/"+id+"/tier", nil)
			if tier["current"].(map[string]any)["name"] != "Beginner" || tier["next"].(map[string]any)["name"] != "Standard" ||
				len(tier["requirements"].([]any)) == 0 || tier["probation"].(map[string]any)["active"] != true {
				t.Fatalf("tier %v", tier)
			}
			perf := ana.must(200, "GET", "/api/v1/shops/"+id+"/performance", nil)
			if perf["scored"] != false || len(perf["metrics"].([]any)) != 5 || len(perf["history"].([]any)) != 30 {
				t.Fatalf("performance %v", perf)
			}
			acts := ana.must(200, "GET", "/api/v1/shops/"+id+"/actions", nil)
			if len(acts["actions"].([]any)) != 2 {
				t.Fatalf("actions %v", acts)
			}
			other := s.signup(t, "bo@seller.test", "Bo", "seller")
			if r := other.do("GET", "/api/v1/shops/"+id+"/tier", nil); r.Status != 403 {
				t.Fatalf("another seller read the tier: %d", r.Status)
			}
			r = ops.do("POST", "/api/v1/ops/shops/"+id+"/status", map[string]any{"status": "pending", "reason": "x"})
			if r.Status != 409 || r.Body["field"] != "status" {
				t.Fatalf("bad transition: %d %s", r.Status, r.Raw)
			}
			ops.must(200, "POST", "/api/v1/ops/shops/"+id+"/status", map[string]any{"status": "suspended", "reason": "documents expired"})
			if r := ana.do("POST", "/api/v1/shops/"+id+"/products", map[string]any{"title": "Tea", "skus": []any{map[string]any{"price": map[string]any{"amount": 500, "currency": "USD"}, "stock": 1}}}); r.Status != 422 || r.Body["code"] != "shop_not_active" {
				t.Fatalf("suspended shop listed: %d %s", r.Status, r.Raw)
			}
		})
	}
}
