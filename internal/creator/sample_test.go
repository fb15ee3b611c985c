package creator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

func TestSamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		actor, c := f.creator(t, "sampler", 3)
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, Active: true})
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID}); errs.As(err) == nil || errs.As(err).Code != "no_free_samples" {
			t.Fatalf("no samples offered: %v", err)
		}
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, FreeSamples: true, Active: true})
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, SKUID: 4242}); errs.As(err) == nil || errs.As(err).Field != "sku_id" {
			t.Fatalf("wrong sku: %v", err)
		}
		if count(t, d, "samples") != 0 {
			t.Fatal("refused requests stored")
		}
		smp, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, Note: "for a try-on video"})
		if err != nil || smp.SKUID != f.product.SKUs[0].ID || smp.Status != creator.SampleRequested {
			t.Fatalf("request %+v %v", smp, err)
		}
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("second open request: %v", err)
		}
		// Only the shop's seller decides; approval needs a due date, rejection a reason.
		if _, err := f.creators.DecideSample(ctx, f.Actor(t, "bo", auth.Seller), smp.ID, creator.SampleDecision{Approve: true, ContentDueAt: time.Now().AddDate(0, 0, 14)}); err == nil {
			t.Fatal("another seller approved")
		}
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true}); errs.As(err) == nil || errs.As(err).Field != "content_due_at" {
			t.Fatalf("no due date: %v", err)
		}
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{}); errs.As(err) == nil || errs.As(err).Field != "reason" {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := f.creators.ShipSample(ctx, f.owner, smp.ID, "UPS", "1Z999"); !errors.Is(err, creator.ErrSampleState) {
			t.Fatalf("ship before approval: %v", err)
		}
		due := time.Now().AddDate(0, 0, 14)
		if smp, err = f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDueAt: due}); err != nil || smp.Status != creator.SampleApproved {
			t.Fatalf("approve %+v %v", smp, err)
		}
		if _, err := f.creators.ShipSample(ctx, f.owner, smp.ID, "UPS", ""); errs.As(err) == nil || errs.As(err).Field != "tracking_number" {
			t.Fatalf("no tracking: %v", err)
		}
		if smp, err = f.creators.ShipSample(ctx, f.owner, smp.ID, "UPS", "1Z999AA10123456784"); err != nil || smp.TrackingNumber != "1Z999AA10123456784" {
			t.Fatalf("ship %+v %v", smp, err)
		}
		if _, err := f.creators.FulfilSample(ctx, f.Actor(t, "x"), smp.ID, "video:1"); !errors.Is(err, creator.ErrNoProfile) {
			t.Fatalf("a stranger fulfils: %v", err)
		}
		// Past the due date with no content, both sides see it overdue.
		d.ExecContext(ctx, `UPDATE samples SET content_due_at = $1`, db.Micros(time.Now().Add(-time.Hour)))
		shop, _ := f.creators.ShopSamples(ctx, f.owner, f.product.ShopID, "")
		mine, _ := f.creators.MySamples(ctx, actor)
		if len(shop) != 1 || !shop[0].ContentOverdue || len(mine) != 1 || !mine[0].ContentOverdue || mine[0].CreatorID != c.ID {
			t.Fatalf("overdue: %+v / %+v", shop, mine)
		}
		if _, err := f.creators.ConfirmSampleReceived(ctx, actor, smp.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.FulfilSample(ctx, actor, smp.ID, ""); errs.As(err) == nil || errs.As(err).Field != "content_ref" {
			t.Fatalf("no content: %v", err)
		}
		if smp, err = f.creators.FulfilSample(ctx, actor, smp.ID, "https://liveshop.example/v/123"); err != nil || smp.Status != creator.SampleFulfilled || smp.ContentOverdue {
			t.Fatalf("fulfil %+v %v", smp, err)
		}
		// A new request is allowed once the last one is done; a rejection says why.
		smp2, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID})
		if err != nil {
			t.Fatal(err)
		}
		if smp2, err = f.creators.DecideSample(ctx, f.owner, smp2.ID, creator.SampleDecision{Reason: "one sample per creator"}); err != nil || smp2.RejectReason != "one sample per creator" {
			t.Fatalf("reject %+v %v", smp2, err)
		}
	})
}

// Publishing a video featuring the sampled product (or going live with it) fulfils
// the creator's waiting sample with a link to the content; another creator's content
// and a shop's own do not.
func TestSampleFulfilledByContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		if err := f.creators.Subscribe(f.Bus); err != nil {
			t.Fatal(err)
		}
		actor, c := f.creator(t, "sampler", 3)
		_, other := f.creator(t, "other", 3)
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, FreeSamples: true, Active: true})
		smp, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDueAt: time.Now().AddDate(0, 0, 14)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.ShipSample(ctx, f.owner, smp.ID, "UPS", "1Z999AA10123456784"); err != nil {
			t.Fatal(err)
		}
		publish := func(ev events.Event) {
			t.Helper()
			if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.Outbox.Add(ctx, tx, outbox.Aggregate("video", id.New()), ev) }); err != nil {
				t.Fatal(err)
			}
			f.RelayUntilIdle(t)
		}
		status := func() creator.Sample {
			mine, err := f.creators.MySamples(ctx, actor)
			if err != nil || len(mine) != 1 {
				t.Fatalf("samples %+v %v", mine, err)
			}
			return mine[0]
		}
		publish(events.VideoPublished{VideoID: 11, Market: "US", CreatorID: other.ID, ProductIDs: []id.ID{f.product.ID}})
		publish(events.VideoPublished{VideoID: 12, Market: "US", ShopID: f.product.ShopID, ProductIDs: []id.ID{f.product.ID}})
		if got := status(); got.Status != creator.SampleShipped {
			t.Fatalf("someone else's content fulfilled the sample: %+v", got)
		}
		publish(events.VideoPublished{VideoID: 13, Market: "US", CreatorID: c.ID, ProductIDs: []id.ID{f.product.ID}})
		if got := status(); got.Status != creator.SampleFulfilled || got.ContentRef != "/videos/13" || got.ContentOverdue {
			t.Fatalf("after the creator's video: %+v", got)
		}
	})
}
