package seller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestBrandAuthorizationAndMallEligibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
		ctx := context.Background()
		if err := s.Subscribe(k.Bus); err != nil {
			t.Fatal(err)
		}
		k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Mall.MinSPSX100, p.Mall.MinProducts = 0, 3
			p.Mall.MinFreeShippingCoverageBP, p.Mall.ReturnWindowDays = 6000, 15
		})
		ana, op := k.Actor(t, "ana", auth.Seller), k.Operator(t)
		shop, _ := s.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		year := time.Now().AddDate(1, 0, 0)
		bad := []struct {
			in          seller.BrandInput
			code, field string
		}{
			{seller.BrandInput{Brand: "G", Kind: "owner", Documents: "tm.pdf", ExpiresAt: year}, "invalid_field", "brand"},
			{seller.BrandInput{Brand: "Glow Lab", Kind: "fan", Documents: "tm.pdf", ExpiresAt: year}, "invalid_field", "kind"},
			{seller.BrandInput{Brand: "Glow Lab", Kind: "owner", ExpiresAt: year}, "invalid_field", "documents"},
			{seller.BrandInput{Brand: "Glow Lab", Kind: "owner", Documents: "tm.pdf", ExpiresAt: time.Now().Add(-time.Hour)}, "invalid_field", "expires_at"},
		}
		for _, b := range bad {
			_, err := s.RequestBrandAuthorization(ctx, ana, shop.ID, b.in)
			wantErr(t, b.field, err, b.code, b.field)
		}
		auth1, err := s.RequestBrandAuthorization(ctx, ana, shop.ID, seller.BrandInput{Brand: "Glow  Lab", Kind: seller.BrandOwner, Documents: "USPTO 123", ExpiresAt: year})
		if err != nil || auth1.Status != seller.BrandPending {
			t.Fatalf("request %+v %v", auth1, err)
		}
		// Only the shop's manager asks for it.
		other, _ := s.Register(ctx, k.Actor(t, "bo", auth.Seller), seller.RegisterInput{Market: "US", Name: "Bo's"})
		_, err = s.RequestBrandAuthorization(ctx, k.Actor(t, "cy", auth.Seller), other.ID, seller.BrandInput{Brand: "glow lab", Kind: seller.BrandReseller, Documents: "letter", ExpiresAt: year})
		if err == nil || errs.As(err).Code != "not_your_shop" {
			t.Fatalf("a seller requested for another's shop: %v", err)
		}
		q, err := s.BrandQueue(ctx, op)
		if err != nil || len(q) != 1 || q[0].Brand != "Glow  Lab" {
			t.Fatalf("queue %+v %v", q, err)
		}
		if _, err := s.BrandQueue(ctx, ana); errs.As(err).Code != "forbidden" {
			t.Fatalf("seller read the brand queue: %v", err)
		}

		// Not eligible: no approved brand, too few products.
		reqs, err := s.MallEligibility(ctx, shop.ID, 2, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		met := map[string]bool{}
		for _, r := range reqs {
			met[r.Key] = r.Met
		}
		if !met["active"] || !met["sps"] || met["products"] || met["brand"] {
			t.Fatalf("eligibility %+v", reqs)
		}
		_, err = s.ApplyForMall(ctx, ana, shop.ID, 2)
		wantErr(t, "not eligible", err, "not_mall_eligible", "")

		_, err = s.DecideBrand(ctx, op, auth1.ID, false, "")
		wantErr(t, "reject without reason", err, "reason_required", "reason")
		if a, err := s.DecideBrand(ctx, op, auth1.ID, true, ""); err != nil || a.Status != seller.BrandApproved {
			t.Fatalf("approve %+v %v", a, err)
		}
		_, err = s.DecideBrand(ctx, op, auth1.ID, true, "")
		wantErr(t, "approve twice", err, "shop_not_in_review", "")

		// Still not eligible: no paid orders (no free-shipping coverage) and no
		// return window offered.
		_, err = s.ApplyForMall(ctx, ana, shop.ID, 3)
		wantErr(t, "no coverage, no return window", err, "not_mall_eligible", "")
		if e := errs.As(err); e == nil || !strings.Contains(e.Message, "free-shipping coverage") || !strings.Contains(e.Message, "return window") {
			t.Fatalf("message %v", err)
		}
		// Two of three paid orders shipped free: 66.66% against 60%.
		for i, fee := range []int64{0, 599, 0} {
			oid := id.New()
			emit(t, k, events.OrderPaid{Order: events.Order{OrderID: oid, CheckoutID: oid, BuyerID: id.New(), ShopID: shop.ID, Market: "US", Currency: "USD",
				BuyerShipping: fee}, At: time.Now().Add(-time.Duration(i) * time.Hour)})
		}
		k.RelayUntilIdle(t)
		_, err = s.SetMallReturnWindow(ctx, ana, shop.ID, 400)
		wantErr(t, "return window too long", err, "invalid_field", "return_window_days")
		_, err = s.SetMallReturnWindow(ctx, k.Actor(t, "bo", auth.Seller), shop.ID, 15)
		wantErr(t, "someone else's shop", err, "not_your_shop", "")
		if _, err := s.SetMallReturnWindow(ctx, ana, shop.ID, 14); err != nil {
			t.Fatal(err)
		}
		reqs, _ = s.MallEligibility(ctx, shop.ID, 3, time.Now())
		for _, r := range reqs {
			if (r.Key == "free_shipping" && (!r.Met || r.Have != 6666 || r.Need != 6000)) || (r.Key == "return_window" && (r.Met || r.Have != 14 || r.Need != 15)) {
				t.Fatalf("requirement %+v", r)
			}
		}
		_, err = s.ApplyForMall(ctx, ana, shop.ID, 3)
		wantErr(t, "14-day returns", err, "not_mall_eligible", "")
		if _, err := s.SetMallReturnWindow(ctx, ana, shop.ID, 15); err != nil {
			t.Fatal(err)
		}
		got, err := s.ApplyForMall(ctx, ana, shop.ID, 3)
		if err != nil || got.Badge != seller.Mall {
			t.Fatalf("apply %+v %v", got, err)
		}
		// An expired authorisation no longer counts.
		reqs, _ = s.MallEligibility(ctx, shop.ID, 3, year.Add(time.Hour))
		for _, r := range reqs {
			if r.Key == "brand" && r.Met {
				t.Fatal("expired authorisation still counts")
			}
		}
		// With a minimum SPS, an unscored shop is not eligible.
		k.SetPolicy(t, "US", func(p *market.Policy) { p.Mall.MinSPSX100 = 350 })
		reqs, _ = s.MallEligibility(ctx, shop.ID, 3, time.Now().Add(time.Minute))
		for _, r := range reqs {
			if r.Key == "sps" && (r.Met || r.Need != 350) {
				t.Fatalf("sps requirement %+v", r)
			}
		}
	})
}
