package openapi

import (
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
)

// authCache keeps what the checks of a call read (the app by its key; the access
// token with its grant, shops and seller) for AuthCacheTTL, so a busy integration
// costs one lookup a second rather than five per call. Every change this node makes
// to apps, grants or tokens empties it at once; another node's change (a rotation, a
// deauthorization) reaches this node within the TTL.
//
// An entry in use is read again in the background once it is half the TTL old
// (refresh-ahead), so a steady integration never waits on those lookups: only an
// entry idle for a whole TTL is read on the call. Entries served are never older than
// the TTL. Each entry records the cache's generation when its read began; forget
// moves the generation on, so a read that began before a change is not stored after
// it.
type authCache struct {
	mu         sync.Mutex
	apps       map[string]cachedApp
	tokens     map[string]cachedToken
	gen        uint64
	refreshing map[string]bool
}

type cachedApp struct {
	app App
	at  time.Time
}

type cachedToken struct {
	token tokenRow
	shops []GrantShop
	actor auth.Actor
	at    time.Time
}

func newAuthCache() *authCache {
	return &authCache{apps: map[string]cachedApp{}, tokens: map[string]cachedToken{}, refreshing: map[string]bool{}}
}

// generation is the value to pass to a put for a read starting now.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// app returns the cached app and whether it is due a background refresh.
func (c *authCache) app(key string, now time.Time, ttl time.Duration) (a App, ok, stale bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.apps[key]
	if !found || now.Sub(e.at) >= ttl {
		return App{}, false, false
	}
	return e.app, true, now.Sub(e.at) >= ttl/2
}

func (c *authCache) putApp(a App, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.apps) > 10000 {
		clear(c.apps)
	}
	c.apps[a.Key] = cachedApp{app: a, at: now}
}

// token returns the cached token and whether it is due a background refresh.
func (c *authCache) token(hash string, now time.Time, ttl time.Duration) (e cachedToken, ok, stale bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.tokens[hash]
	if !found || now.Sub(e.at) >= ttl {
		return cachedToken{}, false, false
	}
	return e, true, now.Sub(e.at) >= ttl/2
}

func (c *authCache) putToken(hash string, e cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.tokens) > 100000 {
		clear(c.tokens)
	}
	c.tokens[hash] = e
}

// claim reports whether the caller may refresh key in the background (no one else is).
func (c *authCache) claim(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refreshing[key] {
		return false
	}
	c.refreshing[key] = true
	return true
}

func (c *authCache) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.refreshing, key)
}

// forget empties the cache; called after every change to apps, grants or tokens.
func (c *authCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.apps)
	clear(c.tokens)
	c.gen++
}
