package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// A creator's sale is delivered and confirmed under rules that settle at once: the
// seller reads the order in the day's statement and its breakdown, a payout to a bank
// that refuses it comes back, a good bank account gets the money; the creator sees
// the commission (under the minimum payout, so a withdrawal is refused); the
// operator's reconciliation of the day finds nothing to report.
func TestBrowserFinanceSettlementPayoutsAndReconciliation(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedShop(t, s)
	bg := context.Background()
	p, err := s.Markets.Policy(bg, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Settlement.DelayDays, p.Settlement.ProbationDelayDays = 0, 0
	if _, err := s.Markets.SetPolicy(bg, w.opsA, "US", time.Now(), p, "browser test: settle at once"); err != nil {
		t.Fatal(err)
	}
	host, err := s.Identity.Provision(bg, "mia@creator.test", "Mia", pw, auth.Creator)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Creators.CreateProfile(bg, host.Actor(), creator.ProfileInput{Handle: "mia.makeup", Market: "US", BirthDate: "1996-05-14"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Orders.Checkout(bg, w.buyer, order.CheckoutInput{IdempotencyKey: "fin-1", Market: "US", PaymentMethod: "pm_card_visa",
		ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
		Lines: []order.LineInput{{SKUID: w.tint.SKUs[0].ID, Quantity: 2,
			Attribution: order.Attribution{Source: order.SourceShowcase, CreatorID: c.ID, CommissionBP: 1000}}}})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Orders[0]
	if _, err := s.Orders.Ship(bg, w.owner, o.ID, order.ShipInput{}); err != nil {
		t.Fatal(err)
	}
	// The timers deliver the parcel; the buyer confirms; the ledger settles and releases.
	available := func() int64 {
		a, err := s.Ledger.Account(bg, ledger.Shop(ledger.SellerAvailable, w.shop.ID, "USD"))
		if err != nil {
			t.Fatal(err)
		}
		return a.Available().Amount
	}
	deadline := time.Now().Add(20 * time.Second)
	for available() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the order's money never became available")
		}
		if _, err := s.Orders.ConfirmReceipt(bg, w.buyer, o.ID); err != nil && !strings.Contains(err.Error(), "status") {
			t.Logf("confirm: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	net := available()
	want := money.New(net, "USD").Format()
	base := s.URL + "/seller/shops/" + w.shop.ID.String() + "/finance"
	err = chromedp.Do(ctx,
		login(s, "grace@shop.test"),
		chromedp.Navigate(base),
		waitText("#available", want),
		waitText("#statement", "order "+o.ID.String()),
		waitText("#statement-net", want),
		waitText("#schedule", o.ID.String()),
		chromedp.Click(chromedp.CSS(`#statement a[href*="order=`+o.ID.String()+`"]`)),
		waitText("#order-breakdown", "order_settled"),
		// A bank that refuses the payout: the money comes back.
		chromedp.SetValue(chromedp.CSS("#destination-form input[name=destination]"), "US-BANK-000000"),
		chromedp.Submit(chromedp.CSS("#destination-form input[name=destination]")),
		waitText(".flash", "new bank account"),
		chromedp.Click(chromedp.CSS("#payout-form button")),
		waitText(".flash", "refused"),
		waitText("#available", want),
		waitText("#payouts", "failed"),
		// A good account: the scheduled run (or the button) pays it all.
		chromedp.SetValue(chromedp.CSS("#destination-form input[name=destination]"), "US-BANK-123456"),
		chromedp.Submit(chromedp.CSS("#destination-form input[name=destination]")),
		waitText(".flash", "new bank account"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); available() != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the scheduled payout never ran")
		}
		time.Sleep(50 * time.Millisecond)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base),
		waitText("#available", "$0.00"),
		waitText("#payouts", "paid"),
		waitText("#payouts", "••••3456"),

		logout(),
		login(s, "mia@creator.test"),
		chromedp.Navigate(s.URL+"/creator/earnings"),
		waitText("#payable", "$2.60"), // 10% of 25.98
		waitText("#commissions", o.ID.String()),
		chromedp.Click(chromedp.CSS("#payout-form button")),
		waitText(".flash", "no bank account"),
		chromedp.SetValue(chromedp.CSS("#destination-form input[name=destination]"), "TH-BANK-998877"),
		chromedp.Submit(chromedp.CSS("#destination-form input[name=destination]")),
		waitText(".flash", "new bank account"),
		chromedp.Click(chromedp.CSS("#payout-form button")),
		waitText(".flash", "minimum"),
		waitText("#payable", "$2.60"),

		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops/reconciliation?market=US"),
		waitText("#recon-status", "reconciled"),
		waitText("#recon-totals", "$25.98"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
