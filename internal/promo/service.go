package promo

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/cache"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service manages promotions, coupons and shipping program enrolment, and prices
// checkouts.
type Service struct {
	db      *db.DB
	markets *market.Service
	sellers *seller.Service
	catalog *catalog.Service
	log     *slog.Logger
	now     func() time.Time
	// pricing keeps shops' promotions and enrolments for checkout's quotes
	// (pricing_cache.go).
	pricing *cache.Cache[id.ID, shopPricing]
	// dealShops maps each flash-sale promotion the cache has read to its shop.
	dealShops sync.Map
}

// NewService returns a promo service.
func NewService(d *db.DB, markets *market.Service, sellers *seller.Service, cat *catalog.Service, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, sellers: sellers, catalog: cat, log: log, now: time.Now,
		pricing: cache.New[id.ID, shopPricing](PricingCacheTTL, pricingCacheSize)}
}

// PromotionInput describes a promotion a seller creates.
type PromotionInput struct {
	Kind           Kind      `json:"kind"`
	Title          string    `json:"title"`
	StartsAt       time.Time `json:"starts_at"` // zero: now
	EndsAt         time.Time `json:"ends_at"`
	Exclusive      bool      `json:"exclusive"`
	PerBuyerLimit  int64     `json:"per_buyer_limit"`
	Items          []Item    `json:"items"`
	Tiers          []Tier    `json:"tiers"`
	MinSpend       int64     `json:"min_spend"`
	DiscountAmount int64     `json:"discount_amount"`
	AllProducts    bool      `json:"all_products"`
	// RoomOnly makes the promotion apply only where a caller names it (QuoteInput.Room):
	// a live room's flash sale.
	RoomOnly bool `json:"-"`
}

// CreatePromotion creates a promotion on products of a shop the actor manages,
// checked against the market's rules (buy-more tiers, flash-sale price floors).
func (s *Service) CreatePromotion(ctx context.Context, actor auth.Actor, shopID id.ID, in PromotionInput) (Promotion, error) {
	shop, err := s.sellers.ManageForSale(ctx, actor, shopID)
	if err != nil {
		return Promotion{}, err
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, shop.Market, now)
	if err != nil {
		return Promotion{}, err
	}
	p := Promotion{ID: id.New(), ShopID: shop.ID, Market: shop.Market, Kind: in.Kind, Title: strings.TrimSpace(in.Title),
		StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Status: StatusActive, Exclusive: in.Exclusive, PerBuyerLimit: in.PerBuyerLimit,
		Tiers: in.Tiers, MinSpend: in.MinSpend, DiscountAmount: in.DiscountAmount, AllProducts: in.AllProducts, CreatedAt: now}
	if p.StartsAt.IsZero() {
		p.StartsAt = now
	}
	if in.RoomOnly {
		p.Status = StatusRoom
	}
	if err := s.validate(ctx, &p, in.Items, pol); err != nil {
		return Promotion{}, err
	}
	if err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		s.pricingChanged(tx, p.ShopID)
		return insertPromotion(ctx, tx, p)
	}); err != nil {
		return Promotion{}, err
	}
	s.log.Info("promotion created", "promotion", p.ID, "shop", shop.ID, "kind", p.Kind)
	return p, nil
}

func (s *Service) validate(ctx context.Context, p *Promotion, items []Item, pol market.Policy) error {
	switch p.Kind {
	case FixedPrice, PercentOff, FlashSale, BuyMore, ShippingDiscount:
	default:
		return errs.Invalidf("kind", "kind is fixed_price, percent_off, flash_sale, buy_more or shipping_discount")
	}
	if n := utf8.RuneCountInString(p.Title); n < 2 || n > 100 {
		return errs.Invalidf("title", "a title is 2-100 characters")
	}
	if !p.EndsAt.After(p.StartsAt) {
		return errs.Invalidf("ends_at", "a promotion ends after it starts")
	}
	if p.EndsAt.Before(s.now()) {
		return errs.Invalidf("ends_at", "a promotion cannot end in the past")
	}
	if p.PerBuyerLimit < 0 {
		return errs.Invalidf("per_buyer_limit", "must not be negative")
	}
	if p.Kind.itemLevel() || !p.AllProducts {
		if len(items) == 0 || len(items) > 200 {
			return errs.Invalidf("items", "choose 1-200 products")
		}
	}
	seen := map[[2]id.ID]bool{}
	for i, it := range items {
		f := fmt.Sprintf("items[%d]", i)
		prod, err := s.catalog.Product(ctx, it.ProductID)
		if err != nil {
			return errs.OnField(err, f+".product_id")
		}
		if prod.ShopID != p.ShopID {
			return errs.Invalidf(f+".product_id", "a promotion covers its own shop's products")
		}
		key := [2]id.ID{it.ProductID, it.SKUID}
		if seen[key] {
			return errs.Invalidf(f+".product_id", "each product or SKU once")
		}
		seen[key] = true
		var skus []catalog.SKU
		for _, k := range prod.SKUs {
			if it.SKUID == 0 || k.ID == it.SKUID {
				skus = append(skus, k)
			}
		}
		if len(skus) == 0 {
			return catalog.ErrSKUNotFound.With("SKU %s is not part of %q", it.SKUID, prod.Title).OnField(f + ".sku_id")
		}
		it.Sold = 0
		switch p.Kind {
		case FixedPrice, FlashSale:
			for _, k := range skus {
				if it.DealPrice <= 0 || it.DealPrice >= k.Price.Amount {
					return errs.Invalidf(f+".deal_price", "a deal price is above zero and below the price (%s)", k.Price.Format())
				}
			}
			if p.Kind == FlashSale {
				since := s.now().AddDate(0, 0, -pol.Promotions.PriceFloorLookbackDays)
				for _, k := range skus {
					low, err := s.catalog.LowestPrice(ctx, s.db, k.ID, since)
					if err != nil {
						return err
					}
					if it.DealPrice >= low {
						return ErrPriceFloor.With("a flash-sale price must be below %s, the lowest price of %q in the last %d days",
							money.New(low, k.Price.Currency).Format(), prod.Title, pol.Promotions.PriceFloorLookbackDays).OnField(f + ".deal_price")
					}
				}
				if it.Quantity < 0 {
					return errs.Invalidf(f+".quantity", "must not be negative")
				}
			} else {
				it.Quantity = 0
			}
		case PercentOff:
			if it.DiscountBP < 100 || it.DiscountBP > 9900 {
				return errs.Invalidf(f+".discount_bp", "a discount is 1%%-99%% (100-9900 basis points)")
			}
		default:
			it = Item{ProductID: it.ProductID, SKUID: it.SKUID} // scope only
		}
		p.Items = append(p.Items, it)
	}
	switch p.Kind {
	case BuyMore:
		if len(p.Tiers) == 0 || len(p.Tiers) > pol.Promotions.MaxBuyMoreTiers {
			return errs.Invalidf("tiers", "buy more save more takes 1-%d tiers in %s", pol.Promotions.MaxBuyMoreTiers, p.Market)
		}
		for i, t := range p.Tiers {
			f := fmt.Sprintf("tiers[%d]", i)
			if t.MinQuantity < 2 || (i > 0 && t.MinQuantity <= p.Tiers[i-1].MinQuantity) {
				return errs.Invalidf(f+".min_quantity", "tiers start at 2 or more and rise")
			}
			if t.DiscountBP < 100 || t.DiscountBP > 9000 || (i > 0 && t.DiscountBP <= p.Tiers[i-1].DiscountBP) {
				return errs.Invalidf(f+".discount_bp", "a tier saves 1%%-90%% (100-9000 basis points), more than the tier before")
			}
		}
	case ShippingDiscount:
		if p.MinSpend < 0 || p.DiscountAmount < 0 {
			return errs.Invalidf("discount_amount", "amounts must not be negative")
		}
	default:
		p.Tiers = nil
	}
	return nil
}

// EndPromotion ends a promotion now.
func (s *Service) EndPromotion(ctx context.Context, actor auth.Actor, promotionID id.ID) (Promotion, error) {
	ps, err := loadPromotions(ctx, s.db, `WHERE id = $1`, promotionID)
	if err != nil {
		return Promotion{}, err
	}
	if len(ps) == 0 {
		return Promotion{}, ErrPromotionNotFound
	}
	if _, err := s.sellers.Manage(ctx, actor, ps[0].ShopID); err != nil {
		return Promotion{}, err
	}
	now := s.now().UTC()
	// Ending one that has not started yet ends it the moment it would start.
	if _, err := s.db.ExecContext(ctx, `UPDATE promotions SET status = $1,
		ends_at = CASE WHEN ends_at <= $2 THEN ends_at WHEN starts_at < $2 THEN $2 ELSE starts_at + 1 END WHERE id = $3`,
		StatusEnded, db.Micros(now), promotionID); err != nil {
		return Promotion{}, err
	}
	s.pricing.Forget(ps[0].ShopID)
	ps[0].Status = StatusEnded
	return ps[0], nil
}

// Promotions lists a shop's promotions, newest first, for the seller who manages it.
func (s *Service) Promotions(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Promotion, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return loadPromotions(ctx, s.db, `WHERE shop_id = $1 ORDER BY id DESC LIMIT 200`, shopID)
}

// DealsOn lists the active item deals on a product, for product pages.
func (s *Service) DealsOn(ctx context.Context, productID id.ID) ([]Promotion, error) {
	now := db.Micros(s.now())
	return loadPromotions(ctx, s.db, `WHERE status = 'active' AND starts_at <= $1 AND ends_at > $1 AND kind IN ('fixed_price', 'percent_off', 'flash_sale')
		AND id IN (SELECT promotion_id FROM promotion_items WHERE product_id = $2)`, now, productID)
}

// CouponInput describes a coupon.
type CouponInput struct {
	Code          string     `json:"code"`
	Market        string     `json:"market"`  // platform coupons
	ShopID        id.ID      `json:"shop_id"` // seller coupons
	Kind          CouponKind `json:"kind"`
	Amount        int64      `json:"amount"`
	DiscountBP    money.BP   `json:"discount_bp"`
	MinSpend      int64      `json:"min_spend"`
	MaxDiscount   int64      `json:"max_discount"`
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        time.Time  `json:"ends_at"`
	Total         int64      `json:"total"`
	PerBuyerLimit int64      `json:"per_buyer_limit"`
}

var codeRE = regexp.MustCompile(`^[A-Z0-9]{3,20}$`)

// CreateCoupon creates a seller coupon (for a shop the actor manages) or, with no
// shop, a platform coupon (operators only).
func (s *Service) CreateCoupon(ctx context.Context, actor auth.Actor, in CouponInput) (Coupon, error) {
	c := Coupon{ID: id.New(), Code: strings.ToUpper(strings.TrimSpace(in.Code)), Kind: in.Kind, Amount: in.Amount, DiscountBP: in.DiscountBP,
		MinSpend: in.MinSpend, MaxDiscount: in.MaxDiscount, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Total: in.Total,
		PerBuyerLimit: in.PerBuyerLimit, Status: StatusActive, CreatedAt: s.now().UTC()}
	if in.ShopID != 0 {
		shop, err := s.sellers.ManageForSale(ctx, actor, in.ShopID)
		if err != nil {
			return Coupon{}, err
		}
		c.Funder, c.ShopID, c.Market = Seller, shop.ID, shop.Market
	} else {
		if err := actor.Require(auth.Operator); err != nil {
			return Coupon{}, errs.ErrForbidden.With("platform coupons are issued by operators; sellers give their shop_id")
		}
		if _, err := s.markets.Market(ctx, in.Market); err != nil {
			return Coupon{}, errs.OnField(err, "market")
		}
		c.Funder, c.Market = Platform, in.Market
	}
	if !codeRE.MatchString(c.Code) {
		return Coupon{}, errs.Invalidf("code", "a code is 3-20 letters and digits")
	}
	switch c.Kind {
	case CouponAmount:
		if c.Amount <= 0 {
			return Coupon{}, errs.Invalidf("amount", "an amount coupon takes off more than zero")
		}
	case CouponPercent:
		if c.DiscountBP < 100 || c.DiscountBP > 9000 {
			return Coupon{}, errs.Invalidf("discount_bp", "a percent coupon takes 1%%-90%% (100-9000 basis points)")
		}
	case CouponShipping:
		if c.Amount < 0 {
			return Coupon{}, errs.Invalidf("amount", "must not be negative (0 makes shipping free)")
		}
	default:
		return Coupon{}, errs.Invalidf("kind", "kind is amount, percent or shipping")
	}
	if c.MinSpend < 0 || c.MaxDiscount < 0 || c.Total < 0 || c.PerBuyerLimit < 0 {
		return Coupon{}, errs.Invalidf("min_spend", "amounts and limits must not be negative")
	}
	if c.StartsAt.IsZero() {
		c.StartsAt = c.CreatedAt
	}
	if !c.EndsAt.After(c.StartsAt) {
		return Coupon{}, errs.Invalidf("ends_at", "a coupon ends after it starts")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO coupons (id, code, market, funder, shop_id, kind, amount, discount_bp, min_spend, max_discount,
		starts_at, ends_at, total, used, per_buyer_limit, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15, $16, $17)`,
		c.ID, c.Code, c.Market, c.Funder, db.NullID(c.ShopID), string(c.Kind), c.Amount, int64(c.DiscountBP), c.MinSpend, c.MaxDiscount,
		db.Micros(c.StartsAt), db.Micros(c.EndsAt), c.Total, c.PerBuyerLimit, c.Status, actor.AccountID, db.Micros(c.CreatedAt))
	if db.IsUniqueViolation(err) {
		return Coupon{}, ErrCouponCodeTaken
	}
	if err != nil {
		return Coupon{}, fmt.Errorf("promo: create coupon: %w", err)
	}
	return c, nil
}

// EndCoupon withdraws a coupon.
func (s *Service) EndCoupon(ctx context.Context, actor auth.Actor, couponID id.ID) error {
	cs, err := loadCoupons(ctx, s.db, `WHERE id = $1`, couponID)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return ErrCouponNotFound
	}
	if err := s.mayManageCoupon(ctx, actor, cs[0]); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE coupons SET status = $1 WHERE id = $2`, StatusEnded, couponID)
	return err
}

func (s *Service) mayManageCoupon(ctx context.Context, actor auth.Actor, c Coupon) error {
	if c.Funder == Platform {
		return actor.Require(auth.Operator)
	}
	_, err := s.sellers.Manage(ctx, actor, c.ShopID)
	return err
}

// ShopCoupons lists a shop's coupons for its seller.
func (s *Service) ShopCoupons(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Coupon, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return loadCoupons(ctx, s.db, `WHERE shop_id = $1 ORDER BY id DESC LIMIT 200`, shopID)
}

// PlatformCoupons lists a market's platform coupons for operators.
func (s *Service) PlatformCoupons(ctx context.Context, actor auth.Actor, marketCode string) ([]Coupon, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return loadCoupons(ctx, s.db, `WHERE funder = 'platform' AND market = $1 ORDER BY id DESC LIMIT 200`, marketCode)
}

// Program is a shipping program with a shop's enrolment in it.
type Program struct {
	market.ShippingProgram
	Enrolled bool `json:"enrolled"`
}

// Programs lists the shipping programs in a shop's market and whether the shop is in
// each (automatic programs count unless the shop opted out).
func (s *Service) Programs(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Program, error) {
	shop, err := s.sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return nil, err
	}
	pol, err := s.markets.Policy(ctx, shop.Market, s.now())
	if err != nil {
		return nil, err
	}
	en, err := enrolments(ctx, s.db, shop.ID)
	if err != nil {
		return nil, err
	}
	var out []Program
	for _, pr := range pol.Shipping.Programs {
		choice, chose := en[pr.Code]
		out = append(out, Program{ShippingProgram: pr, Enrolled: (pr.Enrolment == "automatic" && (!chose || choice)) || (pr.Enrolment == "opt_in" && choice)})
	}
	return out, nil
}

// SetEnrolment enrols a shop in a program of its market, or takes it out.
func (s *Service) SetEnrolment(ctx context.Context, actor auth.Actor, shopID id.ID, program string, enrolled bool) error {
	shop, err := s.sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return err
	}
	pol, err := s.markets.Policy(ctx, shop.Market, s.now())
	if err != nil {
		return err
	}
	for _, pr := range pol.Shipping.Programs {
		if pr.Code == program {
			return s.db.RunInTx(ctx, func(tx *db.Tx) error {
				s.pricingChanged(tx, shop.ID)
				return setEnrolment(ctx, tx, shop.ID, program, enrolled, actor.AccountID, s.now())
			})
		}
	}
	return ErrUnknownProgram.With("%s has no shipping program %q", shop.Market, program)
}
