package app_test

import (
	"strings"
	"testing"
	"time"
)

// The affiliate API refuses bad input with the field named (commission out of range,
// a 51st creator, a forged link's product not in the showcase) and serves plans,
// search and recommendations.
func TestAffiliateAPI(t *testing.T) {
	s := start(t, false)
	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shop := sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})
	shopID := str(shop["id"])
	prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Tint",
		"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 3}}})
	pid := str(prod["id"])
	cr := s.signup(t, "cleo@creator.test", "Cleo")
	me := cr.must(201, "POST", "/api/v1/creators", map[string]any{"handle": "cleo", "market": "US", "birth_date": "1995-01-01", "categories": []string{"beauty"}})

	r := sel.do("PUT", "/api/v1/products/"+pid+"/open-plan", map[string]any{"commission_bp": 9000})
	if r.Status != 400 || !strings.Contains(string(r.Raw), "commission_bp") {
		t.Fatalf("90%%: %d %s", r.Status, r.Raw)
	}
	sel.must(200, "PUT", "/api/v1/products/"+pid+"/open-plan", map[string]any{"commission_bp": 1500, "category": "beauty"})
	ids := []string{str(me["id"])}
	for len(ids) < 51 {
		ids = append(ids, "1")
	}
	plan := map[string]any{"shop_id": shopID, "name": "Holiday", "commission_bp": 2000, "product_ids": []string{pid}, "creator_ids": ids,
		"expires_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}
	if r := sel.do("POST", "/api/v1/target-plans", plan); r.Status != 400 || !strings.Contains(string(r.Raw), `"creator_ids"`) {
		t.Fatalf("51 creators: %d %s", r.Status, r.Raw)
	}
	plan["creator_ids"] = ids[:1]
	created := sel.must(201, "POST", "/api/v1/target-plans", plan)
	if plans := sel.must(200, "GET", "/api/v1/shops/"+shopID+"/target-plans", nil)["plans"].([]any); len(plans) != 1 {
		t.Fatalf("plans %v", plans)
	}
	invs := cr.must(200, "GET", "/api/v1/creators/me/invitations", nil)["invitations"].([]any)
	if len(invs) != 1 || str(invs[0].(map[string]any)["id"]) != str(created["id"]) {
		t.Fatalf("invitations %v", invs)
	}
	// Cleo has no followers: she may not accept (selling needs 1,000 in the US).
	if r := cr.do("POST", "/api/v1/target-plans/"+str(created["id"])+"/answer", map[string]any{"accept": true}); r.Status != 422 || !strings.Contains(string(r.Raw), "1000 followers") {
		t.Fatalf("accept without followers: %d %s", r.Status, r.Raw)
	}
	cr.must(200, "POST", "/api/v1/target-plans/"+str(created["id"])+"/answer", map[string]any{"accept": false})
	if r := cr.do("GET", "/api/v1/creator-marketplace?market=US", nil); r.Status != 403 {
		t.Fatalf("a creator searches: %d %s", r.Status, r.Raw)
	}
	found := sel.must(200, "GET", "/api/v1/creator-marketplace?market=US&category=beauty", nil)["creators"].([]any)
	if len(found) != 1 || found[0].(map[string]any)["handle"] != "cleo" {
		t.Fatalf("search %v", found)
	}
	if recs := sel.must(200, "GET", "/api/v1/products/"+pid+"/recommended-creators", nil)["creators"].([]any); len(recs) != 1 {
		t.Fatalf("recommended %v", recs)
	}
	if r := sel.do("POST", "/api/v1/collaboration-messages", map[string]any{"shop_id": shopID, "creator_id": str(me["id"]), "plan_id": str(created["id"]), "body": ""}); r.Status != 400 {
		t.Fatalf("empty message: %d %s", r.Status, r.Raw)
	}
	sel.must(201, "POST", "/api/v1/collaboration-messages", map[string]any{"shop_id": shopID, "creator_id": str(me["id"]), "plan_id": str(created["id"]), "body": "Still keen?"})
}
