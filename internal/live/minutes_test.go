package live_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

// A live's minutes are written while it runs: viewers, likes, comments from the room,
// orders and GMV from order.paid (once, however often the event comes); the report adds
// them up and scores the interaction; only the host, the shop and operators read it.
func TestLiveMinutesAndReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cfg := testConfig()
		cfg.MinuteLength = 100 * time.Millisecond
		f := setup(t, d, cfg)
		f.hub.EnableMinutes(d)
		f.setChatPolicy(t, 300, 0)
		ctx := context.Background()
		ana, ben := f.Actor(t, "ana.m"), f.Actor(t, "ben.m")
		va, _ := f.watch(t, ana)
		vb, _ := f.watch(t, ben)
		va.Like(20)
		vb.Like(30)
		for _, text := range []string{"hi", "love it", "price?"} {
			if err := va.Chat(ctx, text); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.hub.Buy(ctx, ben, f.session.ID, live.BuyInput{SKUID: f.products[0].SKUs[0].ID, Quantity: 2, IdempotencyKey: "m1",
			ShippingAddress: order.Address{Name: "Ben", Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}, PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		f.RelayUntilIdle(t)
		var rep live.Report
		deadline := time.Now().Add(10 * time.Second)
		for {
			if rep, err = f.hub.Report(ctx, f.host, f.session.ID); err != nil {
				t.Fatal(err)
			}
			if rep.Likes == 50 && rep.Comments == 3 && rep.Orders == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("report never added up: %+v", rep)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rep.Units != 2 || rep.GMV != res.Total.Amount || rep.Currency != "USD" || rep.PeakViewers < 2 || rep.NewViewers < 2 || len(rep.Minutes) < 1 {
			t.Fatalf("report %+v (order total %d)", rep, res.Total.Amount)
		}
		if rep.ViewerMinutes <= 0 || rep.Score.Score <= 0 || rep.Score.LikesPerViewerMinute <= 0 {
			t.Fatalf("interaction %+v over %.3f viewer-minutes", rep.Score, rep.ViewerMinutes)
		}
		if _, err := f.hub.Report(ctx, ana, f.session.ID); !errors.Is(err, live.ErrReportNotYours) {
			t.Fatalf("a viewer reading the report: %v", err)
		}
		if _, err := f.hub.Report(ctx, f.Operator(t), f.session.ID); err != nil {
			t.Fatalf("an operator reading the report: %v", err)
		}
		if _, err := f.hub.Report(ctx, auth.Actor{}, f.session.ID); err == nil {
			t.Fatal("an anonymous report")
		}
	})
}
