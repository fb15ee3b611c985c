package creator

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// TargetPlanUpdate changes a target plan's terms; a nil field stays as it is.
// ProductIDs and CreatorIDs, when set, are the plan's whole new lists: products
// added join the plan, products left out leave it; creators added are invited,
// creators left out who had not accepted are uninvited.
type TargetPlanUpdate struct {
	Name         *string
	CommissionBP *money.BP
	ExpiresAt    *time.Time
	ProductIDs   []id.ID
	CreatorIDs   []id.ID
}

// ErrCreatorAccepted: a creator who accepted a plan cannot be taken off it (end the
// plan instead), so what they agreed to and any fee owed stay on record.
var ErrCreatorAccepted = errs.New(errs.Rule, "creator_accepted", "a creator who accepted the plan stays on it; end the plan instead")

// UpdateTargetPlan changes a running target plan of the shop, for its seller, with
// the rules CreateTargetPlan applies (name, the market's rate range and limits, an
// end between now and a year ahead, the shop's own products, creators of its
// market, each once). A plan of another shop is ErrPlanNotFound, an ended one
// ErrPlanEnded. Every change is made in one transaction; a refusal names its field
// and changes nothing.
func (s *Service) UpdateTargetPlan(ctx context.Context, actor auth.Actor, shopID, planID id.ID, in TargetPlanUpdate) (TargetPlan, error) {
	shop, err := s.sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return TargetPlan{}, errs.OnField(err, "shop_id")
	}
	plan, err := s.planByID(ctx, planID, true)
	if err != nil || plan.ShopID != shop.ID {
		return TargetPlan{}, ErrPlanNotFound
	}
	now := s.now().UTC()
	if plan.Expired(now) {
		return TargetPlan{}, ErrPlanEnded
	}
	pol, err := s.markets.Policy(ctx, shop.Market, now)
	if err != nil {
		return TargetPlan{}, err
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if n := utf8.RuneCountInString(name); n < 2 || n > 80 {
			return TargetPlan{}, errs.Invalidf("name", "a plan's name is 2-80 characters")
		}
		in.Name = &name
	}
	if in.CommissionBP != nil {
		if err := checkRate(pol, shop.Market, "commission_bp", *in.CommissionBP); err != nil {
			return TargetPlan{}, err
		}
	}
	if in.ExpiresAt != nil && (!in.ExpiresAt.After(now) || in.ExpiresAt.After(now.AddDate(1, 0, 0))) {
		return TargetPlan{}, errs.Invalidf("expires_at", "a plan ends between now and a year ahead")
	}
	if in.ProductIDs != nil {
		if n, max := len(in.ProductIDs), pol.Creators.TargetMaxProducts; n == 0 || n > max {
			return TargetPlan{}, errs.Invalidf("product_ids", "a target plan has 1-%d products in %s; you chose %d", max, shop.Market, n)
		}
		if err := s.checkPlanProducts(ctx, shop.ID, in.ProductIDs); err != nil {
			return TargetPlan{}, err
		}
	}
	var invite, uninvite []id.ID
	if in.CreatorIDs != nil {
		if n, max := len(in.CreatorIDs), pol.Creators.TargetMaxCreators; n == 0 || n > max {
			return TargetPlan{}, errs.Invalidf("creator_ids", "a target plan invites 1-%d creators in %s; you chose %d", max, shop.Market, n)
		}
		current := map[id.ID]string{}
		for _, pc := range plan.Creators {
			current[pc.CreatorID] = pc.Status
		}
		seen := map[id.ID]bool{}
		for i, cid := range in.CreatorIDs {
			field := fmt.Sprintf("creator_ids[%d]", i)
			if seen[cid] {
				return TargetPlan{}, errs.Invalidf(field, "each creator once")
			}
			seen[cid] = true
			if _, ok := current[cid]; ok {
				continue
			}
			c, err := s.Creator(ctx, cid)
			if err != nil {
				return TargetPlan{}, errs.OnField(err, field)
			}
			if c.Market != shop.Market {
				return TargetPlan{}, ErrWrongMarket.With("@%s sells in %s; this shop sells in %s", c.Handle, c.Market, shop.Market).OnField(field)
			}
			invite = append(invite, cid)
		}
		for _, pc := range plan.Creators {
			if seen[pc.CreatorID] {
				continue
			}
			if pc.Status == InvitationAccepted {
				return TargetPlan{}, ErrCreatorAccepted.With("@%s accepted this plan; keep them on it or end the plan", pc.Handle).OnField("creator_ids")
			}
			uninvite = append(uninvite, pc.CreatorID)
		}
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		// The plan must still be running when the change lands.
		res, err := tx.ExecContext(ctx, `UPDATE target_plans SET name = $1, commission_bp = $2, expires_at = $3 WHERE id = $4 AND expires_at > $5`,
			deref(in.Name, plan.Name), int64(deref(in.CommissionBP, plan.CommissionBP)), db.Micros(deref(in.ExpiresAt, plan.ExpiresAt).UTC()), plan.ID, db.Micros(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrPlanEnded
		}
		if in.ProductIDs != nil {
			keep := map[id.ID]bool{}
			for _, pid := range in.ProductIDs {
				keep[pid] = true
			}
			had := map[id.ID]bool{}
			for _, pid := range plan.Products {
				had[pid] = true
				if !keep[pid] {
					if _, err := tx.ExecContext(ctx, `DELETE FROM target_plan_products WHERE plan_id = $1 AND product_id = $2`, plan.ID, pid); err != nil {
						return err
					}
				}
			}
			for _, pid := range in.ProductIDs {
				if !had[pid] {
					if _, err := tx.ExecContext(ctx, `INSERT INTO target_plan_products (plan_id, product_id) VALUES ($1, $2)`, plan.ID, pid); err != nil {
						return err
					}
				}
			}
		}
		for _, cid := range uninvite {
			if _, err := tx.ExecContext(ctx, `DELETE FROM target_plan_creators WHERE plan_id = $1 AND creator_id = $2 AND status <> $3`,
				plan.ID, cid, InvitationAccepted); err != nil {
				return err
			}
		}
		for _, cid := range invite {
			if _, err := tx.ExecContext(ctx, `INSERT INTO target_plan_creators (plan_id, creator_id, status) VALUES ($1, $2, $3)`, plan.ID, cid, InvitationInvited); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return TargetPlan{}, fmt.Errorf("creator: update target plan: %w", err)
	}
	return s.planByID(ctx, plan.ID, true)
}

func deref[T any](p *T, otherwise T) T {
	if p == nil {
		return otherwise
	}
	return *p
}
