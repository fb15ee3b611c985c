package app_test

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// kill -9 in the middle of a burst of checkouts (grouped into shared commits, as the
// app runs them): every checkout a buyer was told is paid is there, paid, after the
// restart; every unit of stock is on the shelf, reserved by an order that exists
// and awaits payment, or sold on a paid order; and the restarted node sells on.
func TestCheckoutBurstSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dir := t.TempDir()
	const hotStock, buyers = 300, 900
	w := seedCheckoutWorld(t, dir, hotStock, buyers+50)

	client := &http.Client{Timeout: 10 * time.Second}
	paid := killMidBurst(t, startChild(t, dir), buyers, hotStock/4, func(url string, i int) (string, bool) { return checkoutOverHTTP(client, url, w, i) })
	before := len(paid)
	if before == 0 || before >= hotStock {
		t.Fatalf("%d checkouts paid before the kill; the test wants the kill mid-burst", before)
	}

	// The restarted node takes checkouts again.
	base := startChild(t, dir)
	after := 0
	for i := buyers; i < buyers+50; i++ {
		if cid, ok := checkoutOverHTTP(client, base.url, w, i); ok {
			paid[cid] = true
			after++
		}
	}
	_ = base.cmd.Process.Signal(syscall.SIGKILL)
	_ = base.cmd.Wait()
	if after == 0 {
		t.Fatal("no checkout succeeded after the restart")
	}

	a, err := app.New(context.Background(), app.Config{DataDir: dir, TimerInterval: time.Hour}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	for cid := range paid {
		var n, unpaid int
		if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE status IN ('UNPAID', 'CANCELLED')) FROM orders WHERE checkout_id = $1`, cid).
			Scan(&n, &unpaid); err != nil || n != 2 || unpaid != 0 {
			t.Fatalf("checkout %s was acknowledged as paid; after kill -9 it has %d orders, %d unpaid or cancelled (%v)", cid, n, unpaid, err)
		}
	}
	for _, sku := range []struct {
		id      id.ID
		initial int64
	}{{w.hot, hotStock}, {w.cold, 10 * (buyers + 50)}} {
		var stock, reserved, onUnpaid, onPaid int64
		if err := a.DB.QueryRowContext(ctx, `SELECT stock, reserved FROM skus WHERE id = $1`, sku.id).Scan(&stock, &reserved); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(l.quantity) FILTER (WHERE o.status = 'UNPAID'), 0),
			COALESCE(SUM(l.quantity) FILTER (WHERE o.status NOT IN ('UNPAID', 'CANCELLED')), 0)
			FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku_id = $1`, sku.id).Scan(&onUnpaid, &onPaid); err != nil {
			t.Fatal(err)
		}
		if reserved != onUnpaid || stock+reserved+onPaid != sku.initial || stock < 0 {
			t.Fatalf("SKU %s after kill -9: stock %d, reserved %d (unpaid orders hold %d), sold %d; started with %d",
				sku.id, stock, reserved, onUnpaid, onPaid, sku.initial)
		}
	}
	t.Logf("%d checkouts paid before kill -9, %d after the restart; none lost, stock adds up", before, after)
}

type checkoutWorld struct {
	hot, cold id.ID
	tokens    []string
}

// seedCheckoutWorld makes two shops, a hot SKU with little stock in one and a
// plentiful one in the other, and buyers with tokens, then closes the node.
func seedCheckoutWorld(t *testing.T, dir string, hotStock, buyers int) checkoutWorld {
	t.Helper()
	ctx := context.Background()
	a, ops, must := openSeed(t, dir)
	defer a.Close()
	var w checkoutWorld
	for s, stock := range []int64{int64(hotStock), int64(10 * buyers)} {
		ownerAcct, err := a.Identity.Provision(ctx, fmt.Sprintf("owner%d@burst.test", s), "Owner", "", auth.Seller)
		must(err)
		shop, err := a.Sellers.Register(ctx, ownerAcct.Actor(), seller.RegisterInput{Market: "US", Name: fmt.Sprintf("Burst Shop %d", s)})
		must(err)
		_, err = a.Sellers.SetTier(ctx, ops, shop.ID, "Pro", "test: no daily cap")
		must(err)
		prod, err := a.Catalog.CreateProduct(ctx, ownerAcct.Actor(), shop.ID, catalog.ProductInput{Title: fmt.Sprintf("Burst item %d", s),
			SKUs: []catalog.SKUInput{{Price: money.New(1500, "USD"), Stock: stock}}})
		must(err)
		if s == 0 {
			w.hot = prod.SKUs[0].ID
		} else {
			w.cold = prod.SKUs[0].ID
		}
	}
	w.tokens = buyersWithTokens(t, a, "burst", buyers)
	return w
}

// checkoutOverHTTP buys one hot and one plentiful unit as buyer i; ok only for a 201
// whose checkout is paid.
func checkoutOverHTTP(client *http.Client, base string, w checkoutWorld, i int) (string, bool) {
	res, ok := postCheckout(client, base+"/api/v1/checkout", w.tokens[i], order.CheckoutInput{IdempotencyKey: fmt.Sprint("burst-", i), Market: "US",
		PaymentMethod: "pm_card_visa", Lines: []order.LineInput{{SKUID: w.hot, Quantity: 1}, {SKUID: w.cold, Quantity: 1}}, ShippingAddress: crashAddress})
	if !ok || res.Status != "paid" || len(res.Orders) != 2 {
		return "", false
	}
	return res.CheckoutID.String(), true
}
