package httpx

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Metrics counts and times requests by route pattern (never by raw path, which
// would give every order id its own time series).
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liveshop_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "liveshop_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// Middleware wraps h with request ids, panic recovery, access logging and metrics.
// A panic in a handler becomes a 500 with the request id; it never reaches the client
// as a dropped connection and never takes the process down.
func Middleware(h http.Handler, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			rid = id.New().String()
		}
		reqLog := log.With("request_id", rid)
		ctx := context.WithValue(r.Context(), keyRequestID, rid)
		ctx = context.WithValue(ctx, keyLogger, reqLog)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", rid)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				reqLog.Error("panic serving request", "panic", p, "path", r.URL.Path, "stack", string(debug.Stack()))
				if !rec.wrote {
					WriteError(rec, r, errors.New("panic"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			if m != nil {
				m.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status)).Inc()
				m.latency.WithLabelValues(route).Observe(elapsed.Seconds())
			}
			level := slog.LevelDebug
			switch {
			case rec.status >= 500:
				level = slog.LevelError
			case rec.status >= 400 || r.Method != http.MethodGet:
				level = slog.LevelInfo
			}
			reqLog.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", rec.status, "bytes", rec.bytes, "took", elapsed.Round(time.Microsecond))
		}()
		h.ServeHTTP(rec, r)
	})
}

// recorder remembers the status and size of a response. It passes Hijack and Flush
// through so WebSocket upgrades and streaming work behind the middleware.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("httpx: response does not support hijacking")
	}
	r.status, r.wrote = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
