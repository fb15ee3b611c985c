package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The seller opens a request for the buyer under the buyer's rules; a refused one,
// including one whose refund is not what the seller expected, stores nothing.
func TestSellerOpensReturnForBuyer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Shipping.StandardFee, p.Shipping.Programs = 599, nil })
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		o := f.delivered(t, buyer, "a", 2)
		stranger := f.Actor(t, "sly")
		one := []order.ReturnLineInput{{LineID: o.Lines[0].ID, Quantity: 1}}
		usd := func(v int64) *money.Money { m := money.New(v, "USD"); return &m }
		refusals := []struct {
			name  string
			in    order.ReturnInput
			field string
		}{
			{"a cancellation", order.ReturnInput{Kind: order.ReturnCancel, Reason: "x"}, "kind"},
			{"no reason", order.ReturnInput{Kind: order.ReturnRefundOnly}, "reason"},
			{"another refund than expected", order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "missing", Lines: one}, "refund_total"},
		}
		for _, r := range refusals {
			expect := (*money.Money)(nil)
			if r.field == "refund_total" {
				expect = usd(1000)
			}
			if _, err := f.orders.OpenReturnForBuyer(ctx, f.owner, o.ID, r.in, expect); errs.As(err) == nil || errs.As(err).Field != r.field {
				t.Errorf("%s: %v, want a refusal of %s", r.name, err, r.field)
			}
		}
		if _, err := f.orders.OpenReturnForBuyer(ctx, stranger, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "x"}, nil); !errors.Is(err, order.ErrOrderNotFound) {
			t.Fatalf("another seller: %v", err)
		}
		if rs, err := f.orders.ReturnsOfOrder(ctx, buyer, o.ID); err != nil || len(rs) != 0 {
			t.Fatalf("refusals stored requests: %+v %v", rs, err)
		}

		// Every unit, with the shipping back: the amount the seller expects.
		r, err := f.orders.OpenReturnForBuyer(ctx, f.owner, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "missing", Note: "as agreed"}, usd(2*1299+599))
		if err != nil || r.Status != order.ReturnRequested || r.BuyerID != buyer.AccountID || r.Total().Amount != 2*1299+599 || r.Note != "Opened by the seller on your behalf: as agreed" {
			t.Fatalf("opened %+v %v", r, err)
		}
		if _, err := f.orders.OpenReturnForBuyer(ctx, f.owner, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "again"}, nil); !errors.Is(err, order.ErrReturnOpen) {
			t.Fatalf("a second open request: %v", err)
		}
		if r, err = f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true}); err != nil || r.Status != order.ReturnRefunded {
			t.Fatalf("approved %+v %v", r, err)
		}
	})
}
