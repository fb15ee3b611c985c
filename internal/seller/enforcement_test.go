package seller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// A late dispatch rate above the limit applies the policy's late-dispatch actions
// (a listing restriction and a settlement delay) through the enforcement actions:
// audited, on Account health, appealable; the shop's state does not change.
func TestLateDispatchAboveTheEnforcementThresholdAppliesActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		if err := c.Sellers.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Performance.MinDeliveredOrders = 10
			p.Performance.LateDispatchEnforceBP = 1000 // 10%
			p.Settlement.EnforcementDelayDays = 30
		})
		now := time.Now()
		ana, bo := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bo", auth.Seller)
		slow, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Slow Shop"})
		fine, _ := c.Sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Fine Shop"})
		ship := func(shop seller.Shop, n, late int, at time.Time) {
			for i := 0; i < n; i++ {
				oid := id.New()
				emit(t, k, events.OrderShipped{Order: events.Order{OrderID: oid, CheckoutID: oid, BuyerID: id.New(), ShopID: shop.ID, Market: "US", Currency: "USD"},
					Late: i < late, At: at})
			}
		}
		ship(slow, 12, 2, now.AddDate(0, 0, -2)) // 16.67%
		ship(fine, 12, 1, now.AddDate(0, 0, -2)) // 8.33%
		k.RelayUntilIdle(t)
		n, err := c.Sellers.EnforceAll(ctx, now)
		if err != nil || n != 1 {
			t.Fatalf("shops acted against: %d %v", n, err)
		}
		got, _ := c.Sellers.Shop(ctx, slow.ID)
		if got.Status != seller.Active || !got.CanSell() {
			t.Fatalf("the rule changed the shop's state: %s", got.Status)
		}
		h, err := c.Sellers.Health(ctx, slow.ID, now.Add(time.Minute))
		if err != nil || len(h.InForce) != 2 {
			t.Fatalf("health %+v %v", h, err)
		}
		byKind := map[string]seller.EnforcementAction{}
		for _, a := range h.InForce {
			byKind[a.Kind] = a
			if a.Source != seller.SourceLateDispatch || !a.EndsAt.IsZero() || !strings.Contains(a.Reason, "16.66%") || !strings.Contains(a.Reason, "10.00%") {
				t.Fatalf("action %+v", a)
			}
		}
		listing, delay := byKind[market.ActionListingRestriction], byKind[market.ActionSettlementDelay]
		if listing.ID == 0 || delay.ID == 0 {
			t.Fatalf("actions in force %+v", h.InForce)
		}
		if other, _ := c.Sellers.Health(ctx, fine.ID, now.Add(time.Minute)); len(other.InForce) != 0 {
			t.Fatalf("fine shop %+v", other.InForce)
		}
		// No new listings, payouts wait longer; the shop still sells.
		tea := catalog.ProductInput{Title: "Tea", SKUs: []catalog.SKUInput{{Price: money.New(500, "USD"), Stock: 1}}}
		_, err = c.Catalog.CreateProduct(ctx, ana, slow.ID, tea)
		wantErr(t, "listing under the late-dispatch restriction", err, "listing_restricted", "shop_id")
		if days, reason, _ := c.Sellers.SettlementDelay(ctx, slow.ID, now.Add(time.Minute)); days != 30 || reason != seller.DelayEnforcement {
			t.Fatalf("settlement %d %s", days, reason)
		}
		acts, _ := c.Sellers.Actions(ctx, ana, slow.ID)
		audited := 0
		for _, a := range acts {
			if strings.HasPrefix(a.Action, "enforcement_") && a.ActorID == 0 && strings.Contains(a.Reason, "16.66%") {
				audited++
			}
		}
		if audited != 2 {
			t.Fatalf("history %+v", acts)
		}
		// Running again changes nothing.
		if n, _ := c.Sellers.EnforceAll(ctx, now); n != 0 {
			t.Fatalf("applied again: %d", n)
		}
		// The seller appeals the listing restriction; an operator grants it.
		if _, err := c.Sellers.AppealAction(ctx, ana, listing.ID, "new carrier since Monday"); err != nil {
			t.Fatal(err)
		}
		if a, err := c.Sellers.DecideActionAppeal(ctx, k.Operator(t), listing.ID, true, "carrier change confirmed"); err != nil || a.Status != seller.ActionLifted {
			t.Fatalf("decision %+v %v", a, err)
		}
		if _, err := c.Catalog.CreateProduct(ctx, ana, slow.ID, tea); err != nil {
			t.Fatalf("listing after the appeal: %v", err)
		}
		// The rate is still above the limit, but nothing shipped late since the lift:
		// the lifted action is not applied again.
		if n, _ := c.Sellers.EnforceAll(ctx, now.Add(time.Hour)); n != 0 {
			t.Fatalf("applied again after the appeal: %d", n)
		}
		// A parcel ships late the next day: the listing restriction applies again.
		later := now.AddDate(0, 0, 1)
		ship(slow, 1, 1, later)
		k.RelayUntilIdle(t)
		if n, err := c.Sellers.EnforceAll(ctx, later); err != nil || n != 1 {
			t.Fatalf("after a new late parcel: %d %v", n, err)
		}
		h, _ = c.Sellers.Health(ctx, slow.ID, later.Add(time.Minute))
		if len(h.InForce) != 2 {
			t.Fatalf("in force after a new late parcel %+v", h.InForce)
		}
	})
}

func TestLateActionSpent(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	act := func(status string, ends, lifted time.Time) seller.EnforcementAction {
		return seller.EnforcementAction{Kind: market.ActionListingRestriction, Status: status, EndsAt: ends, LiftedAt: lifted}
	}
	var zero time.Time
	tests := []struct {
		name     string
		prior    []seller.EnforcementAction
		lastLate string
		spent    bool
	}{
		{"never applied", nil, "2026-03-09", false},
		{"in force until lifted", []seller.EnforcementAction{act(seller.ActionInForce, zero, zero)}, "2026-03-10", true},
		{"in force for days", []seller.EnforcementAction{act(seller.ActionInForce, now.AddDate(0, 0, 3), zero)}, "2026-03-10", true},
		{"lifted after the last late parcel", []seller.EnforcementAction{act(seller.ActionLifted, zero, now.AddDate(0, 0, -1))}, "2026-03-08", true},
		{"lifted the same day as the last late parcel", []seller.EnforcementAction{act(seller.ActionLifted, zero, now.AddDate(0, 0, -1))}, "2026-03-09", true},
		{"a parcel shipped late after the lift", []seller.EnforcementAction{act(seller.ActionLifted, zero, now.AddDate(0, 0, -2))}, "2026-03-09", false},
		{"its days ran out, not yet marked expired", []seller.EnforcementAction{act(seller.ActionInForce, now.AddDate(0, 0, -1), zero)}, "2026-03-08", true},
		{"expired before a new late parcel", []seller.EnforcementAction{act(seller.ActionExpired, now.AddDate(0, 0, -3), now.AddDate(0, 0, -3))}, "2026-03-09", false},
		{"another kind in force", []seller.EnforcementAction{{Kind: market.ActionSettlementDelay, Status: seller.ActionInForce}}, "2026-03-10", false},
	}
	for _, tt := range tests {
		if got := seller.LateActionSpent(tt.prior, market.ActionListingRestriction, now, tt.lastLate, day); got != tt.spent {
			t.Errorf("%s: spent %v, want %v", tt.name, got, tt.spent)
		}
	}
}

func TestLateDispatchActionsPolicyIsValidated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		ctx := context.Background()
		base, err := k.Markets.Policy(ctx, "US", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(base.Enforcement.LateDispatchActions) != 2 {
			t.Fatalf("default late-dispatch actions %+v", base.Enforcement.LateDispatchActions)
		}
		for _, tt := range []struct {
			actions []market.LateDispatchAction
			field   string
		}{
			{[]market.LateDispatchAction{{Action: "scold"}}, "enforcement.late_dispatch_actions[0].action"},
			{[]market.LateDispatchAction{{Action: market.ActionWarning}, {Action: market.ActionWarning}}, "enforcement.late_dispatch_actions[1].action"},
			{[]market.LateDispatchAction{{Action: market.ActionWarning, Days: -1}}, "enforcement.late_dispatch_actions[0].days"},
		} {
			p := base
			p.Enforcement.LateDispatchActions = tt.actions
			_, err := k.Markets.SetPolicy(ctx, k.Operator(t), "US", time.Now().Add(time.Hour), p, "bad")
			if e := errs.As(err); e == nil || e.Field != tt.field {
				t.Errorf("%+v: %v, want a refusal on %s", tt.actions, err, tt.field)
			}
		}
	})
}
