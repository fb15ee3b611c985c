package ledger

import (
	"sort"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The posting rules: the one place that says which accounts a business event moves
// and by how much. Each is a pure function of the event (and the policy values it
// needs), so each has a table test with the cents written out.
//
// An order's money, in TikTok Shop's price detail:
//
//	buyer pays      = items after discounts (+ added tax) + the buyer's part of shipping
//	platform funds  = its item discounts + its part of shipping (a shipping programme)
//	carrier is owed = the whole shipping fee (the label)
//	tax is owed     = the tax in the items
//	referral fee    = fee rate × (buyer payment + platform discounts - tax), the rate
//	                  of each line's category (else the market's), summed per rate
//	creators earn   = their commissions
//	seller gets     = the rest
//
// Refunds work on units: a refunded unit's share of every amount is money.Portion of
// its line, so the shares of a line refunded in any number of steps add up exactly.
// Settlement books only the units still kept; a refund before settlement returns the
// held money; a refund after it claws each party's share of the refunded units back.

// Fees are the fee settings a rule needs, from the market's policy when the buyer paid.
type Fees struct {
	ReferralBP     money.BP // the market's rate: lines without their own, and shipping
	RefundAdminBP  money.BP // share of the referral fee charged on refunded units
	AdminCapPerSKU int64    // cap on that charge per SKU (order line) refunded
	// LineBP is the referral fee rate of each order line (by line id) whose product's
	// category has a rate of its own (policy.ReferralFeeFor, up the category tree).
	LineBP map[id.ID]money.BP
}

// rateOf is a line's referral fee rate.
func (f Fees) rateOf(line id.ID) money.BP {
	if bp, ok := f.LineBP[line]; ok {
		return bp
	}
	return f.ReferralBP
}

// PaymentCaptured records the buyer's money arriving: the provider now owes it to the
// platform, which holds it for the order until the order settles.
func PaymentCaptured(o events.Order) TransferInput {
	return TransferInput{
		IdempotencyKey: "order.paid/" + o.OrderID.String(),
		Kind:           "payment_captured",
		Reference:      "order:" + o.OrderID.String(),
		Memo:           "buyer payment captured",
		Postings: []Posting{
			{Platform(ProviderReceivable, o.Currency), o.Total},
			{Platform(BuyerPaymentsClearing, o.Currency), -o.Total},
		},
	}
}

// shares is how an order's kept units divide: what the platform funds of the items,
// the tax in them, the referral fee and each creator's commission.
type shares struct {
	platformDiscount int64
	tax              int64
	fee              int64
	commissions      map[id.ID]int64
}

// sharesOf computes the shares of an order whose lines have refunded[line] units
// refunded, with the buyer's shipping refunded or not.
func sharesOf(o events.Order, refunded map[id.ID]int64, shippingRefunded bool, fees Fees) shares {
	s := shares{commissions: map[id.ID]int64{}}
	// The fee base is summed per rate and each sum charged once, so an order whose
	// lines share one rate is rounded once, as a single-rate order always was.
	// Shipping is charged at the market's rate.
	base := map[money.BP]int64{fees.ReferralBP: o.ShippingPlatformDiscount}
	if !shippingRefunded {
		base[fees.ReferralBP] += o.BuyerShipping
	}
	for _, l := range o.Lines {
		r := refunded[l.LineID]
		keep := func(amount int64) int64 { return money.Portion(amount, r, l.Quantity-r, l.Quantity) }
		s.platformDiscount += keep(l.PlatformDiscount)
		tax := keep(l.Tax)
		s.tax += tax
		// Buyer payment + platform discount - tax, for the line: its original price
		// less the seller's discount, less tax when the price included it.
		revenue := keep(l.Total) - keep(l.SellerDiscount)
		if l.TaxIncluded {
			revenue -= tax
		}
		base[fees.rateOf(l.LineID)] += revenue
		if l.CreatorID != 0 {
			s.commissions[l.CreatorID] += keep(l.Commission)
		}
	}
	for bp, b := range base {
		s.fee += money.ApplyBP(b, bp)
	}
	return s
}

// refundedUnits reads each line's refunded units from an order snapshot.
func refundedUnits(o events.Order) map[id.ID]int64 {
	m := map[id.ID]int64{}
	for _, l := range o.Lines {
		m[l.LineID] = l.RefundedQuantity
	}
	return m
}

// shippingRefunded reports whether the buyer's shipping has been refunded: what was
// refunded beyond the items' portions.
func shippingRefunded(o events.Order) bool {
	if o.BuyerShipping == 0 {
		return false
	}
	var items int64
	for _, l := range o.Lines {
		items += money.Portion(l.Paid, 0, l.RefundedQuantity, l.Quantity)
	}
	return o.Refunded-items >= o.BuyerShipping
}

// postings accumulates amounts per account and emits them in a stable order without
// zeros, so rules can add legs naturally.
type postings struct {
	order []AccountRef
	sum   map[AccountRef]int64
}

func (p *postings) add(ref AccountRef, amount int64) {
	if p.sum == nil {
		p.sum = map[AccountRef]int64{}
	}
	if _, ok := p.sum[ref]; !ok {
		p.order = append(p.order, ref)
	}
	p.sum[ref] += amount
}

// creators adds one leg per creator, in id order.
func (p *postings) creators(currency string, sign int64, m map[id.ID]int64) {
	ids := make([]id.ID, 0, len(m))
	for c := range m {
		ids = append(ids, c)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, c := range ids {
		p.add(Creator(CreatorCommissionPayable, c, currency), sign*m[c])
	}
}

// balance posts whatever makes the transfer sum to zero to ref.
func (p *postings) balance(ref AccountRef) {
	var total int64
	for _, v := range p.sum {
		total += v
	}
	p.add(ref, -total)
}

func (p *postings) list() []Posting {
	var out []Posting
	for _, ref := range p.order {
		if v := p.sum[ref]; v != 0 {
			out = append(out, Posting{ref, v})
		}
	}
	return out
}

// OrderSettled splits a completed order's held payment. The clearing account gives up
// what is still held (refunds before completion already left it); the platform adds
// what it funds; the carrier, the tax authorities, the platform's fee and the
// creators take their shares of the units kept; the shop gets the rest.
func OrderSettled(o events.Order, fees Fees) TransferInput {
	s := sharesOf(o, refundedUnits(o), shippingRefunded(o), fees)
	cur := o.Currency
	var p postings
	p.add(Platform(BuyerPaymentsClearing, cur), o.Total-o.Refunded)
	p.add(Platform(PlatformSubsidyExpense, cur), s.platformDiscount+o.ShippingPlatformDiscount)
	p.add(Platform(CarrierPayable, cur), -o.ShippingFee)
	p.add(Platform(TaxPayable, cur), -s.tax)
	p.add(Platform(PlatformReferralRevenue, cur), -s.fee)
	p.creators(cur, -1, s.commissions)
	p.balance(Shop(SellerPayable, o.ShopID, cur))
	return TransferInput{
		IdempotencyKey: "order.completed/" + o.OrderID.String(),
		Kind:           "order_settled",
		Reference:      "order:" + o.OrderID.String(),
		Memo:           "order completed: payment split between seller, creators, carrier, tax and platform",
		Postings:       p.list(),
	}
}

// RefundAdminFee is what the seller is charged for refunded units: the fee rate's
// share of the referral fee those units carried, capped per SKU.
func RefundAdminFee(ev events.OrderRefunded, fees Fees) int64 {
	if !ev.AdminFeeCharged || fees.RefundAdminBP == 0 {
		return 0
	}
	var total int64
	for _, rl := range ev.Lines {
		for _, l := range ev.Order.Lines {
			if l.LineID != rl.LineID {
				continue
			}
			portion := func(amount int64) int64 { return money.Portion(amount, rl.Before, rl.Quantity, l.Quantity) }
			revenue := portion(l.Total) - portion(l.SellerDiscount)
			if l.TaxIncluded {
				revenue -= portion(l.Tax)
			}
			fee := money.ApplyBP(money.ApplyBP(revenue, fees.rateOf(l.LineID)), fees.RefundAdminBP)
			if fees.AdminCapPerSKU > 0 && fee > fees.AdminCapPerSKU {
				fee = fees.AdminCapPerSKU
			}
			total += fee
		}
	}
	return total
}

// OrderRefunded books a refund after a return or a refund-only request. Before the
// order settles, the money comes out of what the platform still holds for it (the
// settlement then books only the kept units). After, every party gives back its share
// of the refunded units: creators their commission, the platform its fee (and takes
// back its discount), the tax no longer owed is released, and the shop pays the rest,
// the buyer's shipping included. Either way the shop pays the refund administration
// fee when one is charged.
func OrderRefunded(ev events.OrderRefunded, fees Fees) TransferInput {
	o := ev.Order
	cur := o.Currency
	admin := RefundAdminFee(ev, fees)
	var p postings
	p.add(Platform(ProviderReceivable, cur), -ev.Refund)
	if o.Status != "COMPLETED" {
		p.add(Platform(BuyerPaymentsClearing, cur), ev.Refund)
	} else {
		after := refundedUnits(o)
		before := refundedUnits(o)
		for _, l := range ev.Lines {
			before[l.LineID] = l.Before
		}
		// The shipping was refunded before this refund unless this one returned it.
		var items int64
		for _, l := range ev.Lines {
			items += l.Amount
		}
		shipAfter := shippingRefunded(o)
		shipBefore := shipAfter && ev.Refund == items
		was := sharesOf(o, before, shipBefore, fees)
		now := sharesOf(o, after, shipAfter, fees)
		p.add(Platform(PlatformReferralRevenue, cur), was.fee-now.fee)
		p.add(Platform(PlatformSubsidyExpense, cur), -(was.platformDiscount - now.platformDiscount))
		p.add(Platform(TaxPayable, cur), was.tax-now.tax)
		back := map[id.ID]int64{}
		for c, v := range was.commissions {
			back[c] = v - now.commissions[c]
		}
		p.creators(cur, 1, back)
	}
	p.add(Platform(PlatformReferralRevenue, cur), -admin)
	p.balance(Shop(SellerPayable, o.ShopID, cur))
	return TransferInput{
		IdempotencyKey: "order.refunded/" + ev.ReturnID.String(),
		Kind:           "order_refunded",
		Reference:      "order:" + o.OrderID.String(),
		Memo:           "refund to the buyer after a " + ev.Kind + " request",
		Postings:       p.list(),
	}
}

// PaymentReturned records a paid order cancelled before it settled: the held money
// goes back to the buyer through the provider.
func PaymentReturned(o events.Order) TransferInput {
	return TransferInput{
		IdempotencyKey: "order.cancelled/" + o.OrderID.String(),
		Kind:           "payment_returned",
		Reference:      "order:" + o.OrderID.String(),
		Memo:           "paid order cancelled: payment returned to the buyer",
		Postings: []Posting{
			{Platform(BuyerPaymentsClearing, o.Currency), o.Total},
			{Platform(ProviderReceivable, o.Currency), -o.Total},
		},
	}
}
