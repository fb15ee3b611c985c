package seller_test

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func wantErr(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != code || e.Field != field {
		t.Fatalf("%s: %v, want %s on %q", what, err, code, field)
	}
}

func TestCrossBorderShopsWaitForReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) { p.Shops.CrossBorderMinAnnualGMV = 2_000_000_00 })
		ana := k.Actor(t, "ana", auth.Seller)

		_, err := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Shenzhen Direct", Kind: seller.CrossBorder, AnnualGMVElsewhere: 1_000_000_00})
		wantErr(t, "too little GMV elsewhere", err, "cross_border_ineligible", "annual_gmv_elsewhere")
		_, err = s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Shenzhen Direct", Kind: seller.CrossBorder, AnnualGMVElsewhere: -1})
		wantErr(t, "negative GMV", err, "invalid_field", "annual_gmv_elsewhere")
		if mine, _ := s.ShopsOf(ctx, ana.AccountID); len(mine) != 0 {
			t.Fatalf("refused registrations left %d shops", len(mine))
		}

		shop, err := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Shenzhen Direct", Kind: seller.CrossBorder,
			LegalName: "SZ Direct Ltd", RegistrationNumber: "91440300", AnnualGMVElsewhere: 3_000_000_00, Documents: "licence.pdf"})
		if err != nil {
			t.Fatal(err)
		}
		if shop.Status != seller.Pending || shop.ReviewState != seller.Submitted || !shop.ActivatedAt.IsZero() || shop.CanSell() {
			t.Fatalf("cross-border shop %+v", shop)
		}
		// A local shop in a market without review is active at once; with review it waits.
		local, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana Local"})
		if local.Status != seller.Active || local.ReviewState != seller.NotReviewed {
			t.Fatalf("local shop %+v", local)
		}
		k.SetPolicy(t, "GB", func(p *market.Policy) { p.Shops.ReviewRequired = true })
		gb, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "GB", Name: "Ana UK"})
		if gb.Status != seller.Pending || gb.ReviewState != seller.Submitted {
			t.Fatalf("GB shop under review policy %+v", gb)
		}

		op := k.Operator(t)
		queue, err := s.ReviewQueue(ctx, op, "US", false)
		if err != nil || len(queue) != 1 || queue[0].ID != shop.ID {
			t.Fatalf("US queue %v %v", queue, err)
		}
		if _, err := s.ReviewQueue(ctx, ana, "", false); errs.As(err) == nil || errs.As(err).Code != "forbidden" {
			t.Fatalf("seller read the queue: %v", err)
		}

		// Refusals change nothing.
		_, err = s.Decide(ctx, op, shop.ID, seller.Reject, "  ")
		wantErr(t, "reject without reason", err, "reason_required", "reason")
		_, err = s.Decide(ctx, op, shop.ID, "maybe", "")
		wantErr(t, "unknown decision", err, "reason_required", "reason")
		_, err = s.Decide(ctx, op, shop.ID, "maybe", "why not")
		wantErr(t, "unknown decision", err, "bad_shop_transition", "decision")
		_, err = s.Decide(ctx, ana, shop.ID, seller.Approve, "")
		wantErr(t, "seller approving", err, "forbidden", "")
		_, err = s.Decide(ctx, op, local.ID, seller.Approve, "")
		wantErr(t, "approving an active shop", err, "shop_not_in_review", "")

		// Ask for more; the seller answers; the operator approves.
		got, err := s.Decide(ctx, op, shop.ID, seller.RequestInfo, "Upload the business licence's translation")
		if err != nil || got.ReviewState != seller.InfoRequested || got.Status != seller.Pending || got.StatusReason == "" {
			t.Fatalf("request info: %+v %v", got, err)
		}
		if q, _ := s.ReviewQueue(ctx, op, "US", false); len(q) != 0 {
			t.Fatalf("shop with the seller still in the operators' queue")
		}
		if _, err := s.Resubmit(ctx, k.Actor(t, "bo", auth.Seller), shop.ID, seller.RegisterInput{}); errs.As(err).Code != "not_your_shop" {
			t.Fatalf("another seller resubmitted: %v", err)
		}
		got, err = s.Resubmit(ctx, ana, shop.ID, seller.RegisterInput{LegalName: "SZ Direct Ltd", RegistrationNumber: "91440300",
			AnnualGMVElsewhere: 3_000_000_00, Documents: "licence.pdf\nlicence-en.pdf"})
		if err != nil || got.ReviewState != seller.Submitted || got.Documents != "licence.pdf\nlicence-en.pdf" {
			t.Fatalf("resubmit: %+v %v", got, err)
		}
		got, err = s.Decide(ctx, op, shop.ID, seller.Approve, "")
		if err != nil || got.Status != seller.Active || got.ReviewState != seller.Approved || got.ActivatedAt.IsZero() || !got.CanSell() {
			t.Fatalf("approve: %+v %v", got, err)
		}
		_, err = s.Decide(ctx, op, shop.ID, seller.Approve, "")
		wantErr(t, "approving twice", err, "shop_not_in_review", "")

		// Rejection closes the shop with the reason.
		got, err = s.Decide(ctx, op, gb.ID, seller.Reject, "Registration number does not match the company register")
		if err != nil || got.Status != seller.Deactivated || got.ReviewState != seller.RejectedShop || got.StatusReason == "" {
			t.Fatalf("reject: %+v %v", got, err)
		}

		acts, err := s.Actions(ctx, ana, shop.ID)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for i := len(acts) - 1; i >= 0; i-- {
			seq = append(seq, acts[i].Action)
		}
		if want := "registered request_info resubmitted approve"; join(seq) != want {
			t.Fatalf("actions %q, want %q", join(seq), want)
		}
	})
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

func TestShopStatusTransitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		op := k.Operator(t)
		shop, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		pending, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana Abroad", Kind: seller.CrossBorder})

		steps := []struct {
			shop      seller.Shop
			to        seller.Status
			reason    string
			wantCode  string
			canSell   bool
			actorSelf bool
		}{
			{shop, seller.Restricted, "late dispatch above 10%", "", true, false},
			{shop, seller.Suspended, "counterfeit listings", "", false, false},
			{shop, seller.Active, "", "reason_required", false, false},
			{shop, seller.Active, "appeal upheld", "", true, false},
			{shop, seller.Pending, "back to review", "bad_shop_transition", true, false},
			{shop, seller.Active, "I fixed it", "forbidden", true, true},
			{pending, seller.Active, "skip review", "bad_shop_transition", false, false},
			{shop, seller.Deactivated, "closed at the seller's request", "", false, false},
			{shop, seller.Active, "reopen", "bad_shop_transition", false, false},
		}
		for i, st := range steps {
			actor := op
			if st.actorSelf {
				actor = ana
			}
			_, err := s.SetStatus(ctx, actor, st.shop.ID, st.to, st.reason)
			if st.wantCode == "" && err != nil || st.wantCode != "" && (errs.As(err) == nil || errs.As(err).Code != st.wantCode) {
				t.Fatalf("step %d (%s -> %s): %v, want %q", i, st.shop.Name, st.to, err, st.wantCode)
			}
			got, _ := s.Shop(ctx, st.shop.ID)
			if got.CanSell() != st.canSell {
				t.Fatalf("step %d: %s can sell %v, want %v", i, got.Status, got.CanSell(), st.canSell)
			}
		}
		acts, _ := s.Actions(ctx, op, shop.ID)
		if len(acts) != 5 || acts[0].ToStatus != seller.Deactivated || acts[0].Reason != "closed at the seller's request" || acts[0].ActorID != op.AccountID {
			t.Fatalf("audit %+v", acts)
		}
	})
}
