package analytics

import (
	"fmt"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
)

// Dates here are civil: a time at UTC midnight standing for a calendar day in the
// time zone the figures were counted in (the market's). Day arithmetic on them never
// meets a daylight-saving change.

func civil(day string) (time.Time, error) { return time.Parse(time.DateOnly, day) }

func mustCivil(day string) time.Time {
	t, err := civil(day)
	if err != nil {
		panic("analytics: not a day: " + day) // only called on days this package formatted
	}
	return t
}

func dayString(t time.Time) string { return t.Format(time.DateOnly) }

func monthString(t time.Time) string { return t.Format("2006-01") }

// daysBetween counts the days from a to b, inclusive (0 when b is before a).
func daysBetween(a, b time.Time) int {
	if b.Before(a) {
		return 0
	}
	return int(b.Sub(a).Hours()/24) + 1
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func lastOfMonth(t time.Time) time.Time { return firstOfMonth(t).AddDate(0, 1, -1) }

// Period is a range of market-local days a target or a leaderboard covers.
type Period struct {
	Kind  string `json:"kind"`  // year, quarter, month or days
	Label string `json:"label"` // 2026, 2026-Q4, 2026-11, 2026-11-01..2026-11-15
	Start string `json:"start"` // first day, YYYY-MM-DD
	End   string `json:"end"`   // last day, inclusive
}

// Kinds of period.
const (
	PeriodYear    = "year"
	PeriodQuarter = "quarter"
	PeriodMonth   = "month"
	PeriodDays    = "days"
)

var (
	reYear    = regexp.MustCompile(`^(\d{4})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)
	reMonth   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

// maxPeriodDays bounds any period: a year, leap or not.
const maxPeriodDays = 366

// ParsePeriod reads a period: a year ("2026"), a quarter ("2026-Q4"), a month
// ("2026-11") or a range of days ("2026-11-01..2026-11-15", at most a year). A
// refusal names field.
func ParsePeriod(s, field string) (Period, error) {
	s = strings.TrimSpace(s)
	bad := errs.Invalidf(field, "give a period as a year (2026), a quarter (2026-Q4), a month (2026-11) or days (2026-11-01..2026-11-15)")
	year := func(y string) (int, bool) {
		v, _ := strconv.Atoi(y)
		return v, v >= 2000 && v <= 2100
	}
	switch {
	case reYear.MatchString(s):
		y, ok := year(s)
		if !ok {
			return Period{}, errs.Invalidf(field, "the year must be between 2000 and 2100")
		}
		start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return Period{PeriodYear, s, dayString(start), dayString(start.AddDate(1, 0, -1))}, nil
	case reQuarter.MatchString(s):
		m := reQuarter.FindStringSubmatch(s)
		y, ok := year(m[1])
		if !ok {
			return Period{}, errs.Invalidf(field, "the year must be between 2000 and 2100")
		}
		q, _ := strconv.Atoi(m[2])
		start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return Period{PeriodQuarter, s, dayString(start), dayString(start.AddDate(0, 3, -1))}, nil
	case reMonth.MatchString(s):
		m := reMonth.FindStringSubmatch(s)
		y, ok := year(m[1])
		mo, _ := strconv.Atoi(m[2])
		if !ok || mo < 1 || mo > 12 {
			return Period{}, errs.Invalidf(field, "%q is not a month between 2000-01 and 2100-12", s)
		}
		start := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
		return Period{PeriodMonth, s, dayString(start), dayString(lastOfMonth(start))}, nil
	}
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		return Period{}, bad
	}
	start, err1 := civil(from)
	end, err2 := civil(to)
	if err1 != nil || err2 != nil {
		return Period{}, bad
	}
	if start.Year() < 2000 || end.Year() > 2100 {
		return Period{}, errs.Invalidf(field, "days must fall between 2000 and 2100")
	}
	if end.Before(start) {
		return Period{}, errs.Invalidf(field, "the period ends before it starts")
	}
	if daysBetween(start, end) > maxPeriodDays {
		return Period{}, errs.Invalidf(field, "a period is at most a year (%d days)", maxPeriodDays)
	}
	return Period{PeriodDays, s, from, to}, nil
}

func (p Period) start() time.Time { return mustCivil(p.Start) }
func (p Period) end() time.Time   { return mustCivil(p.End) }

// Days is how many days the period has.
func (p Period) Days() int { return daysBetween(p.start(), p.end()) }

// Contains reports whether the day (YYYY-MM-DD) falls in the period.
func (p Period) Contains(day string) bool { return day >= p.Start && day <= p.End }

// overlaps reports whether two periods share a day.
func (p Period) overlaps(o Period) bool { return p.Start <= o.End && o.Start <= p.End }

// firstMonth and lastMonth are the months a whole-month period spans.
func (p Period) firstMonth() string { return p.Start[:7] }
func (p Period) lastMonth() string  { return p.End[:7] }

// parseMonth reads YYYY-MM; empty means the month of today.
func parseMonth(s string, today time.Time, field string) (time.Time, error) {
	if s == "" {
		return firstOfMonth(today), nil
	}
	p, err := ParsePeriod(s, field)
	if err != nil || p.Kind != PeriodMonth {
		return time.Time{}, errs.Invalidf(field, "give a month as YYYY-MM, such as 2026-11")
	}
	return p.start(), nil
}

// Growth compares a figure with the same figure at an earlier time: month over month
// or year over year.
type Growth struct {
	Current int64 `json:"current"`
	Base    int64 `json:"base"`
	// BP is the change in basis points (15054 = +150.54%), absent when there is nothing
	// to compare with (a base of zero or less).
	BP *int64 `json:"growth_bp"`
}

func growth(current, base int64) Growth {
	g := Growth{Current: current, Base: base}
	if base > 0 {
		if bp, ok := mulDivRound(current-base, 10_000, base); ok {
			g.BP = &bp
		}
	}
	return g
}

// Label renders the growth for people: "+150.54%", "-3.2%", or "–" with no base.
func (g Growth) Label() string {
	if g.BP == nil {
		return "–"
	}
	bp := *g.BP
	sign := "+"
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := fmt.Sprintf("%s%d.%02d", sign, bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") + "%"
}

// Up reports whether the growth is positive.
func (g Growth) Up() bool { return g.BP != nil && *g.BP > 0 }

// Down reports whether the growth is negative.
func (g Growth) Down() bool { return g.BP != nil && *g.BP < 0 }

// shareBP returns part/whole in basis points, 0 for a whole of zero or less.
func shareBP(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	v, _ := mulDivRound(part, 10_000, whole)
	return v
}

// mulDivRound returns a×b/c rounded half away from zero, exact in 128 bits, for c > 0
// and b ≥ 0; false when the result does not fit in an int64.
func mulDivRound(a, b, c int64) (int64, bool) {
	if c <= 0 || b < 0 {
		return 0, false
	}
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := a < 0
	ua := uint64(a)
	if neg {
		ua = uint64(-a)
	}
	hi, lo := bits.Mul64(ua, uint64(b))
	if hi >= uint64(c) {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	if r >= uint64(c)-r {
		q++
	}
	if q > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

// ceilDiv returns a/b rounded up, for a ≥ 0 and b > 0.
func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
