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

// ReferralFee is the platform's fee on an order: referralBP of the buyer's payment
// plus any platform-funded discount, less tax (the fee base TikTok Shop uses). The
// skeleton has no platform discounts or itemised tax yet, so the base is the total.
func ReferralFee(o events.Order, referralBP money.BP) int64 {
	return money.ApplyBP(o.Total, referralBP)
}

// OrderSettled splits a completed order's held payment: the referral fee to the
// platform, each creator's commission to that creator, and the rest to the shop.
func OrderSettled(o events.Order, referralBP money.BP) TransferInput {
	fee := ReferralFee(o, referralBP)
	commissions := map[id.ID]int64{}
	var totalCommission int64
	for _, l := range o.Lines {
		if l.CreatorID != 0 && l.Commission > 0 {
			commissions[l.CreatorID] += l.Commission
			totalCommission += l.Commission
		}
	}
	sellerShare := o.Total - fee - totalCommission
	ps := []Posting{{Platform(BuyerPaymentsClearing, o.Currency), o.Total}}
	add := func(ref AccountRef, credit int64) {
		if credit != 0 {
			ps = append(ps, Posting{ref, -credit})
		}
	}
	add(Platform(PlatformReferralRevenue, o.Currency), fee)
	creators := make([]id.ID, 0, len(commissions))
	for c := range commissions {
		creators = append(creators, c)
	}
	sort.Slice(creators, func(i, j int) bool { return creators[i] < creators[j] })
	for _, c := range creators {
		add(Creator(CreatorCommissionPayable, c, o.Currency), commissions[c])
	}
	add(Shop(SellerPayable, o.ShopID, o.Currency), sellerShare)
	return TransferInput{
		IdempotencyKey: "order.completed/" + o.OrderID.String(),
		Kind:           "order_settled",
		Reference:      "order:" + o.OrderID.String(),
		Memo:           "order completed: payment split between seller, creators and platform",
		Postings:       ps,
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
