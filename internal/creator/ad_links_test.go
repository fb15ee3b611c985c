package creator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// A sale through a seller's ad for a creator's promotion earns the collaboration's
// ads rate; the same creator's own link earns the organic rate. Only the product's
// seller makes ad links, only for products in the creator's showcase, and the ad
// mark cannot be forged or stripped.
func TestAdLinksEarnTheAdsRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		if _, err := f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1200, AdsCommissionBP: 600, Active: true}); err != nil {
			t.Fatal(err)
		}
		actor, c := f.creator(t, "promoted", 3)
		_, bystander := f.creator(t, "bystander", 3)

		bad := []struct {
			name          string
			actor         auth.Actor
			creator, prod id.ID
			code, field   string
		}{
			{"not in the showcase yet", f.owner, c.ID, f.product.ID, "not_in_showcase", "product_id"},
			{"another seller", f.Actor(t, "bo", auth.Seller), c.ID, f.product.ID, "", ""},
			{"no such product", f.owner, c.ID, 4242, "", "product_id"},
			{"no such creator", f.owner, 4242, f.product.ID, "", "creator_id"},
		}
		for _, tc := range bad {
			if _, err := f.creators.AdLink(ctx, tc.actor, tc.creator, tc.prod); err == nil ||
				(tc.code != "" && errs.As(err).Code != tc.code) || (tc.field != "" && errs.As(err).Field != tc.field) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if err := f.creators.AddToShowcase(ctx, actor, f.product.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.AdLink(ctx, f.owner, bystander.ID, f.product.ID); !errors.Is(err, creator.ErrNotInShowcase) {
			t.Fatalf("an ad for a creator who does not promote the product: %v", err)
		}
		ad, err := f.creators.AdLink(ctx, f.owner, c.ID, f.product.ID)
		if err != nil || !ad.ViaAd || !strings.HasPrefix(ad.Path, "/l/") {
			t.Fatalf("ad link %+v %v", ad, err)
		}
		organic, _ := f.creators.Link(ctx, actor, f.product.ID)
		for _, tc := range []struct {
			link  creator.AffiliateLink
			viaAd bool
			rate  int64
		}{{ad, true, 600}, {organic, false, 1200}} {
			touch, err := f.creators.Click(ctx, tc.link.Token)
			if err != nil || touch.ViaAd != tc.viaAd || touch.CreatorID != c.ID {
				t.Fatalf("click %+v %v", touch, err)
			}
			cid, bp, err := f.creators.LinkAttribution(ctx, touch.Token, f.product.ID)
			if err != nil || cid != c.ID || int64(bp) != tc.rate {
				t.Fatalf("via ad %v: credited %d at %d bp (%v), want %d", tc.viaAd, cid, bp, err, tc.rate)
			}
		}
		// A tampered ad link is refused and records nothing more.
		clicks, _ := f.creators.Clicks(ctx, c.ID, f.product.ID)
		if _, err := f.creators.Click(ctx, strings.Replace(ad.Token, ad.Token[:4], "bDo5", 1)); !errors.Is(err, creator.ErrForgedLink) {
			t.Fatalf("tampered ad link: %v", err)
		}
		if n, _ := f.creators.Clicks(ctx, c.ID, f.product.ID); n != clicks {
			t.Fatalf("a forged click was recorded")
		}
	})
}
