package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// setLadder gives the US a small enforcement ladder and no on-hold time.
func setLadder(t *testing.T, s *server, op auth.Actor) {
	t.Helper()
	bg := context.Background()
	p, err := s.Markets.Policy(bg, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Orders.OnHoldMinutes = 0
	p.Enforcement.Thresholds = []market.EnforcementThreshold{
		{Points: 2, Action: market.ActionWarning},
		{Points: 3, Action: market.ActionListingRestriction, Days: 7},
		{Points: 3, Action: market.ActionOrderRestriction, Days: 3},
		{Points: 3, Action: market.ActionSettlementDelay, Days: 30},
	}
	if _, err := s.Markets.SetPolicy(bg, op, "US", time.Now(), p, "test: small enforcement ladder"); err != nil {
		t.Fatal(err)
	}
}

// Over HTTP: points reach the ladder; checkout answers 422 shop_order_restricted on
// the line, product creation listing_restricted, and nothing changes; the seller
// reads the health and appeals; an operator grants the appeal and orders flow again.
func TestEnforcementOverHTTP(t *testing.T) {
	s := start(t, false)
	bg := context.Background()
	opAcc, err := s.Identity.Provision(bg, "olive@ops.test", "Olive Ops", pw, auth.Operator)
	if err != nil {
		t.Fatal(err)
	}
	op := opAcc.Actor()
	setLadder(t, s, op)
	anon := &client{t: t, base: s.URL}
	tok := anon.must(201, "POST", "/api/v1/auth/tokens", map[string]any{"email": "olive@ops.test", "password": pw, "name": "ops"})
	ops := &client{t: t, base: s.URL, token: tok["token"].(string)}

	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shopID := str(sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})["id"])
	prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Tint",
		"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 3}}})
	skuID := str(prod["skus"].([]any)[0].(map[string]any)["id"])
	buyer := s.signup(t, "bea@shopper.test", "Bea")
	addr := map[string]any{"name": "Bea", "line1": "1 Main", "city": "Austin", "country": "US"}
	checkout := func(key string) response {
		return buyer.do("POST", "/api/v1/checkout", map[string]any{"idempotency_key": key, "market": "US", "payment_method": "pm_card_visa",
			"shipping_address": addr, "lines": []any{map[string]any{"sku_id": skuID, "quantity": 1}}})
	}

	sid, _ := id.Parse(shopID)
	if _, err := s.Sellers.RecordViolation(bg, op, sid, seller.ViolationInput{Code: "late_dispatch", Reason: "shipped late", Points: 3, Days: 90}); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, s)
	r := checkout("k1")
	if r.Status != 422 || r.Body["code"] != "shop_order_restricted" || r.Body["field"] != "lines[0].sku_id" {
		t.Fatalf("checkout under order restriction: %d %s", r.Status, r.Raw)
	}
	r = sel.do("POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Balm",
		"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 3}}})
	if r.Status != 422 || r.Body["code"] != "listing_restricted" || r.Body["field"] != "shop_id" {
		t.Fatalf("listing under restriction: %d %s", r.Status, r.Raw)
	}
	after := tableCounts(t, s)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed %d -> %d", k, v, after[k])
		}
	}

	h := sel.must(200, "GET", "/api/v1/shops/"+shopID+"/health", nil)
	if num(h["points"]) != 3 || len(h["in_force"].([]any)) != 4 {
		t.Fatalf("health %v", h)
	}
	var orderRestriction string
	for _, a := range h["in_force"].([]any) {
		if a.(map[string]any)["kind"] == "order_restriction" {
			orderRestriction = str(a.(map[string]any)["id"])
		}
	}
	if r := buyer.do("GET", "/api/v1/shops/"+shopID+"/health", nil); r.Status != 403 {
		t.Fatalf("a buyer read the health: %d", r.Status)
	}
	if r := sel.do("POST", "/api/v1/enforcement-actions/"+orderRestriction+"/appeal", map[string]any{"appeal": ""}); r.Status != 400 || r.Body["field"] != "appeal" {
		t.Fatalf("empty appeal: %d %s", r.Status, r.Raw)
	}
	sel.must(200, "POST", "/api/v1/enforcement-actions/"+orderRestriction+"/appeal", map[string]any{"appeal": "carrier strike, see ticket"})
	if r := sel.do("POST", "/api/v1/ops/enforcement-actions/"+orderRestriction+"/decision", map[string]any{"decision": "grant", "note": "ok"}); r.Status != 403 {
		t.Fatalf("seller decided: %d", r.Status)
	}
	if r := ops.do("POST", "/api/v1/ops/enforcement-actions/"+orderRestriction+"/decision", map[string]any{"decision": "maybe", "note": "ok"}); r.Status != 400 || r.Body["field"] != "decision" {
		t.Fatalf("bad decision: %d %s", r.Status, r.Raw)
	}
	got := ops.must(200, "POST", "/api/v1/ops/enforcement-actions/"+orderRestriction+"/decision", map[string]any{"decision": "grant", "note": "strike confirmed"})
	if got["status"] != "lifted" || got["appeal_status"] != "granted" {
		t.Fatalf("decision %v", got)
	}
	if r := checkout("k2"); r.Status != 201 {
		t.Fatalf("checkout after the lift: %d %s", r.Status, r.Raw)
	}
}

// Buyer messages over HTTP: a buyer writes, the shop lists the conversation as
// waiting and answers; a stranger cannot read it.
func TestShopMessagesOverHTTP(t *testing.T) {
	s := start(t, false)
	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shopID := str(sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})["id"])
	buyer := s.signup(t, "bea@shopper.test", "Bea")
	other := s.signup(t, "cy@shopper.test", "Cy")
	if r := buyer.do("POST", "/api/v1/shops/"+shopID+"/messages", map[string]any{"body": " "}); r.Status != 400 || r.Body["field"] != "body" {
		t.Fatalf("empty message: %d %s", r.Status, r.Raw)
	}
	if r := buyer.do("POST", "/api/v1/shops/4242/messages", map[string]any{"body": "hi"}); r.Status != 404 {
		t.Fatalf("unknown shop: %d %s", r.Status, r.Raw)
	}
	m := buyer.must(201, "POST", "/api/v1/shops/"+shopID+"/messages", map[string]any{"body": "Is the tint vegan?"})
	buyerID := str(m["buyer_id"])
	cs := sel.must(200, "GET", "/api/v1/shops/"+shopID+"/conversations", nil)["conversations"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["waiting"] != true || cs[0].(map[string]any)["buyer_name"] != "Bea" {
		t.Fatalf("conversations %v", cs)
	}
	sel.must(201, "POST", "/api/v1/shops/"+shopID+"/conversations/"+buyerID, map[string]any{"body": "Yes, fully vegan"})
	if r := other.do("GET", "/api/v1/shops/"+shopID+"/conversations/"+buyerID, nil); r.Status != 403 {
		t.Fatalf("a stranger read the conversation: %d", r.Status)
	}
	ms := buyer.must(200, "GET", "/api/v1/shops/"+shopID+"/conversations/"+buyerID, nil)["messages"].([]any)
	if len(ms) != 2 || ms[1].(map[string]any)["body"] != "Yes, fully vegan" {
		t.Fatalf("messages %v", ms)
	}
	cs = sel.must(200, "GET", "/api/v1/shops/"+shopID+"/conversations", nil)["conversations"].([]any)
	if cs[0].(map[string]any)["waiting"] != false {
		t.Fatalf("still waiting after the answer: %v", cs)
	}
}
