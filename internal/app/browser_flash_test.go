package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// A seller broadcasting from their shop starts a flash sale from the room page; a
// shopper in the room sees the banner, grabs it at the flash price, and the seller's
// page counts the units down.
func TestBrowserLiveFlashSale(t *testing.T) {
	s := start(t, false)
	ctx := context.Background()
	const pw = "correct horse battery"
	ops, _ := s.Identity.Provision(ctx, "ops@flash.test", "Ops", "", auth.Operator)
	pol, err := s.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pol.Live.FlashCountdownMinSec = 0 // the test does not wait out a countdown
	if _, err := s.Markets.SetPolicy(ctx, ops.Actor(), "US", time.Now(), pol, "test: no countdown"); err != nil {
		t.Fatal(err)
	}
	owner, err := s.Identity.Provision(ctx, "grace@shop.test", "Grace", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Glow Lab"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Velvet Lip Tint",
		SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Content.Schedule(ctx, owner.Actor(), content.ScheduleInput{Title: "Flash Friday", ProductIDs: []id.ID{p.ID}, ShopID: shop.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Content.Start(ctx, owner.Actor(), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(ctx, "bea@shopper.test", "Bea Buyer", pw); err != nil {
		t.Fatal(err)
	}
	room := fmt.Sprintf("/live/%s", sess.ID)
	login := func(email string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			return chromedp.Void{}, chromedp.Do(ctx,
				chromedp.Navigate(s.URL+"/login?next="+room),
				chromedp.SendKeys(chromedp.ID("email"), email),
				chromedp.SendKeys(chromedp.ID("password"), pw),
				chromedp.Submit(chromedp.ID("password")),
				chromedp.WaitVisible(chromedp.ID("room")),
				waitText("#conn", "connected"))
		}
	}

	// The seller: a price that is no discount is refused with the field named, then a real one starts.
	sellerTab := browser(t)
	err = chromedp.Do(sellerTab,
		login("grace@shop.test"),
		chromedp.SetValue(chromedp.ID("flash-deal"), "12.99"),
		chromedp.SetValue(chromedp.ID("flash-qty"), "5"),
		chromedp.Click(chromedp.ID("flash-start")),
		waitText("[role=status]", "deal_price"),
		chromedp.SetValue(chromedp.ID("flash-deal"), "7.99"),
		chromedp.SetValue(chromedp.ID("flash-qty"), "5"),
		chromedp.Click(chromedp.ID("flash-start")),
		chromedp.WaitVisible(chromedp.ID("flash")),
		waitText("#flash-left", "5 of 5 left"),
		waitText("#flash-price", "$7.99"),
		waitText("#flash-clock", "ends in"),
	)
	if err != nil {
		t.Fatalf("seller starting a flash sale in %s: %v", room, err)
	}

	// The shopper grabs one.
	shopperTab := browser(t)
	err = chromedp.Do(shopperTab,
		login("bea@shopper.test"),
		chromedp.WaitVisible(chromedp.ID("flash")),
		waitText("#flash-title", "Velvet Lip Tint"),
		chromedp.Click(chromedp.ID("flash-btn")),
		chromedp.WaitVisible(chromedp.ID("buy-sheet")),
		waitText("#sheet-title", "flash price $7.99"),
		chromedp.SendKeys(chromedp.ID("addr-line1"), "1 Main St"),
		chromedp.SendKeys(chromedp.ID("addr-city"), "Austin"),
		chromedp.SendKeys(chromedp.ID("addr-postal"), "78701"),
		chromedp.Click(chromedp.ID("buy-confirm")),
		chromedp.WaitVisible(chromedp.ID("order-link")),
		waitText("#order-link", "Got it"),
		waitText("#flash-left", "4 of 5 left"),
	)
	if err != nil {
		t.Fatalf("shopper grabbing the flash sale: %v", err)
	}
	// The seller's room counts down too; the host pins a comment and the shopper sees it.
	if err := chromedp.Do(sellerTab, waitText("#flash-left", "4 of 5 left"),
		chromedp.SendKeys(chromedp.ID("mod-comment"), "Only 4 left at this price!"),
		chromedp.Click(chromedp.ID("mod-pin")),
		waitText("#mod-result", "Done."),
	); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(shopperTab, waitText("#pinned-comment-text", "Only 4 left at this price!")); err != nil {
		t.Fatal(err)
	}
	var unit, paid int64
	if err := s.DB.QueryRowContext(ctx, `SELECT l.unit_price, l.paid FROM order_lines l WHERE l.deal_promotion_id IS NOT NULL AND l.deal_promotion_id <> 0`).
		Scan(&unit, &paid); err != nil {
		t.Fatal(err)
	}
	if unit != 1299 || paid != 799 {
		t.Fatalf("flash order line: unit price %d, paid %d; want 1299 and 799", unit, paid)
	}
}
