package analytics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Every order line source reaches the channel (and product-card surface) it names.
func TestEachOrderSourceIsItsChannel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		cases := []struct{ source, key, label string }{
			{"LIVE", "LIVE", "Live"},
			{"VIDEO", "VIDEO", "Video"},
			{"SHOWCASE", "PRODUCT_CARD/showcase", "Product card · showcase"},
			{"MALL", "PRODUCT_CARD/mall", "Product card · mall"},
			{"SEARCH", "PRODUCT_CARD/search", "Product card · search"},
			{"STORE_PAGE", "PRODUCT_CARD/store_page", "Product card · store page"},
			{"AFFILIATE_LINK", "PRODUCT_CARD/affiliate_link", "Product card · affiliate link"},
			{"PRODUCT_CARD", "PRODUCT_CARD", "Product card"},
			{"", "PRODUCT_CARD", "Product card"},
		}
		for i, c := range cases {
			ev := paidEvent("US", "USD", now.Add(-time.Duration(i+1)*time.Minute), int64(1000*(i+1)))
			ev.Lines[0].Source = c.source
			f.record(t, ev)
			var channel, surface string
			if err := d.QueryRowContext(ctx, `SELECT channel, surface FROM gmv_facts WHERE order_line_id = $1`, ev.Lines[0].LineID).Scan(&channel, &surface); err != nil {
				t.Fatal(err)
			}
			key := channel
			if surface != "" {
				key += "/" + surface
			}
			if key != c.key || analytics.ChannelLabel(key) != c.label {
				t.Errorf("source %q: channel %q (%q), want %q (%q)", c.source, key, analytics.ChannelLabel(key), c.key, c.label)
			}
		}
		v, err := f.gmv.MarketMonth(ctx, f.Operator(t), "US", "2025-03")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, ch := range v.Channels {
			got[ch.Key] = ch.GMV.Amount
		}
		// The last two cases are both plain product cards: 8,000 + 9,000.
		want := map[string]int64{"LIVE": 1000, "VIDEO": 2000, "PRODUCT_CARD/showcase": 3000, "PRODUCT_CARD/mall": 4000, "PRODUCT_CARD/search": 5000,
			"PRODUCT_CARD/store_page": 6000, "PRODUCT_CARD/affiliate_link": 7000, "PRODUCT_CARD": 17000}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("channel mix %v, want %v", got, want)
		}
	})
}

// A fact records its product's category; refunds net out of the category the
// payment counted in even after the product moves; the market month rolls
// categories up the tree; a category's days include its subcategories.
func TestFactsCarryTheProductsCategory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		owner := f.Actor(t, "ana", auth.Seller)
		shop, err := f.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		product := func(title, category string) catalog.Product {
			p, err := f.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: title, Category: category,
				SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		tint, serum, pan, plain := product("Tint", "lips"), product("Serum", "skincare"), product("Pan", "kitchen"), product("Thing", "")
		at := now.Add(-time.Hour)
		ev := paidEvent("US", "USD", at, 3000, 2000, 5000, 700)
		for i, p := range []catalog.Product{tint, serum, pan, plain} {
			ev.Lines[i].ProductID, ev.Lines[i].SKUID = p.ID, p.SKUs[0].ID
		}
		ev.ShopID = shop.ID
		f.record(t, ev)
		category := func(kind string, line id.ID) string {
			t.Helper()
			var c string
			if err := d.QueryRowContext(ctx, `SELECT category FROM gmv_facts WHERE order_line_id = $1 AND kind = $2`, line, kind).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		for i, want := range []string{"lips", "skincare", "kitchen", ""} {
			if got := category("paid", ev.Lines[i].LineID); got != want {
				t.Errorf("line %d: category %q, want %q", i, got, want)
			}
		}

		// The tint moves to another category; its refund still nets out of lips.
		if _, err := d.ExecContext(ctx, `UPDATE products SET category = 'face' WHERE id = $1`, tint.ID); err != nil {
			t.Fatal(err)
		}
		ev.Lines[0].RefundedQuantity = 1
		f.record(t, events.OrderRefunded{Order: ev.Order, ReturnID: id.New(), Kind: "refund_only", Refund: 1000,
			Lines: []events.RefundedLine{{LineID: ev.Lines[0].LineID, Quantity: 1, Amount: 1000}}, At: at.Add(time.Minute)})
		if got := category("refunded", ev.Lines[0].LineID); got != "lips" {
			t.Fatalf("refund counted in %q, want lips", got)
		}

		v, err := f.gmv.MarketMonth(ctx, f.Operator(t), "US", "2025-03")
		if err != nil {
			t.Fatal(err)
		}
		var roots, detail []string
		for _, s := range v.Categories {
			roots = append(roots, fmt.Sprintf("%s=%d", s.Label, s.GMV.Amount))
		}
		for _, s := range v.CategoryDetail {
			detail = append(detail, fmt.Sprintf("%s=%d", s.Label, s.GMV.Amount))
		}
		// Beauty: lips 3,000 - 1,000 refunded + skincare 2,000.
		if want := "[Home & Living=5000 Beauty & Personal Care=4000 Uncategorised=700]"; fmt.Sprint(roots) != want {
			t.Errorf("top-level categories %v, want %s", roots, want)
		}
		if want := "[Home & Living › Kitchen=5000 Beauty & Personal Care › Makeup › Lips=2000 Beauty & Personal Care › Skincare=2000 Uncategorised=700]"; fmt.Sprint(detail) != want {
			t.Errorf("categories in detail %v, want %s", detail, want)
		}

		day := "2025-03-10"
		for _, c := range []struct {
			category string
			gmv      int64
		}{{"beauty", 4000}, {"makeup", 2000}, {"lips", 2000}, {"kitchen", 5000}, {"home", 5000}, {"fashion", 0}, {"", 9700}} {
			days, err := f.gmv.DailyInCategory(ctx, "US", c.category, day, day)
			if err != nil || len(days) != 1 || days[0].GMV.Amount != c.gmv {
				t.Errorf("%q: %+v %v, want %d", c.category, days, err, c.gmv)
			}
		}
		if _, err := f.gmv.DailyInCategory(ctx, "US", "nope", day, day); !errors.Is(err, analytics.ErrCategoryNotFound) {
			t.Errorf("unknown category: %v", err)
		}

		// Over HTTP: ?category= and its refusal.
		mux := http.NewServeMux()
		f.gmv.Routes(mux)
		get := func(path string, out any) int {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req = req.WithContext(auth.With(req.Context(), f.Operator(t)))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return rec.Code
		}
		var daily struct{ Days []analytics.Day }
		if code := get("/api/v1/analytics/gmv/US/daily?from="+day+"&to="+day+"&category=beauty", &daily); code != http.StatusOK || len(daily.Days) != 1 || daily.Days[0].GMV != money.New(4000, "USD") {
			t.Fatalf("daily beauty: %d %+v", code, daily)
		}
		var e struct{ Code, Field string }
		if code := get("/api/v1/analytics/gmv/US/daily?category=nope", &e); code != http.StatusBadRequest || e.Code != "category_not_found" || e.Field != "category" {
			t.Fatalf("unknown category: %d %+v", code, e)
		}

		// The shop's own view has the same categories (the refund nets out of lips).
		sv, err := f.gmv.ShopView(ctx, owner, shop.ID, "2025-03")
		if err != nil {
			t.Fatal(err)
		}
		var shopCats []string
		for _, s := range sv.CategoryDetail {
			shopCats = append(shopCats, fmt.Sprintf("%s=%d", s.Key, s.GMV.Amount))
		}
		if want := "[kitchen=5000 lips=2000 skincare=2000 =700]"; fmt.Sprint(shopCats) != want {
			t.Errorf("shop categories %v, want %s", shopCats, want)
		}
		if len(sv.Categories) != 3 || sv.Categories[1].Key != "beauty" || sv.Categories[1].GMV.Amount != 4000 {
			t.Errorf("shop top-level categories %+v", sv.Categories)
		}

		// Rollups still equal a recomputation from the facts.
		res, err := f.gmv.Check(ctx)
		if err != nil || res.Differences != 0 {
			t.Fatalf("check: %+v %v", res, err)
		}

		// Migration 912 empties the rollups; the next start rebuilds them, shop
		// categories included.
		if _, err := d.ExecContext(ctx, `DELETE FROM gmv_rollups`); err != nil {
			t.Fatal(err)
		}
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if again, err := f.gmv.ShopView(ctx, owner, shop.ID, "2025-03"); err != nil || fmt.Sprint(again.CategoryDetail) != fmt.Sprint(sv.CategoryDetail) {
			t.Fatalf("after the rebuild: %+v %v", again.CategoryDetail, err)
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences != 0 || res.Rows == 0 {
			t.Fatalf("check after the rebuild: %+v %v", res, err)
		}
	})
}

// An import names categories for products the catalogue does not know, checked
// against the tree; products it knows keep their own.
func TestImportHistoryRecordsCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		operator := f.Operator(t)
		ev := paidEvent("US", "USD", now.Add(-48*time.Hour), 1500)
		pid := ev.Lines[0].ProductID
		_, err := f.gmv.ImportHistory(ctx, operator, analytics.HistoryImport{Orders: []events.OrderPaid{ev}, Categories: map[id.ID]string{pid: "no-such"}})
		if e := errs.As(err); e == nil || e.Code != "category_not_found" || e.Field != "categories."+pid.String() {
			t.Fatalf("bad category: %v", err)
		}
		if n, _ := factCount(t, d); n != 0 {
			t.Fatalf("a refused import wrote %d facts", n)
		}
		if _, err := f.gmv.ImportHistory(ctx, operator, analytics.HistoryImport{Orders: []events.OrderPaid{ev}, Categories: map[id.ID]string{pid: "audio"}}); err != nil {
			t.Fatal(err)
		}
		var c string
		if err := d.QueryRowContext(ctx, `SELECT category FROM gmv_facts WHERE order_line_id = $1`, ev.Lines[0].LineID).Scan(&c); err != nil || c != "audio" {
			t.Fatalf("imported category %q %v", c, err)
		}
	})
}

// catLines renders a mix as "label=gmv" (roots) or "key=gmv" (detail).
func catLines(shares []analytics.Share, byKey bool) string {
	var out []string
	for _, s := range shares {
		name := s.Label
		if byKey {
			name = s.Key
		}
		out = append(out, fmt.Sprintf("%s=%d", name, s.GMV.Amount))
	}
	return fmt.Sprint(out)
}

// A creator sees their own sales by category, like a shop: only lines credited to
// them, rolled up the tree, cancellations netted out; the rollups agree with a
// recomputation from the facts and survive a rebuild.
func TestCreatorCategoryMix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		owner := f.Actor(t, "ana", auth.Seller)
		shop, err := f.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		product := func(title, category string) catalog.Product {
			p, err := f.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: title, Category: category,
				SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		mia := f.Actor(t, "mia", auth.Creator)
		c, err := f.creators.CreateProfile(ctx, mia, creator.ProfileInput{Handle: "mia", Market: "US", BirthDate: "1995-04-02"})
		if err != nil {
			t.Fatal(err)
		}
		tint, serum, pan, plain := product("Tint", "lips"), product("Serum", "skincare"), product("Pan", "kitchen"), product("Thing", "")
		at := now.Add(-time.Hour)
		ev := paidEvent("US", "USD", at, 3000, 2000, 5000, 700, 9000)
		for i, p := range []catalog.Product{tint, serum, pan, plain, pan} {
			ev.Lines[i].ProductID, ev.Lines[i].SKUID = p.ID, p.SKUs[0].ID
			if i < 4 {
				ev.Lines[i].CreatorID, ev.Lines[i].Source = c.ID, "SHOWCASE"
			}
		}
		ev.ShopID = shop.ID
		gone := paidEvent("US", "USD", at, 4000)
		gone.ShopID, gone.Lines[0].ProductID, gone.Lines[0].CreatorID, gone.Lines[0].Source = shop.ID, tint.ID, c.ID, "LIVE"
		f.record(t, ev, gone, cancelledEvent(gone, true, at.Add(time.Minute)))

		v, err := f.gmv.CreatorView(ctx, mia, "2025-03")
		if err != nil {
			t.Fatal(err)
		}
		if v.Total.GMV.Amount != 10_700 {
			t.Fatalf("Mia's March: %+v", v.Total)
		}
		if want := "[Home & Living=5000 Beauty & Personal Care=5000 Uncategorised=700]"; catLines(v.Categories, false) != want {
			t.Errorf("top-level categories %s, want %s", catLines(v.Categories, false), want)
		}
		if want := "[kitchen=5000 lips=3000 skincare=2000 =700]"; catLines(v.CategoryDetail, true) != want {
			t.Errorf("categories %s, want %s", catLines(v.CategoryDetail, true), want)
		}
		if len(v.Categories) != 3 || v.Categories[0].ShareBP+v.Categories[1].ShareBP+v.Categories[2].ShareBP != 10_000 {
			t.Errorf("shares %+v", v.Categories)
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences != 0 {
			t.Fatalf("check: %+v %v", res, err)
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM gmv_rollups`); err != nil {
			t.Fatal(err)
		}
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if again, err := f.gmv.CreatorView(ctx, mia, "2025-03"); err != nil || catLines(again.CategoryDetail, true) != catLines(v.CategoryDetail, true) {
			t.Fatalf("after the rebuild: %+v %v", again.CategoryDetail, err)
		}
	})
}

// Facts recorded without a category take their product's category now at the next
// start (Prepare), and the rollups are rebuilt to match; facts of a product still
// without one stay uncategorised, and running it again changes nothing.
func TestPrepareBackfillsCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
		f.gmv.SetClock(func() time.Time { return now })
		owner := f.Actor(t, "ana", auth.Seller)
		shop, err := f.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		var ps []catalog.Product
		for _, title := range []string{"Pan", "Thing"} {
			p, err := f.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: title, SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		ev := paidEvent("US", "USD", now.Add(-time.Hour), 5000, 700)
		ev.ShopID = shop.ID
		for i, p := range ps {
			ev.Lines[i].ProductID, ev.Lines[i].SKUID = p.ID, p.SKUs[0].ID
		}
		f.record(t, ev)
		// The pan gets a category after it sold (as older facts lack one).
		if _, err := d.ExecContext(ctx, `UPDATE products SET category = 'kitchen' WHERE id = $1`, ps[0].ID); err != nil {
			t.Fatal(err)
		}
		categories := func() string {
			t.Helper()
			v, err := f.gmv.ShopView(ctx, owner, shop.ID, "2025-03")
			if err != nil {
				t.Fatal(err)
			}
			return catLines(v.CategoryDetail, true)
		}
		if got := categories(); got != "[=5700]" {
			t.Fatalf("before: %s", got)
		}
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if got := categories(); got != "[kitchen=5000 =700]" {
			t.Fatalf("after the backfill: %s", got)
		}
		var c string
		if err := d.QueryRowContext(ctx, `SELECT category FROM gmv_facts WHERE order_line_id = $1`, ev.Lines[0].LineID).Scan(&c); err != nil || c != "kitchen" {
			t.Fatalf("pan's fact: %q %v", c, err)
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences != 0 {
			t.Fatalf("check: %+v %v", res, err)
		}
		// A cancellation later nets out of the category the payment now counts in.
		f.record(t, cancelledEvent(ev, true, now.Add(-time.Minute)))
		if got := categories(); got != "[=0 kitchen=0]" {
			t.Fatalf("after the cancellation: %s", got)
		}
		// Idempotent: nothing more to fill in; the rollups (edited to tell) are not rebuilt.
		if _, err := d.ExecContext(ctx, `UPDATE gmv_rollups SET units = units + 100 WHERE dim = 'market'`); err != nil {
			t.Fatal(err)
		}
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences == 0 {
			t.Fatalf("a second prepare rebuilt with nothing to fill in: %+v %v", res, err)
		}
	})
}
