package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

type loopOpts struct {
	orders, workers int
	db              string
}

var loopScenario = Scenario{
	Name:    "loop",
	Summary: "the whole thin loop N times: live-room checkout, ship, deliver, complete, ledger and GMV settled by the consumers",
	Flags: func(fs *flag.FlagSet) any {
		o := &loopOpts{}
		fs.IntVar(&o.orders, "orders", 2000, "orders to take through the loop")
		fs.IntVar(&o.workers, "workers", 8, "concurrent buyers")
		fs.StringVar(&o.db, "db", "", "PostgreSQL URL to run against (a throwaway schema); a temporary SQLite database when empty")
		return o
	},
	Run: runLoop,
}

func runLoop(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*loopOpts)
	if o.orders < 1 || o.workers < 1 {
		return errors.New("--orders and --workers must be at least 1")
	}
	cfg, cleanup, err := freshConfig(ctx, o.db)
	if err != nil {
		return err
	}
	defer cleanup()
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	bg, stop := context.WithCancel(ctx)
	defer stop()
	go a.Outbox.Run(bg)

	fmt.Fprintf(out, "bench loop: %d orders, %d workers, %s\n", o.orders, o.workers, a.DB.String())
	w, err := setupWorld(ctx, a, o.orders)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}

	// Phase 1: buyers check out from the live room, all at once.
	lat := make(latencies, o.orders)
	var next, failed atomic.Int64
	pr := &progress{out: out, label: "checkout", total: o.orders}
	var mu sync.Mutex
	done := 0
	orderIDs := make([]id.ID, o.orders)
	start := time.Now()
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.orders {
					return
				}
				t0 := time.Now()
				res, err := a.Hub.Buy(ctx, w.buyers[i], w.session, live.BuyInput{SKUID: w.sku, Quantity: 1, IdempotencyKey: fmt.Sprint("bench-", i),
					ShippingAddress: order.Address{Name: "Bench Buyer", Line1: "1 Loop Rd", City: "Austin", Country: "US"}, PaymentMethod: "pm_card_visa"})
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					continue
				}
				orderIDs[i] = res.Orders[0].ID
				mu.Lock()
				done++
				pr.at(done)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	checkoutTook := time.Since(start)
	if failed.Load() > 0 {
		return fmt.Errorf("%d checkouts failed", failed.Load())
	}

	// Phase 2: the seller ships, the carrier delivers, the buyer confirms.
	start = time.Now()
	next.Store(0)
	pr = &progress{out: out, label: "lifecycle", total: o.orders}
	done = 0
	var lifeErr atomic.Value
	for range o.workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.orders {
					return
				}
				oid := orderIDs[i]
				if _, err := a.Orders.Ship(ctx, w.owner, oid, order.ShipInput{}); err != nil {
					lifeErr.Store(err)
					return
				}
				if _, err := a.Orders.CarrierEvent(ctx, w.operator, oid, order.CarrierDelivered); err != nil {
					lifeErr.Store(err)
					return
				}
				if _, err := a.Orders.ConfirmReceipt(ctx, w.buyers[i], oid); err != nil {
					lifeErr.Store(err)
					return
				}
				mu.Lock()
				done++
				pr.at(done)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err, ok := lifeErr.Load().(error); ok {
		return err
	}
	lifeTook := time.Since(start)

	// Phase 3: the consumers catch up: ledger, commissions, GMV.
	start = time.Now()
	for {
		pending, dead, err := a.Outbox.Stats(ctx)
		if err != nil {
			return err
		}
		if dead > 0 {
			return fmt.Errorf("%d events failed permanently", dead)
		}
		if pending == 0 {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.Outbox.Wake()
		time.Sleep(5 * time.Millisecond)
	}
	settleLag := time.Since(start)

	balanced := a.Ledger.Verify(ctx) == nil
	seller, _ := a.Ledger.Account(ctx, ledger.Shop(ledger.SellerPayable, w.shop, "USD"))
	totals, err := a.Analytics.Totals(ctx)
	if err != nil {
		return err
	}
	var gmv money.Money
	for _, t := range totals {
		if t.Market == "US" {
			gmv = t.Total
		}
	}
	wantGMV := w.price * int64(o.orders)
	result(out, "loop", "engine", a.DB.Engine(), "orders", o.orders, "workers", o.workers,
		"checkout_per_s", fmt.Sprintf("%.0f", float64(o.orders)/checkoutTook.Seconds()),
		"checkout_p50_ms", ms(lat.pct(0.50)), "checkout_p99_ms", ms(lat.pct(0.99)),
		"lifecycle_per_s", fmt.Sprintf("%.0f", float64(o.orders)/lifeTook.Seconds()),
		"settle_after_ms", ms(settleLag), "ledger_balanced", balanced,
		"gmv_matches", gmv.Amount == wantGMV, "seller_payable", seller.Normalised().Decimal())
	if !balanced || gmv.Amount != wantGMV {
		return fmt.Errorf("books do not add up: balanced=%v gmv=%d want %d", balanced, gmv.Amount, wantGMV)
	}
	return nil
}

type world struct {
	owner, operator auth.Actor
	buyers          []auth.Actor
	shop, sku       id.ID
	session         id.ID
	price           int64
}

// setupWorld makes one US shop, a creator with enough followers hosting a live with
// the product pinned, and a buyer account per order.
func setupWorld(ctx context.Context, a *app.App, orders int) (world, error) {
	var w world
	w.price = 1999
	mk := func(email, name string, roles ...auth.Role) (auth.Actor, error) {
		acct, err := a.Identity.Provision(ctx, email, name, "", roles...)
		return acct.Actor(), err
	}
	var err error
	if w.owner, err = mk("owner@bench.test", "Bench Seller", auth.Seller); err != nil {
		return w, err
	}
	if w.operator, err = mk("ops@bench.test", "Bench Ops", auth.Operator); err != nil {
		return w, err
	}
	// The loop ships as soon as an order is paid: no hold window.
	pol, err := a.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		return w, err
	}
	pol.Orders.OnHoldMinutes = 0
	if _, err := a.Markets.SetPolicy(ctx, w.operator, "US", time.Now(), pol, "bench: no hold window"); err != nil {
		return w, err
	}
	shop, err := a.Sellers.Register(ctx, w.owner, seller.RegisterInput{Market: "US", Name: "Bench Shop"})
	if err != nil {
		return w, err
	}
	w.shop = shop.ID
	p, err := a.Catalog.CreateProduct(ctx, w.owner, shop.ID, catalog.ProductInput{Title: "Bench Tint",
		SKUs: []catalog.SKUInput{{Price: money.New(w.price, "USD"), Stock: int64(orders)}}})
	if err != nil {
		return w, err
	}
	w.sku = p.SKUs[0].ID
	if _, err := a.Creators.SetOffer(ctx, w.owner, p.ID, 1000, true); err != nil {
		return w, err
	}
	host, err := mk("host@bench.test", "Bench Host", auth.Creator)
	if err != nil {
		return w, err
	}
	c, err := a.Creators.CreateProfile(ctx, host, creator.ProfileInput{Handle: "bench.host", Market: "US", BirthDate: "1990-01-01"})
	if err != nil {
		return w, err
	}
	var in []identity.ProvisionInput
	for i := 0; i < max(orders, 1000); i++ {
		in = append(in, identity.ProvisionInput{Email: fmt.Sprintf("buyer%d@bench.test", i), DisplayName: fmt.Sprintf("Buyer %d", i)})
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		return w, err
	}
	ids := make([]id.ID, len(accts))
	for i, acct := range accts {
		ids[i] = acct.ID
		w.buyers = append(w.buyers, acct.Actor())
	}
	if err := a.Identity.FollowMany(ctx, ids, identity.FollowCreator, c.ID); err != nil {
		return w, err
	}
	if err := a.Creators.AddToShowcase(ctx, host, p.ID); err != nil {
		return w, err
	}
	sess, err := a.Content.Schedule(ctx, host, content.ScheduleInput{Title: "Bench live", ProductIDs: []id.ID{p.ID}})
	if err != nil {
		return w, err
	}
	if _, err := a.Content.Start(ctx, host, sess.ID); err != nil {
		return w, err
	}
	w.session = sess.ID
	return w, nil
}

// freshConfig returns a configuration on an empty database: a temporary SQLite
// directory, or a throwaway schema in the PostgreSQL database at pgURL.
func freshConfig(ctx context.Context, pgURL string) (app.Config, func(), error) {
	cfg := app.Config{TimerInterval: time.Hour, ShutdownTimeout: time.Second}
	if pgURL == "" {
		dir, err := os.MkdirTemp("", "liveshop-bench-*")
		if err != nil {
			return cfg, nil, err
		}
		cfg.DataDir = dir
		return cfg, func() { os.RemoveAll(dir) }, nil
	}
	admin, err := db.Open(ctx, db.Options{URL: pgURL, MaxConns: 2})
	if err != nil {
		return cfg, nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return cfg, nil, err
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		admin.Close()
		return cfg, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	cfg.DB = u.String()
	return cfg, func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}, nil
}
