package creator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// week is the pilot's counting window: the last seven days, rolling.
const week = 7 * 24 * time.Hour

// PilotKind is what a pilot creator's weekly allowance counts.
type PilotKind string

// What the pilot limits.
const (
	PilotLive  PilotKind = "live"  // a live selling session
	PilotVideo PilotKind = "video" // a shoppable video
)

// Eligibility checks a creator against the market's selling rules as they stand now:
// followers (from the follow graph), age, suspension, and the pilot for small
// creators with what it has used this week. Changing the rules in policy changes the
// answer, no code involved.
func (s *Service) Eligibility(ctx context.Context, c Creator) (Eligibility, error) {
	return s.eligibility(ctx, s.db, c, s.now())
}

func (s *Service) eligibility(ctx context.Context, q db.Querier, c Creator, now time.Time) (Eligibility, error) {
	p, err := s.markets.Policy(ctx, c.Market, now)
	if err != nil {
		return Eligibility{}, err
	}
	m, err := s.markets.Market(ctx, c.Market)
	if err != nil {
		return Eligibility{}, err
	}
	// The follow graph's count, read through q (identity keeps follower_counts).
	var followers int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(followers), 0) FROM follower_counts WHERE target_kind = $1 AND target_id = $2`,
		string(identity.FollowCreator), c.ID).Scan(&followers); err != nil {
		return Eligibility{}, fmt.Errorf("creator: followers: %w", err)
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
	if sp := c.Suspension; sp != nil && (sp.Until.IsZero() || now.Before(sp.Until)) {
		e.CanSell, e.Suspended = false, true
		until := "until an operator lifts it"
		if !sp.Until.IsZero() {
			until = "until " + sp.Until.UTC().Format("2006-01-02 15:04 UTC")
		}
		e.Reasons = append(e.Reasons, fmt.Sprintf("your selling rights are suspended %s (%s)", until, sp.Reason))
	}
	// The pilot runs from the day selling starts (or would start now) for creators
	// below the market's pilot ceiling.
	start := c.SellingSince
	if start.IsZero() {
		start = now
	}
	ends := start.Add(time.Duration(p.Creators.PilotDays) * 24 * time.Hour)
	if followers < int64(p.Creators.PilotBelowFollowers) && now.Before(ends) {
		e.InPilot, e.PilotEndsAt = true, ends
		e.PilotLivesPerWeek, e.PilotVideosPerWeek = p.Creators.PilotLivesPerWeek, p.Creators.PilotVideosPerWeek
	}
	if e.LivesThisWeek, err = pilotUses(ctx, q, c.ID, PilotLive, now); err != nil {
		return Eligibility{}, err
	}
	if e.VideosThisWeek, err = pilotUses(ctx, q, c.ID, PilotVideo, now); err != nil {
		return Eligibility{}, err
	}
	return e, nil
}

func pilotUses(ctx context.Context, q db.Querier, creatorID id.ID, kind PilotKind, now time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM pilot_uses WHERE creator_id = $1 AND kind = $2 AND used_at > $3`,
		creatorID, string(kind), db.Micros(now.Add(-week))).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("creator: pilot uses: %w", err)
	}
	return n, nil
}

// RequireSeller returns the actor's creator profile if it may sell now, or an error
// that says exactly what is missing. The first time it succeeds starts the pilot.
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
		base := ErrNotEligible
		if e.Suspended {
			base = ErrSuspended
		}
		return Creator{}, base.With("You cannot sell now: %s.", strings.Join(e.Reasons, "; "))
	}
	if c.SellingSince.IsZero() {
		now := s.now().UTC()
		if _, err := s.db.ExecContext(ctx, `UPDATE creators SET selling_since = $1 WHERE id = $2 AND selling_since = 0`, db.Micros(now), c.ID); err != nil {
			return Creator{}, fmt.Errorf("creator: start selling: %w", err)
		}
		c.SellingSince = now
	}
	return c, nil
}

// UsePilotAllowance records that a creator publishes one selling live or shoppable
// video (ref names it, so recording twice counts once) and refuses it when the
// creator is in the pilot and has used the week's allowance. It runs inside the
// publisher's transaction (q), so the count and the content commit together; on
// PostgreSQL the creator's row is locked so two publications cannot both take the
// last slot.
func (s *Service) UsePilotAllowance(ctx context.Context, q db.Querier, creatorID id.ID, kind PilotKind, ref id.ID) error {
	if kind != PilotLive && kind != PilotVideo {
		return errs.Invalidf("kind", `kind must be "live" or "video"`)
	}
	var locked id.ID
	if err := q.QueryRowContext(ctx, `SELECT id FROM creators WHERE id = $1`+db.ForUpdate(q), creatorID).Scan(&locked); err != nil {
		return ErrCreatorNotFound
	}
	c, err := s.creatorIn(ctx, q, creatorID)
	if err != nil {
		return err
	}
	now := s.now()
	e, err := s.eligibility(ctx, q, c, now)
	if err != nil {
		return err
	}
	if e.InPilot {
		used, limit, what := e.LivesThisWeek, e.PilotLivesPerWeek, "live selling sessions"
		if kind == PilotVideo {
			used, limit, what = e.VideosThisWeek, e.PilotVideosPerWeek, "shoppable videos"
		}
		if used >= limit {
			return ErrPilotLimit.With("During your pilot (until %s) you may publish at most %d %s in any 7 days; you have published %d. Grow past %d followers or wait for the pilot to end to publish more.",
				e.PilotEndsAt.UTC().Format("2006-01-02"), limit, what, used, s.pilotCeiling(ctx, c.Market))
		}
	}
	_, err = q.ExecContext(ctx, `INSERT INTO pilot_uses (kind, ref_id, creator_id, used_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, ref_id) DO NOTHING`,
		string(kind), ref, creatorID, db.Micros(now))
	if err != nil {
		return fmt.Errorf("creator: use pilot allowance: %w", err)
	}
	return nil
}

func (s *Service) pilotCeiling(ctx context.Context, marketCode string) int {
	p, err := s.markets.Policy(ctx, marketCode, s.now())
	if err != nil {
		return 0
	}
	return p.Creators.PilotBelowFollowers
}

// creatorIn loads a creator through q (a transaction's connection).
func (s *Service) creatorIn(ctx context.Context, q db.Querier, creatorID id.ID) (Creator, error) {
	cs, err := scanCreators(q.QueryContext(ctx, `SELECT `+creatorColumns+` FROM creators c WHERE c.id = $1`, creatorID))
	if err != nil {
		return Creator{}, err
	}
	if len(cs) == 0 {
		return Creator{}, ErrCreatorNotFound
	}
	return cs[0], nil
}

// SuspendSelling withdraws a creator's selling rights after violations, until a
// time or (zero until) until lifted. Operators only.
func (s *Service) SuspendSelling(ctx context.Context, actor auth.Actor, creatorID id.ID, reason string, until time.Time) error {
	if err := actor.Require(auth.Operator); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 3 || n > 300 {
		return errs.Invalidf("reason", "say why in 3-300 characters")
	}
	now := s.now().UTC()
	if !until.IsZero() && !until.After(now) {
		return errs.Invalidf("until", "a suspension ends in the future (or leave it empty: until lifted)")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE creators SET suspended_at = $1, suspended_until = $2, suspension_reason = $3 WHERE id = $4`,
		db.Micros(now), untilMicros(until), reason, creatorID)
	if err != nil {
		return fmt.Errorf("creator: suspend: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrCreatorNotFound
	}
	return nil
}

// LiftSuspension restores a creator's selling rights. Operators only.
func (s *Service) LiftSuspension(ctx context.Context, actor auth.Actor, creatorID id.ID) error {
	if err := actor.Require(auth.Operator); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE creators SET suspended_at = 0, suspended_until = 0, suspension_reason = '' WHERE id = $1`, creatorID)
	if err != nil {
		return fmt.Errorf("creator: lift suspension: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrCreatorNotFound
	}
	return nil
}

func untilMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return db.Micros(t)
}

func splitCategories(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Categories lists the affiliate categories: the catalog tree's top level (creators
// declare them; sales count in the top level of their product's category).
func (s *Service) Categories(ctx context.Context) ([]string, error) {
	all, err := s.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range all {
		if c.Parent == "" {
			out = append(out, c.Code)
		}
	}
	return out, nil
}

// topCategories maps every catalog category code to its top-level code.
func (s *Service) topCategories(ctx context.Context) (map[string]string, error) {
	all, err := s.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for _, c := range all {
		top, _, _ := strings.Cut(c.Path, "/")
		out[c.Code] = top
	}
	return out, nil
}

// checkCategory refuses (on field) a category that is not a top-level one.
func (s *Service) checkCategory(ctx context.Context, field, c string) error {
	cats, err := s.Categories(ctx)
	if err != nil {
		return err
	}
	for _, k := range cats {
		if k == c {
			return nil
		}
	}
	return errs.Invalidf(field, "unknown category %q; choose from %s", c, strings.Join(cats, ", "))
}

// checkCategories validates a creator's declared categories.
func (s *Service) checkCategories(ctx context.Context, in []string) ([]string, error) {
	if len(in) > 5 {
		return nil, errs.Invalidf("categories", "choose at most 5 categories")
	}
	seen := map[string]bool{}
	var out []string
	for i, c := range in {
		c = strings.ToLower(strings.TrimSpace(c))
		if err := s.checkCategory(ctx, fmt.Sprintf("categories[%d]", i), c); err != nil {
			return nil, err
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// Suspended lists creators whose selling rights are suspended now, newest
// suspension first. Operators only.
func (s *Service) Suspended(ctx context.Context, actor auth.Actor) ([]Creator, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return s.list(ctx, `WHERE c.suspended_at > 0 AND (c.suspended_until = 0 OR c.suspended_until > $1) ORDER BY c.suspended_at DESC`, db.Micros(s.now()))
}
