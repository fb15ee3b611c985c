package demo

import (
	"context"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/testkit"
)

// The simulator keeps the demo alive through the real services: its viewers buy in
// the rooms, its sellers ship, the sandbox carrier delivers and its buyers confirm, so
// orders reach COMPLETED and money settles without anyone touching the demo.
func TestSimulatorKeepsTheMarketplaceMoving(t *testing.T) {
	cfg := app.Config{DataDir: t.TempDir(), TimerInterval: 100 * time.Millisecond, CarrierPickup: 0, CarrierDeliver: 0}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, cfg, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	go a.Outbox.Run(ctx)
	go a.Orders.Run(ctx, cfg.TimerInterval)
	if _, err := Seed(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The Mall pages have shops: an Official Shop in the US, a Mall shop in Indonesia.
	for market, want := range map[string]int{"US": 4, "ID": 4} {
		page, err := a.Catalog.Search(ctx, catalog.SearchQuery{Market: market, MallOnly: true})
		if err != nil || len(page.Products) != want {
			t.Fatalf("%s Mall: %d products, want %d: %v", market, len(page.Products), want, err)
		}
	}
	// With ffmpeg, the feed opens with published videos that have likes and posters.
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		vs, err := a.Content.Videos(ctx, content.VideoFeed{Market: "US"})
		if err != nil || len(vs) != 4 {
			t.Fatalf("%d published US videos, want 4: %v", len(vs), err)
		}
		for _, v := range vs {
			if v.Counters.Likes == 0 || v.PosterURL == "" || len(v.Anchors) != 2 {
				t.Fatalf("demo video %+v", v)
			}
		}
	}
	// The demo shopper follows creators, so the relay fills their inbox.
	shopper, _ := a.Identity.AccountByEmail(ctx, "shopper@liveshop.demo")
	inboxBy := time.Now().Add(20 * time.Second)
	for {
		ns, err := a.Identity.Inbox(ctx, shopper.Actor(), 0)
		if err == nil && len(ns) >= 2 {
			break
		}
		if time.Now().After(inboxBy) {
			t.Fatalf("the demo shopper's inbox holds %d notifications: %v", len(ns), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := countOrders(t, a, "")
	sim := NewSimulator(a, testkit.Logger())
	sim.pace = pace{scan: 100 * time.Millisecond, tick: 20 * time.Millisecond, firstBuy: 200 * time.Millisecond, buyEvery: 200 * time.Millisecond,
		ship: 0, confirm: 0}
	go sim.Run(ctx)

	deadline := time.Now().Add(20 * time.Second)
	for {
		bought := countOrders(t, a, "") - before
		completed := countOrders(t, a, order.Completed)
		if bought >= 4 && completed > 12 { // the seed completed 12 (three per room on air)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s the simulator bought %d and %d orders are complete", bought, completed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	lives, _ := a.Content.List(ctx, content.Listing{Status: content.Live})
	if len(lives) != 4 {
		t.Fatalf("%d rooms on air, want 4", len(lives))
	}
	if err := a.Ledger.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func countOrders(t *testing.T, a *app.App, status order.Status) int {
	t.Helper()
	q, args := `SELECT COUNT(*) FROM orders`, []any{}
	if status != "" {
		q, args = q+` WHERE status = $1`, []any{string(status)}
	}
	var n int
	if err := a.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
