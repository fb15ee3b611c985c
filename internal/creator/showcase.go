package creator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// AddToShowcase adds a product to the actor's showcase from a collaboration: a target
// plan the creator accepted, or the product's open collaboration (approved, if it
// asks for approval). A product offered only in plans the creator is not in is
// refused. The creator must be allowed to sell in the product's market.
func (s *Service) AddToShowcase(ctx context.Context, actor auth.Actor, productID id.ID) error {
	c, err := s.RequireSeller(ctx, actor)
	if err != nil {
		return err
	}
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return errs.OnField(err, "product_id")
	}
	if p.Market != c.Market {
		return ErrWrongMarket.With("%q is sold in %s; you sell in %s", p.Title, p.Market, c.Market)
	}
	if p.Status != catalog.Live {
		return catalog.ErrNotForSale.With("%q is %s", p.Title, p.Status).OnField("product_id")
	}
	r, err := s.rateFor(ctx, s.db, c.ID, productID, false)
	switch {
	case errors.Is(err, ErrNotInPlan):
		return ErrNotInPlan.With("%q is offered only to creators the seller invited; you are not in its collaboration", p.Title)
	case errors.Is(err, ErrAwaitingApproval):
		return ErrAwaitingApproval.With("the seller approves creators for %q: apply first and wait for the answer", p.Title)
	case errors.Is(err, ErrNoOffer):
		return ErrNoOffer.With("the seller does not offer %q to creators", p.Title).OnField("product_id")
	case err != nil:
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO showcase_items (creator_id, product_id, position, added_at, plan_id)
		VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM showcase_items WHERE creator_id = $1), $3, $4)
		ON CONFLICT (creator_id, product_id) DO UPDATE SET plan_id = $4`, c.ID, productID, db.Micros(s.now()), r.PlanID)
	if err != nil {
		return fmt.Errorf("creator: add to showcase: %w", err)
	}
	return nil
}

// RemoveFromShowcase takes a product out of the actor's showcase.
func (s *Service) RemoveFromShowcase(ctx context.Context, actor auth.Actor, productID id.ID) error {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM showcase_items WHERE creator_id = $1 AND product_id = $2`, c.ID, productID)
	if err != nil {
		return fmt.Errorf("creator: remove from showcase: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotInShowcase.OnField("product_id")
	}
	return nil
}

// ReorderShowcase puts the actor's showcase in the given order. The list must name
// every product in the showcase exactly once.
func (s *Service) ReorderShowcase(ctx context.Context, actor auth.Actor, productIDs []id.ID) error {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT product_id FROM showcase_items WHERE creator_id = $1`, c.ID)
		if err != nil {
			return err
		}
		have := map[id.ID]bool{}
		for rows.Next() {
			var pid id.ID
			if err := rows.Scan(&pid); err != nil {
				rows.Close()
				return err
			}
			have[pid] = true
		}
		rows.Close()
		if len(productIDs) != len(have) {
			return errs.Invalidf("product_ids", "name each of the %d products in your showcase once; you named %d", len(have), len(productIDs))
		}
		seen := map[id.ID]bool{}
		for i, pid := range productIDs {
			if !have[pid] || seen[pid] {
				return errs.Invalidf(fmt.Sprintf("product_ids[%d]", i), "not in your showcase, or named twice")
			}
			seen[pid] = true
		}
		for i, pid := range productIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE showcase_items SET position = $1 WHERE creator_id = $2 AND product_id = $3`, i+1, c.ID, pid); err != nil {
				return err
			}
		}
		return nil
	})
}

// ShowcaseItem is a product in a showcase with the commission it earns.
type ShowcaseItem struct {
	catalog.Product
	CommissionBP money.BP `json:"commission_bp"`
	PlanID       id.ID    `json:"plan_id,omitempty"` // the target plan it sells under
	Offered      bool     `json:"offered"`           // false once no collaboration covers it
}

// Showcase lists a creator's showcase in order, each item at the rate it earns now.
func (s *Service) Showcase(ctx context.Context, creatorID id.ID) ([]ShowcaseItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT product_id FROM showcase_items WHERE creator_id = $1 ORDER BY position, added_at`, creatorID)
	if err != nil {
		return nil, fmt.Errorf("creator: showcase: %w", err)
	}
	var ids []id.ID
	for rows.Next() {
		var pid id.ID
		if err := rows.Scan(&pid); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ps, err := s.catalog.ProductsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[id.ID]catalog.Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]ShowcaseItem, 0, len(ids))
	for _, pid := range ids {
		p, ok := byID[pid]
		if !ok {
			continue
		}
		it := ShowcaseItem{Product: p}
		if r, err := s.rateFor(ctx, s.db, creatorID, pid, false); err == nil {
			it.CommissionBP, it.PlanID, it.Offered = r.CommissionBP, r.PlanID, true
		}
		out = append(out, it)
	}
	return out, nil
}

// CommissionFor returns the rate a creator earns on a product sold through them: it
// must be in the creator's showcase under a collaboration that still covers it.
func (s *Service) CommissionFor(ctx context.Context, creatorID, productID id.ID) (money.BP, error) {
	r, err := s.showcaseRate(ctx, creatorID, productID, false)
	return r.CommissionBP, err
}

// CommissionForAds is CommissionFor for an order that came through an ad: the open
// collaboration's ads rate when it has one.
func (s *Service) CommissionForAds(ctx context.Context, creatorID, productID id.ID) (money.BP, error) {
	r, err := s.showcaseRate(ctx, creatorID, productID, true)
	return r.CommissionBP, err
}

func (s *Service) showcaseRate(ctx context.Context, creatorID, productID id.ID, viaAds bool) (Rate, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM showcase_items WHERE creator_id = $1 AND product_id = $2`, creatorID, productID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return Rate{}, ErrNotInShowcase
	}
	if err != nil {
		return Rate{}, err
	}
	r, err := s.rateFor(ctx, s.db, creatorID, productID, viaAds)
	if err != nil {
		return Rate{}, ErrNoOffer
	}
	return r, nil
}
