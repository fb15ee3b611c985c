package analytics_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// factRow is a gmv_facts row as the test reads it.
type factRow struct {
	eventID, shop, creator, session, product int64
	kind, market, currency                   string
	channel, surface, category, hour         string
	amount, usd, units, at                   int64
}

func readFacts(t *testing.T, d *db.DB) []factRow {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT event_id, shop_id, creator_id, live_session_id, product_id, kind, market, currency,
		channel, surface, category, local_hour, amount, amount_usd, units, at FROM gmv_facts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []factRow
	for rows.Next() {
		var f factRow
		if err := rows.Scan(&f.eventID, &f.shop, &f.creator, &f.session, &f.product, &f.kind, &f.market, &f.currency,
			&f.channel, &f.surface, &f.category, &f.hour, &f.amount, &f.usd, &f.units, &f.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// rollupRow is a gmv_rollups row, or what the facts say it should be.
type rollupRow struct {
	grain, dim, ref, market, period string
	gmv, usd, orders, units         int64
}

func (r rollupRow) String() string {
	return fmt.Sprintf("%s/%s/%s/%s/%s gmv=%d usd=%d orders=%d units=%d", r.grain, r.dim, r.ref, r.market, r.period, r.gmv, r.usd, r.orders, r.units)
}

func readRollups(t *testing.T, d *db.DB) []rollupRow {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT grain, dim, ref, market, period, gmv, gmv_usd, orders, units FROM gmv_rollups`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rollupRow
	for rows.Next() {
		var r rollupRow
		if err := rows.Scan(&r.grain, &r.dim, &r.ref, &r.market, &r.period, &r.gmv, &r.usd, &r.orders, &r.units); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	sortRollups(out)
	return out
}

func sortRollups(rs []rollupRow) {
	slices.SortFunc(rs, func(a, b rollupRow) int {
		return cmp.Or(cmp.Compare(a.grain, b.grain), cmp.Compare(a.dim, b.dim), cmp.Compare(a.ref, b.ref), cmp.Compare(a.market, b.market), cmp.Compare(a.period, b.period))
	})
}

// directRollups computes, in Go and independently of the package, every rollup row
// the facts define: per grain (market-local hour, day, month, quarter, year) and dimension, GMV,
// USD and units summed, and orders counted as paid orders less cancelled ones.
func directRollups(facts []factRow) []rollupRow {
	type acc struct {
		rollupRow
		paid, cancelled map[int64]bool
	}
	rows := map[[5]string]*acc{}
	s := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, f := range facts {
		ch := f.channel
		if f.surface != "" {
			ch += "/" + f.surface
		}
		mon, _ := strconv.Atoi(f.hour[5:7])
		periods := map[string]string{"hour": f.hour, "day": f.hour[:10], "month": f.hour[:7],
			"quarter": fmt.Sprintf("%s-Q%d", f.hour[:4], (mon+2)/3), "year": f.hour[:4]}
		members := []struct{ grains, dim, ref string }{
			{"hour day month", "market", f.market},
			{"day month quarter year", "shop", s(f.shop)},
			{"hour day month", "channel", ch},
			{"hour day month", "category", f.category},
			{"month", "shop_channel", s(f.shop) + "/" + ch},
			{"month", "shop_category", s(f.shop) + "/" + f.category},
		}
		if f.creator != 0 {
			members = append(members, struct{ grains, dim, ref string }{"day month quarter year", "creator", s(f.creator)},
				struct{ grains, dim, ref string }{"month", "creator_channel", s(f.creator) + "/" + ch},
				struct{ grains, dim, ref string }{"month", "creator_category", s(f.creator) + "/" + f.category})
		}
		if f.product != 0 {
			members = append(members, struct{ grains, dim, ref string }{"month quarter year", "product", s(f.shop) + "/" + s(f.product)})
		}
		for _, m := range members {
			for _, g := range strings.Fields(m.grains) {
				k := [5]string{g, m.dim, m.ref, f.market, periods[g]}
				a := rows[k]
				if a == nil {
					a = &acc{rollupRow: rollupRow{grain: g, dim: m.dim, ref: m.ref, market: f.market, period: periods[g]}, paid: map[int64]bool{}, cancelled: map[int64]bool{}}
					rows[k] = a
				}
				a.gmv += f.amount
				a.usd += f.usd
				a.units += f.units
				switch f.kind {
				case "paid":
					a.paid[f.eventID] = true
				case "cancelled":
					a.cancelled[f.eventID] = true
				}
			}
		}
	}
	out := make([]rollupRow, 0, len(rows))
	for _, a := range rows {
		a.orders = int64(len(a.paid) - len(a.cancelled))
		out = append(out, a.rollupRow)
	}
	sortRollups(out)
	return out
}

// eventStream makes a random but reproducible stream of order events across markets:
// paid orders from every channel (lives, videos, showcases, product cards), refunds of
// some units of delivered orders, cancellations of paid orders (some after a partial
// refund) and cancellations of orders never paid.
type eventStream struct {
	rng      *rand.Rand
	paid     []events.OrderPaid
	refunded map[id.ID]int64 // units refunded so far, by line
	shops    map[string][]id.ID
	creators map[string][]id.ID
	sessions map[string][]id.ID
	products []id.ID
}

var currencyOf = map[string]string{"US": "USD", "GB": "GBP", "ID": "IDR", "DE": "EUR", "VN": "VND"}

func newEventStream(seed uint64) *eventStream {
	s := &eventStream{rng: rand.New(rand.NewPCG(seed, 7)), refunded: map[id.ID]int64{}, shops: map[string][]id.ID{},
		creators: map[string][]id.ID{}, sessions: map[string][]id.ID{}}
	for m := range currencyOf {
		s.shops[m] = []id.ID{id.New(), id.New(), id.New()}
		s.creators[m] = []id.ID{id.New(), id.New()}
		s.sessions[m] = []id.ID{id.New(), id.New()}
	}
	for range 6 {
		s.products = append(s.products, id.New())
	}
	return s
}

func (s *eventStream) next(base time.Time) events.Event {
	codes := []string{"DE", "GB", "ID", "US", "VN"}
	m := codes[s.rng.IntN(len(codes))]
	at := base.Add(time.Duration(s.rng.IntN(60*24*60)) * time.Minute)
	switch x := s.rng.IntN(20); {
	case x < 3 && len(s.paid) > 0: // a refund of some units of a delivered order
		p := s.paid[s.rng.IntN(len(s.paid))]
		ev := events.OrderRefunded{Order: p.Order, ReturnID: id.New(), Kind: "refund_only", At: p.At.Add(time.Duration(1+s.rng.IntN(20)) * 24 * time.Hour)}
		ev.Order.Lines = slices.Clone(p.Lines)
		for i, l := range p.Lines {
			left := l.Quantity - s.refunded[l.LineID]
			if left == 0 || s.rng.IntN(2) == 0 {
				continue
			}
			q := 1 + s.rng.Int64N(left)
			ev.Lines = append(ev.Lines, events.RefundedLine{LineID: l.LineID, Quantity: q, Before: s.refunded[l.LineID], Amount: l.Total * q / l.Quantity})
			s.refunded[l.LineID] += q
			ev.Order.Lines[i].RefundedQuantity = s.refunded[l.LineID]
		}
		return ev
	case x < 6 && len(s.paid) > 0: // a paid order cancelled, whatever was refunded before
		i := s.rng.IntN(len(s.paid))
		p := s.paid[i]
		s.paid = slices.Delete(s.paid, i, i+1)
		o := p.Order
		o.Lines = slices.Clone(o.Lines)
		for j := range o.Lines {
			o.Lines[j].RefundedQuantity = s.refunded[o.Lines[j].LineID]
		}
		return events.OrderCancelled{Order: o, WasPaid: true, Reason: "test", At: p.At.Add(time.Duration(s.rng.IntN(48*60)) * time.Minute)}
	case x < 7: // never paid: counts nothing
		return cancelledEvent(paidEvent(m, currencyOf[m], at, 999), false, at)
	}
	o := events.Order{OrderID: id.New(), CheckoutID: id.New(), BuyerID: id.New(), ShopID: s.shops[m][s.rng.IntN(3)], Market: m, Currency: currencyOf[m], Status: "AWAITING_SHIPMENT", PaidAt: at}
	for range 1 + s.rng.IntN(3) {
		qty := 1 + s.rng.Int64N(4)
		unit := 100 + s.rng.Int64N(90_000)
		l := events.OrderLine{LineID: id.New(), ProductID: s.products[s.rng.IntN(len(s.products))], SKUID: id.New(), Title: "Thing", Quantity: qty, UnitPrice: unit, Total: unit * qty}
		creator := s.creators[m][s.rng.IntN(2)]
		switch s.rng.IntN(4) {
		case 0:
			l.Source, l.CreatorID, l.LiveSessionID = "LIVE", creator, s.sessions[m][s.rng.IntN(2)]
		case 1:
			l.Source, l.CreatorID = "VIDEO", creator
		case 2:
			l.Source, l.CreatorID = "SHOWCASE", creator
		default:
			l.Source = "PRODUCT_CARD"
		}
		o.Lines = append(o.Lines, l)
		o.Subtotal += l.Total
	}
	o.Total = o.Subtotal
	p := events.OrderPaid{Order: o, BuyerName: "Bea B.", At: at}
	s.paid = append(s.paid, p)
	return p
}

// The consumer's incremental rollups equal a direct computation from the facts, on
// both engines, through paid orders, refunds in parts, cancellations and redelivery
// of every event; Check agrees, finds a tampered row, and Rebuild restores it.
func TestRollupsEqualADirectComputationFromFacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		stream := newEventStream(42)
		// Sixty days from mid-December: across a month, a quarter and a year's end.
		base := time.Date(2024, 12, 15, 0, 0, 0, 0, time.UTC)
		var evs []events.Event
		for range 150 {
			evs = append(evs, stream.next(base))
		}
		// Live events for two of the sessions, so their titles and hosts are known.
		f.record(t, events.LiveStarted{LiveSession: events.LiveSession{SessionID: stream.sessions["US"][0], Market: "US", HostAccountID: id.New(), CreatorID: stream.creators["US"][0], Title: "Glow-up Friday"}, At: base})
		f.record(t, evs...)
		f.redeliverAll(t)

		facts := readFacts(t, d)
		want := directRollups(facts)
		got := readRollups(t, d)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rollups differ from the facts:\n%s", diffRollups(got, want))
		}
		if len(got) < 300 {
			t.Fatalf("only %d rollup rows: the stream is too small to test much", len(got))
		}

		// Every fact is in USD at the seeded rate of its currency, rounded once.
		rates, _ := f.fx.Rates(ctx)
		var kinds = map[string]int{}
		for _, fr := range facts {
			usd, err := rates.ToUSD(money.New(fr.amount, fr.currency), time.UnixMicro(fr.at))
			if err != nil || usd.Amount != fr.usd {
				t.Fatalf("fact %+v: usd %d, want %v (%v)", fr, fr.usd, usd, err)
			}
			m, _ := f.Markets.Market(ctx, fr.market)
			if h := time.UnixMicro(fr.at).In(m.Location()).Format("2006-01-02T15"); h != fr.hour {
				t.Fatalf("fact at %v in %s: local hour %s, want %s", time.UnixMicro(fr.at), fr.market, fr.hour, h)
			}
			kinds[fr.kind]++
		}
		if kinds["paid"] == 0 || kinds["cancelled"] == 0 || kinds["refunded"] == 0 {
			t.Fatalf("the stream lacks a kind of fact: %v", kinds)
		}

		// Sessions add up from their facts too.
		type sess struct{ gmv, units int64 }
		perSession := map[int64]sess{}
		for _, fr := range facts {
			if fr.session != 0 {
				s := perSession[fr.session]
				perSession[fr.session] = sess{s.gmv + fr.amount, s.units + fr.units}
			}
		}
		for sid, want := range perSession {
			var got sess
			if err := d.QueryRowContext(ctx, `SELECT gmv, units FROM gmv_sessions WHERE session_id = $1`, sid).Scan(&got.gmv, &got.units); err != nil || got != want {
				t.Fatalf("session %d: %+v, want %+v (%v)", sid, got, want, err)
			}
		}
		var title string
		if err := d.QueryRowContext(ctx, `SELECT title FROM gmv_sessions WHERE session_id = $1`, stream.sessions["US"][0]).Scan(&title); err != nil || title != "Glow-up Friday" {
			t.Fatalf("session title %q %v", title, err)
		}

		// Check agrees; a tampered row is found; Rebuild puts it right and matches.
		res, err := f.gmv.Check(ctx)
		if err != nil || res.Differences != 0 || res.Rows != int64(len(want)) || res.Facts != int64(len(facts)) || res.Sessions != int64(len(perSession)) {
			t.Fatalf("check: %+v %v", res, err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE gmv_rollups SET gmv = gmv + 1 WHERE grain = 'day' AND dim = 'shop' AND ref = $1`, strconv.FormatInt(facts[0].shop, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM gmv_rollups WHERE grain = 'month' AND dim = 'product' AND ref IN (SELECT ref FROM gmv_rollups WHERE dim = 'product' ORDER BY ref LIMIT 1)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE gmv_sessions SET orders = orders + 5 WHERE session_id = $1`, stream.sessions["GB"][1]); err != nil {
			t.Fatal(err)
		}
		res, err = f.gmv.Check(ctx)
		if err != nil || res.Differences < 3 || len(res.Examples) == 0 {
			t.Fatalf("check after tampering: %+v %v", res, err)
		}
		res, err = f.gmv.Rebuild(ctx)
		if err != nil || !res.Rebuilt || res.Differences < 3 {
			t.Fatalf("rebuild: %+v %v", res, err)
		}
		if got := readRollups(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after rebuild:\n%s", diffRollups(got, want))
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences != 0 {
			t.Fatalf("check after rebuild: %+v %v", res, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT title FROM gmv_sessions WHERE session_id = $1`, stream.sessions["US"][0]).Scan(&title); err != nil || title != "Glow-up Friday" {
			t.Fatalf("rebuild lost the session title: %q %v", title, err)
		}

		// Events after a rebuild keep adding to it.
		more := []events.Event{}
		for range 20 {
			more = append(more, stream.next(base))
		}
		f.record(t, more...)
		if got, want := readRollups(t, d), directRollups(readFacts(t, d)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after more events:\n%s", diffRollups(got, want))
		}
	})
}

func diffRollups(got, want []rollupRow) string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, r := range got {
		g[r.String()] = true
	}
	for _, r := range want {
		w[r.String()] = true
	}
	var b strings.Builder
	n := 0
	for _, r := range want {
		if !g[r.String()] && n < 15 {
			fmt.Fprintf(&b, "  want %s\n", r)
			n++
		}
	}
	for _, r := range got {
		if !w[r.String()] && n < 30 {
			fmt.Fprintf(&b, "  got  %s\n", r)
			n++
		}
	}
	return fmt.Sprintf("%d rows stored, %d expected\n%s", len(got), len(want), b.String())
}

// A refund nets out its units pro rata of the line, in parts that add up exactly;
// the order stays counted. A later cancellation nets out only what is left.
func TestRefundsNetOutProRata(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		at := time.Date(2025, 6, 2, 18, 0, 0, 0, time.UTC)
		p := paidEvent("US", "USD", at, 1000) // one line: 1 unit of 1000
		p.Lines[0].Quantity, p.Lines[0].UnitPrice, p.Lines[0].Total = 3, 333, 1000
		f.record(t, p)
		refund := func(q, before int64, when time.Time) events.OrderRefunded {
			o := p.Order
			o.Lines = slices.Clone(o.Lines)
			o.Lines[0].RefundedQuantity = before + q
			return events.OrderRefunded{Order: o, ReturnID: id.New(), Kind: "return_refund", Refund: 0,
				Lines: []events.RefundedLine{{LineID: p.Lines[0].LineID, Quantity: q, Before: before}}, At: when}
		}
		f.record(t, refund(1, 0, at.Add(time.Hour)))
		want := []dayRow{{"US", "2025-06-02", "USD", 1000 - 333, 1, 2}}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after refunding 1 of 3: %+v, want %+v", got, want)
		}
		f.record(t, refund(1, 1, at.Add(2*time.Hour)))
		want = []dayRow{{"US", "2025-06-02", "USD", 1000 - 333 - 333, 1, 1}}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after refunding 2 of 3: %+v, want %+v", got, want)
		}
		// Cancelling now nets out the last unit: 334, so the three parts are exactly 1000.
		o := p.Order
		o.Lines = slices.Clone(o.Lines)
		o.Lines[0].RefundedQuantity = 2
		f.record(t, events.OrderCancelled{Order: o, WasPaid: true, Reason: "test", At: at.Add(3 * time.Hour)})
		want = []dayRow{{"US", "2025-06-02", "USD", 0, 0, 0}}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after cancelling the rest: %+v, want %+v", got, want)
		}
		var amounts []int64
		rows, _ := d.QueryContext(context.Background(), `SELECT amount FROM gmv_facts ORDER BY at`)
		for rows.Next() {
			var a int64
			_ = rows.Scan(&a)
			amounts = append(amounts, a)
		}
		rows.Close()
		if fmt.Sprint(amounts) != "[1000 -333 -333 -334]" {
			t.Fatalf("fact amounts %v", amounts)
		}
	})
}

// Facts recorded before this version (no local hour, no USD amount) are filled in at
// start and the rollups rebuilt from them.
func TestPrepareFillsInLegacyFacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		at := time.Date(2025, 3, 10, 5, 0, 0, 0, time.UTC) // 22:00 on the 9th in Los Angeles
		for i, amount := range []int64{2540, -540} {
			kind, units := "paid", 1
			if amount < 0 {
				kind, units = "cancelled", -1
			}
			if _, err := d.ExecContext(ctx, `INSERT INTO gmv_facts (id, event_id, order_id, order_line_id, market, shop_id, channel, currency, amount, units, at, kind)
				VALUES ($1, $2, 7, 8, 'US', 9, 'PRODUCT_CARD', 'USD', $3, $4, $5, $6)`, id.New(), 100+i, amount, units, at.UnixMicro(), kind); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO gmv_facts (id, event_id, order_id, order_line_id, market, shop_id, channel, currency, amount, units, at, kind)
			VALUES ($1, 200, 17, 18, 'VN', 19, 'LIVE', 'VND', 254000, 2, $2, 'paid')`, id.New(), at.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		var hour string
		var usd int64
		if err := d.QueryRowContext(ctx, `SELECT local_hour, amount_usd FROM gmv_facts WHERE market = 'VN'`).Scan(&hour, &usd); err != nil || hour != "2025-03-10T12" || usd != 1000 {
			t.Fatalf("VN fact: %s %d %v", hour, usd, err)
		}
		want := []dayRow{{"US", "2025-03-09", "USD", 2000, 0, 0}, {"VN", "2025-03-10", "VND", 254000, 1, 2}}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rollups after prepare: %+v, want %+v", got, want)
		}
		if res, err := f.gmv.Check(ctx); err != nil || res.Differences != 0 {
			t.Fatalf("check: %+v %v", res, err)
		}
		// With nothing left to do it changes nothing.
		if err := f.gmv.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if got := dailyRows(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("second prepare: %+v", got)
		}
	})
}

// A quarter's or a year's leaderboard, read from its own rollup rows, ranks every
// shop, creator and product by the sum of its months, in a market (in its currency)
// and the world's (in USD), across a quarter's and a year's end.
func TestQuarterAndYearLeaderboardsEqualTheirMonths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		stream := newEventStream(7)
		base := time.Date(2024, 12, 15, 0, 0, 0, 0, time.UTC)
		var evs []events.Event
		for range 120 {
			evs = append(evs, stream.next(base))
		}
		f.record(t, evs...)
		ops := f.Operator(t)
		months := map[string][2]string{"2024-Q4": {"2024-10", "2024-12"}, "2025-Q1": {"2025-01", "2025-03"}, "2024": {"2024-01", "2024-12"}, "2025": {"2025-01", "2025-12"}}
		for _, kind := range []string{analytics.BoardShops, analytics.BoardCreators, analytics.BoardProducts} {
			dim := map[string]string{analytics.BoardShops: "shop", analytics.BoardCreators: "creator", analytics.BoardProducts: "product"}[kind]
			for _, mk := range []string{"US", ""} {
				for period, span := range months {
					lb, err := f.gmv.Leaderboard(ctx, ops, analytics.LeaderboardQuery{Kind: kind, Market: mk, Period: period, Limit: 100})
					if err != nil {
						t.Fatal(err)
					}
					col, where, args := "gmv", "grain = 'month' AND dim = $1 AND period >= $2 AND period <= $3", []any{dim, span[0], span[1]}
					if mk != "" {
						where, args = where+" AND market = $4", append(args, mk)
					} else {
						col = "gmv_usd"
					}
					rows, err := d.QueryContext(ctx, `SELECT ref, market, SUM(`+col+`) FROM gmv_rollups WHERE `+where+` GROUP BY ref, market`, args...)
					if err != nil {
						t.Fatal(err)
					}
					want := map[string]int64{}
					for rows.Next() {
						var ref, market string
						var v int64
						if err := rows.Scan(&ref, &market, &v); err != nil {
							t.Fatal(err)
						}
						if i := strings.LastIndexByte(ref, '/'); i >= 0 {
							ref = ref[i+1:]
						}
						want[ref+"@"+market] += v // a product's rows per shop, as the board names it by product
					}
					rows.Close()
					got := map[string]int64{}
					for i, r := range lb.Rows {
						v := r.GMV.Amount
						if mk == "" {
							v = r.GMVUSD.Amount
						}
						got[r.ID.String()+"@"+r.Market] += v
						if i > 0 {
							prev := lb.Rows[i-1].GMV.Amount
							if mk == "" {
								prev = lb.Rows[i-1].GMVUSD.Amount
							}
							if prev < v {
								t.Errorf("%s %s %q: row %d (%d) above row %d (%d)", kind, period, mk, i-1, prev, i, v)
							}
						}
					}
					if len(want) == 0 && (period == "2024-Q4" || period == "2025-Q1") {
						t.Fatalf("%s %s: no months to compare with", kind, period)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s %s %q: leaderboard %v, want the sum of its months %v", kind, period, mk, got, want)
					}
				}
			}
		}
	})
}
