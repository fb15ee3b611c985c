package seller_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func emit(t *testing.T, k *testkit.Kit, e events.Event) {
	t.Helper()
	ctx := context.Background()
	if err := k.DB.RunInTx(ctx, func(tx *db.Tx) error { return k.Outbox.Add(ctx, tx, outbox.Aggregate("test", id.New()), e) }); err != nil {
		t.Fatal(err)
	}
}

func TestShopPerformanceScore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Performance.MinDeliveredOrders = 10
			p.Performance.ScoreWindowDays, p.Performance.NegativeReviewDays = 90, 60
			p.Probation.MaxBadReviewRateBP = 1000    // 10% negative reviews is the benchmark
			p.Performance.LateDispatchTargetBP = 400 // 4%
			p.Performance.SellerCancelMaxBP = 250    // 2.5%
		})
		shop, _ := s.Register(ctx, k.Actor(t, "ana", auth.Seller), seller.RegisterInput{Market: "US", Name: "Ana's"})
		now := time.Now()
		order := func(daysAgo int, late, negative, sellerCancel bool) {
			at := now.AddDate(0, 0, -daysAgo)
			oid := id.New()
			o := events.Order{OrderID: oid, CheckoutID: oid, BuyerID: id.New(), ShopID: shop.ID, Market: "US", Currency: "USD"}
			emit(t, k, events.OrderPaid{Order: o, At: at})
			if sellerCancel {
				emit(t, k, events.OrderCancelled{Order: o, WasPaid: true, Fault: "seller", At: at})
				return
			}
			emit(t, k, events.OrderShipped{Order: o, Late: late, At: at})
			emit(t, k, events.OrderDelivered{Order: o, At: at})
			if negative {
				emit(t, k, events.ReviewCreated{ReviewID: oid, OrderID: oid, LineID: oid, ProductID: oid, ShopID: shop.ID, Rating: 1, First: true, DeliveredAt: at, At: now})
			}
		}
		// Nine delivered orders: not scored yet.
		for i := 0; i < 9; i++ {
			order(5, false, false, false)
		}
		k.RelayUntilIdle(t)
		perf, err := s.Performance(ctx, shop.ID, now, 30)
		if err != nil {
			t.Fatal(err)
		}
		if perf.Scored || perf.Delivered != 9 || perf.NeedOrder != 10 {
			t.Fatalf("scored below the minimum: %+v", perf)
		}
		// Twenty delivered in the window, one late of 20 shipped (5%), two negative of 20
		// (10%, the benchmark), one seller cancellation of 21 paid (4.76%); and old
		// history outside every window that must not count.
		for i := 0; i < 11; i++ {
			order(10, i == 0, i < 2, false)
		}
		order(3, false, false, true)
		for i := 0; i < 5; i++ {
			order(200, true, true, true)
		}
		k.RelayUntilIdle(t)
		perf, err = s.Performance(ctx, shop.ID, now, 30)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]seller.Metric{}
		for _, m := range perf.Metrics {
			byKey[m.Key] = m
		}
		nrr, ldr, scr := byKey["negative_review_rate"], byKey["late_dispatch_rate"], byKey["seller_cancel_rate"]
		if !perf.Scored || perf.Delivered != 20 || nrr.ValueBP != 1000 || nrr.Score != 3.5 || ldr.ValueBP != 500 || ldr.Denominator != 20 ||
			scr.ValueBP != 476 || scr.Numerator != 1 || scr.Denominator != 21 {
			t.Fatalf("performance %+v", perf)
		}
		// 0.4×3.5 + 0.15×(3.5−3.5×0.25) + 0.15×(3.5−3.5×(476−250)/250) + 0.15×5 (no payment
		// times: no delivery held late) + 0.15×5 (no buyer messages)
		want := 0.4*3.5 + 0.15*(3.5-3.5*0.25) + 0.15*(3.5-3.5*float64(476-250)/250) + 0.15*5 + 0.15*5
		if math.Abs(perf.Score-math.Round(want*10)/10) > 1e-9 {
			t.Fatalf("score %.2f, want %.1f", perf.Score, want)
		}
		// History: each past day under the policy in force that day. Before today the
		// seed policy asked for 30 delivered orders, so those days are not scored.
		if len(perf.History) != 30 || !perf.History[29].Scored || perf.History[29].Score != perf.Score || perf.History[20].Scored || perf.History[29].Day != perf.Day {
			t.Fatalf("history %+v", perf.History)
		}
		// Hiding a negative review takes it out again.
		var rid id.ID
		d.QueryRowContext(ctx, `SELECT id FROM outbox WHERE topic = 'review.created' ORDER BY id DESC LIMIT 1`).Scan(&rid)
		emit(t, k, events.ReviewModerated{ReviewID: rid, OrderID: rid, LineID: rid, ProductID: rid, ShopID: shop.ID, Rating: 1, First: true, Hidden: true,
			DeliveredAt: now.AddDate(0, 0, -10), At: now})
		k.RelayUntilIdle(t)
		after, _ := s.Performance(ctx, shop.ID, now, 1)
		if after.Metrics[0].Numerator != 1 || after.Score <= perf.Score {
			t.Fatalf("after moderation %+v", after)
		}
		// The defaults are the first score's constants: 40/15/15/15/15, 3.5 at the
		// benchmark, 0 at twice it (checked above). A policy weighing late dispatch at
		// 60%, scoring 2.0 at the benchmark and 0 at three times it changes the score
		// from its effective moment, with the same counts.
		cur, err := k.Markets.Policy(ctx, "US", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		def := cur.Performance.Scoring
		if def.Weights.NegativeReviewRateBP != 4000 || def.Weights.ResponseRateBP != 1500 || def.ScoreAtBenchmarkX10 != 35 || def.ZeroAtBenchmarkX100 != 200 {
			t.Fatalf("default scoring %+v", def)
		}
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Performance.Scoring = market.SPSScoring{
				Weights: market.SPSWeights{NegativeReviewRateBP: 1000, LateDispatchRateBP: 6000, SellerCancelRateBP: 1000,
					OnTimeDeliveryRateBP: 1000, ResponseRateBP: 1000},
				ScoreAtBenchmarkX10: 20, ZeroAtBenchmarkX100: 300,
			}
		})
		changed, err := s.Performance(ctx, shop.ID, time.Now(), 1)
		if err != nil {
			t.Fatal(err)
		}
		// negative reviews 5% of a 10% benchmark, late 5% of 4%, cancellations 4.76% of 2.5%.
		want = 0.1*(5-3*0.5) + 0.6*(2-2*100.0/800) + 0.1*(2-2*float64(476-250)/500) + 0.1*5 + 0.1*5
		if math.Abs(changed.Score-math.Round(want*10)/10) > 1e-9 || changed.Score == after.Score ||
			changed.Metrics[1].WeightPercent() != 60 || changed.Metrics[1].Score != 1.8 {
			t.Fatalf("under the new scoring: %.1f (was %.1f), want %.1f; %+v", changed.Score, after.Score, want, changed.Metrics)
		}
	})
}

func TestOnTimeDeliveryAndResponseRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Performance.MinDeliveredOrders = 1
			p.Performance.OnTimeDeliveryMinBP = 9000 // 90%
			p.Performance.ResponseRateMinBP = 8000   // 80%
			p.Calendar = market.CalendarPolicy{WeekendDays: []int{0, 6}}
		})
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		now := time.Now()
		// Paid on a Monday noon (Los Angeles) under the seed policy of that day (7
		// business days): the promise is the end of the next Wednesday.
		la, _ := time.LoadLocation("America/Los_Angeles")
		monday := time.Date(2026, 11, 9, 12, 0, 0, 0, la)
		for now.Sub(monday) > 20*24*time.Hour {
			monday = monday.AddDate(0, 0, 7)
		}
		for now.Sub(monday) < 14*24*time.Hour {
			monday = monday.AddDate(0, 0, -7)
		}
		deliver := func(at time.Time) {
			oid := id.New()
			emit(t, k, events.OrderDelivered{Order: events.Order{OrderID: oid, CheckoutID: oid, BuyerID: id.New(), ShopID: shop.ID, Market: "US", Currency: "USD", PaidAt: monday}, At: at})
		}
		for i := 0; i < 8; i++ {
			deliver(monday.AddDate(0, 0, 8).Add(11 * time.Hour)) // next Tuesday 23:00: on time
		}
		deliver(monday.AddDate(0, 0, 10).Add(time.Hour)) // Thursday: late
		deliver(monday.AddDate(0, 0, 12))                // Saturday: late
		k.RelayUntilIdle(t)

		// Buyer messages: three buyers write; the shop answers one in time, one late,
		// and one buyer still waits within the 24 hours the policy of the day gives
		// (not counted yet).
		clock := now.Add(-48 * time.Hour)
		s.SetClock(func() time.Time { return clock })
		b1, b2, b3 := k.Actor(t, "b1"), k.Actor(t, "b2"), k.Actor(t, "b3")
		for _, b := range []auth.Actor{b1, b2} {
			if _, err := s.MessageShop(ctx, b, shop.ID, "Is this in stock?"); err != nil {
				t.Fatal(err)
			}
		}
		// A follow-up before the answer does not open a second inquiry.
		if _, err := s.MessageShop(ctx, b1, shop.ID, "Hello?"); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(2 * time.Hour)
		if _, err := s.ReplyToBuyer(ctx, ana, shop.ID, b1.AccountID, "Yes, ships today"); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(28 * time.Hour)
		if _, err := s.ReplyToBuyer(ctx, ana, shop.ID, b2.AccountID, "Sorry for the wait"); err != nil {
			t.Fatal(err)
		}
		clock = now.Add(-time.Hour)
		if _, err := s.MessageShop(ctx, b3, shop.ID, "Do you ship to Alaska?"); err != nil {
			t.Fatal(err)
		}
		s.SetClock(time.Now)

		// Bad input.
		_, err := s.MessageShop(ctx, ana, shop.ID, "to myself")
		wantErr(t, "own shop", err, "cannot_message_shop", "shop_id")
		_, err = s.MessageShop(ctx, b1, shop.ID, "  ")
		wantErr(t, "empty", err, "invalid_field", "body")
		_, err = s.ReplyToBuyer(ctx, ana, shop.ID, k.Actor(t, "stranger").AccountID, "hi")
		wantErr(t, "reply to a stranger", err, "invalid_field", "buyer_id")
		_, err = s.ReplyToBuyer(ctx, b2, shop.ID, b1.AccountID, "impersonating")
		wantErr(t, "buyer replies as the shop", err, "not_your_shop", "")
		if _, err := s.Messages(ctx, b2, shop.ID, b1.AccountID); err == nil {
			t.Fatal("a buyer read another buyer's conversation")
		}
		ms, err := s.Messages(ctx, b1, shop.ID, b1.AccountID)
		if err != nil || len(ms) != 3 || !ms[2].FromShop || ms[0].Body != "Is this in stock?" {
			t.Fatalf("conversation %+v %v", ms, err)
		}
		cs, _ := s.Conversations(ctx, ana, shop.ID)
		if len(cs) != 3 || !cs[0].Waiting || cs[0].BuyerID != b3.AccountID || cs[1].Waiting {
			t.Fatalf("conversations %+v", cs)
		}

		perf, err := s.Performance(ctx, shop.ID, now, 30)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]seller.Metric{}
		for _, m := range perf.Metrics {
			by[m.Key] = m
		}
		otd, rr := by["on_time_delivery_rate"], by["response_rate"]
		if otd.Numerator != 8 || otd.Denominator != 10 || otd.ValueBP != 8000 || otd.BenchmarkBP != 9000 || !otd.AtLeast {
			t.Fatalf("on-time delivery %+v", otd)
		}
		// 20% late against 10% allowed: twice the allowance scores 0.
		if otd.Score != 0 {
			t.Fatalf("on-time score %v", otd.Score)
		}
		if rr.Numerator != 1 || rr.Denominator != 2 || rr.ValueBP != 5000 || rr.BenchmarkBP != 8000 {
			t.Fatalf("response rate %+v", rr)
		}
		// 50% missed against 20% allowed: beyond twice the allowance.
		if rr.Score != 0 {
			t.Fatalf("response score %v", rr.Score)
		}
		// Trend: 30 days ago nothing was delivered (100% on time by default); now 80%.
		if otd.TrendBP != -2000 || otd.Improving() {
			t.Fatalf("on-time trend %d", otd.TrendBP)
		}
	})
}

func TestSPSScoringPolicyIsValidated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		ctx := context.Background()
		op := k.Operator(t)
		before, err := k.Markets.Policy(ctx, "US", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			edit  func(sc *market.SPSScoring)
			field string
		}{
			{"weights short of 100%", func(sc *market.SPSScoring) { sc.Weights.ResponseRateBP = 1000 }, "performance.scoring.weights"},
			{"a negative weight", func(sc *market.SPSScoring) {
				sc.Weights.ResponseRateBP, sc.Weights.LateDispatchRateBP = -500, 3500
			}, "performance.scoring.weights.response_rate_bp"},
			{"a benchmark score of 5", func(sc *market.SPSScoring) { sc.ScoreAtBenchmarkX10 = 50 }, "performance.scoring.score_at_benchmark_x10"},
			{"zero at the benchmark itself", func(sc *market.SPSScoring) { sc.ZeroAtBenchmarkX100 = 100 }, "performance.scoring.zero_at_benchmark_x100"},
		}
		for _, tt := range tests {
			p := before
			tt.edit(&p.Performance.Scoring)
			_, err := k.Markets.SetPolicy(ctx, op, "US", time.Now().Add(time.Hour), p, "bad scoring")
			if e := errs.As(err); e == nil || e.Field != tt.field {
				t.Errorf("%s: %v, want a refusal on %s", tt.name, err, tt.field)
			}
		}
		after, _ := k.Markets.Policy(ctx, "US", time.Now().Add(2*time.Hour))
		if after.Performance.Scoring != before.Performance.Scoring {
			t.Fatalf("a refused policy changed the scoring: %+v", after.Performance.Scoring)
		}
	})
}
