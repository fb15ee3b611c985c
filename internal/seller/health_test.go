package seller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// ladder is a small enforcement ladder for tests.
func ladder(p *market.Policy) {
	p.Enforcement = market.EnforcementPolicy{
		PointsWindowDays: 30,
		HealthBands:      []market.HealthBand{{Name: "Good", MinPoints: 0}, {Name: "Fair", MinPoints: 2}, {Name: "Poor", MinPoints: 5}},
		Thresholds: []market.EnforcementThreshold{
			{Points: 2, Action: market.ActionWarning},
			{Points: 3, Action: market.ActionListingRestriction, Days: 7},
			{Points: 5, Action: market.ActionOrderRestriction, Days: 3},
			{Points: 5, Action: market.ActionSettlementDelay, Days: 30},
			{Points: 8, Action: market.ActionSuspension},
			{Points: 12, Action: market.ActionDeactivation},
		},
	}
	p.Settlement.EnforcementDelayDays = 45
	p.Probation.Days = 0
	p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee = 0, 0, 0
}

func kinds(as []seller.EnforcementAction) string {
	var ks []string
	for _, a := range as {
		ks = append(ks, a.Kind)
	}
	return strings.Join(ks, ",")
}

func TestHealthRatingFromPolicyBands(t *testing.T) {
	p := market.EnforcementPolicy{HealthBands: []market.HealthBand{{Name: "Good", MinPoints: 0}, {Name: "Fair", MinPoints: 2}, {Name: "Poor", MinPoints: 5}}}
	for _, tt := range []struct {
		points int
		want   string
	}{{0, "Good"}, {1, "Good"}, {2, "Fair"}, {4, "Fair"}, {5, "Poor"}, {99, "Poor"}} {
		if got := p.Health(tt.points); got != tt.want {
			t.Errorf("%d points: %s, want %s", tt.points, got, tt.want)
		}
	}
}

func TestEnforcementPolicyIsValidated(t *testing.T) {
	base := func() market.Policy {
		var p market.Policy
		testPolicy(t, &p)
		return p
	}
	for _, tt := range []struct {
		name   string
		change func(p *market.Policy)
		field  string
	}{
		{"no window", func(p *market.Policy) { p.Enforcement.PointsWindowDays = 0 }, "enforcement.points_window_days"},
		{"first band above 0", func(p *market.Policy) { p.Enforcement.HealthBands[0].MinPoints = 1 }, "enforcement.health_bands"},
		{"bands out of order", func(p *market.Policy) { p.Enforcement.HealthBands[2].MinPoints = 1 }, "enforcement.health_bands[2].min_points"},
		{"unknown action", func(p *market.Policy) { p.Enforcement.Thresholds[0].Action = "fine" }, "enforcement.thresholds[0].action"},
		{"zero points", func(p *market.Policy) { p.Enforcement.Thresholds[1].Points = 0 }, "enforcement.thresholds[1].points"},
		{"negative days", func(p *market.Policy) { p.Enforcement.Thresholds[1].Days = -1 }, "enforcement.thresholds[1].days"},
	} {
		p := base()
		tt.change(&p)
		wantErr(t, tt.name, p.Validate(), "invalid_field", tt.field)
	}
}

// testPolicy fills p with the US policy in force (valid) and the test ladder.
func testPolicy(t *testing.T, p *market.Policy) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		got, err := k.Markets.Policy(context.Background(), "US", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ladder(&got)
		if err := got.Validate(); err != nil {
			t.Fatal(err)
		}
		*p = got
	})
}

func TestViolationPointsApplyTheEnforcementLadder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		k.SetPolicy(t, "US", ladder)
		op := k.Operator(t)
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		prod, err := c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: "Gloss", SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		violate := func(points int) seller.Violation {
			t.Helper()
			v, err := c.Sellers.RecordViolation(ctx, op, shop.ID, seller.ViolationInput{Code: "late_dispatch", Reason: "shipped late", Points: points, Days: 90})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		health := func() seller.Health {
			t.Helper()
			h, err := c.Sellers.Health(ctx, shop.ID, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		list := func() error {
			_, err := c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: "Balm", SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
			return err
		}
		addr := order.Address{Name: "Bea", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}
		buy := func(key string) error {
			_, err := c.Orders.Checkout(ctx, k.Actor(t, "bea"), order.CheckoutInput{IdempotencyKey: key, Market: "US",
				Lines: []order.LineInput{{SKUID: prod.SKUs[0].ID, Quantity: 1}}, ShippingAddress: addr, PaymentMethod: "pm_card_visa"})
			return err
		}

		// 1 point: Good, nothing applied.
		violate(1)
		if h := health(); h.Points != 1 || h.Rating != "Good" || len(h.InForce) != 0 || h.Next == nil || h.Next.Points != 2 {
			t.Fatalf("1 point: %+v", h)
		}
		// 2 points: a warning, nothing blocked.
		violate(1)
		if h := health(); h.Rating != "Fair" || kinds(h.InForce) != "warning" {
			t.Fatalf("2 points: %s %s", h.Rating, kinds(h.InForce))
		}
		if err := list(); err != nil {
			t.Fatalf("a warning blocked listing: %v", err)
		}
		// 3 points: listing restriction for 7 days, enforced at product creation.
		violate(1)
		wantErr(t, "listing under restriction", list(), "listing_restricted", "shop_id")
		if err := buy("k1"); err != nil {
			t.Fatalf("listing restriction blocked orders: %v", err)
		}
		if days, reason, _ := c.Sellers.SettlementDelay(ctx, shop.ID, time.Now()); days != 7 || reason != seller.DelayStandard {
			t.Fatalf("settlement before the delay action: %d %s", days, reason)
		}
		// 5 points: order restriction and settlement delay.
		violate(2)
		h := health()
		if h.Rating != "Poor" || kinds(h.InForce) != "settlement_delay,order_restriction,listing_restriction,warning" {
			t.Fatalf("5 points: %s %s", h.Rating, kinds(h.InForce))
		}
		err = buy("k2")
		wantErr(t, "checkout under order restriction", err, "shop_order_restricted", "lines[0].sku_id")
		if !strings.Contains(err.Error(), "Ana's cannot take orders until") {
			t.Fatalf("message %v", err)
		}
		if days, reason, _ := c.Sellers.SettlementDelay(ctx, shop.ID, time.Now().Add(time.Minute)); days != 45 || reason != seller.DelayEnforcement {
			t.Fatalf("settlement under the delay action: %d %s", days, reason)
		}
		if sh, _ := c.Sellers.Shop(ctx, shop.ID); sh.Status != seller.Active {
			t.Fatalf("restrictions changed the shop state: %s", sh.Status)
		}
		// The job changes nothing more while nothing new happens.
		if n, err := c.Sellers.ApplyEnforcement(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("job applied %d %v", n, err)
		}
		// The order restriction ends after its 3 days (the job marks it expired).
		in4 := time.Now().AddDate(0, 0, 4)
		if _, err := c.Sellers.ApplyEnforcement(ctx, in4); err != nil {
			t.Fatal(err)
		}
		h, _ = c.Sellers.Health(ctx, shop.ID, in4)
		if kinds(h.InForce) != "settlement_delay,listing_restriction,warning" {
			t.Fatalf("after 4 days: %s", kinds(h.InForce))
		}

		// Seller appeals the listing restriction; the operator grants it: lifted.
		var lr seller.EnforcementAction
		for _, a := range h.InForce {
			if a.Kind == market.ActionListingRestriction {
				lr = a
			}
		}
		_, err = c.Sellers.AppealAction(ctx, ana, lr.ID, "")
		wantErr(t, "empty appeal", err, "invalid_field", "appeal")
		_, err = c.Sellers.AppealAction(ctx, k.Actor(t, "bo", auth.Seller), lr.ID, "not mine")
		wantErr(t, "someone else's appeal", err, "not_your_shop", "")
		if _, err := c.Sellers.AppealAction(ctx, ana, lr.ID, "the carrier lost the parcels, see ticket 123"); err != nil {
			t.Fatal(err)
		}
		_, err = c.Sellers.AppealAction(ctx, ana, lr.ID, "again")
		wantErr(t, "second appeal", err, "action_not_appealable", "")
		q, _ := c.Sellers.ActionAppealQueue(ctx, op)
		if len(q) != 1 || q[0].ID != lr.ID {
			t.Fatalf("queue %+v", q)
		}
		_, err = c.Sellers.DecideActionAppeal(ctx, ana, lr.ID, true, "self-service")
		wantErr(t, "seller decides", err, "forbidden", "")
		_, err = c.Sellers.DecideActionAppeal(ctx, op, lr.ID, true, "")
		wantErr(t, "no note", err, "reason_required", "note")
		got, err := c.Sellers.DecideActionAppeal(ctx, op, lr.ID, true, "carrier confirmed the loss")
		if err != nil || got.Status != seller.ActionLifted || got.AppealStatus != seller.AppealGranted {
			t.Fatalf("granted %+v %v", got, err)
		}
		if err := list(); err != nil {
			t.Fatalf("listing after the lifted restriction: %v", err)
		}
		// The lifted action is not applied again without a new violation.
		if n, _ := c.Sellers.ApplyEnforcement(ctx, time.Now()); n != 0 {
			t.Fatalf("reapplied %d", n)
		}

		// 8 points: suspension changes the shop state; overturning the violation
		// that pushed the points there lifts it and the shop is active again.
		v := violate(3)
		sh, _ := c.Sellers.Shop(ctx, shop.ID)
		if sh.Status != seller.Suspended || !strings.Contains(sh.StatusReason, "Suspension") {
			t.Fatalf("suspension: %s %q", sh.Status, sh.StatusReason)
		}
		// A new violation re-applies the listing restriction (points still reach it).
		if h := health(); !strings.Contains(kinds(h.InForce), "listing_restriction") {
			t.Fatalf("after a new violation: %s", kinds(h.InForce))
		}
		if _, err := c.Sellers.Appeal(ctx, ana, v.ID, "this was the same parcel as before"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Sellers.DecideAppeal(ctx, op, v.ID, true, "duplicate of an earlier violation"); err != nil {
			t.Fatal(err)
		}
		sh, _ = c.Sellers.Shop(ctx, shop.ID)
		if sh.Status != seller.Active {
			t.Fatalf("after the overturned violation: %s", sh.Status)
		}
		h = health()
		if h.Points != 5 || strings.Contains(kinds(h.InForce), "suspension") {
			t.Fatalf("after overturn: %d %s", h.Points, kinds(h.InForce))
		}

		// 12 points: deactivation; an operator lifts it and the shop sells again.
		violate(7)
		sh, _ = c.Sellers.Shop(ctx, shop.ID)
		if sh.Status != seller.Deactivated {
			t.Fatalf("deactivation: %s", sh.Status)
		}
		var deact seller.EnforcementAction
		for _, a := range health().InForce {
			if a.Kind == market.ActionDeactivation {
				deact = a
			}
		}
		if _, err := c.Sellers.LiftAction(ctx, op, deact.ID, ""); err == nil {
			t.Fatal("lifted without a reason")
		}
		if _, err := c.Sellers.LiftAction(ctx, op, deact.ID, "identity verified again"); err != nil {
			t.Fatal(err)
		}
		if sh, _ = c.Sellers.Shop(ctx, shop.ID); sh.Status == seller.Deactivated {
			t.Fatalf("still deactivated after the lift")
		}

		// Every step is audited in the shop's history, with the system as actor for
		// the automatic ones.
		acts, _ := c.Sellers.Actions(ctx, ana, shop.ID)
		seen := map[string]bool{}
		for _, a := range acts {
			seen[a.Action] = true
			if a.Action == "enforcement_warning" && a.ActorID != 0 {
				t.Fatalf("warning by %v", a.ActorID)
			}
		}
		for _, want := range []string{"enforcement_warning", "enforcement_listing_restriction", "enforcement_order_restriction", "enforcement_settlement_delay",
			"enforcement_suspension", "enforcement_deactivation", "enforcement_expired", "enforcement_appeal", "enforcement_appeal_granted", "enforcement_lifted"} {
			if !seen[want] {
				t.Errorf("history lacks %s", want)
			}
		}
	})
}
