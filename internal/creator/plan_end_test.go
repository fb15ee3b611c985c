package creator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Ending a target plan makes its rate give way to the open one at once; ending the
// open collaboration leaves a showcased product earning nothing. Another seller, an
// unknown plan and a second ending are refused and change nothing.
func TestEndingCollaborations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		if _, err := f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true); err != nil {
			t.Fatal(err)
		}
		star, starC := f.creator(t, "ender", 3)
		plan, err := f.creators.CreateTargetPlan(ctx, f.owner, creator.TargetPlanInput{ShopID: f.product.ShopID, Name: "Short push", CommissionBP: 2500,
			ProductIDs: []id.ID{f.product.ID}, CreatorIDs: []id.ID{starC.ID}, ExpiresAt: time.Now().Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.creators.RespondToInvitation(ctx, star, plan.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.AddToShowcase(ctx, star, f.product.ID); err != nil {
			t.Fatal(err)
		}
		rate := func() int64 {
			bp, _ := f.creators.CommissionFor(ctx, starC.ID, f.product.ID)
			return int64(bp)
		}
		if r := rate(); r != 2500 {
			t.Fatalf("under the plan %d", r)
		}

		stranger := f.Actor(t, "nosy", auth.Seller)
		if _, err := f.creators.EndTargetPlan(ctx, stranger, f.product.ShopID, plan.ID); err == nil {
			t.Fatal("another seller ended the plan")
		}
		if _, err := f.creators.EndTargetPlan(ctx, f.owner, f.product.ShopID, 4242); !errors.Is(err, creator.ErrPlanNotFound) {
			t.Fatalf("unknown plan: %v", err)
		}
		if _, err := f.creators.EndOpenPlan(ctx, stranger, f.product.ID); err == nil {
			t.Fatal("another seller ended the open collaboration")
		}
		if r := rate(); r != 2500 {
			t.Fatalf("refusals changed the rate to %d", r)
		}

		ended, err := f.creators.EndTargetPlan(ctx, f.owner, f.product.ShopID, plan.ID)
		if err != nil || !ended.Expired(time.Now()) {
			t.Fatalf("ended %+v %v", ended, err)
		}
		if r := rate(); r != 1000 {
			t.Fatalf("after the plan ended the rate is %d, want the open 1000", r)
		}
		if _, err := f.creators.EndTargetPlan(ctx, f.owner, f.product.ShopID, plan.ID); !errors.Is(err, creator.ErrPlanEnded) {
			t.Fatalf("ending twice: %v", err)
		}

		o, err := f.creators.EndOpenPlan(ctx, f.owner, f.product.ID)
		if err != nil || o.Active || o.CommissionBP != 1000 {
			t.Fatalf("ended open %+v %v", o, err)
		}
		if bp, err := f.creators.CommissionFor(ctx, starC.ID, f.product.ID); err == nil {
			t.Fatalf("a product no collaboration covers still earns %d", bp)
		}
		if _, err := f.creators.EndOpenPlan(ctx, f.owner, f.product.ID); !errors.Is(err, creator.ErrNoOffer) {
			t.Fatalf("ending twice: %v", err)
		}
	})
}
