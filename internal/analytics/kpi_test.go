package analytics_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// importGrowing imports a day-by-day history of Glow Lab's (so the US's) GMV:
// 1,000 a day through 2024 with 5,000 on 1 July 2024, then 1,500 a day in 2025 up
// to 10 June and 500 on the morning of 11 June; and 790 pence (1,000 US cents) a day
// in the UK from 1 to 10 June 2025.
func importGrowing(t *testing.T, f fixture, w world) {
	t.Helper()
	var orders []events.OrderPaid
	for d := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC); !d.After(time.Date(2025, 6, 11, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		at, total := noon(day, laZone), int64(1000)
		switch {
		case day == "2024-07-01":
			total = 5000
		case day == "2025-06-11":
			at, total = at.Add(-3*time.Hour), 500
		case d.Year() == 2025:
			total = 1500
		}
		orders = append(orders, paidOrder(w.shop, "USD", at, line(w.tint, "PRODUCT_CARD", 0, 0, 1, total)))
	}
	gb, err := f.Sellers.Register(context.Background(), f.Actor(t, "harriet", auth.Seller), seller.RegisterInput{Market: "GB", Name: "Tea & Tonic"})
	if err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= 10; d++ {
		day := time.Date(2025, 6, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		orders = append(orders, paidOrder(gb, "GBP", noon(day, "Europe/London"), events.OrderLine{LineID: id.New(), ProductID: id.New(), SKUID: id.New(),
			Title: "Earl Grey", Quantity: 1, UnitPrice: 790, Total: 790, Source: "PRODUCT_CARD"}))
	}
	f.importHistory(t, w.operator, analytics.HistoryImport{Orders: orders})
}

func targetCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM kpi_targets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A market target's progress and both projections come from the daily rollup, with
// the numbers the projection rules give by hand (see TestProjections): 10 days of
// 1,500 and 500 this morning; +50% on last year; the same days last year sold 24,000.
func TestTargetProgressAndProjections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		importGrowing(t, f, w)
		f.gmv.SetClock(func() time.Time { return noon("2025-06-11", laZone) }) // 19:00 UTC
		us, err := f.gmv.SetTarget(ctx, w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-06", Target: usd(45_000)})
		if err != nil {
			t.Fatal(err)
		}
		if us.Name != "US GMV 2025-06" || us.Period.Start != "2025-06-01" || us.Period.End != "2025-06-30" || us.Period.Kind != "month" {
			t.Fatalf("target %+v", us)
		}
		global, err := f.gmv.SetTarget(ctx, w.operator, analytics.TargetInput{Scope: "global", Name: "World June", Period: "2025-06", Target: usd(100_000)})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := f.gmv.Targets(ctx, w.operator)
		if err != nil || len(ps) != 2 {
			t.Fatalf("targets %d %v", len(ps), err)
		}
		byID := map[id.ID]analytics.Progress{}
		for _, p := range ps {
			byID[p.ID] = p
		}
		p := byID[us.ID]
		if p.Actual != usd(15_500) || p.ProgressBP != 3444 || p.CompleteDays != 10 || p.RemainingDays != 20 || p.AsOf != "2025-06-11" ||
			p.Remaining != usd(29_500) || p.RequiredDaily != usd(1475) || p.Linear.Amount != usd(45_000) || p.Linear.Gap != usd(0) ||
			p.Seasonal.Amount != usd(51_000) || p.Seasonal.Gap != usd(-6_000) || p.Seasonal.Basis != "yoy" || *p.Seasonal.GrowthBP != 5000 ||
			p.Status != "on_track" {
			t.Fatalf("US June: %+v", p)
		}
		// Globally, in US dollars: the UK's 10 days add 10,000; the last 28 days sold
		// 52,000 against 28,000 a year before, so the remaining days forecast
		// 24,000 × 52,000 / 28,000 = 44,571.43.
		g := byID[global.ID]
		if g.Actual != usd(25_500) || g.Linear.Amount != usd(75_000) || g.Seasonal.Amount != usd(69_571) || g.RequiredDaily != usd(3725) || g.Status != "behind" {
			t.Fatalf("global June: %+v", g)
		}
		detail, err := f.gmv.Target(ctx, w.operator, us.ID)
		if err != nil || len(detail.Days) != 30 || detail.Days[9].Cumulative != 15_000 || detail.Days[10].Cumulative != 15_500 || !detail.Days[11].Future {
			t.Fatalf("burn-up days: %+v %v", detail.Days, err)
		}
		// The market month view carries the market's targets.
		mv, err := f.gmv.MarketMonth(ctx, w.operator, "US", "2025-06")
		if err != nil || len(mv.Targets) != 1 || mv.Targets[0].ID != us.ID {
			t.Fatalf("month view targets %+v %v", mv.Targets, err)
		}
		if err := f.gmv.DeleteTarget(ctx, w.owner, us.ID); !errors.Is(err, errs.ErrForbidden) {
			t.Fatalf("a seller deleting a market target: %v", err)
		}
		if err := f.gmv.DeleteTarget(ctx, w.operator, us.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.gmv.Target(ctx, w.operator, us.ID); !errors.Is(err, analytics.ErrTargetNotFound) {
			t.Fatalf("deleted target: %v", err)
		}
	})
}

func TestTargetsRefuseBadInputAndChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		for _, in := range []analytics.TargetInput{
			{Scope: "market", Market: "US", Period: "2025-06", Target: usd(45_000)},
			{Scope: "market", Market: "US", Period: "2025-06-20..2025-07-10", Target: usd(20_000)},
			{Scope: "market", Market: "US", Period: "2025", Target: usd(500_000)}, // a year and a month of it may both have targets
			{Scope: "market", Market: "VN", Period: "2025-Q3", Target: money.New(1_000_000_000, "VND")},
		} {
			if _, err := f.gmv.SetTarget(ctx, w.operator, in); err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
		}
		if err := f.gmv.OptIn(ctx, w.owner, w.shop.ID, true); err != nil {
			t.Fatal(err)
		}
		before := targetCount(t, d)
		for _, tt := range []struct {
			name  string
			actor auth.Actor
			in    analytics.TargetInput
			code  string
			field string
		}{
			{"market target in another currency", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-08", Target: money.New(100, "EUR")}, "target_wrong_currency", "target.currency"},
			{"global target not in USD", w.operator, analytics.TargetInput{Scope: "global", Period: "2025", Target: money.New(100, "GBP")}, "target_wrong_currency", "target.currency"},
			{"VN target in USD", w.operator, analytics.TargetInput{Scope: "market", Market: "VN", Period: "2025-08", Target: usd(100)}, "target_wrong_currency", "target.currency"},
			{"the same month twice", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-06", Target: usd(1)}, "target_overlaps", "period"},
			{"overlapping days", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-07-01..2025-07-31", Target: usd(1)}, "target_overlaps", "period"},
			{"overlapping quarters", w.operator, analytics.TargetInput{Scope: "market", Market: "VN", Period: "2025-Q3", Target: money.New(5, "VND")}, "target_overlaps", "period"},
			{"a month that does not exist", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-13", Target: usd(1)}, "invalid_field", "period"},
			{"ends before it starts", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-09-10..2025-09-01", Target: usd(1)}, "invalid_field", "period"},
			{"longer than a year", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2024-01-01..2025-06-01", Target: usd(1)}, "invalid_field", "period"},
			{"no period", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Target: usd(1)}, "invalid_field", "period"},
			{"zero", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-09", Target: usd(0)}, "invalid_field", "target.amount"},
			{"negative", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-09", Target: usd(-5)}, "invalid_field", "target.amount"},
			{"unknown market", w.operator, analytics.TargetInput{Scope: "market", Market: "XX", Period: "2025-09", Target: usd(1)}, "market_not_found", "market"},
			{"unknown scope", w.operator, analytics.TargetInput{Scope: "planet", Period: "2025-09", Target: usd(1)}, "invalid_field", "scope"},
			{"a global target with a market", w.operator, analytics.TargetInput{Scope: "global", Market: "US", Period: "2025-09", Target: usd(1)}, "invalid_field", "market"},
			{"a long name", w.operator, analytics.TargetInput{Scope: "market", Market: "US", Name: strings.Repeat("n", 101), Period: "2025-09", Target: usd(1)}, "invalid_field", "name"},
			{"a seller on a market", w.owner, analytics.TargetInput{Scope: "market", Market: "US", Period: "2025-09", Target: usd(1)}, "forbidden", ""},
			{"anonymous", auth.Actor{}, analytics.TargetInput{Scope: "global", Period: "2025-09", Target: usd(1)}, "unauthenticated", ""},
			{"a shop that did not opt in", w.rival, analytics.TargetInput{Scope: "shop", ShopID: w.rivalShop.ID, Period: "2025-09", Target: usd(1)}, "shop_not_opted_in", "shop_id"},
			{"someone else's shop", w.rival, analytics.TargetInput{Scope: "shop", ShopID: w.shop.ID, Period: "2025-09", Target: usd(1)}, "not_your_shop", "shop_id"},
			{"a shop target in the wrong currency", w.owner, analytics.TargetInput{Scope: "shop", ShopID: w.shop.ID, Period: "2025-09", Target: money.New(1, "VND")}, "target_wrong_currency", "target.currency"},
			{"no such shop", w.owner, analytics.TargetInput{Scope: "shop", ShopID: 42, Period: "2025-09", Target: usd(1)}, "shop_not_found", "shop_id"},
		} {
			_, err := f.gmv.SetTarget(ctx, tt.actor, tt.in)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
			}
		}
		if n := targetCount(t, d); n != before {
			t.Fatalf("refusals stored targets: %d, want %d", n, before)
		}
	})
}

// Two operators adding overlapping targets at the same moment: exactly one wins.
func TestOverlappingTargetsRaceOneWins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		op := f.Operator(t)
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				_, err := f.gmv.SetTarget(context.Background(), op, analytics.TargetInput{Scope: "market", Market: "ID",
					Period: "2025-11-0" + string(rune('1'+i)) + "..2025-11-20", Target: money.New(int64(1000+i), "IDR")})
				results <- err
			})
		}
		wg.Wait()
		close(results)
		won := 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, analytics.ErrTargetOverlap):
				t.Fatalf("unexpected refusal: %v", err)
			}
		}
		if won != 1 || targetCount(t, d) != 1 {
			t.Fatalf("%d won, %d stored", won, targetCount(t, d))
		}
	})
}

// A seller opts a shop in and sets its own target; it shows on the shop's dashboard
// and is nobody else's business.
func TestShopTargetsForShopsThatOptIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		importGrowing(t, f, w)
		f.gmv.SetClock(func() time.Time { return noon("2025-06-11", laZone) })
		in := analytics.TargetInput{Scope: "shop", ShopID: w.shop.ID, Period: "2025-06", Target: usd(40_000)}
		if _, err := f.gmv.SetTarget(ctx, w.owner, in); !errors.Is(err, analytics.ErrNotOptedIn) {
			t.Fatalf("before opting in: %v", err)
		}
		if err := f.gmv.OptIn(ctx, w.rival, w.shop.ID, true); err == nil {
			t.Fatal("a rival opted Glow Lab in")
		}
		if err := f.gmv.OptIn(ctx, w.owner, w.shop.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.gmv.OptIn(ctx, w.owner, w.shop.ID, true); err != nil { // twice is fine
			t.Fatal(err)
		}
		tg, err := f.gmv.SetTarget(ctx, w.owner, in)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.gmv.ShopView(ctx, w.owner, w.shop.ID, "2025-06")
		if err != nil || !v.OptedIn || len(v.Targets) != 1 || v.Targets[0].Actual != usd(15_500) || v.Targets[0].Status != "on_track" {
			t.Fatalf("shop view: %+v %v", v.Targets, err)
		}
		if _, err := f.gmv.Target(ctx, w.rival, tg.ID); !errors.Is(err, analytics.ErrTargetNotFound) {
			t.Fatalf("a rival reading the target: %v", err)
		}
		if err := f.gmv.DeleteTarget(ctx, w.rival, tg.ID); !errors.Is(err, analytics.ErrTargetNotFound) {
			t.Fatalf("a rival deleting the target: %v", err)
		}
		ps, _ := f.gmv.Targets(ctx, w.operator)
		if len(ps) != 0 {
			t.Fatalf("shop targets belong on the shop's page, not the operators' list: %d", len(ps))
		}
		// Opting out hides the targets; opting in again shows them.
		if err := f.gmv.OptIn(ctx, w.owner, w.shop.ID, false); err != nil {
			t.Fatal(err)
		}
		if v, _ := f.gmv.ShopView(ctx, w.owner, w.shop.ID, "2025-06"); v.OptedIn || len(v.Targets) != 0 {
			t.Fatalf("after opting out: %+v", v.Targets)
		}
		if err := f.gmv.DeleteTarget(ctx, w.owner, tg.ID); err != nil {
			t.Fatal(err)
		}
	})
}
