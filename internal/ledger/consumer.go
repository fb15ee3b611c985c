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
// completed and cancelled. The order domain never calls the ledger.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderCompleted, events.TopicOrderCancelled}, s.handle)
}

func (s *Service) handle(ctx context.Context, e bus.Event) error {
	var in TransferInput
	switch e.Topic {
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		in = PaymentCaptured(ev.Order)
	case events.TopicOrderCompleted:
		ev, err := bus.Decode[events.OrderCompleted](e)
		if err != nil {
			return err
		}
		// The fee is the one in force when the buyer paid, not when the order completed.
		p, err := s.markets.Policy(ctx, ev.Market, ev.PaidAt)
		if err != nil {
			return fmt.Errorf("ledger: policy for order %d: %w", ev.OrderID, err)
		}
		in = OrderSettled(ev.Order, money.BP(p.Fees.ReferralFeeBP))
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil {
			return err
		}
		if !ev.WasPaid {
			return nil
		}
		in = PaymentReturned(ev.Order)
	default:
		return nil
	}
	return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
		_, err := s.Post(ctx, tx, in)
		return err
	})
}
