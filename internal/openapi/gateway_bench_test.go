package openapi_test

import (
	"context"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/openapi"
)

// BenchmarkGateway makes signed order searches one at a time against a node on
// SQLite and reports, besides the whole call, the gateway's own time per call (the
// checks, envelope and request log, measured in the server) at p50 and p99. The
// auth cache's TTL is shortened so a run spans many TTLs, as a long-running
// integration does.
//
//	go test ./internal/openapi -run '^$' -bench Gateway -benchtime 3000x
func BenchmarkGateway(b *testing.B) {
	e := start(b, false, func(s *openapi.Service) { s.AuthCacheTTL = 100 * time.Millisecond })
	s := e.seller("bench")
	for range 20 {
		e.buy(s.product.SKUs[0].ID, 1)
	}
	a, secret := e.developer()
	if _, err := e.DB.ExecContext(e.ctx, `UPDATE openapi_apps SET rate_limit_qps = 1000000 WHERE id = $1`, a.ID); err != nil {
		b.Fatal(err)
	}
	c, _ := e.client(a, secret, s.actor, s.shop.ID)
	var mu sync.Mutex
	var gw []time.Duration
	e.OpenAPI.SetOverheadObserver(func(d time.Duration) {
		mu.Lock()
		gw = append(gw, d)
		mu.Unlock()
	})
	defer e.OpenAPI.SetOverheadObserver(nil)
	q := url.Values{"page_size": {"20"}}
	body := map[string]any{"order_status": "ON_HOLD"}
	ctx := context.Background()
	for range 50 {
		if r, err := c.Do(ctx, "POST", "/order/202309/orders/search", q, body); err != nil || r.Code != 0 {
			b.Fatalf("warm-up: %+v %v", r, err)
		}
	}
	mu.Lock()
	gw = gw[:0]
	mu.Unlock()
	reads := e.OpenAPI.AuthReads()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if r, err := c.Do(ctx, "POST", "/order/202309/orders/search", q, body); err != nil || r.Code != 0 {
			b.Fatalf("search: %+v %v", r, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.OpenAPI.AuthReads()-reads)*1000/float64(b.N), "auth-reads/1000-calls")
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(gw, func(i, j int) bool { return gw[i] < gw[j] })
	if len(gw) > 0 {
		b.ReportMetric(float64(gw[len(gw)/2].Microseconds()), "gateway-p50-µs")
		b.ReportMetric(float64(gw[(len(gw)-1)*99/100].Microseconds()), "gateway-p99-µs")
	}
}
