package creator_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/promo"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	sellers  *seller.Service
	catalog  *catalog.Service
	creators *creator.Service
	owner    auth.Actor
	product  catalog.Product
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	k := testkit.New(t, d)
	f := fixture{Kit: k, sellers: seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)}
	f.catalog = catalog.NewService(d, k.Markets, f.sellers, k.Outbox, k.Log)
	f.creators = creator.NewService(d, k.Markets, k.Identity, f.sellers, f.catalog, k.Log)
	ctx := context.Background()
	f.owner = k.Actor(t, "ana", auth.Seller)
	shop, err := f.sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
	if err != nil {
		t.Fatal(err)
	}
	f.product, err = f.catalog.CreateProduct(ctx, f.owner, shop.ID, catalog.ProductInput{Title: "Glow lip gloss", SKUs: []catalog.SKUInput{{Price: money.New(2000, "USD"), Stock: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// creator makes an account a US creator with n followers.
func (f fixture) creator(t *testing.T, handle string, followers int) (auth.Actor, creator.Creator) {
	t.Helper()
	ctx := context.Background()
	a := f.Actor(t, handle)
	c, err := f.creators.CreateProfile(ctx, a, creator.ProfileInput{Handle: handle, Market: "US", BirthDate: "1995-04-02"})
	if err != nil {
		t.Fatal(err)
	}
	var fans []id.ID
	for i := 0; i < followers; i++ {
		acct, err := f.Identity.Provision(ctx, fmt.Sprintf("fan%d.%s@example.com", i, handle), "Fan", "")
		if err != nil {
			t.Fatal(err)
		}
		fans = append(fans, acct.ID)
	}
	if err := f.Identity.FollowMany(ctx, fans, identity.FollowCreator, c.ID); err != nil {
		t.Fatal(err)
	}
	a.Roles = append(a.Roles, auth.Creator)
	return a, c
}

func TestShowcaseNeedsTheMarketsFollowerThreshold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if _, err := f.creators.SetOffer(ctx, f.owner, f.product.ID, 1500, true); err != nil {
			t.Fatal(err)
		}
		small, smallProfile := f.creator(t, "smallfry", 12)
		err := f.creators.AddToShowcase(ctx, small, f.product.ID)
		if !errors.Is(err, creator.ErrNotEligible) || errs.KindOf(err) != errs.Rule || !strings.Contains(err.Error(), "1000 followers; you have 12") {
			t.Fatalf("below threshold: %v", err)
		}
		big, bigProfile := f.creator(t, "bigstar", 1000)
		if err := f.creators.AddToShowcase(ctx, big, f.product.ID); err != nil {
			t.Fatal(err)
		}
		items, _ := f.creators.Showcase(ctx, bigProfile.ID)
		if len(items) != 1 || items[0].CommissionBP != 1500 {
			t.Fatalf("showcase %+v", items)
		}
		if bp, err := f.creators.CommissionFor(ctx, bigProfile.ID, f.product.ID); err != nil || bp != 1500 {
			t.Fatalf("commission %d %v", bp, err)
		}
		if _, err := f.creators.CommissionFor(ctx, smallProfile.ID, f.product.ID); !errors.Is(err, creator.ErrNotInShowcase) {
			t.Fatalf("small creator's rate: %v", err)
		}

		// An operator lowers the threshold in policy; no code changes, the answer does.
		p, _ := f.Markets.Policy(ctx, "US", time.Now())
		p.Creators.MinFollowers = 10
		if _, err := f.Markets.SetPolicy(ctx, f.Operator(t), "US", time.Now(), p, "pilot lower threshold"); err != nil {
			t.Fatal(err)
		}
		if err := f.creators.AddToShowcase(ctx, small, f.product.ID); err != nil {
			t.Fatalf("after lowering the threshold: %v", err)
		}
		e, _ := f.creators.Eligibility(ctx, smallProfile)
		if !e.CanSell || !e.InPilot || e.PilotLivesPerWeek != 3 {
			t.Fatalf("eligibility %+v", e)
		}
	})
}

func TestShowcaseAndOfferRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		star, _ := f.creator(t, "star", 1000)
		if err := f.creators.AddToShowcase(ctx, star, f.product.ID); !errors.Is(err, creator.ErrNoOffer) {
			t.Fatalf("no offer yet: %v", err)
		}
		for _, bp := range []money.BP{0, 99, 8001} {
			if _, err := f.creators.SetOffer(ctx, f.owner, f.product.ID, bp, true); !errors.Is(err, creator.ErrCommissionRange) {
				t.Errorf("rate %d: %v", bp, err)
			}
		}
		if _, err := f.creators.SetOffer(ctx, f.Actor(t, "bo", auth.Seller), f.product.ID, 1000, true); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("another seller's offer: %v", err)
		}
		if err := f.creators.AddToShowcase(ctx, f.Actor(t, "nobody"), f.product.ID); !errors.Is(err, creator.ErrNoProfile) {
			t.Fatalf("no profile: %v", err)
		}
		if err := f.creators.AddToShowcase(ctx, star, 424242); errs.As(err) == nil || errs.As(err).Field != "product_id" {
			t.Fatalf("unknown product: %v", err)
		}
		if _, err := f.creators.CreateProfile(ctx, f.Actor(t, "x"), creator.ProfileInput{Handle: "star", Market: "US", BirthDate: "1990-01-01"}); !errors.Is(err, creator.ErrHandleTaken) {
			t.Fatalf("taken handle: %v", err)
		}
		if _, err := f.creators.CreateProfile(ctx, f.Actor(t, "x"), creator.ProfileInput{Handle: "Bad Handle!", Market: "US", BirthDate: "1990-01-01"}); errs.As(err) == nil || errs.As(err).Field != "handle" {
			t.Fatalf("bad handle: %v", err)
		}
		minor := f.Actor(t, "kid")
		kid, err := f.creators.CreateProfile(ctx, minor, creator.ProfileInput{Handle: "kid", Market: "US", BirthDate: time.Now().AddDate(-16, -1, 0).Format(time.DateOnly)}) // a month past the birthday, whatever the time zone
		if err != nil {
			t.Fatal(err)
		}
		e, _ := f.creators.Eligibility(ctx, kid)
		if e.CanSell || e.Age != 16 {
			t.Fatalf("a 16-year-old may sell: %+v", e)
		}
	})
}

func TestCommissionsFollowTheOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		if err := f.creators.Subscribe(f.Bus); err != nil {
			t.Fatal(err)
		}
		f.creators.SetOffer(ctx, f.owner, f.product.ID, 1250, true)
		star, profile := f.creator(t, "star", 1000)
		if err := f.creators.AddToShowcase(ctx, star, f.product.ID); err != nil {
			t.Fatal(err)
		}
		orders := order.NewService(d, f.Markets, f.Identity, f.sellers, f.catalog, promo.NewService(d, f.Markets, f.sellers, f.catalog, f.Log),
			payment.NewService(d, payment.Sandbox{}, f.Log), f.Outbox, f.Log)
		orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Orders.OnHoldMinutes, p.Shipping.StandardFee = 0, 0 })
		bp, _ := f.creators.CommissionFor(ctx, profile.ID, f.product.ID)
		res, err := orders.Checkout(ctx, f.Actor(t, "bea"), order.CheckoutInput{IdempotencyKey: "k", Market: "US", PaymentMethod: "pm_card_visa",
			ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
			Lines:           []order.LineInput{{SKUID: f.product.SKUs[0].ID, Quantity: 3, Attribution: order.Attribution{Source: order.SourceShowcase, CreatorID: profile.ID, CommissionBP: bp}}}})
		if err != nil {
			t.Fatal(err)
		}
		if c := res.Orders[0].Lines[0].Commission; c != money.New(750, "USD") { // 12.5% of 60.00
			t.Fatalf("line commission %v", c)
		}
		status := func() creator.CommissionStatus {
			f.RelayUntilIdle(t)
			cs, err := f.creators.Commissions(ctx, star, 10)
			if err != nil || len(cs) != 1 {
				t.Fatalf("commissions %+v %v", cs, err)
			}
			return cs[0].Status
		}
		if s := status(); s != creator.CommissionPending {
			t.Fatalf("after payment: %s", s)
		}
		orders.Ship(ctx, f.owner, res.Orders[0].ID, order.ShipInput{})
		orders.Sweep(ctx)
		if s := status(); s != creator.CommissionAccrued {
			t.Fatalf("after delivery: %s", s)
		}
		orders.Sweep(ctx)
		d.ExecContext(ctx, `UPDATE orders SET delivered_at = $1`, db.Micros(time.Now().AddDate(0, 0, -8)))
		if err := orders.Sweep(ctx); err != nil { // auto-completes 7 days after delivery
			t.Fatal(err)
		}
		if s := status(); s != creator.CommissionPayable {
			t.Fatalf("after completion: %s", s)
		}
		earn, _ := f.creators.EarningsOf(ctx, star)
		if got := earn[creator.CommissionPayable]; len(got) != 1 || got[0] != money.New(750, "USD") {
			t.Fatalf("earnings %+v", earn)
		}

		// One of the three units is refunded: the commission keeps two thirds; when
		// the rest is refunded it is reversed.
		buyer, _ := f.Identity.Account(ctx, res.Orders[0].BuyerID)
		refund := func(qty int64) {
			r, err := orders.RequestReturn(ctx, buyer.Actor(), res.Orders[0].ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "broken",
				Lines: []order.ReturnLineInput{{LineID: res.Orders[0].Lines[0].ID, Quantity: qty}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true}); err != nil {
				t.Fatal(err)
			}
			f.RelayUntilIdle(t)
		}
		refund(1)
		if cs, _ := f.creators.Commissions(ctx, star, 10); cs[0].Amount != money.New(500, "USD") || cs[0].Status != creator.CommissionPayable {
			t.Fatalf("after refunding one unit: %+v", cs[0])
		}
		refund(2)
		if cs, _ := f.creators.Commissions(ctx, star, 10); cs[0].Amount.Amount != 0 || cs[0].Status != creator.CommissionReversed {
			t.Fatalf("after refunding all: %+v", cs[0])
		}
	})
}
