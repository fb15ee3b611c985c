// Package events is the catalogue of facts liveshop's domains announce to each other:
// each type is one event's payload, named in the past tense, with its topic. Producers
// record them through the outbox in the same transaction as the change they describe;
// consumers in other domains decode them without importing the producer, which keeps
// the import direction one way (see docs/ARCHITECTURE.md).
//
// Payloads are JSON and evolve by adding fields only; a consumer must tolerate fields
// it does not know.
package events

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Event is anything that can be recorded in the outbox.
type Event interface {
	Topic() string
}

// Topics, one per event type.
const (
	TopicShopRegistered    = "shop.registered"
	TopicProductCreated    = "product.created"
	TopicOrderPaid         = "order.paid"
	TopicOrderShipped      = "order.shipped"
	TopicOrderDelivered    = "order.delivered"
	TopicOrderCompleted    = "order.completed"
	TopicOrderCancelled    = "order.cancelled"
	TopicOrderRefunded     = "order.refunded"
	TopicReviewCreated     = "review.created"
	TopicReturnUpdated     = "return.updated"
	TopicReviewModerated   = "review.moderated"
	TopicLiveScheduled     = "live.scheduled"
	TopicLiveStarted       = "live.started"
	TopicLiveEnded         = "live.ended"
	TopicLiveProductPinned = "live.product_pinned"
)

// ShopRegistered: a seller opened a shop in a market.
type ShopRegistered struct {
	ShopID  id.ID     `json:"shop_id"`
	OwnerID id.ID     `json:"owner_id"`
	Market  string    `json:"market"`
	Name    string    `json:"name"`
	Status  string    `json:"status"`
	At      time.Time `json:"at"`
}

func (ShopRegistered) Topic() string { return TopicShopRegistered }

// ProductCreated: a seller listed a product.
type ProductCreated struct {
	ProductID id.ID     `json:"product_id"`
	ShopID    id.ID     `json:"shop_id"`
	Market    string    `json:"market"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	At        time.Time `json:"at"`
}

func (ProductCreated) Topic() string { return TopicProductCreated }

// Order is the snapshot of an order every order event carries, so consumers need not
// read the order domain's tables.
type Order struct {
	OrderID     id.ID       `json:"order_id"`
	CheckoutID  id.ID       `json:"checkout_id"`
	BuyerID     id.ID       `json:"buyer_id"`
	ShopID      id.ID       `json:"shop_id"`
	Market      string      `json:"market"`
	Currency    string      `json:"currency"`
	Status      string      `json:"status"`
	Subtotal    int64       `json:"subtotal"`     // the items at their original prices
	ShippingFee int64       `json:"shipping_fee"` // what the label costs
	Total       int64       `json:"total"`        // what the buyer paid, minor units
	Lines       []OrderLine `json:"lines"`
	PaidAt      time.Time   `json:"paid_at"`

	// The price detail: who discounted what, and who paid the shipping.
	SellerDiscount           int64  `json:"seller_discount,omitempty"`
	PlatformDiscount         int64  `json:"platform_discount,omitempty"`
	ShippingSellerDiscount   int64  `json:"shipping_seller_discount,omitempty"`
	ShippingPlatformDiscount int64  `json:"shipping_platform_discount,omitempty"`
	BuyerShipping            int64  `json:"buyer_shipping,omitempty"`
	Tax                      int64  `json:"tax,omitempty"`
	ShippingProgram          string `json:"shipping_program,omitempty"`
	// Refunded is what the buyer has had back so far.
	Refunded int64 `json:"refunded,omitempty"`
}

// OrderLine is one line of an Order snapshot, with where the sale came from.
type OrderLine struct {
	LineID        id.ID  `json:"line_id"`
	ProductID     id.ID  `json:"product_id"`
	SKUID         id.ID  `json:"sku_id"`
	Title         string `json:"title"`
	Quantity      int64  `json:"quantity"`
	UnitPrice     int64  `json:"unit_price"`
	Total         int64  `json:"total"`
	Source        string `json:"source"` // LIVE, VIDEO, SHOWCASE, PRODUCT_CARD
	CreatorID     id.ID  `json:"creator_id,omitempty"`
	LiveSessionID id.ID  `json:"live_session_id,omitempty"`
	CommissionBP  int64  `json:"commission_bp,omitempty"`
	Commission    int64  `json:"commission,omitempty"` // minor units owed to the creator

	// The line's price detail. Total above is the original price (unit × quantity).
	SellerDiscount   int64 `json:"seller_discount,omitempty"`
	PlatformDiscount int64 `json:"platform_discount,omitempty"`
	Tax              int64 `json:"tax,omitempty"`
	TaxIncluded      bool  `json:"tax_included,omitempty"`
	Paid             int64 `json:"paid"` // what the buyer paid for the line
	// RefundedQuantity units of the line have been refunded; every amount of the
	// line is refunded pro rata (money.Portion), so consumers derive the rest.
	RefundedQuantity int64 `json:"refunded_quantity,omitempty"`
	// DealPromotionID is the flash sale or deal the line was bought under, so a live
	// room can give a cancelled order's units back to its sale.
	DealPromotionID id.ID `json:"deal_promotion_id,omitempty"`
}

// OrderPaid: the buyer's payment for the order was captured.
type OrderPaid struct {
	Order
	BuyerName string    `json:"buyer_name"`
	At        time.Time `json:"at"`
}

func (OrderPaid) Topic() string { return TopicOrderPaid }

// OrderShipped: every line of the order is with a carrier. Late says whether it left
// after its dispatch deadline.
type OrderShipped struct {
	Order
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	DispatchDue    time.Time `json:"dispatch_due"`
	Late           bool      `json:"late"`
	At             time.Time `json:"at"`
}

func (OrderShipped) Topic() string { return TopicOrderShipped }

// OrderDelivered: the carrier delivered the order.
type OrderDelivered struct {
	Order
	At time.Time `json:"at"`
}

func (OrderDelivered) Topic() string { return TopicOrderDelivered }

// OrderCompleted: the order is final; its money may settle.
type OrderCompleted struct {
	Order
	At time.Time `json:"at"`
}

func (OrderCompleted) Topic() string { return TopicOrderCompleted }

// OrderCancelled: the order will not be fulfilled. WasPaid says whether money was
// captured, in which case Refund was returned to the buyer. Fault says whose doing it
// was: buyer, seller (counts against the shop's performance), or system.
type OrderCancelled struct {
	Order
	WasPaid bool      `json:"was_paid"`
	Refund  int64     `json:"refund,omitempty"`
	Reason  string    `json:"reason"`
	Fault   string    `json:"fault,omitempty"`
	At      time.Time `json:"at"`
}

// OrderRefunded: part or all of a delivered order was refunded after a return or a
// refund-only request. Lines says how many units of each line the refund covers;
// Order carries the lines' refunded quantities after it.
type OrderRefunded struct {
	Order
	ReturnID        id.ID          `json:"return_id"`
	Kind            string         `json:"kind"` // return_refund or refund_only
	Refund          int64          `json:"refund"`
	Lines           []RefundedLine `json:"refunded_lines"`
	AdminFeeCharged bool           `json:"admin_fee_charged"`
	At              time.Time      `json:"at"`
}

// RefundedLine is one line of a refund.
type RefundedLine struct {
	LineID   id.ID `json:"line_id"`
	Quantity int64 `json:"quantity"`
	// Before is how many units of the line were refunded before this refund.
	Before int64 `json:"before"`
	Amount int64 `json:"amount"`
}

func (OrderCancelled) Topic() string { return TopicOrderCancelled }

// LiveSession describes a live session in live events.
type LiveSession struct {
	SessionID     id.ID  `json:"session_id"`
	Market        string `json:"market"`
	HostAccountID id.ID  `json:"host_account_id"`
	CreatorID     id.ID  `json:"creator_id,omitempty"`
	ShopID        id.ID  `json:"shop_id,omitempty"`
	Title         string `json:"title"`
	// ProductIDs are the products the live sells.
	ProductIDs []id.ID `json:"product_ids,omitempty"`
}

// LiveScheduled: a host scheduled a live session.
type LiveScheduled struct {
	LiveSession
	ScheduledAt time.Time `json:"scheduled_at"`
}

func (LiveScheduled) Topic() string { return TopicLiveScheduled }

// LiveStarted: a live session went live.
type LiveStarted struct {
	LiveSession
	At time.Time `json:"at"`
}

func (LiveStarted) Topic() string { return TopicLiveStarted }

// LiveEnded: a live session ended.
type LiveEnded struct {
	LiveSession
	At time.Time `json:"at"`
}

func (LiveEnded) Topic() string { return TopicLiveEnded }

// LiveProductPinned: the host pinned a product in the room.
type LiveProductPinned struct {
	SessionID id.ID     `json:"session_id"`
	ProductID id.ID     `json:"product_id"`
	At        time.Time `json:"at"`
}

func (LiveProductPinned) Topic() string { return TopicLiveProductPinned }

func (OrderRefunded) Topic() string { return TopicOrderRefunded }

// ReviewCreated: a buyer reviewed a delivered order line. First says whether it is the
// first review of the line, the only one that counts toward the shop's negative
// review rate.
type ReviewCreated struct {
	ReviewID    id.ID     `json:"review_id"`
	OrderID     id.ID     `json:"order_id"`
	LineID      id.ID     `json:"line_id"`
	ProductID   id.ID     `json:"product_id"`
	ShopID      id.ID     `json:"shop_id"`
	Rating      int       `json:"rating"`
	First       bool      `json:"first"`
	DeliveredAt time.Time `json:"delivered_at"`
	At          time.Time `json:"at"`
}

func (ReviewCreated) Topic() string { return TopicReviewCreated }

// ReturnUpdated: a cancellation, refund or return request was opened or moved on.
// Refund is everything the request gives back, in Currency's minor units.
type ReturnUpdated struct {
	ReturnID id.ID     `json:"return_id"`
	OrderID  id.ID     `json:"order_id"`
	BuyerID  id.ID     `json:"buyer_id"`
	ShopID   id.ID     `json:"shop_id"`
	Kind     string    `json:"kind"`   // cancel, refund_only or return_refund
	Status   string    `json:"status"` // requested, approved, buyer_shipped, escalated, refunded, rejected, withdrawn, closed
	Currency string    `json:"currency"`
	Refund   int64     `json:"refund"`
	At       time.Time `json:"at"`
}

func (ReturnUpdated) Topic() string { return TopicReturnUpdated }

// ReviewModerated: operators hid a review that broke the rules, or showed it again.
// A hidden review leaves every count, the negative review rate included.
type ReviewModerated struct {
	ReviewID    id.ID     `json:"review_id"`
	OrderID     id.ID     `json:"order_id"`
	LineID      id.ID     `json:"line_id"`
	ProductID   id.ID     `json:"product_id"`
	ShopID      id.ID     `json:"shop_id"`
	Rating      int       `json:"rating"`
	First       bool      `json:"first"`
	Hidden      bool      `json:"hidden"`
	DeliveredAt time.Time `json:"delivered_at"`
	At          time.Time `json:"at"`
}

func (ReviewModerated) Topic() string { return TopicReviewModerated }
