package seller

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Service manages shops.
type Service struct {
	db       *db.DB
	markets  *market.Service
	identity *identity.Service
	outbox   *outbox.Outbox
	log      *slog.Logger
	now      func() time.Time
	listings MallListings // the catalog, which registers itself: see UseMallListings
}

// MallListings keeps listings' copy of their shop's Mall standing (the catalog indexes
// it with the search text). It is called inside the transaction that changes a badge,
// so the copy never disagrees with the shop once that commits.
type MallListings interface {
	SetShopMall(ctx context.Context, tx *db.Tx, shopID id.ID, mall bool) error
}

// UseMallListings tells the service whom to keep in step when a badge changes.
func (s *Service) UseMallListings(l MallListings) { s.listings = l }

// setBadge writes a shop's badge and keeps its listings' copy in step.
func (s *Service) setBadge(ctx context.Context, tx *db.Tx, shopID id.ID, badge Badge) error {
	res, err := tx.ExecContext(ctx, `UPDATE shops SET badge = $1 WHERE id = $2`, string(badge), shopID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrShopNotFound
	}
	if s.listings == nil {
		return nil
	}
	return s.listings.SetShopMall(ctx, tx, shopID, badge.InMall())
}

// NewService returns a seller service.
func NewService(d *db.DB, markets *market.Service, ident *identity.Service, ob *outbox.Outbox, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, identity: ident, outbox: ob, log: log, now: time.Now}
}

// RegisterInput is what a seller gives to open a shop.
type RegisterInput struct {
	Market string `json:"market"`
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	// Business details: what operators review.
	LegalName          string `json:"legal_name"`
	RegistrationNumber string `json:"registration_number"`
	AnnualGMVElsewhere int64  `json:"annual_gmv_elsewhere"`
	Documents          string `json:"documents"`
}

// checkDetails validates and trims the business details.
func (in *RegisterInput) checkDetails() error {
	in.LegalName, in.RegistrationNumber, in.Documents = strings.TrimSpace(in.LegalName), strings.TrimSpace(in.RegistrationNumber), strings.TrimSpace(in.Documents)
	switch {
	case len(in.LegalName) > 200:
		return errs.Invalidf("legal_name", "a legal name is at most 200 characters")
	case len(in.RegistrationNumber) > 64:
		return errs.Invalidf("registration_number", "a registration number is at most 64 characters")
	case len(in.Documents) > 4000:
		return errs.Invalidf("documents", "documents are at most 4,000 characters of references")
	case in.AnnualGMVElsewhere < 0:
		return errs.Invalidf("annual_gmv_elsewhere", "annual GMV must not be negative")
	}
	return nil
}

// Register opens a shop for the actor in a market that accepts sellers. A local shop is
// active at once unless the market's policy asks for an operator's review; a
// cross-border shop always waits for one, and must declare at least the policy's
// minimum annual GMV elsewhere.
func (s *Service) Register(ctx context.Context, actor auth.Actor, in RegisterInput) (Shop, error) {
	if err := actor.Require(auth.Seller); err != nil {
		return Shop{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := checkShopName(in.Name); err != nil {
		return Shop{}, err
	}
	if in.Kind == "" {
		in.Kind = Local
	}
	if in.Kind != Local && in.Kind != CrossBorder {
		return Shop{}, ErrUnknownShopKind
	}
	if err := in.checkDetails(); err != nil {
		return Shop{}, err
	}
	m, err := s.markets.Market(ctx, in.Market)
	if err != nil {
		return Shop{}, fieldMarket(err)
	}
	if !m.AcceptsSellers() {
		return Shop{}, market.ErrMarketClosed.With("%s is %s and does not accept new shops yet", m.Name, m.LaunchState).OnField("market")
	}
	now := s.now().UTC()
	p, err := s.markets.Policy(ctx, m.Code, now)
	if err != nil {
		return Shop{}, err
	}
	if in.Kind == CrossBorder && !p.Shops.CrossBorderAllowed {
		return Shop{}, ErrNoCrossBorder.With("%s does not accept cross-border shops", m.Name)
	}
	if in.Kind == CrossBorder && in.AnnualGMVElsewhere < p.Shops.CrossBorderMinAnnualGMV {
		return Shop{}, ErrCrossBorderGMV.With("%s asks cross-border shops for at least %s of annual GMV elsewhere",
			m.Name, money.New(p.Shops.CrossBorderMinAnnualGMV, m.Currency).Format())
	}
	shop := Shop{ID: id.New(), OwnerID: actor.AccountID, Market: m.Code, Name: in.Name, Kind: in.Kind, Status: Active, CreatedAt: now, ActivatedAt: now,
		LegalName: in.LegalName, RegistrationNumber: in.RegistrationNumber, AnnualGMVElsewhere: in.AnnualGMVElsewhere, Documents: in.Documents}
	if p.Shops.ReviewRequired || in.Kind == CrossBorder {
		shop.Status, shop.ActivatedAt, shop.ReviewState = Pending, time.Time{}, Submitted
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, activated_at,
			legal_name, registration_number, annual_gmv_elsewhere, documents, review_state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, shop.ID, shop.OwnerID, shop.Market, shop.Name, string(shop.Kind),
			string(shop.Status), db.Micros(shop.CreatedAt), db.Micros(shop.ActivatedAt),
			shop.LegalName, shop.RegistrationNumber, shop.AnnualGMVElsewhere, shop.Documents, string(shop.ReviewState)); err != nil {
			return err
		}
		if err := logAction(ctx, tx, shop.ID, "registered", "", shop.Status, "", actor.AccountID, now); err != nil {
			return err
		}
		if err := createDefaultWarehouse(ctx, tx, shop); err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("shop", shop.ID), events.ShopRegistered{
			ShopID: shop.ID, OwnerID: shop.OwnerID, Market: shop.Market, Name: shop.Name, Status: string(shop.Status), At: now})
	})
	if db.IsUniqueViolation(err) {
		return Shop{}, ErrShopNameTaken
	}
	if err != nil {
		return Shop{}, fmt.Errorf("seller: register shop: %w", err)
	}
	s.log.Info("shop registered", "shop", shop.ID, "market", shop.Market, "owner", shop.OwnerID, "status", shop.Status)
	return shop, nil
}

func fieldMarket(err error) error {
	if errors.Is(err, market.ErrMarketNotFound) {
		return market.ErrMarketNotFound.OnField("market")
	}
	return err
}

const shopColumns = `s.id, s.owner_id, s.market, s.name, s.kind, s.status, s.created_at, s.activated_at, s.badge,
	COALESCE((SELECT followers FROM follower_counts f WHERE f.target_kind = 'shop' AND f.target_id = s.id), 0),
	s.legal_name, s.registration_number, s.annual_gmv_elsewhere, s.documents, s.review_state, s.status_reason, s.tier_rank, s.mall_return_days`

func scanShop(row interface{ Scan(...any) error }) (Shop, error) {
	var sh Shop
	var created, activated int64
	err := row.Scan(&sh.ID, &sh.OwnerID, &sh.Market, &sh.Name, &sh.Kind, &sh.Status, &created, &activated, &sh.Badge, &sh.Followers,
		&sh.LegalName, &sh.RegistrationNumber, &sh.AnnualGMVElsewhere, &sh.Documents, &sh.ReviewState, &sh.StatusReason, &sh.TierRank, &sh.MallReturnDays)
	sh.CreatedAt, sh.ActivatedAt = db.Time(created), db.Time(activated)
	return sh, err
}

// Shop returns a shop by id. Shops are public.
func (s *Service) Shop(ctx context.Context, shopID id.ID) (Shop, error) {
	return s.LoadShop(ctx, s.db, shopID)
}

// LoadShop reads a shop through q, which may be the caller's transaction. Code that
// holds a transaction must read through it: on PostgreSQL a second connection taken
// while one is held can exhaust the pool under load and deadlock.
func (s *Service) LoadShop(ctx context.Context, q db.Querier, shopID id.ID) (Shop, error) {
	sh, err := scanShop(q.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops s WHERE s.id = $1`, shopID))
	if errors.Is(err, sql.ErrNoRows) {
		return Shop{}, ErrShopNotFound
	}
	if err != nil {
		return Shop{}, fmt.Errorf("seller: load shop: %w", err)
	}
	return sh, nil
}

// ShopsOf lists the shops an account owns, newest first.
func (s *Service) ShopsOf(ctx context.Context, owner id.ID) ([]Shop, error) {
	return s.list(ctx, `WHERE s.owner_id = $1 ORDER BY s.id DESC`, owner)
}

// ShopsIn lists a market's active shops, newest first.
func (s *Service) ShopsIn(ctx context.Context, marketCode string, limit int) ([]Shop, error) {
	return s.list(ctx, `WHERE s.market = $1 AND s.status = 'active' ORDER BY s.id DESC LIMIT $2`, marketCode, limit)
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Shop, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+shopColumns+` FROM shops s `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("seller: list shops: %w", err)
	}
	defer rows.Close()
	var out []Shop
	for rows.Next() {
		sh, err := scanShop(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// Manage returns the shop if actor may manage it: its owner, or an operator. Every
// domain calls this before a seller changes anything that belongs to a shop.
func (s *Service) Manage(ctx context.Context, actor auth.Actor, shopID id.ID) (Shop, error) {
	if err := actor.RequireLogin(); err != nil {
		return Shop{}, err
	}
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return Shop{}, err
	}
	if sh.OwnerID != actor.AccountID && !actor.Has(auth.Operator) {
		return Shop{}, ErrNotYourShop
	}
	return sh, nil
}

// ManageForSale is Manage for actions that need a shop able to sell.
func (s *Service) ManageForSale(ctx context.Context, actor auth.Actor, shopID id.ID) (Shop, error) {
	sh, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Shop{}, err
	}
	if !sh.CanSell() {
		return Shop{}, ErrShopNotActive.With("%s is %s and cannot sell", sh.Name, sh.Status)
	}
	return sh, nil
}

// Follow makes actor follow a shop.
func (s *Service) Follow(ctx context.Context, actor auth.Actor, shopID id.ID) error {
	if _, err := s.Shop(ctx, shopID); err != nil {
		return err
	}
	return s.identity.Follow(ctx, actor, identity.FollowShop, shopID)
}

// SetBadge makes a shop a Mall shop or an Official Shop, or takes the badge away.
// Operators only; Mall eligibility review arrives with the Seller Center work.
func (s *Service) SetBadge(ctx context.Context, actor auth.Actor, shopID id.ID, badge Badge) (Shop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Shop{}, err
	}
	if badge != NoBadge && badge != Mall && badge != Official {
		return Shop{}, errs.Invalidf("badge", `badge is "", "mall" or "official"`)
	}
	if err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.setBadge(ctx, tx, shopID, badge) }); err != nil {
		return Shop{}, err
	}
	s.log.Info("shop badge changed", "shop", shopID, "badge", badge, "by", actor.AccountID)
	return s.Shop(ctx, shopID)
}
