package ledger

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// A category's rate is its own, else its nearest ancestor's, else the market's.
func TestCategoryRateFallsBackUpTheTreeThenToTheMarket(t *testing.T) {
	p := market.Policy{Fees: market.FeePolicy{ReferralFeeBP: 600, CategoryReferralFeeBP: map[string]int{"beauty": 800, "lips": 300, "electronics": 200}}}
	for _, c := range []struct {
		path string
		want money.BP
	}{
		{"beauty/makeup/lips", 300},   // its own
		{"beauty/makeup/face", 800},   // grandparent's
		{"beauty/makeup", 800},        // parent's
		{"beauty", 800},               // its own, top level
		{"electronics/phones", 200},   // parent's
		{"home/kitchen", 600},         // nobody's: the market's
		{"", 600},                     // no category
		{"retired-code", 600},         // a code the tree no longer has
		{"fashion/womenswear", 600},   // a category without a rate
		{"beauty/makeup/lips/x", 300}, // deeper than the tree today
	} {
		if got := CategoryRate(p, c.path); got != c.want {
			t.Errorf("%q: %d bp, want %d", c.path, got, c.want)
		}
	}
	none := market.Policy{Fees: market.FeePolicy{ReferralFeeBP: 500}}
	if got := CategoryRate(none, "beauty/makeup/lips"); got != 500 {
		t.Errorf("no category rates: %d", got)
	}
}

// Settlement and refunds charge each line at its own rate; lines sharing a rate are
// rounded once; shipping at the market's rate.
func TestReferralFeePerCategoryToTheCent(t *testing.T) {
	// Lips at 3%, a kitchen line at the market's 6%, a second 6% line; 5.99 shipping.
	o := events.Order{OrderID: 1, ShopID: 7, Currency: "USD", Total: 1999 + 1001 + 1003 + 599, BuyerShipping: 599, ShippingFee: 599, Status: "COMPLETED",
		Lines: []events.OrderLine{
			{LineID: 11, Quantity: 1, Total: 1999, Paid: 1999},
			{LineID: 12, Quantity: 1, Total: 1001, Paid: 1001},
			{LineID: 13, Quantity: 1, Total: 1003, Paid: 1003},
		}}
	fees := Fees{ReferralBP: 600, RefundAdminBP: 2000, AdminCapPerSKU: 500, LineBP: map[id.ID]money.BP{11: 300}}
	tests := []struct {
		name string
		fees Fees
		fee  int64
	}{
		// 3% of 19.99 = 59.97 -> 60; 6% of (10.01 + 10.03 + 5.99) = 156.18 -> 156.
		{"lips at 3%, the rest at 6%", fees, 60 + 156},
		// Everything at 6%: one rounding of 6% of 46.02 = 276.12 -> 276.
		{"one rate", Fees{ReferralBP: 600}, 276},
		// A line at the market's rate written out is the same as no rate of its own.
		{"explicit market rate", Fees{ReferralBP: 600, LineBP: map[id.ID]money.BP{12: 600, 13: 600}}, 276},
		// A 0% category: only the others pay.
		{"a free category", Fees{ReferralBP: 600, LineBP: map[id.ID]money.BP{11: 0}}, 156},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(t, OrderSettled(o, tc.fees))
			if got["platform_referral_revenue/platform/0/USD"] != -tc.fee {
				t.Fatalf("fee %d, want %d", -got["platform_referral_revenue/platform/0/USD"], tc.fee)
			}
			if got["seller_payable/shop/7/USD"] != -(o.Total - 599 - tc.fee) {
				t.Fatalf("seller %d", got["seller_payable/shop/7/USD"])
			}
		})
	}

	// The lips line refunded after settlement: its 3% comes back (59.97 -> 60 of the
	// 216), and the admin fee is 20% of that line's 3% fee: 12.
	refunded := o
	refunded.Lines = append([]events.OrderLine(nil), o.Lines...)
	refunded.Lines[0].RefundedQuantity = 1
	refunded.Refunded = 1999
	ev := events.OrderRefunded{Order: refunded, ReturnID: 5, Kind: "return_refund", Refund: 1999, AdminFeeCharged: true,
		Lines: []events.RefundedLine{{LineID: 11, Quantity: 1, Amount: 1999}}}
	if admin := RefundAdminFee(ev, fees); admin != 12 {
		t.Fatalf("admin fee %d, want 12", admin)
	}
	got := codes(t, OrderRefunded(ev, fees))
	same(t, got, map[string]int64{
		"payment_provider_receivable/platform/0/USD": -1999,
		"platform_referral_revenue/platform/0/USD":   60 - 12, // fee returned, admin fee charged
		"seller_payable/shop/7/USD":                  1999 - 60 + 12,
	})
}

// Through the consumer: a payment fixes each line's category and rate; settlement
// charges them even after the policy and the product's category change.
func TestCategoryFeesAreFixedWhenTheBuyerPays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		c.Orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee, p.Shipping.Programs = 0, 0, 0, nil
			p.Fees = market.FeePolicy{ReferralFeeBP: 600, CategoryReferralFeeBP: map[string]int{"beauty": 800, "lips": 300}}
		})
		s := NewService(d, k.Markets, c.Sellers, k.Log)
		s.SetCatalog(c.Catalog)
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		owner, buyer := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bea")
		shop, _ := c.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		product := func(title, category string) catalog.Product {
			p, err := c.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: title, Category: category,
				SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		lips, face, pan := product("Tint", "lips"), product("Powder", "face"), product("Pan", "kitchen")
		res, err := c.Orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: "a", Market: "US", PaymentMethod: "pm_card_visa",
			ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
			Lines:           []order.LineInput{{SKUID: lips.SKUs[0].ID, Quantity: 1}, {SKUID: face.SKUs[0].ID, Quantity: 1}, {SKUID: pan.SKUs[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Orders[0]
		k.RelayUntilIdle(t)
		fixed, err := s.fixedLineFees(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[id.ID]money.BP{}
		for _, l := range o.Lines {
			switch l.ProductID {
			case lips.ID:
				want[l.ID] = 300 // its own
			case face.ID:
				want[l.ID] = 800 // beauty's
			case pan.ID:
				want[l.ID] = 600 // the market's
			}
		}
		if len(fixed) != 3 || fixed[o.Lines[0].ID] != want[o.Lines[0].ID] || fixed[o.Lines[1].ID] != want[o.Lines[1].ID] || fixed[o.Lines[2].ID] != want[o.Lines[2].ID] {
			t.Fatalf("fixed rates %v, want %v", fixed, want)
		}

		// Later: beauty becomes 20% and the tint moves to kitchen. The order keeps its fees.
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Fees = market.FeePolicy{ReferralFeeBP: 600, CategoryReferralFeeBP: map[string]int{"beauty": 2000}}
		})
		if _, err := d.ExecContext(ctx, `UPDATE products SET category = 'kitchen' WHERE id = $1`, lips.ID); err != nil {
			t.Fatal(err)
		}
		c.Orders.Ship(ctx, owner, o.ID, order.ShipInput{})
		c.Orders.Sweep(ctx)
		if _, err := c.Orders.ConfirmReceipt(ctx, buyer, o.ID); err != nil {
			t.Fatal(err)
		}
		k.RelayUntilIdle(t)
		rev, _ := s.Account(ctx, Platform(PlatformReferralRevenue, "USD"))
		// 3% of 10.00 + 8% of 10.00 + 6% of 10.00 = 0.30 + 0.80 + 0.60.
		if got := rev.Normalised().Amount; got != 30+80+60 {
			t.Fatalf("referral revenue %d, want 170", got)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
