package ledger

import (
	"testing"

	"github.com/liveshop/liveshop/internal/events"
)

func TestOrderSettledSplitsToTheCent(t *testing.T) {
	tests := []struct {
		name       string
		order      events.Order
		referralBP int64
		want       map[string]int64 // account code -> signed amount
	}{
		{
			name: "creator sale, 6% fee, 10% commission",
			order: events.Order{OrderID: 1, ShopID: 7, Currency: "USD", Total: 2599, Lines: []events.OrderLine{
				{Total: 2599, CreatorID: 9, CommissionBP: 1000, Commission: 260},
			}},
			referralBP: 600,
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
				{Total: 1991},
			}},
			referralBP: 600,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/USD":   1991,
				"platform_referral_revenue/platform/0/USD": -119, // 119.46
				"seller_payable/shop/7/USD":                -1872,
			},
		},
		{
			name: "two creators on one order, VND has no minor unit",
			order: events.Order{OrderID: 3, ShopID: 8, Currency: "VND", Total: 350000, Lines: []events.OrderLine{
				{Total: 200000, CreatorID: 5, Commission: 30000},
				{Total: 150000, CreatorID: 4, Commission: 15000},
			}},
			referralBP: 500,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/VND":   350000,
				"platform_referral_revenue/platform/0/VND": -17500,
				"creator_commission_payable/creator/4/VND": -15000,
				"creator_commission_payable/creator/5/VND": -30000,
				"seller_payable/shop/8/VND":                -287500,
			},
		},
		{
			name:       "zero fee leaves no zero posting",
			order:      events.Order{OrderID: 4, ShopID: 7, Currency: "GBP", Total: 500, Lines: []events.OrderLine{{Total: 500}}},
			referralBP: 0,
			want: map[string]int64{
				"buyer_payments_clearing/platform/0/GBP": 500,
				"seller_payable/shop/7/GBP":              -500,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := OrderSettled(tt.order, moneyBP(tt.referralBP))
			if err := validate(in); err != nil {
				t.Fatalf("rule produced an invalid transfer: %v", err)
			}
			got := map[string]int64{}
			for _, p := range in.Postings {
				got[p.Account.Code()] += p.Amount
			}
			if len(got) != len(tt.want) {
				t.Fatalf("postings %v, want %v", got, tt.want)
			}
			for code, amt := range tt.want {
				if got[code] != amt {
					t.Errorf("%s = %d, want %d", code, got[code], amt)
				}
			}
		})
	}
}

func TestCaptureAndReturnMirrorEachOther(t *testing.T) {
	o := events.Order{OrderID: 5, Currency: "IDR", Total: 15_000_000}
	capture, back := PaymentCaptured(o), PaymentReturned(o)
	if err := validate(capture); err != nil {
		t.Fatal(err)
	}
	if err := validate(back); err != nil {
		t.Fatal(err)
	}
	net := map[string]int64{}
	for _, p := range append(capture.Postings, back.Postings...) {
		net[p.Account.Code()] += p.Amount
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
