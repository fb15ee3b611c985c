package order

import (
	"context"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// OpenReturnForBuyer is the seller opening a refund request on the buyer's behalf
// (after agreeing it with the buyer, say), as TikTok Shop's "create return" does:
// the same request, rules and window as the buyer's own (RequestReturn), for a
// delivered order of a shop the actor manages. It waits for the seller's answer like
// any request; the buyer reads that the seller opened it. Cancellations are not
// opened this way: the seller cancels with SellerCancel. expect, if not nil, is the
// refund the seller means to give: a request that would refund another amount is
// refused and nothing is stored.
func (s *Service) OpenReturnForBuyer(ctx context.Context, actor auth.Actor, orderID id.ID, in ReturnInput, expect *money.Money) (Return, error) {
	var err error
	if in.Reason, err = cleanText("reason", in.Reason, true, 200); err != nil {
		return Return{}, err
	}
	if in.Note, err = cleanText("note", in.Note, false, 900); err != nil {
		return Return{}, err
	}
	if in.Kind != ReturnRefundOnly && in.Kind != ReturnAndRefund {
		return Return{}, errs.Invalidf("kind", "the seller opens refund_only or return_refund requests; it cancels orders itself")
	}
	o, err := loadOrder(ctx, s.db, orderID, false)
	if err != nil {
		return Return{}, err
	}
	if err := s.sellerOf(ctx, actor)(o); err != nil {
		return Return{}, err
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, o.Market, now)
	if err != nil {
		return Return{}, err
	}
	shop, err := s.sellers.Shop(ctx, o.ShopID)
	if err != nil {
		return Return{}, err
	}
	if o.DeliveredAt.IsZero() {
		return Return{}, ErrReturnNotAllowed.With("the order is %s; a refund is opened once it is delivered", o.Status.Label())
	}
	days := ReturnWindow(pol, shop.Badge)
	if closes := o.DeliveredAt.AddDate(0, 0, days); !now.Before(closes) {
		return Return{}, ErrReturnWindow.With("returns for this order closed on %s (%d days after delivery)", closes.Format("2 Jan 2006"), days)
	}
	if in.Note == "" {
		in.Note = "Opened by the seller on your behalf."
	} else {
		in.Note = "Opened by the seller on your behalf: " + in.Note
	}
	var out Return
	_, err = s.change(ctx, orderID, anyone, func(tx *db.Tx, o *Order) error {
		r, err := s.openReturn(ctx, tx, o, in, o.BuyerID, pol, now)
		if err == nil && expect != nil && r.Total() != *expect {
			// Returned inside the transaction, so the request just stored is undone.
			return errs.Invalidf("refund_total", "the request refunds %s (the units' paid price, and shipping when every unit is refunded), not %s",
				r.Total().Format(), expect.Format())
		}
		out = r
		return err
	})
	return out, err
}
