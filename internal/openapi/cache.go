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
type authCache struct {
	mu     sync.Mutex
	apps   map[string]cachedApp
	tokens map[string]cachedToken
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
	return &authCache{apps: map[string]cachedApp{}, tokens: map[string]cachedToken{}}
}

func (c *authCache) app(key string, now time.Time, ttl time.Duration) (App, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.apps[key]
	if !ok || now.Sub(e.at) >= ttl {
		return App{}, false
	}
	return e.app, true
}

func (c *authCache) putApp(a App, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.apps) > 10000 {
		clear(c.apps)
	}
	c.apps[a.Key] = cachedApp{app: a, at: now}
}

func (c *authCache) token(hash string, now time.Time, ttl time.Duration) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[hash]
	if !ok || now.Sub(e.at) >= ttl {
		return cachedToken{}, false
	}
	return e, true
}

func (c *authCache) putToken(hash string, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) > 100000 {
		clear(c.tokens)
	}
	c.tokens[hash] = e
}

// forget empties the cache; called after every change to apps, grants or tokens.
func (c *authCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.apps)
	clear(c.tokens)
}
