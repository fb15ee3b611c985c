package creator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// A plan's update keeps the creators who accepted (taking one off is refused and
// changes nothing), invites the new ones, and its new rate applies at once to the
// accepted creator's sales.
func TestUpdatingTargetPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		star, starC := f.creator(t, "keeper", 3)
		_, quietC := f.creator(t, "quiet", 3)
		_, newC := f.creator(t, "newbie", 3)
		plan, err := f.creators.CreateTargetPlan(ctx, f.owner, creator.TargetPlanInput{ShopID: f.product.ShopID, Name: "Push", CommissionBP: 2000,
			ProductIDs: []id.ID{f.product.ID}, CreatorIDs: []id.ID{starC.ID, quietC.ID}, ExpiresAt: time.Now().Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.creators.RespondToInvitation(ctx, star, plan.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.AddToShowcase(ctx, star, f.product.ID); err != nil {
			t.Fatal(err)
		}

		rate := money.BP(3000)
		_, err = f.creators.UpdateTargetPlan(ctx, f.owner, f.product.ShopID, plan.ID, creator.TargetPlanUpdate{CommissionBP: &rate, CreatorIDs: []id.ID{quietC.ID, newC.ID}})
		if !errors.Is(err, creator.ErrCreatorAccepted) || errs.As(err).Field != "creator_ids" {
			t.Fatalf("taking an accepted creator off: %v", err)
		}
		if bp, _ := f.creators.CommissionFor(ctx, starC.ID, f.product.ID); bp != 2000 {
			t.Fatalf("a refused update changed the rate to %d", bp)
		}
		if n := count(t, d, "target_plan_creators"); n != 2 {
			t.Fatalf("a refused update left %d invitations", n)
		}

		got, err := f.creators.UpdateTargetPlan(ctx, f.owner, f.product.ShopID, plan.ID, creator.TargetPlanUpdate{CommissionBP: &rate, CreatorIDs: []id.ID{starC.ID, newC.ID}})
		if err != nil {
			t.Fatal(err)
		}
		status := map[id.ID]string{}
		for _, pc := range got.Creators {
			status[pc.CreatorID] = pc.Status
		}
		if len(status) != 2 || status[starC.ID] != creator.InvitationAccepted || status[newC.ID] != creator.InvitationInvited || got.CommissionBP != 3000 || got.Name != "Push" {
			t.Fatalf("updated %+v", got)
		}
		if bp, _ := f.creators.CommissionFor(ctx, starC.ID, f.product.ID); bp != 3000 {
			t.Fatalf("the new rate is not applied: %d", bp)
		}
		if _, err := f.creators.UpdateTargetPlan(ctx, f.Actor(t, "nosy"), f.product.ShopID, plan.ID, creator.TargetPlanUpdate{CommissionBP: &rate}); err == nil {
			t.Fatal("another account updated the plan")
		}
	})
}
