package seller_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestViolationsAndAppeals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		ana, op := k.Actor(t, "ana", auth.Seller), k.Operator(t)
		shop, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		points := func() int64 {
			ts, err := s.TierStatus(ctx, shop.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return ts.Stats.ViolationPoints
		}
		bad := []struct {
			in          seller.ViolationInput
			code, field string
		}{
			{seller.ViolationInput{Reason: "x", Points: 2, Days: 90}, "invalid_field", "code"},
			{seller.ViolationInput{Code: "late_dispatch", Points: 2, Days: 90}, "reason_required", "reason"},
			{seller.ViolationInput{Code: "late_dispatch", Reason: "x", Points: -1, Days: 90}, "invalid_field", "points"},
			{seller.ViolationInput{Code: "late_dispatch", Reason: "x", Points: 2}, "invalid_field", "days"},
		}
		for _, b := range bad {
			_, err := s.RecordViolation(ctx, op, shop.ID, b.in)
			wantErr(t, b.in.Code, err, b.code, b.field)
		}
		_, err := s.RecordViolation(ctx, ana, shop.ID, seller.ViolationInput{Code: "x", Reason: "x", Points: 1, Days: 1})
		wantErr(t, "seller records", err, "forbidden", "")
		if points() != 0 {
			t.Fatal("refused violations counted")
		}
		late, err := s.RecordViolation(ctx, op, shop.ID, seller.ViolationInput{Code: "late_dispatch", Reason: "12% of orders shipped late", Points: 2, Days: 90})
		if err != nil {
			t.Fatal(err)
		}
		fake, _ := s.RecordViolation(ctx, op, shop.ID, seller.ViolationInput{Code: "counterfeit", Reason: "brand complaint", Points: 6, Days: 180})
		if points() != 8 {
			t.Fatalf("points %d", points())
		}
		_, err = s.Appeal(ctx, ana, fake.ID, "")
		wantErr(t, "empty appeal", err, "invalid_field", "appeal")
		_, err = s.Appeal(ctx, k.Actor(t, "bo", auth.Seller), fake.ID, "not mine either")
		wantErr(t, "other seller appeals", err, "not_your_shop", "")
		if v, err := s.Appeal(ctx, ana, fake.ID, "Invoice from the brand attached"); err != nil || v.Status != seller.ViolationAppealed {
			t.Fatalf("appeal %+v %v", v, err)
		}
		if q, err := s.AppealQueue(ctx, op); err != nil || len(q) != 1 || q[0].ID != fake.ID {
			t.Fatalf("appeal queue %+v %v", q, err)
		}
		_, err = s.Appeal(ctx, ana, fake.ID, "again")
		wantErr(t, "second appeal", err, "not_appealable", "")
		if points() != 8 {
			t.Fatal("an appeal alone took points away")
		}
		_, err = s.DecideAppeal(ctx, op, late.ID, true, "not appealed")
		wantErr(t, "deciding an unappealed violation", err, "not_appealable", "")
		if v, err := s.DecideAppeal(ctx, op, fake.ID, true, "invoice checks out"); err != nil || v.Status != seller.ViolationOverturned {
			t.Fatalf("overturn %+v %v", v, err)
		}
		if points() != 2 {
			t.Fatalf("points after overturn %d", points())
		}
		vs, _ := s.Violations(ctx, ana, shop.ID)
		if len(vs) != 2 || vs[0].Decision != "invoice checks out" {
			t.Fatalf("violations %+v", vs)
		}
		acts, _ := s.Actions(ctx, ana, shop.ID)
		// 8 points had reached the default ladder's warning and listing restriction;
		// overturning the violation lifted both, after the decision.
		if acts[0].Action != "enforcement_lifted" || acts[1].Action != "enforcement_lifted" || acts[2].Action != "appeal_overturned" || acts[3].Action != "appeal" {
			t.Fatalf("audit %+v", acts[:4])
		}
	})
}
