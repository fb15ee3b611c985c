package openapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/seller"
)

// Deps are the services the Partner API adapts.
type Deps struct {
	DB       *db.DB
	Log      *slog.Logger
	Markets  *market.Service
	Identity *identity.Service
	Sellers  *seller.Service
	Catalog  *catalog.Service
	Orders   *order.Service
	Content  *content.Service
	Ledger   *ledger.Service
	Live     *live.Hub
	// Analytics and Creators back the analytics and affiliate-for-sellers families.
	Analytics *analytics.Service
	Creators  *creator.Service
	// Registry receives the API's metrics; may be nil.
	Registry prometheus.Registerer
}

// Service is the Partner Open API: the developer console's operations, the
// authorization flow, the signed endpoints and webhook delivery.
type Service struct {
	Deps
	now func() time.Time

	// AccessTTL and RefreshTTL are how long issued tokens live; CodeTTL how long an
	// authorization code may wait to be exchanged. Clients read expiries from the token
	// response, never assume them.
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	CodeTTL    time.Duration
	// Window is how far a request's timestamp may be from our clock (TikTok: 5 minutes).
	Window time.Duration
	// DefaultRateLimit is the calls per second a new app may make.
	DefaultRateLimit int
	// AuthCacheTTL is how long a node reuses what it read to check a call (the app,
	// the token with its grant, shops and seller); 0 reads them on every call.
	AuthCacheTTL time.Duration
	// Webhook delivery: attempts before a delivery is dead-lettered, the timeout of one
	// attempt, and how often the deliverer looks for due deliveries.
	WebhookMaxAttempts int
	WebhookTimeout     time.Duration
	WebhookPoll        time.Duration
	// overhead, when set (SetOverheadObserver), is told each call's time in the
	// gateway outside the endpoint.
	overhead atomic.Pointer[func(time.Duration)]
	// authReads counts the app and token reads calls waited for (cache misses).
	authReads atomic.Int64

	client  *http.Client
	limiter *limiter
	cache   *authCache
	logs    *requestLog
	wake    chan struct{}
	metrics *metrics

	routes []route
}

// New returns the Partner API over the domain services.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{Deps: d, now: time.Now,
		AccessTTL: 7 * 24 * time.Hour, RefreshTTL: 365 * 24 * time.Hour, CodeTTL: 10 * time.Minute,
		Window: 5 * time.Minute, DefaultRateLimit: 50, AuthCacheTTL: time.Second,
		WebhookMaxAttempts: 12, WebhookTimeout: 5 * time.Second, WebhookPoll: time.Second,
		client:  &http.Client{},
		limiter: newLimiter(),
		cache:   newAuthCache(),
		wake:    make(chan struct{}, 1),
		metrics: newMetrics(d.Registry),
	}
	s.logs = newRequestLog(d.DB, d.Log, s.metrics)
	s.routes = s.endpoints()
	return s
}

// SetOverheadObserver has fn told each call's time in the gateway outside the
// endpoint (checks, envelope, request log): the benchmark's server-side measure of
// what signature checking and routing add. nil stops it.
func (s *Service) SetOverheadObserver(fn func(time.Duration)) {
	if fn == nil {
		s.overhead.Store(nil)
		return
	}
	s.overhead.Store(&fn)
}

// AuthReads returns how many times a call waited for the app or token to be read
// from the database (the auth cache had no fresh entry), since the node started.
func (s *Service) AuthReads() int64 { return s.authReads.Load() }

// Run does the API's background work until ctx ends: it writes the request log,
// delivers webhooks (retrying with backoff) and forgets used signatures once their
// timestamps fall out of the window.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.logs.run(ctx) })
	wg.Go(func() { s.deliverLoop(ctx) })
	wg.Go(func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.pruneSigns(ctx); err != nil && ctx.Err() == nil {
					s.Log.Warn("openapi: prune used signatures", "err", err)
				}
			}
		}
	})
	wg.Wait()
}

type metrics struct {
	calls      *prometheus.CounterVec
	logDropped prometheus.Counter
	deliveries *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liveshop_openapi_calls_total",
			Help: "Partner API calls by result code."}, []string{"code"}),
		logDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_openapi_request_log_dropped_total",
			Help: "Request log entries dropped because the writer fell behind."}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liveshop_openapi_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome."}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.logDropped, m.deliveries)
	}
	return m
}
