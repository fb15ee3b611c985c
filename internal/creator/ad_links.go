package creator

import (
	"context"
	"errors"
	"fmt"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Ads that show a creator's promotion. A seller who pays to show a creator's content
// to more shoppers (TikTok's Spark Ads model) puts an ad link behind the ad: it is the
// creator's affiliate link, signed as coming through an ad, so a sale through it
// credits the creator at the collaboration's ads rate (Offer.AdsCommissionBP, a
// target plan's rate when the creator is in one) rather than the organic rate. The
// signature covers the ad mark, so a shopper cannot turn an ad link into an organic
// one or back; the shop's ads themselves (budgets, placements) are the ads domain's.

// AdLink makes the signed ad link for a creator's promotion of one of the actor's
// shop's products. The product must be in the creator's showcase under a
// collaboration that still covers it.
func (s *Service) AdLink(ctx context.Context, actor auth.Actor, creatorID, productID id.ID) (AffiliateLink, error) {
	if err := actor.RequireLogin(); err != nil {
		return AffiliateLink{}, err
	}
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return AffiliateLink{}, errs.OnField(err, "product_id")
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return AffiliateLink{}, err
	}
	if _, err := s.Creator(ctx, creatorID); err != nil {
		return AffiliateLink{}, errs.OnField(err, "creator_id")
	}
	if _, err := s.CommissionForAds(ctx, creatorID, productID); err != nil {
		if errors.Is(err, ErrNotInShowcase) || errors.Is(err, ErrNoOffer) {
			return AffiliateLink{}, errs.As(err).With("an ad can promote only a product in the creator's showcase under a collaboration").OnField("product_id")
		}
		return AffiliateLink{}, err
	}
	tok, err := s.sign(ctx, fmt.Sprintf("a:%d:%d", creatorID, productID))
	if err != nil {
		return AffiliateLink{}, err
	}
	return AffiliateLink{CreatorID: creatorID, ProductID: productID, Token: tok, Path: "/l/" + tok, ViaAd: true}, nil
}
