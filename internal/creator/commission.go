package creator

import (
	"context"
	"fmt"
	"sort"
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
	if err := b.Subscribe(sampleConsumer, []string{events.TopicVideoPublished, events.TopicLiveStarted}, s.sampleContent); err != nil {
		return err
	}
	if err := b.Subscribe(sampleOrderConsumer, []string{events.TopicOrderShipped, events.TopicOrderDelivered, events.TopicOrderCancelled}, s.sampleOrder); err != nil {
		return err
	}
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
			if err := moveCommissions(ctx, tx, ev.OrderID, CommissionPayable, "payable_at", ev.At, CommissionPending, CommissionAccrued); err != nil {
				return err
			}
			return s.setDue(ctx, tx, ev.OrderID, ev.Market, ev.At)
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO commissions (order_line_id, order_id, creator_id, shop_id, market, currency, base_amount, rate_bp, amount, status, created_at, product_id, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (order_line_id) DO NOTHING`,
			l.LineID, o.OrderID, l.CreatorID, o.ShopID, o.Market, o.Currency, l.Total, l.CommissionBP, l.Commission, string(CommissionPending), db.Micros(at),
			l.ProductID, l.Source); err != nil {
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

// setDue gives an order's payable commissions their due date: the market's
// CommissionDueDays after the order completed.
func (s *Service) setDue(ctx context.Context, tx *db.Tx, orderID id.ID, marketCode string, completed time.Time) error {
	p, err := s.markets.Policy(ctx, marketCode, completed)
	if err != nil {
		return err
	}
	due := completed.Add(time.Duration(p.Creators.CommissionDueDays) * 24 * time.Hour)
	if _, err := tx.ExecContext(ctx, `UPDATE commissions SET due_at = $1 WHERE order_id = $2 AND status = $3 AND due_at = 0`,
		db.Micros(due), orderID, string(CommissionPayable)); err != nil {
		return fmt.Errorf("creator: commission due date: %w", err)
	}
	return nil
}

const commissionColumns = `cm.order_line_id, cm.order_id, cm.creator_id, cm.shop_id, cm.currency, cm.base_amount, cm.rate_bp, cm.amount, cm.status,
	cm.created_at, cm.payable_at, cm.source, cm.product_id, cm.due_at, cm.paid_at`

func (s *Service) commissions(ctx context.Context, where string, args ...any) ([]Commission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+commissionColumns+` FROM commissions cm `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("creator: commissions: %w", err)
	}
	defer rows.Close()
	now := s.now()
	var out []Commission
	for rows.Next() {
		var cm Commission
		var cur string
		var base, amt, created, payable, due, paid int64
		if err := rows.Scan(&cm.OrderLineID, &cm.OrderID, &cm.CreatorID, &cm.ShopID, &cur, &base, &cm.RateBP, &amt, &cm.Status, &created, &payable,
			&cm.Source, &cm.ProductID, &due, &paid); err != nil {
			return nil, err
		}
		cm.Base, cm.Amount = money.New(base, cur), money.New(amt, cur)
		cm.CreatedAt = db.Time(created)
		if payable > 0 {
			cm.PayableAt = db.Time(payable)
		}
		if due > 0 {
			cm.DueAt = db.Time(due)
		}
		if paid > 0 {
			cm.PaidAt = db.Time(paid)
		}
		if cm.Status == CommissionPayable && due > 0 && cm.Amount.Amount > 0 {
			cm.Overdue = now.After(cm.DueAt)
			cm.DueSoon = !cm.Overdue && cm.DueAt.Sub(now) <= DueSoonWindow
		}
		out = append(out, cm)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.applyPayouts(ctx, out)
}

// Commissions lists the actor's own commissions, newest first, with due dates and
// flags.
func (s *Service) Commissions(ctx context.Context, actor auth.Actor, limit int) ([]Commission, error) {
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return nil, err
	}
	return s.commissions(ctx, `WHERE cm.creator_id = $1 ORDER BY cm.order_line_id DESC LIMIT $2`, c.ID, limit)
}

// ShopCommissions lists what a shop owes creators per order line, newest first, for
// its seller: the same rows the creators see.
func (s *Service) ShopCommissions(ctx context.Context, actor auth.Actor, shopID id.ID, limit int) ([]Commission, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.commissions(ctx, `WHERE cm.shop_id = $1 ORDER BY cm.order_line_id DESC LIMIT $2`, shopID, limit)
}

// OrderCommissions lists an order's commissions for the order's shop's seller, the
// creators it credits (their own lines) or an operator.
func (s *Service) OrderCommissions(ctx context.Context, actor auth.Actor, orderID id.ID) ([]Commission, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	cs, err := s.commissions(ctx, `WHERE cm.order_id = $1 ORDER BY cm.order_line_id`, orderID)
	if err != nil || len(cs) == 0 || actor.Has(auth.Operator) {
		return cs, err
	}
	if _, err := s.sellers.Manage(ctx, actor, cs[0].ShopID); err == nil {
		return cs, nil
	}
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return nil, nil
	}
	var mine []Commission
	for _, cm := range cs {
		if cm.CreatorID == c.ID {
			mine = append(mine, cm)
		}
	}
	return mine, nil
}

// OverdueShop is a seller with commissions past their due date.
type OverdueShop struct {
	ShopID    id.ID         `json:"shop_id"`
	ShopName  string        `json:"shop_name"`
	Market    string        `json:"market"`
	Lines     int           `json:"lines"`
	Creators  int           `json:"creators"`
	Owed      []money.Money `json:"owed"`
	OldestDue time.Time     `json:"oldest_due"`
}

// OverdueShops lists the shops with money owed to creators past its due date,
// longest overdue first: payable commissions (as the ledger judges them, when wired,
// after the creator's payouts), and the flat fees of accepted target plans.
// Operators only.
func (s *Service) OverdueShops(ctx context.Context, actor auth.Actor) ([]OverdueShop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	now := db.Micros(s.now())
	rows, err := s.db.QueryContext(ctx, `SELECT cm.order_id, cm.shop_id, sh.name, sh.market, cm.currency, cm.creator_id, cm.amount, cm.due_at
			FROM commissions cm JOIN shops sh ON sh.id = cm.shop_id
			WHERE cm.status = $1 AND cm.due_at > 0 AND cm.due_at < $2 AND cm.amount > 0
		UNION ALL
		SELECT 0, tp.shop_id, sh.name, sh.market, tp.currency, pc.creator_id, tp.flat_fee, pc.fee_due_at
			FROM target_plan_creators pc JOIN target_plans tp ON tp.id = pc.plan_id JOIN shops sh ON sh.id = tp.shop_id
			WHERE pc.status = $3 AND pc.fee_due_at > 0 AND pc.fee_due_at < $2 AND pc.fee_paid_at = 0 AND tp.flat_fee > 0`,
		string(CommissionPayable), now, InvitationAccepted)
	if err != nil {
		return nil, fmt.Errorf("creator: overdue shops: %w", err)
	}
	type owed struct {
		orderID, shopID, creatorID id.ID
		shopName, market, currency string
		amount, due                int64
	}
	var lines []owed
	keys := map[payKey]bool{}
	for rows.Next() {
		var o owed
		if err := rows.Scan(&o.orderID, &o.shopID, &o.shopName, &o.market, &o.currency, &o.creatorID, &o.amount, &o.due); err != nil {
			rows.Close()
			return nil, err
		}
		lines = append(lines, o)
		if o.orderID != 0 {
			keys[payKey{o.creatorID, o.currency}] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var states map[payKey]payState
	if s.payouts != nil {
		if states, err = s.payStates(ctx, keys); err != nil {
			return nil, err
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].due < lines[j].due })
	var out []OverdueShop
	at := map[id.ID]int{}
	creators := map[id.ID]map[id.ID]bool{}
	for _, l := range lines {
		if states != nil && l.orderID != 0 && !states[payKey{l.creatorID, l.currency}].overdue[l.orderID] {
			continue // paid, as far as the ledger is concerned
		}
		i, ok := at[l.shopID]
		if !ok {
			i = len(out)
			at[l.shopID] = i
			creators[l.shopID] = map[id.ID]bool{}
			out = append(out, OverdueShop{ShopID: l.shopID, ShopName: l.shopName, Market: l.market, OldestDue: db.Time(l.due)})
		}
		o := &out[i]
		o.Lines++
		if !creators[l.shopID][l.creatorID] {
			creators[l.shopID][l.creatorID] = true
			o.Creators++
		}
		added := false
		for k := range o.Owed {
			if o.Owed[k].Currency == l.currency {
				o.Owed[k].Amount += l.amount
				added = true
			}
		}
		if !added {
			o.Owed = append(o.Owed, money.New(l.amount, l.currency))
		}
	}
	return out, nil
}

// RecordCommissionsPaid marks an order's payable commissions paid to their
// creators, through q (the payer's transaction). It is the hook for the ledger's
// creator payouts; until those exist, operators record payments by shop.
func (s *Service) RecordCommissionsPaid(ctx context.Context, q db.Querier, orderID id.ID, at time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE commissions SET status = $1, paid_at = $2 WHERE order_id = $3 AND status = $4`,
		string(CommissionPaid), db.Micros(at), orderID, string(CommissionPayable)); err != nil {
		return fmt.Errorf("creator: commissions paid: %w", err)
	}
	return nil
}

// MarkShopCommissionsPaid records that a shop's payable commissions and due flat
// fees were paid, returning how many it marked. Operators only.
func (s *Service) MarkShopCommissionsPaid(ctx context.Context, actor auth.Actor, shopID id.ID) (int64, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE commissions SET status = $1, paid_at = $2 WHERE shop_id = $3 AND status = $4`,
		string(CommissionPaid), db.Micros(s.now()), shopID, string(CommissionPayable))
	if err != nil {
		return 0, fmt.Errorf("creator: mark commissions paid: %w", err)
	}
	n, _ := res.RowsAffected()
	res, err = s.db.ExecContext(ctx, `UPDATE target_plan_creators SET fee_paid_at = $1
		WHERE fee_due_at > 0 AND fee_paid_at = 0 AND status = $2 AND plan_id IN (SELECT id FROM target_plans WHERE shop_id = $3)`,
		db.Micros(s.now()), InvitationAccepted, shopID)
	if err != nil {
		return 0, fmt.Errorf("creator: mark fees paid: %w", err)
	}
	fees, _ := res.RowsAffected()
	return n + fees, nil
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
