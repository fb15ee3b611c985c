package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

type analyticsOpts struct {
	facts, queries, consumer, batch int
	postgres                        string
	sqlite, check                   bool
}

var analyticsScenario = Scenario{
	Name:    "analytics",
	Summary: "N GMV facts across 16 markets, ingested through the history import and the consumer; dashboard queries (market month, leaderboard, KPI page) on SQLite and PostgreSQL",
	Flags: func(fs *flag.FlagSet) any {
		o := &analyticsOpts{}
		fs.IntVar(&o.facts, "facts", 10_000_000, "order-line facts to ingest (a year, 16 markets)")
		fs.IntVar(&o.queries, "queries", 300, "times each dashboard query runs (after a warm-up)")
		fs.IntVar(&o.consumer, "consumer-events", 5000, "order.paid events to send through the consumer, one transaction each")
		fs.IntVar(&o.batch, "batch", 100_000, "orders per import transaction")
		fs.StringVar(&o.postgres, "postgres", os.Getenv("LIVESHOP_BENCH_POSTGRES"), "PostgreSQL URL to run against too (a throwaway schema); LIVESHOP_BENCH_POSTGRES")
		fs.BoolVar(&o.sqlite, "sqlite", true, "run against a temporary SQLite database")
		fs.BoolVar(&o.check, "check", false, "afterwards, recompute every rollup from the facts and require them to match (slow at millions)")
		return o
	},
	Run: runAnalytics,
}

// engineFigures are one engine's results.
type engineFigures struct {
	engine                 string
	facts, orders, rollups int64
	ingestFactsPerS        float64
	consumerFactsPerS      float64
	consumerEventsPerS     float64
	month, board, kpi      latencies
	quarter, year          latencies // leaderboards over a quarter and a year
	checked                string
}

func runAnalytics(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*analyticsOpts)
	if o.facts < 1000 || o.queries < 1 || o.batch < 1 || o.consumer < 0 {
		return errors.New("--facts must be at least 1000, --queries and --batch at least 1")
	}
	var engines []string
	if o.sqlite {
		engines = append(engines, "")
	}
	if o.postgres != "" {
		engines = append(engines, o.postgres)
	}
	if len(engines) == 0 {
		return errors.New("nothing to run: give --postgres or leave --sqlite on")
	}
	var all []engineFigures
	for _, url := range engines {
		f, err := benchAnalyticsOn(ctx, o, url, out)
		if err != nil {
			return err
		}
		all = append(all, f)
	}
	kv := []any{"facts", o.facts, "markets", len(benchMarkets)}
	pass := true
	for _, f := range all {
		p := f.engine + "_"
		kv = append(kv, p+"ingest_facts_per_s", fmt.Sprintf("%.0f", f.ingestFactsPerS),
			p+"consumer_facts_per_s", fmt.Sprintf("%.0f", f.consumerFactsPerS),
			p+"rollup_rows", f.rollups,
			p+"month_p50_ms", ms(f.month.pct(0.50)), p+"month_p99_ms", ms(f.month.pct(0.99)),
			p+"leaderboard_p50_ms", ms(f.board.pct(0.50)), p+"leaderboard_p99_ms", ms(f.board.pct(0.99)),
			p+"leaderboard_quarter_p50_ms", ms(f.quarter.pct(0.50)), p+"leaderboard_quarter_p99_ms", ms(f.quarter.pct(0.99)),
			p+"leaderboard_year_p50_ms", ms(f.year.pct(0.50)), p+"leaderboard_year_p99_ms", ms(f.year.pct(0.99)),
			p+"kpi_p50_ms", ms(f.kpi.pct(0.50)), p+"kpi_p99_ms", ms(f.kpi.pct(0.99)))
		if f.checked != "" {
			kv = append(kv, p+"rollups_match", f.checked)
		}
		for _, l := range []latencies{f.month, f.board, f.kpi, f.quarter, f.year} {
			if l.pct(0.99) >= 100*time.Millisecond {
				pass = false
			}
		}
	}
	kv = append(kv, "p99_under_100ms", pass)
	result(out, "analytics", kv...)
	for _, f := range all {
		if f.checked == "false" {
			return fmt.Errorf("%s: the rollups do not match the facts", f.engine)
		}
	}
	return nil
}

// benchMarkets are the sixteen markets with how much of the world's GMV each has,
// roughly as the articles describe them.
var benchMarkets = []struct {
	code   string
	weight int
}{
	{"US", 22}, {"ID", 20}, {"TH", 18}, {"VN", 14}, {"MY", 6}, {"PH", 7}, {"SG", 2}, {"GB", 3},
	{"MX", 3}, {"ES", 1}, {"IE", 1}, {"DE", 1}, {"FR", 1}, {"IT", 1}, {"JP", 1}, {"BR", 1},
}

// Each market's cast: how many shops, creators and products sell there.
const (
	benchShops    = 100
	benchCreators = 200
	benchProducts = 1000
)

// benchCast is one market's sellers, creators and priced products.
type benchCast struct {
	m        market.Market
	shops    []id.ID
	creators []id.ID
	products []id.ID
	prices   []int64 // minor units, by product
	cats     map[id.ID]string
	sessions map[[2]int]id.ID
}

func benchAnalyticsOn(ctx context.Context, o *analyticsOpts, pgURL string, out io.Writer) (engineFigures, error) {
	cfg, cleanup, err := freshConfig(ctx, pgURL)
	if err != nil {
		return engineFigures{}, err
	}
	defer cleanup()
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return engineFigures{}, err
	}
	defer a.Close()
	f := engineFigures{engine: string(a.DB.Engine())}
	fmt.Fprintf(out, "bench analytics: %d facts, 16 markets, %s\n", o.facts, a.DB.String())
	opsAcct, err := a.Identity.Provision(ctx, "ops@bench.test", "Bench Ops", "", auth.Operator)
	if err != nil {
		return f, err
	}
	ops := opsAcct.Actor()
	rates, err := a.FX.Rates(ctx)
	if err != nil {
		return f, err
	}
	rng := rand.New(rand.NewPCG(10, 2026))
	var casts []*benchCast
	var weights []int
	for _, bm := range benchMarkets {
		m, err := a.Markets.Market(ctx, bm.code)
		if err != nil {
			return f, err
		}
		c := &benchCast{m: m, sessions: map[[2]int]id.ID{}, cats: map[id.ID]string{}}
		for range benchShops {
			c.shops = append(c.shops, id.New())
		}
		for range benchCreators {
			c.creators = append(c.creators, id.New())
		}
		r, err := rates.At(m.Currency, time.Now())
		if err != nil {
			return f, err
		}
		cur, _ := money.Lookup(m.Currency)
		for range benchProducts {
			c.products = append(c.products, id.New())
			c.cats[c.products[len(c.products)-1]] = benchCategories[rng.IntN(len(benchCategories))]
			cents := 300 + rng.Int64N(6000) // 3 to 63 USD
			c.prices = append(c.prices, max(cents*(r.PerUSDMicros/100)*benchPow10(cur.Exponent)/1_000_000, 1))
		}
		casts = append(casts, c)
		weights = append(weights, bm.weight)
	}
	pick := func() *benchCast {
		total := 0
		for _, w := range weights {
			total += w
		}
		x := rng.IntN(total)
		for i, w := range weights {
			if x < w {
				return casts[i]
			}
			x -= w
		}
		return casts[0]
	}

	// Phase 1: a year of history through the import, in batches of whole orders, in
	// the order they were paid, as an export from another platform comes.
	end := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	start := end.AddDate(-1, 0, 0)
	span := end.Sub(start)
	step := span / time.Duration(o.facts*2/3+1) // orders average 1.5 lines
	pr := &progress{out: out, label: "ingest", total: o.facts}
	began := time.Now()
	at := start
	for f.facts < int64(o.facts) {
		in := analytics.HistoryImport{Categories: map[id.ID]string{}}
		for len(in.Orders) < o.batch && f.facts < int64(o.facts) {
			c := pick()
			if at = at.Add(step/2 + time.Duration(rng.Int64N(int64(step)))); at.After(end) {
				at = end
			}
			ord := benchOrder(rng, c, at, start)
			for _, l := range ord.Lines {
				in.Categories[l.ProductID] = c.cats[l.ProductID]
			}
			f.facts += int64(len(ord.Lines))
			in.Orders = append(in.Orders, ord)
		}
		if _, err := a.Analytics.ImportHistory(ctx, ops, in); err != nil {
			return f, fmt.Errorf("import: %w", err)
		}
		f.orders += int64(len(in.Orders))
		pr.at(int(f.facts))
	}
	took := time.Since(began)
	f.ingestFactsPerS = float64(f.facts) / took.Seconds()
	fmt.Fprintf(out, "  imported %d facts (%d orders) in %s: %.0f facts/s\n", f.facts, f.orders, took.Round(time.Millisecond), f.ingestFactsPerS)

	// Phase 2: the live path: order.paid events through the consumer, one
	// transaction each, on a bus of its own so only analytics consumes them.
	if o.consumer > 0 {
		svc := analytics.NewService(a.DB, analytics.Deps{Markets: a.Markets, FX: a.FX, Sellers: a.Sellers, Catalog: a.Catalog, Creators: a.Creators}, log)
		b := bus.NewInProc()
		if err := svc.Subscribe(b); err != nil {
			return f, err
		}
		var lines int64
		began = time.Now()
		for i := range o.consumer {
			c := pick()
			ev := benchOrder(rng, c, end.Add(-time.Duration(rng.IntN(3600))*time.Second), start)
			payload, err := json.Marshal(ev)
			if err != nil {
				return f, err
			}
			if err := b.Publish(ctx, bus.Event{ID: id.New(), Topic: events.TopicOrderPaid, Aggregate: outbox.Aggregate("order", ev.OrderID), Payload: payload}); err != nil {
				return f, fmt.Errorf("consumer event %d: %w", i, err)
			}
			lines += int64(len(ev.Lines))
		}
		took = time.Since(began)
		f.facts += lines
		f.consumerFactsPerS = float64(lines) / took.Seconds()
		f.consumerEventsPerS = float64(o.consumer) / took.Seconds()
		fmt.Fprintf(out, "  consumer: %d events (%d facts) in %s: %.0f events/s, %.0f facts/s\n", o.consumer, lines, took.Round(time.Millisecond),
			f.consumerEventsPerS, f.consumerFactsPerS)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM gmv_rollups`).Scan(&f.rollups); err != nil {
		return f, err
	}
	fmt.Fprintf(out, "  %d rollup rows\n", f.rollups)

	// Targets for the KPI page: every market's year and the world's.
	year := end.Format("2006")
	for _, c := range casts {
		if _, err := a.Analytics.SetTarget(ctx, ops, analytics.TargetInput{Scope: analytics.ScopeMarket, Market: c.m.Code, Period: year,
			Target: money.New(1_000_000_000, c.m.Currency)}); err != nil {
			return f, err
		}
	}
	if _, err := a.Analytics.SetTarget(ctx, ops, analytics.TargetInput{Scope: analytics.ScopeGlobal, Period: year, Target: money.New(50_000_000_000_00, "USD")}); err != nil {
		return f, err
	}

	// Phase 3: the dashboards' queries, each many times, in random markets and months;
	// leaderboards also over the quarter and the year of that month (every kind, in a
	// market or, one time in four, the world's in USD).
	months := []string{}
	for m := start.AddDate(0, 1, 0); !m.After(end); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format("2006-01"))
	}
	kinds := []string{analytics.BoardShops, analytics.BoardCreators, analytics.BoardProducts, analytics.BoardSessions}
	warm := min(10, o.queries)
	for i := range o.queries + warm {
		c := casts[rng.IntN(len(casts))]
		mo := months[rng.IntN(len(months))]
		kind := kinds[i%len(kinds)]
		t0 := time.Now()
		if _, err := a.Analytics.MarketMonth(ctx, ops, c.m.Code, mo); err != nil {
			return f, fmt.Errorf("market month: %w", err)
		}
		t1 := time.Now()
		if _, err := a.Analytics.Leaderboard(ctx, ops, analytics.LeaderboardQuery{Kind: kind, Market: c.m.Code, Period: mo}); err != nil {
			return f, fmt.Errorf("leaderboard: %w", err)
		}
		t2 := time.Now()
		if _, err := a.Analytics.Targets(ctx, ops); err != nil {
			return f, fmt.Errorf("kpi: %w", err)
		}
		t3 := time.Now()
		mk := c.m.Code
		if i%4 == 3 {
			mk = "" // the world's, ranked in USD
		}
		if _, err := a.Analytics.Leaderboard(ctx, ops, analytics.LeaderboardQuery{Kind: kind, Market: mk, Period: quarterOf(mo)}); err != nil {
			return f, fmt.Errorf("quarter leaderboard: %w", err)
		}
		t4 := time.Now()
		if _, err := a.Analytics.Leaderboard(ctx, ops, analytics.LeaderboardQuery{Kind: kind, Market: mk, Period: mo[:4]}); err != nil {
			return f, fmt.Errorf("year leaderboard: %w", err)
		}
		t5 := time.Now()
		if i >= warm {
			f.month, f.board, f.kpi = append(f.month, t1.Sub(t0)), append(f.board, t2.Sub(t1)), append(f.kpi, t3.Sub(t2))
			f.quarter, f.year = append(f.quarter, t4.Sub(t3)), append(f.year, t5.Sub(t4))
		}
	}
	fmt.Fprintf(out, "  queries ×%d: market month p50 %s p99 %s ms · leaderboard p50 %s p99 %s ms · KPI page p50 %s p99 %s ms\n", o.queries,
		ms(f.month.pct(0.5)), ms(f.month.pct(0.99)), ms(f.board.pct(0.5)), ms(f.board.pct(0.99)), ms(f.kpi.pct(0.5)), ms(f.kpi.pct(0.99)))
	fmt.Fprintf(out, "  leaderboards over a quarter p50 %s p99 %s ms · over a year p50 %s p99 %s ms\n",
		ms(f.quarter.pct(0.5)), ms(f.quarter.pct(0.99)), ms(f.year.pct(0.5)), ms(f.year.pct(0.99)))

	if o.check {
		res, err := a.Analytics.Check(ctx)
		if err != nil {
			return f, err
		}
		f.checked = fmt.Sprint(res.Differences == 0)
		fmt.Fprintf(out, "  check: %d facts, %d rollup rows, %d differences (%s)\n", res.Facts, res.Rows, res.Differences, res.Took.Round(time.Millisecond))
		if res.Differences > 0 {
			fmt.Fprintln(out, "  "+strings.Join(res.Examples, "\n  "))
		}
	}
	return f, nil
}

// quarterOf names the quarter a month (YYYY-MM) is in: "2026-Q3".
func quarterOf(month string) string {
	m, _ := strconv.Atoi(month[5:7])
	return fmt.Sprintf("%s-Q%d", month[:4], (m+2)/3)
}

// benchOrder makes a paid order in c at time at: 1-3 lines from one shop, from every
// channel, lives grouped into sessions of a creator and a few days.
func benchOrder(rng *rand.Rand, c *benchCast, at, start time.Time) events.OrderPaid {
	o := events.Order{OrderID: id.New(), CheckoutID: id.New(), BuyerID: id.New(), ShopID: c.shops[rng.IntN(len(c.shops))], Market: c.m.Code,
		Currency: c.m.Currency, Status: "COMPLETED", PaidAt: at}
	n := 1
	if x := rng.IntN(10); x >= 6 {
		n = 2 + x/9
	}
	for range n {
		p := rng.IntN(len(c.products))
		qty := 1 + rng.Int64N(3)
		l := events.OrderLine{LineID: id.New(), ProductID: c.products[p], SKUID: c.products[p], Title: "Bench product", Quantity: qty,
			UnitPrice: c.prices[p], Total: c.prices[p] * qty}
		cr := rng.IntN(len(c.creators))
		switch x := rng.IntN(100); {
		case x < 35:
			key := [2]int{cr, int(at.Sub(start).Hours() / 72)} // a creator's live every three days
			sid, ok := c.sessions[key]
			if !ok {
				sid = id.New()
				c.sessions[key] = sid
			}
			l.Source, l.CreatorID, l.LiveSessionID = "LIVE", c.creators[cr], sid
		case x < 60:
			l.Source, l.CreatorID = "VIDEO", c.creators[cr]
		case x < 75:
			l.Source, l.CreatorID = "SHOWCASE", c.creators[cr]
		case x < 80:
			l.Source, l.CreatorID = "AFFILIATE_LINK", c.creators[cr]
		case x < 86:
			l.Source = "SEARCH"
		case x < 91:
			l.Source = "MALL"
		case x < 94:
			l.Source = "STORE_PAGE"
		default:
			l.Source = "PRODUCT_CARD"
		}
		o.Lines = append(o.Lines, l)
		o.Subtotal += l.Total
	}
	o.Total = o.Subtotal
	return events.OrderPaid{Order: o, At: at}
}

// benchCategories are leaves and inner nodes of the starter category tree.
var benchCategories = []string{"lips", "face", "skincare", "haircare", "womenswear", "menswear", "accessories", "kitchen", "decor",
	"phones", "audio", "snacks", "sports", "toys", ""}

func benchPow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
