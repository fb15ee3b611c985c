// Package order owns checkout and the life of an order: splitting a cart into one
// order per shop, reserving stock, taking payment, and walking TikTok Shop's canonical
// states from UNPAID to COMPLETED or CANCELLED, each step checked, timestamped,
// recorded in the order's history and announced as an event.
package order

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
)

// Status is an order's state, named as TikTok Shop names them.
type Status string

// Order states.
const (
	Unpaid             Status = "UNPAID"
	OnHold             Status = "ON_HOLD"
	AwaitingShipment   Status = "AWAITING_SHIPMENT"
	PartiallyShipping  Status = "PARTIALLY_SHIPPING"
	AwaitingCollection Status = "AWAITING_COLLECTION"
	InTransit          Status = "IN_TRANSIT"
	Delivered          Status = "DELIVERED"
	Completed          Status = "COMPLETED"
	Cancelled          Status = "CANCELLED"
)

// transitions lists every allowed move. Nothing else changes an order's status.
var transitions = map[Status][]Status{
	Unpaid:             {OnHold, AwaitingShipment, Cancelled},
	OnHold:             {AwaitingShipment, Cancelled},
	AwaitingShipment:   {PartiallyShipping, AwaitingCollection, InTransit, Cancelled},
	PartiallyShipping:  {AwaitingCollection, InTransit, Cancelled},
	AwaitingCollection: {InTransit, Cancelled},
	InTransit:          {Delivered},
	Delivered:          {Completed},
}

// CanTransition reports whether an order may move from one status to another.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Label is the status as buyers and sellers read it.
func (s Status) Label() string {
	switch s {
	case Unpaid:
		return "Awaiting payment"
	case OnHold:
		return "On hold"
	case AwaitingShipment:
		return "To ship"
	case PartiallyShipping:
		return "Partially shipped"
	case AwaitingCollection:
		return "Awaiting collection"
	case InTransit:
		return "In transit"
	case Delivered:
		return "Delivered"
	case Completed:
		return "Completed"
	case Cancelled:
		return "Cancelled"
	}
	return string(s)
}

// Source is where a sale came from, as TikTok Shop attributes it.
type Source string

// Sources.
const (
	SourceLive        Source = "LIVE"
	SourceVideo       Source = "VIDEO"
	SourceShowcase    Source = "SHOWCASE"
	SourceProductCard Source = "PRODUCT_CARD"
)

// Attribution says who gets credit (and commission) for a line. It is set by the
// server-side path the buyer came through, never taken from the buyer's request.
type Attribution struct {
	Source        Source
	CreatorID     id.ID
	LiveSessionID id.ID
	CommissionBP  money.BP
}

// Address is a shipping address.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone,omitempty"`
}

func (a Address) validate(market string) error {
	fields := []struct {
		name, v  string
		min, max int
	}{
		{"shipping_address.name", a.Name, 1, 100},
		{"shipping_address.line1", a.Line1, 1, 200},
		{"shipping_address.line2", a.Line2, 0, 200},
		{"shipping_address.city", a.City, 1, 100},
		{"shipping_address.region", a.Region, 0, 100},
		{"shipping_address.postal_code", a.PostalCode, 0, 20},
		{"shipping_address.phone", a.Phone, 0, 30},
	}
	for _, f := range fields {
		if n := utf8.RuneCountInString(strings.TrimSpace(f.v)); n < f.min || n > f.max {
			if f.min > 0 && n == 0 {
				return errs.Invalidf(f.name, "required")
			}
			return errs.Invalidf(f.name, "at most %d characters", f.max)
		}
	}
	if a.Country != market {
		return ErrWrongMarket.With("orders in %s ship within %s; the address is in %q", market, market, a.Country).OnField("shipping_address.country")
	}
	return nil
}

// Order is one shop's part of a checkout.
type Order struct {
	ID         id.ID  `json:"id"`
	CheckoutID id.ID  `json:"checkout_id"`
	BuyerID    id.ID  `json:"buyer_id"`
	ShopID     id.ID  `json:"shop_id"`
	Market     string `json:"market"`
	Status     Status `json:"status"`
	// The price detail, in TikTok Shop's shape: Subtotal is the items at their
	// original prices, ShippingFee what the label costs; the discounts say who funded
	// them; Total is what the buyer pays.
	Subtotal                 money.Money     `json:"subtotal"`
	SellerDiscount           money.Money     `json:"seller_discount"`
	PlatformDiscount         money.Money     `json:"platform_discount"`
	ShippingFee              money.Money     `json:"shipping_fee"`
	ShippingSellerDiscount   money.Money     `json:"shipping_seller_discount"`
	ShippingPlatformDiscount money.Money     `json:"shipping_platform_discount"`
	BuyerShipping            money.Money     `json:"buyer_shipping"`
	Tax                      money.Money     `json:"tax"`
	Total                    money.Money     `json:"total"`
	PlatformFunded           money.Money     `json:"platform_funded"`
	ShippingProgram          string          `json:"shipping_program,omitempty"`
	ProgramPlatformShare     money.Money     `json:"program_platform_share"`
	ProgramSellerShare       money.Money     `json:"program_seller_share"`
	Applied                  []promo.Applied `json:"applied,omitempty"`
	Refunded                 money.Money     `json:"refunded"`
	HoldUntil                time.Time       `json:"hold_until,omitzero"`
	DispatchDueAt            time.Time       `json:"dispatch_due_at,omitzero"`
	LateDispatch             bool            `json:"late_dispatch,omitempty"`
	CancelFault              string          `json:"cancel_fault,omitempty"`
	Lines                    []Line          `json:"lines"`
	ShippingAddress          Address         `json:"shipping_address"`
	Carrier                  string          `json:"carrier,omitempty"`
	TrackingNumber           string          `json:"tracking_number,omitempty"`
	CancelReason             string          `json:"cancel_reason,omitempty"`
	CreatedAt                time.Time       `json:"created_at"`
	PaidAt                   time.Time       `json:"paid_at,omitzero"`
	ShippedAt                time.Time       `json:"shipped_at,omitzero"`
	DeliveredAt              time.Time       `json:"delivered_at,omitzero"`
	CompletedAt              time.Time       `json:"completed_at,omitzero"`
	CancelledAt              time.Time       `json:"cancelled_at,omitzero"`
	History                  []Step          `json:"history,omitempty"`
	Packages                 []Package       `json:"packages,omitempty"`
}

// Line is one SKU in an order, with the price and attribution fixed at checkout.
type Line struct {
	ID            id.ID       `json:"id"`
	ProductID     id.ID       `json:"product_id"`
	SKUID         id.ID       `json:"sku_id"`
	Title         string      `json:"title"`
	SKUName       string      `json:"sku_name"`
	Quantity      int64       `json:"quantity"`
	UnitPrice     money.Money `json:"unit_price"`
	Total         money.Money `json:"total"`
	Source        Source      `json:"source"`
	CreatorID     id.ID       `json:"creator_id,omitempty"`
	LiveSessionID id.ID       `json:"live_session_id,omitempty"`
	CommissionBP  money.BP    `json:"commission_bp,omitempty"`
	Commission    money.Money `json:"commission"`
	// The line's price detail. Total is the original price (unit × quantity).
	SellerDiscount   money.Money `json:"seller_discount"`
	PlatformDiscount money.Money `json:"platform_discount"`
	Tax              money.Money `json:"tax"`
	TaxIncluded      bool        `json:"tax_included,omitempty"`
	Paid             money.Money `json:"paid"`
	DealPromotionID  id.ID       `json:"deal_promotion_id,omitempty"`
	ShippedQuantity  int64       `json:"shipped_quantity"`
	RefundedQuantity int64       `json:"refunded_quantity"`
}

// Step is one entry of an order's timeline.
type Step struct {
	Status  Status    `json:"status"`
	At      time.Time `json:"at"`
	ActorID id.ID     `json:"actor_id,omitempty"`
	Note    string    `json:"note"`
}

// Errors of the order domain.
var (
	ErrOrderNotFound      = errs.New(errs.NotFound, "order_not_found", "no such order")
	ErrBadTransition      = errs.New(errs.Conflict, "invalid_order_status", "the order is not in a state that allows this")
	ErrConcurrentChange   = errs.New(errs.Conflict, "order_changed", "the order changed while you were acting on it; reload and try again")
	ErrIdempotencyReused  = errs.New(errs.Conflict, "idempotency_key_reused", "this idempotency key was used for a different checkout; use a new key for a new checkout").OnField("idempotency_key")
	ErrWrongMarket        = errs.New(errs.Invalid, "wrong_market", "this item is not sold in this market")
	ErrMarketNotSelling   = errs.New(errs.Rule, "market_not_selling", "this market is not open for buying yet").OnField("market")
	ErrNotYourOrder       = errs.New(errs.Forbidden, "not_your_order", "this order is not yours to change")
	ErrCheckoutInProgress = errs.New(errs.Conflict, "checkout_in_progress", "this checkout is still being processed; try again in a moment")
	ErrCartExpired        = errs.New(errs.Rule, "cart_expired", "items in your cart have expired; review the cart and check out again").OnField("cart")
	ErrCartEmpty          = errs.New(errs.Rule, "cart_empty", "your cart has nothing to check out in this market").OnField("cart")
	ErrPackageMix         = errs.New(errs.Invalid, "package_mix", "one package holds orders of one shop for one buyer at one address").OnField("items")
	ErrNothingToShip      = errs.New(errs.Rule, "nothing_to_ship", "everything on this order has shipped")
	ErrUnknownCarrier     = errs.New(errs.Invalid, "unknown_carrier", "unknown carrier").OnField("carrier")
	ErrPackageNotFound    = errs.New(errs.NotFound, "package_not_found", "no such package")
)

// Cancellation faults, recorded for the shop's performance score.
const (
	FaultBuyer  = "buyer"
	FaultSeller = "seller"
	FaultSystem = "system"
)

// MaxQuantity bounds one line's quantity; MaxLines one checkout's lines.
const (
	MaxQuantity = 999
	MaxLines    = 50
)
