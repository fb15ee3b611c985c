// Package app is liveshop's composition root: it builds every service from one
// Config, wires the event consumers, assembles the HTTP handler and runs the
// background work (outbox relay, order timers, live rooms) until told to stop.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/blob"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/migrate"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/web"
)

// App is a running liveshop node.
type App struct {
	Config   Config
	Log      *slog.Logger
	DB       *db.DB
	Bus      bus.Bus
	Outbox   *outbox.Outbox
	Registry *prometheus.Registry

	Markets  *market.Service
	FX       *market.FX
	Identity *identity.Service
	Sellers  *seller.Service
	Catalog  *catalog.Service
	Promos   *promo.Service
	Payments *payment.Service
	Ledger   *ledger.Service
	Orders   *order.Service
	Creators *creator.Service
	Content  *content.Service
	Hub      *live.Hub
	// Fanout joins the node's live rooms to the other nodes' (--nats); nil alone.
	Fanout *bus.NATSFanout
	// FlashWriter writes live flash-sale orders by group commit; FlashSales runs the
	// rooms' flash sales over it.
	FlashWriter *order.FlashWriter
	FlashSales  *live.FlashSales
	Analytics   *analytics.Service
	OpenAPI     *openapi.Service

	Handler http.Handler
}

// OpenDB opens the configured database and brings its schema up to date.
func OpenDB(ctx context.Context, cfg Config, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, db.Options{URL: cfg.DB, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	if _, err := migrate.Run(ctx, d, log); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// New builds a node: database (migrated), services, consumers and HTTP handler.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := id.SetNode(cfg.NodeID); err != nil {
		return nil, err
	}
	d, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Bus: bus.NewInProc(), Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Outbox = outbox.New(d, a.Bus, log, a.Registry)

	a.Markets = market.NewService(d, log)
	if err := a.Markets.Seed(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("seed markets: %w", err)
	}
	a.FX = market.NewFX(d, log)
	if err := a.FX.Seed(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("seed fx rates: %w", err)
	}
	a.Identity = identity.NewService(d, log)
	a.Identity.SecureCookies = cfg.SecureCookies
	switch {
	case cfg.AuthCacheTTL < 0:
		a.Identity.SetActorCacheTTL(0)
	case cfg.AuthCacheTTL > 0:
		a.Identity.SetActorCacheTTL(cfg.AuthCacheTTL)
	}
	a.Sellers = seller.NewService(d, a.Markets, a.Identity, a.Outbox, log)
	a.Catalog = catalog.NewService(d, a.Markets, a.Sellers, a.Outbox, log)
	a.Catalog.Images = catalog.NewDirStore(cfg.DataDir)
	a.Promos = promo.NewService(d, a.Markets, a.Sellers, a.Catalog, log)
	switch {
	case cfg.PricingCacheTTL < 0:
		a.Promos.SetPricingCacheTTL(0)
	case cfg.PricingCacheTTL > 0:
		a.Promos.SetPricingCacheTTL(cfg.PricingCacheTTL)
	}
	a.Payments = payment.NewService(d, cfg.paymentProvider(), log)
	a.Ledger = ledger.NewService(d, a.Markets, a.Sellers, log)
	a.Ledger.SetFX(a.FX)
	a.Ledger.SetCatalog(a.Catalog) // products' categories, for referral fees per category
	a.Orders = order.NewService(d, a.Markets, a.Identity, a.Sellers, a.Catalog, a.Promos, a.Payments, a.Outbox, log)
	a.Orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{PickupAfter: cfg.CarrierPickup, DeliverAfter: cfg.CarrierDeliver}
	a.Creators = creator.NewService(d, a.Markets, a.Identity, a.Sellers, a.Catalog, log)
	a.Creators.UsePayouts(a.Ledger)   // the ledger pays creators and knows what is overdue
	a.Creators.UseFeePoster(a.Ledger) // and books target plans' flat fees when due
	a.Creators.UseOrders(a.Orders)    // approved samples ship as zero-price orders
	a.Ledger.UseCreators(func(ctx context.Context, account id.ID) (id.ID, string, error) {
		c, err := a.Creators.ByAccount(ctx, account)
		return c.ID, c.Market, err
	})
	a.Content = content.NewService(d, a.Markets, a.Sellers, a.Catalog, a.Creators, a.Outbox, log)
	a.Content.VideoFiles = blob.NewDir(cfg.DataDir, "videos")
	a.Content.Identity = a.Identity // lives are announced to followers and reminded viewers
	hubCfg := live.DefaultConfig
	hubCfg.Node = "node-" + strconv.Itoa(cfg.NodeID)
	a.Hub = live.NewHub(hubCfg, a.Content, a.Catalog, a.Creators, a.Sellers, a.Markets, a.Orders, log, a.Registry)
	a.Hub.EnableMinutes(d)
	if cfg.RTMPURL != "" {
		a.Hub.EnableVideo(d, live.VideoConfig{IngestURL: cfg.RTMPURL, HLSURL: cfg.HLSURL, HookSecret: cfg.RTMPHookSecret})
	}
	if cfg.NATS != "" {
		// Rooms span the nodes: chat, likes, viewer counts and flash-sale openings
		// cross through NATS. Domain events reach every node from the shared outbox.
		if a.Fanout, err = bus.NewNATSFanout(cfg.NATS, "liveshop node "+strconv.Itoa(cfg.NodeID)); err != nil {
			d.Close()
			return nil, err
		}
		if err := a.Hub.EnableCluster(a.Fanout, id.New().String()); err != nil {
			a.Fanout.Close()
			d.Close()
			return nil, err
		}
	}
	a.FlashWriter = a.Orders.NewFlashWriter(512, 4)
	if a.FlashSales, err = a.Hub.EnableFlashSales(ctx, d, a.Promos, a.FlashWriter); err != nil {
		a.FlashWriter.Close()
		d.Close()
		return nil, err
	}
	a.Analytics = analytics.NewService(d, analytics.Deps{Markets: a.Markets, FX: a.FX, Sellers: a.Sellers, Catalog: a.Catalog, Creators: a.Creators}, log)
	a.OpenAPI = openapi.New(openapi.Deps{DB: d, Log: log, Markets: a.Markets, Identity: a.Identity, Sellers: a.Sellers,
		Catalog: a.Catalog, Orders: a.Orders, Content: a.Content, Registry: a.Registry,
		Ledger: a.Ledger, Live: a.Hub, Analytics: a.Analytics, Creators: a.Creators})

	// Everything that reacts to another domain's change does so here, through events.
	for _, sub := range []interface{ Subscribe(bus.Bus) error }{a.Ledger, a.Creators, a.Analytics, a.Hub, a.OpenAPI, a.Sellers, a.Content} {
		if err := sub.Subscribe(a.Bus); err != nil {
			d.Close()
			return nil, err
		}
	}
	if err := a.Analytics.Prepare(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("prepare analytics: %w", err)
	}
	// Checkouts share transactions under load (order.Service.GroupCheckouts).
	a.Orders.GroupCheckouts(256)
	a.Handler = a.routes()
	return a, nil
}

// routes assembles the HTTP handler: every domain's JSON API, the pages, health and
// metrics, behind request ids, recovery, logging, metrics, cross-origin protection
// and authentication.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range []interface{ Routes(*http.ServeMux) }{a.Markets, a.Identity, a.Sellers, a.Catalog, a.Promos, a.Orders, a.Creators, a.Content, a.Hub, a.Ledger, a.Analytics, a.FX} {
		r.Routes(mux)
	}
	mux.HandleFunc("/api/", httpx.NotFound) // unknown API paths answer JSON, not a page
	a.OpenAPI.Routes(mux)                   // the Partner Open API, at TikTok Shop's paths
	mux.HandleFunc("GET /healthz", a.handleHealth)
	mux.Handle("GET /metrics", a.metricsHandler())
	web.New(web.Deps{
		Log: a.Log, Markets: a.Markets, Identity: a.Identity, Sellers: a.Sellers, Catalog: a.Catalog, Promos: a.Promos, Orders: a.Orders,
		Creators: a.Creators, Content: a.Content, Hub: a.Hub, FlashSales: a.FlashSales, Ledger: a.Ledger, Analytics: a.Analytics, FX: a.FX, Outbox: a.Outbox, OpenAPI: a.OpenAPI,
		Payments: a.Payments, VendorDir: a.Config.VendorDir,
	}).Routes(mux)

	var h http.Handler = mux
	h = a.Identity.Authenticate(h)
	h = http.NewCrossOriginProtection().Handler(h)
	return httpx.Middleware(h, a.Log, httpx.NewMetrics(a.Registry))
}

// Run serves HTTP on the configured address and runs the background work until ctx
// ends, then shuts down gracefully: no new connections, in-flight requests finish,
// live viewers are told, the relay stops after its current batch.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests listen on a random port).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.Outbox.Run(bg) })
	wg.Go(func() { a.Orders.Run(bg, a.Config.TimerInterval) })
	wg.Go(func() { a.Ledger.Run(bg, a.Config.TimerInterval) })
	wg.Go(func() { a.Creators.RunFees(bg, a.Config.TimerInterval) })
	wg.Go(func() { a.OpenAPI.Run(bg) })
	wg.Go(func() { a.Sellers.Run(bg, time.Hour) })           // onboarding tier graduation
	wg.Go(func() { a.Catalog.RunRecovery(bg, time.Minute) }) // imports whose worker died
	wg.Go(func() { a.Content.RunVideoProcessing(bg) })

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.Log.Info("liveshop serving", "addr", ln.Addr().String(), "db", a.DB.String(), "bus", a.Bus.Kind())

	select {
	case err := <-served:
		stopBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	a.Hub.Close() // tells viewers, so their sockets do not hold the shutdown up
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	stopBG()
	wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		a.Log.Warn("shutdown timed out; closing remaining connections")
		srv.Close()
	}
	return nil
}

// Close releases the database.
func (a *App) Close() error {
	a.Hub.Close()
	if a.Fanout != nil {
		a.Fanout.Close()
	}
	a.FlashSales.Close()
	a.FlashWriter.Close() // placed orders' payments finish before the database closes
	a.Orders.StopGroupingCheckouts()
	return a.DB.Close()
}
