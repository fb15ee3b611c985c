package creator

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

const sampleOrderConsumer = "creator.sample_orders"

// sampleOrder keeps a sample in step with the zero-price order it ships as: shipped
// with the order's carrier and tracking number, delivered (the content falls due
// ContentDays after delivery), or cancelled when the seller cancels the order
// before it ships. A sample whose content is already published stays fulfilled,
// and learns its delivery time. Orders that are not samples are ignored.
func (s *Service) sampleOrder(ctx context.Context, e bus.Event) error {
	var o events.Order
	var at time.Time
	var carrier, tracking string
	switch e.Topic {
	case events.TopicOrderShipped:
		ev, err := bus.Decode[events.OrderShipped](e)
		if err != nil {
			return err
		}
		o, at, carrier, tracking = ev.Order, ev.At, ev.Carrier, ev.TrackingNumber
	case events.TopicOrderDelivered:
		ev, err := bus.Decode[events.OrderDelivered](e)
		if err != nil {
			return err
		}
		o, at = ev.Order, ev.At
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil {
			return err
		}
		o, at = ev.Order, ev.At
	default:
		return nil
	}
	if !o.IsSample() {
		return nil
	}
	if at.IsZero() {
		at = s.now()
	}
	when := db.Micros(at)
	return outbox.Consume(ctx, s.db, sampleOrderConsumer, e, func(tx *db.Tx) error {
		var err error
		switch e.Topic {
		case events.TopicOrderShipped:
			_, err = tx.ExecContext(ctx, `UPDATE samples SET shipped_at = $1, carrier = $2, tracking_number = $3,
				status = CASE WHEN status = $4 THEN $5 ELSE status END WHERE order_id = $6`,
				when, carrier, tracking, SampleApproved, SampleShipped, o.OrderID)
		case events.TopicOrderDelivered:
			// The content's due date counts from delivery.
			_, err = tx.ExecContext(ctx, `UPDATE samples SET delivered_at = $1, content_due_at = $1 + content_days * CAST($2 AS BIGINT),
				status = CASE WHEN status IN ($3, $4) THEN $5 ELSE status END WHERE order_id = $6`,
				when, int64(24*time.Hour/time.Microsecond), SampleApproved, SampleShipped, SampleDelivered, o.OrderID)
		case events.TopicOrderCancelled:
			_, err = tx.ExecContext(ctx, `UPDATE samples SET status = $1 WHERE order_id = $2 AND status IN ($3, $4)`,
				SampleCancelled, o.OrderID, SampleApproved, SampleShipped)
		}
		return err
	})
}
