package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

type checkoutOpts struct {
	orders, naiveOrders, workers, lines int
	postgres                            string
	batch                               int
}

var checkoutScenario = Scenario{
	Name: "checkout",
	Summary: "orders per second through the checkout service (multi-line checkouts from one or two shops, one order per shop; promotions, a shipping programme, every checkout on one hot SKU), " +
		"with group commit and with the naive baseline of one transaction per step, on SQLite and PostgreSQL; RESULT has orders and checkouts per second",
	Flags: func(fs *flag.FlagSet) any {
		o := &checkoutOpts{}
		fs.IntVar(&o.orders, "orders", 20000, "checkouts per engine with group commit")
		fs.IntVar(&o.naiveOrders, "naive-orders", 3000, "checkouts per engine for the naive baseline")
		fs.IntVar(&o.workers, "workers", 64, "concurrent buyers")
		fs.IntVar(&o.lines, "lines", 3, "lines per checkout: the hot SKU and others, from two shops")
		fs.IntVar(&o.batch, "batch", 256, "most checkouts per group commit")
		fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL URL to run the PostgreSQL half against (a throwaway schema); SQLite only when empty")
		return o
	},
	Run: runCheckout,
}

// checkoutRun is one measured run.
type checkoutRun struct {
	// perSecond counts checkouts; ordersPerSecond the orders they made, one per shop
	// a checkout buys from (this bench's checkouts span one or two shops).
	perSecond, ordersPerSecond float64
	p50, p99                   time.Duration
	orders                     int
	// cpu is this process's CPU per order while the buyers checked out (buyers,
	// service and writers alike): steadier than the wall clock on a shared machine.
	cpu time.Duration
}

func runCheckout(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*checkoutOpts)
	if o.orders < 1 || o.naiveOrders < 1 || o.workers < 1 || o.lines < 1 || o.lines > 10 || o.batch < 1 {
		return errors.New("--orders, --naive-orders, --workers and --batch must be at least 1, --lines 1-10")
	}
	engines := []string{""}
	if o.postgres != "" {
		engines = append(engines, o.postgres)
	}
	kv := []any{"orders", o.orders, "naive_orders", o.naiveOrders, "workers", o.workers, "lines", o.lines}
	for _, pg := range engines {
		grouped, naive, engine, err := checkoutEngine(ctx, o, pg, out)
		if err != nil {
			return fmt.Errorf("%s: %w", engineName(pg), err)
		}
		kv = append(kv, "orders_per_s_"+engine, fmt.Sprintf("%.0f", grouped.ordersPerSecond),
			"checkouts_per_s_"+engine, fmt.Sprintf("%.0f", grouped.perSecond),
			"p50_ms_"+engine, ms(grouped.p50), "p99_ms_"+engine, ms(grouped.p99),
			"naive_orders_per_s_"+engine, fmt.Sprintf("%.0f", naive.ordersPerSecond),
			"naive_checkouts_per_s_"+engine, fmt.Sprintf("%.0f", naive.perSecond), "naive_p99_ms_"+engine, ms(naive.p99),
			"ratio_vs_naive_"+engine, fmt.Sprintf("%.1f", grouped.perSecond/naive.perSecond),
			"cpu_us_per_checkout_"+engine, us(grouped.cpu), "naive_cpu_us_per_checkout_"+engine, us(naive.cpu))
	}
	result(out, "checkout", kv...)
	return nil
}

func engineName(pg string) string {
	if pg == "" {
		return "sqlite"
	}
	return "postgres"
}

// checkoutEngine measures one engine: the naive baseline first, then group commit,
// each on a fresh database and a fresh hot SKU.
func checkoutEngine(ctx context.Context, o *checkoutOpts, pg string, out io.Writer) (grouped, naive checkoutRun, engine string, err error) {
	engine = engineName(pg)
	fmt.Fprintf(out, "bench checkout on %s: %d lines per order, %d workers\n", engine, o.lines, o.workers)
	naive, err = checkoutOnce(ctx, o, pg, o.naiveOrders, false, out)
	if err != nil {
		return
	}
	fmt.Fprintf(out, "  naive: %.0f checkouts/s (%.0f orders/s), p99 %s ms, %s µs of CPU per checkout\n", naive.perSecond, naive.ordersPerSecond, ms(naive.p99), us(naive.cpu))
	grouped, err = checkoutOnce(ctx, o, pg, o.orders, true, out)
	if err != nil {
		return
	}
	fmt.Fprintf(out, "  group commit: %.0f checkouts/s (%.0f orders/s), p99 %s ms (%.1fx naive), %s µs of CPU per checkout\n", grouped.perSecond, grouped.ordersPerSecond, ms(grouped.p99), grouped.perSecond/naive.perSecond, us(grouped.cpu))
	return
}

// checkoutOnce runs n checkouts on a fresh database. With group true checkout writes
// through a db.Batcher; otherwise every checkout is its own transactions, each
// holding the hot SKU's row lock from its reservation to its commit: the naive way.
func checkoutOnce(ctx context.Context, o *checkoutOpts, pg string, n int, group bool, out io.Writer) (checkoutRun, error) {
	cfg, cleanup, err := freshConfig(ctx, pg)
	if err != nil {
		return checkoutRun{}, err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return checkoutRun{}, err
	}
	defer a.Close()
	w, err := checkoutWorld(ctx, a, n)
	if err != nil {
		return checkoutRun{}, fmt.Errorf("setup: %w", err)
	}
	label := "naive"
	a.Orders.StopGroupingCheckouts()
	if group {
		label = "grouped"
		a.Orders.GroupCheckouts(o.batch)
	}

	lat := make(latencies, n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	pr := &progress{out: out, label: label, total: n}
	var mu sync.Mutex
	done := 0
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for wk := range o.workers {
		rng := rand.New(rand.NewPCG(uint64(wk), 7))
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				in := order.CheckoutInput{IdempotencyKey: fmt.Sprint("bench-", i), Market: "US", PaymentMethod: "pm_card_visa",
					ShippingAddress: order.Address{Name: "Bench Buyer", Line1: "1 Checkout Way", City: "Austin", Country: "US"},
					Lines:           w.lines(rng, o.lines)}
				t0 := time.Now()
				_, err := a.Orders.Checkout(ctx, w.buyers[i%len(w.buyers)], in)
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				mu.Lock()
				done++
				pr.at(done)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took, cpu := time.Since(start), cpuTime()-cpu0
	if f := failed.Load(); f > 0 {
		return checkoutRun{}, fmt.Errorf("%d of %d checkouts failed; first: %v", f, n, firstErr.Load())
	}
	// Nothing oversold, nothing lost: the hot SKU sold exactly one unit per order.
	var stock, reserved, checkouts, orders, all int64
	if err := a.DB.QueryRowContext(ctx, `SELECT stock, reserved FROM skus WHERE id = $1`, w.hot).Scan(&stock, &reserved); err != nil {
		return checkoutRun{}, err
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(DISTINCT checkout_id), COUNT(*) FROM orders WHERE status = 'AWAITING_SHIPMENT'`).Scan(&checkouts, &orders); err != nil {
		return checkoutRun{}, err
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&all); err != nil {
		return checkoutRun{}, err
	}
	if stock != 0 || reserved != 0 || checkouts != int64(n) || all != orders {
		return checkoutRun{}, fmt.Errorf("books do not add up: hot SKU stock %d reserved %d, %d paid checkouts of %d, %d of %d orders paid", stock, reserved, checkouts, n, orders, all)
	}
	return checkoutRun{perSecond: float64(n) / took.Seconds(), ordersPerSecond: float64(orders) / took.Seconds(), p50: lat.pct(0.50), p99: lat.pct(0.99),
		orders: n, cpu: cpu / time.Duration(n)}, nil
}

// checkoutBench is the marketplace a checkout run buys from: two shops, a hot SKU
// every order takes, and other SKUs with promotions.
type checkoutBench struct {
	hot    id.ID
	others []id.ID
	buyers []auth.Actor
}

// lines picks the hot SKU and k-1 others.
func (w checkoutBench) lines(rng *rand.Rand, k int) []order.LineInput {
	out := []order.LineInput{{SKUID: w.hot, Quantity: 1}}
	perm := rng.Perm(len(w.others))
	for _, i := range perm[:min(k-1, len(perm))] {
		out = append(out, order.LineInput{SKUID: w.others[i], Quantity: int64(1 + rng.IntN(3))})
	}
	return out
}

func checkoutWorld(ctx context.Context, a *app.App, n int) (checkoutBench, error) {
	var w checkoutBench
	opsAcct, err := a.Identity.Provision(ctx, "ops@bench.test", "Bench Ops", "", auth.Operator)
	if err != nil {
		return w, err
	}
	pol, err := a.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		return w, err
	}
	pol.Orders.OnHoldMinutes = 0 // the bench measures checkout, not the hold window
	if _, err := a.Markets.SetPolicy(ctx, opsAcct.Actor(), "US", time.Now(), pol, "bench: no hold window"); err != nil {
		return w, err
	}
	for s := range 2 {
		ownerAcct, err := a.Identity.Provision(ctx, fmt.Sprintf("owner%d@bench.test", s), "Bench Seller", "", auth.Seller)
		if err != nil {
			return w, err
		}
		owner := ownerAcct.Actor()
		shop, err := a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: fmt.Sprintf("Bench Shop %d", s)})
		if err != nil {
			return w, err
		}
		if _, err := a.Sellers.SetTier(ctx, opsAcct.Actor(), shop.ID, "Pro", "bench: no daily order cap"); err != nil {
			return w, err
		}
		var ids []id.ID
		for p := range 6 {
			stock := int64(3 * 10 * n) // enough for any mix of lines
			if s == 0 && p == 0 {
				stock = int64(n) // the hot SKU sells out exactly
			}
			prod, err := a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: fmt.Sprintf("Bench item %d-%d", s, p),
				SKUs: []catalog.SKUInput{{Price: money.New(int64(999+300*p), "USD"), Stock: stock}}})
			if err != nil {
				return w, err
			}
			ids = append(ids, prod.ID)
			if s == 0 && p == 0 {
				w.hot = prod.SKUs[0].ID
			} else {
				w.others = append(w.others, prod.SKUs[0].ID)
			}
		}
		// Every order meets promotions: a percentage off and buy-more-save-more.
		end := time.Now().Add(24 * time.Hour)
		if _, err := a.Promos.CreatePromotion(ctx, owner, shop.ID, promo.PromotionInput{Kind: promo.PercentOff, Title: "Bench 10% off",
			EndsAt: end, Items: []promo.Item{{ProductID: ids[0], DiscountBP: 1000}, {ProductID: ids[1], DiscountBP: 1500}}}); err != nil {
			return w, err
		}
		if _, err := a.Promos.CreatePromotion(ctx, owner, shop.ID, promo.PromotionInput{Kind: promo.BuyMore, Title: "Bench buy more",
			EndsAt: end, AllProducts: true, Tiers: []promo.Tier{{MinQuantity: 2, DiscountBP: 500}, {MinQuantity: 4, DiscountBP: 1000}}}); err != nil {
			return w, err
		}
	}
	in := make([]identity.ProvisionInput, 2000)
	for i := range in {
		in[i] = identity.ProvisionInput{Email: fmt.Sprintf("buyer%d@bench.test", i), DisplayName: "Bench Buyer"}
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		return w, err
	}
	for _, acct := range accts {
		w.buyers = append(w.buyers, acct.Actor())
	}
	return w, nil
}
