package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

const natsURL = "nats://127.0.0.1:4222"

// Two nodes on one PostgreSQL joined through NATS: a viewer on node B sees chat and
// likes sent on node A and counts A's viewers; a flash sale opened on A sells from both
// nodes and never sells more than it holds.
func TestTwoNodesShareRoomsAndFlashSales(t *testing.T) {
	pg := dbtest.PostgresURL(t)
	if c, err := net.DialTimeout("tcp", "127.0.0.1:4222", time.Second); err != nil {
		dbtest.Missing(t, "nats", "no NATS server at 127.0.0.1:4222: "+err.Error())
	} else {
		c.Close()
	}
	ctx := context.Background()
	node := func(n int) *app.App {
		a, err := app.New(ctx, app.Config{DB: pg, NATS: natsURL, NodeID: n, TimerInterval: time.Hour}, testkit.Logger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	a, b := node(1), node(2)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ops, err := a.Identity.Provision(ctx, "ops@cluster.test", "Ops", "", auth.Operator)
	must(err)
	pol, err := a.Markets.Policy(ctx, "US", time.Now())
	must(err)
	pol.Live.FlashCountdownMinSec = 0
	_, err = a.Markets.SetPolicy(ctx, ops.Actor(), "US", time.Now(), pol, "test: no countdown")
	must(err)
	owner, err := a.Identity.Provision(ctx, "owner@cluster.test", "Owner", "", auth.Seller)
	must(err)
	shop, err := a.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Cluster Shop"})
	must(err)
	_, err = a.Sellers.SetTier(ctx, ops.Actor(), shop.ID, "Pro", "test")
	must(err)
	p, err := a.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Cluster gloss",
		SKUs: []catalog.SKUInput{{Price: money.New(1999, "USD"), Stock: 200}}})
	must(err)
	sess, err := a.Content.Schedule(ctx, owner.Actor(), content.ScheduleInput{Title: "Two nodes", ProductIDs: []id.ID{p.ID}, ShopID: shop.ID})
	must(err)
	_, err = a.Content.Start(ctx, owner.Actor(), sess.ID)
	must(err)
	in := make([]identity.ProvisionInput, 82)
	for i := range in {
		in[i] = identity.ProvisionInput{Email: fmt.Sprintf("c%d@cluster.test", i), DisplayName: fmt.Sprintf("Viewer %d", i)}
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	must(err)

	// A viewer on each node; A's chats and likes; B's viewer sees them and both viewers.
	vb, err := b.Hub.Watch(ctx, sess.ID, accts[1].Actor())
	must(err)
	defer vb.Leave()
	va, err := a.Hub.Watch(ctx, sess.ID, accts[0].Actor())
	must(err)
	defer va.Leave()
	go func() { // A's viewer reads its frames, as a real one does
		for {
			if _, ok := va.Next(ctx); !ok {
				return
			}
		}
	}()
	must(va.Chat(ctx, "hello from node A"))
	va.Like(7)
	var sawChat, sawLikes, sawViewers bool
	deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for !(sawChat && sawLikes && sawViewers) {
		raw, ok := vb.Next(deadline)
		if !ok {
			t.Fatalf("node B's viewer: chat %v, likes %v, both viewers %v", sawChat, sawLikes, sawViewers)
		}
		var f struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		must(json.Unmarshal(raw, &f))
		switch f.Type {
		case live.FrameChat:
			sawChat = sawChat || strings.Contains(string(f.Data), "hello from node A")
		case live.FrameStats:
			var s live.Stats
			must(json.Unmarshal(f.Data, &s))
			sawLikes = sawLikes || s.Likes >= 7
			sawViewers = sawViewers || s.Viewers == 2
		}
	}

	// A flash sale opened on A: both nodes sell it, 80 buyers for 30 units.
	const units = 30
	sale, err := a.FlashSales.Start(ctx, owner.Actor(), sess.ID, live.FlashSaleInput{SKUID: p.SKUs[0].ID, DealPrice: 999, Quantity: units,
		PerBuyerLimit: 1, DurationSeconds: 300})
	must(err)
	buy := func(n *app.App, i int) (order.CheckoutResult, error) {
		return n.Hub.Buy(ctx, accts[2+i].Actor(), sess.ID, live.BuyInput{SKUID: p.SKUs[0].ID, Quantity: 1, IdempotencyKey: fmt.Sprint("k", i),
			FlashSaleID: sale.ID, PaymentMethod: "pm_card_visa",
			ShippingAddress: order.Address{Name: "V", Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"}})
	}
	// Node B opens the sale when A announces it.
	for i := 0; ; i++ {
		sales, err := b.FlashSales.Sales(ctx, sess.ID)
		must(err)
		if len(sales) == 1 && sales[0].Phase == "open" && sales[0].Left == units {
			break
		}
		if i > 200 {
			t.Fatalf("node B never opened A's sale: %+v", sales)
		}
		time.Sleep(25 * time.Millisecond)
	}
	var confirmed, soldOut, onB atomic.Int64
	var wg sync.WaitGroup
	for i := range 80 {
		n := a
		if i%2 == 1 {
			n = b
		}
		wg.Go(func() {
			_, err := buy(n, i)
			switch {
			case err == nil:
				confirmed.Add(1)
				if n == b {
					onB.Add(1)
				}
			case errors.Is(err, live.ErrFlashSoldOut):
				soldOut.Add(1)
			default:
				t.Errorf("buyer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var sold, onOrders int64
	must(a.DB.QueryRowContext(ctx, `SELECT sold FROM promotion_items WHERE promotion_id = $1`, sale.ID).Scan(&sold))
	must(a.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE l.deal_promotion_id = $1 AND o.status <> 'CANCELLED'`, sale.ID).Scan(&onOrders))
	if sold > units || onOrders != sold || confirmed.Load() != sold {
		t.Fatalf("two nodes sold %d of %d (%d on orders, %d confirmed, %d sold out)", sold, units, onOrders, confirmed.Load(), soldOut.Load())
	}
	if sold != units {
		t.Fatalf("the sale should sell out across the nodes: %d of %d", sold, units)
	}
	// Each node sold from blocks it leased on the sale's row.
	var nodes int
	must(a.DB.QueryRowContext(ctx, `SELECT COUNT(DISTINCT node) FROM live_flash_leases WHERE promotion_id = $1`, sale.ID).Scan(&nodes))
	if nodes != 2 || onB.Load() == 0 || onB.Load() == confirmed.Load() {
		t.Fatalf("%d nodes hold leases; node B confirmed %d of %d", nodes, onB.Load(), confirmed.Load())
	}
}
