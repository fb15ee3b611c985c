package openapi

import (
	"errors"
	"net/http"

	"github.com/liveshop/liveshop/internal/creator"
)

// DELETE /affiliate_seller/202409/open_collaborations/products/{product_id}: ends the
// open collaboration on one of the shop's products through creator.EndOpenPlan, as
// the seller's affiliate page does. TikTok ends it at terminated_effective_time
// (usually the next midnight); liveshop ends it at once and answers the time it
// ended. A product with no active open collaboration is refused (36009006), as TikTok
// refuses one whose status is not NORMAL.
func (s *Service) removeOpenCollaboration(c *call) (any, error) {
	pid, err := c.pathID("product_id")
	if err != nil {
		return nil, err
	}
	p, err := s.bodyProduct(c, "product_id", pid.String())
	if err != nil {
		return nil, err
	}
	o, err := s.Creators.EndOpenPlan(c.ctx, c.actor, p.ID)
	if err != nil {
		if errors.Is(err, creator.ErrNoOffer) {
			return nil, fail(http.StatusUnprocessableEntity, CodeConflict, "product_id: product %s has no open collaboration to remove", p.ID)
		}
		return nil, err
	}
	return map[string]any{"terminated_effective_time": o.UpdatedAt.Unix()}, nil
}

// DELETE /affiliate_seller/202409/target_collaborations/{target_collaboration_id}:
// ends one of the shop's target collaborations now, through creator.EndTargetPlan
// (the target collaboration search then shows it COMPLETED). Another shop's plan is
// not found; one already ended is refused (36009006).
func (s *Service) removeTargetCollaboration(c *call) (any, error) {
	planID, err := c.pathID("target_collaboration_id")
	if err != nil {
		return nil, err
	}
	if _, err := s.Creators.EndTargetPlan(c.ctx, c.actor, c.shopID, planID); err != nil {
		if errors.Is(err, creator.ErrPlanNotFound) {
			return nil, fail(http.StatusNotFound, CodeNotFound, "target_collaboration_id %q does not exist in this shop", c.r.PathValue("target_collaboration_id"))
		}
		return nil, err
	}
	return map[string]any{}, nil
}
