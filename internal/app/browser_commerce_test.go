package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

const pw = "correct horse battery"

// shopWorld is a US shop with two products, a seller, a shopper and an operator who
// can log in, under rules with no hold window.
type shopWorld struct {
	shop               seller.Shop
	tint, serum        catalog.Product
	owner, buyer, opsA auth.Actor
}

func seedShop(t *testing.T, s *server) shopWorld {
	t.Helper()
	ctx := context.Background()
	var w shopWorld
	mk := func(email, name string, roles ...auth.Role) auth.Actor {
		a, err := s.Identity.Provision(ctx, email, name, pw, roles...)
		if err != nil {
			t.Fatal(err)
		}
		return a.Actor()
	}
	w.owner, w.buyer, w.opsA = mk("grace@shop.test", "Grace Seller", auth.Seller), mk("bea@shopper.test", "Bea Buyer"), mk("olive@ops.test", "Olive Ops", auth.Operator)
	p, err := s.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Orders.OnHoldMinutes = 0
	if _, err := s.Markets.SetPolicy(ctx, w.opsA, "US", time.Now(), p, "browser test: no hold window"); err != nil {
		t.Fatal(err)
	}
	if w.shop, err = s.Sellers.Register(ctx, w.owner, seller.RegisterInput{Market: "US", Name: "Glow Lab"}); err != nil {
		t.Fatal(err)
	}
	for _, it := range []struct {
		dst   *catalog.Product
		title string
		price int64
	}{{&w.tint, "Velvet Lip Tint", 1299}, {&w.serum, "Glass Skin Serum", 2499}} {
		if *it.dst, err = s.Catalog.CreateProduct(ctx, w.owner, w.shop.ID, catalog.ProductInput{Title: it.title,
			SKUs: []catalog.SKUInput{{Price: money.New(it.price, "USD"), Stock: 50}}}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// login logs the browser in as email, first logging out whoever was in.
func login(s *server, email string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/login"),
			chromedp.SetValue(chromedp.ID("email"), email),
			chromedp.SetValue(chromedp.ID("password"), pw),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.CSS("header .who .name")),
		)
	})
}

func logout() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return chromedp.Do(ctx, chromedp.Click(chromedp.CSS("header .who button")), chromedp.WaitVisible(chromedp.CSS(`header .who a[href="/login"]`)))
	})
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// A shopper fills a cart from two product pages, tries a coupon that does not apply
// and one that does, checks out with a card whose bank asks for confirmation, and
// confirms on the sandbox bank's page: the order page shows the discount in its
// price detail.
func TestBrowserCartCouponCheckoutAndBankConfirmation(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedShop(t, s)
	if _, err := s.Promos.CreateCoupon(context.Background(), w.owner, promo.CouponInput{Code: "GLOW2", ShopID: w.shop.ID, Kind: promo.CouponAmount,
		Amount: 200, EndsAt: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/products/"+w.tint.ID.String()),
		chromedp.SetValue(chromedp.CSS("#add-to-cart input[name=quantity]"), "2"),
		chromedp.Click(chromedp.CSS("#add-to-cart button")),
		waitText(".flash", "Added to your cart"),
		chromedp.Navigate(s.URL+"/products/"+w.serum.ID.String()),
		chromedp.Click(chromedp.CSS("#add-to-cart button")),
		waitText(".flash", "Added to your cart"),
		chromedp.Navigate(s.URL+"/cart?market=US"),
		waitText("#cart-items", "Glass Skin Serum"),
		// 2 × 12.99 + 24.99 = 50.97; the co-funded programme pays the shipping.
		waitText("#cart-total", "$50.97"),
		chromedp.SetValue(chromedp.ID("coupons"), "NOPE1"),
		chromedp.Submit(chromedp.ID("coupons")),
		waitText("#coupon-error", "NOPE1"),
		chromedp.SetValue(chromedp.ID("coupons"), "glow2"),
		chromedp.Submit(chromedp.ID("coupons")),
		waitText("#cart-total", "$48.97"),
		chromedp.SetValue(chromedp.ID("line1"), "1 Main St"),
		chromedp.SetValue(chromedp.ID("city"), "Austin"),
		chromedp.SetValue(chromedp.ID("payment_method"), "pm_card_authenticationRequired"),
		chromedp.Click(chromedp.CSS("#checkout-form button")),
		chromedp.WaitVisible(chromedp.ID("sandbox-bank")),
		waitText("#pay-amount", "$48.97"),
		chromedp.Click(chromedp.ID("approve")),
		waitText(".flash", "Payment confirmed"),
		waitText("#order-status", "To ship"),
	)
	if err != nil {
		t.Fatal(err)
	}
	detail := text(ctx, t, "#price-detail")
	for _, want := range []string{"seller discount", "$48.97", "paid by liveshop"} {
		if !strings.Contains(detail, want) {
			t.Errorf("price detail lacks %q: %q", want, detail)
		}
	}
	// The cart was emptied by the checkout.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/cart?market=US"), chromedp.WaitVisible(chromedp.ID("cart-empty"))); err != nil {
		t.Fatal(err)
	}
}

// The seller ships two orders at once from the queue; the buyer asks for a refund on
// a delivered order and reviews it; the seller approves the refund and replies; an
// operator hides a review that breaks the rules.
func TestBrowserBulkShipReturnReviewAndModeration(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedShop(t, s)
	bg := context.Background()
	var orders []order.Order
	for i := range 3 {
		res, err := s.Orders.Checkout(bg, w.buyer, order.CheckoutInput{IdempotencyKey: "seed-" + id.ID(i).String(), Market: "US", PaymentMethod: "pm_card_visa",
			ShippingAddress: order.Address{Name: "Bea Buyer", Line1: "1 Main St", City: "Austin", Country: "US"},
			Lines:           []order.LineInput{{SKUID: w.tint.SKUs[0].ID, Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, res.Orders[0])
	}
	queue := s.URL + "/seller/shops/" + w.shop.ID.String() + "/orders"
	err := chromedp.Do(ctx,
		login(s, "grace@shop.test"),
		chromedp.Navigate(queue),
		waitText("#seller-orders", orders[0].ID.String()),
		chromedp.Click(chromedp.CSS(`input[name=order][value="`+orders[0].ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=order][value="`+orders[1].ID.String()+`"]`)),
		chromedp.Click(chromedp.ID("ship-selected")),
		waitText(".flash", "2 orders shipped"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range orders {
		got, _ := s.Orders.Get(bg, w.owner, o.ID)
		if shipped := got.Status != order.AwaitingShipment; shipped != (i < 2) {
			t.Fatalf("order %d after bulk ship: %s", i, got.Status)
		}
	}
	// The sandbox carrier delivers on the next timer tick.
	oid := orders[0].ID.String()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := s.Orders.Get(bg, w.buyer, orders[0].ID); got.Status == order.Delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never delivered")
		}
		time.Sleep(50 * time.Millisecond)
	}

	err = chromedp.Do(ctx,
		logout(),
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/orders/"+oid),
		waitText("#order-status", "Delivered"),
		chromedp.SetValue(chromedp.CSS(`#return-form input[name="qty_`+orders[0].Lines[0].ID.String()+`"]`), "1"),
		chromedp.SetValue(chromedp.ID("return-kind"), "refund_only"),
		chromedp.SetValue(chromedp.ID("return-reason"), "one tube leaked"),
		chromedp.Click(chromedp.CSS("#return-form button")),
		waitText(".flash", "Refund only requested"),
		waitText("#returns .return-status", "Waiting for the seller"),
		chromedp.SetValue(chromedp.CSS(".review-form select[name=rating]"), "1"),
		chromedp.SetValue(chromedp.CSS(".review-form input[name=body]"), "leaked everywhere, awful seller"),
		chromedp.Click(chromedp.CSS(".review-form button")),
		waitText("#reviews", "leaked everywhere"),

		logout(),
		login(s, "grace@shop.test"),
		chromedp.Navigate(s.URL+"/seller/shops/"+w.shop.ID.String()+"/returns"),
		waitText("#seller-returns", "one tube leaked"),
		chromedp.Click(chromedp.CSS(`#seller-returns .respond button[value=approve]`)),
		waitText(".flash", "Refund only refunded"),
		chromedp.Navigate(s.URL+"/seller/shops/"+w.shop.ID.String()+"/reviews"),
		chromedp.SetValue(chromedp.CSS("#seller-reviews input[name=reply]"), "So sorry, refunded."),
		chromedp.Click(chromedp.CSS("#seller-reviews button")),
		waitText(".flash", "reply is public"),

		logout(),
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/orders/"+oid),
		waitText("#returns .return-status", "Refunded"),
		waitText("#order-refunded", "$12.99"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops/reviews?max_rating=2"),
		waitText("#ops-reviews", "awful seller"),
		chromedp.SetValue(chromedp.CSS("#ops-reviews input[name=note]"), "insults the seller"),
		chromedp.Click(chromedp.CSS("#ops-reviews button")),
		waitText(".flash", "Review hidden"),
		chromedp.Navigate(s.URL+"/products/"+w.tint.ID.String()),
		chromedp.WaitVisible(chromedp.ID("add-to-cart")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if page := text(ctx, t, "main"); strings.Contains(page, "awful seller") {
		t.Fatalf("hidden review still on the product page")
	}
}
