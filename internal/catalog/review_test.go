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
