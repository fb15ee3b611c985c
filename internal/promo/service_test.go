package promo_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

type fixture struct {
	*testkit.Kit
	catalog *catalog.Service
	promos  *promo.Service
	owner   auth.Actor
	shop    seller.Shop
	product catalog.Product
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	k := testkit.New(t, d)
	sellers := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
	f := fixture{Kit: k, catalog: catalog.NewService(d, k.Markets, sellers, k.Outbox, k.Log)}
	f.promos = promo.NewService(d, k.Markets, sellers, f.catalog, k.Log)
	ctx := context.Background()
	f.owner = k.Actor(t, "ana", auth.Seller)
	f.shop, _ = sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
	var err error
	f.product, err = f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, catalog.ProductInput{Title: "Tint", SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 500}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) flash(t *testing.T, deal, qty, perBuyer int64) promo.Promotion {
	t.Helper()
	p, err := f.promos.CreatePromotion(context.Background(), f.owner, f.shop.ID, promo.PromotionInput{Kind: promo.FlashSale, Title: "Flash", EndsAt: time.Now().Add(time.Hour),
		PerBuyerLimit: perBuyer, Items: []promo.Item{{ProductID: f.product.ID, DealPrice: deal, Quantity: qty}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreatePromotionRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		sku := f.product.SKUs[0].ID
		// The price dipped to 9.99 for a moment: a flash sale must now beat 9.99.
		f.catalog.SetPrice(ctx, f.owner, sku, money.New(999, "USD"))
		f.catalog.SetPrice(ctx, f.owner, sku, money.New(1299, "USD"))
		hour := time.Now().Add(time.Hour)
		item := func(deal int64) []promo.Item {
			return []promo.Item{{ProductID: f.product.ID, DealPrice: deal, DiscountBP: 2000}}
		}
		tests := []struct {
			name      string
			actor     auth.Actor
			in        promo.PromotionInput
			wantCode  string
			wantField string
		}{
			{"flash price above the 30-day low", f.owner, promo.PromotionInput{Kind: promo.FlashSale, Title: "Flash", EndsAt: hour, Items: item(1100)}, "price_above_floor", "items[0].deal_price"},
			{"fixed price not below price", f.owner, promo.PromotionInput{Kind: promo.FixedPrice, Title: "Fixed", EndsAt: hour, Items: item(1299)}, "invalid_field", "items[0].deal_price"},
			{"percent over 99", f.owner, promo.PromotionInput{Kind: promo.PercentOff, Title: "Big", EndsAt: hour, Items: []promo.Item{{ProductID: f.product.ID, DiscountBP: 9950}}}, "invalid_field", "items[0].discount_bp"},
			{"three buy-more tiers", f.owner, promo.PromotionInput{Kind: promo.BuyMore, Title: "More", EndsAt: hour, AllProducts: true,
				Tiers: []promo.Tier{{MinQuantity: 2, DiscountBP: 500}, {MinQuantity: 3, DiscountBP: 800}, {MinQuantity: 4, DiscountBP: 1000}}}, "invalid_field", "tiers"},
			{"tiers that do not rise", f.owner, promo.PromotionInput{Kind: promo.BuyMore, Title: "More", EndsAt: hour, AllProducts: true,
				Tiers: []promo.Tier{{MinQuantity: 3, DiscountBP: 500}, {MinQuantity: 2, DiscountBP: 800}}}, "invalid_field", "tiers[1].min_quantity"},
			{"ends before it starts", f.owner, promo.PromotionInput{Kind: promo.FixedPrice, Title: "Fixed", EndsAt: time.Now().Add(-time.Hour), Items: item(500)}, "invalid_field", "ends_at"},
			{"unknown kind", f.owner, promo.PromotionInput{Kind: "bogo", Title: "Bogo", EndsAt: hour, Items: item(500)}, "invalid_field", "kind"},
			{"another seller", f.Actor(t, "bo", auth.Seller), promo.PromotionInput{Kind: promo.FixedPrice, Title: "Fixed", EndsAt: hour, Items: item(500)}, "not_your_shop", ""},
			{"unknown product", f.owner, promo.PromotionInput{Kind: promo.FixedPrice, Title: "Fixed", EndsAt: hour, Items: []promo.Item{{ProductID: 99, DealPrice: 1}}}, "product_not_found", "items[0].product_id"},
		}
		for _, tt := range tests {
			_, err := f.promos.CreatePromotion(ctx, tt.actor, f.shop.ID, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		// Below the low it is fine.
		if _, err := f.promos.CreatePromotion(ctx, f.owner, f.shop.ID, promo.PromotionInput{Kind: promo.FlashSale, Title: "Flash", EndsAt: hour, Items: item(899)}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCouponsAndQuotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		day := time.Now().Add(24 * time.Hour)
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "glow3", ShopID: f.shop.ID, Kind: promo.CouponAmount, Amount: 300, MinSpend: 2000, EndsAt: day, PerBuyerLimit: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "PLAT10", Market: "US", Kind: promo.CouponPercent, DiscountBP: 1000, EndsAt: day}); !errors.Is(err, errs.ErrForbidden) {
			t.Fatalf("a seller issuing a platform coupon: %v", err)
		}
		if _, err := f.promos.CreateCoupon(ctx, f.Operator(t), promo.CouponInput{Code: "PLAT10", Market: "US", Kind: promo.CouponPercent, DiscountBP: 1000, MaxDiscount: 100, EndsAt: day}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "GLOW3", ShopID: f.shop.ID, Kind: promo.CouponAmount, Amount: 1, EndsAt: day}); !errors.Is(err, promo.ErrCouponCodeTaken) {
			t.Fatalf("a taken code: %v", err)
		}
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "OLD", ShopID: f.shop.ID, Kind: promo.CouponAmount, Amount: 100,
			StartsAt: time.Now().Add(-2 * time.Hour), EndsAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "GLOW5", ShopID: f.shop.ID, Kind: promo.CouponAmount, Amount: 500, EndsAt: day}); err != nil {
			t.Fatal(err)
		}
		pol, _ := f.Markets.Policy(ctx, "US", time.Now())
		buyer := f.Actor(t, "bea").AccountID
		quote := func(qty int64, codes ...string) (promo.Quote, error) {
			return f.promos.Quote(ctx, d, promo.QuoteInput{Market: "US", Currency: "USD", Policy: pol, At: time.Now(), BuyerID: buyer, Coupons: codes,
				Shops: []promo.ShopLines{{ShopID: f.shop.ID, Lines: []promo.LineIn{{SKUID: f.product.SKUs[0].ID, ProductID: f.product.ID, UnitPrice: 1299, Quantity: qty}}}}})
		}
		q, err := quote(2, "glow3", "PLAT10")
		if err != nil {
			t.Fatal(err)
		}
		o := q.Orders[0]
		// 25.98 - 3.00 seller coupon = 22.98; 10% platform, capped at 1.00.
		if o.SellerDiscount != 300 || o.PlatformDiscount != 100 || len(q.Coupons) != 2 {
			t.Fatalf("discounts %d/%d", o.SellerDiscount, o.PlatformDiscount)
		}
		refusals := []struct {
			name  string
			qty   int64
			codes []string
			code  string
			field string
		}{
			{"unknown code", 2, []string{"NOPE"}, "coupon_not_found", "coupons[0]"},
			{"expired", 2, []string{"OLD"}, "coupon_not_applicable", "coupons[0]"},
			{"minimum spend", 1, []string{"GLOW3"}, "coupon_not_applicable", "coupons[0]"},
			{"two coupons for one shop", 2, []string{"GLOW3", "GLOW5"}, "coupons_do_not_stack", "coupons[1]"},
			{"two platform coupons", 2, []string{"PLAT10", "PLAT10"}, "coupons_do_not_stack", "coupons[1]"},
		}
		for _, tt := range refusals {
			_, err := quote(tt.qty, tt.codes...)
			e := errs.As(err)
			if e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %s", tt.name, err, tt.code, tt.field)
			}
		}
	})
}

// Concurrent checkouts take flash-sale units: never more than the deal has, on both engines.
func TestFlashUnitsNeverOversold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.flash(t, 799, 10, 0)
		pol, _ := f.Markets.Policy(ctx, "US", time.Now())
		var won, soldOut atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 80; i++ {
			wg.Go(func() {
				err := d.RunInTx(ctx, func(tx *db.Tx) error {
					q, err := f.promos.Quote(ctx, tx, promo.QuoteInput{Market: "US", Currency: "USD", Policy: pol, At: time.Now(), BuyerID: id.ID(1000 + i),
						Shops: []promo.ShopLines{{ShopID: f.shop.ID, Lines: []promo.LineIn{{SKUID: f.product.SKUs[0].ID, ProductID: f.product.ID, UnitPrice: 1299, Quantity: 1}}}}})
					if err != nil {
						return err
					}
					if q.Orders[0].Lines[0].DealKind != promo.FlashSale {
						return promo.ErrDealSoldOut // priced at the regular price: the deal is gone
					}
					return f.promos.Redeem(ctx, tx, id.New(), id.ID(1000+i), q, []id.ID{id.New()})
				})
				switch {
				case err == nil:
					won.Add(1)
				case errors.Is(err, promo.ErrDealSoldOut):
					soldOut.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var sold int64
		d.QueryRowContext(ctx, `SELECT sold FROM promotion_items`).Scan(&sold)
		if won.Load() != 10 || sold != 10 || soldOut.Load() != 70 {
			t.Fatalf("won %d, sold %d, sold out %d", won.Load(), sold, soldOut.Load())
		}
	})
}

func TestReleaseGivesBackUnitsAndCoupons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.flash(t, 799, 5, 2)
		if _, err := f.promos.CreateCoupon(ctx, f.owner, promo.CouponInput{Code: "ONCE", ShopID: f.shop.ID, Kind: promo.CouponAmount, Amount: 100, EndsAt: time.Now().Add(time.Hour), PerBuyerLimit: 1, Total: 1}); err != nil {
			t.Fatal(err)
		}
		pol, _ := f.Markets.Policy(ctx, "US", time.Now())
		buyer := f.Actor(t, "bea").AccountID
		buy := func(qty int64, codes ...string) (id.ID, error) {
			orderID := id.New()
			err := d.RunInTx(ctx, func(tx *db.Tx) error {
				q, err := f.promos.Quote(ctx, tx, promo.QuoteInput{Market: "US", Currency: "USD", Policy: pol, At: time.Now(), BuyerID: buyer, Coupons: codes,
					Shops: []promo.ShopLines{{ShopID: f.shop.ID, Lines: []promo.LineIn{{SKUID: f.product.SKUs[0].ID, ProductID: f.product.ID, UnitPrice: 1299, Quantity: qty}}}}})
				if err != nil {
					return err
				}
				if q.Orders[0].Lines[0].DealKind != promo.FlashSale {
					return promo.ErrDealLimit
				}
				return f.promos.Redeem(ctx, tx, id.New(), buyer, q, []id.ID{orderID})
			})
			return orderID, err
		}
		first, err := buy(2, "ONCE")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := buy(1); !errors.Is(err, promo.ErrDealLimit) {
			t.Fatalf("beyond the per-buyer limit: %v", err)
		}
		if _, err := buy(1, "ONCE"); !errors.Is(err, promo.ErrCouponNotValid) {
			t.Fatalf("a used-up coupon: %v", err)
		}
		if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.promos.Release(ctx, tx, first) }); err != nil {
			t.Fatal(err)
		}
		var sold, used int64
		d.QueryRowContext(ctx, `SELECT sold FROM promotion_items`).Scan(&sold)
		d.QueryRowContext(ctx, `SELECT used FROM coupons`).Scan(&used)
		if sold != 0 || used != 0 {
			t.Fatalf("after release: sold %d, coupon used %d", sold, used)
		}
		if _, err := buy(2, "ONCE"); err != nil {
			t.Fatalf("buying again after the release: %v", err)
		}
	})
}
