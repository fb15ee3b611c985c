package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
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

// juneHistory imports a small history with every figure known:
//
//	US June 2024:  10,000 (Glow Lab, product card)
//	US May 2025:   20,000 (Glow Lab serum, video by @mia.makeup)
//	US June 2025:  35,000 on the 3rd (a live and a showcase sale, one order),
//	               9,000 on the 4th (Kitchen Hero, product card) and 6,000 (live)
//	VN June 2024:  12.7 B VND (500,000 USD); VN June 2025: 25.4 B VND (1,000,000 USD)
//	               in one live by @lan.live
type juneHistory struct {
	s1, s2 id.ID
}

func importJune(t *testing.T, f fixture, w world) juneHistory {
	t.Helper()
	h := juneHistory{s1: id.New(), s2: id.New()}
	us := func(day string) time.Time { return noon(day, laZone) }
	vn := func(day string) time.Time { return noon(day, saigonZone) }
	in := analytics.HistoryImport{
		Sessions: []analytics.ImportedSession{
			{ID: h.s1, Market: "US", CreatorID: w.mia.ID, Title: "Glow-up Friday", StartedAt: us("2025-06-03").Add(-time.Hour), EndedAt: us("2025-06-03").Add(2 * time.Hour)},
			{ID: h.s2, Market: "VN", CreatorID: w.lan.ID, Title: "Xả kho 17 giờ", StartedAt: vn("2025-06-05").Add(-2 * time.Hour)},
		},
		Orders: []events.OrderPaid{
			paidOrder(w.shop, "USD", us("2024-06-10"), line(w.tint, "PRODUCT_CARD", 0, 0, 1, 10_000)),
			paidOrder(w.shop, "USD", us("2025-05-20"), line(w.serum, "VIDEO", w.mia.ID, 0, 2, 20_000)),
			paidOrder(w.shop, "USD", us("2025-06-03"), line(w.tint, "LIVE", w.mia.ID, h.s1, 3, 30_000), line(w.serum, "SHOWCASE", w.mia.ID, 0, 1, 5_000)),
			paidOrder(w.rivalShop, "USD", us("2025-06-04"), line(w.kettle, "PRODUCT_CARD", 0, 0, 1, 9_000)),
			paidOrder(w.shop, "USD", us("2025-06-04").Add(time.Minute), line(w.tint, "LIVE", w.mia.ID, h.s1, 1, 6_000)),
			paidOrder(w.vnShop, "VND", vn("2024-06-08"), line(w.ao, "LIVE", w.lan.ID, 0, 500, 12_700_000_000)),
			paidOrder(w.vnShop, "VND", vn("2025-06-05"), line(w.ao, "LIVE", w.lan.ID, h.s2, 1000, 25_400_000_000)),
		},
	}
	if res := f.importHistory(t, w.operator, in); res.Orders != 7 || res.Facts != 8 || res.Sessions != 2 {
		t.Fatalf("import: %+v", res)
	}
	return h
}

func usd(v int64) money.Money { return money.New(v, "USD") }

func names(rs []analytics.Ranked) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s=%d", r.Name, r.GMV.Amount))
	}
	return fmt.Sprint(s)
}

func TestMarketMonthLeaderboardsRecordsAndOverview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		h := importJune(t, f, w)
		f.gmv.SetClock(func() time.Time { return time.Date(2025, 7, 15, 20, 0, 0, 0, time.UTC) })

		v, err := f.gmv.MarketMonth(ctx, w.operator, "US", "2025-06")
		if err != nil {
			t.Fatal(err)
		}
		if v.Total.GMV != usd(50_000) || v.Total.GMVUSD != usd(50_000) || v.Total.Orders != 3 || v.Total.Units != 6 || v.InProgress || len(v.Days) != 30 {
			t.Fatalf("June total %+v, %d days, in progress %v", v.Total, len(v.Days), v.InProgress)
		}
		if v.Days[2].Period != "2025-06-03" || v.Days[2].GMV != usd(35_000) || v.Days[3].GMV != usd(15_000) || v.Days[3].Orders != 2 {
			t.Fatalf("days %+v %+v", v.Days[2], v.Days[3])
		}
		if v.MoM.Label() != "+150%" || v.YoY.Label() != "+400%" {
			t.Fatalf("growth MoM %s YoY %s", v.MoM.Label(), v.YoY.Label())
		}
		mix := fmt.Sprint(v.Channels)
		if len(v.Channels) != 3 || v.Channels[0].Key != "LIVE" || v.Channels[0].ShareBP != 7200 || v.Channels[1].Key != "PRODUCT_CARD" ||
			v.Channels[1].ShareBP != 1800 || v.Channels[2].Label != "Product card · showcase" || v.Channels[2].ShareBP != 1000 {
			t.Fatalf("channel mix %s", mix)
		}
		if len(v.Categories) != 1 || v.Categories[0].Label != "Uncategorised" || v.Categories[0].ShareBP != 10000 {
			t.Fatalf("categories %+v", v.Categories)
		}
		if v.HourOfDay[12].GMV != usd(50_000) || len(v.HourOfDay) != 24 {
			t.Fatalf("hour of day %+v", v.HourOfDay[12])
		}
		if got := names(v.TopShops); got != "[Glow Lab=41000 Kitchen Hero=9000]" {
			t.Fatalf("top shops %s", got)
		}
		if got := names(v.TopCreators); got != "[@mia.makeup=41000]" || v.TopCreators[0].Orders != 2 {
			t.Fatalf("top creators %s", got)
		}
		if got := names(v.TopProducts); got != "[Velvet Lip Tint=36000 Pro Air Fryer=9000 Glass Skin Serum=5000]" {
			t.Fatalf("top products %s", got)
		}
		if len(v.TopSessions) != 1 || v.TopSessions[0].ID != h.s1 || v.TopSessions[0].Title != "Glow-up Friday" || v.TopSessions[0].Host != "@mia.makeup" ||
			v.TopSessions[0].GMV != usd(36_000) || v.TopSessions[0].Orders != 2 || v.TopSessions[0].Day != "2025-06-03" {
			t.Fatalf("top sessions %+v", v.TopSessions)
		}

		// A month in progress compares its complete days with the same days before.
		f.gmv.SetClock(func() time.Time { return noon("2025-06-04", laZone) })
		v, err = f.gmv.MarketMonth(ctx, w.operator, "US", "")
		if err != nil {
			t.Fatal(err)
		}
		// 1-3 June 2025 (35,000) against 1-3 May (0) and 1-3 June 2024 (0): no base.
		if v.Month != "2025-06" || !v.InProgress || v.MoM.BP != nil || v.YoY.BP != nil || v.Total.GMV != usd(50_000) {
			t.Fatalf("in progress: %s %v MoM %v YoY %v total %v", v.Month, v.InProgress, v.MoM.BP, v.YoY.BP, v.Total.GMV)
		}
		f.gmv.SetClock(func() time.Time { return time.Date(2025, 7, 15, 20, 0, 0, 0, time.UTC) })

		// Leaderboards by market and period, and across markets in US dollars.
		lb, err := f.gmv.Leaderboard(ctx, w.operator, analytics.LeaderboardQuery{Kind: analytics.BoardProducts, Period: "2025"})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(lb.Rows); got != "[Áo thun cotton=25400000000 Velvet Lip Tint=36000 Glass Skin Serum=25000 Pro Air Fryer=9000]" {
			t.Fatalf("products of 2025, every market: %s", got)
		}
		if lb.Rows[0].GMVUSD != usd(100_000_000) || lb.Rows[0].Market != "VN" {
			t.Fatalf("VN product %+v", lb.Rows[0])
		}
		lb, err = f.gmv.Leaderboard(ctx, w.operator, analytics.LeaderboardQuery{Kind: analytics.BoardShops, Market: "US", Period: "2025-Q2", Limit: 1})
		if err != nil || names(lb.Rows) != "[Glow Lab=61000]" {
			t.Fatalf("US shops of Q2: %s %v", names(lb.Rows), err)
		}
		lb, err = f.gmv.Leaderboard(ctx, w.operator, analytics.LeaderboardQuery{Kind: analytics.BoardSessions, Period: "2025-06"})
		if err != nil || len(lb.Sessions) != 2 || lb.Sessions[0].ID != h.s2 || lb.Sessions[0].GMVUSD != usd(100_000_000) || lb.Sessions[1].ID != h.s1 {
			t.Fatalf("sessions of June: %+v %v", lb.Sessions, err)
		}
		for _, tt := range []struct {
			name  string
			actor auth.Actor
			q     analytics.LeaderboardQuery
			code  string
			field string
		}{
			{"days are not a leaderboard period", w.operator, analytics.LeaderboardQuery{Kind: "shops", Period: "2025-06-01..2025-06-30"}, "invalid_field", "period"},
			{"unknown kind", w.operator, analytics.LeaderboardQuery{Kind: "brands", Period: "2025-06"}, "invalid_field", "kind"},
			{"unknown market", w.operator, analytics.LeaderboardQuery{Kind: "shops", Market: "XX", Period: "2025-06"}, "market_not_found", "market"},
			{"bad month", w.operator, analytics.LeaderboardQuery{Kind: "shops", Period: "2025-13"}, "invalid_field", "period"},
			{"a seller", w.owner, analytics.LeaderboardQuery{Kind: "shops", Period: "2025-06"}, "forbidden", ""},
		} {
			_, err := f.gmv.Leaderboard(ctx, tt.actor, tt.q)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
			}
		}

		// Records: best day and month, the biggest live, and creators past a million dollars.
		rec, err := f.gmv.Records(ctx, w.operator, "US")
		if err != nil {
			t.Fatal(err)
		}
		if rec.BestDay == nil || rec.BestDay.Period != "2025-06-03" || rec.BestDay.GMV != usd(35_000) || rec.BestMonth.Period != "2025-06" ||
			len(rec.TopSessions) != 1 || len(rec.Millionaires) != 0 {
			t.Fatalf("US records %+v", rec)
		}
		rec, err = f.gmv.Records(ctx, w.operator, "")
		if err != nil || len(rec.Millionaires) != 1 || rec.Millionaires[0].Name != "@lan.live" || rec.Millionaires[0].GMVUSD != usd(150_000_000) ||
			rec.TopSessions[0].ID != h.s2 || rec.BestDay != nil {
			t.Fatalf("world records %+v %v", rec, err)
		}

		// The overview puts markets side by side in US dollars, growth in their own money.
		o, err := f.gmv.Overview(ctx, w.operator, "2025-06")
		if err != nil {
			t.Fatal(err)
		}
		if o.Total != usd(100_050_000) || o.Markets[0].Market != "VN" || o.Markets[0].ShareBP != 9995 || o.Markets[1].Market != "US" ||
			o.Markets[1].ShareBP != 5 || o.Markets[0].YoY.Label() != "+100%" || o.Markets[1].MoM.Label() != "+150%" || o.YoY.Label() != "+100.06%" {
			t.Fatalf("overview total %v, markets %+v %+v, world YoY %s", o.Total, o.Markets[0], o.Markets[1], o.YoY.Label())
		}
		if len(o.Months) != 13 || o.Months[0].Period != "2024-06" || o.Months[12].GMVUSD != usd(100_050_000) {
			t.Fatalf("13 months %+v", o.Months)
		}
		if _, err := f.gmv.Overview(ctx, w.owner, ""); !errors.Is(err, errs.ErrForbidden) {
			t.Fatalf("a seller on the overview: %v", err)
		}
		if _, err := f.gmv.MarketMonth(ctx, w.operator, "US", "June"); errs.As(err) == nil || errs.As(err).Field != "month" {
			t.Fatalf("a bad month: %v", err)
		}
	})
}

func TestShopAndCreatorSeeTheirOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		h := importJune(t, f, w)
		f.gmv.SetClock(func() time.Time { return time.Date(2025, 7, 15, 20, 0, 0, 0, time.UTC) })

		v, err := f.gmv.ShopView(ctx, w.owner, w.shop.ID, "2025-06")
		if err != nil {
			t.Fatal(err)
		}
		if v.Total.GMV != usd(41_000) || v.Total.Orders != 2 || v.MoM.Label() != "+105%" || v.YoY.Label() != "+310%" ||
			len(v.Channels) != 2 || v.Channels[0].Label != "Live" || v.Channels[0].GMV != usd(36_000) || v.Channels[1].Key != "PRODUCT_CARD/showcase" ||
			names(v.TopProducts) != "[Velvet Lip Tint=36000 Glass Skin Serum=5000]" || v.OptedIn || len(v.Lives) != 0 {
			t.Fatalf("Glow Lab's June: %+v", v)
		}
		if _, err := f.gmv.ShopView(ctx, w.rival, w.shop.ID, "2025-06"); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("a rival on Glow Lab: %v", err)
		}
		if _, err := f.gmv.ShopView(ctx, w.operator, w.shop.ID, "2025-06"); err != nil {
			t.Fatalf("an operator: %v", err)
		}

		c, err := f.gmv.CreatorView(ctx, w.host, "2025-06")
		if err != nil {
			t.Fatal(err)
		}
		if c.Creator.ID != w.mia.ID || c.Total.GMV != usd(41_000) || len(c.Channels) != 2 || c.Channels[0].ShareBP != 8780 ||
			len(c.Lives) != 1 || c.Lives[0].ID != h.s1 || c.Lifetime.GMVUSD != usd(61_000) || c.MillionBP != 6 {
			t.Fatalf("Mia's June: %+v", c)
		}
		lan, err := f.gmv.CreatorView(ctx, w.vnHost, "2025-06")
		if err != nil || lan.MillionBP != 15000 || lan.MillionPercent() != 100 || lan.Total.GMV != money.New(25_400_000_000, "VND") {
			t.Fatalf("Lan: %+v %v", lan, err)
		}
		if _, err := f.gmv.CreatorView(ctx, w.owner, ""); !errors.Is(err, creator.ErrNoProfile) {
			t.Fatalf("a seller without a creator profile: %v", err)
		}
	})
}

// A live session's curve is its facts minute by minute; only the operators, its host
// and the seller of a shop that broadcast it may see it.
func TestSessionCurveAndWhoMaySeeIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newWorld(t, f)
		start := time.Date(2025, 6, 3, 1, 0, 0, 0, time.UTC)
		sid, shopLive := id.New(), id.New()
		f.record(t,
			events.LiveStarted{LiveSession: events.LiveSession{SessionID: sid, Market: "US", HostAccountID: w.host.AccountID, CreatorID: w.mia.ID, Title: "Glow-up Friday"}, At: start},
			events.LiveStarted{LiveSession: events.LiveSession{SessionID: shopLive, Market: "US", HostAccountID: w.owner.AccountID, ShopID: w.shop.ID, Title: "Glow Lab live"}, At: start},
		)
		buy := func(after time.Duration, total int64) events.OrderPaid {
			return paidOrder(w.shop, "USD", start.Add(after), line(w.tint, "LIVE", w.mia.ID, sid, 1, total))
		}
		a, b, c := buy(70*time.Second, 1000), buy(100*time.Second, 2000), buy(5*time.Minute+3*time.Second, 500)
		f.record(t, a, b, c, cancelledEvent(a, true, start.Add(48*time.Hour)))

		v, err := f.gmv.Session(ctx, w.host, sid)
		if err != nil {
			t.Fatal(err)
		}
		var curve []string
		for _, m := range v.Minutes {
			curve = append(curve, fmt.Sprintf("%s:%d/%d/%d", m.At.Format("15:04"), m.GMV.Amount, m.Orders, m.Cumulative.Amount))
		}
		if fmt.Sprint(curve) != "[01:00:0/0/0 01:01:3000/2/3000 01:02:0/0/3000 01:03:0/0/3000 01:04:0/0/3000 01:05:500/1/3500]" {
			t.Fatalf("curve %v", curve)
		}
		if v.Peak == nil || v.Peak.At != start.Add(time.Minute) || v.Session.GMV != usd(2500) || v.Session.Title != "Glow-up Friday" || v.Session.Host != "@mia.makeup" {
			t.Fatalf("peak %+v, session %+v", v.Peak, v.Session)
		}
		if _, err := f.gmv.Session(ctx, w.operator, sid); err != nil {
			t.Fatalf("operator: %v", err)
		}
		for _, who := range []auth.Actor{w.owner, w.rival, w.vnHost} {
			if _, err := f.gmv.Session(ctx, who, sid); !errors.Is(err, analytics.ErrSessionNotFound) {
				t.Fatalf("someone else's live: %v", err)
			}
		}
		if _, err := f.gmv.Session(ctx, auth.Actor{}, sid); !errors.Is(err, errs.ErrUnauthenticated) {
			t.Fatalf("anonymous: %v", err)
		}
		// The shop's own live, with no sales yet, is the shop seller's to see.
		if _, err := f.gmv.Session(ctx, w.owner, shopLive); err != nil {
			t.Fatalf("the shop's own live: %v", err)
		}
		if _, err := f.gmv.Session(ctx, w.rival, shopLive); !errors.Is(err, analytics.ErrSessionNotFound) {
			t.Fatalf("a rival on the shop's live: %v", err)
		}
	})
}
