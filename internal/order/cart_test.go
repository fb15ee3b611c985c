package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// A cart holds SKUs of several shops until checkout, which makes one order per shop
// and empties it; refusals (a bad quantity, a coupon that does not apply, an expired
// cart, an empty one) name their field and change nothing.
func TestCartCheckoutAndItsRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		bo := f.Actor(t, "bo", auth.Seller)
		shop2, _ := f.sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Bo's"})
		p2, err := f.catalog.CreateProduct(ctx, bo, shop2.ID, catalog.ProductInput{Title: "Phone case", SKUs: []catalog.SKUInput{{Price: money.New(900, "USD"), Stock: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		buyer := f.Actor(t, "bea")
		for _, tt := range []struct {
			sku   int64
			qty   int64
			code  string
			field string
		}{{int64(f.product.SKUs[0].ID), -1, "invalid_field", "quantity"}, {int64(f.product.SKUs[0].ID), 1000, "invalid_field", "quantity"}, {42, 1, "sku_not_found", "sku_id"}} {
			err := f.orders.SetCartItem(ctx, buyer, idOf(tt.sku), tt.qty)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("cart %d × %d: %v", tt.qty, tt.sku, err)
			}
		}
		if err := f.orders.SetCartItem(ctx, buyer, f.product.SKUs[0].ID, 2); err != nil {
			t.Fatal(err)
		}
		if err := f.orders.SetCartItem(ctx, buyer, p2.SKUs[0].ID, 1); err != nil {
			t.Fatal(err)
		}
		c, err := f.orders.Cart(ctx, buyer, "US", nil)
		if err != nil || len(c.Items) != 2 || c.Quote == nil || len(c.Quote.Orders) != 2 || c.Quote.Total != 2*1299+900 {
			t.Fatalf("cart %+v %v", c, err)
		}
		checkout := func(key string, coupons ...string) (order.CheckoutResult, error) {
			return f.orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: key, Market: "US", FromCart: true, Coupons: coupons,
				ShippingAddress: address, PaymentMethod: "pm_card_visa"})
		}
		unchanged := func(what string) {
			t.Helper()
			var n int
			d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n)
			c, _ := f.orders.Cart(ctx, buyer, "US", nil)
			if s, r := f.stock(t); n != 0 || s != 10 || r != 0 || len(c.Items) != 2 {
				t.Fatalf("after %s: %d orders, stock %d reserved %d, %d cart items", what, n, s, r, len(c.Items))
			}
		}
		if _, err := checkout("a", "NOSUCH"); errs.As(err) == nil || errs.As(err).Field != "coupons[0]" {
			t.Fatalf("an unknown coupon: %v", err)
		}
		unchanged("an unknown coupon")

		d.ExecContext(ctx, `UPDATE cart_items SET updated_at = $1 WHERE sku_id = $2`, db.Micros(time.Now().AddDate(0, 0, -31)), p2.SKUs[0].ID)
		if c, _ := f.orders.Cart(ctx, buyer, "US", nil); !c.Items[1].Expired || c.Quote.Total != 2*1299 {
			t.Fatalf("an expired item: %+v", c.Items)
		}
		if _, err := checkout("b"); !errors.Is(err, order.ErrCartExpired) || errs.As(err).Field != "cart" {
			t.Fatalf("checking out an expired cart: %v", err)
		}
		unchanged("an expired cart")

		// Looking again (setting the quantity) revives it; checkout empties the cart.
		if err := f.orders.SetCartItem(ctx, buyer, p2.SKUs[0].ID, 1); err != nil {
			t.Fatal(err)
		}
		res, err := checkout("c")
		if err != nil || len(res.Orders) != 2 || res.Total != money.New(2*1299+900, "USD") {
			t.Fatalf("checkout: %+v %v", res, err)
		}
		if c, _ := f.orders.Cart(ctx, buyer, "US", nil); len(c.Items) != 0 {
			t.Fatalf("cart after checkout: %+v", c.Items)
		}
		if _, err := checkout("d"); !errors.Is(err, order.ErrCartEmpty) {
			t.Fatalf("an empty cart: %v", err)
		}
		// The same request again is the first checkout, not a refusal of the now-empty cart.
		if again, err := checkout("c"); err != nil || !again.Replayed || again.CheckoutID != res.CheckoutID {
			t.Fatalf("replay of a cart checkout: %+v %v", again, err)
		}
	})
}

func idOf(v int64) id.ID { return id.ID(v) }

// A cart line is credited by product as the web's server-side path says (a creator's
// link or a video); lines without one are product-card sales.
func TestCartCheckoutKeepsAttribution(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		bo := f.Actor(t, "bo", auth.Seller)
		shop2, _ := f.sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Bo's"})
		p2, err := f.catalog.CreateProduct(ctx, bo, shop2.ID, catalog.ProductInput{Title: "Phone case", SKUs: []catalog.SKUInput{{Price: money.New(900, "USD"), Stock: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		buyer := f.Actor(t, "bea")
		f.orders.SetCartItem(ctx, buyer, f.product.SKUs[0].ID, 1)
		f.orders.SetCartItem(ctx, buyer, p2.SKUs[0].ID, 1)
		res, err := f.orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: "attr", Market: "US", FromCart: true,
			CartAttribution: map[id.ID]order.Attribution{f.product.ID: {Source: order.SourceVideo}},
			ShippingAddress: address, PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[id.ID]order.Source{}
		for _, o := range res.Orders {
			for _, l := range o.Lines {
				got[l.ProductID] = l.Source
			}
		}
		if got[f.product.ID] != order.SourceVideo || got[p2.ID] != order.SourceProductCard {
			t.Fatalf("sources %v", got)
		}
	})
}
