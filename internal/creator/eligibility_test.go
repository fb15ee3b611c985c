package creator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// smallRules makes the US thresholds small enough to reach with a handful of
// follows: sell from 2 followers, pilot below 5.
func smallRules(t *testing.T, f fixture) {
	f.SetPolicy(t, "US", func(p *market.Policy) {
		p.Creators.MinFollowers, p.Creators.PilotBelowFollowers = 2, 5
	})
}

func TestPilotAllowsThreeLivesAndFiveVideosPerWeek(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		if _, err := f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true); err != nil {
			t.Fatal(err)
		}
		actor, c := f.creator(t, "pilot", 3)
		if err := f.creators.AddToShowcase(ctx, actor, f.product.ID); err != nil {
			t.Fatal(err)
		}
		e, err := f.creators.Eligibility(ctx, c)
		if err != nil || !e.CanSell || !e.InPilot || e.PilotLivesPerWeek != 3 || e.PilotVideosPerWeek != 5 {
			t.Fatalf("eligibility %+v %v", e, err)
		}
		if days := e.PilotEndsAt.Sub(time.Now()).Hours() / 24; days < 29.9 || days > 30.1 {
			t.Fatalf("pilot ends in %.1f days, want 30", days)
		}

		// Lives go through content's scheduling, which asks for the allowance.
		cs := content.NewService(d, f.Markets, f.sellers, f.catalog, f.creators, f.Outbox, f.Log)
		schedule := func() error {
			_, err := cs.Schedule(ctx, actor, content.ScheduleInput{Title: "Pilot live", ProductIDs: []id.ID{f.product.ID}})
			return err
		}
		for i := 0; i < 3; i++ {
			if err := schedule(); err != nil {
				t.Fatalf("live %d: %v", i+1, err)
			}
		}
		err = schedule()
		if !errors.Is(err, creator.ErrPilotLimit) || !strings.Contains(err.Error(), "at most 3 live selling sessions in any 7 days; you have published 3") {
			t.Fatalf("4th live: %v", err)
		}
		var lives int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM live_sessions WHERE creator_id = $1`, c.ID).Scan(&lives)
		if lives != 3 {
			t.Fatalf("%d lives stored after the refusal, want 3", lives)
		}

		// Videos count separately, five a week.
		video := func() error {
			return d.RunInTx(ctx, func(tx *db.Tx) error {
				return f.creators.UsePilotAllowance(ctx, tx, c.ID, creator.PilotVideo, id.New())
			})
		}
		for i := 0; i < 5; i++ {
			if err := video(); err != nil {
				t.Fatalf("video %d: %v", i+1, err)
			}
		}
		if err := video(); !errors.Is(err, creator.ErrPilotLimit) || !strings.Contains(err.Error(), "5 shoppable videos") {
			t.Fatalf("6th video: %v", err)
		}
		// The same video counted twice is one use.
		ref := id.New()
		d.ExecContext(ctx, `DELETE FROM pilot_uses WHERE kind = 'video'`)
		for i := 0; i < 2; i++ {
			if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.creators.UsePilotAllowance(ctx, tx, c.ID, creator.PilotVideo, ref) }); err != nil {
				t.Fatal(err)
			}
		}
		if e, _ := f.creators.Eligibility(ctx, c); e.VideosThisWeek != 1 || e.LivesThisWeek != 3 {
			t.Fatalf("counts %+v", e)
		}

		// Uses older than seven days fall out of the window.
		d.ExecContext(ctx, `UPDATE pilot_uses SET used_at = $1 WHERE kind = 'live'`, db.Micros(time.Now().Add(-8*24*time.Hour)))
		if err := schedule(); err != nil {
			t.Fatalf("a week later: %v", err)
		}

		// Policy, not code: lowering the pilot ceiling to the creator's followers ends the pilot.
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Creators.PilotBelowFollowers = 3 })
		for i := 0; i < 4; i++ {
			if err := schedule(); err != nil {
				t.Fatalf("out of the pilot, live %d: %v", i, err)
			}
		}
		// And the pilot ends after its days: a creator selling for 31 days is out of it.
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Creators.PilotBelowFollowers = 5 })
		d.ExecContext(ctx, `UPDATE creators SET selling_since = $1 WHERE id = $2`, db.Micros(time.Now().AddDate(0, 0, -31)), c.ID)
		c, _ = f.creators.Creator(ctx, c.ID)
		if e, _ := f.creators.Eligibility(ctx, c); e.InPilot {
			t.Fatalf("still in pilot after 31 days: %+v", e)
		}
	})
}

func TestSuspensionWithdrawsSellingRights(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true)
		actor, c := f.creator(t, "rulebreaker", 3)
		op := f.Operator(t)

		if err := f.creators.SuspendSelling(ctx, actor, c.ID, "counterfeit claims", time.Time{}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a creator suspends themselves: %v", err)
		}
		for _, tc := range []struct {
			reason string
			until  time.Time
			field  string
		}{{"", time.Time{}, "reason"}, {"ok reason", time.Now().Add(-time.Hour), "until"}} {
			if err := f.creators.SuspendSelling(ctx, op, c.ID, tc.reason, tc.until); errs.As(err) == nil || errs.As(err).Field != tc.field {
				t.Fatalf("bad %s: %v", tc.field, err)
			}
		}
		if c2, _ := f.creators.Creator(ctx, c.ID); c2.Suspension != nil {
			t.Fatalf("refused suspension stored: %+v", c2.Suspension)
		}
		if err := f.creators.SuspendSelling(ctx, op, 424242, "no one", time.Time{}); !errors.Is(err, creator.ErrCreatorNotFound) {
			t.Fatalf("unknown creator: %v", err)
		}

		if err := f.creators.SuspendSelling(ctx, op, c.ID, "misleading health claims", time.Now().Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		err := f.creators.AddToShowcase(ctx, actor, f.product.ID)
		if !errors.Is(err, creator.ErrSuspended) || !strings.Contains(err.Error(), "misleading health claims") {
			t.Fatalf("suspended creator adds to showcase: %v", err)
		}
		c, _ = f.creators.Creator(ctx, c.ID)
		if e, _ := f.creators.Eligibility(ctx, c); e.CanSell || !e.Suspended {
			t.Fatalf("eligibility while suspended %+v", e)
		}
		// A suspension that has run out no longer applies.
		d.ExecContext(ctx, `UPDATE creators SET suspended_until = $1 WHERE id = $2`, db.Micros(time.Now().Add(-time.Minute)), c.ID)
		if err := f.creators.AddToShowcase(ctx, actor, f.product.ID); err != nil {
			t.Fatalf("after the suspension ran out: %v", err)
		}
		f.creators.SuspendSelling(ctx, op, c.ID, "repeat violation", time.Time{})
		if _, err := f.creators.RequireSeller(ctx, actor); !errors.Is(err, creator.ErrSuspended) || !strings.Contains(err.Error(), "until an operator lifts it") {
			t.Fatalf("indefinite suspension: %v", err)
		}
		if list, err := f.creators.Suspended(ctx, op); err != nil || len(list) != 1 || list[0].ID != c.ID || list[0].Suspension.Reason != "repeat violation" {
			t.Fatalf("suspended list %+v %v", list, err)
		}
		if _, err := f.creators.Suspended(ctx, actor); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a creator lists suspensions: %v", err)
		}
		if err := f.creators.LiftSuspension(ctx, op, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.RequireSeller(ctx, actor); err != nil {
			t.Fatalf("after lifting: %v", err)
		}
		if list, _ := f.creators.Suspended(ctx, op); len(list) != 0 {
			t.Fatalf("lifted and still listed %+v", list)
		}
	})
}

func TestProfileCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		a := f.Actor(t, "cat")
		_, err := f.creators.CreateProfile(ctx, a, creator.ProfileInput{Handle: "cat", Market: "US", BirthDate: "1990-01-01", Categories: []string{"beauty", "rockets"}})
		if e := errs.As(err); e == nil || e.Field != "categories[1]" {
			t.Fatalf("unknown category: %v", err)
		}
		if _, err := f.creators.ByAccount(ctx, a.AccountID); !errors.Is(err, creator.ErrNoProfile) {
			t.Fatalf("refused profile stored: %v", err)
		}
		c, err := f.creators.CreateProfile(ctx, a, creator.ProfileInput{Handle: "cat", Market: "US", BirthDate: "1990-01-01", Categories: []string{"Beauty", "home"}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.creators.Creator(ctx, c.ID)
		if strings.Join(got.Categories, ",") != "beauty,home" {
			t.Fatalf("categories %v", got.Categories)
		}
		_ = auth.Creator
	})
}
