package app_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// An operator records a violation whose points reach the ladder: the shopper's
// checkout is refused with the reason, the seller cannot list, sees the rating and
// the actions on the Account health tab and appeals the order restriction; the
// operator grants it on the enforcement page and lifts the listing restriction; the
// shopper buys again and the seller lists again.
func TestBrowserAccountHealthEnforcement(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "nina@seller.test", "Nina Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := s.Identity.Provision(bg, "olive@ops.test", "Olive Ops", pw, auth.Operator)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(bg, "bea@shopper.test", "Bea Buyer", pw); err != nil {
		t.Fatal(err)
	}
	setLadder(t, s, ops.Actor())
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Catalog.CreateProduct(bg, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Jade roller", SKUs: []catalog.SKUInput{{Price: money.New(1500, "USD"), Stock: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/seller/shops/" + shop.ID.String()
	buy := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/products/"+p.ID.String()),
			chromedp.SetValue(chromedp.ID("line1"), "1 Main St"),
			chromedp.SetValue(chromedp.ID("city"), "Austin"),
			chromedp.Click(chromedp.CSS("#buy-form button")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
	})
	list := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(base),
			chromedp.SetValue(chromedp.ID("p-title"), "Silk pillowcase"),
			chromedp.SetValue(chromedp.ID("p-price"), "25.00"),
			chromedp.Submit(chromedp.ID("p-title")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
	})
	err = doSteps(ctx,
		login(s, "olive@ops.test"),
		chromedp.Navigate(base+"/onboarding"),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=code]"), "late_dispatch"),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=reason]"), "Twelve parcels shipped late"),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=points]"), "3"),
		chromedp.Click(chromedp.CSS("#violation-form button")),
		waitText(".flash", "violation recorded (3 points)"),

		logout(),
		login(s, "bea@shopper.test"),
		buy, waitText(".flash", "cannot take orders"),

		logout(),
		login(s, "nina@seller.test"),
		list, waitText(".flash", "cannot list new products"),
		chromedp.Navigate(base),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/health"]`)),
		waitText("#health-rating", "Good"),
		waitText("#health-points", "3"),
		waitText(`#actions-in-force tr[data-kind="order_restriction"]`, "Order restriction"),
		waitText(`#actions-in-force tr[data-kind="listing_restriction"]`, "Listing restriction"),
		waitText(`#actions-in-force tr[data-kind="settlement_delay"]`, "Settlement delay"),
		waitText(`#actions-in-force tr[data-kind="warning"]`, "Warning"),
		waitText("#health-violations", "Twelve parcels shipped late"),
		chromedp.SetValue(chromedp.CSS(`#actions-in-force tr[data-kind="order_restriction"] input[name=appeal]`), "The carrier was on strike that week"),
		chromedp.Click(chromedp.CSS(`#actions-in-force tr[data-kind="order_restriction"] button`)),
		waitText(".flash", "Appeal sent"),
		waitText(`#actions-in-force tr[data-kind="order_restriction"] .action-appeal-status`, "pending"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops"),
		chromedp.Click(chromedp.ID("enforcement-link")),
		waitText("#action-appeals", "The carrier was on strike that week"),
		chromedp.SetValue(chromedp.CSS("#action-appeals select[name=decision]"), "grant"),
		chromedp.SetValue(chromedp.CSS("#action-appeals input[name=note]"), "Strike confirmed by the carrier"),
		chromedp.Click(chromedp.CSS("#action-appeals button")),
		waitText(".flash", "lifted, appeal granted"),
		chromedp.WaitVisible(chromedp.ID("action-appeals-empty")),
		waitText(`#actions-in-force tr[data-kind="listing_restriction"]`, "Nina Home"),
		chromedp.SetValue(chromedp.CSS(`#actions-in-force tr[data-kind="listing_restriction"] input[name=reason]`), "Dispatch fixed"),
		chromedp.Click(chromedp.CSS(`#actions-in-force tr[data-kind="listing_restriction"] button`)),
		waitText(".flash", "Listing restriction lifted"),

		logout(),
		login(s, "bea@shopper.test"),
		buy, waitText(".flash", "Thank you"),

		logout(),
		login(s, "nina@seller.test"),
		list, waitText(".flash", "is live"),
		chromedp.Navigate(base+"/health"),
		waitText("#action-history", "Strike confirmed by the carrier"),
		waitText("#action-history", "lifted"),
		waitText(`#actions-in-force`, "Settlement delay"),
		chromedp.Navigate(base+"/onboarding"),
		waitText("#shop-history", "enforcement_appeal_granted"),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// A buyer writes to a shop from the product page; the seller sees the conversation
// waiting on the Messages tab and answers; the buyer reads the answer; the
// Performance tab shows the response rate and on-time delivery with their benchmarks.
func TestBrowserBuyerMessagesAndPerformanceMetrics(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "nina@seller.test", "Nina Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(bg, "bea@shopper.test", "Bea Buyer", pw); err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Catalog.CreateProduct(bg, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Jade roller", SKUs: []catalog.SKUInput{{Price: money.New(1500, "USD"), Stock: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/seller/shops/" + shop.ID.String()
	err = doSteps(ctx,
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/products/"+p.ID.String()),
		chromedp.Click(chromedp.ID("message-shop")),
		chromedp.WaitVisible(chromedp.ID("no-messages")),
		chromedp.SetValue(chromedp.ID("message-body"), "Is the roller real jade?"),
		chromedp.Submit(chromedp.ID("message-body")),
		waitText(".flash", "Message sent"),
		waitText("#shop-conversation", "Is the roller real jade?"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(base),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/messages"]`)),
		waitText("#conversations", "Bea Buyer"),
		waitText("#conversations .waiting", "answer by"),
		waitText("#conversation", "Is the roller real jade?"),
		chromedp.SetValue(chromedp.ID("reply-body"), "Yes, Xiuyan jade with a certificate"),
		chromedp.Submit(chromedp.ID("reply-body")),
		waitText(".flash", "Reply sent"),
		waitText("#conversation", "Xiuyan jade"),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/performance"]`)),
		waitText(`#sps-metrics tr[data-metric="response_rate"] .metric-benchmark`, "at least 80.00%"),
		waitText(`#sps-metrics tr[data-metric="response_rate"]`, "1 / 1"),
		waitText(`#sps-metrics tr[data-metric="on_time_delivery_rate"] .metric-benchmark`, "at least 95.00%"),
		waitText(`#sps-metrics tr[data-metric="late_dispatch_rate"] .metric-trend`, "steady"),

		logout(),
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/shops/"+shop.ID.String()+"/messages"),
		waitText("#shop-conversation", "Xiuyan jade"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
