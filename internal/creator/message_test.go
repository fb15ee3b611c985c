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
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func TestCollaborationMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		star, c := f.creator(t, "talker", 3)
		shop := f.product.ShopID
		open := creator.Thread{ShopID: shop, CreatorID: c.ID}
		if _, err := f.creators.Send(ctx, f.owner, open, "hi"); errs.As(err) == nil || errs.As(err).Code != "no_collaboration" {
			t.Fatalf("no collaboration yet: %v", err)
		}
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true)
		plan, err := f.creators.CreateTargetPlan(ctx, f.owner, creator.TargetPlanInput{ShopID: shop, Name: "Spring", CommissionBP: 2000,
			ProductIDs: []id.ID{f.product.ID}, CreatorIDs: []id.ID{c.ID}, ExpiresAt: time.Now().Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		planThread := creator.Thread{ShopID: shop, CreatorID: c.ID, PlanID: plan.ID}
		for _, tc := range []struct {
			actor auth.Actor
			th    creator.Thread
			body  string
			check func(error) bool
		}{
			{f.owner, planThread, "  ", func(err error) bool { return errs.As(err) != nil && errs.As(err).Field == "body" }},
			{f.Actor(t, "bo", auth.Seller), planThread, "hi", func(err error) bool { return errs.KindOf(err) == errs.Forbidden }},
			{f.owner, creator.Thread{ShopID: shop, CreatorID: c.ID, PlanID: 4242}, "hi", func(err error) bool { return errors.Is(err, creator.ErrPlanNotFound) }},
			{f.owner, creator.Thread{ShopID: shop, CreatorID: 4242}, "hi", func(err error) bool { return errors.Is(err, creator.ErrCreatorNotFound) }},
		} {
			if _, err := f.creators.Send(ctx, tc.actor, tc.th, tc.body); !tc.check(err) {
				t.Errorf("%+v %q: %v", tc.th, tc.body, err)
			}
		}
		if count(t, d, "collab_messages") != 0 {
			t.Fatal("refused messages stored")
		}
		f.creators.Send(ctx, f.owner, planThread, "Can you do a flash sale on Friday?")
		f.creators.Send(ctx, f.owner, planThread, "We can send a sample.")
		f.creators.Send(ctx, f.owner, open, "Our open plan pays 10%.")
		mine, err := f.creators.MyThreads(ctx, star)
		if err != nil || len(mine) != 2 || creator.Unread(mine) != 3 || mine[1].PlanName != "Spring" || mine[1].Unread != 2 {
			t.Fatalf("creator's threads %+v %v", mine, err)
		}
		if theirs, _ := f.creators.ShopThreads(ctx, f.owner, shop); creator.Unread(theirs) != 0 {
			t.Fatalf("seller's own messages unread: %+v", theirs)
		}
		msgs, err := f.creators.Read(ctx, star, planThread)
		if err != nil || len(msgs) != 2 || !msgs[0].FromSeller {
			t.Fatalf("read %+v %v", msgs, err)
		}
		if _, err := f.creators.Send(ctx, star, planThread, "Yes, Friday 8pm."); err != nil {
			t.Fatal(err)
		}
		if mine, _ := f.creators.MyThreads(ctx, star); creator.Unread(mine) != 1 {
			t.Fatalf("after reading one thread: %+v", mine)
		}
		theirs, _ := f.creators.ShopThreads(ctx, f.owner, shop)
		if creator.Unread(theirs) != 1 || theirs[0].Last != "Yes, Friday 8pm." {
			t.Fatalf("seller's threads %+v", theirs)
		}
		f.creators.Read(ctx, f.owner, planThread)
		if theirs, _ := f.creators.ShopThreads(ctx, f.owner, shop); creator.Unread(theirs) != 0 {
			t.Fatalf("seller read: %+v", theirs)
		}
	})
}
