package web

// The Ops console's GMV analytics: every market side by side, one market's month,
// leaderboards for any month, quarter or year, a live session minute by minute, and
// the check and rebuild of the rollups.

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// monthNav is the month a page shows and its neighbours, for links.
type monthNav struct {
	Month, Prev, Next string
}

func navOf(month string) monthNav {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return monthNav{Month: month}
	}
	return monthNav{Month: month, Prev: t.AddDate(0, -1, 0).Format("2006-01"), Next: t.AddDate(0, 1, 0).Format("2006-01")}
}

// targetCard is a target with its burn-up chart, for the pages that show targets.
type targetCard struct {
	analytics.Progress
	Chart template.HTML
}

func targetCards(ps []analytics.Progress, prefix string) []targetCard {
	out := make([]targetCard, 0, len(ps))
	for _, p := range ps {
		out = append(out, targetCard{Progress: p, Chart: burnUp(prefix+p.ID.String(), p)})
	}
	return out
}

func (s *Server) opsAnalytics(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	v, err := s.Analytics.Overview(ctx, actor, r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.Analytics.Records(ctx, actor, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	markets := &dataTable{ID: "markets", Title: "Markets in " + v.Month, Empty: "No markets.",
		Head: []string{"Market", "Currency", "GMV", "GMV (USD)", "Share", "Orders", "MoM", "YoY"}}
	var bars []hbar
	for _, m := range v.Markets {
		markets.Rows = append(markets.Rows, []tableCell{cellLink(m.Market+" · "+m.Name, "/ops/analytics/markets/"+m.Market+"?month="+v.Month), cellText(m.Currency),
			cellAmount(m.GMV), cellAmount(m.GMVUSD), cellShare(m.ShareBP), cellCount(m.Orders), cellGrowth(m.MoM), cellGrowth(m.YoY)})
		if m.GMVUSD.Amount > 0 {
			bars = append(bars, hbar{Label: m.Market + " · " + m.Name, Amount: m.GMVUSD.Amount, Value: m.GMVUSD.Format(), Note: "YoY " + m.YoY.Label()})
		}
	}
	months := &dataTable{ID: "months", Title: "World GMV by month", Head: []string{"Month", "GMV (USD)", "Orders"}}
	var monthBars []chartBar
	for _, p := range v.Months {
		months.Rows = append(months.Rows, []tableCell{cellText(p.Period), cellAmount(p.GMVUSD), cellCount(p.Orders)})
		monthBars = append(monthBars, chartBar{Label: p.Period, Value: p.GMVUSD.Amount, Tip: fmt.Sprintf("%s: %s, %d orders", p.Period, p.GMVUSD.Format(), p.Orders)})
	}
	sessions := sessionTable("records-sessions", "Biggest live sessions, all time (USD)", rec.TopSessions, true)
	millionaires := &dataTable{ID: "millionaires", Title: "Creators past 1,000,000 USD of GMV", Empty: "No creator has passed a million dollars yet.",
		Head: []string{"#", "Creator", "GMV (USD)", "Orders"}}
	for _, c := range rec.Millionaires {
		millionaires.Rows = append(millionaires.Rows, []tableCell{cellCount(int64(c.Rank)), cellText(c.Name), cellAmount(c.GMVUSD), cellCount(c.Orders)})
	}
	targets := targetTable("targets", "Global targets", v.Targets)
	tables := []*dataTable{markets, months, sessions, millionaires, targets}
	if s.exported(w, r, "gmv-world-"+v.Month, tables) {
		return
	}
	s.render(w, r, "analytics_overview", "GMV analytics", "ops", struct {
		V                                       analytics.Overview
		Nav                                     monthNav
		MonthsChart, MarketsChart               template.HTML
		Markets, Months, Sessions, Millionaires dataTable
		Targets                                 []targetCard
		TargetTable                             dataTable
	}{v, navOf(v.Month),
		vbarChart("chart-months", "World GMV by month in US dollars", "USD", monthBars),
		hbarChart("chart-markets", "Markets compared in US dollars, "+v.Month, bars),
		*markets, *months, *sessions, *millionaires, targetCards(v.Targets, "burnup-"), *targets})
}

// sessionTable lists live sessions by GMV, linking each to its minute-by-minute page.
func sessionTable(id, title string, ss []analytics.SessionRank, usd bool) *dataTable {
	t := &dataTable{ID: id, Title: title, Empty: "No live sessions with sales.",
		Head: []string{"#", "Live", "Host", "Market", "Day", "GMV", "Orders"}}
	if usd {
		t.Head[5] = "GMV (USD)"
	}
	for _, x := range ss {
		g := x.GMV
		if usd {
			g = x.GMVUSD
		}
		t.Rows = append(t.Rows, []tableCell{cellCount(int64(x.Rank)), cellLink(x.Title, "/analytics/sessions/"+x.ID.String()), cellText(x.Host), cellText(x.Market),
			cellText(x.Day), cellAmount(g), cellCount(x.Orders)})
	}
	return t
}

// rankTable lists a leaderboard.
func rankTable(id, title string, rs []analytics.Ranked, withMarket bool) *dataTable {
	t := &dataTable{ID: id, Title: title, Empty: "Nothing sold in this period.", Head: []string{"#", "Name", "GMV", "GMV (USD)", "Orders", "Units"}}
	if withMarket {
		t.Head = []string{"#", "Name", "Market", "GMV", "GMV (USD)", "Orders", "Units"}
	}
	for _, x := range rs {
		row := []tableCell{cellCount(int64(x.Rank)), cellText(x.Name)}
		if withMarket {
			row = append(row, cellText(x.Market))
		}
		t.Rows = append(t.Rows, append(row, cellAmount(x.GMV), cellAmount(x.GMVUSD), cellCount(x.Orders), cellCount(x.Units)))
	}
	return t
}

// targetTable lists targets with their progress and projections.
func targetTable(id, title string, ps []analytics.Progress) *dataTable {
	t := &dataTable{ID: id, Title: title, Empty: "No targets for this period.",
		Head: []string{"Target", "Scope", "Period", "Target amount", "Actual", "Progress", "Required daily", "Linear projection", "Seasonal projection", "Gap (seasonal)", "Status"}}
	for _, p := range ps {
		t.Rows = append(t.Rows, []tableCell{cellLink(p.Name, targetHref(p)), cellText(p.ScopeLabel()), cellText(p.Period.Label), cellAmount(p.Amount), cellAmount(p.Actual),
			cellShare(p.ProgressBP), cellAmount(p.RequiredDaily), cellAmount(p.Linear.Amount), cellAmount(p.Seasonal.Amount), cellAmount(p.Seasonal.Gap),
			cellText(p.StatusLabel())})
	}
	return t
}

func targetHref(p analytics.Progress) string {
	if p.Scope == analytics.ScopeShop {
		return fmt.Sprintf("/seller/shops/%s/analytics#target-%s", p.ShopID, p.ID)
	}
	return "/ops/kpi/targets/" + p.ID.String()
}

// basisLabel says how a seasonal projection was made.
func basisLabel(p analytics.Projection) string {
	switch p.Basis {
	case analytics.BasisYoY:
		g := analytics.Growth{BP: p.GrowthBP}
		return "same days last year, " + g.Label() + " growth"
	case analytics.BasisWeekday:
		return "weekday pattern of the last 8 weeks"
	case analytics.BasisFinal:
		return "period over"
	}
	return "linear: not enough history for a pattern"
}

func (s *Server) opsAnalyticsMarket(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	v, err := s.Analytics.MarketMonth(ctx, actor, r.PathValue("code"), r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.Analytics.Records(ctx, actor, v.Market.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur := v.Market.Currency
	days := &dataTable{ID: "days", Title: "Day by day", Head: []string{"Day", "GMV", "GMV (USD)", "Orders", "Units"}}
	for _, d := range v.Days {
		days.Rows = append(days.Rows, []tableCell{cellText(d.Period), cellAmount(d.GMV), cellAmount(d.GMVUSD), cellCount(d.Orders), cellCount(d.Units)})
	}
	mix := func(id, title string, shares []analytics.Share) *dataTable {
		t := &dataTable{ID: id, Title: title, Empty: "No sales this month.", Head: []string{"Name", "Share", "GMV", "GMV (USD)", "Orders", "Units"}}
		for _, x := range shares {
			t.Rows = append(t.Rows, []tableCell{cellText(x.Label), cellShare(x.ShareBP), cellAmount(x.GMV), cellAmount(x.GMVUSD), cellCount(x.Orders), cellCount(x.Units)})
		}
		return t
	}
	channels := mix("channels", "Channel mix", v.Channels)
	categories := mix("categories", "Categories", v.Categories)
	categoryDetail := mix("category-detail", "Categories in detail", v.CategoryDetail)
	shops := rankTable("top-shops", "Top shops", v.TopShops, false)
	creators := rankTable("top-creators", "Top creators", v.TopCreators, false)
	products := rankTable("top-products", "Top products", v.TopProducts, false)
	sessions := sessionTable("top-sessions", "Top live sessions (single-session GMV)", v.TopSessions, false)
	targets := targetTable("targets", "Targets", v.Targets)
	records := &dataTable{ID: "records", Title: "Records in " + v.Market.Name, Head: []string{"Record", "When", "GMV"}, Empty: "No sales yet."}
	if rec.BestDay != nil {
		records.Rows = append(records.Rows, []tableCell{cellText("Best day"), cellText(rec.BestDay.Period), cellAmount(rec.BestDay.GMV)})
	}
	if rec.BestMonth != nil {
		records.Rows = append(records.Rows, []tableCell{cellText("Best month"), cellText(rec.BestMonth.Period), cellAmount(rec.BestMonth.GMV)})
	}
	if len(rec.TopSessions) > 0 {
		x := rec.TopSessions[0]
		records.Rows = append(records.Rows, []tableCell{cellLink("Biggest live: "+x.Title, "/analytics/sessions/"+x.ID.String()), cellText(x.Day), cellAmount(x.GMV)})
	}
	tables := []*dataTable{days, channels, categories, categoryDetail, shops, creators, products, sessions, targets, records}
	if s.exported(w, r, "gmv-"+v.Market.Code+"-"+v.Month, tables) {
		return
	}
	ms, _ := s.Markets.Markets(ctx)
	s.render(w, r, "analytics_market", v.Market.Name+" GMV "+v.Month, "ops", struct {
		V                                                     analytics.MarketMonth
		Nav                                                   monthNav
		DailyChart, HourChart, ChannelChart, CategoryChart    template.HTML
		Days, Channels, Categories, Shops, Creators, Products dataTable
		Sessions, TargetTable, Records, CategoryDetail        dataTable
		Targets                                               []targetCard
		MarketCodes                                           []string
	}{v, navOf(v.Month),
		dailyChart("chart-daily", "Daily GMV in "+v.Market.Name+", "+v.Month, v.Days, cur, v.Targets),
		hourChart("chart-hours", "GMV by hour of the day ("+v.Market.TimeZone+")", v.HourOfDay, cur),
		donut("chart-channels", "Channel mix, "+v.Month, v.Channels, channelColourFor),
		donut("chart-categories", "Category mix, "+v.Month, v.Categories, paletteColour),
		*days, *channels, *categories, *shops, *creators, *products, *sessions, *targets, *records, *categoryDetail,
		targetCards(v.Targets, "burnup-"), codesOf(ms)})
}

func (s *Server) opsLeaderboard(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = analytics.BoardShops
	}
	period := q.Get("period")
	if period == "" {
		period = time.Now().UTC().Format("2006-01")
	}
	lb, err := s.Analytics.Leaderboard(ctx, auth.From(ctx), analytics.LeaderboardQuery{Kind: kind, Market: q.Get("market"), Period: period, Limit: 50})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	where := "every market, in US dollars"
	if lb.Market != "" {
		where = lb.Market
	}
	title := fmt.Sprintf("Top %s, %s, %s", kind, lb.Period.Label, where)
	var t *dataTable
	if kind == analytics.BoardSessions {
		t = sessionTable("leaderboard", title, lb.Sessions, lb.Market == "")
	} else {
		t = rankTable("leaderboard", title, lb.Rows, lb.Market == "")
	}
	if s.exported(w, r, "leaderboard-"+kind+"-"+lb.Period.Label, []*dataTable{t}) {
		return
	}
	ms, _ := s.Markets.Markets(ctx)
	s.render(w, r, "analytics_leaderboard", "Leaderboards", "ops", struct {
		Kind, Market, Period string
		Kinds, Markets       []string
		Table                dataTable
	}{kind, lb.Market, lb.Period.Label, []string{analytics.BoardShops, analytics.BoardCreators, analytics.BoardProducts, analytics.BoardSessions}, codesOf(ms), *t})
}

// sessionAnalytics shows a live session minute by minute, to operators, its host
// creator and the seller of the shop that broadcast it.
func (s *Server) sessionAnalytics(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Analytics.Session(r.Context(), auth.From(r.Context()), sid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	minutes := &dataTable{ID: "minutes", Title: "Minute by minute", Empty: "No sales in this live.", Head: []string{"Minute (UTC)", "GMV", "Orders", "Running total"}}
	for _, m := range v.Minutes {
		minutes.Rows = append(minutes.Rows, []tableCell{cellText(m.At.UTC().Format("2006-01-02 15:04")), cellAmount(m.GMV), cellCount(m.Orders), cellAmount(m.Cumulative)})
	}
	if s.exported(w, r, "live-"+sid.String(), []*dataTable{minutes}) {
		return
	}
	nav := "creator"
	if auth.From(r.Context()).Has(auth.Operator) {
		nav = "ops"
	}
	s.render(w, r, "analytics_session", v.Session.Title, nav, struct {
		V       analytics.SessionView
		Chart   template.HTML
		Minutes dataTable
	}{v, minuteChart("chart-minutes", v), *minutes})
}

func (s *Server) opsRebuild(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	var res analytics.RebuildResult
	var err error
	checkOnly := r.PostFormValue("mode") != "rebuild"
	if checkOnly {
		res, err = s.Analytics.Check(r.Context())
	} else {
		res, err = s.Analytics.Rebuild(r.Context())
	}
	if err != nil {
		s.back(w, r, "/ops/kpi", err)
		return
	}
	msg := fmt.Sprintf("Checked %s facts against %s rollup rows and %s live sessions: ", groupDigits(res.Facts), groupDigits(res.Rows), groupDigits(res.Sessions))
	switch {
	case res.Differences == 0:
		msg += "everything matches."
	case checkOnly:
		msg += fmt.Sprintf("%d rows differ. Rebuild to recompute them from the facts.", res.Differences)
	default:
		msg += fmt.Sprintf("%d rows differed and were rebuilt from the facts.", res.Differences)
	}
	if res.Rebuilt {
		msg = "Rebuilt. " + msg
	}
	done(w, r, "/ops/kpi", msg+" ("+res.Took.Round(time.Millisecond).String()+")")
}

func codesOf(ms []market.Market) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Code)
	}
	return out
}
