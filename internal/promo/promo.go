// Package promo owns what changes a price: sellers' promotions (fixed price, percent
// off, flash sale, buy more save more, shipping discount), coupons funded by a seller
// or by the platform, shops' enrolment in the market's shipping programs, and the
// pricing rules that turn all of it into TikTok Shop's price detail for an order: what
// each line cost, who discounted what, what shipping cost and who paid it, the tax,
// what the buyer pays and what the platform funded.
package promo

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Kind is a kind of seller promotion.
type Kind string

// Promotion kinds.
const (
	FixedPrice       Kind = "fixed_price"       // items sell at a set price
	PercentOff       Kind = "percent_off"       // items sell at a percentage off
	FlashSale        Kind = "flash_sale"        // a set price for a short time and a limited quantity
	BuyMore          Kind = "buy_more"          // buy N or more, save a percentage (at most two tiers)
	ShippingDiscount Kind = "shipping_discount" // shipping discounted or free above a spend
)

// itemLevel reports whether the kind sets a line's unit price (at most one such deal
// applies to a line: the best).
func (k Kind) itemLevel() bool { return k == FixedPrice || k == PercentOff || k == FlashSale }

// Promotion is a seller's promotion.
type Promotion struct {
	ID       id.ID     `json:"id"`
	ShopID   id.ID     `json:"shop_id"`
	Market   string    `json:"market"`
	Kind     Kind      `json:"kind"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Status   string    `json:"status"` // active or ended
	// Exclusive keeps other seller discounts (buy more save more, seller coupons) off
	// the lines this promotion prices. Platform coupons still apply.
	Exclusive     bool   `json:"exclusive"`
	PerBuyerLimit int64  `json:"per_buyer_limit,omitempty"` // units per buyer; 0 = no limit
	Items         []Item `json:"items,omitempty"`
	Tiers         []Tier `json:"tiers,omitempty"`
	MinSpend      int64  `json:"min_spend,omitempty"`
	// DiscountAmount is taken off shipping by a shipping discount; 0 makes it free.
	DiscountAmount int64 `json:"discount_amount,omitempty"`
	// AllProducts applies a buy-more or shipping promotion to every product of the
	// shop; otherwise Items lists the products.
	AllProducts bool      `json:"all_products,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Item is a product (or one SKU of it) in a promotion with its deal.
type Item struct {
	ProductID  id.ID    `json:"product_id"`
	SKUID      id.ID    `json:"sku_id,omitempty"`      // 0: every SKU of the product
	DealPrice  int64    `json:"deal_price,omitempty"`  // fixed price and flash sale
	DiscountBP money.BP `json:"discount_bp,omitempty"` // percent off
	Quantity   int64    `json:"quantity,omitempty"`    // flash sale units; 0 = unlimited
	Sold       int64    `json:"sold,omitempty"`
}

// Tier is one step of a buy-more-save-more promotion.
type Tier struct {
	MinQuantity int64    `json:"min_quantity"`
	DiscountBP  money.BP `json:"discount_bp"`
}

// ActiveAt reports whether the promotion applies at t.
func (p Promotion) ActiveAt(t time.Time) bool {
	return (p.Status == StatusActive || p.Status == StatusRoom) && !t.Before(p.StartsAt) && t.Before(p.EndsAt)
}

// item returns the promotion's deal for a SKU of a product.
func (p Promotion) item(product, sku id.ID) (Item, bool) {
	var found Item
	ok := false
	for _, it := range p.Items {
		if it.ProductID != product {
			continue
		}
		if it.SKUID == sku {
			return it, true // a SKU's own deal wins over the product's
		}
		if it.SKUID == 0 {
			found, ok = it, true
		}
	}
	return found, ok
}

// covers reports whether a buy-more or shipping promotion applies to a product.
func (p Promotion) covers(product id.ID) bool {
	if p.AllProducts {
		return true
	}
	for _, it := range p.Items {
		if it.ProductID == product {
			return true
		}
	}
	return false
}

// Statuses of promotions and coupons.
const (
	StatusActive = "active"
	// StatusRoom is a promotion that is active only inside the live room that opened it
	// (a live flash sale): checkout elsewhere never prices with it, so every unit goes
	// through the room's gate.
	StatusRoom  = "room"
	StatusEnded = "ended"
)

// CouponKind is what a coupon takes off.
type CouponKind string

// Coupon kinds.
const (
	CouponAmount   CouponKind = "amount"   // a fixed amount off items
	CouponPercent  CouponKind = "percent"  // a percentage off items, optionally capped
	CouponShipping CouponKind = "shipping" // off shipping; amount 0 makes it free
)

// Funders of coupons and discounts.
const (
	Seller   = "seller"
	Platform = "platform"
)

// Coupon is a code a buyer enters at checkout.
type Coupon struct {
	ID            id.ID      `json:"id"`
	Code          string     `json:"code"`
	Market        string     `json:"market"`
	Funder        string     `json:"funder"`
	ShopID        id.ID      `json:"shop_id,omitempty"` // seller coupons only
	Kind          CouponKind `json:"kind"`
	Amount        int64      `json:"amount,omitempty"`
	DiscountBP    money.BP   `json:"discount_bp,omitempty"`
	MinSpend      int64      `json:"min_spend,omitempty"`
	MaxDiscount   int64      `json:"max_discount,omitempty"`
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        time.Time  `json:"ends_at"`
	Total         int64      `json:"total,omitempty"` // uses in all; 0 = unlimited
	Used          int64      `json:"used"`
	PerBuyerLimit int64      `json:"per_buyer_limit"` // uses per buyer; 0 = unlimited
	Status        string     `json:"status"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Errors of promotions and coupons.
var (
	ErrPromotionNotFound = errs.New(errs.NotFound, "promotion_not_found", "no such promotion")
	ErrCouponNotFound    = errs.New(errs.NotFound, "coupon_not_found", "no such coupon code")
	ErrCouponNotValid    = errs.New(errs.Rule, "coupon_not_applicable", "this coupon does not apply")
	ErrCouponsStack      = errs.New(errs.Rule, "coupons_do_not_stack", "one seller coupon per shop and one platform coupon per order")
	ErrCouponCodeTaken   = errs.New(errs.Conflict, "coupon_code_taken", "a coupon with this code exists in this market; choose another code").OnField("code")
	ErrPriceFloor        = errs.New(errs.Rule, "price_above_floor", "a flash-sale price must be below the item's lowest price of the lookback period")
	ErrPromotionOverlap  = errs.New(errs.Conflict, "promotion_overlap", "this item already has a deal of this kind at that time")
	ErrUnknownProgram    = errs.New(errs.NotFound, "shipping_program_not_found", "no such shipping program in this market").OnField("program")
)
