package analytics

import (
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func moneyUSD(v int64) money.Money { return money.New(v, "USD") }

func day(s string) time.Time { return mustCivil(s) }

// seriesOf builds daily GMV from first to last with value(d) for each day.
func seriesOf(first, last string, value func(d time.Time) int64) dailySeries {
	s := newSeries(day(first), day(last))
	for d := day(first); !d.After(day(last)); d = d.AddDate(0, 0, 1) {
		s.add(d, value(d))
	}
	return s
}

func ptr(v int64) *int64 { return &v }

// Every projection rule with its numbers written out.
func TestProjections(t *testing.T) {
	// Weekdays sell 1,000 and weekends 3,000 from March to 1 June 2025; nothing before.
	weekendHeavy := seriesOf("2025-03-01", "2025-06-30", func(d time.Time) int64 {
		switch {
		case d.After(day("2025-06-01")):
			return 0
		case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
			return 3000
		}
		return 1000
	})
	// 2024 sells 1,000 a day with a 5,000 spike on 1 July 2024; 2025 sells 1,500 a day
	// (+50%) up to 10 June, and 500 so far on 11 June, today.
	growing := seriesOf("2024-01-01", "2025-12-31", func(d time.Time) int64 {
		switch {
		case d.Equal(day("2024-07-01")):
			return 5000
		case d.Year() == 2024:
			return 1000
		case d.Before(day("2025-06-11")):
			return 1500
		case d.Equal(day("2025-06-11")):
			return 500
		}
		return 0
	})
	empty := newSeries(day("2024-01-01"), day("2025-12-31"))
	bigToday := seriesOf("2025-06-01", "2025-06-30", func(d time.Time) int64 {
		if d.Equal(day("2025-06-11")) {
			return 20_000
		}
		return 0
	})

	for _, tt := range []struct {
		name             string
		gmv              dailySeries
		start, end       string
		today            string
		target           int64
		want             forecast
		wantRemainingGMV int64
	}{
		{
			// June under way: 10 complete days of 1,500 and 500 so far today.
			// Linear: 15,000 + 15,000 × 20 / 10 = 45,000.
			// Seasonal: the last 28 days (42,000) against the same days of 2024 (28,000)
			// is +50%; 12 June to 1 July 2024 sold 19 × 1,000 + 5,000 = 24,000, so the
			// remaining 20 days forecast 24,000 × 42,000 / 28,000 = 36,000: 51,000.
			// Required: (45,000 − 15,500) / 20 = 1,475 a day.
			name: "yoy: same days last year times growth", gmv: growing, start: "2025-06-01", end: "2025-06-30", today: "2025-06-11", target: 45_000,
			want: forecast{TotalDays: 30, CompleteDays: 10, RemainingDays: 20, Actual: 15_500, ActualComplete: 15_000,
				Linear: 45_000, Seasonal: 51_000, Basis: BasisYoY, GrowthBP: ptr(5000), RequiredDaily: 1475, ProgressBP: 3444},
		},
		{
			// July has not started: linear spreads the last 28 days (42,000) over 31 days,
			// 46,500; seasonal takes 2 July to 1 August 2024 (31,000) × 1.5 = 46,500.
			name: "upcoming period", gmv: growing, start: "2025-07-01", end: "2025-07-31", today: "2025-06-11", target: 50_000,
			want: forecast{TotalDays: 31, CompleteDays: 0, RemainingDays: 31, Linear: 46_500, Seasonal: 46_500, Basis: BasisYoY,
				GrowthBP: ptr(5000), RequiredDaily: 1613, ProgressBP: 0},
		},
		{
			name: "finished period", gmv: growing, start: "2025-05-01", end: "2025-05-31", today: "2025-06-11", target: 40_000,
			want: forecast{TotalDays: 31, CompleteDays: 31, RemainingDays: 0, Actual: 46_500, ActualComplete: 46_500,
				Linear: 46_500, Seasonal: 46_500, Basis: BasisFinal, ProgressBP: 11625},
		},
		{
			// No history a year back: the last 28 days (4 weeks of 5 × 1,000 + 2 × 3,000 =
			// 44,000) are spread by the weekday pattern of the last 8 weeks. Monday to
			// Saturday forecast 5 × 1,000 + 3,000 = 8,000, where linear says
			// 44,000 × 6 / 28 = 9,428.57, rounded to 9,429.
			name: "weekday pattern", gmv: weekendHeavy, start: "2025-06-02", end: "2025-06-07", today: "2025-06-02", target: 10_000,
			want: forecast{TotalDays: 6, CompleteDays: 0, RemainingDays: 6, Linear: 9_429, Seasonal: 8_000, Basis: BasisWeekday,
				RequiredDaily: 1667, ProgressBP: 0},
		},
		{
			name: "no history at all", gmv: empty, start: "2025-06-01", end: "2025-06-30", today: "2025-06-11", target: 30_000,
			want: forecast{TotalDays: 30, CompleteDays: 10, RemainingDays: 20, Basis: BasisLinear, RequiredDaily: 1500},
		},
		{
			// A record live today: projections never fall below what is already sold.
			name: "never below the actual", gmv: bigToday, start: "2025-06-01", end: "2025-06-30", today: "2025-06-11", target: 30_000,
			want: forecast{TotalDays: 30, CompleteDays: 10, RemainingDays: 20, Actual: 20_000, Linear: 20_000, Seasonal: 20_000, Basis: BasisLinear,
				RequiredDaily: 500, ProgressBP: 6667},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := project(tt.gmv, day(tt.start), day(tt.end), day(tt.today), tt.target)
			if (got.GrowthBP == nil) != (tt.want.GrowthBP == nil) || (got.GrowthBP != nil && *got.GrowthBP != *tt.want.GrowthBP) {
				t.Fatalf("growth %v, want %v", deref(got.GrowthBP), deref(tt.want.GrowthBP))
			}
			got.GrowthBP, tt.want.GrowthBP = nil, nil
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A target's status follows from the projection: on track, behind, met, missed, upcoming.
func TestProgressStatus(t *testing.T) {
	flat := seriesOf("2024-01-01", "2025-12-31", func(d time.Time) int64 {
		if d.Before(day("2025-06-11")) {
			return 1000
		}
		return 0
	})
	for _, tt := range []struct {
		period string
		target int64
		want   string
	}{
		{"2025-06", 25_000, StatusOnTrack}, // 10,000 so far, heading for 30,000
		{"2025-06", 40_000, StatusBehind},
		{"2025-06", 10_000, StatusMet},
		{"2025-05", 40_000, StatusMissed},
		{"2025-07", 1, StatusUpcoming},
	} {
		p, err := ParsePeriod(tt.period, "period")
		if err != nil {
			t.Fatal(err)
		}
		got := progressOf(Target{Scope: ScopeMarket, Market: "US", Period: p, Amount: moneyUSD(tt.target)}, flat, day("2025-06-11"), true)
		if got.Status != tt.want {
			t.Errorf("%s target %d: %s, want %s (%+v)", tt.period, tt.target, got.Status, tt.want, got.Seasonal)
		}
		if len(got.Days) != p.Days() {
			t.Errorf("%s: %d days for the burn-up", tt.period, len(got.Days))
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in, kind, label, start, end, err string
	}{
		{"2026", PeriodYear, "2026", "2026-01-01", "2026-12-31", ""},
		{"2024-Q1", PeriodQuarter, "2024-Q1", "2024-01-01", "2024-03-31", ""},
		{"2026-Q4", PeriodQuarter, "2026-Q4", "2026-10-01", "2026-12-31", ""},
		{"2024-02", PeriodMonth, "2024-02", "2024-02-01", "2024-02-29", ""},
		{" 2026-11 ", PeriodMonth, "2026-11", "2026-11-01", "2026-11-30", ""},
		{"2026-11-01..2026-11-15", PeriodDays, "2026-11-01..2026-11-15", "2026-11-01", "2026-11-15", ""},
		{"2024-01-01..2024-12-31", PeriodDays, "2024-01-01..2024-12-31", "2024-01-01", "2024-12-31", ""},
		{"2026-13", "", "", "", "", "invalid_field"},
		{"2026-Q5", "", "", "", "", "invalid_field"},
		{"1999", "", "", "", "", "invalid_field"},
		{"2026-11-15..2026-11-01", "", "", "", "", "invalid_field"},
		{"2024-01-01..2025-01-02", "", "", "", "", "invalid_field"},
		{"2026-02-30..2026-03-01", "", "", "", "", "invalid_field"},
		{"last month", "", "", "", "", "invalid_field"},
		{"", "", "", "", "", "invalid_field"},
	} {
		p, err := ParsePeriod(tt.in, "period")
		code := ""
		if e := errs.As(err); e != nil {
			code = e.Code
			if e.Field != "period" {
				t.Errorf("%q: field %q", tt.in, e.Field)
			}
		}
		if code != tt.err || p.Kind != tt.kind || p.Label != tt.label || p.Start != tt.start || p.End != tt.end {
			t.Errorf("ParsePeriod(%q) = %+v, %q", tt.in, p, code)
		}
	}
}

func TestGrowthAndRounding(t *testing.T) {
	for _, tt := range []struct {
		cur, base int64
		label     string
	}{
		{25_054, 10_000, "+150.54%"},
		{25_000, 10_000, "+150%"},
		{10_988, 10_000, "+9.88%"},
		{9_680, 10_000, "-3.2%"},
		{10_000, 10_000, "+0%"},
		{5, 0, "–"},
		{1, 3, "-66.67%"},
	} {
		if got := growth(tt.cur, tt.base).Label(); got != tt.label {
			t.Errorf("growth(%d, %d) = %s, want %s", tt.cur, tt.base, got, tt.label)
		}
	}
	for _, tt := range []struct{ a, b, c, want int64 }{
		{10, 1, 4, 3},   // 2.5 rounds away from zero
		{-10, 1, 4, -3}, // and so does -2.5
		{7, 1, 3, 2},
		{1 << 62, 4, 8, 1 << 61}, // exact beyond 64 bits in the middle
	} {
		if got, ok := mulDivRound(tt.a, tt.b, tt.c); !ok || got != tt.want {
			t.Errorf("mulDivRound(%d, %d, %d) = %d, %v", tt.a, tt.b, tt.c, got, ok)
		}
	}
	if _, ok := mulDivRound(1<<62, 1<<62, 1); ok {
		t.Error("an overflowing result was accepted")
	}
}
