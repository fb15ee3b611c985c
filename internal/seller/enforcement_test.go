package seller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestLateDispatchAboveTheEnforcementThresholdRestrictsTheShop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		if err := c.Sellers.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Performance.MinDeliveredOrders = 10
			p.Performance.LateDispatchEnforceBP = 1000 // 10%
			p.Settlement.EnforcementDelayDays = 30
		})
		now := time.Now()
		ana, bo := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bo", auth.Seller)
		slow, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Slow Shop"})
		fine, _ := c.Sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Fine Shop"})
		ship := func(shop seller.Shop, n, late int) {
			for i := 0; i < n; i++ {
				oid := id.New()
				emit(t, k, events.OrderShipped{Order: events.Order{OrderID: oid, CheckoutID: oid, BuyerID: id.New(), ShopID: shop.ID, Market: "US", Currency: "USD"},
					Late: i < late, At: now.AddDate(0, 0, -2)})
			}
		}
		ship(slow, 12, 2) // 16.67%
		ship(fine, 12, 1) // 8.33%
		k.RelayUntilIdle(t)
		n, err := c.Sellers.EnforceAll(ctx, now)
		if err != nil || n != 1 {
			t.Fatalf("restricted %d %v", n, err)
		}
		got, _ := c.Sellers.Shop(ctx, slow.ID)
		if got.Status != seller.Restricted || !strings.Contains(got.StatusReason, "16.66%") || !strings.Contains(got.StatusReason, "10.00%") {
			t.Fatalf("slow shop %s: %q", got.Status, got.StatusReason)
		}
		if other, _ := c.Sellers.Shop(ctx, fine.ID); other.Status != seller.Active {
			t.Fatalf("fine shop %s", other.Status)
		}
		// Restricted: no new listings, payouts wait longer; still sells (CanSell).
		_, err = c.Catalog.CreateProduct(ctx, ana, slow.ID, catalog.ProductInput{Title: "Tea", SKUs: []catalog.SKUInput{{Price: money.New(500, "USD"), Stock: 1}}})
		wantErr(t, "restricted shop lists", err, "shop_restricted", "")
		if days, reason, _ := c.Sellers.SettlementDelay(ctx, slow.ID, now.Add(time.Minute)); days != 30 || reason != seller.DelayEnforcement {
			t.Fatalf("settlement %d %s", days, reason)
		}
		if !got.CanSell() {
			t.Fatal("restricted shop cannot sell")
		}
		acts, _ := c.Sellers.Actions(ctx, ana, slow.ID)
		if acts[0].ToStatus != seller.Restricted || acts[0].ActorID != 0 {
			t.Fatalf("audit %+v", acts[0])
		}
		// Running again changes nothing; an operator lifts the restriction.
		if n, _ := c.Sellers.EnforceAll(ctx, now); n != 0 {
			t.Fatalf("restricted again: %d", n)
		}
		if _, err := c.Sellers.SetStatus(ctx, k.Operator(t), slow.ID, seller.Active, "dispatch fixed"); err != nil {
			t.Fatal(err)
		}
	})
}
