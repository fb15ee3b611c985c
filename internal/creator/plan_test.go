package creator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func (f fixture) newProduct(t *testing.T, title string, price int64) catalog.Product {
	t.Helper()
	p, err := f.catalog.CreateProduct(context.Background(), f.owner, f.product.ShopID, catalog.ProductInput{Title: title, SKUs: []catalog.SKUInput{{Price: money.New(price, "USD"), Stock: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenPlanTerms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		for _, tc := range []struct {
			in    creator.OpenPlanInput
			field string
		}{
			{creator.OpenPlanInput{CommissionBP: 0, Active: true}, "commission_bp"},
			{creator.OpenPlanInput{CommissionBP: 99, Active: true}, "commission_bp"},
			{creator.OpenPlanInput{CommissionBP: 8001, Active: true}, "commission_bp"},
			{creator.OpenPlanInput{CommissionBP: 1000, AdsCommissionBP: 9000, Active: true}, "ads_commission_bp"},
			{creator.OpenPlanInput{CommissionBP: 1000, Category: "rockets", Active: true}, "category"},
		} {
			_, err := f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, tc.in)
			if e := errs.As(err); e == nil || e.Field != tc.field {
				t.Errorf("%+v: %v", tc.in, err)
			}
		}
		if _, found, _ := f.creators.Offer(ctx, f.product.ID); found {
			t.Fatal("a refused plan was stored")
		}
		// 1% and 80% are the ends of the US range.
		for _, bp := range []money.BP{100, 8000} {
			if _, err := f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: bp, Active: true}); err != nil {
				t.Fatalf("%d: %v", bp, err)
			}
		}
		if _, err := f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1200, AdsCommissionBP: 600,
			RequiresApproval: true, FreeSamples: true, Category: "beauty", Active: true}); err != nil {
			t.Fatal(err)
		}
		actor, c := f.creator(t, "applicant", 3)
		if err := f.creators.AddToShowcase(ctx, actor, f.product.ID); !errors.Is(err, creator.ErrAwaitingApproval) {
			t.Fatalf("before approval: %v", err)
		}
		if err := f.creators.Apply(ctx, actor, f.product.ID); err != nil {
			t.Fatal(err)
		}
		apps, err := f.creators.Applications(ctx, f.owner, f.product.ShopID, creator.ApprovalPending)
		if err != nil || len(apps) != 1 || apps[0].CreatorID != c.ID || apps[0].Followers != 3 {
			t.Fatalf("applications %+v %v", apps, err)
		}
		if err := f.creators.DecideApplication(ctx, f.Actor(t, "bo", auth.Seller), f.product.ID, c.ID, true); err == nil {
			t.Fatal("another seller approved")
		}
		if err := f.creators.DecideApplication(ctx, f.owner, f.product.ID, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.AddToShowcase(ctx, actor, f.product.ID); err != nil {
			t.Fatalf("after approval: %v", err)
		}
		// The open rate, the ads rate; SetOffer keeps the other terms.
		if bp, _ := f.creators.CommissionFor(ctx, c.ID, f.product.ID); bp != 1200 {
			t.Fatalf("rate %d", bp)
		}
		if bp, _ := f.creators.CommissionForAds(ctx, c.ID, f.product.ID); bp != 600 {
			t.Fatalf("ads rate %d", bp)
		}
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1500, true)
		if o, _, _ := f.creators.Offer(ctx, f.product.ID); o.AdsCommissionBP != 600 || !o.RequiresApproval || !o.FreeSamples || o.Category != "beauty" {
			t.Fatalf("SetOffer lost terms: %+v", o)
		}
	})
}

func TestTargetPlans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		exclusive := f.newProduct(t, "Exclusive serum", 5000)
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1000, true) // the gloss is open at 10%
		star, starC := f.creator(t, "invited", 3)
		other, otherC := f.creator(t, "uninvited", 3)
		base := creator.TargetPlanInput{ShopID: f.product.ShopID, Name: "Holiday push", CommissionBP: 2500, FlatFee: 10000,
			ProductIDs: []id.ID{f.product.ID, exclusive.ID}, CreatorIDs: []id.ID{starC.ID}, FlashSaleRequested: true, ExpiresAt: time.Now().Add(72 * time.Hour)}

		many := func(n int, first id.ID) []id.ID {
			ids := []id.ID{first}
			for len(ids) < n {
				ids = append(ids, id.New())
			}
			return ids
		}
		bad := []struct {
			name  string
			edit  func(in *creator.TargetPlanInput)
			field string
		}{
			{"51st creator", func(in *creator.TargetPlanInput) { in.CreatorIDs = many(51, starC.ID) }, "creator_ids"},
			{"101st product", func(in *creator.TargetPlanInput) { in.ProductIDs = many(101, f.product.ID) }, "product_ids"},
			{"no terms", func(in *creator.TargetPlanInput) { in.CommissionBP, in.FlatFee = 0, 0 }, "commission_bp"},
			{"rate above 80%", func(in *creator.TargetPlanInput) { in.CommissionBP = 8100 }, "commission_bp"},
			{"negative fee", func(in *creator.TargetPlanInput) { in.FlatFee = -1 }, "flat_fee"},
			{"past expiry", func(in *creator.TargetPlanInput) { in.ExpiresAt = time.Now().Add(-time.Hour) }, "expires_at"},
			{"no name", func(in *creator.TargetPlanInput) { in.Name = " " }, "name"},
			{"unknown product", func(in *creator.TargetPlanInput) { in.ProductIDs = []id.ID{f.product.ID, 4242} }, "product_ids[1]"},
			{"unknown creator", func(in *creator.TargetPlanInput) { in.CreatorIDs = []id.ID{starC.ID, 4242} }, "creator_ids[1]"},
			{"creator twice", func(in *creator.TargetPlanInput) { in.CreatorIDs = []id.ID{starC.ID, starC.ID} }, "creator_ids[1]"},
		}
		for _, tc := range bad {
			in := base
			tc.edit(&in)
			_, err := f.creators.CreateTargetPlan(ctx, f.owner, in)
			if e := errs.As(err); e == nil || e.Field != tc.field {
				t.Errorf("%s: %v", tc.name, err)
			} else if tc.name == "51st creator" && !strings.Contains(e.Error(), "1-50 creators") {
				t.Errorf("51st creator message: %v", e)
			}
		}
		if n := count(t, d, "target_plans") + count(t, d, "target_plan_creators") + count(t, d, "target_plan_products"); n != 0 {
			t.Fatalf("refused plans left %d rows", n)
		}
		if _, err := f.creators.CreateTargetPlan(ctx, f.Actor(t, "bo", auth.Seller), base); err == nil {
			t.Fatal("another seller made a plan for this shop")
		}
		// 50 creators is the limit, not over it: the count passes and the unknown ids are what is refused.
		in := base
		in.CreatorIDs = many(50, starC.ID)
		if _, err := f.creators.CreateTargetPlan(ctx, f.owner, in); errs.As(err) == nil || errs.As(err).Field != "creator_ids[1]" {
			t.Fatalf("50 creators: %v", err)
		}

		plan, err := f.creators.CreateTargetPlan(ctx, f.owner, base)
		if err != nil {
			t.Fatal(err)
		}
		if plan.FlatFee != money.New(10000, "USD") || len(plan.Creators) != 1 || plan.Creators[0].Status != creator.InvitationInvited {
			t.Fatalf("plan %+v", plan)
		}
		// Products offered only in the plan: refused to creators outside it, and to
		// the invited one until they accept.
		if err := f.creators.AddToShowcase(ctx, other, exclusive.ID); !errors.Is(err, creator.ErrNotInPlan) || errs.As(err).Field != "product_id" {
			t.Fatalf("uninvited creator adds the exclusive: %v", err)
		}
		if err := f.creators.AddToShowcase(ctx, star, exclusive.ID); !errors.Is(err, creator.ErrNotInPlan) {
			t.Fatalf("before accepting: %v", err)
		}
		if count(t, d, "showcase_items") != 0 {
			t.Fatal("refused showcase adds stored")
		}
		invs, _ := f.creators.Invitations(ctx, star)
		if len(invs) != 1 || invs[0].Status != creator.InvitationInvited || !invs[0].FlashSaleRequested {
			t.Fatalf("invitations %+v", invs)
		}
		if err := f.creators.RespondToInvitation(ctx, other, plan.ID, true); !errors.Is(err, creator.ErrPlanNotFound) {
			t.Fatalf("uninvited accepts: %v", err)
		}
		if err := f.creators.RespondToInvitation(ctx, star, plan.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.RespondToInvitation(ctx, star, plan.ID, false); !errors.Is(err, creator.ErrInvitationClosed) {
			t.Fatalf("answering twice: %v", err)
		}
		for _, pid := range []id.ID{f.product.ID, exclusive.ID} {
			if err := f.creators.AddToShowcase(ctx, star, pid); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.creators.AddToShowcase(ctx, other, f.product.ID); err != nil {
			t.Fatal(err)
		}
		// The plan's 25% overrides the open 10% for the invited creator, ads included;
		// the other creator keeps the open rate.
		for _, tc := range []struct {
			c    creator.Creator
			p    id.ID
			want money.BP
		}{{starC, f.product.ID, 2500}, {starC, exclusive.ID, 2500}, {otherC, f.product.ID, 1000}} {
			if bp, err := f.creators.CommissionFor(ctx, tc.c.ID, tc.p); err != nil || bp != tc.want {
				t.Errorf("%s on %d: %d %v, want %d", tc.c.Handle, tc.p, bp, err, tc.want)
			}
		}
		if bp, _ := f.creators.CommissionForAds(ctx, starC.ID, f.product.ID); bp != 2500 {
			t.Errorf("ads rate under the plan %d", bp)
		}
		plans, _ := f.creators.ShopPlans(ctx, f.owner, f.product.ShopID)
		if len(plans) != 1 || plans[0].Creators[0].Status != creator.InvitationAccepted || plans[0].Creators[0].FeeDueAt.IsZero() {
			t.Fatalf("shop plans %+v", plans)
		}

		// The flat fee is owed by the due date; past it, operators see the shop.
		op := f.Operator(t)
		if shops, _ := f.creators.OverdueShops(ctx, op); len(shops) != 0 {
			t.Fatalf("fee overdue before its date: %+v", shops)
		}
		d.ExecContext(ctx, `UPDATE target_plan_creators SET fee_due_at = $1 WHERE status = 'accepted'`, db.Micros(time.Now().Add(-time.Hour)))
		if shops, _ := f.creators.OverdueShops(ctx, op); len(shops) != 1 || shops[0].Owed[0] != money.New(10000, "USD") {
			t.Fatalf("overdue fee: %+v", shops)
		}
		if n, err := f.creators.MarkShopCommissionsPaid(ctx, op, f.product.ShopID); err != nil || n != 1 {
			t.Fatalf("fee paid: %d %v", n, err)
		}
		if shops, _ := f.creators.OverdueShops(ctx, op); len(shops) != 0 {
			t.Fatalf("paid fee still overdue: %+v", shops)
		}

		// Showcase order and removal.
		items, _ := f.creators.Showcase(ctx, starC.ID)
		if len(items) != 2 || items[0].ID != f.product.ID || items[1].PlanID != plan.ID {
			t.Fatalf("showcase %+v", items)
		}
		if err := f.creators.ReorderShowcase(ctx, star, []id.ID{exclusive.ID}); errs.As(err) == nil || errs.As(err).Field != "product_ids" {
			t.Fatalf("reorder missing one: %v", err)
		}
		if err := f.creators.ReorderShowcase(ctx, star, []id.ID{exclusive.ID, exclusive.ID}); errs.As(err) == nil || errs.As(err).Field != "product_ids[1]" {
			t.Fatalf("reorder twice: %v", err)
		}
		if err := f.creators.ReorderShowcase(ctx, star, []id.ID{exclusive.ID, f.product.ID}); err != nil {
			t.Fatal(err)
		}
		if items, _ := f.creators.Showcase(ctx, starC.ID); items[0].ID != exclusive.ID {
			t.Fatalf("after reorder %v", items[0].Title)
		}
		if err := f.creators.RemoveFromShowcase(ctx, star, exclusive.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.RemoveFromShowcase(ctx, star, exclusive.ID); !errors.Is(err, creator.ErrNotInShowcase) {
			t.Fatalf("removing twice: %v", err)
		}

		// Expiry: unanswered invitations show as expired and cannot be answered; the
		// plan's rate stops and the open rate applies again.
		third, thirdC := f.creator(t, "late", 3)
		in = base
		in.CreatorIDs = []id.ID{thirdC.ID}
		plan2, err := f.creators.CreateTargetPlan(ctx, f.owner, in)
		if err != nil {
			t.Fatal(err)
		}
		d.ExecContext(ctx, `UPDATE target_plans SET expires_at = $1`, db.Micros(time.Now().Add(-time.Minute)))
		if err := f.creators.RespondToInvitation(ctx, third, plan2.ID, true); !errors.Is(err, creator.ErrInvitationClosed) {
			t.Fatalf("after expiry: %v", err)
		}
		if invs, _ := f.creators.Invitations(ctx, third); invs[0].Status != creator.InvitationExpired {
			t.Fatalf("expired invitation shows %q", invs[0].Status)
		}
		if bp, _ := f.creators.CommissionFor(ctx, starC.ID, f.product.ID); bp != 1000 {
			t.Fatalf("rate after the plan expired %d", bp)
		}
		_ = fmt.Sprint
	})
}
