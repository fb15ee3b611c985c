package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// orderRecords adapts the order service to OrderSource, as the Ops page does.
type orderRecords struct{ orders *order.Service }

func convert(rs []order.MoneyRecord, err error) ([]OrderMoney, error) {
	out := make([]OrderMoney, len(rs))
	for i, r := range rs {
		out[i] = OrderMoney(r)
	}
	return out, err
}

func (o orderRecords) PaidOrders(ctx context.Context, market string, from, to time.Time) ([]OrderMoney, error) {
	return convert(o.orders.PaidOrders(ctx, market, from, to))
}

func (o orderRecords) CheckoutOrders(ctx context.Context, cs []id.ID) ([]OrderMoney, error) {
	return convert(o.orders.CheckoutOrders(ctx, cs))
}

// Real orders and a refund: the day reconciles. Then each record is
// made to disagree in turn, and the report names the order and what differs.
func TestReconciliationListsEveryDifference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		c.Orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee, p.Shipping.Programs = 0, 0, 599, nil
		})
		s := NewService(d, k.Markets, c.Sellers, k.Log)
		fx := market.NewFX(d, k.Log)
		if err := fx.Seed(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.SetFX(fx)
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		owner, buyer := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bea")
		shop, _ := c.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
		p, err := c.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Tint", SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		buy := func(key string) order.Order {
			res, err := c.Orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: key, Market: "US", PaymentMethod: "pm_card_visa",
				ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
				Lines:           []order.LineInput{{SKUID: p.SKUs[0].ID, Quantity: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			return res.Orders[0]
		}
		a := buy("a")
		c.Orders.Ship(ctx, owner, a.ID, order.ShipInput{})
		c.Orders.Sweep(ctx)
		r, err := c.Orders.RequestReturn(ctx, buyer, a.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "broken",
			Lines: []order.ReturnLineInput{{LineID: a.Lines[0].ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Orders.RespondToReturn(ctx, owner, r.ID, order.SellerResponse{Approve: true}); err != nil {
			t.Fatal(err)
		}
		buy("b")
		k.RelayUntilIdle(t)

		m, _ := k.Markets.Market(ctx, "US")
		loc, _ := time.LoadLocation(m.TimeZone)
		day := time.Now().In(loc).Format("2006-01-02")
		recon := func() Recon {
			t.Helper()
			rec, err := s.Reconcile(ctx, "US", day, orderRecords{c.Orders}, PaymentRecords{c.Payments})
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		rec := recon()
		if !rec.Reconciled() || rec.Orders != 2 || rec.OrderTotal != 2*2599 || rec.OrderRefunded != 1000 ||
			rec.Captured != rec.OrderTotal || rec.LedgerCaptured != rec.OrderTotal || rec.LedgerRefunded != rec.OrderRefunded ||
			rec.ProviderRefunded != rec.OrderRefunded || rec.Held != 2599-1000+2599 || rec.OrderTotalUSD != money.New(2*2599, "USD") {
			t.Fatalf("a clean day: %+v", rec)
		}

		// The ledger books a refund nobody made.
		if _, err := post(t, s, TransferInput{IdempotencyKey: "stray", Kind: "order_refunded", Reference: "order:" + a.ID.String(), Postings: []Posting{
			{Shop(SellerPayable, shop.ID, "USD"), 50}, {Platform(ProviderReceivable, "USD"), -50}}}); err != nil {
			t.Fatal(err)
		}
		rec = recon()
		if len(rec.Differences) != 1 || rec.Differences[0].OrderID != a.ID || rec.Differences[0].Expected != 1000 || rec.Differences[0].Actual != 1050 {
			t.Fatalf("a stray ledger refund: %+v", rec.Differences)
		}
		// The provider's record of a capture disagrees with the orders.
		if _, err := d.ExecContext(ctx, `UPDATE payments SET amount = amount - 1 WHERE reference = $1`, "checkout:"+a.CheckoutID.String()); err != nil {
			t.Fatal(err)
		}
		rec = recon()
		if len(rec.Differences) != 2 || rec.Differences[1].CheckoutID != a.CheckoutID || rec.Differences[1].What != "checkout orders vs provider capture" {
			t.Fatalf("a short capture: %+v", rec.Differences)
		}
		if _, err := s.Reconcile(ctx, "US", "21-11-2026", orderRecords{c.Orders}, PaymentRecords{c.Payments}); err == nil {
			t.Fatal("a malformed day was accepted")
		}
	})
}
