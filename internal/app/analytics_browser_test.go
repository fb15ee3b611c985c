package app_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/demo"
)

// chartFacts is what the browser reports about a chart it drew.
type chartFacts struct {
	Width, Height float64 // on screen, in CSS pixels
	Bars          int     // rect.bar
	Slices        int     // .slice (donut)
	Series        int     // polyline.series
	Actual        int     // points of polyline.actual (burn-up)
	Lines         []string
	BarFill       string // the computed fill of the first bar
	Title         string // the first bar's hover text
}

const chartProbe = `(function(id){
  const svg = document.getElementById(id);
  if (!svg) return null;
  const r = svg.getBoundingClientRect();
  const bar = svg.querySelector('rect.bar');
  const actual = svg.querySelector('polyline.actual');
  return {Width: r.width, Height: r.height,
    Bars: svg.querySelectorAll('rect.bar').length,
    Slices: svg.querySelectorAll('.slice').length,
    Series: svg.querySelectorAll('polyline.series').length,
    Actual: actual ? actual.points.numberOfItems : 0,
    Lines: Array.from(svg.querySelectorAll('line[class]')).map(l => l.getAttribute('class')),
    BarFill: bar ? getComputedStyle(bar).fill : '',
    Title: bar && bar.querySelector('title') ? bar.querySelector('title').textContent : ''};
})(%q)`

func probe(t *testing.T, ctx context.Context, id string) chartFacts {
	t.Helper()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[*chartFacts](fmt.Sprintf(chartProbe, id)))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	if f == nil {
		t.Fatalf("no chart #%s on the page", id)
	}
	return *f
}

// The dashboards' charts render in a real browser with the demo's year of history:
// every chart is on screen with the marks its data calls for, in its own colours.
func TestBrowserAnalyticsCharts(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	if _, err := demo.Seed(context.Background(), s.App, io.Discard); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	var target, record string
	if err := s.DB.QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM kpi_targets WHERE scope = 'global'`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.QueryRowContext(context.Background(), `SELECT CAST(session_id AS TEXT) FROM gmv_sessions WHERE title LIKE 'Record night II%'`).Scan(&record); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login?next=/ops"),
		chromedp.SendKeys(chromedp.ID("email"), "ops@liveshop.demo"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("analytics-link")),
		chromedp.Click(chromedp.ID("analytics-link")),
		chromedp.WaitVisible(chromedp.ID("chart-markets")),
	)
	if err != nil {
		t.Fatal(err)
	}
	onScreen := func(id string, f chartFacts) {
		t.Helper()
		if f.Width < 200 || f.Height < 50 {
			t.Errorf("#%s is %.0f×%.0f on screen", id, f.Width, f.Height)
		}
	}
	markets := probe(t, ctx, "chart-markets")
	onScreen("chart-markets", markets)
	if markets.Bars < 14 || markets.BarFill != "rgb(254, 44, 85)" {
		t.Errorf("market comparison: %+v", markets)
	}
	months := probe(t, ctx, "chart-months")
	onScreen("chart-months", months)
	if months.Bars != 13 {
		t.Errorf("13 months of world GMV: %d bars", months.Bars)
	}
	burn := probe(t, ctx, "burnup-"+target)
	onScreen("burn-up", burn)
	if burn.Actual < 2 || fmt.Sprint(burn.Lines) != "[target ideal linear seasonal]" {
		t.Errorf("burn-up on the overview: %+v", burn)
	}

	// One market's month: a bar a day, the target's pace over them, the channel ring.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/ops/analytics/markets/US"), chromedp.WaitVisible(chromedp.ID("chart-daily"))); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(mustZone(t, "America/Los_Angeles"))
	daysInMonth := time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	daily := probe(t, ctx, "chart-daily")
	onScreen("chart-daily", daily)
	if daily.Bars != daysInMonth || daily.Series != 2 || daily.Title == "" {
		t.Errorf("daily chart: %d bars for %d days, %d pace lines, tip %q", daily.Bars, daysInMonth, daily.Series, daily.Title)
	}
	channels := probe(t, ctx, "chart-channels")
	onScreen("chart-channels", channels)
	if channels.Slices != 4 {
		t.Errorf("channel mix: %d slices, want live, video, showcase and product card", channels.Slices)
	}
	hours := probe(t, ctx, "chart-hours")
	if hours.Bars != 24 {
		t.Errorf("hours: %d bars", hours.Bars)
	}

	// A target's burn-up, and the record live minute by minute.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/ops/kpi/targets/"+target), chromedp.WaitVisible(chromedp.ID("chart-burnup"))); err != nil {
		t.Fatal(err)
	}
	burn = probe(t, ctx, "chart-burnup")
	onScreen("chart-burnup", burn)
	if burn.Actual < 30 || fmt.Sprint(burn.Lines) != "[target ideal linear seasonal]" {
		t.Errorf("target burn-up: %+v", burn)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/analytics/sessions/"+record), chromedp.WaitVisible(chromedp.ID("chart-minutes"))); err != nil {
		t.Fatal(err)
	}
	minutes := probe(t, ctx, "chart-minutes")
	onScreen("chart-minutes", minutes)
	if minutes.Bars < 60 || minutes.Series != 1 {
		t.Errorf("the record live: %d minute bars, %d running total", minutes.Bars, minutes.Series)
	}

	// The creator's own sales: her channel and category rings.
	if err := chromedp.Do(ctx, logout(),
		chromedp.Navigate(s.URL+"/login?next=/creator/analytics"),
		chromedp.SendKeys(chromedp.ID("email"), "creator@liveshop.demo"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("chart-categories"))); err != nil {
		t.Fatal(err)
	}
	cats := probe(t, ctx, "chart-categories")
	onScreen("chart-categories", cats)
	if cats.Slices < 1 {
		t.Errorf("the creator's category mix: %d slices", cats.Slices)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
