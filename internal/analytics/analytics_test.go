package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	testkit.Commerce
	fx       *market.FX
	creators *creator.Service
	gmv      *analytics.Service
}

// setup builds the analytics service on a fresh database with the FX table seeded
// and its consumers subscribed.
func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	k := testkit.New(t, d)
	f := fixture{Kit: k, Commerce: k.Commerce(), fx: market.NewFX(d, k.Log)}
	if err := f.fx.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.creators = creator.NewService(d, k.Markets, k.Identity, f.Sellers, f.Catalog, k.Log)
	f.gmv = analytics.NewService(d, analytics.Deps{Markets: k.Markets, FX: f.fx, Sellers: f.Sellers, Catalog: f.Catalog, Creators: f.creators}, k.Log)
	if err := f.gmv.Subscribe(k.Bus); err != nil {
		t.Fatal(err)
	}
	return f
}

// record adds events to the outbox, as the order domain does, and relays them.
func (f fixture) record(t *testing.T, evs ...events.Event) {
	t.Helper()
	ctx := context.Background()
	err := f.DB.RunInTx(ctx, func(tx *db.Tx) error {
		for _, ev := range evs {
			if err := f.Outbox.Add(ctx, tx, "order:test", ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.RelayUntilIdle(t)
}

// redeliverAll publishes every order event in the outbox again, as a relay that
// crashed before marking them published would.
func (f fixture) redeliverAll(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	rows, err := f.DB.QueryContext(ctx, `SELECT id, topic, aggregate, payload FROM outbox WHERE topic LIKE 'order.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var evs []bus.Event
	for rows.Next() {
		var e bus.Event
		var payload string
		if err := rows.Scan(&e.ID, &e.Topic, &e.Aggregate, &payload); err != nil {
			t.Fatal(err)
		}
		e.Payload = json.RawMessage(payload)
		evs = append(evs, e)
	}
	rows.Close()
	if len(evs) == 0 {
		t.Fatal("no events to redeliver")
	}
	for _, e := range evs {
		if err := f.Bus.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

// paidEvent makes an order.paid event for an order of the given line totals (one
// unit per 1000 minor units, at least one).
func paidEvent(market, currency string, at time.Time, totals ...int64) events.OrderPaid {
	o := events.Order{OrderID: id.New(), CheckoutID: id.New(), BuyerID: id.New(), ShopID: id.New(), Market: market, Currency: currency,
		Status: "AWAITING_SHIPMENT", PaidAt: at}
	for _, total := range totals {
		qty := max(total/1000, 1)
		o.Lines = append(o.Lines, events.OrderLine{LineID: id.New(), ProductID: id.New(), SKUID: id.New(), Title: "Thing", Quantity: qty,
			UnitPrice: total / qty, Total: total, Source: "PRODUCT_CARD"})
		o.Subtotal += total
	}
	o.Total = o.Subtotal
	return events.OrderPaid{Order: o, BuyerName: "Bea B.", At: at}
}

func cancelledEvent(paid events.OrderPaid, wasPaid bool, at time.Time) events.OrderCancelled {
	o := paid.Order
	o.Status = "CANCELLED"
	return events.OrderCancelled{Order: o, WasPaid: wasPaid, Reason: "test", At: at}
}

type dayRow struct {
	Market, Day, Currency string
	GMV, Orders, Units    int64
}

func dailyRows(t *testing.T, d *db.DB) []dayRow {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT market, period, currency, gmv, orders, units FROM gmv_rollups
		WHERE grain = 'day' AND dim = 'market' ORDER BY market, period`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []dayRow
	for rows.Next() {
		var r dayRow
		if err := rows.Scan(&r.Market, &r.Day, &r.Currency, &r.GMV, &r.Orders, &r.Units); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func factCount(t *testing.T, d *db.DB) (n, sum int64) {
	t.Helper()
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM gmv_facts`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	return n, sum
}

var address = order.Address{Name: "Bea Buyer", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}

func TestPaidOrdersBecomeGMVOnceAndPaidCancellationsNetOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		sellers := seller.NewService(d, f.Markets, f.Identity, f.Outbox, f.Log)
		cat := catalog.NewService(d, f.Markets, sellers, f.Outbox, f.Log)
		orders := order.NewService(d, f.Markets, f.Identity, sellers, cat, promo.NewService(d, f.Markets, sellers, cat, f.Log),
			payment.NewService(d, payment.Sandbox{}, f.Log), f.Outbox, f.Log)
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Orders.OnHoldMinutes, p.Shipping.StandardFee = 0, 0 })
		owner := f.Actor(t, "ana", auth.Seller)
		shop, err := sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		gloss, _ := cat.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Gloss", SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 50}}})
		case_, _ := cat.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Case", SKUs: []catalog.SKUInput{{Price: money.New(500, "USD"), Stock: 50}}})
		buy := func(buyer auth.Actor, key, method string, lines ...order.LineInput) order.CheckoutResult {
			res, _ := orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: key, Market: "US", Lines: lines, ShippingAddress: address, PaymentMethod: method})
			if len(res.Orders) != 1 {
				t.Fatalf("checkout %s: %+v", key, res)
			}
			return res
		}
		a := buy(f.Actor(t, "bea"), "a", "pm_card_visa", order.LineInput{SKUID: gloss.SKUs[0].ID, Quantity: 2}, order.LineInput{SKUID: case_.SKUs[0].ID, Quantity: 1})
		b := buy(f.Actor(t, "cy"), "b", "pm_card_visa", order.LineInput{SKUID: case_.SKUs[0].ID, Quantity: 3})
		declined := buy(f.Actor(t, "dee"), "c", "pm_card_chargeDeclined", order.LineInput{SKUID: gloss.SKUs[0].ID, Quantity: 1})
		if declined.Orders[0].Status != order.Cancelled {
			t.Fatalf("declined order %s", declined.Orders[0].Status)
		}
		f.RelayUntilIdle(t)

		us, _ := f.Markets.Market(ctx, "US")
		day := us.Day(a.Orders[0].PaidAt)
		want := []dayRow{{"US", day, "USD", 2*1299 + 500 + 3*500, 2, 6}}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rollup %+v, want %+v", got, want)
		}
		var channel, currency string
		var shopID, amount, units int64
		err = d.QueryRowContext(ctx, `SELECT channel, currency, shop_id, amount, units FROM gmv_facts WHERE order_line_id = $1`, a.Orders[0].Lines[0].ID).
			Scan(&channel, &currency, &shopID, &amount, &units)
		if err != nil || channel != "PRODUCT_CARD" || currency != "USD" || shopID != int64(shop.ID) || amount != 2598 || units != 2 {
			t.Fatalf("fact %s %s %d %d %d %v", channel, currency, shopID, amount, units, err)
		}
		if n, _ := factCount(t, d); n != 3 {
			t.Fatalf("%d facts, want one per paid line", n)
		}

		// Every event delivered again changes nothing.
		f.redeliverAll(t)
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after redelivery %+v, want %+v", got, want)
		}
		if n, _ := factCount(t, d); n != 3 {
			t.Fatalf("%d facts after redelivery", n)
		}

		// Order b is refunded: its cancellation (paid) nets it out on the day it happens;
		// a cancellation of an order never paid changes nothing.
		var paidB events.OrderPaid
		if err := d.QueryRowContext(ctx, `SELECT payload FROM outbox WHERE topic = 'order.paid' AND aggregate = $1`, outbox.Aggregate("order", b.Orders[0].ID)).Scan(jsonOf(&paidB)); err != nil {
			t.Fatal(err)
		}
		cancelAt := paidB.At.Add(time.Minute)
		f.record(t, cancelledEvent(paidB, true, cancelAt), cancelledEvent(paidB, false, cancelAt))
		want = []dayRow{{"US", day, "USD", 2*1299 + 500, 1, 3}}
		if us.Day(cancelAt) != day {
			want = []dayRow{{"US", day, "USD", 2*1299 + 500 + 1500, 2, 6}, {"US", us.Day(cancelAt), "USD", -1500, -1, -3}}
		}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after the refund %+v, want %+v", got, want)
		}
		f.redeliverAll(t)
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after redelivering the refund %+v, want %+v", got, want)
		}
		if n, sum := factCount(t, d); n != 4 || sum != 2*1299+500 {
			t.Fatalf("%d facts summing to %d after the refund", n, sum)
		}
	})
}

// jsonOf scans a JSON text column into v.
func jsonOf(v any) any { return scanJSON{v} }

type scanJSON struct{ v any }

func (s scanJSON) Scan(src any) error {
	switch b := src.(type) {
	case string:
		return json.Unmarshal([]byte(b), s.v)
	case []byte:
		return json.Unmarshal(b, s.v)
	}
	return fmt.Errorf("scan JSON from %T", src)
}

func TestGMVIsCountedOnTheMarketsDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		live := paidEvent("US", "USD", time.Date(2025, 3, 10, 5, 0, 0, 0, time.UTC), 2500) // 22:00 on the 9th in Los Angeles
		line := &live.Lines[0]
		line.Source, line.CreatorID, line.LiveSessionID, line.CommissionBP, line.Commission = "LIVE", id.New(), id.New(), 1000, 250
		f.record(t,
			live,
			paidEvent("ID", "IDR", time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC), 15_000_000), // 03:00 on the 11th in Jakarta
			paidEvent("GB", "GBP", time.Date(2025, 3, 30, 23, 30, 0, 0, time.UTC), 700),       // 00:30 BST on the 31st in London
			paidEvent("GB", "GBP", time.Date(2025, 3, 29, 23, 30, 0, 0, time.UTC), 300),       // 23:30 GMT on the 29th
		)
		want := []dayRow{
			{"GB", "2025-03-29", "GBP", 300, 1, 1},
			{"GB", "2025-03-31", "GBP", 700, 1, 1},
			{"ID", "2025-03-11", "IDR", 15_000_000, 1, 15000},
			{"US", "2025-03-09", "USD", 2500, 1, 2},
		}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rollup %+v\nwant %+v", got, want)
		}
		var channel string
		var creatorID, sessionID, at int64
		if err := d.QueryRowContext(ctx, `SELECT channel, creator_id, live_session_id, at FROM gmv_facts WHERE market = 'US'`).Scan(&channel, &creatorID, &sessionID, &at); err != nil {
			t.Fatal(err)
		}
		if channel != "LIVE" || creatorID != int64(line.CreatorID) || sessionID != int64(line.LiveSessionID) || !time.UnixMicro(at).Equal(live.At) {
			t.Fatalf("live fact: %s creator %d session %d at %v", channel, creatorID, sessionID, time.UnixMicro(at))
		}
		days, err := f.gmv.Daily(ctx, "ID", "2025-03-10", "2025-03-11")
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 2 || days[0].GMV != money.Zero("IDR") || days[1].GMV != money.New(15_000_000, "IDR") || days[1].Orders != 1 {
			t.Fatalf("ID days %+v", days)
		}
	})
}

func TestDailyZeroFillsAndRefusesBadRanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.record(t,
			paidEvent("US", "USD", time.Date(2025, 3, 9, 18, 0, 0, 0, time.UTC), 1000, 2000),
			paidEvent("US", "USD", time.Date(2025, 3, 9, 19, 0, 0, 0, time.UTC), 500),
			paidEvent("US", "USD", time.Date(2025, 3, 12, 19, 0, 0, 0, time.UTC), 4000),
			paidEvent("GB", "GBP", time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC), 999), // another market's sale
		)
		days, err := f.gmv.Daily(ctx, "US", "2025-03-07", "2025-03-12")
		if err != nil {
			t.Fatal(err)
		}
		want := []analytics.Day{
			{Day: "2025-03-07", GMV: money.Zero("USD")},
			{Day: "2025-03-08", GMV: money.Zero("USD")},
			{Day: "2025-03-09", GMV: money.New(3500, "USD"), Orders: 2, Units: 4},
			{Day: "2025-03-10", GMV: money.Zero("USD")},
			{Day: "2025-03-11", GMV: money.Zero("USD")},
			{Day: "2025-03-12", GMV: money.New(4000, "USD"), Orders: 1, Units: 4},
		}
		if !slices.Equal(days, want) {
			t.Fatalf("days %+v\nwant %+v", days, want)
		}
		if one, err := f.gmv.Daily(ctx, "US", "2025-03-09", "2025-03-09"); err != nil || len(one) != 1 || one[0] != want[2] {
			t.Fatalf("one day %+v %v", one, err)
		}
		if year, err := f.gmv.Daily(ctx, "US", "2024-03-12", "2025-03-12"); err != nil || len(year) != 366 || year[365] != want[5] {
			t.Fatalf("a year: %d days %v", len(year), err)
		}

		for _, tt := range []struct{ name, market, from, to, code, field string }{
			{"from after to", "US", "2025-03-12", "2025-03-07", "invalid_field", "from"},
			{"not a date", "US", "last week", "2025-03-07", "invalid_field", "from"},
			{"unpadded", "US", "2025-3-1", "2025-03-07", "invalid_field", "from"},
			{"bad to", "US", "2025-03-01", "2025-02-30", "invalid_field", "from"},
			{"over a year", "US", "2024-01-01", "2025-01-02", "invalid_field", "from"},
			{"unknown market", "XX", "2025-03-01", "2025-03-07", "market_not_found", ""},
		} {
			_, err := f.gmv.Daily(ctx, tt.market, tt.from, tt.to)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
			}
		}
	})
}

func TestTotalsPerMarketInItsCurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC) // 13:00 on the 10th in Los Angeles, 03:00 on the 11th in Jakarta
		f.gmv.SetClock(func() time.Time { return now })
		loc, err := time.LoadLocation("America/Los_Angeles")
		if err != nil {
			t.Fatal(err)
		}
		la := func(month time.Month, day, hour int) time.Time {
			return time.Date(2025, month, day, hour, 0, 0, 0, loc)
		}
		refunded := paidEvent("GB", "GBP", now.Add(-2*time.Hour), 5000)
		f.record(t,
			paidEvent("US", "USD", la(time.March, 10, 0), 1000),    // today, at midnight
			paidEvent("US", "USD", la(time.March, 1, 12), 2000),    // nine days ago
			paidEvent("US", "USD", la(time.February, 9, 1), 400),   // the 30th day, counting today
			paidEvent("US", "USD", la(time.February, 8, 23), 8000), // the day before that
			paidEvent("US", "USD", la(time.March, 9, 23), 16),      // yesterday evening, already today in UTC
			paidEvent("ID", "IDR", time.Date(2025, 3, 10, 18, 0, 0, 0, time.UTC), 150_000),
			refunded,
			cancelledEvent(refunded, true, now.Add(-time.Hour)),
			paidEvent("GB", "GBP", now.Add(-time.Hour), 250),
		)
		totals, err := f.gmv.Totals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		markets, _ := f.Markets.Markets(ctx)
		if len(totals) != len(markets) {
			t.Fatalf("%d totals for %d markets", len(totals), len(markets))
		}
		byMarket := map[string]analytics.MarketTotal{}
		for _, m := range totals {
			byMarket[m.Market] = m
		}
		for _, tt := range []struct {
			market, cur                string
			today, last30, total, nOrd int64
		}{
			{"US", "USD", 1000, 1000 + 2000 + 400 + 16, 1000 + 2000 + 400 + 8000 + 16, 5},
			{"ID", "IDR", 150_000, 150_000, 150_000, 1},
			{"GB", "GBP", 250, 250, 250, 1},
			{"TH", "THB", 0, 0, 0, 0},
		} {
			got := byMarket[tt.market]
			want := analytics.MarketTotal{Market: tt.market, Name: got.Name, Today: money.New(tt.today, tt.cur), Last30: money.New(tt.last30, tt.cur),
				Total: money.New(tt.total, tt.cur), Orders: tt.nOrd}
			if got != want || got.Name == "" {
				t.Errorf("%s: %+v\nwant %+v", tt.market, got, want)
			}
		}
	})
}

func TestGMVEndpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		now := time.Date(2025, 3, 10, 20, 0, 0, 0, time.UTC) // already the 11th in Jakarta
		f.gmv.SetClock(func() time.Time { return now })
		f.record(t, paidEvent("ID", "IDR", now.Add(-time.Minute), 150_000))
		mux := http.NewServeMux()
		f.gmv.Routes(mux)
		operator, shopper := f.Operator(t), f.Actor(t, "bea")
		get := func(a auth.Actor, path string, out any) int {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req = req.WithContext(auth.With(req.Context(), a))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if out != nil {
				if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
					t.Fatalf("%s: %v: %s", path, err, rec.Body)
				}
			}
			return rec.Code
		}
		if code := get(auth.Actor{}, "/api/v1/analytics/gmv", nil); code != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", code)
		}
		if code := get(shopper, "/api/v1/analytics/gmv/ID/daily", nil); code != http.StatusForbidden {
			t.Fatalf("shopper: %d", code)
		}
		var totals struct{ Markets []analytics.MarketTotal }
		if code := get(operator, "/api/v1/analytics/gmv", &totals); code != http.StatusOK || len(totals.Markets) == 0 {
			t.Fatalf("totals: %d %+v", code, totals)
		}
		for _, m := range totals.Markets {
			if m.Market == "ID" && m.Today != money.New(150_000, "IDR") {
				t.Fatalf("ID today %+v", m)
			}
		}

		// By default the last 30 days, ending on the market's today.
		var daily struct{ Days []analytics.Day }
		if code := get(operator, "/api/v1/analytics/gmv/ID/daily", &daily); code != http.StatusOK || len(daily.Days) != 30 {
			t.Fatalf("default range: %d, %d days", code, len(daily.Days))
		}
		if first, last := daily.Days[0], daily.Days[29]; first.Day != "2025-02-10" || last.Day != "2025-03-11" || last.GMV != money.New(150_000, "IDR") {
			t.Fatalf("default range %s..%s, last %+v", first.Day, last.Day, last)
		}
		if code := get(operator, "/api/v1/analytics/gmv/ID/daily?from=2025-03-11&to=2025-03-12", &daily); code != http.StatusOK || len(daily.Days) != 2 || daily.Days[0].Orders != 1 {
			t.Fatalf("explicit range: %d %+v", code, daily.Days)
		}
		if code := get(operator, "/api/v1/analytics/gmv/ID/daily?to=2025-03-20", &daily); code != http.StatusOK || len(daily.Days) != 30 || daily.Days[0].Day != "2025-02-19" {
			t.Fatalf("30 days to a given day: %d %+v", code, daily.Days)
		}
		var e struct{ Code, Field string }
		if code := get(operator, "/api/v1/analytics/gmv/ID/daily?from=2025-03-12&to=2025-03-11", &e); code != http.StatusBadRequest || e.Code != "invalid_field" || e.Field != "from" {
			t.Fatalf("bad range: %d %+v", code, e)
		}
		if code := get(operator, "/api/v1/analytics/gmv/XX/daily", &e); code != http.StatusNotFound || e.Code != "market_not_found" {
			t.Fatalf("unknown market: %d %+v", code, e)
		}
	})
}
