package analytics

import "time"

// dailySeries is GMV per civil day from a first day on; days outside it count zero.
type dailySeries struct {
	from   time.Time
	values []int64
}

func newSeries(from, to time.Time) dailySeries {
	return dailySeries{from: from, values: make([]int64, daysBetween(from, to))}
}

func (s dailySeries) index(d time.Time) int { return int(d.Sub(s.from).Hours() / 24) }

func (s dailySeries) at(d time.Time) int64 {
	if i := s.index(d); i >= 0 && i < len(s.values) {
		return s.values[i]
	}
	return 0
}

func (s dailySeries) add(d time.Time, v int64) {
	if i := s.index(d); i >= 0 && i < len(s.values) {
		s.values[i] += v
	}
}

// sum adds the days from a to b inclusive.
func (s dailySeries) sum(a, b time.Time) int64 {
	var t int64
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		t += s.at(d)
	}
	return t
}

// Windows the projections look back over.
const (
	baseWindowDays    = 28  // the recent level: four whole weeks
	weekdayWindowDays = 56  // the weekday pattern: eight whole weeks
	lagDays           = 364 // "same day last year": 52 weeks back, the same weekday
)

// seriesNeeded is the first day a forecast made on today reads.
func seriesNeeded(start, today time.Time) time.Time {
	first := today.AddDate(0, 0, -(lagDays + baseWindowDays))
	if start.Before(first) {
		return start
	}
	return first
}

// Seasonal projection methods, best first.
const (
	BasisFinal   = "final"   // the period is over: the projection is the actual
	BasisYoY     = "yoy"     // the same days 52 weeks earlier, scaled by the recent growth
	BasisWeekday = "weekday" // the recent level spread by the weekday pattern of the last 8 weeks
	BasisLinear  = "linear"  // not enough history for a pattern: the linear run-rate
)

// forecast is a target's progress and where it is heading.
type forecast struct {
	TotalDays, CompleteDays, RemainingDays int
	Actual                                 int64 // to date, today's sales so far included
	ActualComplete                         int64 // over the complete days only
	Linear                                 int64
	Seasonal                               int64
	Basis                                  string
	GrowthBP                               *int64 // the recent growth over the same days last year (BasisYoY)
	RequiredDaily                          int64  // what each remaining day must sell to reach the target
	ProgressBP                             int64  // actual / target
}

// project computes progress and projections for a target over [start, end] (civil
// days) as of today, from daily GMV. The rules, which the table tests spell out:
//
//   - Actual counts every day of the period up to and including today.
//   - Complete days are those before today; the remaining days are today and after.
//   - Linear: the average of the period's complete days, carried over the remaining
//     days; before the period has a complete day, the average of the 28 days before
//     today.
//   - Seasonal: each remaining day is forecast as the same day 52 weeks earlier (the
//     same weekday, the same time of year) times the growth of the last 28 days over
//     those days a year before; that needs last year's GMV on every one of those days.
//     Otherwise the level of the last 28 days is spread over the remaining days by the
//     weekday pattern of the last 8 weeks; with no GMV there either, it is linear.
//   - Projections add the complete days' actual to the forecast of the remaining days,
//     and are never below the actual.
//   - Required daily is what is left to the target over the remaining days, rounded up.
func project(gmv dailySeries, start, end, today time.Time, target int64) forecast {
	f := forecast{TotalDays: daysBetween(start, end)}
	lastActual := minTime(end, today)
	f.Actual = gmv.sum(start, lastActual)
	f.ProgressBP = shareBP(f.Actual, target)
	f.CompleteDays = daysBetween(start, minTime(end, today.AddDate(0, 0, -1)))
	f.RemainingDays = f.TotalDays - f.CompleteDays
	f.ActualComplete = gmv.sum(start, start.AddDate(0, 0, f.CompleteDays-1))
	if f.RemainingDays == 0 {
		f.Linear, f.Seasonal, f.Basis = f.Actual, f.Actual, BasisFinal
		return f
	}
	f.RequiredDaily = ceilDiv(target-f.Actual, int64(f.RemainingDays))
	remStart := maxTime(start, today)
	rem := int64(f.RemainingDays)

	// Linear run-rate.
	baseStart, baseEnd := today.AddDate(0, 0, -baseWindowDays), today.AddDate(0, 0, -1)
	base := gmv.sum(baseStart, baseEnd)
	if f.CompleteDays > 0 {
		f.Linear = f.ActualComplete + clampMulDiv(f.ActualComplete, rem, int64(f.CompleteDays))
	} else {
		f.Linear = clampMulDiv(base, rem, baseWindowDays)
	}
	f.Linear = max(f.Linear, f.Actual)

	// Seasonal: same days last year × growth.
	lastYearCovers := func(a, b time.Time) bool {
		for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
			if gmv.at(d.AddDate(0, 0, -lagDays)) <= 0 {
				return false
			}
		}
		return true
	}
	f.Basis = BasisLinear
	f.Seasonal = f.Linear
	if base > 0 && lastYearCovers(baseStart, baseEnd) && lastYearCovers(remStart, end) {
		baseLY := gmv.sum(baseStart.AddDate(0, 0, -lagDays), baseEnd.AddDate(0, 0, -lagDays))
		remLY := gmv.sum(remStart.AddDate(0, 0, -lagDays), end.AddDate(0, 0, -lagDays))
		f.Seasonal = f.ActualComplete + clampMulDiv(remLY, base, baseLY)
		f.Basis = BasisYoY
		g := growth(base, baseLY)
		f.GrowthBP = g.BP
	} else if base > 0 {
		// Weekday pattern: the last 8 weeks hold each weekday 8 times, the base window 4
		// times, so a remaining day's forecast is base × H[weekday] / (4 × ΣH).
		var byWeekday [7]int64
		var total int64
		for d := today.AddDate(0, 0, -weekdayWindowDays); d.Before(today); d = d.AddDate(0, 0, 1) {
			v := gmv.at(d)
			byWeekday[d.Weekday()] += v
			total += v
		}
		var weight int64
		for d := remStart; !d.After(end); d = d.AddDate(0, 0, 1) {
			weight += byWeekday[d.Weekday()]
		}
		if total > 0 && weight >= 0 {
			f.Seasonal = f.ActualComplete + clampMulDiv(base, weight, 4*total)
			f.Basis = BasisWeekday
		}
	}
	f.Seasonal = max(f.Seasonal, f.Actual)
	return f
}

// clampMulDiv is mulDivRound for projections: a result too large for an int64 (not
// a real GMV) is clamped rather than failing the page.
func clampMulDiv(a, b, c int64) int64 {
	if v, ok := mulDivRound(a, b, c); ok {
		return v
	}
	if (a < 0) != (b < 0) {
		return -1 << 63
	}
	return 1<<63 - 1
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
