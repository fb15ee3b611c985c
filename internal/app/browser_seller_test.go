package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// A seller registers a cross-border shop, which waits for review; an operator asks
// for more, the seller answers, the operator approves; the seller lists a product and
// sees the tier's caps; a shopper buys until the shop's daily order cap refuses the
// next order with a clear message, and the seller's page counts the day's orders.
func TestBrowserShopReviewListingAndDailyCap(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	mk := func(email, name string, roles ...auth.Role) auth.Actor {
		a, err := s.Identity.Provision(bg, email, name, pw, roles...)
		if err != nil {
			t.Fatal(err)
		}
		return a.Actor()
	}
	mk("nina@seller.test", "Nina Seller", auth.Seller)
	mk("bea@shopper.test", "Bea Buyer")
	ops := mk("olive@ops.test", "Olive Ops", auth.Operator)
	p, err := s.Markets.Policy(bg, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Orders.OnHoldMinutes = 0
	p.Tiers[0].DailyOrderCap = 2
	if _, err := s.Markets.SetPolicy(bg, ops, "US", time.Now(), p, "browser test: a small daily cap"); err != nil {
		t.Fatal(err)
	}

	var shopURL string
	err = chromedp.Do(ctx,
		login(s, "nina@seller.test"),
		chromedp.Navigate(s.URL+"/seller"),
		chromedp.SetValue(chromedp.ID("shop-name"), "Nina Imports"),
		chromedp.SetValue(chromedp.ID("shop-market"), "US"),
		chromedp.SetValue(chromedp.ID("shop-kind"), "cross_border"),
		chromedp.Click(chromedp.CSS("details summary")),
		chromedp.SetValue(chromedp.ID("shop-legal-name"), "Nina Trading Ltd"),
		chromedp.SetValue(chromedp.ID("shop-reg-number"), "HK-778812"),
		chromedp.Submit(chromedp.ID("shop-name")),
		waitText(".flash", "waiting for review"),
		waitText("#shop-status", "pending"),
		waitText("#review-state", "Waiting for our team's review"),
	)
	if err != nil {
		t.Fatal(err)
	}
	shopURL, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	shopURL = strings.TrimSuffix(shopURL, "/onboarding")

	err = doSteps(ctx,
		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops"),
		chromedp.Click(chromedp.ID("shops-link")),
		waitText("#shop-queue", "Nina Imports"),
		waitText("#shop-queue", "HK-778812"),
		chromedp.SetValue(chromedp.CSS("#shop-queue input[name=reason]"), "Upload your business licence"),
		chromedp.Submit(chromedp.CSS("#shop-queue input[name=reason]")),
		waitText(".flash", "more information requested"),
		chromedp.WaitVisible(chromedp.ID("queue-empty")),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(shopURL+"/onboarding"),
		waitText("#review-state", "Upload your business licence"),
		chromedp.SetValue(chromedp.ID("documents"), "licence-2026.pdf"),
		chromedp.Submit(chromedp.ID("documents")),
		waitText(".flash", "Sent back to the review queue"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops/shops"),
		waitText("#shop-queue", "licence-2026.pdf"),
		chromedp.Click(chromedp.CSS("#shop-queue button.approve")),
		waitText(".flash", "approved"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(shopURL+"/onboarding"),
		waitText("#shop-status", "active"),
		waitText("#tier-name", "Beginner"),
		waitText("#daily-cap", "2"),
		waitText("#next-tier", "Standard"),
		waitText("#probation-days-left", "30"),
		waitText(`#checklist li[data-step="approved"]`, "✅"),
		waitText(`#checklist li[data-step="product"]`, "⬜"),
		chromedp.Navigate(shopURL),
		chromedp.SetValue(chromedp.ID("p-title"), "Jade Roller"),
		chromedp.SetValue(chromedp.ID("p-price"), "15.00"),
		chromedp.Submit(chromedp.ID("p-title")),
		waitText(".flash", "is live"),
	)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.Catalog.LiveProducts(bg, "US", 1)
	if err != nil || len(ps) != 1 || ps[0].Title != "Jade Roller" {
		t.Fatalf("listed %v %v", ps, err)
	}
	product := s.URL + "/products/" + ps[0].ID.String()
	buy := func() chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			return chromedp.Do(ctx,
				chromedp.Navigate(product),
				chromedp.SetValue(chromedp.ID("line1"), "1 Main St"),
				chromedp.SetValue(chromedp.ID("city"), "Austin"),
				chromedp.Click(chromedp.CSS("#buy-form button")),
				chromedp.WaitVisible(chromedp.CSS(".flash")),
			)
		})
	}
	err = chromedp.Do(ctx,
		logout(),
		login(s, "bea@shopper.test"),
		buy(), waitText(".flash", "Thank you"),
		buy(), waitText(".flash", "Thank you"),
		buy(), waitText(".flash", "taken its 2 orders"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(shopURL+"/onboarding"),
		waitText("#orders-today", "2"),
		waitText("#listings", "1"),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// doSteps runs actions one by one and says which one failed.
func doSteps(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
	}
	return nil
}

// An operator records a violation from the shop's page; the seller sees it and its
// points and appeals; the operator overturns it from the appeals queue; the seller
// sees the decision.
func TestBrowserViolationAppeal(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "nina@seller.test", "Nina Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(bg, "olive@ops.test", "Olive Ops", pw, auth.Operator); err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	page := s.URL + "/seller/shops/" + shop.ID.String() + "/onboarding"
	err = doSteps(ctx,
		login(s, "olive@ops.test"),
		chromedp.Navigate(page),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=code]"), "counterfeit"),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=reason]"), "Brand complaint about the jade roller"),
		chromedp.SetValue(chromedp.CSS("#violation-form input[name=points]"), "6"),
		chromedp.Click(chromedp.CSS("#violation-form button")),
		waitText(".flash", "violation recorded (6 points)"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(page),
		waitText("#violations", "Brand complaint"),
		waitText(`#requirements tr[data-req="violation_points"]`, "6"),
		chromedp.SetValue(chromedp.CSS(".appeal-form input[name=appeal]"), "Invoice from the brand attached"),
		chromedp.Click(chromedp.CSS(".appeal-form button")),
		waitText(".flash", "Appeal sent"),
		waitText("#violations .violation-status", "appealed"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops"),
		chromedp.Click(chromedp.ID("enforcement-link")),
		waitText("#appeals", "Invoice from the brand attached"),
		chromedp.SetValue(chromedp.CSS("#appeals select[name=decision]"), "overturn"),
		chromedp.SetValue(chromedp.CSS("#appeals input[name=note]"), "Invoice checks out"),
		chromedp.Click(chromedp.CSS("#appeals button")),
		waitText(".flash", "overturned"),
		chromedp.WaitVisible(chromedp.ID("appeals-empty")),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(page),
		waitText("#violations .violation-status", "overturned"),
		waitText("#violations", "Invoice checks out"),
		waitText(`#requirements tr[data-req="violation_points"]`, "0"),
		// The performance tab: not scored without delivered orders, with each metric's benchmark.
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/performance"]`)),
		waitText("#sps-unscored", "needs 30 delivered orders"),
		waitText(`#sps-metrics tr[data-metric="late_dispatch_rate"]`, "at most 4.00%"),
		chromedp.WaitVisible(chromedp.ID("sps-chart")),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// A seller uploads a CSV with good and broken rows: the page follows the import to
// the end and lists each broken row with its column; the good rows are products.
func TestBrowserBulkImport(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "nina@seller.test", "Nina Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("title,price,stock,category\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "Candle %d,9.%02d,5,decor\n", i, i)
	}
	b.WriteString("Lamp,cheap,5,decor\n")  // row 42: price
	b.WriteString("Rug,19.99,5,carpets\n") // row 43: category
	b.WriteString("Vase,14.99,-1,decor\n") // row 44: stock
	path := t.TempDir() + "/catalogue.csv"
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	err = doSteps(ctx,
		login(s, "nina@seller.test"),
		chromedp.Navigate(s.URL+"/seller/shops/"+shop.ID.String()),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/import"]`)),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{path}),
		chromedp.Submit(chromedp.ID("import-file")),
		waitText("#import-progress h2", "Import finished"),
		waitText("#import-imported", "40"),
		waitText("#import-failed", "3"),
		waitText(`#import-errors tr[data-row="42"]`, "price"),
		waitText(`#import-errors tr[data-row="43"]`, "category"),
		waitText(`#import-errors tr[data-row="44"]`, "stock"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Catalog.CountListings(bg, shop.ID); n != 40 {
		t.Fatalf("%d products imported", n)
	}
	// A picture for one of them, from the shop page, shown on the product page.
	png := t.TempDir() + "/candle.png"
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, _ := s.Catalog.ProductsOfShop(bg, shop.ID, 1)
	var naturalWidth int64
	err = doSteps(ctx,
		chromedp.Navigate(s.URL+"/seller/shops/"+shop.ID.String()),
		chromedp.SetUploadFiles(chromedp.CSS(".image-form input[type=file]"), []string{png}),
		chromedp.Submit(chromedp.CSS(".image-form input[type=file]")),
		waitText(".flash", "Image added to “"+ps[0].Title+"”"),
		chromedp.Navigate(s.URL+"/products/"+ps[0].ID.String()),
		chromedp.WaitVisible(chromedp.CSS("#product-images img")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// The browser decoded the picture served from the image store.
			for i := 0; i < 100 && naturalWidth == 0; i++ {
				v, err := chromedp.Evaluate[int64](`document.querySelector('#product-images img').naturalWidth`)(ctx, tg)
				if err != nil {
					return err
				}
				naturalWidth = v
				time.Sleep(20 * time.Millisecond)
			}
			return nil
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if naturalWidth != 1 {
		t.Fatalf("image width %d", naturalWidth)
	}
}

// A seller asks to sell a brand as its owner; an operator approves it; with enough
// products the seller joins the Mall and the shop carries the badge.
func TestBrowserBrandReviewAndMall(t *testing.T) {
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
	p, _ := s.Markets.Policy(bg, "US", time.Now())
	p.Mall.MinSPSX100, p.Mall.MinProducts, p.Mall.MinFreeShippingCoverageBP, p.Mall.ReturnWindowDays = 0, 2, 0, 15
	if _, err := s.Markets.SetPolicy(bg, ops.Actor(), "US", time.Now(), p, "browser test: Mall without a score"); err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Jade roller", "Silk pillowcase"} {
		if _, err := s.Catalog.CreateProduct(bg, owner.Actor(), shop.ID, catalog.ProductInput{Title: title,
			SKUs: []catalog.SKUInput{{Price: money.New(1500, "USD"), Stock: 3}}}); err != nil {
			t.Fatal(err)
		}
	}
	page := s.URL + "/seller/shops/" + shop.ID.String() + "/mall"
	err = doSteps(ctx,
		login(s, "nina@seller.test"),
		chromedp.Navigate(page),
		waitText(`#mall-requirements tr[data-req="brand"]`, "not yet"),
		chromedp.SetValue(chromedp.ID("brand-name"), "Nina Home"),
		chromedp.SetValue(chromedp.ID("brand-expires"), time.Now().AddDate(2, 0, 0).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("brand-docs"), "USPTO 9876543"),
		chromedp.Submit(chromedp.ID("brand-name")),
		waitText(".flash", "sent for review"),
		waitText("#brands .brand-status", "pending"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops"),
		chromedp.Click(chromedp.ID("brands-link")),
		waitText("#brand-queue", "USPTO 9876543"),
		chromedp.Click(chromedp.CSS("#brand-queue button.approve")),
		waitText(".flash", "approved"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(page),
		waitText(`#mall-requirements tr[data-req="brand"]`, "met"),
		waitText(`#mall-requirements tr[data-req="return_window"]`, "not yet"),
		chromedp.SetValue(chromedp.ID("return-days"), "abc"),
		chromedp.Submit(chromedp.ID("return-days")),
		waitText(".flash", "whole days"),
		chromedp.SetValue(chromedp.ID("return-days"), "15"),
		chromedp.Submit(chromedp.ID("return-days")),
		waitText(".flash", "15-day returns"),
		waitText(`#mall-requirements tr[data-req="return_window"]`, "met"),
		waitText(`#mall-requirements tr[data-req="free_shipping"]`, "met"),
		chromedp.Click(chromedp.ID("join-mall")),
		waitText(".flash", "now a Mall shop"),
		waitText("#mall-badge", "mall"),

		// The storefront: the Mall section lists the shop's products, search finds
		// them by word, and the product page carries the badge.
		chromedp.Navigate(s.URL+"/mall?market=US"),
		waitText("#results", "Jade roller"),
		chromedp.Navigate(s.URL+"/search?market=US"),
		chromedp.SetValue(chromedp.ID("q"), "silk"),
		chromedp.Submit(chromedp.ID("q")),
		waitText("#results", "Silk pillowcase"),
		chromedp.Click(chromedp.CSS("#results a")),
		waitText("#shop-badge", "mall"),
		chromedp.Navigate(s.URL+"/search?market=US&q=silk&min=abc"),
		waitText("#search-problem", "Prices are amounts"),
		chromedp.Navigate(s.URL+"/search?market=US&category=spaceships"),
		waitText("#search-problem", "category"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON API answers the same search, and refuses bad input naming the field.
	for _, c := range []struct {
		query, want string
		status      int
	}{
		{"market=US&q=jade&mall_only=true", `"title":"Jade roller"`, 200},
		{"market=US&category=spaceships", `"field":"category"`, 400},
		{"market=US&min_price=-5", `"field":"min_price"`, 400},
		{"market=ZZ", `"field":"market"`, 404},
	} {
		res, err := http.Get(s.URL + "/api/v1/search/products?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s", c.query, res.StatusCode, body)
		}
	}
}

// An operator prohibits a keyword; a listing containing it waits for review instead
// of going live; the operator rejects it and the seller reads why.
func TestBrowserProductReview(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "nina@seller.test", "Nina Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(bg, "olive@ops.test", "Olive Ops", pw, auth.Operator); err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Nina Home"})
	if err != nil {
		t.Fatal(err)
	}
	err = doSteps(ctx,
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops"),
		chromedp.Click(chromedp.ID("products-link")),
		chromedp.SetValue(chromedp.CSS("#keyword-form input[name=keyword]"), "replica"),
		chromedp.SetValue(chromedp.CSS("#keyword-form input[name=reason]"), "counterfeits are prohibited"),
		chromedp.Submit(chromedp.CSS("#keyword-form input[name=keyword]")),
		waitText(".flash", "is prohibited in US"),
		waitText("#keywords", "replica"),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(s.URL+"/seller/shops/"+shop.ID.String()),
		chromedp.SetValue(chromedp.ID("p-title"), "Replica designer bag"),
		chromedp.SetValue(chromedp.ID("p-price"), "49.00"),
		chromedp.Submit(chromedp.ID("p-title")),
		waitText(".flash", "waiting for review"),
		waitText("#shop-products", "pending_review"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops/products"),
		waitText("#product-queue", "Replica designer bag"),
		chromedp.SetValue(chromedp.CSS("#product-queue input[name=reason]"), "Replicas of branded goods are not allowed"),
		chromedp.Submit(chromedp.CSS("#product-queue input[name=reason]")),
		waitText(".flash", "is rejected"),
		chromedp.WaitVisible(chromedp.ID("product-queue-empty")),

		logout(),
		login(s, "nina@seller.test"),
		chromedp.Navigate(s.URL+"/seller/shops/"+shop.ID.String()),
		waitText("#shop-products", "rejected"),
		waitText("#shop-products .review-note", "Replicas of branded goods are not allowed"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
