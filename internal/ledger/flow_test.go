package ledger

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// Real orders through the order service and the event consumer: a refund after
// settlement and one before it leave the shop with the same money, the clearing
// account empty and the books balanced.
func TestRefundsBeforeAndAfterSettlementThroughTheConsumer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		c.Orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee, p.Shipping.Programs = 0, 0, 599, nil
			p.Fees = market.FeePolicy{ReferralFeeBP: 600, RefundAdminFeeBP: 2000, RefundAdminFeeCapPerSKU: 500}
		})
		s := NewService(d, k.Markets, c.Sellers, k.Log)
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
		deliver := func(key string) order.Order {
			res, err := c.Orders.Checkout(ctx, buyer, order.CheckoutInput{IdempotencyKey: key, Market: "US", PaymentMethod: "pm_card_visa",
				ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
				Lines:           []order.LineInput{{SKUID: p.SKUs[0].ID, Quantity: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			c.Orders.Ship(ctx, owner, res.Orders[0].ID, order.ShipInput{})
			c.Orders.Sweep(ctx)
			return res.Orders[0]
		}
		refundOne := func(o order.Order) {
			r, err := c.Orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "one was broken",
				Lines: []order.ReturnLineInput{{LineID: o.Lines[0].ID, Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Orders.RespondToReturn(ctx, owner, r.ID, order.SellerResponse{Approve: true}); err != nil {
				t.Fatal(err)
			}
		}
		payable := func() int64 {
			k.RelayUntilIdle(t)
			a, _ := s.Account(ctx, Shop(SellerPayable, shop.ID, "USD"))
			return a.Normalised().Amount
		}

		// Settled first, refunded after: 25.99 paid, 5.99 to the carrier, a 1.56 fee;
		// then 10.00 back, the unit's 0.60 fee returned less a 0.12 admin fee.
		a := deliver("a")
		c.Orders.ConfirmReceipt(ctx, buyer, a.ID)
		if got := payable(); got != 2599-599-156 {
			t.Fatalf("after settlement: %d", got)
		}
		refundOne(a)
		if got := payable(); got != 2599-599-156-(1000-60+12) {
			t.Fatalf("after the refund: %d", got)
		}

		// Refunded first, settled after: the same 8.92 for the shop.
		b := deliver("b")
		refundOne(b)
		c.Orders.ConfirmReceipt(ctx, buyer, b.ID)
		if got := payable(); got != 2*892 {
			t.Fatalf("after the second order: %d", got)
		}

		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		clearing, _ := s.Account(ctx, Platform(BuyerPaymentsClearing, "USD"))
		provider, _ := s.Account(ctx, Platform(ProviderReceivable, "USD"))
		carrier, _ := s.Account(ctx, Platform(CarrierPayable, "USD"))
		if clearing.Balance != 0 || provider.Balance != 2*2599-2*1000 || carrier.Normalised().Amount != 2*599 {
			t.Fatalf("clearing %d, provider %d, carrier %d", clearing.Balance, provider.Balance, carrier.Normalised().Amount)
		}
	})
}
