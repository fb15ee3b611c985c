package ledger

import (
	"math/rand/v2"
	"testing"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

var usFees = Fees{ReferralBP: 600, RefundAdminBP: 2000, AdminCapPerSKU: 500}

// codes sums a transfer's postings by account code, after checking the transfer is
// one the ledger would accept.
func codes(t *testing.T, in TransferInput) map[string]int64 {
	t.Helper()
	if err := validate(in); err != nil {
		t.Fatalf("rule produced an invalid transfer: %v (%+v)", err, in.Postings)
	}
	got := map[string]int64{}
	for _, p := range in.Postings {
		got[p.Account.Code()] += p.Amount
	}
	return got
}

func same(t *testing.T, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("postings %v, want %v", got, want)
	}
	for code, amt := range want {
		if got[code] != amt {
			t.Errorf("%s = %d, want %d", code, got[code], amt)
		}
	}
}

func TestOrderSettledSplitsToTheCent(t *testing.T) {
	tests := []struct {
		name  string
		order events.Order
		fees  Fees
		want  map[string]int64 // account code -> signed amount
	}{
		{
			name: "creator sale, 6% fee, 10% commission",
			order: events.Order{OrderID: 1, ShopID: 7, Currency: "USD", Total: 2599, Lines: []events.OrderLine{
				{LineID: 11, Quantity: 1, Total: 2599, Paid: 2599, CreatorID: 9, CommissionBP: 1000, Commission: 260},
			}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   2599,
				"platform_referral_revenue/platform/0/USD": -156, // 155.94 rounds to 156
				"creator_commission_payable/creator/9/USD": -260,
				"seller_payable/shop/7/USD":                -2183, // 2599 - 156 - 260
			},
		},
		{
			name: "no creator, fee rounds down",
			order: events.Order{OrderID: 2, ShopID: 7, Currency: "USD", Total: 1991, Lines: []events.OrderLine{
				{LineID: 21, Quantity: 1, Total: 1991, Paid: 1991},
			}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   1991,
				"platform_referral_revenue/platform/0/USD": -119, // 119.46
				"seller_payable/shop/7/USD":                -1872,
			},
		},
		{
			name: "two creators on one order, VND has no minor unit",
			order: events.Order{OrderID: 3, ShopID: 8, Currency: "VND", Total: 350000, Lines: []events.OrderLine{
				{LineID: 31, Quantity: 2, Total: 200000, Paid: 200000, CreatorID: 5, Commission: 30000},
				{LineID: 32, Quantity: 1, Total: 150000, Paid: 150000, CreatorID: 4, Commission: 15000},
			}},
			fees: Fees{ReferralBP: 500},
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/VND":   350000,
				"platform_referral_revenue/platform/0/VND": -17500,
				"creator_commission_payable/creator/4/VND": -15000,
				"creator_commission_payable/creator/5/VND": -30000,
				"seller_payable/shop/8/VND":                -287500,
			},
		},
		{
			name:  "zero fee leaves no zero posting",
			order: events.Order{OrderID: 4, ShopID: 7, Currency: "GBP", Total: 500, Lines: []events.OrderLine{{LineID: 41, Quantity: 1, Total: 500, Paid: 500}}},
			fees:  Fees{},
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/GBP": 500,
				"seller_payable/shop/7/GBP":              -500,
			},
		},
		{
			// Co-funded free shipping: the 5.99 label is paid 3.00 by the platform and
			// 2.99 by the seller; the buyer pays nothing for shipping. A 2.00 seller
			// coupon and a 1.00 platform coupon on the item.
			name: "price detail: discounts by funder and a shipping programme",
			order: events.Order{OrderID: 5, ShopID: 7, Currency: "USD", Total: 4999 - 200 - 100,
				ShippingFee: 599, ShippingPlatformDiscount: 300, ShippingSellerDiscount: 299, BuyerShipping: 0,
				SellerDiscount: 200, PlatformDiscount: 100,
				Lines: []events.OrderLine{{LineID: 51, Quantity: 1, Total: 4999, SellerDiscount: 200, PlatformDiscount: 100, Paid: 4699}}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   4699,
				"platform_subsidy_expense/platform/0/USD":  400,  // 1.00 coupon + 3.00 shipping
				"carrier_payable/platform/0/USD":           -599, // the whole label
				"platform_referral_revenue/platform/0/USD": -306, // 6% of (46.99 + 1.00 + 3.00) = 3.0594
				"seller_payable/shop/7/USD":                -4194,
			},
		},
		{
			// US sales tax is added on top; the buyer pays it, the platform remits it.
			name: "added tax is owed, not earned",
			order: events.Order{OrderID: 6, ShopID: 7, Currency: "USD", Total: 1000 + 80 + 599, ShippingFee: 599, BuyerShipping: 599, Tax: 80,
				Lines: []events.OrderLine{{LineID: 61, Quantity: 2, Total: 1000, Tax: 80, Paid: 1080}}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   1679,
				"carrier_payable/platform/0/USD":           -599,
				"tax_payable/platform/0/USD":               -80,
				"platform_referral_revenue/platform/0/USD": -96, // 6% of (10.00 + 5.99)
				"seller_payable/shop/7/USD":                -904,
			},
		},
		{
			// VAT is inside the price: of 12.00 paid, 2.00 is VAT at 20%.
			name: "included VAT comes out of the seller's revenue",
			order: events.Order{OrderID: 7, ShopID: 7, Currency: "GBP", Total: 1200, Tax: 200,
				Lines: []events.OrderLine{{LineID: 71, Quantity: 1, Total: 1200, Tax: 200, TaxIncluded: true, Paid: 1200}}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/GBP":   1200,
				"tax_payable/platform/0/GBP":               -200,
				"platform_referral_revenue/platform/0/GBP": -60,
				"seller_payable/shop/7/GBP":                -940,
			},
		},
		{
			// One of three units was refunded before completion: 10.00 of 30.00 left the
			// clearing account then; settlement books the two units kept.
			name: "settles only the units kept after a refund",
			order: events.Order{OrderID: 8, ShopID: 7, Currency: "USD", Total: 3000, Refunded: 1000,
				Lines: []events.OrderLine{{LineID: 81, Quantity: 3, Total: 3000, Paid: 3000, CreatorID: 9, Commission: 300, RefundedQuantity: 1}}},
			fees: usFees,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   2000,
				"platform_referral_revenue/platform/0/USD": -120,
				"creator_commission_payable/creator/9/USD": -200,
				"seller_payable/shop/7/USD":                -1680,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same(t, codes(t, OrderSettled(tt.order, tt.fees)), tt.want)
		})
	}
}

func TestRefundAdminFeeIsAShareOfTheFeeCappedPerSKU(t *testing.T) {
	line := func(total int64, qty int64) events.OrderLine {
		return events.OrderLine{LineID: id.ID(total), Quantity: qty, Total: total, Paid: total}
	}
	tests := []struct {
		name    string
		lines   []events.OrderLine
		refund  []events.RefundedLine
		charged bool
		want    int64
	}{
		{"20% of a 6% fee", []events.OrderLine{line(2500, 1)}, []events.RefundedLine{{LineID: 2500, Quantity: 1}}, true, 30},
		{"capped at 5.00 per SKU", []events.OrderLine{line(900000, 1)}, []events.RefundedLine{{LineID: 900000, Quantity: 1}}, true, 500},
		{"the cap applies to each SKU", []events.OrderLine{line(900000, 1), line(800000, 2)},
			[]events.RefundedLine{{LineID: 900000, Quantity: 1}, {LineID: 800000, Quantity: 1}}, true, 1000},
		{"a unit's share of the line", []events.OrderLine{line(3000, 3)}, []events.RefundedLine{{LineID: 3000, Quantity: 1}}, true, 12},
		{"waived", []events.OrderLine{line(2500, 1)}, []events.RefundedLine{{LineID: 2500, Quantity: 1}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.OrderRefunded{Order: events.Order{Lines: tt.lines}, Lines: tt.refund, AdminFeeCharged: tt.charged}
			if got := RefundAdminFee(ev, usFees); got != tt.want {
				t.Fatalf("admin fee %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOrderRefundedBeforeAndAfterSettlement(t *testing.T) {
	// 3 units at 10.00 with a 10% creator commission, free shipping paid by the buyer
	// at 5.99; one unit comes back.
	order := func(status string, refundedQty, refunded int64) events.Order {
		return events.Order{OrderID: 8, ShopID: 7, Currency: "USD", Status: status, Total: 3599, ShippingFee: 599, BuyerShipping: 599,
			Refunded: refunded, Lines: []events.OrderLine{{LineID: 81, Quantity: 3, Total: 3000, Paid: 3000, CreatorID: 9, Commission: 300,
				RefundedQuantity: refundedQty}}}
	}
	ev := func(status string) events.OrderRefunded {
		return events.OrderRefunded{Order: order(status, 1, 1000), ReturnID: 99, Kind: "return_refund", Refund: 1000,
			Lines: []events.RefundedLine{{LineID: 81, Quantity: 1, Before: 0, Amount: 1000}}, AdminFeeCharged: true}
	}
	same(t, codes(t, OrderRefunded(ev("DELIVERED"), usFees)), map[string]int64{
		"payment_provider_receivable/platform/0/USD": -1000,
		"buyer_payments_clearing/platform/0/USD":     1000,
		"platform_referral_revenue/platform/0/USD":   -12, // admin fee: 20% of 0.60
		"seller_payable/shop/7/USD":                  12,
	})
	same(t, codes(t, OrderRefunded(ev("COMPLETED"), usFees)), map[string]int64{
		"payment_provider_receivable/platform/0/USD": -1000,
		"platform_referral_revenue/platform/0/USD":   60 - 12, // the unit's fee back, less the admin fee
		"creator_commission_payable/creator/9/USD":   100,
		"seller_payable/shop/7/USD":                  1000 - 60 - 100 + 12,
	})
}

// The ledger must end in the same place whether an order's refunds come before its
// settlement or after it: random orders, random refunds in parts, both orders of
// events, every account compared to the cent.
func TestRefundsBeforeOrAfterSettlementEndTheSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for trial := 0; trial < 500; trial++ {
		o := randomOrder(rng)
		fees := Fees{ReferralBP: money.BP(rng.IntN(1500)), RefundAdminBP: money.BP(rng.IntN(3000)), AdminCapPerSKU: int64(rng.IntN(800))}
		refunds := randomRefunds(rng, &o)

		early, late := map[string]int64{}, map[string]int64{}
		post := func(into map[string]int64, in TransferInput) {
			for code, v := range codes(t, in) {
				into[code] += v
			}
		}
		post(early, PaymentCaptured(o))
		post(late, PaymentCaptured(o))
		final := o
		for _, r := range refunds {
			r.Order.Status = "DELIVERED"
			post(early, OrderRefunded(r, fees))
			final = r.Order
		}
		final.Status = "COMPLETED"
		post(early, OrderSettled(final, fees))

		post(late, OrderSettled(o, fees))
		for _, r := range refunds {
			r.Order.Status = "COMPLETED"
			post(late, OrderRefunded(r, fees))
		}
		for code := range merge(early, late) {
			if early[code] != late[code] {
				t.Fatalf("trial %d: %s is %d refunding before settlement, %d after\norder %+v\nrefunds %+v", trial, code, early[code], late[code], o, refunds)
			}
		}
		if early["buyer_payments_clearing/platform/0/"+o.Currency] != 0 {
			t.Fatalf("trial %d: clearing left with %d", trial, early["buyer_payments_clearing/platform/0/"+o.Currency])
		}
	}
}

func merge(a, b map[string]int64) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func randomOrder(rng *rand.Rand) events.Order {
	o := events.Order{OrderID: 1, ShopID: 7, Currency: "USD"}
	n := 1 + rng.IntN(3)
	for i := 0; i < n; i++ {
		qty := int64(1 + rng.IntN(4))
		total := qty * int64(100+rng.IntN(5000))
		l := events.OrderLine{LineID: id.ID(i + 1), Quantity: qty, Total: total}
		l.SellerDiscount = int64(rng.IntN(int(total / 4)))
		l.PlatformDiscount = int64(rng.IntN(int(total / 4)))
		net := total - l.SellerDiscount - l.PlatformDiscount
		switch rng.IntN(3) {
		case 0:
			l.Tax = money.ApplyBP(net, 800)
			l.Paid = net + l.Tax
		case 1:
			l.Tax = money.Ratio(net, 2000, 12000)
			l.TaxIncluded = true
			l.Paid = net
		default:
			l.Paid = net
		}
		if rng.IntN(2) == 0 {
			l.CreatorID = id.ID(100 + rng.IntN(2))
			l.Commission = money.ApplyBP(total-l.SellerDiscount, money.BP(rng.IntN(3000)))
		}
		o.Lines = append(o.Lines, l)
		o.Total += l.Paid
	}
	o.ShippingFee = int64(rng.IntN(800))
	o.ShippingPlatformDiscount = int64(rng.IntN(int(o.ShippingFee + 1)))
	o.ShippingSellerDiscount = int64(rng.IntN(int(o.ShippingFee - o.ShippingPlatformDiscount + 1)))
	o.BuyerShipping = o.ShippingFee - o.ShippingPlatformDiscount - o.ShippingSellerDiscount
	o.Total += o.BuyerShipping
	return o
}

// randomRefunds refunds random units of o in random parts, as the order service does
// (one request at a time, shipping with the last units), and returns the events.
func randomRefunds(rng *rand.Rand, o *events.Order) []events.OrderRefunded {
	cur := *o
	cur.Lines = append([]events.OrderLine(nil), o.Lines...)
	var out []events.OrderRefunded
	for k := 0; k < rng.IntN(4); k++ {
		var lines []events.RefundedLine
		var amount int64
		for i := range cur.Lines {
			l := &cur.Lines[i]
			left := l.Quantity - l.RefundedQuantity
			if left == 0 || rng.IntN(2) == 0 {
				continue
			}
			q := int64(1 + rng.IntN(int(left)))
			a := money.Portion(l.Paid, l.RefundedQuantity, q, l.Quantity)
			lines = append(lines, events.RefundedLine{LineID: l.LineID, Quantity: q, Before: l.RefundedQuantity, Amount: a})
			l.RefundedQuantity += q
			amount += a
		}
		if len(lines) == 0 {
			continue
		}
		all := true
		for _, l := range cur.Lines {
			all = all && l.RefundedQuantity == l.Quantity
		}
		if all {
			amount += cur.BuyerShipping
		}
		cur.Refunded += amount
		snap := cur
		snap.Lines = append([]events.OrderLine(nil), cur.Lines...)
		out = append(out, events.OrderRefunded{Order: snap, ReturnID: id.ID(1000 + k), Kind: "return_refund", Refund: amount,
			Lines: lines, AdminFeeCharged: rng.IntN(4) != 0})
	}
	return out
}

func TestCaptureAndReturnMirrorEachOther(t *testing.T) {
	o := events.Order{OrderID: 5, Currency: "IDR", Total: 15_000_000}
	capture, back := PaymentCaptured(o), PaymentReturned(o)
	net := codes(t, capture)
	for code, v := range codes(t, back) {
		net[code] += v
	}
	for code, v := range net {
		if v != 0 {
			t.Errorf("%s nets to %d after capture and return", code, v)
		}
	}
	if capture.Postings[0].Amount != 15_000_000 || capture.Postings[0].Account.Type != ProviderReceivable {
		t.Errorf("capture %+v", capture.Postings)
	}
}
