package analytics

// KPI targets live with the GMV they are measured against: progress and projections
// read the daily rollups, and seller-level targets need the seller domain to say who
// manages a shop, which the market domain (upstream of seller) cannot ask.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Scopes of a target.
const (
	ScopeGlobal = "global" // every market, in US dollars
	ScopeMarket = "market" // one market, in its currency
	ScopeShop   = "shop"   // one shop that opted in, in its market's currency
)

// Errors of KPI targets.
var (
	ErrTargetNotFound = errs.New(errs.NotFound, "kpi_target_not_found", "no such target")
	ErrTargetCurrency = errs.New(errs.Invalid, "target_wrong_currency", "the target is in the wrong currency").OnField("target.currency")
	ErrTargetOverlap  = errs.New(errs.Conflict, "target_overlaps", "another target of the same kind of period overlaps this one").OnField("period")
	ErrNotOptedIn     = errs.New(errs.Rule, "shop_not_opted_in", "the shop has not opted in to GMV targets; opt in first").OnField("shop_id")
)

// Target is a GMV target for a period.
type Target struct {
	ID        id.ID       `json:"id"`
	Scope     string      `json:"scope"`
	Market    string      `json:"market,omitempty"`
	ShopID    id.ID       `json:"shop_id,omitempty"`
	Name      string      `json:"name"`
	Period    Period      `json:"period"`
	Amount    money.Money `json:"target"`
	CreatedBy id.ID       `json:"created_by"`
	CreatedAt time.Time   `json:"created_at"`
}

// TargetInput is a new target. Period is a year, quarter, month or range of days (see
// ParsePeriod); Target must be in US dollars for a global target and in the market's
// currency otherwise.
type TargetInput struct {
	Scope  string      `json:"scope"`
	Market string      `json:"market"`
	ShopID id.ID       `json:"shop_id"`
	Name   string      `json:"name"`
	Period string      `json:"period"`
	Target money.Money `json:"target"`
}

// Projection is where GMV is heading by the end of a target's period.
type Projection struct {
	Amount money.Money `json:"amount"`
	// Gap is the target less the projection: above zero a shortfall, below a surplus.
	Gap   money.Money `json:"gap"`
	Basis string      `json:"basis"` // final, yoy, weekday or linear
	// GrowthBP is the recent growth over the same days a year earlier (basis yoy).
	GrowthBP *int64 `json:"growth_bp,omitempty"`
}

// Target statuses.
const (
	StatusUpcoming = "upcoming" // the period has not started
	StatusMet      = "met"      // actual has reached the target
	StatusOnTrack  = "on_track" // the seasonal projection reaches it
	StatusBehind   = "behind"   // the seasonal projection falls short
	StatusMissed   = "missed"   // the period is over, short of the target
)

// Progress is a target with how it stands.
type Progress struct {
	Target
	AsOf          string      `json:"as_of"` // today, in the target's market (UTC for global)
	Actual        money.Money `json:"actual"`
	ProgressBP    int64       `json:"progress_bp"`
	TotalDays     int         `json:"total_days"`
	CompleteDays  int         `json:"complete_days"`
	RemainingDays int         `json:"remaining_days"`
	// Remaining is what is left to sell to reach the target (zero once reached).
	Remaining     money.Money `json:"remaining"`
	RequiredDaily money.Money `json:"required_daily"`
	Linear        Projection  `json:"linear"`
	Seasonal      Projection  `json:"seasonal"`
	Status        string      `json:"status"`
	// Days is the period day by day, for the burn-up chart (Target only).
	Days []ProgressDay `json:"days,omitempty"`
}

// ProgressDay is one day of a target's period.
type ProgressDay struct {
	Day        string `json:"day"`
	GMV        int64  `json:"gmv"`
	Cumulative int64  `json:"cumulative"`
	Future     bool   `json:"future"` // after today: no actual yet
}

// ProgressPercent renders progress for people ("33.4%").
func (p Progress) ProgressPercent() string { return money.BP(p.ProgressBP).Percent() }

// BarPercent is progress capped at 100, for a progress bar's width.
func (p Progress) BarPercent() int64 { return min(max(p.ProgressBP/100, 0), 100) }

// StatusLabel names the status for people.
func (p Progress) StatusLabel() string {
	switch p.Status {
	case StatusOnTrack:
		return "On track"
	case StatusBehind:
		return "Behind"
	case StatusMet:
		return "Met"
	case StatusMissed:
		return "Missed"
	case StatusUpcoming:
		return "Upcoming"
	}
	return p.Status
}

// ScopeLabel names the target's scope for people.
func (p Progress) ScopeLabel() string {
	switch p.Scope {
	case ScopeGlobal:
		return "Global"
	case ScopeShop:
		return "Shop"
	}
	return p.Market
}

// SetTarget records a GMV target. Global and market targets are the operators';
// shop targets are the shop's seller's (or an operator's), once the shop opted in.
func (s *Service) SetTarget(ctx context.Context, actor auth.Actor, in TargetInput) (Target, error) {
	t := Target{Scope: in.Scope, Name: strings.TrimSpace(in.Name), CreatedBy: actor.AccountID, CreatedAt: s.now()}
	var wantCurrency string
	switch in.Scope {
	case ScopeGlobal:
		if err := RequireOperator(actor); err != nil {
			return Target{}, err
		}
		if in.Market != "" || in.ShopID != 0 {
			return Target{}, errs.Invalidf("market", "a global target covers every market; leave market and shop_id out")
		}
		wantCurrency = market.ReferenceCurrency
	case ScopeMarket:
		if err := RequireOperator(actor); err != nil {
			return Target{}, err
		}
		if in.ShopID != 0 {
			return Target{}, errs.Invalidf("shop_id", "a market target is for the whole market; use scope shop for a shop")
		}
		m, err := s.Markets.Market(ctx, in.Market)
		if err != nil {
			return Target{}, errs.OnField(err, "market")
		}
		t.Market, wantCurrency = m.Code, m.Currency
	case ScopeShop:
		sh, err := s.Sellers.Manage(ctx, actor, in.ShopID)
		if err != nil {
			return Target{}, errs.OnField(err, "shop_id")
		}
		opted, err := s.optedIn(ctx, sh.ID)
		if err != nil {
			return Target{}, err
		}
		if !opted {
			return Target{}, ErrNotOptedIn.With("%s has not opted in to GMV targets; opt in on its analytics page first", sh.Name)
		}
		m, err := s.Markets.Market(ctx, sh.Market)
		if err != nil {
			return Target{}, err
		}
		t.Market, t.ShopID, wantCurrency = sh.Market, sh.ID, m.Currency
	default:
		return Target{}, errs.Invalidf("scope", `scope must be "global", "market" or "shop"`)
	}
	p, err := ParsePeriod(in.Period, "period")
	if err != nil {
		return Target{}, err
	}
	t.Period = p
	if in.Target.Currency != wantCurrency {
		return Target{}, ErrTargetCurrency.With("a %s target is set in %s, not %q", scopeNoun(t), wantCurrency, in.Target.Currency)
	}
	if in.Target.Amount <= 0 {
		return Target{}, errs.Invalidf("target.amount", "a target must be more than zero")
	}
	t.Amount = in.Target
	if t.Name == "" {
		t.Name = defaultTargetName(t)
	}
	if len(t.Name) > 100 {
		return Target{}, errs.Invalidf("name", "a name is at most 100 characters")
	}
	t.ID = id.New()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		// Two operators adding overlapping targets at once must not both succeed: on
		// PostgreSQL the scope is locked for the transaction; SQLite has one writer.
		if tx.Engine() == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(724615, hashtext($1))`, scopeKey(t)); err != nil {
				return err
			}
		}
		var otherName, otherStart, otherEnd string
		err := tx.QueryRowContext(ctx, `SELECT name, period_start, period_end FROM kpi_targets
			WHERE scope = $1 AND market = $2 AND shop_id = $3 AND period_kind = $4 AND period_start <= $5 AND period_end >= $6 LIMIT 1`,
			t.Scope, t.Market, t.ShopID, t.Period.Kind, t.Period.End, t.Period.Start).Scan(&otherName, &otherStart, &otherEnd)
		if err == nil {
			return ErrTargetOverlap.With("%q already covers %s to %s; targets of one scope and kind of period cannot overlap", otherName, otherStart, otherEnd)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO kpi_targets (id, scope, market, shop_id, name, period_kind, period_start, period_end, currency, amount, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			t.ID, t.Scope, t.Market, t.ShopID, t.Name, t.Period.Kind, t.Period.Start, t.Period.End, t.Amount.Currency, t.Amount.Amount, t.CreatedBy, db.Micros(t.CreatedAt))
		return err
	})
	if err != nil {
		return Target{}, err
	}
	s.log.Info("kpi target set", "scope", t.Scope, "market", t.Market, "shop", t.ShopID, "period", t.Period.Label, "target", t.Amount.String(), "by", actor.AccountID)
	return t, nil
}

func scopeKey(t Target) string { return t.Scope + ":" + t.Market + ":" + t.ShopID.String() }

func scopeNoun(t Target) string {
	switch t.Scope {
	case ScopeGlobal:
		return "global"
	case ScopeShop:
		return "shop"
	}
	return t.Market
}

func defaultTargetName(t Target) string {
	switch t.Scope {
	case ScopeGlobal:
		return "Global GMV " + t.Period.Label
	case ScopeShop:
		return "Shop GMV " + t.Period.Label
	}
	return t.Market + " GMV " + t.Period.Label
}

// DeleteTarget removes a target, for whoever may set it.
func (s *Service) DeleteTarget(ctx context.Context, actor auth.Actor, targetID id.ID) error {
	t, err := s.loadTarget(ctx, targetID)
	if err != nil {
		return err
	}
	if err := s.mayManage(ctx, actor, t); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM kpi_targets WHERE id = $1`, t.ID)
		return err
	})
}

// mayManage checks actor may see and change the target: operators any, a seller its
// own shop's. Someone else's shop target is not found, as other private things are.
func (s *Service) mayManage(ctx context.Context, actor auth.Actor, t Target) error {
	if t.Scope != ScopeShop {
		return RequireOperator(actor)
	}
	if _, err := s.Sellers.Manage(ctx, actor, t.ShopID); err != nil {
		if errors.Is(err, seller.ErrNotYourShop) {
			return ErrTargetNotFound
		}
		return err
	}
	return nil
}

const targetColumns = `id, scope, market, shop_id, name, period_kind, period_start, period_end, currency, amount, created_by, created_at`

func scanTarget(row interface{ Scan(...any) error }) (Target, error) {
	var t Target
	var kind, start, end, cur string
	var amount, created int64
	if err := row.Scan(&t.ID, &t.Scope, &t.Market, &t.ShopID, &t.Name, &kind, &start, &end, &cur, &amount, &t.CreatedBy, &created); err != nil {
		return Target{}, err
	}
	t.Period, t.Amount, t.CreatedAt = storedPeriod(kind, start, end), money.New(amount, cur), db.Time(created)
	return t, nil
}

// storedPeriod rebuilds a period's label from its stored days.
func storedPeriod(kind, start, end string) Period {
	p := Period{Kind: kind, Start: start, End: end}
	switch kind {
	case PeriodYear:
		p.Label = start[:4]
	case PeriodQuarter:
		m, _ := strconv.Atoi(start[5:7])
		p.Label = fmt.Sprintf("%s-Q%d", start[:4], (m+2)/3)
	case PeriodMonth:
		p.Label = start[:7]
	default:
		p.Label = start + ".." + end
	}
	return p
}

func (s *Service) loadTarget(ctx context.Context, targetID id.ID) (Target, error) {
	t, err := scanTarget(s.db.QueryRowContext(ctx, `SELECT `+targetColumns+` FROM kpi_targets WHERE id = $1`, targetID))
	if errors.Is(err, sql.ErrNoRows) {
		return Target{}, ErrTargetNotFound
	}
	return t, err
}

func (s *Service) listTargets(ctx context.Context, where string, args ...any) ([]Target, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+targetColumns+` FROM kpi_targets `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: list targets: %w", err)
	}
	defer rows.Close()
	var out []Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Targets returns every global and market target with its progress, current ones
// first. Operators only.
func (s *Service) Targets(ctx context.Context, actor auth.Actor) ([]Progress, error) {
	if err := RequireOperator(actor); err != nil {
		return nil, err
	}
	ts, err := s.listTargets(ctx, `WHERE scope IN ('global', 'market') ORDER BY period_end DESC, scope, market`)
	if err != nil {
		return nil, err
	}
	return s.progress(ctx, ts, false)
}

// Target returns one target with its progress day by day.
func (s *Service) Target(ctx context.Context, actor auth.Actor, targetID id.ID) (Progress, error) {
	t, err := s.loadTarget(ctx, targetID)
	if err != nil {
		return Progress{}, err
	}
	if err := s.mayManage(ctx, actor, t); err != nil {
		return Progress{}, err
	}
	ps, err := s.progress(ctx, []Target{t}, true)
	if err != nil {
		return Progress{}, err
	}
	return ps[0], nil
}

// targetsOverlapping returns the targets of one scope key whose period shares a day
// with [from, to].
func (s *Service) targetsOverlapping(ctx context.Context, scope, marketCode string, shopID id.ID, from, to string) ([]Target, error) {
	return s.listTargets(ctx, `WHERE scope = $1 AND market = $2 AND shop_id = $3 AND period_start <= $4 AND period_end >= $5
		ORDER BY period_start, period_kind`, scope, marketCode, shopID, to, from)
}

// progress computes how each target stands today. Market and global targets share one
// read of the daily market rollup; a shop target reads its shop's.
func (s *Service) progress(ctx context.Context, ts []Target, withDays bool) ([]Progress, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	now := s.now()
	todayOf := map[string]time.Time{"": mustCivil(now.UTC().Format(time.DateOnly))}
	from, to := todayOf[""], todayOf[""]
	for _, t := range ts {
		if _, ok := todayOf[t.Market]; !ok {
			m, err := s.Markets.Market(ctx, t.Market)
			if err != nil {
				return nil, err
			}
			todayOf[t.Market] = mustCivil(m.Day(now))
		}
		today := todayOf[t.Market]
		from = minTime(from, seriesNeeded(t.Period.start(), today))
		to = maxTime(to, maxTime(today, t.Period.end()))
	}
	// Global targets need every market's series; market targets only their own.
	var only []string
	for _, t := range ts {
		if t.Scope == ScopeGlobal {
			only = nil
			break
		}
		if t.Scope == ScopeMarket && !slices.Contains(only, t.Market) {
			only = append(only, t.Market)
		}
	}
	var marketSeries map[string]dailySeries
	var globalSeries dailySeries
	out := make([]Progress, 0, len(ts))
	for _, t := range ts {
		var gmv dailySeries
		switch t.Scope {
		case ScopeShop:
			pts, err := s.series(ctx, s.db, grainDay, dimShop, idRef(t.ShopID), t.Market, dayString(from), dayString(to))
			if err != nil {
				return nil, err
			}
			gmv = newSeries(from, to)
			for day, v := range pts {
				gmv.add(mustCivil(day), v.gmv)
			}
		default:
			if marketSeries == nil {
				var err error
				if marketSeries, globalSeries, err = s.marketSeries(ctx, from, to, only); err != nil {
					return nil, err
				}
			}
			if t.Scope == ScopeGlobal {
				gmv = globalSeries
			} else if gmv = marketSeries[t.Market]; gmv.values == nil {
				gmv = newSeries(from, to)
			}
		}
		out = append(out, progressOf(t, gmv, todayOf[t.Market], withDays))
	}
	slices.SortStableFunc(out, func(a, b Progress) int { return cmp.Compare(statusOrder(a.Status), statusOrder(b.Status)) })
	return out, nil
}

func statusOrder(s string) int {
	switch s {
	case StatusBehind, StatusOnTrack:
		return 0
	case StatusMet:
		return 1
	case StatusUpcoming:
		return 2
	}
	return 3
}

// marketSeries reads the daily GMV of the markets in only (every market when only is
// empty) from from to to: in each market's currency, and added up in US dollars for
// global targets.
func (s *Service) marketSeries(ctx context.Context, from, to time.Time, only []string) (map[string]dailySeries, dailySeries, error) {
	q, args := `SELECT market, period, gmv, gmv_usd FROM gmv_rollups WHERE grain = 'day' AND dim = 'market' AND period >= $1 AND period <= $2`,
		[]any{dayString(from), dayString(to)}
	if len(only) > 0 {
		var ps []string
		for _, m := range only {
			args = append(args, m)
			ps = append(ps, "$"+strconv.Itoa(len(args)))
		}
		q += ` AND ref IN (` + strings.Join(ps, ", ") + `) AND market = ref`
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dailySeries{}, fmt.Errorf("analytics: market series: %w", err)
	}
	defer rows.Close()
	local := map[string]dailySeries{}
	global := newSeries(from, to)
	for rows.Next() {
		var m, day string
		var gmv, usd int64
		if err := rows.Scan(&m, &day, &gmv, &usd); err != nil {
			return nil, dailySeries{}, err
		}
		d, err := civil(day)
		if err != nil {
			continue
		}
		sr, ok := local[m]
		if !ok {
			sr = newSeries(from, to)
			local[m] = sr
		}
		sr.add(d, gmv)
		global.add(d, usd)
	}
	return local, global, rows.Err()
}

// progressOf is the arithmetic of a target's progress, given its daily GMV.
func progressOf(t Target, gmv dailySeries, today time.Time, withDays bool) Progress {
	start, end := t.Period.start(), t.Period.end()
	f := project(gmv, start, end, today, t.Amount.Amount)
	cur := t.Amount.Currency
	p := Progress{
		Target: t, AsOf: dayString(today), Actual: money.New(f.Actual, cur), ProgressBP: f.ProgressBP,
		TotalDays: f.TotalDays, CompleteDays: f.CompleteDays, RemainingDays: f.RemainingDays,
		Remaining:     money.New(max(t.Amount.Amount-f.Actual, 0), cur),
		RequiredDaily: money.New(f.RequiredDaily, cur),
		Linear:        Projection{Amount: money.New(f.Linear, cur), Gap: money.New(t.Amount.Amount-f.Linear, cur), Basis: BasisLinear},
		Seasonal:      Projection{Amount: money.New(f.Seasonal, cur), Gap: money.New(t.Amount.Amount-f.Seasonal, cur), Basis: f.Basis, GrowthBP: f.GrowthBP},
	}
	if f.RemainingDays == 0 {
		p.Linear.Basis = BasisFinal
	}
	switch {
	case today.Before(start):
		p.Status = StatusUpcoming
	case f.Actual >= t.Amount.Amount:
		p.Status = StatusMet
	case f.RemainingDays == 0:
		p.Status = StatusMissed
	case f.Seasonal >= t.Amount.Amount:
		p.Status = StatusOnTrack
	default:
		p.Status = StatusBehind
	}
	if withDays {
		var cum int64
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			future := d.After(today)
			v := int64(0)
			if !future {
				v = gmv.at(d)
				cum += v
			}
			p.Days = append(p.Days, ProgressDay{Day: dayString(d), GMV: v, Cumulative: cum, Future: future})
		}
	}
	return p
}

// OptIn opts a shop in to GMV targets (on) or out. Its seller or an operator.
func (s *Service) OptIn(ctx context.Context, actor auth.Actor, shopID id.ID, on bool) error {
	sh, err := s.Sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if !on {
			_, err := tx.ExecContext(ctx, `DELETE FROM kpi_shop_optins WHERE shop_id = $1`, sh.ID)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO kpi_shop_optins (shop_id, market, opted_in_by, opted_in_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (shop_id) DO NOTHING`, sh.ID, sh.Market, actor.AccountID, db.Micros(s.now()))
		return err
	})
}

func (s *Service) optedIn(ctx context.Context, shopID id.ID) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM kpi_shop_optins WHERE shop_id = $1`, shopID).Scan(&n)
	return n > 0, err
}
