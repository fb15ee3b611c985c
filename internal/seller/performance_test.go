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
		// 0.5×3.5 + 0.25×(3.5−3.5×0.25) + 0.25×(3.5−3.5×(476−250)/250) = 1.75 + 0.65625 + 0.084 ≈ 2.5
		want := 0.5*3.5 + 0.25*(3.5-3.5*0.25) + 0.25*(3.5-3.5*float64(476-250)/250)
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
	})
}
