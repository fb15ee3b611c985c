package promo

import (
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The pricing rules. Compute is a pure function of its input, so every rule is
// table-tested with the cents written out and property-tested for adding up.
//
// Stacking, in the order applied:
//  1. Item deals: each line gets the lowest price among active fixed-price,
//     percent-off and flash-sale deals on it (a flash sale only while units remain and
//     within the buyer's limit). One deal per line.
//  2. Buy more save more: the best one of the shop's, on lines not held by an
//     exclusive deal, by the highest tier the order's quantity reaches.
//  3. A seller coupon (one per shop order), on lines not held by an exclusive deal.
//  4. A platform coupon (one per checkout), on every line of every shop.
//  5. Shipping: the label costs the program's fee (or the market's standard fee); the
//     program's platform and seller shares, then the platform's shipping coupon, then
//     the seller's shipping promotion and coupon take it down; the buyer pays the rest.
//  6. Tax: added on top (US sales tax) or carved out of the price (VAT), per line.
//
// Order-level discounts are allocated to lines in proportion to what each line costs
// at that point, by largest remainder, so every line's figures add up to the cent.

// LineIn is a line as checkout sees it.
type LineIn struct {
	SKUID     id.ID
	ProductID id.ID
	UnitPrice int64
	Quantity  int64
}

// OrderIn is one shop's part of a checkout with what may discount it.
type OrderIn struct {
	ShopID     id.ID
	Lines      []LineIn
	Promotions []Promotion // the shop's promotions; inactive ones are ignored
	Coupon     *Coupon     // the seller coupon the buyer entered for this shop
	// Enrolment holds the shop's explicit choices per shipping program: opt-in programs
	// need true, automatic ones apply unless false.
	Enrolment map[string]bool
	// SPSX100 is the shop's performance score ×100, or -1 when it is not scored yet.
	SPSX100 int
}

// Input is a whole checkout.
type Input struct {
	Currency       string
	At             time.Time
	Policy         market.Policy
	Orders         []OrderIn
	PlatformCoupon *Coupon
	// Bought is how many units the buyer already bought under each promotion, for
	// per-buyer limits.
	Bought map[id.ID]int64
}

// LineOut is a line's price detail.
type LineOut struct {
	SKUID     id.ID `json:"sku_id"`
	ProductID id.ID `json:"product_id"`
	Quantity  int64 `json:"quantity"`
	UnitPrice int64 `json:"unit_price"`
	Original  int64 `json:"original"` // unit price × quantity
	// SellerDiscount and PlatformDiscount are what each funded on this line.
	SellerDiscount   int64 `json:"seller_discount"`
	PlatformDiscount int64 `json:"platform_discount"`
	Tax              int64 `json:"tax"`
	TaxIncluded      bool  `json:"tax_included"` // inside the price (VAT) rather than added
	Paid             int64 `json:"paid"`         // what the buyer pays for the line
	DealPromotionID  id.ID `json:"deal_promotion_id,omitempty"`
	DealKind         Kind  `json:"deal_kind,omitempty"`
	exclusive        bool
	dealSKU          id.ID // the deal's item row: this SKU, or 0 for the whole product
}

// net is the line's price after both discounts, before added tax.
func (l LineOut) net() int64 { return l.Original - l.SellerDiscount - l.PlatformDiscount }

// OrderOut is one order's price detail, in TikTok Shop's shape.
type OrderOut struct {
	ShopID                   id.ID     `json:"shop_id"`
	Lines                    []LineOut `json:"lines"`
	Original                 int64     `json:"original"`
	SellerDiscount           int64     `json:"seller_discount"`
	PlatformDiscount         int64     `json:"platform_discount"`
	ShippingFee              int64     `json:"shipping_fee"` // what the label costs
	ShippingSellerDiscount   int64     `json:"shipping_seller_discount"`
	ShippingPlatformDiscount int64     `json:"shipping_platform_discount"`
	BuyerShipping            int64     `json:"buyer_shipping"`
	Tax                      int64     `json:"tax"`
	Total                    int64     `json:"total"`           // what the buyer pays
	PlatformFunded           int64     `json:"platform_funded"` // platform discounts and shipping share
	Program                  string    `json:"shipping_program,omitempty"`
	ProgramPlatformShare     int64     `json:"program_platform_share,omitempty"`
	ProgramSellerShare       int64     `json:"program_seller_share,omitempty"`
	Applied                  []Applied `json:"applied,omitempty"`
}

// Applied records one discount that took effect.
type Applied struct {
	Source string `json:"source"` // promotion, coupon or shipping_program
	ID     id.ID  `json:"id,omitempty"`
	Code   string `json:"code,omitempty"`
	Type   string `json:"type"`
	Funder string `json:"funder"`
	Amount int64  `json:"amount"`
}

// Result is a priced checkout.
type Result struct {
	Currency string     `json:"currency"`
	Orders   []OrderOut `json:"orders"`
	Total    int64      `json:"total"`
}

// CouponError says which coupon failed and why; the service names the field.
type CouponError struct {
	Code string
	Err  error
}

func (e *CouponError) Error() string { return fmt.Sprintf("coupon %s: %v", e.Code, e.Err) }
func (e *CouponError) Unwrap() error { return e.Err }

// Compute prices a checkout.
func Compute(in Input) (Result, error) {
	res := Result{Currency: in.Currency}
	for _, o := range in.Orders {
		out, err := priceItems(in, o)
		if err != nil {
			return Result{}, err
		}
		res.Orders = append(res.Orders, out)
	}
	if err := applyPlatformCoupon(in, &res); err != nil {
		return Result{}, err
	}
	// A platform shipping coupon's amount is one budget for the whole checkout; 0 makes
	// shipping free on every order.
	shipBudget := int64(-1)
	if c := in.PlatformCoupon; c != nil && c.Kind == CouponShipping && c.Amount > 0 {
		shipBudget = c.Amount
	}
	for i := range res.Orders {
		if err := priceShipping(in, in.Orders[i], &res.Orders[i], &shipBudget); err != nil {
			return Result{}, err
		}
		applyTax(in.Policy.Orders, &res.Orders[i])
		res.Total += res.Orders[i].Total
	}
	return res, nil
}

// priceItems applies the shop's own discounts: item deals, buy more save more and the
// seller coupon.
func priceItems(in Input, o OrderIn) (OrderOut, error) {
	out := OrderOut{ShopID: o.ShopID}
	for _, l := range o.Lines {
		orig, ok := money.MulInt(l.UnitPrice, l.Quantity)
		if !ok {
			return OrderOut{}, money.ErrOverflow
		}
		line := LineOut{SKUID: l.SKUID, ProductID: l.ProductID, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Original: orig}
		best := l.UnitPrice
		for _, p := range o.Promotions {
			if !p.Kind.itemLevel() || !p.ActiveAt(in.At) {
				continue
			}
			it, ok := p.item(l.ProductID, l.SKUID)
			if !ok {
				continue
			}
			price := it.DealPrice
			if p.Kind == PercentOff {
				price = l.UnitPrice - money.ApplyBP(l.UnitPrice, it.DiscountBP)
			}
			if p.Kind == FlashSale {
				if it.Quantity > 0 && it.Sold+l.Quantity > it.Quantity {
					continue // sold out for this quantity: the regular price stands
				}
				if p.PerBuyerLimit > 0 && in.Bought[p.ID]+l.Quantity > p.PerBuyerLimit {
					continue
				}
			}
			if price >= 0 && price < best {
				best, line.DealPromotionID, line.DealKind, line.exclusive, line.dealSKU = price, p.ID, p.Kind, p.Exclusive, it.SKUID
			}
		}
		line.SellerDiscount = (l.UnitPrice - best) * l.Quantity
		if line.DealPromotionID != 0 {
			out.Applied = append(out.Applied, Applied{Source: "promotion", ID: line.DealPromotionID, Type: string(line.DealKind), Funder: Seller, Amount: line.SellerDiscount})
		}
		out.Lines = append(out.Lines, line)
	}

	// Buy more save more: the best single promotion.
	var bestDisc int64
	var bestPromo Promotion
	var bestIdx []int
	for _, p := range o.Promotions {
		if p.Kind != BuyMore || !p.ActiveAt(in.At) {
			continue
		}
		var qty, base int64
		var idx []int
		for i, l := range out.Lines {
			if !l.exclusive && p.covers(l.ProductID) {
				qty += l.Quantity
				base += l.Original - l.SellerDiscount
				idx = append(idx, i)
			}
		}
		var rate money.BP
		for _, t := range p.Tiers {
			if qty >= t.MinQuantity && t.DiscountBP > rate {
				rate = t.DiscountBP
			}
		}
		if d := money.ApplyBP(base, rate); d > bestDisc {
			bestDisc, bestPromo, bestIdx = d, p, idx
		}
	}
	if bestDisc > 0 {
		spread(out.Lines, bestIdx, bestDisc, func(l *LineOut, v int64) { l.SellerDiscount += v })
		out.Applied = append(out.Applied, Applied{Source: "promotion", ID: bestPromo.ID, Type: string(BuyMore), Funder: Seller, Amount: bestDisc})
	}

	// The seller coupon, on items (a shipping coupon waits for the shipping step).
	if c := o.Coupon; c != nil && c.Kind != CouponShipping {
		var idx []int
		var spend int64
		for i, l := range out.Lines {
			if !l.exclusive {
				idx = append(idx, i)
				spend += l.Original - l.SellerDiscount
			}
		}
		d, err := couponDiscount(*c, spend, in.Currency)
		if err != nil {
			return OrderOut{}, err
		}
		spread(out.Lines, idx, d, func(l *LineOut, v int64) { l.SellerDiscount += v })
		out.Applied = append(out.Applied, Applied{Source: "coupon", ID: c.ID, Code: c.Code, Type: string(c.Kind), Funder: Seller, Amount: d})
	}
	return out, nil
}

// couponDiscount is what an item coupon takes off spend, or why it does not apply.
func couponDiscount(c Coupon, spend int64, currency string) (int64, error) {
	if spend < c.MinSpend {
		return 0, &CouponError{Code: c.Code, Err: ErrCouponNotValid.With("coupon %s needs a spend of %s; this order's eligible items come to %s",
			c.Code, money.New(c.MinSpend, currency).Format(), money.New(spend, currency).Format())}
	}
	var d int64
	switch c.Kind {
	case CouponAmount:
		d = c.Amount
	case CouponPercent:
		d = money.ApplyBP(spend, c.DiscountBP)
		if c.MaxDiscount > 0 {
			d = min(d, c.MaxDiscount)
		}
	}
	return min(d, spend), nil
}

// spread adds amount to the lines at idx in proportion to what each costs so far.
func spread(lines []LineOut, idx []int, amount int64, add func(*LineOut, int64)) {
	if len(idx) == 0 || amount == 0 {
		return
	}
	weights := make([]int64, len(idx))
	for j, i := range idx {
		weights[j] = lines[i].net()
	}
	for j, v := range money.Allocate(amount, weights) {
		add(&lines[idx[j]], v)
	}
}

// applyPlatformCoupon spreads a platform item coupon across every line of every shop.
func applyPlatformCoupon(in Input, res *Result) error {
	c := in.PlatformCoupon
	if c == nil || c.Kind == CouponShipping {
		return nil
	}
	var spend int64
	for _, o := range res.Orders {
		for _, l := range o.Lines {
			spend += l.net()
		}
	}
	d, err := couponDiscount(*c, spend, in.Currency)
	if err != nil {
		return err
	}
	// First across the orders, then within each, both by what remains to pay.
	weights := make([]int64, len(res.Orders))
	for i, o := range res.Orders {
		for _, l := range o.Lines {
			weights[i] += l.net()
		}
	}
	for i, share := range money.Allocate(d, weights) {
		o := &res.Orders[i]
		idx := make([]int, len(o.Lines))
		for j := range idx {
			idx[j] = j
		}
		spread(o.Lines, idx, share, func(l *LineOut, v int64) { l.PlatformDiscount += v })
		if share > 0 {
			o.Applied = append(o.Applied, Applied{Source: "coupon", ID: c.ID, Code: c.Code, Type: string(c.Kind), Funder: Platform, Amount: share})
		}
	}
	return nil
}

// priceShipping works out the label's cost and who pays it.
func priceShipping(in Input, o OrderIn, out *OrderOut, platformBudget *int64) error {
	var units, value int64
	for _, l := range out.Lines {
		units += l.Quantity
		value += l.net()
	}
	fee := in.Policy.Shipping.StandardFee
	remaining := fee
	take := func(limit int64) int64 {
		t := min(max(limit, 0), remaining)
		remaining -= t
		return t
	}
	// The first program the shop is in and the order qualifies for.
	for _, pr := range in.Policy.Shipping.Programs {
		enrolled, chose := o.Enrolment[pr.Code]
		if pr.Enrolment == "opt_in" && !enrolled || pr.Enrolment == "automatic" && chose && !enrolled {
			continue
		}
		if value < pr.MinOrderValue || (pr.MinSPSX100 > 0 && o.SPSX100 < pr.MinSPSX100) {
			continue
		}
		if pr.ShippingFee > 0 {
			fee, remaining = pr.ShippingFee, pr.ShippingFee
		}
		out.Program = pr.Code
		out.ProgramPlatformShare = take(pr.PlatformShare + pr.PlatformShareItem*units)
		out.ProgramSellerShare = take(pr.SellerShare)
		out.Applied = append(out.Applied, Applied{Source: "shipping_program", Code: pr.Code, Type: "shipping", Funder: Platform, Amount: out.ProgramPlatformShare})
		if out.ProgramSellerShare > 0 {
			out.Applied = append(out.Applied, Applied{Source: "shipping_program", Code: pr.Code, Type: "shipping", Funder: Seller, Amount: out.ProgramSellerShare})
		}
		break
	}
	out.ShippingFee = fee
	out.ShippingPlatformDiscount = out.ProgramPlatformShare
	out.ShippingSellerDiscount = out.ProgramSellerShare
	if c := in.PlatformCoupon; c != nil && c.Kind == CouponShipping {
		if err := shippingCoupon(in, *c, value); err != nil {
			return err
		}
		limit := remaining
		if *platformBudget >= 0 {
			limit = *platformBudget
		}
		t := take(limit)
		if *platformBudget >= 0 {
			*platformBudget -= t
		}
		out.ShippingPlatformDiscount += t
		if t > 0 {
			out.Applied = append(out.Applied, Applied{Source: "coupon", ID: c.ID, Code: c.Code, Type: string(c.Kind), Funder: Platform, Amount: t})
		}
	}
	for _, p := range o.Promotions {
		if p.Kind != ShippingDiscount || !p.ActiveAt(in.At) {
			continue
		}
		var spend int64
		for _, l := range out.Lines {
			if p.covers(l.ProductID) {
				spend += l.Original - l.SellerDiscount
			}
		}
		if spend == 0 || spend < p.MinSpend {
			continue
		}
		t := take(orAll(p.DiscountAmount, remaining))
		out.ShippingSellerDiscount += t
		if t > 0 {
			out.Applied = append(out.Applied, Applied{Source: "promotion", ID: p.ID, Type: string(ShippingDiscount), Funder: Seller, Amount: t})
		}
		break // one shipping promotion per order: the first that applies
	}
	if c := o.Coupon; c != nil && c.Kind == CouponShipping {
		if err := shippingCoupon(in, *c, value); err != nil {
			return err
		}
		t := take(orAll(c.Amount, remaining))
		out.ShippingSellerDiscount += t
		if t > 0 {
			out.Applied = append(out.Applied, Applied{Source: "coupon", ID: c.ID, Code: c.Code, Type: string(c.Kind), Funder: Seller, Amount: t})
		}
	}
	out.BuyerShipping = remaining
	return nil
}

func shippingCoupon(in Input, c Coupon, spend int64) error {
	if spend < c.MinSpend {
		return &CouponError{Code: c.Code, Err: ErrCouponNotValid.With("coupon %s needs a spend of %s", c.Code, money.New(c.MinSpend, in.Currency).Format())}
	}
	return nil
}

// orAll reads a shipping discount amount: 0 means all of it (free shipping).
func orAll(amount, all int64) int64 {
	if amount == 0 {
		return all
	}
	return amount
}

// applyTax adds each line's tax and sums the order. Added tax (US sales tax) is on
// what the buyer pays for the item; included tax (VAT) is the part of that price that
// is tax: price × rate / (1 + rate).
func applyTax(p market.OrderPolicy, o *OrderOut) {
	o.Original, o.SellerDiscount, o.PlatformDiscount, o.Tax = 0, 0, 0, 0
	var paid int64
	for i := range o.Lines {
		l := &o.Lines[i]
		net := l.net()
		switch p.TaxMode {
		case market.TaxAdded:
			l.Tax = money.ApplyBP(net, money.BP(p.TaxBP))
			l.Paid = net + l.Tax
		case market.TaxIncluded:
			l.Tax = money.Ratio(net, int64(p.TaxBP), 10000+int64(p.TaxBP))
			l.TaxIncluded = true
			l.Paid = net
		default:
			l.Paid = net
		}
		o.Original += l.Original
		o.SellerDiscount += l.SellerDiscount
		o.PlatformDiscount += l.PlatformDiscount
		o.Tax += l.Tax
		paid += l.Paid
	}
	o.Total = paid + o.BuyerShipping
	o.PlatformFunded = o.PlatformDiscount + o.ShippingPlatformDiscount
}
