package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Settlement: an order's money reaches its shop's and creators' payable accounts when
// the order settles (OrderSettled); it becomes theirs to withdraw — moved to their
// available accounts — on a schedule:
//
//   - a shop's share settlement-delay days after delivery (seller.SettlementDelay: the
//     market's delay, longer in probation or under an enforcement action), and not
//     before the order has settled;
//   - a creator's commission when the order settles (after the return window), due to
//     be paid within the market's CommissionDueDays; Earnings flags what is overdue
//     or soon due.
//
// A refund of a released order first takes the released money back (the available
// account may go below zero: the payee owes it), the refund then books as usual, and
// the next Release sweep releases what is left.

// Settlement is one payee's share of one order on the schedule.
type Settlement struct {
	OrderID     id.ID     `json:"order_id"`
	OwnerKind   string    `json:"owner_kind"`
	OwnerID     id.ID     `json:"owner_id"`
	ShopID      id.ID     `json:"shop_id"`
	Market      string    `json:"market"`
	Currency    string    `json:"currency"`
	DeliveredAt time.Time `json:"delivered_at"`
	DelayDays   int       `json:"delay_days"`
	DelayReason string    `json:"delay_reason"`
	AvailableAt time.Time `json:"available_at"`
	DueAt       time.Time `json:"due_at,omitzero"`
	ReleasedAt  time.Time `json:"released_at,omitzero"`
	Released    int64     `json:"released"`
}

func payableOf(kind string) AccountType {
	if kind == OwnerCreator {
		return CreatorCommissionPayable
	}
	return SellerPayable
}

func availableOf(kind string) AccountType {
	if kind == OwnerCreator {
		return CreatorAvailable
	}
	return SellerAvailable
}

func ref(kind string, t AccountType, owner id.ID, currency string) AccountRef {
	return AccountRef{Type: t, OwnerKind: kind, OwnerID: owner, Currency: currency}
}

// scheduleShop puts a delivered order's shop share on the schedule.
func (s *Service) scheduleShop(ctx context.Context, tx *db.Tx, o events.Order, delivered time.Time) error {
	days, reason, err := s.sellers.SettlementDelay(ctx, o.ShopID, delivered)
	if err != nil {
		return fmt.Errorf("ledger: settlement delay of shop %d: %w", o.ShopID, err)
	}
	return insertSettlement(ctx, tx, Settlement{OrderID: o.OrderID, OwnerKind: OwnerShop, OwnerID: o.ShopID, ShopID: o.ShopID, Market: o.Market,
		Currency: o.Currency, DeliveredAt: delivered, DelayDays: days, DelayReason: reason, AvailableAt: delivered.AddDate(0, 0, days)})
}

// scheduleCreators puts a settled order's commissions on the schedule: available at
// once, due within the market's CommissionDueDays.
func (s *Service) scheduleCreators(ctx context.Context, tx *db.Tx, o events.Order, settled time.Time) error {
	seen := map[id.ID]bool{}
	for _, l := range o.Lines {
		if l.CreatorID == 0 || seen[l.CreatorID] {
			continue
		}
		seen[l.CreatorID] = true
		p, err := s.markets.Policy(ctx, o.Market, settled)
		if err != nil {
			return err
		}
		if err := insertSettlement(ctx, tx, Settlement{OrderID: o.OrderID, OwnerKind: OwnerCreator, OwnerID: l.CreatorID, ShopID: o.ShopID,
			Market: o.Market, Currency: o.Currency, DeliveredAt: settled, DelayReason: "commission", AvailableAt: settled,
			DueAt: settled.AddDate(0, 0, p.Creators.CommissionDueDays)}); err != nil {
			return err
		}
	}
	return nil
}

func insertSettlement(ctx context.Context, tx *db.Tx, st Settlement) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger_settlements (order_id, owner_kind, owner_id, shop_id, market, currency, delivered_at,
		delay_days, delay_reason, available_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		st.OrderID, st.OwnerKind, st.OwnerID, st.ShopID, st.Market, st.Currency, db.Micros(st.DeliveredAt), st.DelayDays, st.DelayReason,
		db.Micros(st.AvailableAt), db.Micros(st.DueAt))
	if err != nil {
		return fmt.Errorf("ledger: schedule settlement: %w", err)
	}
	return nil
}

// orderNet is what an order has moved on an account so far: the payee's share.
func orderNet(ctx context.Context, q db.Querier, orderID id.ID, acct AccountRef) (int64, error) {
	var net int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
		JOIN ledger_transfers t ON t.id = p.transfer_id WHERE a.code = $1 AND t.reference = $2 AND NOT t.pending`,
		acct.Code(), "order:"+orderID.String()).Scan(&net)
	return net, err
}

// Release moves every share whose day has come from payable to available, for
// orders that have settled, and returns how many it released. Run it from a timer;
// it is safe to run again and from several nodes (each share is released once).
func (s *Service) Release(ctx context.Context) (int, error) {
	now := s.now().UTC()
	rows, err := s.db.QueryContext(ctx, `SELECT order_id, owner_kind, owner_id, currency FROM ledger_settlements
		WHERE released_at = 0 AND available_at <= $1 ORDER BY available_at LIMIT 500`, db.Micros(now))
	if err != nil {
		return 0, fmt.Errorf("ledger: due settlements: %w", err)
	}
	var due []Settlement
	for rows.Next() {
		var st Settlement
		if err := rows.Scan(&st.OrderID, &st.OwnerKind, &st.OwnerID, &st.Currency); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	released := 0
	for _, st := range due {
		ok, err := s.release(ctx, st, now)
		if err != nil {
			return released, err
		}
		if ok {
			released++
		}
	}
	return released, nil
}

func (s *Service) release(ctx context.Context, st Settlement, now time.Time) (bool, error) {
	done := false
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		done = false
		var settledCount int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers WHERE idempotency_key = $1`,
			"order.completed/"+st.OrderID.String()).Scan(&settledCount); err != nil {
			return err
		}
		if settledCount == 0 {
			return nil // not settled yet: the buyer may still return it
		}
		// Claim the row first, so two sweeps cannot both release it.
		res, err := tx.ExecContext(ctx, `UPDATE ledger_settlements SET released_at = $1 WHERE order_id = $2 AND owner_kind = $3 AND owner_id = $4 AND released_at = 0`,
			db.Micros(now), st.OrderID, st.OwnerKind, st.OwnerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		payable := ref(st.OwnerKind, payableOf(st.OwnerKind), st.OwnerID, st.Currency)
		net, err := orderNet(ctx, tx, st.OrderID, payable)
		if err != nil {
			return err
		}
		amount := -net // what the order left the payee, on the credit side
		if amount != 0 {
			if _, err := s.Post(ctx, tx, TransferInput{
				IdempotencyKey: fmt.Sprintf("release/%d/%s/%d/%d", st.OrderID, st.OwnerKind, st.OwnerID, db.Micros(now)),
				Kind:           "settlement_released",
				Reference:      "order:" + st.OrderID.String(),
				Memo:           "settled: available to pay out",
				Postings: []Posting{
					{payable, amount},
					{ref(st.OwnerKind, availableOf(st.OwnerKind), st.OwnerID, st.Currency), -amount},
				},
			}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_settlements SET released = $1 WHERE order_id = $2 AND owner_kind = $3 AND owner_id = $4`,
			amount, st.OrderID, st.OwnerKind, st.OwnerID); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// unrelease takes an order's released shares back to payable before a refund books
// against them; the order's rows go back on the schedule, due at once.
func (s *Service) unrelease(ctx context.Context, tx *db.Tx, orderID id.ID, cause string) error {
	rows, err := tx.QueryContext(ctx, `SELECT owner_kind, owner_id, currency, released FROM ledger_settlements
		WHERE order_id = $1 AND released_at <> 0`+db.ForUpdate(tx), orderID)
	if err != nil {
		return err
	}
	var back []Settlement
	for rows.Next() {
		var st Settlement
		if err := rows.Scan(&st.OwnerKind, &st.OwnerID, &st.Currency, &st.Released); err != nil {
			rows.Close()
			return err
		}
		back = append(back, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, st := range back {
		if st.Released != 0 {
			if _, err := s.Post(ctx, tx, TransferInput{
				IdempotencyKey: fmt.Sprintf("unrelease/%d/%s/%d/%s", orderID, st.OwnerKind, st.OwnerID, cause),
				Kind:           "settlement_reopened",
				Reference:      "order:" + orderID.String(),
				Memo:           "refund after settlement: released money back to payable",
				Postings: []Posting{
					{ref(st.OwnerKind, availableOf(st.OwnerKind), st.OwnerID, st.Currency), st.Released},
					{ref(st.OwnerKind, payableOf(st.OwnerKind), st.OwnerID, st.Currency), -st.Released},
				},
			}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_settlements SET released_at = 0, released = 0 WHERE order_id = $1 AND owner_kind = $2 AND owner_id = $3`,
			orderID, st.OwnerKind, st.OwnerID); err != nil {
			return err
		}
	}
	return nil
}

// Settlements lists an owner's scheduled shares, newest first.
func (s *Service) Settlements(ctx context.Context, ownerKind string, ownerID id.ID, limit int) ([]Settlement, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT order_id, owner_kind, owner_id, shop_id, market, currency, delivered_at, delay_days, delay_reason,
		available_at, due_at, released_at, released FROM ledger_settlements WHERE owner_kind = $1 AND owner_id = $2
		ORDER BY available_at DESC, order_id DESC LIMIT $3`, ownerKind, ownerID, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: list settlements: %w", err)
	}
	defer rows.Close()
	var out []Settlement
	for rows.Next() {
		var st Settlement
		var delivered, available, due, released int64
		if err := rows.Scan(&st.OrderID, &st.OwnerKind, &st.OwnerID, &st.ShopID, &st.Market, &st.Currency, &delivered, &st.DelayDays,
			&st.DelayReason, &available, &due, &released, &st.Released); err != nil {
			return nil, err
		}
		st.DeliveredAt, st.AvailableAt = db.Time(delivered), db.Time(available)
		if due != 0 {
			st.DueAt = db.Time(due)
		}
		if released != 0 {
			st.ReleasedAt = db.Time(released)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
