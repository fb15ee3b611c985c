package order_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	testkit.Commerce
	sellers *seller.Service
	catalog *catalog.Service
	orders  *order.Service
	owner   auth.Actor
	shop    seller.Shop
	product catalog.Product
}

func setup(t *testing.T, d *db.DB, stock int64) fixture {
	t.Helper()
	k := testkit.New(t, d)
	c := k.Commerce()
	f := fixture{Kit: k, Commerce: c, sellers: c.Sellers, catalog: c.Catalog, orders: c.Orders}
	f.orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{} // collects and delivers at the next sweep
	// The plain rules these tests state their sums in: no hold window, free shipping,
	// no tax. Tests of those rules set their own.
	k.SetPolicy(t, "US", func(p *market.Policy) {
		p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee = 0, 0, 0
	})
	ctx := context.Background()
	f.owner = k.Actor(t, "ana", auth.Seller)
	var err error
	if f.shop, err = f.sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"}); err != nil {
		t.Fatal(err)
	}
	f.product, err = f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, catalog.ProductInput{Title: "Glow lip gloss", SKUs: []catalog.SKUInput{
		{SellerSKU: "LG", Price: money.New(1299, "USD"), Stock: stock}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var address = order.Address{Name: "Bea Buyer", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}

func (f fixture) buy(buyer auth.Actor, key string, qty int64, method string) (order.CheckoutResult, error) {
	return f.orders.Checkout(context.Background(), buyer, order.CheckoutInput{IdempotencyKey: key, Market: "US",
		Lines: []order.LineInput{{SKUID: f.product.SKUs[0].ID, Quantity: qty}}, ShippingAddress: address, PaymentMethod: method})
}

func (f fixture) stock(t *testing.T) (stock, reserved int64) {
	p, err := f.catalog.Product(context.Background(), f.product.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.SKUs[0].Stock, p.SKUs[0].Reserved
}

func topics(t *testing.T, d *db.DB) []string {
	rows, err := d.QueryContext(context.Background(), `SELECT topic FROM outbox WHERE topic LIKE 'order.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestOrderLifecycleFromCheckoutToCompleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		res, err := f.buy(buyer, "k1", 2, "pm_card_visa")
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != "paid" || len(res.Orders) != 1 || res.Total != money.New(2598, "USD") {
			t.Fatalf("result %+v", res)
		}
		o := res.Orders[0]
		if o.Status != order.AwaitingShipment || o.PaidAt.IsZero() || o.Lines[0].Source != order.SourceProductCard {
			t.Fatalf("order %+v", o)
		}
		if s, r := f.stock(t); s != 8 || r != 0 {
			t.Fatalf("stock %d reserved %d after payment", s, r)
		}
		if _, err := f.orders.ConfirmReceipt(ctx, buyer, o.ID); !errors.Is(err, order.ErrBadTransition) {
			t.Fatalf("confirm before delivery: %v", err)
		}
		shipped, err := f.orders.Ship(ctx, f.owner, o.ID, order.ShipInput{})
		if err != nil || shipped.Status != order.AwaitingCollection || shipped.Carrier != "sandbox" || shipped.TrackingNumber == "" {
			t.Fatalf("ship: %+v %v", shipped, err)
		}
		if err := f.orders.Sweep(ctx); err != nil { // the sandbox carrier collects and delivers
			t.Fatal(err)
		}
		got, _ := f.orders.Get(ctx, buyer, o.ID)
		if got.Status != order.Delivered {
			t.Fatalf("after carrier sweep: %s", got.Status)
		}
		done, err := f.orders.ConfirmReceipt(ctx, buyer, o.ID)
		if err != nil || done.Status != order.Completed {
			t.Fatalf("confirm: %+v %v", done, err)
		}
		got, _ = f.orders.Get(ctx, buyer, o.ID)
		var steps []order.Status
		for _, s := range got.History {
			steps = append(steps, s.Status)
		}
		want := []order.Status{order.Unpaid, order.AwaitingShipment, order.AwaitingCollection, order.InTransit, order.Delivered, order.Completed}
		if fmt.Sprint(steps) != fmt.Sprint(want) {
			t.Fatalf("timeline %v, want %v", steps, want)
		}
		if got := fmt.Sprint(topics(t, d)); got != "[order.paid order.shipped order.delivered order.completed]" {
			t.Fatalf("events %s", got)
		}
	})
}

func TestCheckoutIdempotency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		buyer := f.Actor(t, "bea")
		first, err := f.buy(buyer, "same-key", 1, "pm_card_visa")
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.buy(buyer, "same-key", 1, "pm_card_visa")
		if err != nil || !again.Replayed || again.CheckoutID != first.CheckoutID || again.Orders[0].ID != first.Orders[0].ID {
			t.Fatalf("replay %+v %v", again, err)
		}
		if _, err := f.buy(buyer, "same-key", 3, "pm_card_visa"); !errors.Is(err, order.ErrIdempotencyReused) {
			t.Fatalf("reused key, other request: %v", err)
		}
		// Another buyer's key space is separate.
		if _, err := f.buy(f.Actor(t, "cy"), "same-key", 1, "pm_card_visa"); err != nil {
			t.Fatal(err)
		}
		if s, _ := f.stock(t); s != 8 {
			t.Fatalf("stock %d, want 8 (two checkouts of one)", s)
		}
	})
}

func TestDeclinedPaymentCancelsAndReleasesStock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 5)
		buyer := f.Actor(t, "bea")
		res, err := f.buy(buyer, "k", 2, "pm_card_chargeDeclined")
		if !errors.Is(err, payment.ErrDeclined) || errs.KindOf(err) != errs.PaymentFailed {
			t.Fatalf("declined: %v", err)
		}
		if res.Status != "failed" || res.Orders[0].Status != order.Cancelled {
			t.Fatalf("result %+v", res)
		}
		if s, r := f.stock(t); s != 5 || r != 0 {
			t.Fatalf("stock %d reserved %d after decline", s, r)
		}
		// Retrying the same key replays the decline; a new key may use another card.
		if _, err := f.buy(buyer, "k", 2, "pm_card_chargeDeclined"); !errors.Is(err, payment.ErrDeclined) {
			t.Fatalf("replayed decline: %v", err)
		}
		if _, err := f.buy(buyer, "k2", 2, "pm_card_visa"); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(topics(t, d)); got != "[order.cancelled order.paid]" {
			t.Fatalf("events %s", got)
		}
	})
}

func TestCheckoutSplitsByShop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 5)
		ctx := context.Background()
		bo := f.Actor(t, "bo", auth.Seller)
		shop2, _ := f.sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Bo's"})
		p2, err := f.catalog.CreateProduct(ctx, bo, shop2.ID, catalog.ProductInput{Title: "Phone case", SKUs: []catalog.SKUInput{{Price: money.New(900, "USD"), Stock: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.orders.Checkout(ctx, f.Actor(t, "bea"), order.CheckoutInput{IdempotencyKey: "k", Market: "US", ShippingAddress: address, PaymentMethod: "pm_card_visa",
			Lines: []order.LineInput{{SKUID: f.product.SKUs[0].ID, Quantity: 1}, {SKUID: p2.SKUs[0].ID, Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Orders) != 2 || res.Total != money.New(1299+1800, "USD") {
			t.Fatalf("%d orders total %v", len(res.Orders), res.Total)
		}
		shops := map[string]bool{res.Orders[0].ShopID.String(): true, res.Orders[1].ShopID.String(): true}
		if !shops[f.shop.ID.String()] || !shops[shop2.ID.String()] {
			t.Fatalf("orders not split by shop: %+v", res.Orders)
		}
		// Each seller sees only their own order.
		if os, _ := f.orders.ShopOrders(ctx, bo, shop2.ID, "", 10); len(os) != 1 || os[0].Total != money.New(1800, "USD") {
			t.Fatalf("bo's orders %+v", os)
		}
		if _, err := f.orders.ShopOrders(ctx, bo, f.shop.ID, "", 10); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("bo reading ana's orders: %v", err)
		}
	})
}

func TestCheckoutRefusalsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 5)
		ctx := context.Background()
		gb := f.Actor(t, "gary", auth.Seller)
		gbShop, _ := f.sellers.Register(ctx, gb, seller.RegisterInput{Market: "GB", Name: "Gary's"})
		gbProduct, _ := f.catalog.CreateProduct(ctx, gb, gbShop.ID, catalog.ProductInput{Title: "Tea", SKUs: []catalog.SKUInput{{Price: money.New(500, "GBP"), Stock: 5}}})
		buyer := f.Actor(t, "bea")
		sku := f.product.SKUs[0].ID
		in := func(mod func(*order.CheckoutInput)) order.CheckoutInput {
			c := order.CheckoutInput{IdempotencyKey: "k", Market: "US", ShippingAddress: address, PaymentMethod: "pm_card_visa",
				Lines: []order.LineInput{{SKUID: sku, Quantity: 1}}}
			mod(&c)
			return c
		}
		tests := []struct {
			name      string
			actor     auth.Actor
			in        order.CheckoutInput
			wantCode  string
			wantField string
		}{
			{"anonymous", auth.Actor{}, in(func(*order.CheckoutInput) {}), "unauthenticated", ""},
			{"zero quantity", buyer, in(func(c *order.CheckoutInput) { c.Lines[0].Quantity = 0 }), "invalid_field", "lines[0].quantity"},
			{"negative quantity", buyer, in(func(c *order.CheckoutInput) { c.Lines[0].Quantity = -3 }), "invalid_field", "lines[0].quantity"},
			{"more than in stock", buyer, in(func(c *order.CheckoutInput) { c.Lines[0].Quantity = 6 }), "out_of_stock", "lines[0].quantity"},
			{"unknown sku", buyer, in(func(c *order.CheckoutInput) { c.Lines[0].SKUID = 42 }), "sku_not_found", "lines[0].sku_id"},
			{"sku from another market", buyer, in(func(c *order.CheckoutInput) { c.Lines[0].SKUID = gbProduct.SKUs[0].ID }), "wrong_market", "lines[0].sku_id"},
			{"no key", buyer, in(func(c *order.CheckoutInput) { c.IdempotencyKey = "" }), "invalid_field", "idempotency_key"},
			{"no lines", buyer, in(func(c *order.CheckoutInput) { c.Lines = nil }), "invalid_field", "lines"},
			{"unknown market", buyer, in(func(c *order.CheckoutInput) { c.Market = "ZZ" }), "market_not_found", "market"},
			{"planned market", buyer, in(func(c *order.CheckoutInput) { c.Market = "JP" }), "market_not_selling", "market"},
			{"address abroad", buyer, in(func(c *order.CheckoutInput) { c.ShippingAddress.Country = "MX" }), "wrong_market", "shipping_address.country"},
			{"no street", buyer, in(func(c *order.CheckoutInput) { c.ShippingAddress.Line1 = "" }), "invalid_field", "shipping_address.line1"},
			{"no payment method", buyer, in(func(c *order.CheckoutInput) { c.PaymentMethod = "" }), "unknown_payment_method", "payment_method"},
		}
		for _, tt := range tests {
			_, err := f.orders.Checkout(ctx, tt.actor, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM orders) + (SELECT COUNT(*) FROM checkouts) + (SELECT COUNT(*) FROM payments)`).Scan(&n)
		if s, r := f.stock(t); n != 0 || s != 5 || r != 0 {
			t.Fatalf("refusals left %d rows, stock %d reserved %d", n, s, r)
		}
	})
}

func TestOnlyTheRightPeopleSeeAndChangeAnOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 5)
		ctx := context.Background()
		buyer, stranger, otherSeller := f.Actor(t, "bea"), f.Actor(t, "eve"), f.Actor(t, "bo", auth.Seller)
		res, err := f.buy(buyer, "k", 1, "pm_card_visa")
		if err != nil {
			t.Fatal(err)
		}
		oid := res.Orders[0].ID
		for _, a := range []auth.Actor{buyer, f.owner, f.Operator(t)} {
			if _, err := f.orders.Get(ctx, a, oid); err != nil {
				t.Errorf("%s cannot see the order: %v", a.Name, err)
			}
		}
		for _, a := range []auth.Actor{stranger, otherSeller} {
			if _, err := f.orders.Get(ctx, a, oid); !errors.Is(err, order.ErrOrderNotFound) {
				t.Errorf("%s sees the order: %v", a.Name, err)
			}
		}
		if _, err := f.orders.Ship(ctx, otherSeller, oid, order.ShipInput{}); !errors.Is(err, order.ErrOrderNotFound) {
			t.Errorf("another seller shipped: %v", err)
		}
		if _, err := f.orders.Ship(ctx, buyer, oid, order.ShipInput{}); !errors.Is(err, order.ErrOrderNotFound) {
			t.Errorf("the buyer shipped: %v", err)
		}
		if _, err := f.orders.Cancel(ctx, stranger, oid, ""); !errors.Is(err, order.ErrOrderNotFound) {
			t.Errorf("a stranger cancelled: %v", err)
		}
		if _, err := f.orders.CarrierEvent(ctx, f.owner, oid, "delivered"); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("a seller reported a delivery: %v", err)
		}
	})
}

// An order whose payment outcome was never recorded (a crash mid-checkout) is settled
// by the unpaid timer from the payment record.
func TestUnpaidTimeoutCancelsOrRecoversFromThePaymentRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 5)
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		// Two checkouts, then rewind them to UNPAID as if the process died before the
		// outcome was recorded: one whose payment was captured, one still pending.
		paid, _ := f.buy(buyer, "a", 1, "pm_card_visa")
		lost, _ := f.buy(buyer, "b", 1, "pm_card_visa")
		hour := db.Micros(time.Now().Add(-time.Hour))
		for _, res := range []order.CheckoutResult{paid, lost} {
			d.ExecContext(ctx, `UPDATE orders SET status = 'UNPAID', paid_at = 0, created_at = $1 WHERE checkout_id = $2`, hour, res.CheckoutID)
			d.ExecContext(ctx, `UPDATE skus SET reserved = reserved + 1`)
		}
		d.ExecContext(ctx, `UPDATE payments SET status = 'pending' WHERE reference = $1`, "checkout:"+lost.CheckoutID.String())
		d.ExecContext(ctx, `DELETE FROM outbox`)
		if err := f.orders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		a, _ := f.orders.Get(ctx, buyer, paid.Orders[0].ID)
		b, _ := f.orders.Get(ctx, buyer, lost.Orders[0].ID)
		if a.Status != order.AwaitingShipment || b.Status != order.Cancelled {
			t.Fatalf("captured -> %s, pending -> %s", a.Status, b.Status)
		}
		if s, r := f.stock(t); s != 4 || r != 0 {
			t.Fatalf("stock %d reserved %d", s, r)
		}
	})
}

// Three hundred buyers race for twenty units of one SKU, on both databases, with
// each checkout in its own transaction and with checkouts grouped into shared
// commits: exactly twenty succeed, the rest are told it sold out, and the stock ends
// at zero with nothing left reserved.
func TestConcurrentCheckoutsNeverOversell(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 20)
		for _, grouped := range []bool{false, true} {
			if grouped {
				if _, err := f.catalog.SetStock(context.Background(), f.owner, f.product.SKUs[0].ID, 20); err != nil {
					t.Fatal(err)
				}
				f.orders.GroupCheckouts(64)
				defer f.orders.StopGroupingCheckouts()
			}
			var ok, sold atomic.Int64
			var wg sync.WaitGroup
			buyers := make([]auth.Actor, 300)
			for i := range buyers {
				buyers[i] = f.Actor(t, "b")
			}
			for i := range buyers {
				wg.Go(func() {
					_, err := f.buy(buyers[i], "k", 1, "pm_card_visa")
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, catalog.ErrOutOfStock):
						sold.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if s, r := f.stock(t); ok.Load() != 20 || sold.Load() != 280 || s != 0 || r != 0 {
				t.Fatalf("grouped=%v: %d bought, %d refused, stock %d reserved %d", grouped, ok.Load(), sold.Load(), s, r)
			}
		}
	})
}

// Grouped checkouts settle every kind of outcome in one batch: captured orders are
// paid, declined ones cancelled with their stock back, cards needing the buyer's
// confirmation wait; and the same request sent twice in one rush makes one order.
func TestGroupedCheckoutsSettleEachOutcome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 100)
		f.orders.GroupCheckouts(64)
		defer f.orders.StopGroupingCheckouts()
		methods := []string{"pm_card_visa", "pm_card_chargeDeclined", "pm_card_authenticationRequired"}
		var mu sync.Mutex
		status := map[string]int{}
		var wg sync.WaitGroup
		twice := f.Actor(t, "twice")
		const n = 40 // under the Beginner tier's daily cap of 50
		for i := range n {
			buyer, key := f.Actor(t, fmt.Sprint("b", i)), "k"
			if i%10 == 0 {
				buyer, key = twice, "same" // four copies of one request
			}
			method := methods[i%3]
			if i%10 == 0 {
				method = "pm_card_visa"
			}
			wg.Go(func() {
				res, err := f.buy(buyer, key, 1, method)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, order.ErrCheckoutInProgress):
					status["in progress"]++
				case res.Replayed:
					status["replayed"]++
				case res.Status == "":
					t.Errorf("%s: %v", method, err)
				default:
					status[res.Status]++
				}
			})
		}
		wg.Wait()
		var paid, failed, waiting, orders int
		ctx := context.Background()
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkouts WHERE status = 'paid'`).Scan(&paid)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkouts WHERE status = 'failed'`).Scan(&failed)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkouts WHERE status = 'action_required'`).Scan(&waiting)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE buyer_id = $1`, twice.AccountID).Scan(&orders)
		if orders != 1 {
			t.Fatalf("one request sent four times made %d orders (%v)", orders, status)
		}
		var wantPaid, wantFailed, wantWaiting int
		for i := range n {
			switch {
			case i%10 == 0:
			case i%3 == 0:
				wantPaid++
			case i%3 == 1:
				wantFailed++
			default:
				wantWaiting++
			}
		}
		wantPaid++ // the repeated request
		if paid != wantPaid || failed != wantFailed || waiting != wantWaiting {
			t.Fatalf("paid %d failed %d waiting %d, want %d %d %d (%v)", paid, failed, waiting, wantPaid, wantFailed, wantWaiting, status)
		}
		// Declined orders gave their unit back; waiting ones still hold theirs.
		if s, r := f.stock(t); s != int64(100-wantPaid-wantWaiting) || r != int64(wantWaiting) {
			t.Fatalf("stock %d reserved %d, want %d and %d", s, r, 100-wantPaid-wantWaiting, wantWaiting)
		}
	})
}

// A shop that cannot sell (suspended here) takes no orders and no cart additions,
// and its products come back to selling when it can again. The check is part of the
// one read of the lines' SKUs.
func TestSuspendedShopTakesNoOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		bea, cy := f.Actor(t, "bea"), f.Actor(t, "cy")
		if err := f.orders.SetCartItem(ctx, cy, f.product.SKUs[0].ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sellers.SetStatus(ctx, f.Operator(t), f.shop.ID, seller.Suspended, "counterfeit report under review"); err != nil {
			t.Fatal(err)
		}
		// A cart holding the shop's item still opens: the item is marked, not priced.
		cart, err := f.orders.Cart(ctx, cy, "US", nil)
		if err != nil {
			t.Fatalf("the cart of a buyer holding a suspended shop's item: %v", err)
		}
		if len(cart.Items) != 1 || cart.Items[0].Unavailable == "" || cart.Quote != nil {
			t.Fatalf("cart %+v: want the item marked unavailable and nothing priced", cart)
		}
		_, err = f.buy(bea, "k1", 1, "pm_card_visa")
		if e := errs.As(err); e == nil || e.Code != "shop_not_active" || e.Field != "lines[0].sku_id" {
			t.Fatalf("checkout from a suspended shop: %v", err)
		}
		if err := f.orders.SetCartItem(ctx, bea, f.product.SKUs[0].ID, 1); errs.As(err) == nil || errs.As(err).Code != "shop_not_active" {
			t.Fatalf("cart addition from a suspended shop: %v", err)
		}
		if stock, reserved := f.stock(t); stock != 10 || reserved != 0 {
			t.Fatalf("refused checkout moved stock: %d / %d", stock, reserved)
		}
		if _, err := f.sellers.SetStatus(ctx, f.Operator(t), f.shop.ID, seller.Active, "review cleared"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.buy(bea, "k2", 1, "pm_card_visa"); err != nil {
			t.Fatalf("checkout once the shop is active again: %v", err)
		}
		if cart, err := f.orders.Cart(ctx, cy, "US", nil); err != nil || cart.Items[0].Unavailable != "" || cart.Quote == nil {
			t.Fatalf("the cart once the shop is active again: %+v, %v", cart, err)
		}
	})
}
