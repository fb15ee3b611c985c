package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

func ptr[T any](v T) *T { return &v }

// An edit applies every change together, or, refused, none of them.
func TestEditProduct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		owner := f.Actor(t, "ana", auth.Seller)
		shop, err := f.sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's Gloss"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Gloss", SKUs: []catalog.SKUInput{
			{SellerSKU: "A", Price: money.New(1000, "USD"), Stock: 5}, {SellerSKU: "B", Price: money.New(2000, "USD"), Stock: 6}}})
		if err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			edit  catalog.ProductEdit
			field string
		}{
			{catalog.ProductEdit{Title: ptr("x")}, "title"},
			{catalog.ProductEdit{Title: ptr("Fine title"), SKUs: []catalog.SKUEdit{{ID: p.SKUs[0].ID, Price: ptr(money.New(0, "USD"))}}}, "skus[0].price.amount"},
			{catalog.ProductEdit{SKUs: []catalog.SKUEdit{{ID: p.SKUs[0].ID, Stock: ptr(int64(1))}, {ID: p.SKUs[1].ID, Price: ptr(money.New(5, "EUR"))}}}, "skus[1].price.currency"},
			{catalog.ProductEdit{SKUs: []catalog.SKUEdit{{ID: p.SKUs[1].ID, Stock: ptr(int64(-1))}}}, "skus[0].stock"},
			{catalog.ProductEdit{SKUs: []catalog.SKUEdit{{ID: 42, Stock: ptr(int64(1))}}}, "skus[0].id"},
			{catalog.ProductEdit{SKUs: []catalog.SKUEdit{{ID: p.SKUs[0].ID}, {ID: p.SKUs[0].ID}}}, "skus[1].id"},
			{catalog.ProductEdit{Title: ptr("Fine title"), Category: ptr("no-such-category")}, "category"},
			{catalog.ProductEdit{Category: ptr(" ")}, "category"},
			{catalog.ProductEdit{Category: ptr("lips"), SKUs: []catalog.SKUEdit{{ID: p.SKUs[1].ID, Stock: ptr(int64(-1))}}}, "skus[0].stock"},
		}
		for _, r := range refusals {
			if _, err := f.catalog.EditProduct(ctx, owner, p.ID, r.edit); errs.As(err) == nil || errs.As(err).Field != r.field {
				t.Errorf("edit %+v: %v, want a refusal of %s", r.edit, err, r.field)
			}
		}
		if got, _ := f.catalog.Product(ctx, p.ID); got.Title != "Gloss" || got.SKUs[0].Stock != 5 || got.SKUs[1].Price.Amount != 2000 || got.Category != "" {
			t.Fatalf("refused edits changed the product %+v", got)
		}
		stranger := f.Actor(t, "bo", auth.Seller)
		if _, err := f.catalog.EditProduct(ctx, stranger, p.ID, catalog.ProductEdit{Title: ptr("Mine now")}); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("a stranger edited: %v", err)
		}
		got, err := f.catalog.EditProduct(ctx, owner, p.ID, catalog.ProductEdit{Title: ptr("  Gloss Plus "), Description: ptr("Shiny"),
			SKUs: []catalog.SKUEdit{{ID: p.SKUs[0].ID, Stock: ptr(int64(9))}, {ID: p.SKUs[1].ID, Price: ptr(money.New(1800, "USD")), Stock: ptr(int64(0))}}})
		if err != nil || got.Title != "Gloss Plus" || got.Description != "Shiny" || got.SKUs[0].Stock != 9 || got.SKUs[1].Stock != 0 ||
			got.SKUs[1].Price.Amount != 1800 || !got.UpdatedAt.After(p.UpdatedAt) {
			t.Fatalf("edited %+v %v", got, err)
		}
		if low, err := f.catalog.LowestPrice(ctx, d, p.SKUs[1].ID, time.Now().Add(-time.Hour)); err != nil || low != 1800 {
			t.Fatalf("the new price is in the price history: %d %v", low, err)
		}
		// A product moves to another category of the tree, alone or with other changes.
		if got, err := f.catalog.EditProduct(ctx, owner, p.ID, catalog.ProductEdit{Category: ptr(" lips ")}); err != nil || got.Category != "lips" || got.Title != "Gloss Plus" {
			t.Fatalf("moved %+v %v", got, err)
		}
		if got, err := f.catalog.EditProduct(ctx, owner, p.ID, catalog.ProductEdit{Category: ptr("skincare"), Title: ptr("Gloss Serum")}); err != nil ||
			got.Category != "skincare" || got.Title != "Gloss Serum" {
			t.Fatalf("moved and renamed %+v %v", got, err)
		}
	})
}

func TestSearchProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		owner := f.Actor(t, "cy", auth.Seller)
		shop, err := f.sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Cy's"})
		if err != nil {
			t.Fatal(err)
		}
		var made []catalog.Product
		for i, sku := range []string{"A", "B", "C", "D", "E"} {
			p, err := f.catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Item " + sku,
				SKUs: []catalog.SKUInput{{SellerSKU: sku, Price: money.New(int64(100+i), "USD"), Stock: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, p)
		}
		var seen []string
		q := catalog.ProductSearch{ShopID: shop.ID, Status: catalog.Live, Limit: 2}
		for {
			page, err := f.catalog.SearchProducts(ctx, owner, q)
			if err != nil || page.Total != 5 {
				t.Fatalf("page %+v %v", page, err)
			}
			for _, p := range page.Products {
				seen = append(seen, p.Title)
			}
			if page.NextAfter == 0 {
				break
			}
			q.AfterID = page.NextAfter
		}
		if len(seen) != 5 || seen[0] != "Item E" || seen[4] != "Item A" {
			t.Fatalf("pages %v", seen)
		}
		page, err := f.catalog.SearchProducts(ctx, owner, catalog.ProductSearch{ShopID: shop.ID, SellerSKUs: []string{"B", "D", "Z"}, Limit: 10})
		if err != nil || page.Total != 2 || page.Products[0].ID != made[3].ID || page.Products[1].ID != made[1].ID {
			t.Fatalf("by seller SKU %+v %v", page, err)
		}
		page, err = f.catalog.SearchProducts(ctx, owner, catalog.ProductSearch{ShopID: shop.ID, Status: catalog.Draft, Limit: 10})
		if err != nil || page.Total != 0 {
			t.Fatalf("drafts %+v %v", page, err)
		}
		page, err = f.catalog.SearchProducts(ctx, owner, catalog.ProductSearch{ShopID: shop.ID, CreatedUntil: made[1].CreatedAt, Limit: 10})
		if err != nil || page.Total != 2 {
			t.Fatalf("created until the second %+v %v", page, err)
		}
		for _, q := range []catalog.ProductSearch{{ShopID: shop.ID, Limit: 0}, {ShopID: shop.ID, Limit: 5, Status: "gone"}} {
			if _, err := f.catalog.SearchProducts(ctx, owner, q); errs.KindOf(err) != errs.Invalid {
				t.Errorf("%+v: %v", q, err)
			}
		}
		if _, err := f.catalog.SearchProducts(ctx, f.Actor(t, "bo", auth.Seller), catalog.ProductSearch{ShopID: shop.ID, Limit: 5}); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("a stranger searched: %v", err)
		}
	})
}
