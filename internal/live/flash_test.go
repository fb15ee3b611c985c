package live_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/promo"
)

// flashFixture is the live fixture with flash sales enabled. Its writer does not pay
// (payers 0), so placed orders stay unpaid and units can be watched coming back.
type flashFixture struct {
	*fixture
	promos *promo.Service
	writer *order.FlashWriter
	sales  *live.FlashSales
	sku    id.ID
}

func setupFlash(t *testing.T, d *db.DB, stock int64) *flashFixture {
	t.Helper()
	f := &flashFixture{fixture: setup(t, d, testConfig())}
	// Tests do not wait out a countdown: the operator allows none.
	f.SetPolicy(t, "US", func(p *market.Policy) { p.Live.FlashCountdownMinSec = 0 })
	f.promos = promo.NewService(d, f.Markets, f.sellers, f.catalog, f.Log)
	f.sku = f.products[0].SKUs[0].ID
	// A flash sale sells more in a day than a Beginner shop's cap allows.
	if _, err := f.sellers.SetTier(context.Background(), f.Operator(t), f.products[0].ShopID, "Pro", "test: flash sales"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.catalog.SetStock(context.Background(), f.owner, f.sku, stock); err != nil {
		t.Fatal(err)
	}
	f.enable(t)
	return f
}

// enable starts a writer and the flash sales over it, as a node does at start.
func (f *flashFixture) enable(t *testing.T) {
	t.Helper()
	f.writer = f.orders.NewFlashWriter(64, 0)
	t.Cleanup(f.writer.Close)
	var err error
	if f.sales, err = f.hub.EnableFlashSales(context.Background(), f.DB, f.promos, f.writer); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.sales.Close)
}

func (f *flashFixture) buy(a auth.Actor, qty int64, key string) (order.CheckoutResult, error) {
	return f.hub.Buy(context.Background(), a, f.session.ID, live.BuyInput{SKUID: f.sku, Quantity: qty, IdempotencyKey: key,
		ShippingAddress: order.Address{Name: a.Name, Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}, PaymentMethod: "pm_card_visa"})
}

func (f *flashFixture) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.DB.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFlashSaleRefusesBadInputAndChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setupFlash(t, d, 50)
		ctx := context.Background()
		good := live.FlashSaleInput{SKUID: f.sku, DealPrice: 900, Quantity: 10, PerBuyerLimit: 2, CountdownSeconds: 0, DurationSeconds: 120}
		stranger := f.Actor(t, "sam", auth.Seller)
		cases := []struct {
			name  string
			actor auth.Actor
			edit  func(*live.FlashSaleInput)
			code  string
			field string
		}{
			{"countdown too long", f.owner, func(in *live.FlashSaleInput) { in.CountdownSeconds = 301 }, "invalid", "countdown_seconds"},
			{"too short", f.owner, func(in *live.FlashSaleInput) { in.DurationSeconds = 30 }, "invalid", "duration_seconds"},
			{"too long", f.owner, func(in *live.FlashSaleInput) { in.DurationSeconds = 21 * 60 }, "invalid", "duration_seconds"},
			{"no units", f.owner, func(in *live.FlashSaleInput) { in.Quantity = 0 }, "invalid", "quantity"},
			{"more than stock", f.owner, func(in *live.FlashSaleInput) { in.Quantity = 51 }, "invalid", "quantity"},
			{"limit too high", f.owner, func(in *live.FlashSaleInput) { in.PerBuyerLimit = 11 }, "invalid", "per_buyer_limit"},
			{"not a discount", f.owner, func(in *live.FlashSaleInput) { in.DealPrice = 1500 }, "invalid", "deal_price"},
			{"SKU not in the live", f.owner, func(in *live.FlashSaleInput) { in.SKUID = f.products[2].SKUs[0].ID }, "", "sku_id"},
			{"not the shop's", stranger, func(in *live.FlashSaleInput) {}, "", ""},
		}
		for _, c := range cases {
			in := good
			c.edit(&in)
			_, err := f.sales.Start(ctx, c.actor, f.session.ID, in)
			e := errs.As(err)
			if e == nil {
				t.Fatalf("%s: started, want a refusal", c.name)
			}
			if (c.code != "" && e.Code != c.code && e.Kind.String() != c.code) || e.Field != c.field {
				t.Errorf("%s: got %s/%s on %q, want %s on %q", c.name, e.Kind, e.Code, e.Field, c.code, c.field)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM live_flash_sales`) + f.count(t, `SELECT COUNT(*) FROM promotions`); n != 0 {
			t.Fatalf("refused sales left %d rows", n)
		}
		if _, err := f.sales.Start(ctx, f.owner, f.session.ID, good); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sales.Start(ctx, f.owner, f.session.ID, good); !errors.Is(err, live.ErrFlashRunning) {
			t.Fatalf("a second sale at once: %v, want flash_sale_running", err)
		}
	})
}

// Many buyers race for few units: exactly the units are sold, each buyer within the
// limit, every confirmed order durable, and the database agrees with the gate.
func TestFlashSaleNeverOversells(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setupFlash(t, d, 500)
		ctx := context.Background()
		const units, buyers = 60, 150
		sale, err := f.sales.Start(ctx, f.owner, f.session.ID, live.FlashSaleInput{SKUID: f.sku, DealPrice: 900, Quantity: units, PerBuyerLimit: 2, DurationSeconds: 120})
		if err != nil {
			t.Fatal(err)
		}
		actors := make([]auth.Actor, buyers)
		for i := range actors {
			actors[i] = f.Actor(t, fmt.Sprintf("buyer%d", i))
		}
		var confirmed, soldOut atomic.Int64
		var mu sync.Mutex
		var orderIDs []id.ID
		var wg sync.WaitGroup
		for i, a := range actors {
			wg.Go(func() {
				res, err := f.buy(a, int64(1+i%2), fmt.Sprintf("k%d", i))
				switch {
				case err == nil:
					confirmed.Add(res.Orders[0].Lines[0].Quantity)
					mu.Lock()
					orderIDs = append(orderIDs, res.Orders[0].ID)
					mu.Unlock()
					if res.Status != "pending" || res.Orders[0].Lines[0].DealPromotionID != sale.ID || res.Orders[0].Lines[0].UnitPrice.Amount != 1500 {
						t.Errorf("order %+v", res)
					}
				case errors.Is(err, live.ErrFlashSoldOut):
					soldOut.Add(1)
				default:
					t.Errorf("buyer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if confirmed.Load() != units {
			t.Fatalf("confirmed %d units, want exactly %d (sold out refusals %d)", confirmed.Load(), units, soldOut.Load())
		}
		if n := f.count(t, `SELECT sold FROM promotion_items WHERE promotion_id = $1`, sale.ID); n != units {
			t.Fatalf("deal row says %d sold", n)
		}
		if n := f.count(t, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.deal_promotion_id = $1 AND o.status = 'UNPAID'`, sale.ID); n != units {
			t.Fatalf("orders hold %d units", n)
		}
		if n := f.count(t, `SELECT stock FROM skus WHERE id = $1`, f.sku); n != 500-units {
			t.Fatalf("stock %d, want %d", n, 500-units)
		}
		for _, oid := range orderIDs {
			if n := f.count(t, `SELECT COUNT(*) FROM orders WHERE id = $1`, oid); n != 1 {
				t.Fatalf("confirmed order %s is not in the database", oid)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM payments WHERE status = 'pending'`); n != int64(len(orderIDs)) {
			t.Fatalf("%d pending payments for %d orders", n, len(orderIDs))
		}
	})
}

func TestFlashSaleLimitsReplaysCancellationsAndRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setupFlash(t, d, 50)
		ctx := context.Background()
		sale, err := f.sales.Start(ctx, f.owner, f.session.ID, live.FlashSaleInput{SKUID: f.sku, DealPrice: 900, Quantity: 3, PerBuyerLimit: 2, DurationSeconds: 120})
		if err != nil {
			t.Fatal(err)
		}
		ana, ben, cy := f.Actor(t, "ana.b"), f.Actor(t, "ben.b"), f.Actor(t, "cy.b")
		first, err := f.buy(ana, 2, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.buy(ana, 1, "a2"); !errors.Is(err, live.ErrFlashLimit) || errs.As(err).Field != "quantity" {
			t.Fatalf("over the limit: %v", err)
		}
		again, err := f.buy(ana, 2, "a1")
		if err != nil || again.CheckoutID != first.CheckoutID || !again.Replayed {
			t.Fatalf("a retried purchase: %+v, %v; want the first checkout %s replayed", again, err, first.CheckoutID)
		}
		if _, err := f.buy(ana, 1, "a1"); !errors.Is(err, order.ErrIdempotencyReused) {
			t.Fatalf("a reused key with another quantity: %v", err)
		}
		if _, err := f.buy(ben, 1, "b1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.buy(cy, 1, "c1"); !errors.Is(err, live.ErrFlashSoldOut) {
			t.Fatalf("after the last unit: %v", err)
		}
		if _, err := f.buy(cy, 0, "c0"); errs.As(err) == nil || errs.As(err).Field != "quantity" {
			t.Fatalf("quantity 0: %v", err)
		}

		// Ana cancels: her two units go back to the sale, and Cy gets one.
		if _, err := f.orders.Cancel(ctx, ana, first.Orders[0].ID, "changed my mind"); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		f.RelayUntilIdle(t) // a redelivered event must not count twice
		waitFor(t, "the units back", func() bool {
			st, _ := f.sales.Sales(ctx, f.session.ID)
			return len(st) == 1 && st[0].Left == 2
		})
		if _, err := f.buy(cy, 1, "c2"); err != nil {
			t.Fatalf("after a cancellation: %v", err)
		}

		// A restarted node rebuilds the gate from what is committed: one unit left, Ben
		// holds one of his two.
		f.sales.Close()
		f.hub = live.NewHub(testConfig(), f.content, f.catalog, f.creators, f.sellers, f.Markets, f.orders, f.Log, nil)
		t.Cleanup(f.hub.Close)
		f.enable(t)
		st, err := f.sales.Sales(ctx, f.session.ID)
		if err != nil || len(st) != 1 || st[0].Left != 1 || st[0].Phase != "open" {
			t.Fatalf("after restart: %+v, %v", st, err)
		}
		if _, err := f.buy(ben, 2, "b2"); !errors.Is(err, live.ErrFlashLimit) {
			t.Fatalf("Ben past his limit after a restart: %v", err)
		}
		if _, err := f.buy(ben, 1, "b3"); err != nil {
			t.Fatal(err)
		}

		// The host ends it: the flash button no longer buys, the regular price still does.
		if _, err := f.sales.End(ctx, f.owner, f.session.ID, sale.ID); err != nil {
			t.Fatal(err)
		}
		in := live.BuyInput{SKUID: f.sku, Quantity: 1, IdempotencyKey: "d1", FlashSaleID: sale.ID,
			ShippingAddress: order.Address{Name: "D", Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}, PaymentMethod: "pm_card_visa"}
		if _, err := f.hub.Buy(ctx, cy, f.session.ID, in); !errors.Is(err, live.ErrFlashEnded) {
			t.Fatalf("the flash button after the end: %v", err)
		}
		in.FlashSaleID, in.IdempotencyKey = 0, "d2"
		res, err := f.hub.Buy(ctx, cy, f.session.ID, in)
		if err != nil || res.Orders[0].Lines[0].UnitPrice.Amount != 1500 || res.Orders[0].Lines[0].DealPromotionID != 0 {
			t.Fatalf("a regular purchase after the sale: %+v, %v", res, err)
		}
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two nodes sell one sale from blocks they lease on its row: each holds only its
// block, a node that stops cleanly gives its block back at once, and the block of a
// node that died (its lease no longer renewed) goes to the others after the lease
// lapses, so the sale still sells out exactly.
func TestFlashSaleLeasesAcrossNodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setupFlash(t, d, 100)
		ctx := context.Background()
		const units = 40 // a block is 40/8 = 5 units
		sale, err := f.sales.Start(ctx, f.owner, f.session.ID, live.FlashSaleInput{SKUID: f.sku, DealPrice: 900, Quantity: units, PerBuyerLimit: 1, DurationSeconds: 300})
		if err != nil {
			t.Fatal(err)
		}
		lease := func(node string) int64 {
			return f.count(t, `SELECT COALESCE(SUM(units), 0) FROM live_flash_leases WHERE promotion_id = $1 AND node LIKE $2`, sale.ID, node)
		}
		n := 0
		buyOn := func(h *live.Hub) error {
			n++
			a := f.Actor(t, fmt.Sprintf("lease-buyer%d", n))
			_, err := h.Buy(ctx, a, f.session.ID, live.BuyInput{SKUID: f.sku, Quantity: 1, IdempotencyKey: fmt.Sprint("lk", n),
				ShippingAddress: order.Address{Name: "L", Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}, PaymentMethod: "pm_card_visa"})
			return err
		}
		if err := buyOn(f.hub); err != nil {
			t.Fatal(err)
		}
		// A leased a block of 5 and sold 1; the heartbeat writes what it still holds.
		waitFor(t, "node A's lease to say 4", func() bool { return lease("process-%") == 4 })
		// Node B, on the same database, opens the sale and leases its own block.
		cfgB := testConfig()
		cfgB.Node = "node-b"
		hubB := live.NewHub(cfgB, f.content, f.catalog, f.creators, f.sellers, f.Markets, f.orders, f.Log, nil)
		t.Cleanup(hubB.Close)
		writerB := f.orders.NewFlashWriter(64, 0)
		t.Cleanup(writerB.Close)
		salesB, err := hubB.EnableFlashSales(ctx, f.DB, f.promos, writerB)
		if err != nil {
			t.Fatal(err)
		}
		if err := buyOn(hubB); err != nil {
			t.Fatal(err)
		}
		if got := lease("node-b"); got != 5 && got != 4 {
			t.Fatalf("node B holds %d, want its block of 5 less the 1 sold", got)
		}
		// B stops cleanly: its 4 units are free again at once.
		salesB.Close()
		if got := lease("node-b"); got != 0 {
			t.Fatalf("node B still holds %d after stopping", got)
		}
		// A "dies" holding a block: its lease is not renewed and lapses.
		if _, err := f.DB.ExecContext(ctx, `UPDATE live_flash_leases SET renewed_at = 1 WHERE promotion_id = $1 AND node LIKE 'process-%'`, sale.ID); err != nil {
			t.Fatal(err)
		}
		cfgC := testConfig()
		cfgC.Node = "node-c"
		hubC := live.NewHub(cfgC, f.content, f.catalog, f.creators, f.sellers, f.Markets, f.orders, f.Log, nil)
		t.Cleanup(hubC.Close)
		writerC := f.orders.NewFlashWriter(64, 0)
		t.Cleanup(writerC.Close)
		salesC, err := hubC.EnableFlashSales(ctx, f.DB, f.promos, writerC)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(salesC.Close)
		for i := 0; i < units-2; i++ {
			if err := buyOn(hubC); err != nil {
				t.Fatalf("unit %d of the %d left on node C: %v", i+1, units-2, err)
			}
		}
		if err := buyOn(hubC); !errors.Is(err, live.ErrFlashSoldOut) {
			t.Fatalf("after selling out: %v", err)
		}
		if sold := f.count(t, `SELECT sold FROM promotion_items WHERE promotion_id = $1`, sale.ID); sold != units {
			t.Fatalf("sold %d of %d", sold, units)
		}
	})
}
