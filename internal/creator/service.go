package creator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service manages creators, offers, showcases and commissions.
type Service struct {
	db       *db.DB
	markets  *market.Service
	identity *identity.Service
	sellers  *seller.Service
	catalog  *catalog.Service
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a creator service.
func NewService(d *db.DB, markets *market.Service, ident *identity.Service, sellers *seller.Service, cat *catalog.Service, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, identity: ident, sellers: sellers, catalog: cat, log: log, now: time.Now}
}

// ProfileInput is what a person gives to become a creator.
type ProfileInput struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
	Market      string `json:"market"`
	BirthDate   string `json:"birth_date"` // YYYY-MM-DD, for the age rule
	Kind        Kind   `json:"kind"`
}

// CreateProfile makes the actor a creator in a market.
func (s *Service) CreateProfile(ctx context.Context, actor auth.Actor, in ProfileInput) (Creator, error) {
	if err := actor.RequireLogin(); err != nil {
		return Creator{}, err
	}
	in.Handle = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(in.Handle), "@"))
	if !handleRE.MatchString(in.Handle) {
		return Creator{}, errs.Invalidf("handle", "a handle is 3-30 lower-case letters, digits, '_' or '.'")
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if in.DisplayName == "" {
		in.DisplayName = actor.Name
	}
	if n := utf8.RuneCountInString(in.DisplayName); n < 1 || n > 60 {
		return Creator{}, errs.Invalidf("display_name", "a display name is 1-60 characters")
	}
	if utf8.RuneCountInString(in.Bio) > 500 {
		return Creator{}, errs.Invalidf("bio", "a bio is at most 500 characters")
	}
	if in.Kind == "" {
		in.Kind = Affiliate
	}
	if in.Kind != Affiliate && in.Kind != ShopAccount && in.Kind != MarketingOnly {
		return Creator{}, errBadKind
	}
	m, err := s.markets.Market(ctx, in.Market)
	if err != nil {
		return Creator{}, market.ErrMarketNotFound.OnField("market")
	}
	now := s.now().UTC()
	if a, ok := age(in.BirthDate, now); !ok || a < 0 || a > 130 {
		return Creator{}, errs.Invalidf("birth_date", "give your date of birth as YYYY-MM-DD")
	}
	c := Creator{ID: id.New(), AccountID: actor.AccountID, Handle: in.Handle, DisplayName: in.DisplayName, Bio: in.Bio,
		Market: m.Code, Kind: in.Kind, CreatedAt: now, birthDate: in.BirthDate}
	_, err = s.db.ExecContext(ctx, `INSERT INTO creators (id, account_id, handle, display_name, bio, market, kind, birth_date, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.AccountID, c.Handle, c.DisplayName, c.Bio, c.Market, string(c.Kind), c.birthDate, db.Micros(now))
	if db.IsUniqueViolation(err) {
		if _, perr := s.ByAccount(ctx, actor.AccountID); perr == nil {
			return Creator{}, ErrProfileExists
		}
		return Creator{}, ErrHandleTaken
	}
	if err != nil {
		return Creator{}, fmt.Errorf("creator: create profile: %w", err)
	}
	if err := s.identity.AddRole(ctx, actor, auth.Creator); err != nil {
		return Creator{}, err
	}
	return c, nil
}

const creatorColumns = `c.id, c.account_id, c.handle, c.display_name, c.bio, c.market, c.kind, c.birth_date, c.created_at,
	COALESCE((SELECT followers FROM follower_counts f WHERE f.target_kind = 'creator' AND f.target_id = c.id), 0) AS followers`

func (s *Service) one(ctx context.Context, where string, arg any) (Creator, error) {
	cs, err := s.list(ctx, where, arg)
	if err != nil {
		return Creator{}, err
	}
	if len(cs) == 0 {
		return Creator{}, ErrCreatorNotFound
	}
	return cs[0], nil
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Creator, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+creatorColumns+` FROM creators c `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("creator: load: %w", err)
	}
	defer rows.Close()
	var out []Creator
	for rows.Next() {
		var c Creator
		var created int64
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Handle, &c.DisplayName, &c.Bio, &c.Market, &c.Kind, &c.birthDate, &created, &c.Followers); err != nil {
			return nil, err
		}
		c.CreatedAt = db.Time(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Creator returns a creator by id.
func (s *Service) Creator(ctx context.Context, creatorID id.ID) (Creator, error) {
	return s.one(ctx, `WHERE c.id = $1`, creatorID)
}

// ByHandle returns a creator by handle.
func (s *Service) ByHandle(ctx context.Context, handle string) (Creator, error) {
	return s.one(ctx, `WHERE c.handle = $1`, strings.ToLower(handle))
}

// ByAccount returns the creator profile of an account, ErrNoProfile if it has none.
func (s *Service) ByAccount(ctx context.Context, accountID id.ID) (Creator, error) {
	c, err := s.one(ctx, `WHERE c.account_id = $1`, accountID)
	if errors.Is(err, ErrCreatorNotFound) {
		return Creator{}, ErrNoProfile
	}
	return c, err
}

// TopCreators lists a market's creators by followers.
func (s *Service) TopCreators(ctx context.Context, marketCode string, limit int) ([]Creator, error) {
	return s.list(ctx, `WHERE c.market = $1 ORDER BY followers DESC, c.id LIMIT $2`, marketCode, limit)
}

// Eligibility checks a creator against the market's selling rules as they stand now:
// followers (from the follow graph) and age. Changing the rules in policy changes the
// answer, no code involved.
func (s *Service) Eligibility(ctx context.Context, c Creator) (Eligibility, error) {
	now := s.now()
	p, err := s.markets.Policy(ctx, c.Market, now)
	if err != nil {
		return Eligibility{}, err
	}
	m, err := s.markets.Market(ctx, c.Market)
	if err != nil {
		return Eligibility{}, err
	}
	followers, err := s.identity.Followers(ctx, identity.FollowCreator, c.ID)
	if err != nil {
		return Eligibility{}, err
	}
	years, _ := age(c.birthDate, now.In(m.Location()))
	e := Eligibility{Followers: followers, MinFollowers: p.Creators.MinFollowers, Age: years, MinAge: p.Creators.MinAge, CanSell: true}
	if c.Kind == MarketingOnly {
		e.CanSell = false
		e.Reasons = append(e.Reasons, "marketing-only creators do not sell")
	}
	if followers < int64(p.Creators.MinFollowers) {
		e.CanSell = false
		e.Reasons = append(e.Reasons, fmt.Sprintf("selling in %s needs at least %d followers; you have %d", m.Name, p.Creators.MinFollowers, followers))
	}
	if years < p.Creators.MinAge {
		e.CanSell = false
		e.Reasons = append(e.Reasons, fmt.Sprintf("selling needs you to be at least %d", p.Creators.MinAge))
	}
	if followers < int64(p.Creators.PilotBelowFollowers) && time.Since(c.CreatedAt) < time.Duration(p.Creators.PilotDays)*24*time.Hour {
		e.InPilot, e.PilotLivesPerWeek, e.PilotVideosPerWeek = true, p.Creators.PilotLivesPerWeek, p.Creators.PilotVideosPerWeek
	}
	return e, nil
}

// RequireSeller returns the actor's creator profile if it may sell now, or an error
// that says exactly what is missing.
func (s *Service) RequireSeller(ctx context.Context, actor auth.Actor) (Creator, error) {
	if err := actor.RequireLogin(); err != nil {
		return Creator{}, err
	}
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return Creator{}, err
	}
	e, err := s.Eligibility(ctx, c)
	if err != nil {
		return Creator{}, err
	}
	if !e.CanSell {
		return Creator{}, ErrNotEligible.With("You cannot sell yet: %s.", strings.Join(e.Reasons, "; "))
	}
	return c, nil
}

// Follow makes actor follow a creator.
func (s *Service) Follow(ctx context.Context, actor auth.Actor, creatorID id.ID) error {
	if _, err := s.Creator(ctx, creatorID); err != nil {
		return err
	}
	return s.identity.Follow(ctx, actor, identity.FollowCreator, creatorID)
}

// SetOffer opens (or changes) a product's commission offer to creators. The seller
// who manages the product's shop only; the rate must lie in the market's range.
func (s *Service) SetOffer(ctx context.Context, actor auth.Actor, productID id.ID, rate money.BP, active bool) (Offer, error) {
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return Offer{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return Offer{}, err
	}
	pol, err := s.markets.Policy(ctx, p.Market, s.now())
	if err != nil {
		return Offer{}, err
	}
	lo, hi := money.BP(pol.Creators.MinCommissionBP), money.BP(pol.Creators.MaxCommissionBP)
	if rate < lo || rate > hi {
		return Offer{}, ErrCommissionRange.With("commission must be %s-%s in %s (basis points %d-%d)", lo.Percent(), hi.Percent(), p.Market, lo, hi)
	}
	now := s.now().UTC()
	o := Offer{ProductID: p.ID, ShopID: p.ShopID, Market: p.Market, CommissionBP: rate, Active: active, UpdatedAt: now}
	_, err = s.db.ExecContext(ctx, `INSERT INTO affiliate_offers (product_id, shop_id, market, commission_bp, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (product_id) DO UPDATE SET commission_bp = $4, active = $5, updated_at = $6`,
		o.ProductID, o.ShopID, o.Market, int64(rate), active, db.Micros(now))
	if err != nil {
		return Offer{}, fmt.Errorf("creator: set offer: %w", err)
	}
	return o, nil
}

// Offer returns a product's offer, with found false if it has none.
func (s *Service) Offer(ctx context.Context, productID id.ID) (Offer, bool, error) {
	var o Offer
	var updated int64
	err := s.db.QueryRowContext(ctx, `SELECT product_id, shop_id, market, commission_bp, active, updated_at FROM affiliate_offers WHERE product_id = $1`, productID).
		Scan(&o.ProductID, &o.ShopID, &o.Market, &o.CommissionBP, &o.Active, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Offer{}, false, nil
	}
	o.UpdatedAt = db.Time(updated)
	return o, err == nil, err
}

// OfferedProduct is a product open to creators, with its offer.
type OfferedProduct struct {
	catalog.Product
	CommissionBP money.BP `json:"commission_bp"`
}

// OpenOffers lists live products in a market that creators may add to a showcase,
// newest offer first.
func (s *Service) OpenOffers(ctx context.Context, marketCode string, limit int) ([]OfferedProduct, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT product_id, commission_bp FROM affiliate_offers WHERE market = $1 AND active = TRUE
		ORDER BY updated_at DESC LIMIT $2`, marketCode, limit)
	if err != nil {
		return nil, fmt.Errorf("creator: open offers: %w", err)
	}
	var ids []id.ID
	rates := map[id.ID]money.BP{}
	for rows.Next() {
		var pid id.ID
		var bp money.BP
		if err := rows.Scan(&pid, &bp); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, pid)
		rates[pid] = bp
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
			out = append(out, OfferedProduct{Product: p, CommissionBP: rates[p.ID]})
		}
	}
	return out, nil
}

// AddToShowcase adds a product with an open offer to the actor's showcase. The
// creator must be allowed to sell in the product's market.
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
	o, found, err := s.Offer(ctx, productID)
	if err != nil {
		return err
	}
	if !found || !o.Active {
		return ErrNoOffer.With("the seller does not offer %q to creators", p.Title).OnField("product_id")
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO showcase_items (creator_id, product_id, position, added_at)
		VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM showcase_items WHERE creator_id = $1), $3)
		ON CONFLICT (creator_id, product_id) DO NOTHING`, c.ID, productID, db.Micros(s.now()))
	if err != nil {
		return fmt.Errorf("creator: add to showcase: %w", err)
	}
	return nil
}

// RemoveFromShowcase takes a product out of the actor's showcase.
func (s *Service) RemoveFromShowcase(ctx context.Context, actor auth.Actor, productID id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	c, err := s.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM showcase_items WHERE creator_id = $1 AND product_id = $2`, c.ID, productID)
	return err
}

// ShowcaseItem is a product in a showcase with the commission it earns.
type ShowcaseItem struct {
	catalog.Product
	CommissionBP money.BP `json:"commission_bp"`
	Offered      bool     `json:"offered"` // false once the seller withdrew the offer
}

// Showcase lists a creator's showcase in order.
func (s *Service) Showcase(ctx context.Context, creatorID id.ID) ([]ShowcaseItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT si.product_id, COALESCE(o.commission_bp, 0), COALESCE(o.active, FALSE)
		FROM showcase_items si LEFT JOIN affiliate_offers o ON o.product_id = si.product_id
		WHERE si.creator_id = $1 ORDER BY si.position`, creatorID)
	if err != nil {
		return nil, fmt.Errorf("creator: showcase: %w", err)
	}
	var ids []id.ID
	meta := map[id.ID]ShowcaseItem{}
	for rows.Next() {
		var it ShowcaseItem
		var pid id.ID
		if err := rows.Scan(&pid, &it.CommissionBP, &it.Offered); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, pid)
		meta[pid] = it
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ps, err := s.catalog.ProductsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ShowcaseItem, 0, len(ps))
	for _, p := range ps {
		it := meta[p.ID]
		it.Product = p
		out = append(out, it)
	}
	return out, nil
}

// CommissionFor returns the rate a creator earns on a product: it must be in the
// creator's showcase under an active offer.
func (s *Service) CommissionFor(ctx context.Context, creatorID, productID id.ID) (money.BP, error) {
	var bp money.BP
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT o.commission_bp, o.active FROM showcase_items si JOIN affiliate_offers o ON o.product_id = si.product_id
		WHERE si.creator_id = $1 AND si.product_id = $2`, creatorID, productID).Scan(&bp, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotInShowcase
	}
	if err != nil {
		return 0, err
	}
	if !active {
		return 0, ErrNoOffer
	}
	return bp, nil
}
