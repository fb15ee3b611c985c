package promo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/liveshop/liveshop/internal/platform/cache"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// PricingCacheTTL is how long a node prices checkouts from a shop's promotions and
// shipping enrolments as it last read them. A change made on this node counts from
// its commit; one made on another node sharing the database, within this long. A
// deal's sold units are part of it: a deal that sold out on another node can still
// be quoted here for that long, and the order writer's conditional update refuses
// it (ErrDealSoldOut, "try again").
const PricingCacheTTL = 2 * time.Second

// pricingCacheSize bounds the cache at about this many shops.
const pricingCacheSize = 20_000

// SetPricingCacheTTL sets how long this node prices from what it last read of a
// shop (PricingCacheTTL by default); 0 reads for every quote. Call it before use.
func (s *Service) SetPricingCacheTTL(ttl time.Duration) {
	s.pricing = cache.New[id.ID, shopPricing](ttl, pricingCacheSize)
}

// shopPricing is what a quote reads of one shop: its active promotions that had not
// ended when read (a quote filters them by the time it prices at), the quoting room's
// own sale when a room asks (never cached), and its shipping programme enrolments.
// Shared between quotes: read only.
type shopPricing struct {
	promotions []Promotion
	enrolled   map[string]bool
}

// pricingOf returns each shop's pricing data, from the cache where it can. It reads
// through q and keeps nothing when q is a transaction, whose own uncommitted writes
// the cache cannot know, and for a room's quote (room set): a room prices its sale
// when the sale opens, a moment after the promotion was created, perhaps on another
// node, and the cache holds only the shops' public (active) promotions.
func (s *Service) pricingOf(ctx context.Context, q db.Querier, shops []id.ID, at time.Time, room id.ID) (map[id.ID]shopPricing, error) {
	out := make(map[id.ID]shopPricing, len(shops))
	_, inTx := q.(*db.Tx)
	uncached := inTx || room != 0
	now := s.now()
	var missing []id.ID
	var gen uint64
	for i, sh := range shops {
		if uncached {
			missing = append(missing, sh)
			continue
		}
		p, ok, g := s.pricing.Get(sh, now)
		if i == 0 {
			gen = g // the oldest generation: a forget after it refuses every Put below
		}
		if ok {
			out[sh] = p
		} else if _, seen := out[sh]; !seen && !slices.Contains(missing, sh) {
			missing = append(missing, sh)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	// What had not ended by the earlier of now and the quote's time: a quote for a
	// moment ahead (a sale's opening price) must not leave out of the cache the
	// promotions that run until then.
	loaded, err := loadShopPricing(ctx, q, missing, minTime(at, now), room)
	if err != nil {
		return nil, err
	}
	for _, sh := range missing {
		out[sh] = loaded[sh]
		if !uncached {
			for _, p := range loaded[sh].promotions {
				if p.Kind == FlashSale {
					s.dealShops.Store(p.ID, sh)
				}
			}
			s.pricing.Put(sh, loaded[sh], gen, now, time.Time{})
		}
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// loadShopPricing reads several shops' pricing data in two queries: their active
// promotions not ended by notEnded, with the room's own promotion if room is set,
// and their enrolments.
func loadShopPricing(ctx context.Context, q db.Querier, shops []id.ID, notEnded time.Time, room id.ID) (map[id.ID]shopPricing, error) {
	n := len(shops)
	args := make([]any, n+2)
	for i, sh := range shops {
		args[i] = sh
	}
	args[n], args[n+1] = db.Micros(notEnded), room
	ps, err := loadPromotions(ctx, q, `WHERE shop_id IN (`+numbered(1, n)+`) AND (status = 'active' OR (status = 'room' AND id = $`+fmt.Sprint(n+2)+`))
		AND ends_at > $`+fmt.Sprint(n+1), args...)
	if err != nil {
		return nil, err
	}
	enrolled, err := enrolmentsOf(ctx, q, args[:n])
	if err != nil {
		return nil, err
	}
	out := make(map[id.ID]shopPricing, len(shops))
	for _, sh := range shops {
		out[sh] = shopPricing{enrolled: enrolled[sh]}
	}
	for _, p := range ps {
		sp := out[p.ShopID]
		sp.promotions = append(sp.promotions, p)
		out[p.ShopID] = sp
	}
	return out, nil
}

// pricingChanged forgets a shop's pricing data once tx commits.
func (s *Service) pricingChanged(tx *db.Tx, shop id.ID) {
	tx.AfterCommit(func() { s.pricing.Forget(shop) })
}

// dealChanged forgets the pricing data holding a flash-sale promotion once tx
// commits: its sold units moved. This runs after every batch of a sale's orders, so
// it finds the shop in dealShops (one entry per flash-sale promotion the cache has
// held) rather than walking the cache. A promotion not in dealShops is in no cached
// entry; forgetting the zero shop still stops a read that raced the change from
// being kept.
func (s *Service) dealChanged(tx *db.Tx, promotion id.ID) {
	tx.AfterCommit(func() { s.forgetDeal(promotion) })
}

// forgetDeal forgets the shop whose cached pricing holds promotion. A room's sale is
// never cached (pricingOf), so its batches only stop racing reads from being kept.
func (s *Service) forgetDeal(promotion id.ID) {
	shop, _ := s.dealShops.Load(promotion)
	sh, _ := shop.(id.ID)
	s.pricing.Forget(sh)
}
