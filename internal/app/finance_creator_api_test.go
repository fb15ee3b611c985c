package app_test

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// The creator payout API: a creator reads their balance, is refused a payout with no
// bank account or below the minimum, sets an account, is paid what an incentive
// credited, and sees the payout listed; operators book programme money over the API;
// accounts that are not creators are refused.
func TestCreatorPayoutAPI(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres" // start skips it without LIVESHOP_TEST_POSTGRES
		}
		t.Run(name, func(t *testing.T) {
			s := start(t, pg)
			ctx := context.Background()
			if _, err := s.Identity.Provision(ctx, "olive@ops.test", "Olive Ops", "correct horse battery", auth.Operator); err != nil {
				t.Fatal(err)
			}
			anon := &client{t: t, base: s.URL}
			tok := anon.must(201, "POST", "/api/v1/auth/tokens", map[string]any{"email": "olive@ops.test", "password": "correct horse battery", "name": "ops"})
			ops := &client{t: t, base: s.URL, token: tok["token"].(string)}

			cr := s.signup(t, "mia@creator.test", "Mia", "creator")
			me := cr.must(201, "POST", "/api/v1/creators", map[string]any{"handle": "mia.makeup", "market": "US", "birth_date": "1996-05-14"})
			creatorID := str(me["id"])

			e := cr.must(200, "GET", "/api/v1/creators/me/earnings", nil)
			earn := e["earnings"].(map[string]any)
			if earn["currency"] != "USD" || num(earn["payable"]) != 0 || num(earn["paid"]) != 0 || e["creator_id"] != creatorID {
				t.Fatalf("a new creator's earnings: %v", e)
			}
			if r := cr.do("POST", "/api/v1/creators/me/payouts", nil); r.Status != 422 || r.Body["code"] != "payout_destination_missing" {
				t.Fatalf("a payout with no bank account: %d %s", r.Status, r.Raw)
			}
			if r := cr.do("PUT", "/api/v1/creators/me/payout-destination", map[string]any{"destination": "x"}); r.Status != 400 || r.Body["field"] != "destination" {
				t.Fatalf("a short bank account: %d %s", r.Status, r.Raw)
			}
			if d := cr.must(200, "PUT", "/api/v1/creators/me/payout-destination", map[string]any{"destination": "US-BANK-987654"}); d["destination"] != "••••7654" {
				t.Fatalf("destination %v", d)
			}
			if r := cr.do("POST", "/api/v1/creators/me/payouts", nil); r.Status != 422 || r.Body["code"] != "payout_below_minimum" {
				t.Fatalf("a payout of nothing: %d %s", r.Status, r.Raw)
			}

			// An incentive credits 25.00, booked by an operator; a creator may not book one.
			reward := map[string]any{"idempotency_key": "rs-1", "owner_kind": "creator", "creator_id": creatorID, "market": "US",
				"amount": map[string]any{"amount": 2500, "currency": "USD"}, "program": "rising-star"}
			if r := cr.do("POST", "/api/v1/ledger/incentives", reward); r.Status != 403 {
				t.Fatalf("a creator booking an incentive: %d %s", r.Status, r.Raw)
			}
			tr := ops.must(201, "POST", "/api/v1/ledger/incentives", reward)
			if again := ops.must(201, "POST", "/api/v1/ledger/incentives", reward); again["id"] != tr["id"] {
				t.Fatalf("a retried incentive booked twice: %v %v", tr["id"], again["id"])
			}
			bad := map[string]any{"idempotency_key": "rs-2", "owner_kind": "creator", "creator_id": creatorID, "market": "US",
				"amount": map[string]any{"amount": 2500, "currency": "EUR"}, "program": "rising-star"}
			if r := ops.do("POST", "/api/v1/ledger/incentives", bad); r.Status != 400 || r.Body["code"] != "currency_mismatch" || r.Body["field"] != "amount.currency" {
				t.Fatalf("an incentive in the wrong currency: %d %s", r.Status, r.Raw)
			}
			if e := cr.must(200, "GET", "/api/v1/creators/me/earnings", nil)["earnings"].(map[string]any); num(e["payable"]) != 2500 {
				t.Fatalf("after the incentive: %v", e)
			}

			// Payouts are paid from what the platform holds at the payment provider, and
			// there is nothing there until a buyer pays for something.
			if r := cr.do("POST", "/api/v1/creators/me/payouts", nil); r.Status != 422 || r.Body["code"] != "overdraft" {
				t.Fatalf("a payout the provider balance cannot cover: %d %s", r.Status, r.Raw)
			}
			sellerAcct, err := s.Identity.Provision(ctx, "sam@seller.test", "Sam", "correct horse battery", auth.Seller)
			if err != nil {
				t.Fatal(err)
			}
			shop, err := s.Sellers.Register(ctx, sellerAcct.Actor(), seller.RegisterInput{Market: "US", Name: "Glow Lab"})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Catalog.CreateProduct(ctx, sellerAcct.Actor(), shop.ID, catalog.ProductInput{Title: "Serum", SKUs: []catalog.SKUInput{{Price: money.New(4999, "USD"), Stock: 5}}})
			if err != nil {
				t.Fatal(err)
			}
			buyer, err := s.Identity.Provision(ctx, "bo@buyer.test", "Bo", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Orders.Checkout(ctx, buyer.Actor(), order.CheckoutInput{IdempotencyKey: "k1", Market: "US", PaymentMethod: "pm_card_visa",
				ShippingAddress: order.Address{Name: "Bo", Line1: "1 Main", City: "Austin", Country: "US"},
				Lines:           []order.LineInput{{SKUID: p.SKUs[0].ID, Quantity: 1}}}); err != nil {
				t.Fatal(err)
			}
			settle(t, s)

			po := cr.must(201, "POST", "/api/v1/creators/me/payouts", nil)
			if po["status"] != "paid" || num(po["amount"]) != 2500 || po["currency"] != "USD" || po["destination"] != "••••7654" {
				t.Fatalf("payout %v", po)
			}
			list := cr.must(200, "GET", "/api/v1/creators/me/payouts", nil)["payouts"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["id"] != po["id"] {
				t.Fatalf("payouts %v", list)
			}
			if e := cr.must(200, "GET", "/api/v1/creators/me/earnings", nil)["earnings"].(map[string]any); num(e["payable"]) != 0 || num(e["paid"]) != 2500 {
				t.Fatalf("after the payout: %v", e)
			}
			if r := cr.do("POST", "/api/v1/creators/me/payouts", nil); r.Status != 422 || r.Body["code"] != "payout_below_minimum" {
				t.Fatalf("a second payout: %d %s", r.Status, r.Raw)
			}

			// Not a creator; not signed in.
			shopper := s.signup(t, "bea@buyer.test", "Bea")
			for _, c := range []struct{ method, path string }{{"GET", "/api/v1/creators/me/earnings"}, {"GET", "/api/v1/creators/me/payouts"}, {"POST", "/api/v1/creators/me/payouts"}} {
				if r := shopper.do(c.method, c.path, nil); r.Status != 422 || r.Body["code"] != "no_creator_profile" {
					t.Errorf("a shopper %s %s: %d %s", c.method, c.path, r.Status, r.Raw)
				}
				if r := anon.do(c.method, c.path, nil); r.Status != 401 {
					t.Errorf("anonymous %s %s: %d", c.method, c.path, r.Status)
				}
			}
			if err := s.Ledger.Verify(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
