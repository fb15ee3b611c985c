package analytics_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func TestImportHistoryRefusesBadInputAndChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		now := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		good := func() events.OrderPaid {
			return paidOrder(w.shop, "USD", now.Add(-24*time.Hour), line(w.tint, "LIVE", w.mia.ID, 0, 2, 2598))
		}
		first := good()
		if res := f.importHistory(t, w.operator, analytics.HistoryImport{Orders: []events.OrderPaid{first}}); res.Facts != 1 {
			t.Fatalf("import %+v", res)
		}
		var origin string
		if err := d.QueryRowContext(ctx, `SELECT origin FROM gmv_facts`).Scan(&origin); err != nil || origin != "import" {
			t.Fatalf("fact origin %q %v", origin, err)
		}
		facts, _ := factCount(t, d)
		rollups := len(readRollups(t, d))
		twice := good()
		twice.OrderID = good().OrderID
		mutate := func(change func(o *events.OrderPaid)) []events.OrderPaid {
			o := good()
			o.Lines = append([]events.OrderLine(nil), o.Lines...)
			change(&o)
			return []events.OrderPaid{good(), o}
		}
		for _, tt := range []struct {
			name  string
			actor auth.Actor
			in    analytics.HistoryImport
			code  string
			field string
		}{
			{"the same order again", w.operator, analytics.HistoryImport{Orders: []events.OrderPaid{good(), first}}, "already_imported", ""},
			{"an order twice in one import", w.operator, analytics.HistoryImport{Orders: []events.OrderPaid{twice, twice}}, "invalid_field", "orders[1].order_id"},
			{"paid in the future", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.At = now.Add(time.Hour) })}, "invalid_field", "orders[1].at"},
			{"never paid", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.At = time.Time{} })}, "invalid_field", "orders[1].at"},
			{"wrong currency", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Currency = "EUR" })}, "invalid_field", "orders[1].currency"},
			{"unknown market", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Market = "XX" })}, "market_not_found", "orders[1].market"},
			{"no shop", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.ShopID = 0 })}, "invalid_field", "orders[1].shop_id"},
			{"no lines", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Lines = nil })}, "invalid_field", "orders[1].lines"},
			{"zero units", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Lines[0].Quantity = 0 })}, "invalid_field", "orders[1].lines[0].quantity"},
			{"negative total", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Lines[0].Total = -1 })}, "invalid_field", "orders[1].lines[0].total"},
			{"unknown source", w.operator, analytics.HistoryImport{Orders: mutate(func(o *events.OrderPaid) { o.Lines[0].Source = "BILLBOARD" })}, "invalid_field", "orders[1].lines[0].source"},
			{"a session starting in the future", w.operator, analytics.HistoryImport{Orders: []events.OrderPaid{good()},
				Sessions: []analytics.ImportedSession{{ID: id.New(), Market: "US", Title: "Later", StartedAt: now.Add(time.Hour)}}}, "invalid_field", "sessions[0].started_at"},
			{"a session ending before it starts", w.operator, analytics.HistoryImport{Orders: []events.OrderPaid{good()},
				Sessions: []analytics.ImportedSession{{ID: id.New(), Market: "US", Title: "Odd", StartedAt: now.Add(-time.Hour), EndedAt: now.Add(-2 * time.Hour)}}}, "invalid_field", "sessions[0].ended_at"},
			{"a seller", w.owner, analytics.HistoryImport{Orders: []events.OrderPaid{good()}}, "forbidden", ""},
		} {
			_, err := f.gmv.ImportHistory(ctx, tt.actor, tt.in)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
			}
		}
		if n, _ := factCount(t, d); n != facts || len(readRollups(t, d)) != rollups {
			t.Fatalf("refused imports changed the facts (%d, was %d) or rollups", n, facts)
		}
	})
}

// The JSON API: status codes, error codes and fields, and who may call what.
func TestAnalyticsAndKPIEndpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		w := newWorld(t, f)
		h := importJune(t, f, w)
		f.gmv.SetClock(func() time.Time { return time.Date(2025, 7, 15, 20, 0, 0, 0, time.UTC) })
		mux := http.NewServeMux()
		f.gmv.Routes(mux)
		call := func(a auth.Actor, method, path, body string, out any) int {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req = req.WithContext(auth.With(req.Context(), a))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if out != nil {
				if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
					t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
				}
			}
			return rec.Code
		}
		var e struct{ Code, Field string }
		var month analytics.MarketMonth
		if code := call(w.operator, "GET", "/api/v1/analytics/markets/US?month=2025-06", "", &month); code != 200 || month.Total.GMV != usd(50_000) {
			t.Fatalf("market month: %d %+v", code, month.Total)
		}
		if code := call(w.operator, "GET", "/api/v1/analytics/markets/US?month=2025-6", "", &e); code != 400 || e.Field != "month" {
			t.Fatalf("bad month: %d %+v", code, e)
		}
		var lb analytics.Leaderboard
		if code := call(w.operator, "GET", "/api/v1/analytics/leaderboards/creators?market=US&period=2025-06&limit=5", "", &lb); code != 200 || len(lb.Rows) != 1 {
			t.Fatalf("leaderboard: %d %+v", code, lb)
		}
		if code := call(w.operator, "GET", "/api/v1/analytics/leaderboards/shops?period=2025-06&limit=1000", "", &e); code != 400 || e.Field != "limit" {
			t.Fatalf("a huge limit: %d %+v", code, e)
		}
		if code := call(w.owner, "GET", "/api/v1/analytics/overview", "", &e); code != 403 {
			t.Fatalf("a seller on the overview: %d", code)
		}
		if code := call(w.operator, "GET", "/api/v1/analytics/records?market=VN", "", nil); code != 200 {
			t.Fatalf("records: %d", code)
		}
		if code := call(w.host, "GET", "/api/v1/analytics/sessions/"+h.s1.String(), "", nil); code != 200 {
			t.Fatalf("host's session: %d", code)
		}
		if code := call(w.vnHost, "GET", "/api/v1/analytics/sessions/"+h.s1.String(), "", &e); code != 404 || e.Code != "live_session_not_found" {
			t.Fatalf("someone else's session: %d %+v", code, e)
		}
		if code := call(w.owner, "GET", "/api/v1/analytics/shops/"+w.shop.ID.String()+"?month=2025-06", "", nil); code != 200 {
			t.Fatalf("own shop: %d", code)
		}
		if code := call(w.host, "GET", "/api/v1/analytics/creators/me", "", nil); code != 200 {
			t.Fatalf("creator: %d", code)
		}

		// KPI targets.
		if code := call(w.operator, "POST", "/api/v1/kpi/targets", `{"scope":"market","market":"US","period":"2025-07","target":{"amount":100,"currency":"EUR"}}`, &e); code != 400 ||
			e.Code != "target_wrong_currency" || e.Field != "target.currency" {
			t.Fatalf("wrong currency: %d %+v", code, e)
		}
		var tg analytics.Target
		if code := call(w.operator, "POST", "/api/v1/kpi/targets", `{"scope":"market","market":"US","period":"2025-07","target":{"amount":100000,"currency":"USD"}}`, &tg); code != 201 {
			t.Fatalf("set: %d", code)
		}
		if code := call(w.operator, "POST", "/api/v1/kpi/targets", `{"scope":"market","market":"US","period":"2025-07","target":{"amount":5,"currency":"USD"}}`, &e); code != 409 || e.Code != "target_overlaps" || e.Field != "period" {
			t.Fatalf("overlap: %d %+v", code, e)
		}
		if code := call(w.operator, "POST", "/api/v1/kpi/targets", `{"scope":"market","market":"US","period":"2025-07","target":{"amount":5,"currency":"USD"},"colour":"red"}`, &e); code != 400 || e.Code != "unknown_field" {
			t.Fatalf("unknown field: %d %+v", code, e)
		}
		var list struct{ Targets []analytics.Progress }
		if code := call(w.operator, "GET", "/api/v1/kpi/targets", "", &list); code != 200 || len(list.Targets) != 1 || list.Targets[0].Status != "behind" {
			t.Fatalf("list: %d %+v", code, list)
		}
		if code := call(w.operator, "GET", "/api/v1/kpi/targets/"+tg.ID.String(), "", nil); code != 200 {
			t.Fatalf("one: %d", code)
		}
		if code := call(w.owner, "PUT", "/api/v1/analytics/shops/"+w.shop.ID.String()+"/kpi-opt-in", `{}`, &e); code != 400 || e.Field != "opted_in" {
			t.Fatalf("opt in without a value: %d %+v", code, e)
		}
		if code := call(w.owner, "PUT", "/api/v1/analytics/shops/"+w.shop.ID.String()+"/kpi-opt-in", `{"opted_in":true}`, nil); code != 200 {
			t.Fatalf("opt in: %d", code)
		}
		if code := call(w.owner, "POST", "/api/v1/kpi/targets", `{"scope":"shop","shop_id":"`+w.shop.ID.String()+`","period":"2025-07","target":{"amount":100,"currency":"USD"}}`, nil); code != 201 {
			t.Fatalf("shop target: %d", code)
		}
		if code := call(w.owner, "DELETE", "/api/v1/kpi/targets/"+tg.ID.String(), "", &e); code != 403 {
			t.Fatalf("seller deleting a market target: %d", code)
		}
		if code := call(w.operator, "DELETE", "/api/v1/kpi/targets/"+tg.ID.String(), "", nil); code != 200 {
			t.Fatalf("delete: %d", code)
		}

		// Rebuild and check, operators only.
		var res analytics.RebuildResult
		if code := call(w.operator, "POST", "/api/v1/analytics/rebuild", `{"check_only":true}`, &res); code != 200 || res.Differences != 0 || res.Rebuilt || res.Facts != 8 {
			t.Fatalf("check: %d %+v", code, res)
		}
		if code := call(w.operator, "POST", "/api/v1/analytics/rebuild", `{}`, &res); code != 200 || !res.Rebuilt {
			t.Fatalf("rebuild: %d %+v", code, res)
		}
		if code := call(w.owner, "POST", "/api/v1/analytics/rebuild", `{}`, nil); code != 403 {
			t.Fatalf("seller rebuild: %d", code)
		}
		// History over the API.
		body, _ := json.Marshal(analytics.HistoryImport{Orders: []events.OrderPaid{paidOrder(w.shop, "USD", time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC), line(w.tint, "VIDEO", w.mia.ID, 0, 1, 1299))}})
		var imported analytics.ImportResult
		if code := call(w.operator, "POST", "/api/v1/analytics/history", string(body), &imported); code != 201 || imported.Facts != 1 {
			t.Fatalf("import: %d %+v", code, imported)
		}
		if code := call(w.operator, "POST", "/api/v1/analytics/history", string(body), &e); code != 409 || e.Code != "already_imported" {
			t.Fatalf("import again: %d %+v", code, e)
		}
		if _, err := f.gmv.Target(context.Background(), w.operator, tg.ID); !errors.Is(err, analytics.ErrTargetNotFound) {
			t.Fatalf("deleted: %v", err)
		}
	})
}
