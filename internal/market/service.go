package market

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Service reads and changes markets and their policies.
type Service struct {
	db  *db.DB
	log *slog.Logger
	now func() time.Time

	// Policies are small and read on hot paths (every checkout checks a daily cap), so
	// the service holds all of them in memory. A local write reloads at once; other
	// nodes pick the change up within cacheTTL.
	mu       sync.RWMutex
	markets  map[string]Market
	versions map[string][]Version
	loadedAt time.Time
}

const cacheTTL = 30 * time.Second

// NewService returns a market service over d.
func NewService(d *db.DB, log *slog.Logger) *Service {
	return &Service{db: d, log: log, now: time.Now}
}

// Seed inserts the markets and policies liveshop ships with where they are missing.
// It never overwrites an operator's changes, so it runs at every start.
func (s *Service) Seed(ctx context.Context) error {
	now := s.now()
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		for _, m := range seedMarkets {
			if err := insertMarket(ctx, tx, m, now); err != nil {
				return err
			}
			n, err := countVersions(ctx, tx, m.Code)
			if err != nil || n > 0 {
				return err
			}
			for _, sv := range seedPolicies(m) {
				if err := sv.policy.Validate(); err != nil {
					return errors.New("market: seed policy for " + m.Code + " is invalid: " + err.Error())
				}
				v := Version{ID: id.New(), Market: m.Code, EffectiveFrom: sv.from.UTC(), Note: sv.note, CreatedAt: now, Policy: sv.policy}
				if err := insertVersion(ctx, tx, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.reload(ctx)
}

func (s *Service) reload(ctx context.Context) error {
	ms, err := loadMarkets(ctx, s.db)
	if err != nil {
		return err
	}
	vs, err := loadVersions(ctx, s.db, ms)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.markets, s.versions, s.loadedAt = ms, vs, time.Now()
	s.mu.Unlock()
	return nil
}

// snapshot returns the cached markets and versions, reloading them when stale.
func (s *Service) snapshot(ctx context.Context) (map[string]Market, map[string][]Version, error) {
	s.mu.RLock()
	ms, vs, fresh := s.markets, s.versions, time.Since(s.loadedAt) < cacheTTL
	s.mu.RUnlock()
	if fresh && ms != nil {
		return ms, vs, nil
	}
	if err := s.reload(ctx); err != nil {
		if ms != nil {
			s.log.Warn("market: reload failed, serving cached policies", "err", err)
			return ms, vs, nil
		}
		return nil, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.markets, s.versions, nil
}

// Markets lists every market, by code.
func (s *Service) Markets(ctx context.Context) ([]Market, error) {
	ms, _, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Market, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// Market returns one market.
func (s *Service) Market(ctx context.Context, code string) (Market, error) {
	ms, _, err := s.snapshot(ctx)
	if err != nil {
		return Market{}, err
	}
	m, ok := ms[code]
	if !ok {
		return Market{}, notFound(code)
	}
	return m, nil
}

// Policy returns the policy of market in force at time at. This is the one way any
// part of liveshop reads a threshold, cap, fee or window.
func (s *Service) Policy(ctx context.Context, market string, at time.Time) (Policy, error) {
	v, err := s.PolicyVersion(ctx, market, at)
	return v.Policy, err
}

// PolicyVersion returns the policy version of market in force at time at.
func (s *Service) PolicyVersion(ctx context.Context, market string, at time.Time) (Version, error) {
	ms, vs, err := s.snapshot(ctx)
	if err != nil {
		return Version{}, err
	}
	if _, ok := ms[market]; !ok {
		return Version{}, notFound(market)
	}
	versions := vs[market]
	// The last version that took effect at or before at.
	i := sort.Search(len(versions), func(i int) bool { return versions[i].EffectiveFrom.After(at) })
	if i == 0 {
		return Version{}, ErrPolicyNotFound.With("%s has no policy in force at %s", market, at.UTC().Format(time.RFC3339))
	}
	return versions[i-1], nil
}

// History returns market's policy versions, newest first, including scheduled ones.
func (s *Service) History(ctx context.Context, market string) ([]Version, error) {
	ms, vs, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := ms[market]; !ok {
		return nil, notFound(market)
	}
	out := slices.Clone(vs[market])
	slices.Reverse(out)
	return out, nil
}

// SetPolicy records a new policy version for market, in force from effectiveFrom (now
// or later: history is never rewritten). Operators only.
func (s *Service) SetPolicy(ctx context.Context, actor auth.Actor, market string, effectiveFrom time.Time, p Policy, note string) (Version, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Version{}, err
	}
	if _, err := s.Market(ctx, market); err != nil {
		return Version{}, err
	}
	now := s.now()
	if effectiveFrom.IsZero() {
		effectiveFrom = now
	}
	// A minute of grace lets "effective now" survive a slow form submission.
	if effectiveFrom.Before(now.Add(-time.Minute)) {
		return Version{}, ErrPolicyBackdated
	}
	if len(note) > 500 {
		return Version{}, errs.Invalidf("note", "a note is at most 500 characters")
	}
	if err := p.Validate(); err != nil {
		return Version{}, err
	}
	v := Version{ID: id.New(), Market: market, EffectiveFrom: effectiveFrom.UTC().Truncate(time.Microsecond), Note: note,
		CreatedBy: actor.AccountID, CreatedAt: now, Policy: p}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return insertVersion(ctx, tx, v) })
	if db.IsUniqueViolation(err) {
		return Version{}, ErrPolicyExists
	}
	if err != nil {
		return Version{}, err
	}
	s.log.Info("market policy changed", "market", market, "effective_from", v.EffectiveFrom, "by", actor.AccountID, "note", note)
	return v, s.reload(ctx)
}

// SetLaunch changes a market's launch state and date. Operators only.
func (s *Service) SetLaunch(ctx context.Context, actor auth.Actor, code string, state LaunchState, date string) (Market, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Market{}, err
	}
	if !state.Valid() {
		return Market{}, ErrInvalidState
	}
	if err := checkDate(date); err != nil {
		return Market{}, err
	}
	var found bool
	err := s.db.RunInTx(ctx, func(tx *db.Tx) (err error) {
		found, err = updateLaunch(ctx, tx, code, state, date, s.now())
		return err
	})
	if err != nil {
		return Market{}, err
	}
	if !found {
		return Market{}, notFound(code)
	}
	s.log.Info("market launch state changed", "market", code, "state", state, "date", date, "by", actor.AccountID)
	if err := s.reload(ctx); err != nil {
		return Market{}, err
	}
	return s.Market(ctx, code)
}
