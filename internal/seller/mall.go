package seller

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Mall: a brand registry, shops' authorisations to sell a brand (as its trademark
// owner or an authorised reseller, with documents and an expiry) reviewed by
// operators, and Mall eligibility from the market's policy (mall.min_sps_x100,
// mall.min_products) plus at least one approved, unexpired brand authorisation.
// An eligible shop that applies gets the Mall badge at once; the application is
// audited like every change of a shop. Two more requirements come from the policy:
// free-shipping coverage (the share of the shop's paid orders in the score window
// whose buyer paid no shipping, counted from order.paid events, at least
// mall.min_free_shipping_coverage_bp) and the return window the seller commits to
// (SetMallReturnWindow, at least mall.return_window_days; orders of a Mall shop then
// get the policy's Mall window, order.ReturnWindow).

// Brand authorisation kinds and states.
const (
	BrandOwner       = "owner"
	BrandReseller    = "reseller"
	BrandPending     = "pending"
	BrandApproved    = "approved"
	BrandRejectedSts = "rejected"
)

// BrandAuthorization is a shop's right to sell a brand.
type BrandAuthorization struct {
	ID         id.ID     `json:"id"`
	ShopID     id.ID     `json:"shop_id"`
	BrandID    id.ID     `json:"brand_id"`
	Brand      string    `json:"brand"`
	Kind       string    `json:"kind"`
	Documents  string    `json:"documents"`
	ExpiresAt  time.Time `json:"expires_at"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
}

// Expired reports whether the authorisation has lapsed at at.
func (b BrandAuthorization) Expired(at time.Time) bool { return !at.Before(b.ExpiresAt) }

// BrandInput is a seller's request to sell a brand.
type BrandInput struct {
	Brand     string    `json:"brand"`
	Kind      string    `json:"kind"`
	Documents string    `json:"documents"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Errors of the Mall.
var (
	ErrBrandAuthNotFound = errs.New(errs.NotFound, "brand_authorization_not_found", "no such brand authorisation")
	ErrNotMallEligible   = errs.New(errs.Rule, "not_mall_eligible", "this shop does not meet the Mall requirements yet")
)

// RequestBrandAuthorization asks operators to confirm a shop may sell a brand.
func (s *Service) RequestBrandAuthorization(ctx context.Context, actor auth.Actor, shopID id.ID, in BrandInput) (BrandAuthorization, error) {
	sh, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return BrandAuthorization{}, err
	}
	in.Brand, in.Documents = strings.TrimSpace(in.Brand), strings.TrimSpace(in.Documents)
	now := s.now().UTC()
	switch {
	case utf8.RuneCountInString(in.Brand) < 2 || utf8.RuneCountInString(in.Brand) > 100:
		return BrandAuthorization{}, errs.Invalidf("brand", "a brand name is 2-100 characters")
	case in.Kind != BrandOwner && in.Kind != BrandReseller:
		return BrandAuthorization{}, errs.Invalidf("kind", `kind is "owner" (trademark owner) or "reseller" (authorised reseller)`)
	case in.Documents == "" || len(in.Documents) > 4000:
		return BrandAuthorization{}, errs.Invalidf("documents", "give the trademark certificate or the letter of authorisation (references, one per line)")
	case !in.ExpiresAt.After(now):
		return BrandAuthorization{}, errs.Invalidf("expires_at", "the authorisation must still be valid: give its expiry date")
	}
	key := strings.ToLower(strings.Join(strings.Fields(in.Brand), " "))
	b := BrandAuthorization{ID: id.New(), ShopID: sh.ID, Brand: in.Brand, Kind: in.Kind, Documents: in.Documents,
		ExpiresAt: in.ExpiresAt.UTC(), Status: BrandPending, CreatedAt: now}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, name FROM brands WHERE name_key = $1`, key).Scan(&b.BrandID, &b.Brand)
		if errors.Is(err, sql.ErrNoRows) {
			b.BrandID = id.New()
			_, err = tx.ExecContext(ctx, `INSERT INTO brands (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)`, b.BrandID, in.Brand, key, db.Micros(now))
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO brand_authorizations (id, shop_id, brand_id, kind, documents, expires_at, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)`, b.ID, sh.ID, b.BrandID, b.Kind, b.Documents, db.Micros(b.ExpiresAt), db.Micros(now)); err != nil {
			return err
		}
		return logAction(ctx, tx, sh.ID, "brand_requested", sh.Status, sh.Status, b.Brand+" ("+b.Kind+")", actor.AccountID, now)
	})
	if err != nil {
		return BrandAuthorization{}, fmt.Errorf("seller: request brand authorisation: %w", err)
	}
	return b, nil
}

const brandAuthColumns = `a.id, a.shop_id, a.brand_id, b.name, a.kind, a.documents, a.expires_at, a.status, a.reason, a.created_at, a.reviewed_at`

func (s *Service) brandAuths(ctx context.Context, where string, args ...any) ([]BrandAuthorization, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+brandAuthColumns+` FROM brand_authorizations a JOIN brands b ON b.id = a.brand_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BrandAuthorization
	for rows.Next() {
		var a BrandAuthorization
		var exp, created, reviewed int64
		if err := rows.Scan(&a.ID, &a.ShopID, &a.BrandID, &a.Brand, &a.Kind, &a.Documents, &exp, &a.Status, &a.Reason, &created, &reviewed); err != nil {
			return nil, err
		}
		a.ExpiresAt, a.CreatedAt, a.ReviewedAt = db.Time(exp), db.Time(created), db.Time(reviewed)
		out = append(out, a)
	}
	return out, rows.Err()
}

// BrandAuthorizations lists a shop's brand authorisations, newest first.
func (s *Service) BrandAuthorizations(ctx context.Context, actor auth.Actor, shopID id.ID) ([]BrandAuthorization, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.brandAuths(ctx, `WHERE a.shop_id = $1 ORDER BY a.id DESC`, shopID)
}

// BrandQueue lists authorisations waiting for review, oldest first. Operators only.
func (s *Service) BrandQueue(ctx context.Context, actor auth.Actor) ([]BrandAuthorization, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return s.brandAuths(ctx, `WHERE a.status = 'pending' ORDER BY a.id LIMIT 200`)
}

// DecideBrand approves or rejects a pending authorisation; a rejection needs a reason.
func (s *Service) DecideBrand(ctx context.Context, actor auth.Actor, authID id.ID, approve bool, reason string) (BrandAuthorization, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return BrandAuthorization{}, err
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return BrandAuthorization{}, ErrReasonRequired
	}
	to := BrandApproved
	if !approve {
		to = BrandRejectedSts
	}
	now := s.now().UTC()
	as, err := s.brandAuths(ctx, `WHERE a.id = $1`, authID)
	if err != nil {
		return BrandAuthorization{}, err
	}
	if len(as) == 0 {
		return BrandAuthorization{}, ErrBrandAuthNotFound
	}
	a := as[0]
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE brand_authorizations SET status = $1, reason = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5 AND status = 'pending'`,
			to, reason, actor.AccountID, db.Micros(now), authID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotInReview.With("this brand authorisation is %s", a.Status)
		}
		sh, err := s.LoadShop(ctx, tx, a.ShopID)
		if err != nil {
			return err
		}
		return logAction(ctx, tx, a.ShopID, "brand_"+to, sh.Status, sh.Status, strings.TrimSpace(a.Brand+": "+reason), actor.AccountID, now)
	})
	if err != nil {
		return BrandAuthorization{}, err
	}
	a.Status, a.Reason, a.ReviewedAt = to, reason, now
	return a, nil
}

// MallEligibility lists the Mall requirements at at with the shop's standing;
// liveProducts is how many live products the shop lists (the catalog counts them).
func (s *Service) MallEligibility(ctx context.Context, shopID id.ID, liveProducts int, at time.Time) ([]Requirement, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return nil, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return nil, err
	}
	perf, err := s.Performance(ctx, shopID, at, 0)
	if err != nil {
		return nil, err
	}
	var brands int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM brand_authorizations WHERE shop_id = $1 AND status = 'approved' AND expires_at > $2`,
		shopID, db.Micros(at)).Scan(&brands); err != nil {
		return nil, err
	}
	sps := int64(0)
	if perf.Scored {
		sps = int64(perf.Score*100 + 0.5)
	}
	active := int64(0)
	if sh.Status == Active {
		active = 1
	}
	reqs := []Requirement{
		{Key: "active", Label: "Shop active", Have: active, Need: 1},
		{Key: "sps", Label: "Shop Performance Score × 100", Have: sps, Need: int64(p.Mall.MinSPSX100)},
		{Key: "products", Label: "Live products", Have: int64(liveProducts), Need: int64(p.Mall.MinProducts)},
		{Key: "brand", Label: "Approved brand authorisations", Have: brands, Need: 1},
		{Key: "free_shipping", Label: fmt.Sprintf("Free-shipping coverage, basis points of paid orders (%d of %d)", perf.PaidFreeShipping, perf.PaidOrders),
			Have: perf.FreeShippingCoverageBP(), Need: int64(p.Mall.MinFreeShippingCoverageBP)},
		{Key: "return_window", Label: "Return window you offer, days", Have: int64(sh.MallReturnDays), Need: int64(p.Mall.ReturnWindowDays)},
	}
	for i := range reqs {
		reqs[i].Met = reqs[i].Have >= reqs[i].Need
	}
	return reqs, nil
}

// SetMallReturnWindow records the return window (days after delivery) the seller
// commits to offer as a Mall shop. Its manager only; 0-365 days.
func (s *Service) SetMallReturnWindow(ctx context.Context, actor auth.Actor, shopID id.ID, days int) (Shop, error) {
	sh, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Shop{}, err
	}
	if days < 0 || days > 365 {
		return Shop{}, errs.Invalidf("return_window_days", "a return window is 0-365 days")
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE shops SET mall_return_days = $1 WHERE id = $2`, days, shopID); err != nil {
			return err
		}
		return logAction(ctx, tx, shopID, "return_window", sh.Status, sh.Status, fmt.Sprintf("offers %d-day returns as a Mall shop", days), actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	return s.Shop(ctx, shopID)
}

// ApplyForMall gives an eligible shop the Mall badge, or refuses naming what is missing.
func (s *Service) ApplyForMall(ctx context.Context, actor auth.Actor, shopID id.ID, liveProducts int) (Shop, error) {
	sh, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Shop{}, err
	}
	if sh.Badge != NoBadge {
		return sh, nil
	}
	now := s.now().UTC()
	reqs, err := s.MallEligibility(ctx, shopID, liveProducts, now)
	if err != nil {
		return Shop{}, err
	}
	var missing []string
	for _, r := range reqs {
		if !r.Met {
			missing = append(missing, fmt.Sprintf("%s %d of %d", strings.ToLower(r.Label), r.Have, r.Need))
		}
	}
	if len(missing) > 0 {
		return Shop{}, ErrNotMallEligible.With("not yet: %s", strings.Join(missing, "; "))
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if err := s.setBadge(ctx, tx, shopID, Mall); err != nil {
			return err
		}
		return logAction(ctx, tx, shopID, "mall", sh.Status, sh.Status, "joined the Mall", actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	return s.Shop(ctx, shopID)
}
