package app_test

import (
	"testing"
	"time"
)

// The finance API: a seller reads its shop's statement and payouts, sets a bank
// account and asks for a payout; bad input and other sellers are refused.
func TestFinanceAPI(t *testing.T) {
	s := start(t, false)
	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shop := str(sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})["id"])
	base := "/api/v1/shops/" + shop

	day := time.Now().UTC().Format("2006-01-02")
	st := sel.must(200, "GET", base+"/statements?day="+day, nil)
	if st["currency"] != "USD" || st["day"] != day || num(st["payable_movement"]) != 0 {
		t.Fatalf("an empty statement: %v", st)
	}
	if r := sel.do("GET", base+"/statements", nil); r.Status != 400 || r.Body["field"] != "day" {
		t.Fatalf("no day: %d %s", r.Status, r.Raw)
	}
	if r := sel.do("GET", base+"/statements?day=21-11-2026", nil); r.Status != 400 || r.Body["code"] != "statement_day_invalid" {
		t.Fatalf("a malformed day: %d %s", r.Status, r.Raw)
	}
	if r := sel.do("POST", base+"/payouts", nil); r.Status != 422 || r.Body["code"] != "payout_destination_missing" {
		t.Fatalf("a payout with no bank account: %d %s", r.Status, r.Raw)
	}
	if r := sel.do("PUT", base+"/payout-destination", map[string]any{"destination": "x"}); r.Status != 400 || r.Body["field"] != "destination" {
		t.Fatalf("a short bank account: %d %s", r.Status, r.Raw)
	}
	if d := sel.must(200, "PUT", base+"/payout-destination", map[string]any{"destination": "US-BANK-123456"}); d["destination"] != "••••3456" {
		t.Fatalf("destination %v", d)
	}
	if r := sel.do("POST", base+"/payouts", nil); r.Status != 422 || r.Body["code"] != "payout_below_minimum" {
		t.Fatalf("a payout of nothing: %d %s", r.Status, r.Raw)
	}
	if ps := sel.must(200, "GET", base+"/payouts", nil)["payouts"]; ps != nil {
		t.Fatalf("payouts %v", ps)
	}
	other := s.signup(t, "olga@seller.test", "Olga Other", "seller")
	for _, path := range []string{base + "/statements?day=" + day, base + "/payouts"} {
		if r := other.do("GET", path, nil); r.Status != 403 {
			t.Fatalf("another seller reading %s: %d", path, r.Status)
		}
	}
	if r := other.do("POST", base+"/payouts", nil); r.Status != 403 {
		t.Fatalf("another seller paying out: %d", r.Status)
	}
}
