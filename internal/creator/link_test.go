package creator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
)

func TestSignedLinksAttributeWithinTheWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true)
		actor, c := f.creator(t, "linker", 3)
		other := f.newProduct(t, "Not in showcase", 1000)
		if _, err := f.creators.Link(ctx, actor, f.product.ID); !errors.Is(err, creator.ErrNotInShowcase) {
			t.Fatalf("link before the showcase: %v", err)
		}
		f.creators.AddToShowcase(ctx, actor, f.product.ID)
		link, err := f.creators.Link(ctx, actor, f.product.ID)
		if err != nil || !strings.HasPrefix(link.Path, "/l/") {
			t.Fatalf("link %+v %v", link, err)
		}

		// Forged and tampered links are refused, naming the link, and record nothing.
		forged := []string{"", "abc", "bDoxOjI.AAAA", strings.Replace(link.Token, link.Token[:4], "bDo5", 1), link.Token + "x"}
		for _, tok := range forged {
			if _, err := f.creators.Click(ctx, tok); !errors.Is(err, creator.ErrForgedLink) || errs.As(err).Field != "link" {
				t.Errorf("forged %q: %v", tok, err)
			}
		}
		if count(t, d, "affiliate_clicks") != 0 {
			t.Fatal("forged clicks recorded")
		}
		touch, err := f.creators.Click(ctx, link.Token)
		if err != nil || touch.CreatorID != c.ID || touch.ProductID != f.product.ID {
			t.Fatalf("click %+v %v", touch, err)
		}
		if n, _ := f.creators.Clicks(ctx, c.ID, f.product.ID); n != 1 {
			t.Fatalf("clicks %d", n)
		}
		cid, bp, err := f.creators.LinkAttribution(ctx, touch.Token, f.product.ID)
		if err != nil || cid != c.ID || bp != 1000 {
			t.Fatalf("attribution %d %d %v", cid, bp, err)
		}
		if _, _, err := f.creators.LinkAttribution(ctx, touch.Token, other.ID); err == nil {
			t.Fatal("a touch credited another product")
		}
		if _, _, err := f.creators.LinkAttribution(ctx, link.Token, f.product.ID); !errors.Is(err, creator.ErrForgedLink) {
			t.Fatalf("a link passed off as a touch: %v", err)
		}
		// The window is the market's: shorten it to nothing and the click is too old.
		time.Sleep(2 * time.Millisecond)
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Creators.AttributionWindowDays = 1 })
		d.ExecContext(ctx, `UPDATE affiliate_clicks SET clicked_at = 0`) // the touch carries its own time; this changes nothing
		if _, _, err := f.creators.LinkAttribution(ctx, touch.Token, f.product.ID); err != nil {
			t.Fatalf("inside a 1-day window: %v", err)
		}
		old := f.creators.WithClock(func() time.Time { return time.Now().Add(-48 * time.Hour) })
		oldTouch, _ := old.Click(ctx, link.Token)
		if _, _, err := f.creators.LinkAttribution(ctx, oldTouch.Token, f.product.ID); !errors.Is(err, creator.ErrLinkExpired) {
			t.Fatalf("a 2-day-old touch in a 1-day window: %v", err)
		}
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Creators.AttributionWindowDays = 7 })
		if _, _, err := f.creators.LinkAttribution(ctx, oldTouch.Token, f.product.ID); err != nil {
			t.Fatalf("a 2-day-old touch in a 7-day window: %v", err)
		}
	})
}

func TestCommissionDueDatesAndOverdueShops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		if err := f.creators.Subscribe(f.Bus); err != nil {
			t.Fatal(err)
		}
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true)
		actor, c := f.creator(t, "earner", 3)
		f.creators.AddToShowcase(ctx, actor, f.product.ID)
		link, _ := f.creators.Link(ctx, actor, f.product.ID)
		touch, _ := f.creators.Click(ctx, link.Token)
		cid, bp, err := f.creators.LinkAttribution(ctx, touch.Token, f.product.ID)
		if err != nil {
			t.Fatal(err)
		}
		orders := order.NewService(d, f.Markets, f.Identity, f.sellers, f.catalog, promo.NewService(d, f.Markets, f.sellers, f.catalog, f.Log),
			payment.NewService(d, payment.Sandbox{}, f.Log), f.Outbox, f.Log)
		orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		f.SetPolicy(t, "US", func(p *market.Policy) {
			p.Orders.OnHoldMinutes, p.Shipping.StandardFee, p.Creators.CommissionDueDays = 0, 0, 5
		})
		res, err := orders.Checkout(ctx, f.Actor(t, "bea"), order.CheckoutInput{IdempotencyKey: "k", Market: "US", PaymentMethod: "pm_card_visa",
			ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
			Lines: []order.LineInput{{SKUID: f.product.SKUs[0].ID, Quantity: 2,
				Attribution: order.Attribution{Source: order.Source(creator.SourceAffiliateLink), CreatorID: cid, CommissionBP: bp}}}})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Orders[0]
		f.RelayUntilIdle(t)
		mine, _ := f.creators.Commissions(ctx, actor, 10)
		theirs, err := f.creators.ShopCommissions(ctx, f.owner, o.ShopID, 10)
		if err != nil || len(mine) != 1 || len(theirs) != 1 || mine[0] != theirs[0] {
			t.Fatalf("both sides see one line: %+v / %+v %v", mine, theirs, err)
		}
		if cm := mine[0]; cm.Source != creator.SourceAffiliateLink || cm.ProductID != f.product.ID || cm.Amount != money.New(400, "USD") || !cm.DueAt.IsZero() {
			t.Fatalf("commission %+v", cm)
		}
		if cs, _ := f.creators.OrderCommissions(ctx, f.Actor(t, "nosy"), o.ID); len(cs) != 0 {
			t.Fatalf("a stranger sees the order's commissions: %+v", cs)
		}
		if cs, _ := f.creators.OrderCommissions(ctx, actor, o.ID); len(cs) != 1 || cs[0].CreatorID != c.ID {
			t.Fatalf("the creator's view of the order %+v", cs)
		}

		orders.Ship(ctx, f.owner, o.ID, order.ShipInput{})
		orders.Sweep(ctx)
		d.ExecContext(ctx, `UPDATE orders SET delivered_at = $1`, db.Micros(time.Now().AddDate(0, 0, -8)))
		if err := orders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		cm, _ := f.creators.Commissions(ctx, actor, 10)
		if cm[0].Status != creator.CommissionPayable || cm[0].Overdue || cm[0].DueSoon {
			t.Fatalf("just completed %+v", cm[0])
		}
		if days := cm[0].DueAt.Sub(cm[0].PayableAt).Hours() / 24; days != 5 {
			t.Fatalf("due %v days after completion, want the policy's 5", days)
		}
		op := f.Operator(t)
		if shops, _ := f.creators.OverdueShops(ctx, op); len(shops) != 0 {
			t.Fatalf("overdue before the due date %+v", shops)
		}
		// A day before the due date both sides see it flagged; after it, overdue,
		// and the shop is on the operators' list.
		d.ExecContext(ctx, `UPDATE commissions SET due_at = $1`, db.Micros(time.Now().Add(24*time.Hour)))
		if cm, _ := f.creators.ShopCommissions(ctx, f.owner, o.ShopID, 10); !cm[0].DueSoon || cm[0].Overdue {
			t.Fatalf("due tomorrow %+v", cm[0])
		}
		d.ExecContext(ctx, `UPDATE commissions SET due_at = $1`, db.Micros(time.Now().Add(-24*time.Hour)))
		if cm, _ := f.creators.Commissions(ctx, actor, 10); !cm[0].Overdue {
			t.Fatalf("past due %+v", cm[0])
		}
		if _, err := f.creators.OverdueShops(ctx, actor); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a creator reads the ops list: %v", err)
		}
		shops, err := f.creators.OverdueShops(ctx, op)
		if err != nil || len(shops) != 1 || shops[0].ShopID != o.ShopID || shops[0].Lines != 1 || shops[0].Owed[0] != money.New(400, "USD") {
			t.Fatalf("overdue shops %+v %v", shops, err)
		}
		// With the ledger wired, it judges: past due but covered by a payout is paid;
		// what it counts overdue is overdue.
		wired := f.creators.WithClock(time.Now)
		ledgerSays := &fakePayouts{}
		wired.UsePayouts(ledgerSays)
		if cm, _ := wired.Commissions(ctx, actor, 10); cm[0].Status != creator.CommissionPaid || cm[0].Overdue {
			t.Fatalf("paid out per the ledger: %+v", cm[0])
		}
		if shops, _ := wired.OverdueShops(ctx, op); len(shops) != 0 {
			t.Fatalf("paid per the ledger, yet on the list: %+v", shops)
		}
		ledgerSays.overdue = []id.ID{o.ID}
		if cm, _ := wired.ShopCommissions(ctx, f.owner, o.ShopID, 10); cm[0].Status != creator.CommissionPayable || !cm[0].Overdue {
			t.Fatalf("overdue per the ledger: %+v", cm[0])
		}
		if shops, _ := wired.OverdueShops(ctx, op); len(shops) != 1 || shops[0].Owed[0] != money.New(400, "USD") {
			t.Fatalf("overdue per the ledger, not listed: %+v", shops)
		}

		if n, err := f.creators.MarkShopCommissionsPaid(ctx, op, o.ShopID); err != nil || n != 1 {
			t.Fatalf("mark paid %d %v", n, err)
		}
		if shops, _ := f.creators.OverdueShops(ctx, op); len(shops) != 0 {
			t.Fatalf("paid and still overdue %+v", shops)
		}
		if cm, _ := f.creators.Commissions(ctx, actor, 10); cm[0].Status != creator.CommissionPaid || cm[0].Overdue || cm[0].PaidAt.IsZero() {
			t.Fatalf("paid %+v", cm[0])
		}
	})
}

// fakePayouts answers as the ledger would: the orders it counts overdue.
type fakePayouts struct{ overdue []id.ID }

func (p *fakePayouts) CreatorEarnings(ctx context.Context, creatorID id.ID, currency string) (ledger.Earnings, error) {
	e := ledger.Earnings{Currency: currency}
	for _, o := range p.overdue {
		e.Overdue = append(e.Overdue, ledger.Settlement{OrderID: o, OwnerID: creatorID, Currency: currency})
	}
	return e, nil
}
