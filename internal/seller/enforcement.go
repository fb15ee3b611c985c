package seller

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Automatic enforcement from the late-dispatch threshold (the violation-points
// ladder is in health.go): a late dispatch rate above
// performance.late_dispatch_enforce_bp, measured over at least
// performance.min_delivered_orders shipped parcels, applies the policy's
// enforcement.late_dispatch_actions (by default a listing restriction and a
// settlement delay, until lifted) as enforcement actions: audited in the shop's
// history with the figures, shown on Account health, appealable, and lifted by an
// operator or a granted appeal like any other action.
//
// Each action applies once while in force. After it is lifted or expires, the rule
// applies it again only for parcels that ship late on a later (market) day, so lifting
// it gives the seller a fresh start rather than an immediate repeat.

// EnforceAll applies the late-dispatch rule to every shop that can sell at at and
// returns how many shops it took action against.
func (s *Service) EnforceAll(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM shops WHERE status IN ('active', 'restricted') ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var ids []id.ID
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, shopID := range ids {
		taken, err := s.enforce(ctx, shopID, at)
		if err != nil {
			return n, err
		}
		if len(taken) > 0 {
			n++
		}
	}
	return n, nil
}

func (s *Service) enforce(ctx context.Context, shopID id.ID, at time.Time) ([]EnforcementAction, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return nil, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return nil, err
	}
	if p.Performance.LateDispatchEnforceBP <= 0 || len(p.Enforcement.LateDispatchActions) == 0 {
		return nil, nil
	}
	perf, err := s.Performance(ctx, shopID, at, 0)
	if err != nil {
		return nil, err
	}
	var late *Metric
	for i, m := range perf.Metrics {
		if m.Key == "late_dispatch_rate" && m.Denominator >= int64(p.Performance.MinDeliveredOrders) && m.ValueBP > int64(p.Performance.LateDispatchEnforceBP) {
			late = &perf.Metrics[i]
		}
	}
	if late == nil {
		return nil, nil
	}
	m, err := s.markets.Market(ctx, sh.Market)
	if err != nil {
		return nil, err
	}
	var lastLate string
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(day), '') FROM shop_perf_daily WHERE shop_id = $1 AND late_shipped > 0 AND day <= $2`,
		shopID, m.Day(at)).Scan(&lastLate); err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("late dispatch rate %s over the last %d days (%d of %d parcels) is above the %s limit",
		Percent(late.ValueBP), p.Performance.ScoreWindowDays, late.Numerator, late.Denominator, Percent(int64(p.Performance.LateDispatchEnforceBP)))
	var taken []EnforcementAction
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		taken = nil
		sh, err := s.LoadShop(ctx, tx, shopID)
		if err != nil {
			return err
		}
		prior, err := s.actions(ctx, tx, `WHERE shop_id = $1 AND source = 'late_dispatch' ORDER BY id DESC LIMIT 200`, shopID)
		if err != nil {
			return err
		}
		for _, la := range p.Enforcement.LateDispatchActions {
			if lateActionSpent(prior, la.Action, at, lastLate, m.Day) {
				continue
			}
			a := EnforcementAction{ID: id.New(), ShopID: shopID, Kind: la.Action, Reason: reason, Status: ActionInForce, StartsAt: at, Source: SourceLateDispatch}
			if la.Days > 0 {
				a.EndsAt = at.AddDate(0, 0, la.Days)
			}
			if err := s.takeAction(ctx, tx, &sh, a); err != nil {
				return err
			}
			taken = append(taken, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(taken) > 0 {
		s.log.Info("late-dispatch enforcement", "shop", shopID, "late_dispatch_bp", late.ValueBP, "actions", len(taken))
	}
	return taken, nil
}

// lateActionSpent reports whether the late-dispatch rule must not apply an action of
// kind now: one is in force, or one ended (lifted, or its days up) on or after the
// last market day a parcel shipped late.
func lateActionSpent(prior []EnforcementAction, kind string, at time.Time, lastLateDay string, day func(time.Time) string) bool {
	for _, a := range prior {
		if a.Kind != kind {
			continue
		}
		if a.InForce(at) {
			return true
		}
		ended := a.LiftedAt
		if ended.IsZero() {
			ended = a.EndsAt
		}
		if !ended.IsZero() && day(ended) >= lastLateDay {
			return true
		}
	}
	return false
}
