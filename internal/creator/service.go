package creator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
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

	keyMu sync.Mutex
	key   []byte // signs affiliate links; see linkKey

	payouts Payouts      // the ledger, when wired: see UsePayouts
	fees    FeePoster    // the ledger, when wired: see UseFeePoster
	orders  SampleOrders // the order service samples ship through: see UseOrders
}

// NewService returns a creator service.
func NewService(d *db.DB, markets *market.Service, ident *identity.Service, sellers *seller.Service, cat *catalog.Service, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, identity: ident, sellers: sellers, catalog: cat, log: log, now: time.Now}
}

// ProfileInput is what a person gives to become a creator.
type ProfileInput struct {
	Handle      string   `json:"handle"`
	DisplayName string   `json:"display_name"`
	Bio         string   `json:"bio"`
	Market      string   `json:"market"`
	BirthDate   string   `json:"birth_date"` // YYYY-MM-DD, for the age rule
	Kind        Kind     `json:"kind"`
	Categories  []string `json:"categories"` // up to 5 of the catalog's top-level categories
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
	cats, err := s.checkCategories(ctx, in.Categories)
	if err != nil {
		return Creator{}, err
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
		Market: m.Code, Kind: in.Kind, Categories: cats, CreatedAt: now, birthDate: in.BirthDate}
	_, err = s.db.ExecContext(ctx, `INSERT INTO creators (id, account_id, handle, display_name, bio, market, kind, birth_date, created_at, categories)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, c.ID, c.AccountID, c.Handle, c.DisplayName, c.Bio, c.Market, string(c.Kind), c.birthDate, db.Micros(now),
		strings.Join(cats, ","))
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
	c.categories, c.selling_since, c.suspended_at, c.suspended_until, c.suspension_reason,
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
	return scanCreators(s.db.QueryContext(ctx, `SELECT `+creatorColumns+` FROM creators c `+where, args...))
}

func scanCreators(rows *sql.Rows, err error) ([]Creator, error) {
	if err != nil {
		return nil, fmt.Errorf("creator: load: %w", err)
	}
	defer rows.Close()
	var out []Creator
	for rows.Next() {
		var c Creator
		var created, since, suspAt, suspUntil int64
		var cats, reason string
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Handle, &c.DisplayName, &c.Bio, &c.Market, &c.Kind, &c.birthDate, &created,
			&cats, &since, &suspAt, &suspUntil, &reason, &c.Followers); err != nil {
			return nil, err
		}
		c.CreatedAt = db.Time(created)
		c.Categories = splitCategories(cats)
		if since > 0 {
			c.SellingSince = db.Time(since)
		}
		if suspAt > 0 {
			c.Suspension = &Suspension{Reason: reason, Since: db.Time(suspAt)}
			if suspUntil > 0 {
				c.Suspension.Until = db.Time(suspUntil)
			}
		}
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

// Follow makes actor follow a creator.
func (s *Service) Follow(ctx context.Context, actor auth.Actor, creatorID id.ID) error {
	if _, err := s.Creator(ctx, creatorID); err != nil {
		return err
	}
	return s.identity.Follow(ctx, actor, identity.FollowCreator, creatorID)
}

// WithClock returns a copy of the service reading time from now (tests and the
// benchmark's generated history).
func (s *Service) WithClock(now func() time.Time) *Service {
	return &Service{db: s.db, markets: s.markets, identity: s.identity, sellers: s.sellers, catalog: s.catalog, log: s.log, now: now, key: s.key, payouts: s.payouts, fees: s.fees, orders: s.orders}
}
