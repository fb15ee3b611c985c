package seller_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// smallTiers are US tiers with requirements a test can meet.
func smallTiers(p *market.Policy) {
	p.Tiers = []market.Tier{
		{Name: "Beginner", DailyOrderCap: 2, ListingCap: 2},
		{Name: "Standard", DailyOrderCap: 5, ListingCap: 3, MinDaysActive: 15, MinDeliveredOrders: 2, MinUniqueBuyers: 2, MaxViolationPoints: 12},
		{Name: "Premium", DailyOrderCap: 0, ListingCap: 0, MinDaysActive: 30, MinDeliveredOrders: 3, MinUniqueBuyers: 2, MinRatingX100: 400, MaxViolationPoints: 4},
	}
}

func deliver(t *testing.T, k *testkit.Kit, shopID, buyerID id.ID, at time.Time) {
	t.Helper()
	ctx := context.Background()
	oid := id.New()
	if err := k.DB.RunInTx(ctx, func(tx *db.Tx) error {
		return k.Outbox.Add(ctx, tx, outbox.Aggregate("order", oid), events.OrderDelivered{
			Order: events.Order{OrderID: oid, CheckoutID: oid, ShopID: shopID, BuyerID: buyerID, Market: "US", Currency: "USD"}, At: at})
	}); err != nil {
		t.Fatal(err)
	}
}

func review(t *testing.T, k *testkit.Kit, shopID id.ID, rating int, first bool) {
	t.Helper()
	ctx := context.Background()
	rid := id.New()
	if err := k.DB.RunInTx(ctx, func(tx *db.Tx) error {
		return k.Outbox.Add(ctx, tx, outbox.Aggregate("review", rid), events.ReviewCreated{ReviewID: rid, OrderID: rid, LineID: rid, ProductID: rid, ShopID: shopID, Rating: rating, First: first, At: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
}

func TestGraduationOnEventsAndOnSchedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k.SetPolicy(t, "US", smallTiers)
		now := time.Now()
		ana := k.Actor(t, "ana", auth.Seller)
		s.SetClock(func() time.Time { return now.AddDate(0, 0, -20) })
		shop, err := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return now })

		ts, err := s.TierStatus(ctx, shop.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if ts.Rank != 0 || ts.Current.Name != "Beginner" || ts.Next == nil || ts.Next.Name != "Standard" || ts.DaysActive != 20 {
			t.Fatalf("start %+v", ts)
		}
		req := map[string]seller.Requirement{}
		for _, r := range ts.Requirements {
			req[r.Key] = r
		}
		if !req["days_active"].Met || req["delivered_orders"].Met || req["delivered_orders"].Need != 2 || !req["violation_points"].Met {
			t.Fatalf("requirements %+v", ts.Requirements)
		}

		// One buyer twice: two delivered orders, one unique buyer. Not enough.
		bea, cy := k.Actor(t, "bea"), k.Actor(t, "cy")
		deliver(t, k, shop.ID, bea.AccountID, now)
		deliver(t, k, shop.ID, bea.AccountID, now)
		k.RelayUntilIdle(t)
		ts, _ = s.TierStatus(ctx, shop.ID, now)
		if ts.Rank != 0 || ts.Stats.DeliveredOrders != 2 || ts.Stats.UniqueBuyers != 1 {
			t.Fatalf("after two orders of one buyer %+v", ts)
		}
		// A violation above Standard's ceiling holds graduation back.
		if _, err := d.ExecContext(ctx, `INSERT INTO shop_violations (id, shop_id, code, reason, points, status, created_by, created_at, expires_at)
			VALUES ($1, $2, 'test', 'test', 13, 'active', 0, $3, $4)`, id.New(), shop.ID, db.Micros(now), db.Micros(now.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		deliver(t, k, shop.ID, cy.AccountID, now)
		k.RelayUntilIdle(t)
		ts, _ = s.TierStatus(ctx, shop.ID, now)
		if ts.Rank != 0 || ts.Stats.UniqueBuyers != 2 || ts.Stats.ViolationPoints != 13 {
			t.Fatalf("graduated with 13 violation points: %+v", ts)
		}
		// Once the points expire, the scheduled job graduates the shop, to Standard only:
		// Premium needs 30 days and a rating.
		later := now.Add(2 * time.Hour)
		n, err := s.GraduateAll(ctx, later)
		if err != nil || n != 1 {
			t.Fatalf("graduate all: %d %v", n, err)
		}
		ts, _ = s.TierStatus(ctx, shop.ID, later)
		if ts.Rank != 1 || ts.Current.Name != "Standard" || ts.Next.Name != "Premium" {
			t.Fatalf("after the job %+v", ts)
		}
		// Good reviews on events; still 20 days old, so no Premium yet.
		review(t, k, shop.ID, 5, true)
		review(t, k, shop.ID, 4, true)
		review(t, k, shop.ID, 1, false) // a follow-up review does not count
		k.RelayUntilIdle(t)
		ts, _ = s.TierStatus(ctx, shop.ID, later)
		if ts.Stats.RatingX100() != 450 || ts.Rank != 1 {
			t.Fatalf("rating %d rank %d", ts.Stats.RatingX100(), ts.Rank)
		}
		if n, _ := s.GraduateAll(ctx, now.AddDate(0, 0, 11)); n != 1 {
			t.Fatalf("graduated %d at 31 days", n)
		}
		shop, _ = s.Shop(ctx, shop.ID)
		ts, _ = s.TierStatus(ctx, shop.ID, now.AddDate(0, 0, 11))
		if shop.TierRank != 2 || ts.Next != nil || ts.Current.DailyOrderCap != 0 {
			t.Fatalf("top tier %+v", ts)
		}
		acts, _ := s.Actions(ctx, ana, shop.ID)
		if acts[0].Action != "tier" || acts[0].Reason != "graduated from Standard to Premium" {
			t.Fatalf("audit %+v", acts[0])
		}
		// Suspended shops do not graduate.
		other, _ := s.Register(ctx, k.Actor(t, "bo", auth.Seller), seller.RegisterInput{Market: "US", Name: "Bo's"})
		s.SetStatus(ctx, k.Operator(t), other.ID, seller.Suspended, "test")
		if ts, _ := s.Graduate(ctx, other.ID, now.AddDate(1, 0, 0)); ts.Rank != 0 {
			t.Fatalf("suspended shop graduated")
		}
	})
}

// A policy change applies to every shop from its effective date, with no code change:
// the 90-day probation cut to 30 days, and a new daily cap.
func TestPolicyChangeTakesEffectFromItsDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) { p.Probation.Days, p.Probation.RequiredOrders = 90, 1000 })
		now := time.Now()
		cut, _ := k.Markets.Policy(ctx, "US", now)
		cut.Probation.Days, cut.Probation.RequiredOrders = 30, 500
		cut.Tiers[0].DailyOrderCap = 7
		effective := now.AddDate(0, 0, 10)
		if _, err := k.Markets.SetPolicy(ctx, k.Operator(t), "US", effective, cut, "probation cut to 30 days"); err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return now.AddDate(0, 0, -40) })
		shop, err := s.Register(ctx, k.Actor(t, "ana", auth.Seller), seller.RegisterInput{Market: "US", Name: "Ana's"})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := s.TierStatus(ctx, shop.ID, now)
		after, _ := s.TierStatus(ctx, shop.ID, effective.Add(time.Minute))
		if !before.Probation.Active || before.Probation.Days != 90 || before.Probation.DaysLeft != 50 || before.Probation.RequiredOrders != 1000 || before.Current.DailyOrderCap != 50 {
			t.Fatalf("before the change %+v", before)
		}
		if after.Probation.Active || after.Probation.Days != 30 || after.Probation.RequiredOrders != 500 || after.Current.DailyOrderCap != 7 {
			t.Fatalf("after the change %+v", after)
		}
		// Settlement reads the same rule.
		if days, reason, _ := s.SettlementDelay(ctx, shop.ID, now); reason != seller.DelayProbation || days != 15 {
			t.Fatalf("settlement before %d %s", days, reason)
		}
		if days, reason, _ := s.SettlementDelay(ctx, shop.ID, effective.Add(time.Minute)); reason != seller.DelayStandard || days != 7 {
			t.Fatalf("settlement after %d %s", days, reason)
		}
	})
}

// The daily order cap counts orders per market-local day: 23:30 and 00:30 in Los
// Angeles are two days even though both are the same UTC day.
func TestDailyOrderCapUsesTheMarketsDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		k.SetPolicy(t, "US", smallTiers)
		shop, _ := s.Register(ctx, k.Actor(t, "ana", auth.Seller), seller.RegisterInput{Market: "US", Name: "Ana's"})
		take := func(at time.Time) error {
			return d.RunInTx(ctx, func(tx *db.Tx) error { return s.TakeDailyOrderSlot(ctx, tx, shop.ID, at) })
		}
		base := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
		lateEvening := base.Add(7*time.Hour + 30*time.Minute) // 23:30 PST the day before
		if _, off := lateEvening.In(time.FixedZone("", 0)).Zone(); off != 0 {
			t.Fatal("utc")
		}
		m, _ := k.Markets.Market(ctx, "US")
		if m.Day(lateEvening) == m.Day(lateEvening.Add(2*time.Hour)) {
			t.Skip("daylight saving puts both in one day") // never in late November, but dates move
		}
		for i := 0; i < 2; i++ {
			if err := take(lateEvening); err != nil {
				t.Fatal(err)
			}
		}
		wantErr(t, "third order of the day", take(lateEvening.Add(10*time.Minute)), "daily_order_cap_reached", "")
		if err := take(lateEvening.Add(2 * time.Hour)); err != nil {
			t.Fatalf("next local day: %v", err)
		}
	})
}

func TestCapsAtCheckoutAndProductCreation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		c.Orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		ctx := context.Background()
		k.SetPolicy(t, "US", func(p *market.Policy) {
			smallTiers(p)
			p.Orders.OnHoldMinutes, p.Orders.TaxBP, p.Shipping.StandardFee = 0, 0, 0
		})
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		list := func(title string) (catalog.Product, error) {
			return c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: title, SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 10}}})
		}
		p1, err := list("Gloss")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := list("Balm"); err != nil {
			t.Fatal(err)
		}
		_, err = list("Mascara")
		wantErr(t, "third listing for Beginner", err, "listing_cap_reached", "shop_id")
		if ps, _ := c.Catalog.ProductsOfShop(ctx, shop.ID, 10); len(ps) != 2 {
			t.Fatalf("%d products after the refusal", len(ps))
		}

		addr := order.Address{Name: "Bea", Line1: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}
		buy := func(key string) error {
			_, err := c.Orders.Checkout(ctx, k.Actor(t, "bea"), order.CheckoutInput{IdempotencyKey: key, Market: "US",
				Lines: []order.LineInput{{SKUID: p1.SKUs[0].ID, Quantity: 1}}, ShippingAddress: addr, PaymentMethod: "pm_card_visa"})
			return err
		}
		for i := 0; i < 2; i++ {
			if err := buy("k" + string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		wantErr(t, "third order today", buy("kc"), "daily_order_cap_reached", "lines[0].sku_id")
		p, _ := c.Catalog.Product(ctx, p1.ID)
		if p.SKUs[0].Stock != 8 || p.SKUs[0].Reserved != 0 {
			t.Fatalf("refused checkout moved stock: %+v", p.SKUs[0])
		}
		ts, _ := c.Sellers.TierStatus(ctx, shop.ID, time.Now())
		if ts.OrdersToday != 2 {
			t.Fatalf("orders today %d", ts.OrdersToday)
		}
	})
}

func TestOperatorSetsATier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		op := k.Operator(t)
		_, err := s.SetTier(ctx, op, shop.ID, "Gold", "brand move")
		wantErr(t, "unknown tier", err, "invalid_field", "tier")
		_, err = s.SetTier(ctx, op, shop.ID, "Pro", "")
		wantErr(t, "no reason", err, "reason_required", "reason")
		_, err = s.SetTier(ctx, ana, shop.ID, "Pro", "please")
		wantErr(t, "seller", err, "forbidden", "")
		got, err := s.SetTier(ctx, op, shop.ID, "Pro", "brand moving its business over")
		if err != nil || got.TierRank != 3 {
			t.Fatalf("set tier %+v %v", got, err)
		}
		ts, _ := s.TierStatus(ctx, shop.ID, time.Now())
		if ts.Current.Name != "Pro" || ts.Current.DailyOrderCap != 0 || ts.Next != nil {
			t.Fatalf("%+v", ts.Current)
		}
	})
}
