package creator

import (
	"context"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// ShopPlan returns one of the shop's target plans with every invited creator's
// answer, for its seller; another shop's plan is ErrPlanNotFound.
func (s *Service) ShopPlan(ctx context.Context, actor auth.Actor, shopID, planID id.ID) (TargetPlan, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return TargetPlan{}, err
	}
	p, err := s.planByID(ctx, planID, true)
	if err != nil || p.ShopID != shopID {
		return TargetPlan{}, ErrPlanNotFound
	}
	return p, nil
}

// PlanShowcaseCounts counts, per creator, the products in showcases under the plan.
func (s *Service) PlanShowcaseCounts(ctx context.Context, planID id.ID) (map[id.ID]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT creator_id, COUNT(*) FROM showcase_items WHERE plan_id = $1 GROUP BY creator_id`, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[id.ID]int64{}
	for rows.Next() {
		var c id.ID
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}
