package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// ErrShopRestricted refuses a new listing from a restricted shop.
var ErrShopRestricted = errs.New(errs.Rule, "shop_restricted", "this shop is restricted and cannot list new products")

// ErrListingCap refuses a product beyond the shop's onboarding tier's listing cap.
var ErrListingCap = errs.New(errs.Rule, "listing_cap_reached", "this shop has listed all the products its tier allows").OnField("shop_id")

// checkListingCap refuses a new product when the shop already lists as many products
// (not rejected) as its tier allows under the policy at now. 0 means unlimited.
func (s *Service) checkListingCap(ctx context.Context, shop seller.Shop, now time.Time) error {
	if shop.Status == seller.Restricted {
		return ErrShopRestricted.With("%s is restricted and cannot list new products: %s", shop.Name, shop.StatusReason)
	}
	// A listing restriction of the account health ladder blocks new products.
	if err := s.sellers.CheckListingAllowed(ctx, shop.ID, now); err != nil {
		return err
	}
	limit, tier, err := s.sellers.ListingCap(ctx, shop, now)
	if err != nil || limit == 0 {
		return err
	}
	n, err := s.CountListings(ctx, shop.ID)
	if err != nil {
		return fmt.Errorf("catalog: count listings: %w", err)
	}
	if n >= limit {
		return ErrListingCap.With("%s lists %d products, the most its %s tier allows; graduate to the next tier to list more", shop.Name, n, tier)
	}
	return nil
}

// CountListings is how many products of a shop count against its listing cap.
func (s *Service) CountListings(ctx context.Context, shopID id.ID) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE shop_id = $1 AND status <> 'rejected'`, shopID).Scan(&n)
	return n, err
}

// CountLive is how many live products a shop lists (Mall eligibility counts them).
func (s *Service) CountLive(ctx context.Context, shopID id.ID) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE shop_id = $1 AND status = 'live'`, shopID).Scan(&n)
	return n, err
}
