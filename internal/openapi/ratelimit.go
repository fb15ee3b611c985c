package openapi

import (
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// limiter holds one token bucket per app: an app may make its rate of calls per
// second, with bursts up to one second's worth. Buckets live in the node's memory, so
// with several nodes each admits the rate (the limit is per node, as documented).
type limiter struct {
	mu      sync.Mutex
	buckets map[id.ID]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[id.ID]*bucket{}} }

// allow takes one call from the app's bucket, refilled at rate per second since its
// last call, and reports whether there was one to take.
func (l *limiter) allow(app id.ID, rate int, now time.Time) bool {
	if rate <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[app]
	if b == nil {
		b = &bucket{tokens: float64(rate), last: now}
		l.buckets[app] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(rate), b.tokens+elapsed*float64(rate))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
