package openapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// PUT /affiliate_seller/202508/target_collaborations/{target_collaboration_id}:
// changes one of the shop's running target collaborations through
// creator.UpdateTargetPlan. Fields left out stay as they are; products and
// creator_user_open_ids, when sent, are the whole new lists (creators added are
// invited, creators left out who had not accepted are uninvited; one who accepted
// is refused with 36009006). As when creating, a plan has one rate for all its
// products, no free samples and no separate ads rate, so different commission_rate
// values, target_ad_commission_rate or has_free_sample: true are refused rather than
// half applied. The answer's update_failed is always empty: a change is made whole
// or refused whole.
func (s *Service) updateTargetCollaboration(c *call) (any, error) {
	return s.updateTarget(c, "creator_user_open_ids")
}

// updateTargetCollaboration202409 is the 202409 version, which names the creators
// creator_user_ids; otherwise the same.
func (s *Service) updateTargetCollaboration202409(c *call) (any, error) {
	return s.updateTarget(c, "creator_user_ids")
}

func (s *Service) updateTarget(c *call, creatorsField string) (any, error) {
	planID, err := c.pathID("target_collaboration_id")
	if err != nil {
		return nil, err
	}
	var b struct {
		Name        *string  `json:"name"`
		EndTime     *string  `json:"end_time"`
		Creators    []string `json:"creator_user_open_ids"`
		Creators409 []string `json:"creator_user_ids"`
		Products    []struct {
			ID       string `json:"id"`
			Rate     *int64 `json:"commission_rate"`
			AdsRate  *int64 `json:"target_ad_commission_rate"`
			AdsRate2 *int64 `json:"shop_ads_commission_rate"`
		} `json:"products"`
		FreeSampleRule struct {
			HasFreeSample bool `json:"has_free_sample"`
		} `json:"free_sample_rule"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	up := creator.TargetPlanUpdate{Name: b.Name}
	if b.Products != nil {
		up.ProductIDs = []id.ID{}
	}
	for i, p := range b.Products {
		if p.AdsRate != nil || p.AdsRate2 != nil {
			return nil, invalid(fmt.Sprintf("products[%d].target_ad_commission_rate", i), "target collaborations have no separate ads rate in liveshop")
		}
		if (p.Rate == nil) != (b.Products[0].Rate == nil) || (p.Rate != nil && *p.Rate != *b.Products[0].Rate) {
			return nil, invalid(fmt.Sprintf("products[%d].commission_rate", i), "liveshop gives one rate to every product of a target collaboration")
		}
		pid, err := id.Parse(strings.TrimSpace(p.ID))
		if err != nil {
			return nil, fail(http.StatusNotFound, CodeNotFound, "products[%d].id: product %s does not exist in this shop", i, p.ID)
		}
		up.ProductIDs = append(up.ProductIDs, pid)
	}
	if len(b.Products) > 0 && b.Products[0].Rate != nil {
		rate := money.BP(*b.Products[0].Rate)
		up.CommissionBP = &rate
	}
	if b.FreeSampleRule.HasFreeSample {
		return nil, invalid("free_sample_rule.has_free_sample", "target collaborations offer no free samples in liveshop")
	}
	creators := b.Creators
	if creatorsField == "creator_user_ids" {
		creators = b.Creators409
	}
	if creators != nil {
		up.CreatorIDs = []id.ID{}
	}
	for i, raw := range creators {
		cid, err := id.Parse(strings.TrimSpace(raw))
		if err != nil {
			return nil, fail(http.StatusNotFound, CodeNotFound, "%s[%d]: creator %s does not exist", creatorsField, i, raw)
		}
		up.CreatorIDs = append(up.CreatorIDs, cid)
	}
	if b.EndTime != nil {
		end, err := strconv.ParseInt(strings.TrimSpace(*b.EndTime), 10, 64)
		if err != nil {
			return nil, invalid("end_time", "Unix seconds, as a string")
		}
		t := time.Unix(end, 0)
		up.ExpiresAt = &t
	}
	if _, err := s.Creators.UpdateTargetPlan(c.ctx, c.actor, c.shopID, planID, up); err != nil {
		if errors.Is(err, creator.ErrPlanNotFound) {
			return nil, fail(http.StatusNotFound, CodeNotFound, "target_collaboration_id %q does not exist in this shop", c.r.PathValue("target_collaboration_id"))
		}
		return nil, renameField(err, func(f string) string {
			if f == "commission_bp" {
				return "products[0].commission_rate"
			}
			return targetPlanField(f, creatorsField)
		})
	}
	return map[string]any{"target_collaboration_conflicts": []any{}, "update_failed": map[string]any{}}, nil
}
