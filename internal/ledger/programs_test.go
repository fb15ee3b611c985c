package ledger

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestProgrammeRulesToTheCent(t *testing.T) {
	usd := func(v int64) money.Money { return money.New(v, "USD") }
	tests := []struct {
		name string
		in   TransferInput
		want map[string]int64
	}{
		{"collaboration fee: the shop pays the creator 49.99",
			CollaborationFee("k", 3, 7, 9, usd(4999)),
			map[string]int64{"seller_available/shop/7/USD": 4999, "creator_available/creator/9/USD": -4999}},
		{"ad credit of 50.00 granted",
			AdCreditGranted("k", 7, usd(5000), "launch credit"),
			map[string]int64{"incentive_expense/platform/0/USD": 5000, "ad_credit/shop/7/USD": -5000}},
		{"ad spend within the credit",
			AdSpend("k", 7, usd(1250), 5000, "spring"),
			map[string]int64{"ad_credit/shop/7/USD": 1250, "platform_ad_revenue/platform/0/USD": -1250}},
		{"ad spend beyond the credit: the rest from the balance",
			AdSpend("k", 7, usd(8000), 5000, "spring"),
			map[string]int64{"ad_credit/shop/7/USD": 5000, "seller_available/shop/7/USD": 3000, "platform_ad_revenue/platform/0/USD": -8000}},
		{"ad spend with no credit",
			AdSpend("k", 7, usd(999), 0, "spring"),
			map[string]int64{"seller_available/shop/7/USD": 999, "platform_ad_revenue/platform/0/USD": -999}},
		{"ad spend with the credit on hold beyond what is left (treated as none)",
			AdSpend("k", 7, usd(999), -5, "spring"),
			map[string]int64{"seller_available/shop/7/USD": 999, "platform_ad_revenue/platform/0/USD": -999}},
		{"incentive reward to a shop",
			IncentiveReward("k", OwnerShop, 7, usd(1500), "new-seller"),
			map[string]int64{"incentive_expense/platform/0/USD": 1500, "seller_available/shop/7/USD": -1500}},
		{"incentive reward to a creator, in dong",
			IncentiveReward("k", OwnerCreator, 9, money.New(250000, "VND"), "rising-star"),
			map[string]int64{"incentive_expense/platform/0/VND": 250000, "creator_available/creator/9/VND": -250000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { same(t, codes(t, tc.in), tc.want) })
	}
}

// Programmes booked through the service: ad credit then spend beyond it, an
// incentive, a collaboration fee; retries book once; bad input writes nothing.
func TestBookProgrammes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		s := NewService(d, k.Markets, c.Sellers, k.Log)
		ctx := context.Background()
		op, owner := k.Operator(t), k.Actor(t, "ana", auth.Seller)
		shop, err := c.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		usd := func(v int64) money.Money { return money.New(v, "USD") }
		balance := func(ref AccountRef) int64 {
			t.Helper()
			a, err := s.Account(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			return a.Normalised().Amount
		}
		book := func(kind string, in ProgramInput) Transfer {
			t.Helper()
			tr, err := s.BookProgram(ctx, op, kind, in)
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			return tr
		}
		book(ProgramAdCredit, ProgramInput{IdempotencyKey: "grant-1", ShopID: shop.ID, Amount: usd(5000)})
		first := book(ProgramAdSpend, ProgramInput{IdempotencyKey: "spend-1", ShopID: shop.ID, Amount: usd(8000), Campaign: "spring"})
		if got := balance(Shop(AdCredit, shop.ID, "USD")); got != 0 {
			t.Fatalf("credit left %d", got)
		}
		if got := balance(Shop(SellerAvailable, shop.ID, "USD")); got != -3000 {
			t.Fatalf("shop available %d, want -30.00 (it owes)", got)
		}
		// A retry, after the credit is gone: the first booking, nothing more.
		again := book(ProgramAdSpend, ProgramInput{IdempotencyKey: "spend-1", ShopID: shop.ID, Amount: usd(8000), Campaign: "spring"})
		if again.ID != first.ID || balance(Platform(PlatformAdRevenue, "USD")) != 8000 {
			t.Fatalf("retry booked again: %s vs %s, revenue %d", again.ID, first.ID, balance(Platform(PlatformAdRevenue, "USD")))
		}
		book(ProgramIncentive, ProgramInput{IdempotencyKey: "inc-1", OwnerKind: OwnerShop, ShopID: shop.ID, Amount: usd(1500), Program: "new-seller"})
		book(ProgramIncentive, ProgramInput{IdempotencyKey: "inc-2", OwnerKind: OwnerCreator, CreatorID: 99, Market: "VN", Amount: money.New(250000, "VND"), Program: "rising-star"})
		book(ProgramCollaborationFee, ProgramInput{IdempotencyKey: "plan-1", ShopID: shop.ID, CreatorID: 99, PlanID: 5, Amount: usd(4999)})
		if got := balance(Shop(SellerAvailable, shop.ID, "USD")); got != -3000+1500-4999 {
			t.Fatalf("shop available %d", got)
		}
		if got := balance(Creator(CreatorAvailable, 99, "USD")); got != 4999 {
			t.Fatalf("creator USD %d", got)
		}
		if got := balance(Creator(CreatorAvailable, 99, "VND")); got != 250000 {
			t.Fatalf("creator VND %d", got)
		}
		if got := balance(Platform(IncentiveExpense, "USD")); got != 5000+1500 {
			t.Fatalf("incentive expense %d", got)
		}

		var before int64
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers`).Scan(&before)
		for _, c := range []struct {
			name  string
			actor auth.Actor
			kind  string
			in    ProgramInput
			code  string
			field string
		}{
			{"not an operator", owner, ProgramAdCredit, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, Amount: usd(100)}, "forbidden", ""},
			{"no key", op, ProgramAdCredit, ProgramInput{ShopID: shop.ID, Amount: usd(100)}, "idempotency_key_required", "idempotency_key"},
			{"zero", op, ProgramAdCredit, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, Amount: usd(0)}, "invalid_field", "amount"},
			{"negative", op, ProgramAdSpend, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, Amount: usd(-5), Campaign: "c"}, "invalid_field", "amount"},
			{"wrong currency", op, ProgramAdCredit, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, Amount: money.New(100, "EUR")}, "currency_mismatch", "amount.currency"},
			{"unknown shop", op, ProgramAdCredit, ProgramInput{IdempotencyKey: "x", ShopID: 12345, Amount: usd(100)}, "shop_not_found", "shop_id"},
			{"no campaign", op, ProgramAdSpend, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, Amount: usd(100)}, "invalid_field", "campaign"},
			{"incentive to nobody", op, ProgramIncentive, ProgramInput{IdempotencyKey: "x", OwnerKind: "buyer", Amount: usd(100), Program: "p"}, "payout_owner_invalid", "owner_kind"},
			{"creator incentive without a market", op, ProgramIncentive, ProgramInput{IdempotencyKey: "x", OwnerKind: OwnerCreator, CreatorID: 9, Amount: usd(100), Program: "p"}, "invalid_field", "market"},
			{"fee without a plan", op, ProgramCollaborationFee, ProgramInput{IdempotencyKey: "x", ShopID: shop.ID, CreatorID: 9, Amount: usd(100)}, "invalid_field", "plan_id"},
			{"a key reused for another spend", op, ProgramAdSpend, ProgramInput{IdempotencyKey: "spend-1", ShopID: shop.ID, Amount: usd(7000), Campaign: "spring"}, "idempotency_conflict", "idempotency_key"},
			{"a key reused for another grant", op, ProgramAdCredit, ProgramInput{IdempotencyKey: "grant-1", ShopID: shop.ID, Amount: usd(1)}, "idempotency_conflict", ""},
		} {
			_, err := s.BookProgram(ctx, c.actor, c.kind, c.in)
			e := errs.As(err)
			if e == nil || e.Code != c.code || e.Field != c.field {
				t.Errorf("%s: %v, want %s on %q", c.name, err, c.code, c.field)
			}
		}
		var after int64
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers`).Scan(&after)
		if after != before {
			t.Fatalf("refusals wrote %d transfers", after-before)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
