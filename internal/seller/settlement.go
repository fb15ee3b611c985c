package seller

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Settlement delay reasons.
const (
	DelayStandard    = "standard"
	DelayProbation   = "probation"
	DelayEnforcement = "enforcement"
)

// SettlementDelay is how many days after delivery a shop's money becomes available
// under the market's policy in force at at: the standard delay, longer while the shop
// is in probation (its first Probation.Days after activation). It is the one place
// the ledger asks; enforcement actions that delay settlement extend it here.
func (s *Service) SettlementDelay(ctx context.Context, shopID id.ID, at time.Time) (days int, reason string, err error) {
	shop, err := s.Shop(ctx, shopID)
	if err != nil {
		return 0, "", err
	}
	p, err := s.markets.Policy(ctx, shop.Market, at)
	if err != nil {
		return 0, "", err
	}
	_, delayed, err := s.actionInForce(ctx, s.db, shopID, market.ActionSettlementDelay, at)
	if err != nil {
		return 0, "", err
	}
	return settlementDelay(shop, p, at, delayed)
}

// settlementDelay applies the rules; delayed says a settlement-delay action of the
// account health ladder is in force.
func settlementDelay(shop Shop, p market.Policy, at time.Time, delayed bool) (int, string, error) {
	// A restricted or suspended shop's money waits longest (an enforcement action).
	if (delayed || shop.Status == Restricted || shop.Status == Suspended) && p.Settlement.EnforcementDelayDays > 0 {
		return max(p.Settlement.EnforcementDelayDays, p.Settlement.DelayDays), DelayEnforcement, nil
	}
	if !shop.ActivatedAt.IsZero() && at.Before(shop.ActivatedAt.AddDate(0, 0, p.Probation.Days)) && p.Settlement.ProbationDelayDays > p.Settlement.DelayDays {
		return p.Settlement.ProbationDelayDays, DelayProbation, nil
	}
	return p.Settlement.DelayDays, DelayStandard, nil
}
