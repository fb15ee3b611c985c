package openapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Sample rules of open collaborations. A liveshop open collaboration either offers
// free samples or not (creator.Offer.FreeSamples), and the seller approves each
// request; there is no quota, time window or creator threshold per product. So a
// rule here is "always, on the seller's approval": ACTIVATE with
// is_sample_time_unlimited (or no time at all) turns samples on, DEACTIVATE turns
// them off, and a quota, a time window or thresholds are refused (36009004) rather
// than accepted and not applied.

// GET /affiliate_seller/202410/open_collaborations/sample_rules?product_ids=
// lists the rule of each product named that offers free samples: ONGOING while its
// open collaboration is active, PLAN_EXCEPTION when it has been removed. Products
// without a rule are left out; one not of the shop is 36009005.
func (s *Service) openCollaborationSampleRules(c *call) (any, error) {
	var ids []id.ID
	for _, v := range c.query["product_ids"] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			p, err := s.bodyProduct(c, "product_ids", part)
			if err != nil {
				return nil, err
			}
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 || len(ids) > 50 {
		return nil, invalid("product_ids", "give 1-50 product ids")
	}
	rules := []map[string]any{}
	for _, pid := range ids {
		o, found, err := s.Creators.Offer(c.ctx, pid)
		if err != nil {
			return nil, err
		}
		if !found || !o.FreeSamples {
			continue
		}
		status := "ONGOING"
		if !o.Active {
			status = "PLAN_EXCEPTION"
		}
		rules = append(rules, map[string]any{"product_id": pid.String(), "status": status, "is_sample_time_unlimited": true})
	}
	return map[string]any{"sample_rules": rules}, nil
}

// POST /affiliate_seller/202410/open_collaborations/sample_rules turns free samples
// on (ACTIVATE) or off (DEACTIVATE) for a product's active open collaboration,
// through creator.SetOpenPlan with the collaboration's other terms unchanged.
func (s *Service) editOpenCollaborationSampleRule(c *call) (any, error) {
	var b struct {
		ProductID string `json:"product_id"`
		Rule      *struct {
			Status     string         `json:"activate_status"`
			Unlimited  *bool          `json:"is_sample_time_unlimited"`
			Start      *int64         `json:"start_time"`
			End        *int64         `json:"end_time"`
			Quota      *int64         `json:"sample_quota"`
			Thresholds map[string]any `json:"thresholds"`
		} `json:"sample_rule"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.ProductID) == "" {
		return nil, invalid("product_id", "required: the product whose sample rule to set")
	}
	if b.Rule == nil {
		return nil, invalid("sample_rule", "required")
	}
	var on bool
	switch b.Rule.Status {
	case "ACTIVATE":
		on = true
		switch {
		case b.Rule.Unlimited != nil && !*b.Rule.Unlimited, b.Rule.Start != nil, b.Rule.End != nil:
			return nil, invalid("sample_rule.is_sample_time_unlimited", "liveshop offers samples at any time while the collaboration runs; no time window")
		case b.Rule.Quota != nil:
			return nil, invalid("sample_rule.sample_quota", "liveshop has no sample quota: the seller approves each request")
		}
		for k, v := range b.Rule.Thresholds {
			if v != nil {
				return nil, invalid(fmt.Sprintf("sample_rule.thresholds.%s", k), "liveshop has no per-product creator thresholds: the seller approves each request")
			}
		}
	case "DEACTIVATE":
	default:
		return nil, invalid("sample_rule.activate_status", `must be "ACTIVATE" or "DEACTIVATE"`)
	}
	p, err := s.bodyProduct(c, "product_id", b.ProductID)
	if err != nil {
		return nil, err
	}
	o, found, err := s.Creators.Offer(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if !found || !o.Active {
		return nil, fail(http.StatusUnprocessableEntity, CodeConflict, "product_id: product %s has no open collaboration; create one first", p.ID)
	}
	if o.FreeSamples == on {
		return map[string]any{}, nil
	}
	_, err = s.Creators.SetOpenPlan(c.ctx, c.actor, p.ID, creator.OpenPlanInput{CommissionBP: o.CommissionBP, AdsCommissionBP: o.AdsCommissionBP,
		RequiresApproval: o.RequiresApproval, FreeSamples: on, Category: o.Category, Active: true})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}
