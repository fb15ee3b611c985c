package openapi

import (
	"testing"
	"time"
)

// The auth cache serves entries younger than the TTL, flags them for a background
// refresh from half the TTL, lets one refresher at a time claim a key, and never
// stores a read that began before a change (forget).
func TestAuthCacheRefreshAhead(t *testing.T) {
	c := newAuthCache()
	t0 := time.Unix(1_700_000_000, 0)
	ttl := time.Second
	c.putApp(App{Key: "k", Name: "v1"}, t0, c.generation())
	for _, tc := range []struct {
		after     time.Duration
		ok, stale bool
	}{{0, true, false}, {499 * time.Millisecond, true, false}, {500 * time.Millisecond, true, true}, {999 * time.Millisecond, true, true}, {time.Second, false, false}} {
		a, ok, stale := c.app("k", t0.Add(tc.after), ttl)
		if ok != tc.ok || stale != tc.stale || (ok && a.Name != "v1") {
			t.Fatalf("after %s: ok %v stale %v %+v", tc.after, ok, stale, a)
		}
	}
	if !c.claim("app:k") || c.claim("app:k") {
		t.Fatal("a key is claimed by one refresher at a time")
	}
	c.release("app:k")
	if !c.claim("app:k") {
		t.Fatal("a released key can be claimed again")
	}

	// A read that began before a change is not stored after it.
	gen := c.generation()
	c.forget()
	c.putApp(App{Key: "k", Name: "read before the change"}, t0, gen)
	if _, ok, _ := c.app("k", t0, ttl); ok {
		t.Fatal("a read from before forget was stored")
	}
	c.putToken("h", cachedToken{at: t0}, gen)
	if _, ok, _ := c.token("h", t0, ttl); ok {
		t.Fatal("a token read from before forget was stored")
	}
	c.putApp(App{Key: "k", Name: "v2"}, t0, c.generation())
	if a, ok, _ := c.app("k", t0, ttl); !ok || a.Name != "v2" {
		t.Fatal("a read after the change is stored")
	}
}
