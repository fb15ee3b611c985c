package catalog_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	sellers *seller.Service
	catalog *catalog.Service
	owner   auth.Actor
	shop    seller.Shop
}

func setup(t *testing.T, d *db.DB) fixture {
	k := testkit.New(t, d)
	f := fixture{Kit: k, sellers: seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)}
	f.catalog = catalog.NewService(d, k.Markets, f.sellers, k.Outbox, k.Log)
	f.owner = k.Actor(t, "ana", auth.Seller)
	var err error
	if f.shop, err = f.sellers.Register(context.Background(), f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func lipGloss(stock int64) catalog.ProductInput {
	return catalog.ProductInput{Title: "Glow lip gloss", Description: "Shimmer.", SKUs: []catalog.SKUInput{
		{SellerSKU: "LG-PINK", Name: "Pink", Price: money.New(1299, "USD"), Stock: stock},
		{SellerSKU: "LG-RED", Name: "Red", Price: money.New(1199, "USD"), Stock: 0},
	}}
}

func TestCreateProduct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(10))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.catalog.Product(ctx, p.ID)
		if err != nil || len(got.SKUs) != 2 || got.Status != catalog.Live || got.Market != "US" {
			t.Fatalf("%+v %v", got, err)
		}
		if got.FromPrice() != money.New(1199, "USD") || !got.InStock() {
			t.Fatalf("from %v in stock %v", got.FromPrice(), got.InStock())
		}
		live, _ := f.catalog.LiveProducts(ctx, "US", 10)
		if len(live) != 1 || live[0].ID != p.ID {
			t.Fatalf("live products %+v", live)
		}
	})
}

func TestCreateProductRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		other := f.Actor(t, "bo", auth.Seller)
		edit := func(fn func(*catalog.ProductInput)) catalog.ProductInput {
			in := lipGloss(5)
			fn(&in)
			return in
		}
		tests := []struct {
			name      string
			actor     auth.Actor
			in        catalog.ProductInput
			wantCode  string
			wantField string
		}{
			{"another seller's shop", other, lipGloss(1), "not_your_shop", ""},
			{"anonymous", auth.Actor{}, lipGloss(1), "unauthenticated", ""},
			{"wrong currency", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs[1].Price.Currency = "EUR" }), "wrong_currency", "skus[1].price.currency"},
			{"negative price", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs[0].Price.Amount = -5 }), "invalid_field", "skus[0].price.amount"},
			{"zero price", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs[0].Price.Amount = 0 }), "invalid_field", "skus[0].price.amount"},
			{"negative stock", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs[0].Stock = -1 }), "invalid_field", "skus[0].stock"},
			{"no skus", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs = nil }), "invalid_field", "skus"},
			{"duplicate seller sku", f.owner, edit(func(in *catalog.ProductInput) { in.SKUs[1].SellerSKU = "LG-PINK" }), "duplicate_seller_sku", "skus[1].seller_sku"},
			{"empty title", f.owner, edit(func(in *catalog.ProductInput) { in.Title = " " }), "invalid_field", "title"},
		}
		for _, tt := range tests {
			_, err := f.catalog.CreateProduct(ctx, tt.actor, f.shop.ID, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d products stored by refused requests", n)
		}
	})
}

// Hundreds of concurrent reservations on a SKU with little stock: exactly the stock
// is sold, never more, on both engines.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(37))
		if err != nil {
			t.Fatal(err)
		}
		sku := p.SKUs[0].ID
		var sold, refused atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 300; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Reserve(ctx, tx, sku, 1) })
				switch {
				case err == nil:
					sold.Add(1)
				case errors.Is(err, catalog.ErrOutOfStock):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := f.catalog.Product(ctx, p.ID)
		if sold.Load() != 37 || refused.Load() != 263 || got.SKUs[0].Stock != 0 || got.SKUs[0].Reserved != 37 {
			t.Fatalf("sold %d refused %d, stock %d reserved %d", sold.Load(), refused.Load(), got.SKUs[0].Stock, got.SKUs[0].Reserved)
		}
		// Releasing and committing move units between the columns without loss.
		err = d.RunInTx(ctx, func(tx *db.Tx) error {
			if err := f.catalog.Release(ctx, tx, sku, 2); err != nil {
				return err
			}
			return f.catalog.Commit(ctx, tx, sku, 35)
		})
		got, _ = f.catalog.Product(ctx, p.ID)
		if err != nil || got.SKUs[0].Stock != 2 || got.SKUs[0].Reserved != 0 {
			t.Fatalf("after release/commit: %+v %v", got.SKUs[0], err)
		}
	})
}

func TestSetStockOnlyByOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		p, _ := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(1))
		if _, err := f.catalog.SetStock(ctx, f.Actor(t, "bo", auth.Seller), p.SKUs[0].ID, 100); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("other seller: %v", err)
		}
		if k, err := f.catalog.SetStock(ctx, f.owner, p.SKUs[0].ID, 100); err != nil || k.Stock != 100 {
			t.Fatalf("owner: %+v %v", k, err)
		}
		if _, err := f.catalog.SetStock(ctx, f.owner, p.SKUs[0].ID, -1); errs.As(err) == nil || errs.As(err).Field != "stock" {
			t.Fatalf("negative: %v", err)
		}
	})
}
