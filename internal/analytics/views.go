package analytics

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

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Point is a period's figures: a day, an hour or a month.
type Point struct {
	Period string `json:"period"`
	Figures
}

// Share is a member of a mix (a channel, a category) with its share of GMV.
type Share struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	ShareBP int64  `json:"share_bp"`
	Figures
}

// Percent renders the share for people.
func (s Share) Percent() string { return money.BP(s.ShareBP).Percent() }

// Ranked is one row of a leaderboard.
type Ranked struct {
	Rank   int    `json:"rank"`
	ID     id.ID  `json:"id"`
	Name   string `json:"name"`
	Market string `json:"market"`
	Figures
}

// SessionRank is a live session on a leaderboard: one session's GMV.
type SessionRank struct {
	Rank      int       `json:"rank"`
	ID        id.ID     `json:"id"`
	Title     string    `json:"title"`
	Market    string    `json:"market"`
	Day       string    `json:"day"`
	CreatorID id.ID     `json:"creator_id,omitempty"`
	ShopID    id.ID     `json:"shop_id,omitempty"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	Figures
}

// Leaderboard kinds.
const (
	BoardShops    = "shops"
	BoardCreators = "creators"
	BoardProducts = "products"
	BoardSessions = "sessions"
)

// LeaderboardQuery asks for a leaderboard: the top shops, creators, products or live
// sessions of a market (or of every market, ranked in US dollars, when Market is
// empty) over a month, quarter or year.
type LeaderboardQuery struct {
	Kind   string
	Market string
	Period string
	Limit  int
}

// Leaderboard is a ranked list.
type Leaderboard struct {
	Kind     string        `json:"kind"`
	Market   string        `json:"market,omitempty"`
	Period   Period        `json:"period"`
	Rows     []Ranked      `json:"rows,omitempty"`
	Sessions []SessionRank `json:"sessions,omitempty"`
}

// Leaderboard ranks shops, creators, products or live sessions. Operators only.
func (s *Service) Leaderboard(ctx context.Context, actor auth.Actor, q LeaderboardQuery) (Leaderboard, error) {
	if err := RequireOperator(actor); err != nil {
		return Leaderboard{}, err
	}
	if q.Market != "" {
		if _, err := s.Markets.Market(ctx, q.Market); err != nil {
			return Leaderboard{}, errs.OnField(err, "market")
		}
	}
	p, err := ParsePeriod(q.Period, "period")
	if err != nil {
		return Leaderboard{}, err
	}
	if p.Kind == PeriodDays {
		return Leaderboard{}, errs.Invalidf("period", "leaderboards are by month, quarter or year, such as 2026-11")
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	lb := Leaderboard{Kind: q.Kind, Market: q.Market, Period: p}
	switch q.Kind {
	case BoardShops:
		lb.Rows, err = s.rank(ctx, dimShop, q.Market, p, "", limit)
	case BoardCreators:
		lb.Rows, err = s.rank(ctx, dimCreator, q.Market, p, "", limit)
	case BoardProducts:
		lb.Rows, err = s.rank(ctx, dimProduct, q.Market, p, "", limit)
	case BoardSessions:
		lb.Sessions, err = s.topSessions(ctx, sessionFilter{market: q.Market, from: p.Start, to: p.End}, limit)
	default:
		return Leaderboard{}, errs.Invalidf("kind", "a leaderboard is of shops, creators, products or sessions")
	}
	return lb, err
}

// rank reads a month-grain leaderboard and names its rows.
func (s *Service) rank(ctx context.Context, dim, marketCode string, p Period, refPrefix string, limit int) ([]Ranked, error) {
	grain, from, to := grainMonth, p.firstMonth(), p.lastMonth()
	if dim == dimShop || dim == dimCreator || dim == dimProduct {
		// Kept by quarter and year too (rollupPlan): one row per member.
		switch p.Kind {
		case PeriodQuarter:
			grain, from, to = grainQuarter, p.Label, p.Label
		case PeriodYear:
			grain, from, to = grainYear, p.Label, p.Label
		}
	}
	ms, err := s.members(ctx, grain, dim, marketCode, from, to, refPrefix, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Ranked, 0, len(ms))
	for i, m := range ms {
		cur, err := s.currencyOf(ctx, m.market)
		if err != nil {
			return nil, err
		}
		r := Ranked{Rank: i + 1, ID: refID(m.ref), Market: m.market, Figures: figures(m.sums, cur)}
		switch dim {
		case dimShop:
			r.Name = s.shopName(ctx, r.ID)
		case dimCreator:
			r.Name = s.creatorName(ctx, r.ID)
		case dimProduct:
			r.Name = s.productName(ctx, r.ID)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) currencyOf(ctx context.Context, marketCode string) (string, error) {
	m, err := s.Markets.Market(ctx, marketCode)
	return m.Currency, err
}

// sessionFilter selects live sessions by market-local start day.
type sessionFilter struct {
	market   string
	from, to string
	creator  id.ID
	shop     id.ID
}

// topSessions ranks live sessions by their GMV ("the million-dollar live room").
func (s *Service) topSessions(ctx context.Context, f sessionFilter, limit int) ([]SessionRank, error) {
	where, args := "gmv <> 0", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + cond + strconv.Itoa(len(args))
	}
	order := "gmv_usd DESC"
	if f.market != "" {
		add("market = $", f.market)
		order = "gmv DESC"
	}
	if f.from != "" {
		add("day >= $", f.from)
	}
	if f.to != "" {
		add("day <= $", f.to)
	}
	if f.creator != 0 {
		add("creator_id = $", f.creator)
	}
	if f.shop != 0 {
		add("shop_id = $", f.shop)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM gmv_sessions WHERE `+where+` ORDER BY `+order+`, session_id LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: rank sessions: %w", err)
	}
	var out []SessionRank
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		r.Rank = len(out) + 1
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Host = s.hostName(ctx, out[i])
	}
	return out, nil
}

const sessionColumns = `session_id, market, currency, creator_id, shop_id, title, day, started_at, ended_at, gmv, gmv_usd, orders, units`

func scanSession(row interface{ Scan(...any) error }) (SessionRank, error) {
	var r SessionRank
	var cur string
	var started, ended int64
	var v sums
	if err := row.Scan(&r.ID, &r.Market, &cur, &r.CreatorID, &r.ShopID, &r.Title, &r.Day, &started, &ended, &v.gmv, &v.usd, &v.orders, &v.units); err != nil {
		return SessionRank{}, err
	}
	r.StartedAt, r.EndedAt, r.Figures = db.Time(started), db.Time(ended), figures(v, cur)
	if r.Title == "" {
		r.Title = "Live " + r.ID.String()
	}
	return r, nil
}

func (s *Service) hostName(ctx context.Context, r SessionRank) string {
	switch {
	case r.CreatorID != 0:
		return s.creatorName(ctx, r.CreatorID)
	case r.ShopID != 0:
		return s.shopName(ctx, r.ShopID)
	}
	return ""
}

// MarketMonth is one market's month: GMV day by day and hour of day, its mix by
// channel and category, its leaders and its growth.
type MarketMonth struct {
	Market     market.Market `json:"market"`
	Month      string        `json:"month"`
	AsOf       string        `json:"as_of"`
	InProgress bool          `json:"in_progress"`
	Total      Figures       `json:"total"`
	// MoM and YoY compare like with like: a month in progress is compared over its
	// complete days with the same days of the month before and of the year before.
	MoM       Growth  `json:"mom"`
	YoY       Growth  `json:"yoy"`
	Days      []Point `json:"days"`
	HourOfDay []Point `json:"hour_of_day"`
	Channels  []Share `json:"channels"`
	// Categories are the top-level categories of the tree; CategoryDetail every
	// category products named, labelled with its path.
	Categories     []Share       `json:"categories"`
	CategoryDetail []Share       `json:"category_detail"`
	TopShops       []Ranked      `json:"top_shops"`
	TopCreators    []Ranked      `json:"top_creators"`
	TopProducts    []Ranked      `json:"top_products"`
	TopSessions    []SessionRank `json:"top_sessions"`
	Targets        []Progress    `json:"targets"`
}

// MarketMonth returns a market's month (YYYY-MM; empty: this month). Operators only.
func (s *Service) MarketMonth(ctx context.Context, actor auth.Actor, marketCode, month string) (MarketMonth, error) {
	if err := RequireOperator(actor); err != nil {
		return MarketMonth{}, err
	}
	m, err := s.Markets.Market(ctx, marketCode)
	if err != nil {
		return MarketMonth{}, err
	}
	today := mustCivil(m.Day(s.now()))
	first, err := parseMonth(month, today, "month")
	if err != nil {
		return MarketMonth{}, err
	}
	v := MarketMonth{Market: m, Month: monthString(first), AsOf: dayString(today)}
	last := lastOfMonth(first)
	v.InProgress = !today.Before(first) && !today.After(last)
	days, err := s.series(ctx, s.db, grainDay, dimMarket, m.Code, m.Code, dayString(first.AddDate(-1, 0, 0)), dayString(last))
	if err != nil {
		return MarketMonth{}, err
	}
	var total sums
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		f := days[dayString(d)]
		total = total.plus(f)
		v.Days = append(v.Days, Point{Period: dayString(d), Figures: figures(f, m.Currency)})
	}
	v.Total = figures(total, m.Currency)
	v.MoM, v.YoY = likeForLike(days, first, today, func(f sums) int64 { return f.gmv })

	hours, err := s.series(ctx, s.db, grainHour, dimMarket, m.Code, m.Code, dayString(first)+"T00", dayString(last)+"T23")
	if err != nil {
		return MarketMonth{}, err
	}
	var byHour [24]sums
	for p, f := range hours {
		if h, err := strconv.Atoi(p[11:]); err == nil && h >= 0 && h < 24 {
			byHour[h] = byHour[h].plus(f)
		}
	}
	for h, f := range byHour {
		v.HourOfDay = append(v.HourOfDay, Point{Period: fmt.Sprintf("%02d", h), Figures: figures(f, m.Currency)})
	}
	mon := v.Month
	if v.Channels, err = s.mix(ctx, dimChannel, m, mon, "", total.gmv); err != nil {
		return MarketMonth{}, err
	}
	if v.Categories, v.CategoryDetail, err = s.categoryMix(ctx, dimCategory, m, mon, "", total.gmv); err != nil {
		return MarketMonth{}, err
	}
	p := Period{Kind: PeriodMonth, Label: mon, Start: dayString(first), End: dayString(last)}
	if v.TopShops, err = s.rank(ctx, dimShop, m.Code, p, "", 10); err != nil {
		return MarketMonth{}, err
	}
	if v.TopCreators, err = s.rank(ctx, dimCreator, m.Code, p, "", 10); err != nil {
		return MarketMonth{}, err
	}
	if v.TopProducts, err = s.rank(ctx, dimProduct, m.Code, p, "", 10); err != nil {
		return MarketMonth{}, err
	}
	if v.TopSessions, err = s.topSessions(ctx, sessionFilter{market: m.Code, from: p.Start, to: p.End}, 10); err != nil {
		return MarketMonth{}, err
	}
	ts, err := s.targetsOverlapping(ctx, ScopeMarket, m.Code, 0, p.Start, p.End)
	if err != nil {
		return MarketMonth{}, err
	}
	if v.Targets, err = s.progress(ctx, ts, true); err != nil {
		return MarketMonth{}, err
	}
	return v, nil
}

// mix reads a month's members of a small dimension (channels, categories) with their
// shares of total; refPrefix picks one owner's ("<shop>/").
func (s *Service) mix(ctx context.Context, dim string, m market.Market, month, refPrefix string, total int64) ([]Share, error) {
	ms, err := s.members(ctx, grainMonth, dim, m.Code, month, month, refPrefix, 0)
	if err != nil {
		return nil, err
	}
	out := make([]Share, 0, len(ms))
	for _, x := range ms {
		key := x.ref
		if refPrefix != "" {
			key = refTail(x.ref)
		}
		label := key
		switch {
		case dim == dimChannel || dim == dimShopChannel || dim == dimCreatorChannel:
			label = ChannelLabel(key)
		case dim == dimCategory && key == "":
			label = "Uncategorised"
		}
		out = append(out, Share{Key: key, Label: label, ShareBP: shareBP(x.gmv, total), Figures: figures(x.sums, m.Currency)})
	}
	return out, nil
}

// categoryMix reads a month's categories: each top-level category with everything
// under it summed, and each category as recorded. An order with lines in two
// categories counts once in each (and once in a top-level category holding both).
// refPrefix picks one shop's or creator's categories ("<shop>/", dimension
// shop_category; "<creator>/", creator_category).
func (s *Service) categoryMix(ctx context.Context, dim string, m market.Market, month, refPrefix string, total int64) (roots, detail []Share, err error) {
	tree, err := s.categoryTree(ctx)
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.members(ctx, grainMonth, dim, m.Code, month, month, refPrefix, 0)
	if err != nil {
		return nil, nil, err
	}
	byRoot := map[string]sums{}
	var order []string
	for _, x := range ms {
		code := x.ref
		if refPrefix != "" {
			code = strings.TrimPrefix(x.ref, refPrefix)
		}
		detail = append(detail, Share{Key: code, Label: tree.label(code), ShareBP: shareBP(x.gmv, total), Figures: figures(x.sums, m.Currency)})
		r := tree.root(code)
		if _, ok := byRoot[r]; !ok {
			order = append(order, r)
		}
		byRoot[r] = byRoot[r].plus(x.sums)
	}
	for _, r := range order {
		roots = append(roots, Share{Key: r, Label: tree.label(r), ShareBP: shareBP(byRoot[r].gmv, total), Figures: figures(byRoot[r], m.Currency)})
	}
	slices.SortStableFunc(roots, func(a, b Share) int { return cmp.Compare(b.Figures.GMV.Amount, a.Figures.GMV.Amount) })
	return roots, detail, nil
}

// likeForLike returns month-over-month and year-over-year growth of a month. A month
// in progress compares its complete days (through yesterday) with the same days of
// the months it is compared with; a month with no complete day yet has no growth.
func likeForLike(days map[string]sums, first, today time.Time, pick func(sums) int64) (mom, yoy Growth) {
	last := lastOfMonth(first)
	upTo := last.Day()
	if !today.After(last) {
		upTo = int(today.Sub(first).Hours() / 24) // complete days of the month so far
		if upTo <= 0 {
			return Growth{}, Growth{}
		}
	}
	span := func(start time.Time) int64 {
		end := lastOfMonth(start)
		var t int64
		for d := start; !d.After(end) && d.Day() <= upTo; d = d.AddDate(0, 0, 1) {
			t += pick(days[dayString(d)])
		}
		return t
	}
	cur := span(first)
	return growth(cur, span(first.AddDate(0, -1, 0))), growth(cur, span(first.AddDate(-1, 0, 0)))
}

// MarketGrowth is one market's month in the overview.
type MarketGrowth struct {
	Market   string `json:"market"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Figures
	// ShareBP is the market's share of global GMV in US dollars.
	ShareBP int64 `json:"share_bp"`
	// MoM and YoY are in the market's own currency, so exchange rates do not move them.
	MoM Growth `json:"mom"`
	YoY Growth `json:"yoy"`
}

// Overview is every market's month side by side, and the world's total in US dollars.
type Overview struct {
	Month      string         `json:"month"`
	AsOf       string         `json:"as_of"`
	InProgress bool           `json:"in_progress"`
	Total      money.Money    `json:"total_usd"`
	Orders     int64          `json:"orders"`
	MoM        Growth         `json:"mom"`
	YoY        Growth         `json:"yoy"`
	Markets    []MarketGrowth `json:"markets"`
	// Months is the world's GMV in US dollars for the 13 months to Month.
	Months  []Point    `json:"months"`
	Targets []Progress `json:"targets"`
}

// Overview compares every market over a month (YYYY-MM; empty: this month, by UTC).
// Operators only.
func (s *Service) Overview(ctx context.Context, actor auth.Actor, month string) (Overview, error) {
	if err := RequireOperator(actor); err != nil {
		return Overview{}, err
	}
	today := mustCivil(s.now().UTC().Format(time.DateOnly))
	first, err := parseMonth(month, today, "month")
	if err != nil {
		return Overview{}, err
	}
	last := lastOfMonth(first)
	from := first.AddDate(-1, 0, 0)
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		return Overview{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT market, period, gmv, gmv_usd, orders, units FROM gmv_rollups
		WHERE grain = 'day' AND dim = 'market' AND period >= $1 AND period <= $2`, dayString(from), dayString(last))
	if err != nil {
		return Overview{}, fmt.Errorf("analytics: overview: %w", err)
	}
	byMarket := map[string]map[string]sums{}
	world := map[string]sums{}
	for rows.Next() {
		var mk, day string
		var v sums
		if err := rows.Scan(&mk, &day, &v.gmv, &v.usd, &v.orders, &v.units); err != nil {
			rows.Close()
			return Overview{}, err
		}
		if byMarket[mk] == nil {
			byMarket[mk] = map[string]sums{}
		}
		byMarket[mk][day] = v
		world[day] = world[day].plus(v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Overview{}, err
	}
	o := Overview{Month: monthString(first), AsOf: dayString(today), InProgress: !today.Before(first) && !today.After(last)}
	monthTotal := func(days map[string]sums) sums {
		var t sums
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			t = t.plus(days[dayString(d)])
		}
		return t
	}
	wt := monthTotal(world)
	o.Total, o.Orders = money.New(wt.usd, "USD"), wt.orders
	o.MoM, o.YoY = likeForLike(world, first, today, func(f sums) int64 { return f.usd })
	for _, m := range ms {
		days := byMarket[m.Code]
		t := monthTotal(days)
		g := MarketGrowth{Market: m.Code, Name: m.Name, Currency: m.Currency, Figures: figures(t, m.Currency), ShareBP: shareBP(t.usd, wt.usd)}
		// Each market's own today decides which of its days are complete.
		g.MoM, g.YoY = likeForLike(days, first, mustCivil(m.Day(s.now())), func(f sums) int64 { return f.gmv })
		o.Markets = append(o.Markets, g)
	}
	slices.SortStableFunc(o.Markets, func(a, b MarketGrowth) int { return cmp.Compare(b.GMVUSD.Amount, a.GMVUSD.Amount) })
	for mo := from; !mo.After(first); mo = mo.AddDate(0, 1, 0) {
		var t sums
		for d := mo; !d.After(lastOfMonth(mo)); d = d.AddDate(0, 0, 1) {
			t = t.plus(world[dayString(d)])
		}
		o.Months = append(o.Months, Point{Period: monthString(mo), Figures: Figures{GMV: money.New(t.usd, "USD"), GMVUSD: money.New(t.usd, "USD"), Orders: t.orders, Units: t.units}})
	}
	ts, err := s.targetsOverlapping(ctx, ScopeGlobal, "", 0, dayString(first), dayString(last))
	if err != nil {
		return Overview{}, err
	}
	if o.Targets, err = s.progress(ctx, ts, true); err != nil {
		return Overview{}, err
	}
	return o, nil
}

// Records are a market's (or the world's) bests: the best day and month, the
// biggest live sessions, and the creators whose lifetime GMV passed a million dollars.
type Records struct {
	Market      string        `json:"market,omitempty"`
	BestDay     *Point        `json:"best_day,omitempty"`
	BestMonth   *Point        `json:"best_month,omitempty"`
	TopSessions []SessionRank `json:"top_sessions"`
	// Millionaires are creators past 1,000,000 USD of lifetime GMV.
	Millionaires []Ranked `json:"millionaire_creators"`
}

// MillionUSD is the record line for creators and live rooms, in cents.
const MillionUSD = 1_000_000_00

// Records returns a market's records, or the world's in US dollars when marketCode is
// empty. Operators only.
func (s *Service) Records(ctx context.Context, actor auth.Actor, marketCode string) (Records, error) {
	if err := RequireOperator(actor); err != nil {
		return Records{}, err
	}
	r := Records{Market: marketCode}
	currency := "USD"
	if marketCode != "" {
		m, err := s.Markets.Market(ctx, marketCode)
		if err != nil {
			return Records{}, err
		}
		currency = m.Currency
		for _, g := range []struct {
			grain string
			into  **Point
		}{{grainDay, &r.BestDay}, {grainMonth, &r.BestMonth}} {
			var p Point
			var v sums
			err := s.db.QueryRowContext(ctx, `SELECT period, gmv, gmv_usd, orders, units FROM gmv_rollups
				WHERE grain = $1 AND dim = 'market' AND ref = $2 AND market = $3 ORDER BY gmv DESC, period LIMIT 1`, g.grain, m.Code, m.Code).
				Scan(&p.Period, &v.gmv, &v.usd, &v.orders, &v.units)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return Records{}, err
			}
			p.Figures = figures(v, currency)
			*g.into = &p
		}
	}
	var err error
	if r.TopSessions, err = s.topSessions(ctx, sessionFilter{market: marketCode}, 5); err != nil {
		return Records{}, err
	}
	// Lifetime GMV per creator is the sum of their months, in US dollars.
	where, args := `grain = 'month' AND dim = 'creator'`, []any{}
	if marketCode != "" {
		where, args = where+` AND market = $1`, append(args, marketCode)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ref, SUM(gmv_usd), SUM(orders), SUM(units) FROM gmv_rollups WHERE `+where+`
		GROUP BY ref HAVING SUM(gmv_usd) >= `+strconv.Itoa(MillionUSD)+` ORDER BY SUM(gmv_usd) DESC, ref LIMIT 50`, args...)
	if err != nil {
		return Records{}, fmt.Errorf("analytics: records: %w", err)
	}
	var ms []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.ref, &m.usd, &m.orders, &m.units); err != nil {
			rows.Close()
			return Records{}, err
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Records{}, err
	}
	for i, m := range ms {
		cid := refID(m.ref)
		r.Millionaires = append(r.Millionaires, Ranked{Rank: i + 1, ID: cid, Name: s.creatorName(ctx, cid), Market: marketCode,
			Figures: Figures{GMV: money.New(m.usd, "USD"), GMVUSD: money.New(m.usd, "USD"), Orders: m.orders, Units: m.units}})
	}
	return r, nil
}

// Minute is one minute of a live session.
type Minute struct {
	At         time.Time   `json:"at"`
	GMV        money.Money `json:"gmv"`
	Orders     int64       `json:"orders"`
	Cumulative money.Money `json:"cumulative"`
}

// SessionView is one live session's GMV, minute by minute.
type SessionView struct {
	Session SessionRank `json:"session"`
	Minutes []Minute    `json:"minutes"`
	Peak    *Minute     `json:"peak,omitempty"`
}

// ErrSessionNotFound answers for a session with no GMV record, or one the asker may
// not see.
var ErrSessionNotFound = errs.New(errs.NotFound, "live_session_not_found", "no GMV recorded for this live session")

// maxSessionMinutes bounds the curve: the longest lives run 13 hours; 24 leaves room.
const maxSessionMinutes = 24 * 60

// Session returns a live session's GMV minute by minute, from the timestamps of its
// facts (one index range: the session's own). Operators, its host creator, or the
// seller of the shop that hosted it.
func (s *Service) Session(ctx context.Context, actor auth.Actor, sessionID id.ID) (SessionView, error) {
	if err := actor.RequireLogin(); err != nil {
		return SessionView{}, err
	}
	r, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM gmv_sessions WHERE session_id = $1`, sessionID))
	if errors.Is(err, sql.ErrNoRows) {
		return SessionView{}, ErrSessionNotFound
	}
	if err != nil {
		return SessionView{}, err
	}
	if !actor.Has(auth.Operator) && !s.hosts(ctx, actor, r) {
		return SessionView{}, ErrSessionNotFound
	}
	r.Host = s.hostName(ctx, r)
	v := SessionView{Session: r}
	rows, err := s.db.QueryContext(ctx, `SELECT at, amount, kind, event_id FROM gmv_facts WHERE live_session_id = $1 ORDER BY at`, sessionID)
	if err != nil {
		return SessionView{}, fmt.Errorf("analytics: session curve: %w", err)
	}
	defer rows.Close()
	type bucket struct {
		gmv    int64
		events map[id.ID]bool
	}
	var start time.Time
	var buckets []bucket
	for rows.Next() {
		var at, amount int64
		var kind string
		var ev id.ID
		if err := rows.Scan(&at, &amount, &kind, &ev); err != nil {
			return SessionView{}, err
		}
		t := db.Time(at)
		if start.IsZero() {
			start = t.Truncate(time.Minute)
			if !r.StartedAt.IsZero() && r.StartedAt.Before(start) {
				start = r.StartedAt.Truncate(time.Minute)
			}
		}
		i := int(t.Sub(start) / time.Minute)
		if i < 0 || i >= maxSessionMinutes {
			continue // a refund days later is not part of the live's curve
		}
		for len(buckets) <= i {
			buckets = append(buckets, bucket{})
		}
		buckets[i].gmv += amount
		if kind == factPaid {
			if buckets[i].events == nil {
				buckets[i].events = map[id.ID]bool{}
			}
			buckets[i].events[ev] = true
		}
	}
	if err := rows.Err(); err != nil {
		return SessionView{}, err
	}
	cur := r.GMV.Currency
	var cum int64
	for i, b := range buckets {
		cum += b.gmv
		mn := Minute{At: start.Add(time.Duration(i) * time.Minute), GMV: money.New(b.gmv, cur), Orders: int64(len(b.events)), Cumulative: money.New(cum, cur)}
		v.Minutes = append(v.Minutes, mn)
		if v.Peak == nil || mn.GMV.Amount > v.Peak.GMV.Amount {
			p := mn
			v.Peak = &p
		}
	}
	return v, nil
}

// hosts reports whether actor hosted the session: as its creator, or as the seller
// of the shop that broadcast it.
func (s *Service) hosts(ctx context.Context, actor auth.Actor, r SessionRank) bool {
	if r.CreatorID != 0 {
		if c, err := s.Creators.ByAccount(ctx, actor.AccountID); err == nil && c.ID == r.CreatorID {
			return true
		}
	}
	if r.ShopID != 0 {
		if _, err := s.Sellers.Manage(ctx, actor, r.ShopID); err == nil {
			return true
		}
	}
	return false
}

// ShopView is a shop's own month, for its seller.
type ShopView struct {
	Shop     seller.Shop `json:"shop"`
	Month    string      `json:"month"`
	AsOf     string      `json:"as_of"`
	Total    Figures     `json:"total"`
	MoM      Growth      `json:"mom"`
	YoY      Growth      `json:"yoy"`
	Days     []Point     `json:"days"`
	Channels []Share     `json:"channels"`
	// Categories are the shop's top-level categories; CategoryDetail each category.
	Categories     []Share       `json:"categories"`
	CategoryDetail []Share       `json:"category_detail"`
	TopProducts    []Ranked      `json:"top_products"`
	Lives          []SessionRank `json:"lives"`
	OptedIn        bool          `json:"opted_in"`
	Targets        []Progress    `json:"targets"`
}

// ShopView returns a shop's month (YYYY-MM; empty: this month) for whoever manages it.
func (s *Service) ShopView(ctx context.Context, actor auth.Actor, shopID id.ID, month string) (ShopView, error) {
	sh, err := s.Sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return ShopView{}, err
	}
	m, err := s.Markets.Market(ctx, sh.Market)
	if err != nil {
		return ShopView{}, err
	}
	today := mustCivil(m.Day(s.now()))
	first, err := parseMonth(month, today, "month")
	if err != nil {
		return ShopView{}, err
	}
	last := lastOfMonth(first)
	v := ShopView{Shop: sh, Month: monthString(first), AsOf: dayString(today)}
	ref := idRef(sh.ID)
	days, err := s.series(ctx, s.db, grainDay, dimShop, ref, m.Code, dayString(first.AddDate(-1, 0, 0)), dayString(last))
	if err != nil {
		return ShopView{}, err
	}
	var total sums
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		f := days[dayString(d)]
		total = total.plus(f)
		v.Days = append(v.Days, Point{Period: dayString(d), Figures: figures(f, m.Currency)})
	}
	v.Total = figures(total, m.Currency)
	v.MoM, v.YoY = likeForLike(days, first, today, func(f sums) int64 { return f.gmv })
	if v.Channels, err = s.mix(ctx, dimShopChannel, m, v.Month, ref+"/", total.gmv); err != nil {
		return ShopView{}, err
	}
	if v.Categories, v.CategoryDetail, err = s.categoryMix(ctx, dimShopCategory, m, v.Month, ref+"/", total.gmv); err != nil {
		return ShopView{}, err
	}
	p := Period{Kind: PeriodMonth, Label: v.Month, Start: dayString(first), End: dayString(last)}
	if v.TopProducts, err = s.rank(ctx, dimProduct, m.Code, p, ref+"/", 10); err != nil {
		return ShopView{}, err
	}
	if v.Lives, err = s.topSessions(ctx, sessionFilter{market: m.Code, from: p.Start, to: p.End, shop: sh.ID}, 10); err != nil {
		return ShopView{}, err
	}
	if v.OptedIn, err = s.optedIn(ctx, sh.ID); err != nil {
		return ShopView{}, err
	}
	if v.OptedIn {
		ts, err := s.listTargets(ctx, `WHERE scope = 'shop' AND shop_id = $1 ORDER BY period_start DESC`, sh.ID)
		if err != nil {
			return ShopView{}, err
		}
		if v.Targets, err = s.progress(ctx, ts, true); err != nil {
			return ShopView{}, err
		}
	}
	return v, nil
}

// CreatorView is a creator's own sales: what they sold in a month, through which
// channels, in which categories, in which lives, and their lifetime GMV against the million-dollar mark.
type CreatorView struct {
	Creator  creator.Creator `json:"creator"`
	Month    string          `json:"month"`
	AsOf     string          `json:"as_of"`
	Total    Figures         `json:"total"`
	MoM      Growth          `json:"mom"`
	YoY      Growth          `json:"yoy"`
	Days     []Point         `json:"days"`
	Channels []Share         `json:"channels"`
	// Categories are the top-level categories of what the creator sold;
	// CategoryDetail each category as the products name it.
	Categories     []Share       `json:"categories"`
	CategoryDetail []Share       `json:"category_detail"`
	Lives          []SessionRank `json:"lives"`
	Lifetime       Figures       `json:"lifetime"`
	// MillionBP is lifetime GMV in US dollars against 1,000,000 USD, in basis points.
	MillionBP int64 `json:"million_bp"`
}

// MillionPercent renders the progress to a million dollars, capped at 100.
func (v CreatorView) MillionPercent() int64 { return min(v.MillionBP/100, 100) }

// CreatorView returns the actor's own creator sales for a month (YYYY-MM; empty:
// this month).
func (s *Service) CreatorView(ctx context.Context, actor auth.Actor, month string) (CreatorView, error) {
	if err := actor.RequireLogin(); err != nil {
		return CreatorView{}, err
	}
	c, err := s.Creators.ByAccount(ctx, actor.AccountID)
	if err != nil {
		return CreatorView{}, err
	}
	m, err := s.Markets.Market(ctx, c.Market)
	if err != nil {
		return CreatorView{}, err
	}
	today := mustCivil(m.Day(s.now()))
	first, err := parseMonth(month, today, "month")
	if err != nil {
		return CreatorView{}, err
	}
	last := lastOfMonth(first)
	v := CreatorView{Creator: c, Month: monthString(first), AsOf: dayString(today)}
	ref := idRef(c.ID)
	days, err := s.series(ctx, s.db, grainDay, dimCreator, ref, m.Code, dayString(first.AddDate(-1, 0, 0)), dayString(last))
	if err != nil {
		return CreatorView{}, err
	}
	var total sums
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		f := days[dayString(d)]
		total = total.plus(f)
		v.Days = append(v.Days, Point{Period: dayString(d), Figures: figures(f, m.Currency)})
	}
	v.Total = figures(total, m.Currency)
	v.MoM, v.YoY = likeForLike(days, first, today, func(f sums) int64 { return f.gmv })
	if v.Channels, err = s.mix(ctx, dimCreatorChannel, m, v.Month, ref+"/", total.gmv); err != nil {
		return CreatorView{}, err
	}
	if v.Categories, v.CategoryDetail, err = s.categoryMix(ctx, dimCreatorCategory, m, v.Month, ref+"/", total.gmv); err != nil {
		return CreatorView{}, err
	}
	if v.Lives, err = s.topSessions(ctx, sessionFilter{from: dayString(first), to: dayString(last), creator: c.ID}, 20); err != nil {
		return CreatorView{}, err
	}
	var life sums
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(gmv), 0), COALESCE(SUM(gmv_usd), 0), COALESCE(SUM(orders), 0), COALESCE(SUM(units), 0)
		FROM gmv_rollups WHERE grain = 'month' AND dim = 'creator' AND ref = $1 AND market = $2`, ref, m.Code).Scan(&life.gmv, &life.usd, &life.orders, &life.units)
	if err != nil {
		return CreatorView{}, err
	}
	v.Lifetime, v.MillionBP = figures(life, m.Currency), shareBP(life.usd, MillionUSD)
	return v, nil
}
