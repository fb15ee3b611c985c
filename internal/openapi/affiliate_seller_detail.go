package openapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// GET /affiliate_seller/{202409,202412,202508}/target_collaborations/{target_collaboration_id}:
// one of the shop's target collaborations in full, through creator.ShopPlan: its
// terms, each product with its price range and the commission it earns at the plan's
// rate (estimated on the original prices), and each invited creator (as the search's
// creator_user_open_id, with the handle as username and nickname) with how many of
// the plan's products they have in their showcase. Another shop's plan is 36009005.
func (s *Service) targetCollaborationDetail(c *call) (any, error) {
	planID, err := c.pathID("target_collaboration_id")
	if err != nil {
		return nil, err
	}
	plan, err := s.Creators.ShopPlan(c.ctx, c.actor, c.shopID, planID)
	if err != nil {
		if errors.Is(err, creator.ErrPlanNotFound) {
			return nil, fail(http.StatusNotFound, CodeNotFound, "target_collaboration_id %q does not exist in this shop", c.r.PathValue("target_collaboration_id"))
		}
		return nil, err
	}
	shown, err := s.Creators.PlanShowcaseCounts(c.ctx, plan.ID)
	if err != nil {
		return nil, err
	}
	ps, err := s.Catalog.ProductsByID(c.ctx, plan.Products)
	if err != nil {
		return nil, err
	}
	products := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		ap := affiliateProduct(p)
		price := ap["original_price"].(map[string]any)
		cur := price["currency"].(string)
		lo, hi := int64(-1), int64(0)
		for _, k := range p.SKUs {
			if lo < 0 || k.Price.Amount < lo {
				lo = k.Price.Amount
			}
			hi = max(hi, k.Price.Amount)
		}
		lo = max(lo, 0)
		products = append(products, map[string]any{"id": p.ID.String(), "title": p.Title, "status": ap["status"], "original_price": price,
			"collaboration_status": "NORMAL", "commission_effective_status": "EFFECTIVE_ALL",
			"commission": map[string]any{"rate": int64(plan.CommissionBP), "currency": cur, "effective_time": strconv.FormatInt(plan.CreatedAt.Unix(), 10),
				"minimum_amount": dec(money.ApplyBP(lo, plan.CommissionBP), cur), "maximum_amount": dec(money.ApplyBP(hi, plan.CommissionBP), cur)}})
	}
	creators := make([]map[string]any, 0, len(plan.Creators))
	accepted := 0
	for _, pc := range plan.Creators {
		if pc.Status == creator.InvitationAccepted {
			accepted++
		}
		creators = append(creators, map[string]any{"creator_open_id": pc.CreatorID.String(), "username": pc.Handle, "nickname": pc.Handle,
			"collaboration_status": "NORMAL", "product_effective_status": "EFFECTIVE_ALL", "showcase_product_count": shown[pc.CreatorID]})
	}
	return map[string]any{"target_collaboration": map[string]any{"id": plan.ID.String(), "name": plan.Name, "message": plan.Message, "type": "STANDARD",
		"start_time": plan.CreatedAt.Unix(), "end_time": plan.ExpiresAt.Unix(), "update_time": plan.CreatedAt.Unix(),
		"product_count": len(products), "creator_invited_count": len(creators), "showcase_creator_count": accepted,
		"free_sample_rule": map[string]any{"has_free_sample": false, "is_sample_approval_exempt": false},
		"products":         products, "creators": creators}}, nil
}
