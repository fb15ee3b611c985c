package identity

import (
	"slices"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/cache"
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
// unknown or expired credential always goes to the database. An entry lasts the TTL
// or until the credential expires, whichever is first.
type actorCache struct {
	c *cache.Cache[cacheKey, auth.Actor]
}

// cacheKey is a credential: the table it lives in and its stored hash (never the
// secret itself).
type cacheKey struct {
	table, hash string
}

func newActorCache(ttl time.Duration) *actorCache {
	return &actorCache{c: cache.New[cacheKey, auth.Actor](ttl, actorCacheSize)}
}

// get returns the cached actor for k if it is still good at now; on a miss, the
// generation to hand to put with what the database says.
func (c *actorCache) get(k cacheKey, now time.Time) (auth.Actor, bool, uint64) {
	a, ok, gen := c.c.Get(k, now)
	if ok {
		a.Roles = slices.Clone(a.Roles) // each request gets its own slice to keep
	}
	return a, ok, gen
}

// put remembers a for k from now until the TTL passes or expires, whichever is first,
// unless something was forgotten since get returned gen (a has perhaps just ended).
func (c *actorCache) put(k cacheKey, a auth.Actor, gen uint64, now, expires time.Time) {
	a.Roles = slices.Clone(a.Roles)
	c.c.Put(k, a, gen, now, expires)
}

// forget drops one credential (a logout). Call it once the credential's row is gone.
func (c *actorCache) forget(k cacheKey) { c.c.Forget(k) }

// forgetAccount drops every credential of an account: a revoked token (known by id,
// not hash) or a change of roles. Call it once the change has committed.
func (c *actorCache) forgetAccount(account id.ID) {
	c.c.ForgetIf(func(_ cacheKey, a auth.Actor) bool { return a.AccountID == account })
}
