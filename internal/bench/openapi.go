package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

type openapiOpts struct {
	orders, workers, calls, pageSize int
	db, cpuProfile                   string
}

var openapiScenario = Scenario{
	Name:    "openapi",
	Summary: "signed Partner API order searches over HTTP on loopback against a shop with N orders, and their overhead over calling the order service directly",
	Flags: func(fs *flag.FlagSet) any {
		o := &openapiOpts{}
		fs.IntVar(&o.orders, "orders", 10000, "orders in the shop")
		fs.IntVar(&o.workers, "workers", 8, "concurrent API clients in the throughput phase")
		fs.IntVar(&o.calls, "calls", 20000, "signed calls in the throughput phase (the latency phases make a tenth each, one at a time)")
		fs.IntVar(&o.pageSize, "page-size", 20, "orders per search page")
		fs.StringVar(&o.db, "db", "", "PostgreSQL URL to run against (a throwaway schema); a temporary SQLite database when empty")
		fs.StringVar(&o.cpuProfile, "seq-cpuprofile", "", "write a CPU profile of the one-at-a-time phase to this file (go tool pprof)")
		return o
	},
	Run: runOpenAPI,
}

func runOpenAPI(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*openapiOpts)
	if o.orders < 1 || o.workers < 1 || o.calls < 10 || o.pageSize < 1 || o.pageSize > order.MaxSearchPage {
		return errors.New("--orders and --workers must be at least 1, --calls at least 10, --page-size 1-100")
	}
	cfg, cleanup, err := freshConfig(ctx, o.db)
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()
	base := "http://" + ln.Addr().String()

	fmt.Fprintf(out, "bench openapi: %d orders, %d workers, %d calls, page size %d, %s\n", o.orders, o.workers, o.calls, o.pageSize, a.DB.String())
	owner, shop, err := seedShopOrders(ctx, a, o.orders, o.workers, out)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	client, err := authorizeBenchApp(ctx, a, base, owner, shop)
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	client.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.workers * 2}}
	query := url.Values{"page_size": {fmt.Sprint(o.pageSize)}}
	body := []byte(`{"order_status":"AWAITING_SHIPMENT"}`)
	search := order.ShopOrderSearch{ShopID: shop, Status: order.AwaitingShipment, Limit: o.pageSize}

	// signed times a call from signing it to having the whole answer, then checks the
	// answer (outside the timing: decoding is the client's work, not the API's).
	signed := func() (time.Duration, error) {
		t0 := time.Now()
		req, err := client.Request(ctx, http.MethodPost, "/order/202309/orders/search", query, body)
		if err != nil {
			return 0, err
		}
		resp, err := client.HTTP.Do(req)
		if err != nil {
			return 0, err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, err
		}
		var r struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    struct {
				Total  int               `json:"total_count"`
				Orders []json.RawMessage `json:"orders"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.Code != 0 {
			return 0, fmt.Errorf("order search answered HTTP %d code %d %s: %v", resp.StatusCode, r.Code, r.Message, err)
		}
		if r.Data.Total != o.orders || len(r.Data.Orders) != min(o.pageSize, o.orders) {
			return 0, fmt.Errorf("order search found %d of %d orders (%d on the page)", r.Data.Total, o.orders, len(r.Data.Orders))
		}
		return took, nil
	}
	direct := func() (time.Duration, error) {
		t0 := time.Now()
		page, err := a.Orders.SearchShopOrders(ctx, owner, search)
		took := time.Since(t0)
		if err == nil && page.Total != int64(o.orders) {
			err = fmt.Errorf("direct search found %d of %d orders", page.Total, o.orders)
		}
		return took, err
	}

	// Warm both paths (connections, statement caches), then measure one call at a time,
	// alternating, so both see the same database state and machine noise.
	for range 200 {
		if _, err := direct(); err != nil {
			return err
		}
		if _, err := signed(); err != nil {
			return err
		}
	}
	n := max(o.calls/10, 100)
	seqDirect, seqSigned := make(latencies, n), make(latencies, n)
	// The gateway's own time per call (checks, envelope, request log), measured in the
	// server: the overhead without the loopback round trip and the client's signing.
	var gwMu sync.Mutex
	var gateway latencies
	a.OpenAPI.SetOverheadObserver(func(d time.Duration) {
		gwMu.Lock()
		gateway = append(gateway, d)
		gwMu.Unlock()
	})
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer f.Close()
	}
	for i := range n {
		if seqDirect[i], err = direct(); err != nil {
			return err
		}
		if seqSigned[i], err = signed(); err != nil {
			return err
		}
	}
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	a.OpenAPI.SetOverheadObserver(nil)
	gwMu.Lock()
	gw := gateway
	gwMu.Unlock()
	fmt.Fprintf(out, "  one at a time: service p50 %s p99 %s ms; signed HTTP p50 %s p99 %s ms; in the gateway p50 %s p99 %s ms\n",
		ms(seqDirect.pct(.5)), ms(seqDirect.pct(.99)), ms(seqSigned.pct(.5)), ms(seqSigned.pct(.99)), ms(gw.pct(.5)), ms(gw.pct(.99)))

	// Throughput: workers hammer the API until the calls are made.
	lat := make(latencies, o.calls)
	var next atomic.Int64
	var failed atomic.Value
	pr := &progress{out: out, label: "calls", total: o.calls}
	var mu sync.Mutex
	done := 0
	start := time.Now()
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.calls || failed.Load() != nil {
					return
				}
				d, err := signed()
				if err != nil {
					failed.Store(err)
					return
				}
				lat[i] = d
				mu.Lock()
				done++
				pr.at(done)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if err, ok := failed.Load().(error); ok {
		return err
	}
	result(out, "openapi", "engine", a.DB.Engine(), "orders", o.orders, "workers", o.workers, "calls", o.calls, "page_size", o.pageSize,
		"calls_per_s", fmt.Sprintf("%.0f", float64(o.calls)/took.Seconds()),
		"p50_ms", ms(lat.pct(0.50)), "p99_ms", ms(lat.pct(0.99)),
		"seq_service_p99_ms", ms(seqDirect.pct(0.99)), "seq_signed_p99_ms", ms(seqSigned.pct(0.99)),
		"overhead_p50_ms", ms(seqSigned.pct(0.50)-seqDirect.pct(0.50)), "overhead_p99_ms", ms(seqSigned.pct(0.99)-seqDirect.pct(0.99)),
		"gateway_p50_ms", ms(gw.pct(0.50)), "gateway_p99_ms", ms(gw.pct(0.99)))
	return nil
}

// seedShopOrders opens a US shop and fills it with paid orders, each from its own
// buyer, through checkout, then ends their on-hold window so they await shipment.
func seedShopOrders(ctx context.Context, a *app.App, orders, workers int, out io.Writer) (auth.Actor, id.ID, error) {
	acct, err := a.Identity.Provision(ctx, "owner@openapi.bench", "Bench Seller", "", auth.Seller)
	if err != nil {
		return auth.Actor{}, 0, err
	}
	owner := acct.Actor()
	shop, err := a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Partner Bench Shop"})
	if err != nil {
		return auth.Actor{}, 0, err
	}
	// Beyond the entry tier's daily order cap.
	opsAcct, err := a.Identity.Provision(ctx, "ops@openapi.bench", "Bench Ops", "", auth.Operator)
	if err != nil {
		return auth.Actor{}, 0, err
	}
	if _, err := a.Sellers.SetTier(ctx, opsAcct.Actor(), shop.ID, "Pro", "bench: no daily order cap"); err != nil {
		return auth.Actor{}, 0, err
	}
	p, err := a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Bench gloss",
		SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: int64(orders)}}})
	if err != nil {
		return auth.Actor{}, 0, err
	}
	var in []identity.ProvisionInput
	for i := range orders {
		in = append(in, identity.ProvisionInput{Email: fmt.Sprintf("buyer%d@openapi.bench", i), DisplayName: fmt.Sprintf("Buyer %d", i)})
	}
	buyers, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		return auth.Actor{}, 0, err
	}
	var next atomic.Int64
	var failed atomic.Value
	pr := &progress{out: out, label: "orders", total: orders}
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= orders || failed.Load() != nil {
					return
				}
				_, err := a.Orders.Checkout(ctx, buyers[i].Actor(), order.CheckoutInput{IdempotencyKey: fmt.Sprint("bench-", i), Market: "US",
					Lines:           []order.LineInput{{SKUID: p.SKUs[0].ID, Quantity: 1}},
					ShippingAddress: order.Address{Name: "Bench Buyer", Line1: "1 Loop Rd", City: "Austin", PostalCode: "73301", Country: "US"},
					PaymentMethod:   "pm_card_visa"})
				if err != nil {
					failed.Store(err)
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
	if err, ok := failed.Load().(error); ok {
		return auth.Actor{}, 0, err
	}
	// The on-hold window is policy (minutes after payment); end it now rather than wait.
	if _, err := a.DB.ExecContext(ctx, `UPDATE orders SET hold_until = 1 WHERE shop_id = $1 AND status = 'ON_HOLD'`, shop.ID); err != nil {
		return auth.Actor{}, 0, err
	}
	for {
		if err := a.Orders.Sweep(ctx); err != nil {
			return auth.Actor{}, 0, err
		}
		var held int
		if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status = 'ON_HOLD'`, shop.ID).Scan(&held); err != nil {
			return auth.Actor{}, 0, err
		}
		if held == 0 {
			break
		}
	}
	return owner, shop.ID, nil
}

// authorizeBenchApp registers an app, has the seller authorize it and exchanges the
// code over HTTP, as an integrator would. The app's rate limit is lifted: the
// benchmark measures the API, not the limiter.
func authorizeBenchApp(ctx context.Context, a *app.App, base string, owner auth.Actor, shop id.ID) (*openapi.Client, error) {
	dev, err := a.Identity.Provision(ctx, "dev@openapi.bench", "Bench Developer", "")
	if err != nil {
		return nil, err
	}
	ap, secret, err := a.OpenAPI.RegisterApp(ctx, dev.Actor(), openapi.AppInput{Name: "Bench ERP",
		RedirectURLs: []string{"https://erp.example.com/callback"}, Scopes: openapi.ScopeNames()})
	if err != nil {
		return nil, err
	}
	if _, err := a.DB.ExecContext(ctx, `UPDATE openapi_apps SET rate_limit_qps = 1000000 WHERE id = $1`, ap.ID); err != nil {
		return nil, err
	}
	to, err := a.OpenAPI.Approve(ctx, owner, ap.Key, "", "bench", []id.ID{shop})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(to)
	if err != nil {
		return nil, err
	}
	c := &openapi.Client{BaseURL: base, AppKey: ap.Key, AppSecret: secret}
	r, err := c.Token(ctx, "authorized_code", u.Query().Get("code"))
	if err != nil {
		return nil, err
	}
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Data, &tk); err != nil || r.Code != 0 {
		return nil, fmt.Errorf("token: %d %s %v", r.Code, r.Message, err)
	}
	c.AccessToken = tk.AccessToken
	return c, nil
}
