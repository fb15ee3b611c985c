package creator

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

const consumerName = "creator.commissions"

// Subscribe registers the commission consumer: a creator's commission on each
// attributed line follows its order, pending when paid, accrued when delivered,
// payable when completed, reversed when cancelled, reduced pro rata when units of its
// line are refunded (reversed when all are). The money itself moves in the ledger,
// which reads the same events.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderDelivered, events.TopicOrderCompleted,
		events.TopicOrderCancelled, events.TopicOrderRefunded}, s.handle)
}

func (s *Service) handle(ctx context.Context, e bus.Event) error {
	switch e.Topic {
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error { return recordCommissions(ctx, tx, ev.Order, ev.At) })
	case events.TopicOrderDelivered:
		ev, err := bus.Decode[events.OrderDelivered](e)
		if err != nil {
			return err
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
			return moveCommissions(ctx, tx, ev.OrderID, CommissionAccrued, "accrued_at", ev.At, CommissionPending)
		})
	case events.TopicOrderCompleted:
		ev, err := bus.Decode[events.OrderCompleted](e)
		if err != nil {
			return err
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
			return moveCommissions(ctx, tx, ev.OrderID, CommissionPayable, "payable_at", ev.At, CommissionPending, CommissionAccrued)
		})
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil || !ev.WasPaid {
			return err
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
			return moveCommissions(ctx, tx, ev.OrderID, CommissionReversed, "reversed_at", ev.At, CommissionPending, CommissionAccrued)
		})
	case events.TopicOrderRefunded:
		ev, err := bus.Decode[events.OrderRefunded](e)
		if err != nil {
			return err
		}
		return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error { return refundCommissions(ctx, tx, ev) })
	}
	return nil
}

// refundCommissions cuts each refunded line's commission to what its kept units
// earn (money.Portion, so refunds in parts never lose a cent) and reverses it when
// no unit is left.
func refundCommissions(ctx context.Context, tx *db.Tx, ev events.OrderRefunded) error {
	for _, l := range ev.Lines {
		var line *events.OrderLine
		for i := range ev.Order.Lines {
			if ev.Order.Lines[i].LineID == l.LineID {
				line = &ev.Order.Lines[i]
			}
		}
		if line == nil || line.CreatorID == 0 {
			continue
		}
		refunded := l.Before + l.Quantity
		kept := money.Portion(line.Commission, refunded, line.Quantity-refunded, line.Quantity)
		if refunded >= line.Quantity {
			if _, err := tx.ExecContext(ctx, `UPDATE commissions SET amount = 0, status = $1, reversed_at = $2 WHERE order_line_id = $3`,
				string(CommissionReversed), db.Micros(ev.At), l.LineID); err != nil {
				return fmt.Errorf("creator: reverse commission: %w", err)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE commissions SET amount = $1 WHERE order_line_id = $2`, kept, l.LineID); err != nil {
			return fmt.Errorf("creator: reduce commission: %w", err)
		}
	}
	return nil
}

func recordCommissions(ctx context.Context, tx *db.Tx, o events.Order, at time.Time) error {
	for _, l := range o.Lines {
		if l.CreatorID == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commissions (order_line_id, order_id, creator_id, shop_id, market, currency, base_amount, rate_bp, amount, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (order_line_id) DO NOTHING`,
			l.LineID, o.OrderID, l.CreatorID, o.ShopID, o.Market, o.Currency, l.Total, l.CommissionBP, l.Commission, string(CommissionPending), db.Micros(at)); err != nil {
			return fmt.Errorf("creator: record commission: %w", err)
		}
	}
	return nil
}

// moveCommissions moves an order's commissions from any of the from states to to,
// stamping column.
func moveCommissions(ctx context.Context, tx *db.Tx, orderID id.ID, to CommissionStatus, column string, at time.Time, from ...CommissionStatus) error {
	for _, f := range from {
		if _, err := tx.ExecContext(ctx, `UPDATE commissions SET status = $1, `+column+` = $2 WHERE order_id = $3 AND status = $4`,
			string(to), db.Micros(at), orderID, string(f)); err != nil {
			return fmt.Errorf("creator: move commissions: %w", err)
		}
	}
	return nil
}

// Commissions lists the actor's own commissions, newest first.
func (s *Service) Commissions(ctx context.Context, actor auth.Actor, limit int) ([]Commission, error) {
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT order_line_id, order_id, creator_id, shop_id, currency, base_amount, rate_bp, amount, status, created_at, payable_at
		FROM commissions WHERE creator_id = $1 ORDER BY order_line_id DESC LIMIT $2`, c.ID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Commission
	for rows.Next() {
		var cm Commission
		var cur string
		var base, amt, created, payable int64
		if err := rows.Scan(&cm.OrderLineID, &cm.OrderID, &cm.CreatorID, &cm.ShopID, &cur, &base, &cm.RateBP, &amt, &cm.Status, &created, &payable); err != nil {
			return nil, err
		}
		cm.Base, cm.Amount = money.New(base, cur), money.New(amt, cur)
		cm.CreatedAt, cm.PayableAt = db.Time(created), db.Time(payable)
		out = append(out, cm)
	}
	return out, rows.Err()
}

// Earnings totals a creator's commissions by status, in each currency.
type Earnings map[CommissionStatus][]money.Money

// EarningsOf totals the actor's commissions by status.
func (s *Service) EarningsOf(ctx context.Context, actor auth.Actor) (Earnings, error) {
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, currency, SUM(amount) FROM commissions WHERE creator_id = $1 GROUP BY status, currency ORDER BY status, currency`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := Earnings{}
	for rows.Next() {
		var st CommissionStatus
		var m money.Money
		if err := rows.Scan(&st, &m.Currency, &m.Amount); err != nil {
			return nil, err
		}
		out[st] = append(out[st], m)
	}
	return out, rows.Err()
}
