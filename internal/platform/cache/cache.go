// Package cache keeps what a node read from the database for a few seconds, for
// reads on hot paths (a checkout's promotions, a request's credential) whose data
// changes rarely next to how often it is read.
//
// The rules that keep it honest: a writer on this node forgets what it changed once
// its transaction has committed, so this node never reads its own writes stale; a
// read that raced such a write is not kept (each miss carries the generation it
// started in, and Put refuses it if anything was forgotten since); other nodes
// sharing the database see a change within the entry's time to live. Values are
// shared between readers: callers copy what they might change.
package cache

import (
	"sync"
	"time"
)

// Cache maps keys to values that expire. The zero TTL turns it off: every Get
// misses and Put keeps nothing. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	ttl  time.Duration
	size int

	mu sync.Mutex
	m  map[K]entry[V]
	// gen counts forgets; see the package doc.
	gen uint64
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New returns a cache keeping entries for ttl, and at most about size of them.
func New[K comparable, V any](ttl time.Duration, size int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, size: max(size, 1), m: make(map[K]entry[V])}
}

// TTL is how long Put keeps an entry unless told to keep it less.
func (c *Cache[K, V]) TTL() time.Duration { return c.ttl }

// Get returns k's value if it is still good at now. On a miss it returns the
// generation to hand to Put with what the database says.
func (c *Cache[K, V]) Get(k K, now time.Time) (v V, ok bool, gen uint64) {
	if c.ttl <= 0 {
		return v, false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return v, false, c.gen
	}
	if !now.Before(e.until) {
		delete(c.m, k)
		return v, false, c.gen
	}
	return e.v, true, c.gen
}

// Put keeps v for k until the TTL from now passes or until, whichever is first
// (the zero until means the TTL alone), unless something was forgotten since the
// Get that returned gen: v may then be what that forget was about.
func (c *Cache[K, V]) Put(k K, v V, gen uint64, now, until time.Time) {
	if c.ttl <= 0 {
		return
	}
	if end := now.Add(c.ttl); until.IsZero() || end.Before(until) {
		until = end
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= c.size {
		c.makeRoom(now)
	}
	c.m[k] = entry[V]{v: v, until: until}
}

// makeRoom drops the expired entries and, when none had expired, an arbitrary
// tenth of the rest (map order): a miss costs one read, so which go matters little.
func (c *Cache[K, V]) makeRoom(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.size*9/10 {
			break
		}
		delete(c.m, k)
	}
}

// Forget drops k. Call it once the change to k's data has committed.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	c.gen++
	delete(c.m, k)
	c.mu.Unlock()
}

// ForgetIf drops every entry drop says to: for changes known by something other
// than the key. It walks the whole cache, so it is for rare changes.
func (c *Cache[K, V]) ForgetIf(drop func(K, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if drop(k, e.v) {
			delete(c.m, k)
		}
	}
}

// Len is how many entries the cache holds, expired ones included until they are
// next looked at.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
