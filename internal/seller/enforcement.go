package seller

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Automatic enforcement from the late-dispatch threshold (the violation-points
// ladder is in health.go): a late dispatch rate above performance.late_dispatch_enforce_bp, measured over at least
// performance.min_delivered_orders shipped parcels, restricts the shop. A restricted
// shop keeps selling what it lists but may not list more (the catalog refuses), and
// its money waits settlement.enforcement_delay_days (SettlementDelay). The
// restriction is audited with its figures; an operator lifts it (SetStatus active).

// EnforceAll applies the thresholds to every active shop at at and returns how many
// it restricted.
func (s *Service) EnforceAll(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM shops WHERE status = 'active' ORDER BY id`)
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
		restricted, err := s.enforce(ctx, shopID, at)
		if err != nil {
			return n, err
		}
		if restricted {
			n++
		}
	}
	return n, nil
}

func (s *Service) enforce(ctx context.Context, shopID id.ID, at time.Time) (bool, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return false, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return false, err
	}
	if p.Performance.LateDispatchEnforceBP <= 0 {
		return false, nil
	}
	perf, err := s.Performance(ctx, shopID, at, 0)
	if err != nil {
		return false, err
	}
	for _, m := range perf.Metrics {
		if m.Key != "late_dispatch_rate" || m.Denominator < int64(p.Performance.MinDeliveredOrders) || m.ValueBP <= int64(p.Performance.LateDispatchEnforceBP) {
			continue
		}
		reason := fmt.Sprintf("late dispatch rate %s over the last %d days (%d of %d parcels) is above the %s limit: no new listings and payouts wait %d days until an operator lifts the restriction",
			Percent(m.ValueBP), p.Performance.ScoreWindowDays, m.Numerator, m.Denominator, Percent(int64(p.Performance.LateDispatchEnforceBP)), p.Settlement.EnforcementDelayDays)
		err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.setStatus(ctx, tx, shopID, Restricted, reason, 0, at) })
		if err != nil {
			return false, err
		}
		s.log.Info("shop restricted by enforcement", "shop", shopID, "late_dispatch_bp", m.ValueBP)
		return true, nil
	}
	return false, nil
}
