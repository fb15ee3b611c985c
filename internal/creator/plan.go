package creator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// OpenPlanInput is a seller's terms for an open collaboration on one product.
type OpenPlanInput struct {
	CommissionBP     money.BP `json:"commission_bp"`
	AdsCommissionBP  money.BP `json:"ads_commission_bp"` // 0: ads orders earn CommissionBP
	RequiresApproval bool     `json:"requires_approval"`
	FreeSamples      bool     `json:"free_samples"`
	Category         string   `json:"category"`
	Active           bool     `json:"active"`
}

// checkRate refuses a commission outside the market's range, naming the field.
func checkRate(p market.Policy, marketCode, field string, rate money.BP) error {
	lo, hi := money.BP(p.Creators.MinCommissionBP), money.BP(p.Creators.MaxCommissionBP)
	if rate < lo || rate > hi {
		return ErrCommissionRange.With("commission must be %s-%s in %s (basis points %d-%d)", lo.Percent(), hi.Percent(), marketCode, lo, hi).OnField(field)
	}
	return nil
}

// SetOpenPlan opens (or changes) the open collaboration on a product: any eligible
// creator may add it to a showcase (after the seller's approval if it asks for it)
// and earns CommissionBP, or AdsCommissionBP on orders that came through ads. The
// seller who manages the product's shop only; rates lie in the market's range.
func (s *Service) SetOpenPlan(ctx context.Context, actor auth.Actor, productID id.ID, in OpenPlanInput) (Offer, error) {
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return Offer{}, errs.OnField(err, "product_id")
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return Offer{}, err
	}
	pol, err := s.markets.Policy(ctx, p.Market, s.now())
	if err != nil {
		return Offer{}, err
	}
	if err := checkRate(pol, p.Market, "commission_bp", in.CommissionBP); err != nil {
		return Offer{}, err
	}
	if in.AdsCommissionBP != 0 {
		if err := checkRate(pol, p.Market, "ads_commission_bp", in.AdsCommissionBP); err != nil {
			return Offer{}, err
		}
	}
	in.Category = strings.ToLower(strings.TrimSpace(in.Category))
	if in.Category == "" && p.Category != "" { // the product's own, at the top level
		tops, err := s.topCategories(ctx)
		if err != nil {
			return Offer{}, err
		}
		in.Category = tops[p.Category]
	} else if in.Category != "" {
		if err := s.checkCategory(ctx, "category", in.Category); err != nil {
			return Offer{}, err
		}
	}
	now := s.now().UTC()
	o := Offer{ProductID: p.ID, ShopID: p.ShopID, Market: p.Market, CommissionBP: in.CommissionBP, AdsCommissionBP: in.AdsCommissionBP,
		RequiresApproval: in.RequiresApproval, FreeSamples: in.FreeSamples, Category: in.Category, Active: in.Active, UpdatedAt: now}
	_, err = s.db.ExecContext(ctx, `INSERT INTO affiliate_offers (product_id, shop_id, market, commission_bp, active, created_at, updated_at,
			ads_commission_bp, requires_approval, free_samples, category)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)
		ON CONFLICT (product_id) DO UPDATE SET commission_bp = $4, active = $5, updated_at = $6, ads_commission_bp = $7,
			requires_approval = $8, free_samples = $9, category = $10`,
		o.ProductID, o.ShopID, o.Market, int64(o.CommissionBP), o.Active, db.Micros(now), int64(o.AdsCommissionBP), o.RequiresApproval, o.FreeSamples, o.Category)
	if err != nil {
		return Offer{}, fmt.Errorf("creator: set open plan: %w", err)
	}
	return o, nil
}

// SetOffer changes an open collaboration's rate and whether it is active, keeping
// its other terms (a new one has none: no approval, no ads rate, no samples).
func (s *Service) SetOffer(ctx context.Context, actor auth.Actor, productID id.ID, rate money.BP, active bool) (Offer, error) {
	in := OpenPlanInput{}
	if o, found, err := s.Offer(ctx, productID); err != nil {
		return Offer{}, err
	} else if found {
		in = OpenPlanInput{AdsCommissionBP: o.AdsCommissionBP, RequiresApproval: o.RequiresApproval, FreeSamples: o.FreeSamples, Category: o.Category}
	}
	in.CommissionBP, in.Active = rate, active
	return s.SetOpenPlan(ctx, actor, productID, in)
}

const offerColumns = `product_id, shop_id, market, commission_bp, ads_commission_bp, requires_approval, free_samples, category, active, updated_at`

func scanOffer(sc interface{ Scan(...any) error }) (Offer, error) {
	var o Offer
	var updated int64
	err := sc.Scan(&o.ProductID, &o.ShopID, &o.Market, &o.CommissionBP, &o.AdsCommissionBP, &o.RequiresApproval, &o.FreeSamples, &o.Category, &o.Active, &updated)
	o.UpdatedAt = db.Time(updated)
	return o, err
}

// Offer returns a product's open collaboration, with found false if it has none.
func (s *Service) Offer(ctx context.Context, productID id.ID) (Offer, bool, error) {
	return offerIn(ctx, s.db, productID)
}

func offerIn(ctx context.Context, q db.Querier, productID id.ID) (Offer, bool, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, `SELECT `+offerColumns+` FROM affiliate_offers WHERE product_id = $1`, productID))
	if errors.Is(err, sql.ErrNoRows) {
		return Offer{}, false, nil
	}
	return o, err == nil, err
}

// ShopOffers lists a shop's open collaborations, for its seller.
func (s *Service) ShopOffers(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Offer, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+offerColumns+` FROM affiliate_offers WHERE shop_id = $1 ORDER BY updated_at DESC`, shopID)
	if err != nil {
		return nil, fmt.Errorf("creator: shop offers: %w", err)
	}
	defer rows.Close()
	var out []Offer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OfferedProduct is a product open to creators, with its offer.
type OfferedProduct struct {
	catalog.Product
	CommissionBP     money.BP `json:"commission_bp"`
	AdsCommissionBP  money.BP `json:"ads_commission_bp"`
	RequiresApproval bool     `json:"requires_approval"`
	FreeSamples      bool     `json:"free_samples"`
	Category         string   `json:"category"`
}

// OpenOffers lists live products in a market that creators may add to a showcase,
// newest offer first.
func (s *Service) OpenOffers(ctx context.Context, marketCode string, limit int) ([]OfferedProduct, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+offerColumns+` FROM affiliate_offers WHERE market = $1 AND active = TRUE
		ORDER BY updated_at DESC LIMIT $2`, marketCode, limit)
	if err != nil {
		return nil, fmt.Errorf("creator: open offers: %w", err)
	}
	var ids []id.ID
	offers := map[id.ID]Offer{}
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, o.ProductID)
		offers[o.ProductID] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ps, err := s.catalog.ProductsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]OfferedProduct, 0, len(ps))
	for _, p := range ps {
		if p.Status == catalog.Live {
			o := offers[p.ID]
			out = append(out, OfferedProduct{Product: p, CommissionBP: o.CommissionBP, AdsCommissionBP: o.AdsCommissionBP,
				RequiresApproval: o.RequiresApproval, FreeSamples: o.FreeSamples, Category: o.Category})
		}
	}
	return out, nil
}

// Approval states of a creator's application to an open collaboration that asks
// for approval.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Application is a creator's request to join an open collaboration that needs the
// seller's approval.
type Application struct {
	ProductID   id.ID     `json:"product_id"`
	CreatorID   id.ID     `json:"creator_id"`
	Handle      string    `json:"handle"`
	Followers   int64     `json:"followers"`
	Title       string    `json:"title"`
	Status      string    `json:"status"`
	RequestedAt time.Time `json:"requested_at"`
}

// Apply asks the seller to approve the actor for a product's open collaboration.
// Applying again while pending or approved changes nothing; after a rejection it asks
// again.
func (s *Service) Apply(ctx context.Context, actor auth.Actor, productID id.ID) error {
	c, err := s.RequireSeller(ctx, actor)
	if err != nil {
		return err
	}
	o, found, err := s.Offer(ctx, productID)
	if err != nil {
		return err
	}
	if !found || !o.Active {
		return ErrNoOffer.OnField("product_id")
	}
	if o.Market != c.Market {
		return ErrWrongMarket
	}
	if !o.RequiresApproval {
		return errs.Invalidf("product_id", "this collaboration is open to every creator: add it to your showcase")
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO offer_approvals (product_id, creator_id, status, requested_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (product_id, creator_id) DO UPDATE SET status = $3, requested_at = $4, decided_at = 0 WHERE offer_approvals.status = $5`,
		productID, c.ID, ApprovalPending, db.Micros(s.now()), ApprovalRejected)
	if err != nil {
		return fmt.Errorf("creator: apply: %w", err)
	}
	return nil
}

// DecideApplication approves or rejects a pending application, for the product's seller.
func (s *Service) DecideApplication(ctx context.Context, actor auth.Actor, productID, creatorID id.ID, approve bool) error {
	o, found, err := s.Offer(ctx, productID)
	if err != nil {
		return err
	}
	if !found {
		return ErrNoOffer.OnField("product_id")
	}
	if _, err := s.sellers.Manage(ctx, actor, o.ShopID); err != nil {
		return err
	}
	st := ApprovalRejected
	if approve {
		st = ApprovalApproved
	}
	res, err := s.db.ExecContext(ctx, `UPDATE offer_approvals SET status = $1, decided_at = $2 WHERE product_id = $3 AND creator_id = $4 AND status = $5`,
		st, db.Micros(s.now()), productID, creatorID, ApprovalPending)
	if err != nil {
		return fmt.Errorf("creator: decide application: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "application_not_found", "no pending application from this creator").OnField("creator_id")
	}
	return nil
}

// Applications lists a shop's applications in a state ("" for all), for its seller.
func (s *Service) Applications(ctx context.Context, actor auth.Actor, shopID id.ID, status string) ([]Application, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.product_id, a.creator_id, c.handle, COALESCE((SELECT followers FROM follower_counts f WHERE f.target_kind = 'creator' AND f.target_id = c.id), 0),
			p.title, a.status, a.requested_at
		FROM offer_approvals a JOIN affiliate_offers o ON o.product_id = a.product_id JOIN creators c ON c.id = a.creator_id JOIN products p ON p.id = a.product_id
		WHERE o.shop_id = $1 AND ($2 = '' OR a.status = $2) ORDER BY a.requested_at DESC`, shopID, status)
	if err != nil {
		return nil, fmt.Errorf("creator: applications: %w", err)
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		var a Application
		var at int64
		if err := rows.Scan(&a.ProductID, &a.CreatorID, &a.Handle, &a.Followers, &a.Title, &a.Status, &at); err != nil {
			return nil, err
		}
		a.RequestedAt = db.Time(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

func approvalStatus(ctx context.Context, q db.Querier, productID, creatorID id.ID) (string, error) {
	var st string
	err := q.QueryRowContext(ctx, `SELECT status FROM offer_approvals WHERE product_id = $1 AND creator_id = $2`, productID, creatorID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// Target plan invitation states.
const (
	InvitationInvited  = "invited"
	InvitationAccepted = "accepted"
	InvitationDeclined = "declined"
	InvitationExpired  = "expired" // shown for invitations left unanswered past the plan's expiry
)

// TargetPlanInput is a seller's invitation to chosen creators.
type TargetPlanInput struct {
	ShopID             id.ID     `json:"shop_id"`
	Name               string    `json:"name"`
	CommissionBP       money.BP  `json:"commission_bp"` // 0: flat fee only
	FlatFee            int64     `json:"flat_fee"`      // minor units of the shop's currency, 0: none
	ProductIDs         []id.ID   `json:"product_ids"`
	CreatorIDs         []id.ID   `json:"creator_ids"`
	FlashSaleRequested bool      `json:"flash_sale_requested"`
	Message            string    `json:"message"`
	ExpiresAt          time.Time `json:"expires_at"`
}

// TargetPlan is a target collaboration: chosen creators, chosen products, a rate
// that overrides the open one for those creators and/or a flat fee.
type TargetPlan struct {
	ID                 id.ID         `json:"id"`
	ShopID             id.ID         `json:"shop_id"`
	ShopName           string        `json:"shop_name"`
	Market             string        `json:"market"`
	Name               string        `json:"name"`
	CommissionBP       money.BP      `json:"commission_bp"`
	FlatFee            money.Money   `json:"flat_fee"`
	FlashSaleRequested bool          `json:"flash_sale_requested"`
	Message            string        `json:"message"`
	ExpiresAt          time.Time     `json:"expires_at"`
	CreatedAt          time.Time     `json:"created_at"`
	Products           []id.ID       `json:"product_ids"`
	Creators           []PlanCreator `json:"creators,omitempty"`
	// Status is the viewing creator's own answer, on a creator's list of invitations.
	Status string `json:"status,omitempty"`
}

// Expired reports whether the plan has passed its expiry at t.
func (p TargetPlan) Expired(t time.Time) bool { return !t.Before(p.ExpiresAt) }

// PlanCreator is one invited creator and their answer.
type PlanCreator struct {
	CreatorID   id.ID     `json:"creator_id"`
	Handle      string    `json:"handle"`
	Status      string    `json:"status"`
	RespondedAt time.Time `json:"responded_at,omitzero"`
	FeeDueAt    time.Time `json:"fee_due_at,omitzero"`
	FeePaidAt   time.Time `json:"fee_paid_at,omitzero"`
}

// CreateTargetPlan invites creators to sell products of a shop on the plan's terms.
// Limits (creators and products per plan, commission range) are the market's
// policy. Any refusal names its field and stores nothing.
func (s *Service) CreateTargetPlan(ctx context.Context, actor auth.Actor, in TargetPlanInput) (TargetPlan, error) {
	shop, err := s.sellers.Manage(ctx, actor, in.ShopID)
	if err != nil {
		return TargetPlan{}, errs.OnField(err, "shop_id")
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, shop.Market, now)
	if err != nil {
		return TargetPlan{}, err
	}
	mk, err := s.markets.Market(ctx, shop.Market)
	if err != nil {
		return TargetPlan{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 80 {
		return TargetPlan{}, errs.Invalidf("name", "a plan's name is 2-80 characters")
	}
	if in.CommissionBP == 0 && in.FlatFee == 0 {
		return TargetPlan{}, errs.Invalidf("commission_bp", "offer a commission rate, a flat fee or both")
	}
	if in.CommissionBP != 0 {
		if err := checkRate(pol, shop.Market, "commission_bp", in.CommissionBP); err != nil {
			return TargetPlan{}, err
		}
	}
	if in.FlatFee < 0 {
		return TargetPlan{}, errs.Invalidf("flat_fee", "a flat fee cannot be negative")
	}
	if utf8.RuneCountInString(in.Message) > 1000 {
		return TargetPlan{}, errs.Invalidf("message", "a message is at most 1000 characters")
	}
	if !in.ExpiresAt.After(now) || in.ExpiresAt.After(now.AddDate(1, 0, 0)) {
		return TargetPlan{}, errs.Invalidf("expires_at", "a plan expires between now and a year ahead")
	}
	if n, max := len(in.ProductIDs), pol.Creators.TargetMaxProducts; n == 0 || n > max {
		return TargetPlan{}, errs.Invalidf("product_ids", "a target plan has 1-%d products in %s; you chose %d", max, shop.Market, n)
	}
	if n, max := len(in.CreatorIDs), pol.Creators.TargetMaxCreators; n == 0 || n > max {
		return TargetPlan{}, errs.Invalidf("creator_ids", "a target plan invites 1-%d creators in %s; you chose %d", max, shop.Market, n)
	}
	if err := s.checkPlanProducts(ctx, shop.ID, in.ProductIDs); err != nil {
		return TargetPlan{}, err
	}
	seen := map[id.ID]bool{}
	for i, cid := range in.CreatorIDs {
		field := fmt.Sprintf("creator_ids[%d]", i)
		c, err := s.Creator(ctx, cid)
		if err != nil {
			return TargetPlan{}, errs.OnField(err, field)
		}
		if c.Market != shop.Market {
			return TargetPlan{}, ErrWrongMarket.With("@%s sells in %s; this shop sells in %s", c.Handle, c.Market, shop.Market).OnField(field)
		}
		if seen[cid] {
			return TargetPlan{}, errs.Invalidf(field, "each creator once")
		}
		seen[cid] = true
	}
	plan := TargetPlan{ID: id.New(), ShopID: shop.ID, ShopName: shop.Name, Market: shop.Market, Name: in.Name, CommissionBP: in.CommissionBP,
		FlatFee: money.New(in.FlatFee, mk.Currency), FlashSaleRequested: in.FlashSaleRequested, Message: strings.TrimSpace(in.Message),
		ExpiresAt: in.ExpiresAt.UTC(), CreatedAt: now, Products: in.ProductIDs}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO target_plans (id, shop_id, market, name, commission_bp, flat_fee, currency, flash_sale_requested, message, expires_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, plan.ID, plan.ShopID, plan.Market, plan.Name, int64(plan.CommissionBP),
			plan.FlatFee.Amount, plan.FlatFee.Currency, plan.FlashSaleRequested, plan.Message, db.Micros(plan.ExpiresAt), actor.AccountID, db.Micros(now)); err != nil {
			return err
		}
		for _, pid := range in.ProductIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO target_plan_products (plan_id, product_id) VALUES ($1, $2)`, plan.ID, pid); err != nil {
				return err
			}
		}
		for _, cid := range in.CreatorIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO target_plan_creators (plan_id, creator_id, status) VALUES ($1, $2, $3)`, plan.ID, cid, InvitationInvited); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return TargetPlan{}, fmt.Errorf("creator: create target plan: %w", err)
	}
	return s.planByID(ctx, plan.ID, true)
}

const planColumns = `tp.id, tp.shop_id, s.name, tp.market, tp.name, tp.commission_bp, tp.flat_fee, tp.currency, tp.flash_sale_requested, tp.message, tp.expires_at, tp.created_at`

// scanPlans loads target plans; withStatus when the query's last column is the
// viewing creator's answer, withCreators to load every invited creator.
func (s *Service) scanPlans(ctx context.Context, withCreators, withStatus bool, query string, args ...any) ([]TargetPlan, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("creator: plans: %w", err)
	}
	var out []TargetPlan
	for rows.Next() {
		var p TargetPlan
		var fee, exp, created int64
		var cur string
		dest := []any{&p.ID, &p.ShopID, &p.ShopName, &p.Market, &p.Name, &p.CommissionBP, &fee, &cur, &p.FlashSaleRequested, &p.Message, &exp, &created}
		if withStatus {
			dest = append(dest, &p.Status)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		p.FlatFee, p.ExpiresAt, p.CreatedAt = money.New(fee, cur), db.Time(exp), db.Time(created)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	for i := range out {
		p := &out[i]
		if p.Status == InvitationInvited && p.Expired(now) {
			p.Status = InvitationExpired
		}
		prows, err := s.db.QueryContext(ctx, `SELECT product_id FROM target_plan_products WHERE plan_id = $1 ORDER BY product_id`, p.ID)
		if err != nil {
			return nil, err
		}
		for prows.Next() {
			var pid id.ID
			if err := prows.Scan(&pid); err != nil {
				prows.Close()
				return nil, err
			}
			p.Products = append(p.Products, pid)
		}
		prows.Close()
		if !withCreators {
			continue
		}
		crows, err := s.db.QueryContext(ctx, `SELECT pc.creator_id, c.handle, pc.status, pc.responded_at, pc.fee_due_at, pc.fee_paid_at
			FROM target_plan_creators pc JOIN creators c ON c.id = pc.creator_id WHERE pc.plan_id = $1 ORDER BY c.handle`, p.ID)
		if err != nil {
			return nil, err
		}
		for crows.Next() {
			var pc PlanCreator
			var resp, due, paid int64
			if err := crows.Scan(&pc.CreatorID, &pc.Handle, &pc.Status, &resp, &due, &paid); err != nil {
				crows.Close()
				return nil, err
			}
			if resp > 0 {
				pc.RespondedAt = db.Time(resp)
			}
			if due > 0 {
				pc.FeeDueAt = db.Time(due)
			}
			if paid > 0 {
				pc.FeePaidAt = db.Time(paid)
			}
			if pc.Status == InvitationInvited && p.Expired(now) {
				pc.Status = InvitationExpired
			}
			p.Creators = append(p.Creators, pc)
		}
		crows.Close()
	}
	return out, nil
}

func (s *Service) planByID(ctx context.Context, planID id.ID, withCreators bool) (TargetPlan, error) {
	ps, err := s.scanPlans(ctx, withCreators, false, `SELECT `+planColumns+` FROM target_plans tp JOIN shops s ON s.id = tp.shop_id WHERE tp.id = $1`, planID)
	if err != nil {
		return TargetPlan{}, err
	}
	if len(ps) == 0 {
		return TargetPlan{}, ErrPlanNotFound
	}
	return ps[0], nil
}

// ShopPlans lists a shop's target plans with every invited creator's answer, newest
// first, for its seller.
func (s *Service) ShopPlans(ctx context.Context, actor auth.Actor, shopID id.ID) ([]TargetPlan, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.scanPlans(ctx, true, false, `SELECT `+planColumns+` FROM target_plans tp JOIN shops s ON s.id = tp.shop_id WHERE tp.shop_id = $1 ORDER BY tp.id DESC`, shopID)
}

// Invitations lists the target plans the actor was invited to, with their answer,
// newest first.
func (s *Service) Invitations(ctx context.Context, actor auth.Actor) ([]TargetPlan, error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.scanPlans(ctx, false, true, `SELECT `+planColumns+`, pc.status FROM target_plans tp JOIN shops s ON s.id = tp.shop_id
		JOIN target_plan_creators pc ON pc.plan_id = tp.id WHERE pc.creator_id = $1 ORDER BY tp.id DESC`, c.ID)
}

// RespondToInvitation accepts or declines an invitation while the plan is open. An
// accepted plan with a flat fee owes the fee by the market's commission due date.
func (s *Service) RespondToInvitation(ctx context.Context, actor auth.Actor, planID id.ID, accept bool) error {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return err
	}
	if accept {
		if c, err = s.RequireSeller(ctx, actor); err != nil {
			return err
		}
	}
	plan, err := s.planByID(ctx, planID, false)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if plan.Expired(now) {
		return ErrInvitationClosed.With("this invitation expired on %s", plan.ExpiresAt.Format("2006-01-02"))
	}
	pol, err := s.markets.Policy(ctx, plan.Market, now)
	if err != nil {
		return err
	}
	st, due := InvitationDeclined, int64(0)
	if accept {
		st = InvitationAccepted
		if plan.FlatFee.Amount > 0 {
			due = db.Micros(now.AddDate(0, 0, pol.Creators.CommissionDueDays))
		}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE target_plan_creators SET status = $1, responded_at = $2, fee_due_at = $3
		WHERE plan_id = $4 AND creator_id = $5 AND status = $6`, st, db.Micros(now), due, planID, c.ID, InvitationInvited)
	if err != nil {
		return fmt.Errorf("creator: respond to invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var cur string
		if err := s.db.QueryRowContext(ctx, `SELECT status FROM target_plan_creators WHERE plan_id = $1 AND creator_id = $2`, planID, c.ID).Scan(&cur); err != nil {
			return ErrPlanNotFound // not invited: the plan is not theirs to see
		}
		return ErrInvitationClosed.With("you already %s this invitation", cur)
	}
	return nil
}

// mine returns the actor's creator profile.
func (s *Service) mine(ctx context.Context, actor auth.Actor) (Creator, error) {
	if err := actor.RequireLogin(); err != nil {
		return Creator{}, err
	}
	return s.ByAccount(ctx, actor.AccountID)
}

// Rate is what a creator earns on a product and under which collaboration.
type Rate struct {
	CommissionBP money.BP `json:"commission_bp"`
	PlanID       id.ID    `json:"plan_id,omitempty"` // a target plan; 0 for the open collaboration
}

// rateFor resolves a creator's rate on a product: an accepted, unexpired target plan
// with a rate overrides the open collaboration (for every source, ads included);
// otherwise the open collaboration's rate (its ads rate for orders through ads), if
// it is active and, when it asks for approval, the creator is approved. A plan with
// only a flat fee admits the product at the open rate, or none.
func (s *Service) rateFor(ctx context.Context, q db.Querier, creatorID, productID id.ID, viaAds bool) (Rate, error) {
	var r Rate
	var planRate money.BP
	err := q.QueryRowContext(ctx, `SELECT tp.id, tp.commission_bp FROM target_plans tp
		JOIN target_plan_products pp ON pp.plan_id = tp.id JOIN target_plan_creators pc ON pc.plan_id = tp.id
		WHERE pp.product_id = $1 AND pc.creator_id = $2 AND pc.status = $3 AND tp.expires_at > $4
		ORDER BY tp.commission_bp DESC, tp.id LIMIT 1`, productID, creatorID, InvitationAccepted, db.Micros(s.now())).Scan(&r.PlanID, &planRate)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Rate{}, fmt.Errorf("creator: plan rate: %w", err)
	}
	if r.PlanID != 0 && planRate > 0 {
		r.CommissionBP = planRate
		return r, nil
	}
	o, found, err := offerIn(ctx, q, productID)
	if err != nil {
		return Rate{}, err
	}
	if found && o.Active {
		if o.RequiresApproval {
			st, err := approvalStatus(ctx, q, productID, creatorID)
			if err != nil {
				return Rate{}, err
			}
			if st != ApprovalApproved && r.PlanID == 0 {
				return Rate{}, ErrAwaitingApproval
			}
		}
		r.CommissionBP = o.CommissionBP
		if viaAds && o.AdsCommissionBP > 0 {
			r.CommissionBP = o.AdsCommissionBP
		}
		return r, nil
	}
	if r.PlanID != 0 {
		return r, nil // flat fee only
	}
	var inAnyPlan bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM target_plan_products WHERE product_id = $1)`, productID).Scan(&inAnyPlan); err != nil {
		return Rate{}, err
	}
	if inAnyPlan {
		return Rate{}, ErrNotInPlan
	}
	return Rate{}, ErrNoOffer.OnField("product_id")
}

// checkPlanProducts refuses a target plan's product list unless every product exists,
// belongs to the shop and appears once, naming the first one at fault.
func (s *Service) checkPlanProducts(ctx context.Context, shopID id.ID, productIDs []id.ID) error {
	ps, err := s.catalog.ProductsByID(ctx, productIDs)
	if err != nil {
		return err
	}
	byID := map[id.ID]catalog.Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	seen := map[id.ID]bool{}
	for i, pid := range productIDs {
		field := fmt.Sprintf("product_ids[%d]", i)
		p, ok := byID[pid]
		if !ok {
			return catalog.ErrProductNotFound.OnField(field)
		}
		if p.ShopID != shopID {
			return errs.Invalidf(field, "%q is not one of this shop's products", p.Title)
		}
		if seen[pid] {
			return errs.Invalidf(field, "each product once")
		}
		seen[pid] = true
	}
	return nil
}
