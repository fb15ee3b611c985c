package creator

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// FeePoster is the ledger as flat collaboration fees reach it: a transfer posted in
// the caller's transaction (*ledger.Service). The creator domain sits downhill of
// the ledger, so it calls it rather than sending it an event.
type FeePoster interface {
	Post(ctx context.Context, tx *db.Tx, in ledger.TransferInput) (ledger.Transfer, error)
}

// UseFeePoster makes the platform pay target plans' flat fees when they fall due
// (BookDueFees). Without it, operators record fees paid by hand.
func (s *Service) UseFeePoster(p FeePoster) { s.fees = p }

// BookDueFees pays every accepted target plan's flat fee that has fallen due and is
// not yet paid: the shop's available balance pays the creator's (ledger.CollaborationFee;
// the shop's next settlements cover a shortfall), and the plan's record is marked paid
// in the same transaction. The ledger's idempotency key is the plan and creator, so a
// crash between runs or two nodes running at once pays each fee once. It returns how
// many fees it booked.
func (s *Service) BookDueFees(ctx context.Context) (int, error) {
	if s.fees == nil {
		return 0, nil
	}
	now := s.now().UTC()
	rows, err := s.db.QueryContext(ctx, `SELECT pc.plan_id, pc.creator_id, tp.shop_id, tp.flat_fee, tp.currency
		FROM target_plan_creators pc JOIN target_plans tp ON tp.id = pc.plan_id
		WHERE pc.status = $1 AND pc.fee_due_at > 0 AND pc.fee_due_at <= $2 AND pc.fee_paid_at = 0 AND tp.flat_fee > 0
		ORDER BY pc.fee_due_at LIMIT 500`, InvitationAccepted, db.Micros(now))
	if err != nil {
		return 0, fmt.Errorf("creator: due fees: %w", err)
	}
	type due struct {
		plan, creator, shop id.ID
		fee                 money.Money
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.plan, &d.creator, &d.shop, &d.fee.Amount, &d.fee.Currency); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	booked := 0
	for _, d := range todo {
		key := fmt.Sprintf("%s/plan:%s/creator:%s", ledger.ProgramCollaborationFee, d.plan, d.creator)
		err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE target_plan_creators SET fee_paid_at = $1 WHERE plan_id = $2 AND creator_id = $3 AND fee_paid_at = 0`,
				db.Micros(now), d.plan, d.creator)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another node paid it
			}
			_, err = s.fees.Post(ctx, tx, ledger.CollaborationFee(key, d.plan, d.shop, d.creator, d.fee))
			return err
		})
		if err != nil {
			return booked, fmt.Errorf("creator: book flat fee of plan %s for creator %s: %w", d.plan, d.creator, err)
		}
		booked++
	}
	return booked, nil
}

// RunFees books due flat fees every interval until ctx ends.
func (s *Service) RunFees(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.BookDueFees(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("creator flat fees", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
