package app_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/demo"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// settle waits until the outbox relay has delivered everything, so pages and the
// services read the same rollups.
func settle(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pending, dead, err := s.Outbox.Stats(context.Background())
		if err != nil || dead > 0 {
			t.Fatalf("outbox: %d dead, %v", dead, err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending", pending)
		}
		s.Outbox.Wake()
		time.Sleep(20 * time.Millisecond)
	}
}

// csvOf fetches a page's table as CSV.
func (b *browserish) csvOf(path string) (int, string, [][]string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, string(body), nil
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		b.t.Fatalf("%s: not CSV: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), recs
}

// The analytics and KPI pages on the seeded demo, for each role: what they show, the
// numbers in their CSV exports agreeing with the services, the forms, and refusals.
func TestAnalyticsPagesOnTheDemoMarketplace(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App, io.Discard); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	year := time.Now().UTC().Format("2006")
	opsAcct, _ := s.Identity.AccountByEmail(ctx, "ops@liveshop.demo")
	opsActor := auth.Actor{AccountID: opsAcct.ID, Roles: []auth.Role{auth.Operator}}

	ops := newBrowserish(t, s.URL)
	ops.login("ops@liveshop.demo")
	for path, wants := range map[string][]string{
		"/ops":                        {`href="/ops/analytics"`, `href="/ops/kpi"`},
		"/ops/analytics":              {"World GMV", `id="chart-markets"`, `id="chart-months"`, "World GMV " + year, "Vietnam", `id="markets"`},
		"/ops/analytics/markets/VN":   {"Vietnam", `id="chart-daily"`, `id="chart-channels"`, `id="chart-hours"`, "Top shops", "Sài Gòn Style"},
		"/ops/analytics/markets/US":   {"US GMV " + year, `class="target"`, "Glow Lab", "@mia.makeup", "Record night II"},
		"/ops/analytics/leaderboards": {`id="leaderboard-form"`, "Top shops"},
		"/ops/analytics/leaderboards?kind=creators&period=" + year: {"@mia.makeup", "every market, in US dollars"},
		"/ops/kpi": {"World GMV " + year, `id="target-form"`, `id="fx-form"`, "VND", `id="check-rollups"`},
	} {
		code, body := ops.get(path)
		if code != 200 {
			t.Errorf("operator %s: %d", path, code)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("operator %s lacks %q", path, w)
			}
		}
	}

	// The CSV of a month's days adds up to the month the service reports, and the
	// market table of the overview to its markets.
	mm, err := s.Analytics.MarketMonth(ctx, opsActor, "US", "")
	if err != nil {
		t.Fatal(err)
	}
	code, ctype, recs := ops.csvOf("/ops/analytics/markets/US?export=days")
	if code != 200 || !strings.HasPrefix(ctype, "text/csv") || len(recs) != len(mm.Days)+1 || strings.Join(recs[0], ",") != "Day,GMV,GMV (USD),Orders,Units" {
		t.Fatalf("days CSV: %d %s %d rows %v", code, ctype, len(recs), recs[:1])
	}
	var sum money.Money = money.Zero("USD")
	for _, r := range recs[1:] {
		m, err := money.Parse(r[1], "USD")
		if err != nil {
			t.Fatalf("CSV amount %q: %v", r[1], err)
		}
		sum, _ = sum.Add(m)
	}
	if sum != mm.Total.GMV || sum.Amount == 0 {
		t.Fatalf("the days CSV adds up to %v, the month is %v", sum, mm.Total.GMV)
	}
	if code, _, recs := ops.csvOf("/ops/analytics/markets/US?export=top-shops"); code != 200 || len(recs) < 3 || recs[1][1] == "" {
		t.Fatalf("top shops CSV: %d %v", code, recs)
	}
	if code, _, recs := ops.csvOf("/ops/analytics?export=markets"); code != 200 || len(recs) != 17 {
		t.Fatalf("markets CSV: %d, %d rows", code, len(recs))
	}
	if code, _, recs := ops.csvOf("/ops/kpi?export=fx-rates"); code != 200 || len(recs) < 12 {
		t.Fatalf("fx CSV: %d %v", code, recs)
	}
	for path, want := range map[string]string{
		"/ops/analytics/markets/US?month=2026-13&export=days":                          "month",
		"/ops/analytics/markets/US?export=orders":                                      "no table",
		"/ops/analytics?month=last-year":                                               "month",
		"/ops/analytics/leaderboards?period=2026-01-01..2026-01-31&export=leaderboard": "month, quarter or year",
	} {
		if code, body := ops.get(path); code != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 saying %q", path, code, want)
		}
	}
	if code, _ := ops.get("/ops/analytics/markets/XX"); code != 404 {
		t.Errorf("unknown market: %d", code)
	}

	// Targets through the form: refusals say which field; a good one opens its page.
	before := countRows(t, s, "kpi_targets")
	for _, bad := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"scope": {"market"}, "market": {"GB"}, "period": {"2027-Q1"}, "amount": {"1000"}, "currency": {"USD"}}, "error: target.currency"},
		{url.Values{"scope": {"market"}, "market": {"US"}, "period": {year}, "amount": {"1000"}, "currency": {"USD"}}, "error: period"},
		{url.Values{"scope": {"market"}, "market": {"GB"}, "period": {"2027-14"}, "amount": {"1000"}, "currency": {"GBP"}}, "error: period"},
		{url.Values{"scope": {"market"}, "market": {"GB"}, "period": {"2027-Q1"}, "amount": {"-5"}, "currency": {"GBP"}}, "error: target.amount"},
		{url.Values{"scope": {"global"}, "period": {"2027"}, "amount": {"10"}, "currency": {"EUR"}}, "error: target.currency"},
	} {
		_, to := ops.post("/ops/kpi/targets", bad.form)
		if f := ops.flash(to); !strings.HasPrefix(f, bad.want) {
			t.Errorf("target %v: %q, want %q", bad.form, f, bad.want)
		}
	}
	if n := countRows(t, s, "kpi_targets"); n != before {
		t.Fatalf("refused targets were stored: %d, was %d", n, before)
	}
	_, to := ops.post("/ops/kpi/targets", url.Values{"scope": {"market"}, "market": {"GB"}, "period": {"2027-Q1"}, "amount": {"12500.50"}, "currency": {"GBP"}, "name": {"UK Q1"}})
	if !strings.HasPrefix(to, "/ops/kpi/targets/") {
		t.Fatalf("target form went to %q", to)
	}
	if f := ops.flash(to); !strings.Contains(f, "ok: Target “UK Q1” set: £12,500.50") {
		t.Fatalf("target flash %q", f)
	}
	if code, body := ops.get(to); code != 200 || !strings.Contains(body, `id="chart-burnup"`) || !strings.Contains(body, "Upcoming") {
		t.Fatalf("target page: %d", code)
	}
	if code, _, recs := ops.csvOf(to + "?export=days"); code != 200 || len(recs) != 91 {
		t.Fatalf("target days CSV: %d, %d rows", code, len(recs))
	}
	_, back := ops.post(to+"/delete", nil)
	if f := ops.flash(back); f != "ok: Target deleted." {
		t.Fatalf("delete: %q", f)
	}

	// Exchange rates and the rollup check.
	_, to = ops.post("/ops/kpi/fx", url.Values{"currency": {"VND"}, "per_usd": {"-25000"}})
	if f := ops.flash(to); !strings.HasPrefix(f, "error: per_usd") {
		t.Fatalf("negative rate: %q", f)
	}
	_, to = ops.post("/ops/kpi/fx", url.Values{"currency": {"VND"}, "per_usd": {"0"}})
	if f := ops.flash(to); !strings.HasPrefix(f, "error: per_usd") {
		t.Fatalf("zero rate: %q", f)
	}
	_, to = ops.post("/ops/kpi/fx", url.Values{"currency": {"VND"}, "per_usd": {"25500"}, "note": {"weekly"}})
	if f := ops.flash(to); !strings.Contains(f, "ok: 1 USD = 25500 VND") {
		t.Fatalf("set rate: %q", f)
	}
	_, to = ops.post("/ops/analytics/rebuild", url.Values{"mode": {"check"}})
	if f := ops.flash(to); !strings.Contains(f, "everything matches") {
		t.Fatalf("check: %q", f)
	}
	_, to = ops.post("/ops/analytics/rebuild", url.Values{"mode": {"rebuild"}})
	if f := ops.flash(to); !strings.HasPrefix(f, "ok: Rebuilt.") || !strings.Contains(f, "everything matches") {
		t.Fatalf("rebuild: %q", f)
	}

	// A live session, minute by minute, from the market page's leaderboard.
	_, body := ops.get("/ops/analytics/markets/US")
	var record string
	if err := s.DB.QueryRowContext(ctx, `SELECT CAST(session_id AS TEXT) FROM gmv_sessions WHERE title LIKE 'Record night II%'`).Scan(&record); err != nil {
		t.Fatal(err)
	}
	live := "/analytics/sessions/" + record
	if !strings.Contains(body, live) || len(regexp.MustCompile(`/analytics/sessions/\d+`).FindAllString(body, -1)) < 2 {
		t.Fatalf("the US page does not link its lives and its record live %s", live)
	}
	if code, body := ops.get(live); code != 200 || !strings.Contains(body, `id="chart-minutes"`) || !strings.Contains(body, "Record night II") {
		t.Fatalf("session page %s: %d", live, code)
	}

	// The seller sees her own shop; targets need opting in, then work through the form.
	sel := newBrowserish(t, s.URL)
	sel.login("seller@liveshop.demo")
	glow := s.shopNamed(t, "Glow Lab")
	kitchen := s.shopNamed(t, "Kitchen Hero")
	if _, body := sel.get("/seller/shops/" + glow); !strings.Contains(body, `href="/seller/shops/`+glow+`/analytics"`) {
		t.Error("the shop page has no link to its analytics")
	}
	if code, body := sel.get("/seller/shops/" + glow + "/analytics"); code != 200 || !strings.Contains(body, "Glow Lab this month") ||
		!strings.Contains(body, `id="chart-daily"`) || !strings.Contains(body, `id="burnup-`) {
		t.Fatalf("Glow Lab analytics: %d", code)
	}
	if code, _ := sel.get("/seller/shops/" + kitchen + "/analytics"); code != 403 {
		t.Errorf("another seller's shop analytics: %d", code)
	}
	if code, _ := sel.get(live); code != 404 {
		t.Errorf("a seller on a creator's live: %d", code)
	}
	kit := newBrowserish(t, s.URL)
	kit.login("seller.kitchen@liveshop.demo")
	path := "/seller/shops/" + kitchen + "/analytics"
	_, to = kit.post(path+"/targets", url.Values{"period": {"2027-01"}, "amount": {"5000"}, "currency": {"USD"}})
	if f := kit.flash(to); !strings.HasPrefix(f, "error: shop_id") {
		t.Fatalf("a target before opting in: %q", f)
	}
	_, to = kit.post(path+"/opt-in", url.Values{"opt_in": {"1"}})
	if f := kit.flash(to); f != "ok: Your shop now tracks GMV targets." {
		t.Fatalf("opt in: %q", f)
	}
	_, to = kit.post(path+"/targets", url.Values{"period": {"2027-01"}, "amount": {"5000"}, "currency": {"MXN"}})
	if f := kit.flash(to); !strings.HasPrefix(f, "error: target.currency") {
		t.Fatalf("a shop target in pesos: %q", f)
	}
	_, to = kit.post(path+"/targets", url.Values{"period": {"2027-01"}, "amount": {"5000"}, "currency": {"USD"}})
	if f := kit.flash(to); !strings.Contains(f, "ok: Target “Shop GMV 2027-01” set") {
		t.Fatalf("a shop target: %q", f)
	}
	if code, _, recs := kit.csvOf(path + "?export=targets"); code != 200 || len(recs) != 2 {
		t.Fatalf("shop targets CSV: %d %v", code, recs)
	}

	// The creator sees her own sales; a shopper has none to see and no Ops pages.
	cr := newBrowserish(t, s.URL)
	cr.login("creator@liveshop.demo")
	if _, body := cr.get("/creator"); !strings.Contains(body, `href="/creator/analytics"`) {
		t.Error("Creator Center has no link to the creator's analytics")
	}
	if code, body := cr.get("/creator/analytics"); code != 200 || !strings.Contains(body, "@mia.makeup") || !strings.Contains(body, `id="chart-channels"`) ||
		!strings.Contains(body, `id="chart-categories"`) || !strings.Contains(body, `id="categories"`) {
		t.Fatalf("creator analytics: %d", code)
	}
	if code, _ := cr.get(live); code != 200 {
		t.Errorf("the host on her own live: %d", code)
	}
	shopper := newBrowserish(t, s.URL)
	shopper.login("shopper@liveshop.demo")
	for path, want := range map[string]int{"/ops/analytics": 403, "/ops/kpi": 403, "/creator/analytics": 422, live: 404} {
		if code, _ := shopper.get(path); code != want {
			t.Errorf("shopper %s: %d, want %d", path, code, want)
		}
	}
	anon := newBrowserish(t, s.URL)
	if code, _ := anon.get("/ops/analytics"); code != http.StatusSeeOther {
		t.Errorf("anonymous analytics: %d", code)
	}
}

func countRows(t *testing.T, s *server, table string) int64 {
	t.Helper()
	var n int64
	if err := s.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// shopNamed returns a shop's id by its name.
func (s *server) shopNamed(t *testing.T, name string) string {
	t.Helper()
	var id string
	if err := s.DB.QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM shops WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
