package catalog_test

import (
	"context"
	"strings"
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

func TestProhibitedKeywordsSendProductsToReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana, op := k.Actor(t, "ana", auth.Seller), k.Operator(t)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		gb, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "GB", Name: "Ana UK"})
		for _, b := range []struct{ market, kw, reason, field string }{
			{"ZZ", "replica", "counterfeits", "market"},
			{"US", "r", "counterfeits", "keyword"},
			{"US", "replica", " ", "reason"},
		} {
			_, err := c.Catalog.AddKeyword(ctx, op, b.market, b.kw, b.reason)
			if e := errs.As(err); e == nil || e.Field != b.field {
				t.Errorf("%+v: %v", b, err)
			}
		}
		if _, err := c.Catalog.AddKeyword(ctx, ana, "US", "replica", "counterfeits"); errs.As(err).Code != "forbidden" {
			t.Fatalf("seller added a keyword: %v", err)
		}
		if _, err := c.Catalog.AddKeyword(ctx, op, "US", "Replica", "counterfeits are prohibited"); err != nil {
			t.Fatal(err)
		}
		list := func(sh seller.Shop, cur, title string) catalog.Product {
			p, err := c.Catalog.CreateProduct(ctx, ana, sh.ID, catalog.ProductInput{Title: title, SKUs: []catalog.SKUInput{{Price: money.New(1000, cur), Stock: 5}}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		held := list(shop, "USD", "Designer bag REPLICA grade")
		fine := list(shop, "USD", "Canvas tote")
		uk := list(gb, "GBP", "Replica vintage poster") // another market's list
		if held.Status != catalog.PendingReview || !strings.Contains(held.ReviewNote, "counterfeits are prohibited") || fine.Status != catalog.Live || uk.Status != catalog.Live {
			t.Fatalf("held %+v fine %s uk %s", held, fine.Status, uk.Status)
		}
		// Not buyable, not searchable while waiting.
		if _, err := c.Catalog.ItemForSale(ctx, d, held.SKUs[0].ID); errs.As(err).Code != "not_for_sale" {
			t.Fatalf("pending product for sale: %v", err)
		}
		if page, _ := c.Catalog.Search(ctx, catalog.SearchQuery{Market: "US", Text: "replica"}); len(page.Products) != 0 {
			t.Fatal("pending product found by search")
		}
		q, err := c.Catalog.ReviewQueue(ctx, op, 10)
		if err != nil || len(q) != 1 || q[0].ID != held.ID {
			t.Fatalf("queue %v %v", q, err)
		}
		_, err = c.Catalog.ReviewProduct(ctx, op, held.ID, false, "")
		if e := errs.As(err); e == nil || e.Field != "reason" {
			t.Fatalf("reject without reason: %v", err)
		}
		got, err := c.Catalog.ReviewProduct(ctx, op, held.ID, false, "Replicas of branded goods are not allowed")
		if err != nil || got.Status != catalog.Rejected || got.ReviewNote != "Replicas of branded goods are not allowed" {
			t.Fatalf("reject %+v %v", got, err)
		}
		if _, err := c.Catalog.ReviewProduct(ctx, op, held.ID, true, ""); errs.As(err).Code != "product_not_in_review" {
			t.Fatalf("review twice: %v", err)
		}
		// A second held product is approved and goes live.
		again := list(shop, "USD", "Replica-free leather bag")
		if got, err := c.Catalog.ReviewProduct(ctx, op, again.ID, true, ""); err != nil || got.Status != catalog.Live {
			t.Fatalf("approve %+v %v", got, err)
		}
	})
}

func TestEditedProductsAreScreenedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana, op := k.Actor(t, "ana", auth.Seller), k.Operator(t)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if _, err := c.Catalog.AddKeyword(ctx, op, "US", "replica", "counterfeits are prohibited"); err != nil {
			t.Fatal(err)
		}
		p, err := c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: "Canvas tote", SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 5}}})
		if err != nil || p.Status != catalog.Live {
			t.Fatalf("create %+v %v", p, err)
		}
		str := func(s string) *string { return &s }
		// A price-only edit is not screened.
		price := money.New(1200, "USD")
		if got, err := c.Catalog.EditProduct(ctx, ana, p.ID, catalog.ProductEdit{SKUs: []catalog.SKUEdit{{ID: p.SKUs[0].ID, Price: &price}}}); err != nil || got.Status != catalog.Live {
			t.Fatalf("price edit %+v %v", got, err)
		}
		// A harmless text edit keeps it live.
		if got, err := c.Catalog.EditProduct(ctx, ana, p.ID, catalog.ProductEdit{Title: str("Canvas tote, large")}); err != nil || got.Status != catalog.Live {
			t.Fatalf("harmless edit %+v %v", got, err)
		}
		// A prohibited word in the description sends it back to review: not for sale,
		// not found, in the queue with the word as the note.
		got, err := c.Catalog.EditProduct(ctx, ana, p.ID, catalog.ProductEdit{Description: str("Looks like the designer one, a REPLICA")})
		if err != nil || got.Status != catalog.PendingReview || !strings.Contains(got.ReviewNote, "counterfeits are prohibited") || got.Title != "Canvas tote, large" {
			t.Fatalf("edit with keyword %+v %v", got, err)
		}
		if _, err := c.Catalog.ItemForSale(ctx, d, p.SKUs[0].ID); errs.As(err).Code != "not_for_sale" {
			t.Fatalf("re-screened product for sale: %v", err)
		}
		if page, _ := c.Catalog.Search(ctx, catalog.SearchQuery{Market: "US", Text: "tote"}); len(page.Products) != 0 {
			t.Fatal("re-screened product found by search")
		}
		if q, _ := c.Catalog.ReviewQueue(ctx, op, 10); len(q) != 1 || q[0].ID != p.ID {
			t.Fatalf("queue %+v", q)
		}
		// Rejected, then fixed by the seller: it waits for review again, and approval
		// puts it back on sale.
		if _, err := c.Catalog.ReviewProduct(ctx, op, p.ID, false, "no replicas"); err != nil {
			t.Fatal(err)
		}
		got, err = c.Catalog.EditProduct(ctx, ana, p.ID, catalog.ProductEdit{Description: str("Heavy cotton canvas")})
		if err != nil || got.Status != catalog.PendingReview || !strings.Contains(got.ReviewNote, "edited after rejection (no replicas)") {
			t.Fatalf("fixed edit %+v %v", got, err)
		}
		if got, err := c.Catalog.ReviewProduct(ctx, op, p.ID, true, ""); err != nil || got.Status != catalog.Live {
			t.Fatalf("approve %+v %v", got, err)
		}
		if _, err := c.Catalog.ItemForSale(ctx, d, p.SKUs[0].ID); err != nil {
			t.Fatalf("approved product not for sale: %v", err)
		}
	})
}
