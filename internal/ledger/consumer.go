package ledger

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

const consumerName = "ledger"

// Subscribe registers the ledger's consumers: it books orders' money as they are paid,
// completed, cancelled and refunded. The order domain never calls the ledger.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderDelivered, events.TopicOrderCompleted,
		events.TopicOrderCancelled, events.TopicOrderRefunded}, s.handle)
}

// fees reads the fee settings in force when the buyer paid: an order keeps the fees
// it was sold under, each line at the rate fixed for its category when the payment
// was booked (worked out now for a line booked before rates were fixed).
func (s *Service) fees(ctx context.Context, o events.Order) (Fees, error) {
	p, err := s.markets.Policy(ctx, o.Market, o.PaidAt)
	if err != nil {
		return Fees{}, fmt.Errorf("ledger: policy for order %d: %w", o.OrderID, err)
	}
	f := Fees{ReferralBP: money.BP(p.Fees.ReferralFeeBP), RefundAdminBP: money.BP(p.Fees.RefundAdminFeeBP),
		AdminCapPerSKU: p.Fees.RefundAdminFeeCapPerSKU}
	if f.LineBP, err = s.fixedLineFees(ctx, o.OrderID); err != nil {
		return Fees{}, err
	}
	if len(f.LineBP) < len(o.Lines) {
		lfs, err := s.lineFeesOf(ctx, o, p)
		if err != nil {
			return Fees{}, err
		}
		for _, lf := range lfs {
			if _, ok := f.LineBP[lf.line]; !ok {
				f.LineBP[lf.line] = lf.bp
			}
		}
	}
	return f, nil
}

func (s *Service) handle(ctx context.Context, e bus.Event) error {
	var in TransferInput
	// before and after run in the transaction that posts in: the settlement schedule.
	var before, after func(tx *db.Tx) error
	switch e.Topic {
	case events.TopicOrderDelivered:
		ev, err := bus.Decode[events.OrderDelivered](e)
		if err != nil || ev.IsSample() {
			return err // a creator's sample order moves no money
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
			return s.scheduleShop(ctx, tx, ev.Order, ev.At)
		})
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil || ev.IsSample() {
			return err // a creator's sample order moves no money
		}
		in = PaymentCaptured(ev.Order)
		p, err := s.markets.Policy(ctx, ev.Market, ev.PaidAt)
		if err != nil {
			return fmt.Errorf("ledger: policy for order %d: %w", ev.OrderID, err)
		}
		lfs, err := s.lineFeesOf(ctx, ev.Order, p)
		if err != nil {
			return err
		}
		after = func(tx *db.Tx) error { return fixLineFees(ctx, tx, ev.OrderID, lfs) }
	case events.TopicOrderCompleted:
		ev, err := bus.Decode[events.OrderCompleted](e)
		if err != nil || ev.IsSample() {
			return err // a creator's sample order moves no money
		}
		fees, err := s.fees(ctx, ev.Order)
		if err != nil {
			return err
		}
		in = OrderSettled(ev.Order, fees)
		after = func(tx *db.Tx) error { return s.scheduleCreators(ctx, tx, ev.Order, ev.At) }
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil || ev.IsSample() {
			return err // a creator's sample order moves no money
		}
		if !ev.WasPaid {
			return nil
		}
		in = PaymentReturned(ev.Order)
	case events.TopicOrderRefunded:
		ev, err := bus.Decode[events.OrderRefunded](e)
		if err != nil || ev.IsSample() {
			return err // a creator's sample order moves no money
		}
		fees, err := s.fees(ctx, ev.Order)
		if err != nil {
			return err
		}
		in = OrderRefunded(ev, fees)
		before = func(tx *db.Tx) error { return s.unrelease(ctx, tx, ev.OrderID, "return:"+ev.ReturnID.String()) }
	default:
		return nil
	}
	return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		if _, err := s.Post(ctx, tx, in); err != nil {
			return err
		}
		if after != nil {
			return after(tx)
		}
		return nil
	})
}
