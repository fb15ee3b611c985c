package identity

import (
	"slices"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// DefaultActorCacheTTL is how long a node trusts a session or bearer token it has
// resolved without reading it again. Ending a credential on this node takes effect at
// once; on the other nodes sharing the database it takes at most this long.
const DefaultActorCacheTTL = 5 * time.Second

// actorCacheSize bounds the cache: about 250 bytes an entry, so ~12 MB when full, and
// room for every buyer of a large flash sale pressing Buy a few times in a few seconds.
const actorCacheSize = 50_000

// actorCache remembers the actor a credential resolved to for a few seconds, so that a
// client sending several requests (a room page, its socket, a burst of Buy presses)
// costs one database read, not one a request. Only successful resolutions are kept: an
// unknown or expired credential always goes to the database.
type actorCache struct {
	ttl time.Duration // 0 turns the cache off

	mu sync.Mutex
	m  map[cacheKey]cachedActor
	// gen counts forgets. A lookup that read the database while a credential was being
	// ended may hold the old answer; put refuses it when a forget came in between.
	gen uint64
}

// cacheKey is a credential: the table it lives in and its stored hash (never the
// secret itself).
type cacheKey struct {
	table, hash string
}

type cachedActor struct {
	actor auth.Actor
	until time.Time // the earlier of the cache's TTL and the credential's own expiry
}

func newActorCache(ttl time.Duration) *actorCache {
	return &actorCache{ttl: ttl, m: make(map[cacheKey]cachedActor)}
}

// get returns the cached actor for k if it is still good at now; on a miss, the
// generation to hand to put with what the database says.
func (c *actorCache) get(k cacheKey, now time.Time) (auth.Actor, bool, uint64) {
	if c.ttl <= 0 {
		return auth.Actor{}, false, 0
	}
	c.mu.Lock()
	gen := c.gen
	e, ok := c.m[k]
	if ok && !now.Before(e.until) {
		delete(c.m, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return auth.Actor{}, false, gen
	}
	a := e.actor
	a.Roles = slices.Clone(a.Roles) // each request gets its own slice to keep
	return a, true, gen
}

// put remembers a for k from now until the TTL passes or expires, whichever is first,
// unless something was forgotten since get returned gen (a has perhaps just ended).
func (c *actorCache) put(k cacheKey, a auth.Actor, gen uint64, now, expires time.Time) {
	if c.ttl <= 0 {
		return
	}
	until := now.Add(c.ttl)
	if expires.Before(until) {
		until = expires
	}
	a.Roles = slices.Clone(a.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= actorCacheSize {
		c.makeRoom(now)
	}
	c.m[k] = cachedActor{actor: a, until: until}
}

// makeRoom drops the expired entries, and when none had expired, an arbitrary tenth
// of the rest (map order): a miss costs one read, so which entries go matters little.
func (c *actorCache) makeRoom(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < actorCacheSize*9/10 {
			break
		}
		delete(c.m, k)
	}
}

// forget drops one credential (a logout). Call it once the credential's row is gone.
func (c *actorCache) forget(k cacheKey) {
	c.mu.Lock()
	c.gen++
	delete(c.m, k)
	c.mu.Unlock()
}

// forgetAccount drops every credential of an account: a revoked token (known by id,
// not hash) or a change of roles. These are rare, so a walk of the map is fine. Call
// it once the change has committed.
func (c *actorCache) forgetAccount(account id.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if e.actor.AccountID == account {
			delete(c.m, k)
		}
	}
}
