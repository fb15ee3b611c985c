package promo_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/promo"
)

// Quotes read shops' promotions through a cache. On the node that changed them a
// change counts from its commit: a new promotion, an ended one, a deal's last units
// taken and given back. Another node sharing the database (a second service here)
// prices from what it read until the TTL passes, and with the cache off, never.
func TestQuotesSeeChangesThroughThePricingCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		pol, _ := f.Markets.Policy(ctx, "US", time.Now())
		other := promo.NewService(d, f.Markets, nil, f.catalog, f.Log)
		other.SetPricingCacheTTL(300 * time.Millisecond)
		uncached := promo.NewService(d, f.Markets, nil, f.catalog, f.Log)
		uncached.SetPricingCacheTTL(0)
		priceAt := func(s *promo.Service, at time.Time, room id.ID) int64 {
			t.Helper()
			q, err := s.Quote(ctx, d, promo.QuoteInput{Market: "US", Currency: "USD", Policy: pol, At: at, BuyerID: f.Actor(t, "bea").AccountID, Room: room,
				Shops: []promo.ShopLines{{ShopID: f.shop.ID, Lines: []promo.LineIn{{SKUID: f.product.SKUs[0].ID, ProductID: f.product.ID, UnitPrice: 1299, Quantity: 1}}}}})
			if err != nil {
				t.Fatal(err)
			}
			l := q.Orders[0].Lines[0]
			return l.Original - l.SellerDiscount - l.PlatformDiscount
		}
		price := func(s *promo.Service) int64 { t.Helper(); return priceAt(s, time.Now(), 0) }
		for _, s := range []*promo.Service{f.promos, other, uncached} {
			if got := price(s); got != 1299 {
				t.Fatalf("before any promotion: %d", got)
			}
		}
		off, err := f.promos.CreatePromotion(ctx, f.owner, f.shop.ID, promo.PromotionInput{Kind: promo.PercentOff, Title: "10% off",
			EndsAt: time.Now().Add(time.Hour), Items: []promo.Item{{ProductID: f.product.ID, DiscountBP: 1000}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := price(f.promos); got != 1169 {
			t.Fatalf("this node right after creating 10%% off: %d, want 1169", got)
		}
		if got := price(uncached); got != 1169 {
			t.Fatalf("a node without the cache: %d, want 1169", got)
		}
		if got := price(other); got != 1299 {
			t.Fatalf("another node within its TTL: %d, want the price it read (1299)", got)
		}
		time.Sleep(350 * time.Millisecond)
		if got := price(other); got != 1169 {
			t.Fatalf("another node after its TTL: %d, want 1169", got)
		}
		if _, err := f.promos.EndPromotion(ctx, f.owner, off.ID); err != nil {
			t.Fatal(err)
		}
		if got := price(f.promos); got != 1299 {
			t.Fatalf("this node right after ending it: %d, want 1299", got)
		}
		// A room opens its sale on every node, pricing it a moment after another node
		// created it: a room's quote never comes from the cache.
		price(other) // the other node has the shop in its cache, stale or not
		roomSale, err := f.promos.CreatePromotion(ctx, f.owner, f.shop.ID, promo.PromotionInput{Kind: promo.FlashSale, Title: "Room flash", RoomOnly: true,
			EndsAt: time.Now().Add(time.Hour), Items: []promo.Item{{ProductID: f.product.ID, DealPrice: 899, Quantity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := priceAt(other, time.Now(), roomSale.ID); got != 899 {
			t.Fatalf("another node opening the room's sale within its TTL: %d, want 899", got)
		}
		if got := price(f.promos); got != 1299 {
			t.Fatalf("a checkout outside the room: %d, want 1299", got)
		}
		// A quote for a moment ahead (a sale's opening price) does not leave a
		// promotion that ends before then out of what later quotes see.
		short, err := f.promos.CreatePromotion(ctx, f.owner, f.shop.ID, promo.PromotionInput{Kind: promo.PercentOff, Title: "Ends soon",
			EndsAt: time.Now().Add(time.Minute), Items: []promo.Item{{ProductID: f.product.ID, DiscountBP: 2000}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := priceAt(f.promos, time.Now().Add(2*time.Minute), 0); got != 1299 {
			t.Fatalf("two minutes ahead, after the 20%% off ends: %d, want 1299", got)
		}
		if got := price(f.promos); got != 1039 {
			t.Fatalf("now, while the 20%% off runs: %d, want 1039", got)
		}
		if _, err := f.promos.EndPromotion(ctx, f.owner, short.ID); err != nil {
			t.Fatal(err)
		}
		// A one-unit flash deal: priced while a unit is left, not once it is taken,
		// again once a cancellation gives it back.
		deal := f.flash(t, 999, 1, 0)
		if got := price(f.promos); got != 999 {
			t.Fatalf("with the deal's unit left: %d, want 999", got)
		}
		if err := d.RunInTx(ctx, func(tx *db.Tx) error {
			return f.promos.TakeDealUnits(ctx, tx, deal.ID, f.product.ID, 0, 1)
		}); err != nil {
			t.Fatal(err)
		}
		if got := price(f.promos); got != 1299 {
			t.Fatalf("right after the deal's last unit was taken: %d, want 1299", got)
		}
	})
}
