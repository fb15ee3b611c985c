package promo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func policy(fee int64, taxMode string, taxBP int, programs ...market.ShippingProgram) market.Policy {
	return market.Policy{Shipping: market.ShippingPolicy{StandardFee: fee, Programs: programs}, Orders: market.OrderPolicy{TaxMode: taxMode, TaxBP: taxBP}}
}

func promo(kind Kind, items ...Item) Promotion {
	return Promotion{ID: id.New(), Kind: kind, Status: StatusActive, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour), Items: items}
}

const (
	prodA, prodB, skuA, skuB = id.ID(1), id.ID(2), id.ID(11), id.ID(12)
)

func lineA(qty int64) LineIn {
	return LineIn{SKUID: skuA, ProductID: prodA, UnitPrice: 1299, Quantity: qty}
}
func lineB(qty int64) LineIn {
	return LineIn{SKUID: skuB, ProductID: prodB, UnitPrice: 500, Quantity: qty}
}

func TestPricingRules(t *testing.T) {
	fixed := promo(FixedPrice, Item{ProductID: prodA, DealPrice: 999})
	flash := promo(FlashSale, Item{ProductID: prodA, SKUID: skuA, DealPrice: 899, Quantity: 10})
	flash.PerBuyerLimit = 2
	soldOut := flash
	soldOut.Items = []Item{{ProductID: prodA, SKUID: skuA, DealPrice: 899, Quantity: 10, Sold: 9}}
	pct := promo(PercentOff, Item{ProductID: prodA, DiscountBP: 2000})
	bmsm := promo(BuyMore)
	bmsm.AllProducts, bmsm.Tiers = true, []Tier{{MinQuantity: 2, DiscountBP: 500}, {MinQuantity: 3, DiscountBP: 1000}}
	exclusive := promo(FixedPrice, Item{ProductID: prodA, DealPrice: 1000})
	exclusive.Exclusive = true
	freeShip := promo(ShippingDiscount)
	freeShip.AllProducts, freeShip.MinSpend = true, 2000
	sellerCoupon := &Coupon{ID: 5, Code: "GLOW3", Kind: CouponAmount, Amount: 300, MinSpend: 2000, Funder: Seller}
	platformPct := &Coupon{ID: 6, Code: "LIVE10", Kind: CouponPercent, DiscountBP: 1000, MaxDiscount: 150, Funder: Platform}
	cofunded := market.ShippingProgram{Code: "cofunded", Enrolment: "automatic", MinOrderValue: 2500, ShippingFee: 599, PlatformShare: 300, SellerShare: 299}
	optIn := market.ShippingProgram{Code: "optin", Enrolment: "opt_in", ShippingFee: 599, PlatformShare: 599}

	tests := []struct {
		name   string
		pol    market.Policy
		lines  []LineIn
		promos []Promotion
		coupon *Coupon
		plat   *Coupon
		bought map[id.ID]int64
		enrol  map[string]bool
		// per line: seller discount, platform discount, tax, paid
		lineWant [][4]int64
		// order: buyer shipping, seller shipping, platform shipping, total, platform funded
		orderWant [5]int64
	}{
		{"no discounts, standard shipping", policy(599, market.TaxNone, 0), []LineIn{lineA(2)}, nil, nil, nil, nil, nil,
			[][4]int64{{0, 0, 0, 2598}}, [5]int64{599, 0, 0, 3197, 0}},
		{"20% off rounds per unit", policy(0, market.TaxNone, 0), []LineIn{lineA(2)}, []Promotion{pct}, nil, nil, nil, nil,
			[][4]int64{{520, 0, 0, 2078}}, [5]int64{0, 0, 0, 2078, 0}}, // 12.99 - 2.60 = 10.39 each
		{"flash sale beats fixed price", policy(0, market.TaxNone, 0), []LineIn{lineA(2)}, []Promotion{fixed, flash}, nil, nil, nil, nil,
			[][4]int64{{800, 0, 0, 1798}}, [5]int64{0, 0, 0, 1798, 0}},
		{"flash sold out falls back", policy(0, market.TaxNone, 0), []LineIn{lineA(2)}, []Promotion{fixed, soldOut}, nil, nil, nil, nil,
			[][4]int64{{600, 0, 0, 1998}}, [5]int64{0, 0, 0, 1998, 0}},
		{"flash per-buyer limit reached", policy(0, market.TaxNone, 0), []LineIn{lineA(2)}, []Promotion{fixed, flash}, nil, nil, map[id.ID]int64{flash.ID: 1}, nil,
			[][4]int64{{600, 0, 0, 1998}}, [5]int64{0, 0, 0, 1998, 0}},
		{"buy 3 save 10%", policy(0, market.TaxNone, 0), []LineIn{lineA(1), lineB(2)}, []Promotion{bmsm}, nil, nil, nil, nil,
			[][4]int64{{130, 0, 0, 1169}, {100, 0, 0, 900}}, [5]int64{0, 0, 0, 2069, 0}}, // 10% of 22.99 = 2.30, split 1299:1000
		{"exclusive deal keeps bmsm and seller coupon off", policy(0, market.TaxNone, 0), []LineIn{lineA(1), lineB(2)}, []Promotion{exclusive, bmsm}, sellerCoupon, nil, nil, nil,
			nil, [5]int64{}}, // seller coupon needs 20.00 on non-exclusive lines; only 10.00 left: refused (checked below)
		{"seller coupon 3.00 over 20.00", policy(0, market.TaxNone, 0), []LineIn{lineA(1), lineB(2)}, nil, sellerCoupon, nil, nil, nil,
			[][4]int64{{170, 0, 0, 1129}, {130, 0, 0, 870}}, [5]int64{0, 0, 0, 1999, 0}},
		{"platform 10% capped at 1.50", policy(0, market.TaxNone, 0), []LineIn{lineA(2)}, nil, nil, platformPct, nil, nil,
			[][4]int64{{0, 150, 0, 2448}}, [5]int64{0, 0, 0, 2448, 150}},
		{"co-funded free shipping over 25.00", policy(599, market.TaxNone, 0, cofunded), []LineIn{lineA(2)}, nil, nil, nil, nil, nil,
			[][4]int64{{0, 0, 0, 2598}}, [5]int64{0, 299, 300, 2598, 300}},
		{"co-funded needs 25.00", policy(599, market.TaxNone, 0, cofunded), []LineIn{lineA(1)}, nil, nil, nil, nil, nil,
			[][4]int64{{0, 0, 0, 1299}}, [5]int64{599, 0, 0, 1898, 0}},
		{"seller opted out of an automatic program", policy(599, market.TaxNone, 0, cofunded), []LineIn{lineA(2)}, nil, nil, nil, nil, map[string]bool{"cofunded": false},
			[][4]int64{{0, 0, 0, 2598}}, [5]int64{599, 0, 0, 3197, 0}},
		{"opt-in program applies only when enrolled", policy(599, market.TaxNone, 0, optIn), []LineIn{lineA(1)}, nil, nil, nil, nil, map[string]bool{"optin": true},
			[][4]int64{{0, 0, 0, 1299}}, [5]int64{0, 0, 599, 1299, 599}},
		{"seller free shipping over 20.00", policy(599, market.TaxNone, 0), []LineIn{lineA(2)}, []Promotion{freeShip}, nil, nil, nil, nil,
			[][4]int64{{0, 0, 0, 2598}}, [5]int64{0, 599, 0, 2598, 0}},
		{"US sales tax 8.25% added", policy(0, market.TaxAdded, 825), []LineIn{lineA(2)}, nil, nil, nil, nil, nil,
			[][4]int64{{0, 0, 214, 2812}}, [5]int64{0, 0, 0, 2812, 0}}, // 8.25% of 25.98 = 2.14335
		{"EU VAT 20% included", policy(0, market.TaxIncluded, 2000), []LineIn{{SKUID: 3, ProductID: 3, UnitPrice: 1200, Quantity: 1}}, nil, nil, nil, nil, nil,
			[][4]int64{{0, 0, 200, 1200}}, [5]int64{0, 0, 0, 1200, 0}}, // 12.00 gross holds 2.00 VAT
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compute(Input{Currency: "USD", At: now, Policy: tt.pol, PlatformCoupon: tt.plat, Bought: tt.bought,
				Orders: []OrderIn{{ShopID: 9, Lines: tt.lines, Promotions: tt.promos, Coupon: tt.coupon, Enrolment: tt.enrol, SPSX100: -1}}})
			if tt.lineWant == nil {
				var ce *CouponError
				if !errors.As(err, &ce) || !errors.Is(err, ErrCouponNotValid) {
					t.Fatalf("want a coupon refusal, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := res.Orders[0]
			for i, w := range tt.lineWant {
				l := o.Lines[i]
				if got := [4]int64{l.SellerDiscount, l.PlatformDiscount, l.Tax, l.Paid}; got != w {
					t.Errorf("line %d: seller/platform discount, tax, paid = %v, want %v", i, got, w)
				}
			}
			if got := [5]int64{o.BuyerShipping, o.ShippingSellerDiscount, o.ShippingPlatformDiscount, o.Total, o.PlatformFunded}; got != tt.orderWant {
				t.Errorf("order: buyer/seller/platform shipping, total, platform funded = %v, want %v", got, tt.orderWant)
			}
			checkAddsUp(t, res)
		})
	}
}

// checkAddsUp asserts the identities every price detail keeps.
func checkAddsUp(t *testing.T, res Result) {
	t.Helper()
	var total int64
	for _, o := range res.Orders {
		var orig, sd, pd, tax, paid int64
		for _, l := range o.Lines {
			if l.SellerDiscount < 0 || l.PlatformDiscount < 0 || l.Tax < 0 || l.Paid < 0 || l.Original != l.UnitPrice*l.Quantity {
				t.Fatalf("negative or wrong figures on %+v", l)
			}
			want := l.Original - l.SellerDiscount - l.PlatformDiscount
			if !l.TaxIncluded {
				want += l.Tax
			}
			if l.Paid != want {
				t.Fatalf("line paid %d, want %d: %+v", l.Paid, want, l)
			}
			orig, sd, pd, tax, paid = orig+l.Original, sd+l.SellerDiscount, pd+l.PlatformDiscount, tax+l.Tax, paid+l.Paid
		}
		if o.Original != orig || o.SellerDiscount != sd || o.PlatformDiscount != pd || o.Tax != tax {
			t.Fatalf("order sums %+v disagree with lines", o)
		}
		if o.ShippingFee != o.BuyerShipping+o.ShippingSellerDiscount+o.ShippingPlatformDiscount || o.BuyerShipping < 0 {
			t.Fatalf("shipping %d != buyer %d + seller %d + platform %d", o.ShippingFee, o.BuyerShipping, o.ShippingSellerDiscount, o.ShippingPlatformDiscount)
		}
		if o.Total != paid+o.BuyerShipping || o.PlatformFunded != pd+o.ShippingPlatformDiscount {
			t.Fatalf("order total %d != paid %d + shipping %d", o.Total, paid, o.BuyerShipping)
		}
		total += o.Total
	}
	if res.Total != total {
		t.Fatalf("checkout total %d != %d", res.Total, total)
	}
}

// Random checkouts in every market's currency: the price detail always adds up to the
// cent, whatever the promotions, coupons, programs and tax.
func TestPriceDetailsAddUpProperty(t *testing.T) {
	currencies := map[string]int64{"USD": 100, "GBP": 100, "EUR": 100, "IDR": 10000, "VND": 1000, "JPY": 1, "THB": 100, "BRL": 100}
	r := rand.New(rand.NewPCG(7, 11))
	for iter := 0; iter < 3000; iter++ {
		for cur, unit := range currencies {
			scale := func(max int) int64 { return int64(1+r.IntN(max)) * unit }
			pol := policy(scale(9), []string{market.TaxNone, market.TaxAdded, market.TaxIncluded}[r.IntN(3)], r.IntN(2500))
			if r.IntN(2) == 0 {
				pol.Shipping.Programs = []market.ShippingProgram{{Code: "p", Enrolment: "automatic", MinOrderValue: scale(30),
					ShippingFee: scale(9), PlatformShare: scale(5), PlatformShareItem: int64(r.IntN(3)) * unit, SellerShare: scale(5)}}
			}
			in := Input{Currency: cur, At: now, Policy: pol, Bought: map[id.ID]int64{}}
			for s := 0; s < 1+r.IntN(3); s++ {
				o := OrderIn{ShopID: id.ID(100 + s), SPSX100: -1}
				var prods []id.ID
				for l := 0; l < 1+r.IntN(4); l++ {
					p := id.ID(1000*s + l + 1)
					prods = append(prods, p)
					o.Lines = append(o.Lines, LineIn{SKUID: p + 500, ProductID: p, UnitPrice: scale(80) + int64(r.IntN(100)), Quantity: int64(1 + r.IntN(5))})
				}
				for k := 0; k < r.IntN(4); k++ {
					pr := promo([]Kind{FixedPrice, PercentOff, FlashSale, BuyMore, ShippingDiscount}[r.IntN(5)])
					pr.Exclusive = r.IntN(3) == 0
					pr.AllProducts = r.IntN(2) == 0
					p := prods[r.IntN(len(prods))]
					pr.Items = []Item{{ProductID: p, DealPrice: scale(40), DiscountBP: money.BP(r.IntN(9000)), Quantity: int64(r.IntN(10))}}
					pr.Tiers = []Tier{{MinQuantity: 2, DiscountBP: money.BP(r.IntN(3000))}, {MinQuantity: 4, DiscountBP: money.BP(r.IntN(5000))}}
					pr.MinSpend, pr.DiscountAmount = scale(20), int64(r.IntN(2))*scale(5)
					o.Promotions = append(o.Promotions, pr)
				}
				if r.IntN(3) == 0 {
					o.Coupon = &Coupon{Code: "S", Kind: []CouponKind{CouponAmount, CouponPercent, CouponShipping}[r.IntN(3)], Amount: scale(10), DiscountBP: money.BP(r.IntN(5000)), MaxDiscount: int64(r.IntN(2)) * scale(8)}
				}
				in.Orders = append(in.Orders, o)
			}
			if r.IntN(3) == 0 {
				in.PlatformCoupon = &Coupon{Code: "P", Kind: []CouponKind{CouponAmount, CouponPercent, CouponShipping}[r.IntN(3)], Amount: int64(r.IntN(2)) * scale(10), DiscountBP: money.BP(r.IntN(5000))}
			}
			res, err := Compute(in)
			if err != nil {
				t.Fatalf("%s: %v", cur, err)
			}
			checkAddsUp(t, res)
		}
	}
}

func ExampleCompute() {
	res, _ := Compute(Input{Currency: "USD", At: now, Policy: policy(599, market.TaxAdded, 825),
		Orders: []OrderIn{{ShopID: 1, SPSX100: -1, Lines: []LineIn{lineA(2)}, Promotions: []Promotion{promo(PercentOff, Item{ProductID: prodA, DiscountBP: 1000})}}}})
	o := res.Orders[0]
	fmt.Println(o.Original, o.SellerDiscount, o.Tax, o.BuyerShipping, o.Total)
	// Output: 2598 260 193 599 3130
}
