package creator

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Ending collaborations. A seller can end a product's open collaboration (it stays
// on record, inactive, with its terms, and opening it again restores it) and end a
// target plan early (its expiry moves to now, so it reads as expired everywhere:
// rates fall back to the open collaboration, invitations can no longer be answered,
// flat fees already owed stay owed). Both take effect at once; commissions on orders
// placed before stay as they were booked.

// ErrPlanEnded: the collaboration has already ended.
var ErrPlanEnded = errs.New(errs.Rule, "collaboration_ended", "this collaboration has already ended")

// EndOpenPlan ends the open collaboration on a product, for the seller who manages
// its shop. A product with no active open collaboration is ErrNoOffer.
func (s *Service) EndOpenPlan(ctx context.Context, actor auth.Actor, productID id.ID) (Offer, error) {
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return Offer{}, errs.OnField(err, "product_id")
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return Offer{}, err
	}
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, `UPDATE affiliate_offers SET active = $1, updated_at = $2 WHERE product_id = $3 AND active = $4`,
		false, db.Micros(now), p.ID, true)
	if err != nil {
		return Offer{}, fmt.Errorf("creator: end open plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Offer{}, ErrNoOffer.OnField("product_id")
	}
	o, _, err := s.Offer(ctx, p.ID)
	return o, err
}

// EndTargetPlan ends a target plan now, for the seller who manages its shop. A plan
// of another shop is ErrPlanNotFound; one already expired is ErrPlanEnded.
func (s *Service) EndTargetPlan(ctx context.Context, actor auth.Actor, shopID, planID id.ID) (TargetPlan, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return TargetPlan{}, err
	}
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, `UPDATE target_plans SET expires_at = $1 WHERE id = $2 AND shop_id = $3 AND expires_at > $1`,
		db.Micros(now), planID, shopID)
	if err != nil {
		return TargetPlan{}, fmt.Errorf("creator: end target plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		plan, err := s.planByID(ctx, planID, false)
		if err != nil || plan.ShopID != shopID {
			return TargetPlan{}, ErrPlanNotFound
		}
		return TargetPlan{}, ErrPlanEnded
	}
	return s.planByID(ctx, planID, true)
}
