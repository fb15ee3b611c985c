package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

func TestPriceHistoryAndLowestPrice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		start := time.Now().Add(-time.Second)
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(5))
		if err != nil {
			t.Fatal(err)
		}
		sku := p.SKUs[0].ID // listed at 12.99
		for _, price := range []int64{999, 1499} {
			time.Sleep(2 * time.Millisecond)
			if _, err := f.catalog.SetPrice(ctx, f.owner, sku, money.New(price, "USD")); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := f.catalog.Product(ctx, p.ID)
		if got.SKUs[0].Price.Amount != 1499 {
			t.Fatalf("price %v", got.SKUs[0].Price)
		}
		if low, err := f.catalog.LowestPrice(ctx, d, sku, start); err != nil || low != 999 {
			t.Fatalf("lowest since listing %d %v", low, err)
		}
		if low, _ := f.catalog.LowestPrice(ctx, d, sku, time.Now()); low != 1499 {
			t.Fatalf("lowest since now %d: the price in force now counts", low)
		}
		if _, err := f.catalog.SetPrice(ctx, f.owner, sku, money.New(100, "EUR")); !errors.Is(err, catalog.ErrWrongCurrency) {
			t.Fatalf("wrong currency: %v", err)
		}
		if _, err := f.catalog.SetPrice(ctx, f.Actor(t, "bo"), sku, money.New(100, "USD")); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("another seller: %v", err)
		}
	})
}
