package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service runs checkout and the order lifecycle.
type Service struct {
	db       *db.DB
	markets  *market.Service
	identity *identity.Service
	sellers  *seller.Service
	catalog  *catalog.Service
	promos   *promo.Service
	payments *payment.Service
	outbox   *outbox.Outbox
	log      *slog.Logger
	now      func() time.Time

	// groups, while GroupCheckouts is in force, write checkouts in shared
	// transactions; otherwise each checkout writes alone.
	groups atomic.Pointer[checkoutGroups]
	// Carriers ship packages; "sandbox" is the built-in simulated carrier.
	Carriers map[string]Carrier
}

// NewService returns an order service with the sandbox carrier at the given pace.
func NewService(d *db.DB, markets *market.Service, ident *identity.Service, sellers *seller.Service, cat *catalog.Service,
	promos *promo.Service, payments *payment.Service, ob *outbox.Outbox, log *slog.Logger) *Service {
	s := &Service{db: d, markets: markets, identity: ident, sellers: sellers, catalog: cat, promos: promos, payments: payments, outbox: ob, log: log,
		now: time.Now}
	s.Carriers = map[string]Carrier{SandboxCarrierName: &SandboxCarrier{PickupAfter: time.Hour, DeliverAfter: 24 * time.Hour}, ManualCarrier: manual{}}
	return s
}

// CheckoutInput is a buyer's request to buy: lines, or the buyer's cart in the market.
type CheckoutInput struct {
	// IdempotencyKey identifies this checkout attempt: sending the same request again
	// with the same key returns the first result and never creates a second order.
	IdempotencyKey string      `json:"idempotency_key"`
	Market         string      `json:"market"`
	Lines          []LineInput `json:"lines"`
	FromCart       bool        `json:"from_cart"`
	// CartAttribution credits cart lines by product, as the server-side path the buyer
	// came through says (a creator's link, a video); never taken from JSON.
	CartAttribution map[id.ID]Attribution `json:"-"`
	Coupons         []string              `json:"coupons"`
	ShippingAddress Address               `json:"shipping_address"`
	PaymentMethod   string                `json:"payment_method"`
}

// LineInput is one SKU and quantity. Its attribution is filled in by the server-side
// path the buyer came through (a live room, a creator's showcase), never from JSON.
type LineInput struct {
	SKUID       id.ID       `json:"sku_id"`
	Quantity    int64       `json:"quantity"`
	Attribution Attribution `json:"-"`
}

// CheckoutResult is what a checkout produced.
type CheckoutResult struct {
	CheckoutID id.ID       `json:"checkout_id"`
	Status     string      `json:"status"` // paid, failed, pending or action_required
	Total      money.Money `json:"total"`
	Orders     []Order     `json:"orders"`
	// NextAction is where the buyer confirms the payment when Status is action_required.
	NextAction string `json:"next_action,omitempty"`
	// Replayed is true when this answers a repeated request with the first result.
	Replayed bool `json:"replayed"`
}

func (in *CheckoutInput) validate() error {
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if in.IdempotencyKey == "" || len(in.IdempotencyKey) > 100 {
		return errs.Invalidf("idempotency_key", "send an idempotency key of 1-100 characters (a fresh UUID per checkout attempt)")
	}
	if in.FromCart && len(in.Lines) > 0 {
		return errs.Invalidf("lines", "send lines or from_cart, not both")
	}
	if !in.FromCart && (len(in.Lines) == 0 || len(in.Lines) > MaxLines) {
		return errs.Invalidf("lines", "a checkout has 1-%d lines", MaxLines)
	}
	if len(in.Coupons) > 5 {
		return errs.Invalidf("coupons", "at most 5 coupons")
	}
	seen := map[id.ID]bool{}
	for i, l := range in.Lines {
		if l.SKUID == 0 {
			return errs.Invalidf(fmt.Sprintf("lines[%d].sku_id", i), "required")
		}
		if seen[l.SKUID] {
			return errs.Invalidf(fmt.Sprintf("lines[%d].sku_id", i), "a SKU appears once per checkout; raise its quantity instead")
		}
		seen[l.SKUID] = true
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			return errs.Invalidf(fmt.Sprintf("lines[%d].quantity", i), "quantity must be 1-%d", MaxQuantity)
		}
	}
	return nil
}

// hash fingerprints the request, attribution included, so a reused idempotency key
// with a different request is caught.
func (in CheckoutInput) hash() string {
	type line struct {
		SKU  id.ID
		Qty  int64
		Attr Attribution
	}
	lines := make([]line, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = line{l.SKUID, l.Quantity, l.Attribution}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].SKU < lines[j].SKU })
	b, _ := json.Marshal(struct {
		Market   string
		Lines    []line
		FromCart bool
		CartAttr map[id.ID]Attribution
		Coupons  []string
		Address  Address
		Method   string
	}{in.Market, lines, in.FromCart, in.CartAttribution, in.Coupons, in.ShippingAddress, in.PaymentMethod})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Checkout prices the lines (promotions, coupons, shipping program, tax), reserves
// stock and deal units, creates one order per shop and takes payment. It returns only
// once the outcome is durable: paid orders with their order.paid events, orders
// awaiting the buyer's confirmation of the payment, or orders cancelled with their
// stock released and the payment error. No request with the same idempotency key
// ever creates a second set of orders.
func (s *Service) Checkout(ctx context.Context, actor auth.Actor, in CheckoutInput) (CheckoutResult, error) {
	if err := actor.RequireLogin(); err != nil {
		return CheckoutResult{}, err
	}
	if err := in.validate(); err != nil {
		return CheckoutResult{}, err
	}
	m, err := s.markets.Market(ctx, in.Market)
	if err != nil {
		return CheckoutResult{}, errs.OnField(err, "market")
	}
	if !m.Selling() {
		return CheckoutResult{}, ErrMarketNotSelling.With("%s is %s; buying opens when it goes live", m.Name, m.LaunchState)
	}
	if err := in.ShippingAddress.validate(m.Code); err != nil {
		return CheckoutResult{}, err
	}
	if err := s.payments.CheckMethod(in.PaymentMethod); err != nil {
		return CheckoutResult{}, err
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, m.Code, now)
	if err != nil {
		return CheckoutResult{}, err
	}
	// The request as sent identifies it, so a retried checkout of the cart is the first
	// checkout, not a refusal of the cart it emptied.
	hash := in.hash()
	if prev, found, err := findCheckout(ctx, s.db, actor.AccountID, in.IdempotencyKey); err != nil {
		return CheckoutResult{}, err
	} else if found {
		return s.replay(ctx, prev, hash)
	}
	if in.FromCart {
		if in.Lines, err = s.cartLines(ctx, actor.AccountID, m.Code, pol, now, in.CartAttribution); err != nil {
			return CheckoutResult{}, err
		}
	}

	pc, err := s.priceCheckout(ctx, actor, m, pol, in, now)
	if err != nil {
		return CheckoutResult{}, err
	}
	j := &checkoutJob{actor: actor, in: in, m: m, pol: pol, pc: pc, now: now, hash: hash, id: id.New()}
	err = s.place(ctx, j)
	if db.IsUniqueViolation(err) {
		// The same request raced itself; answer with whichever got there first.
		if prev, found, ferr := findCheckout(ctx, s.db, actor.AccountID, in.IdempotencyKey); ferr == nil && found {
			return s.replay(ctx, prev, hash)
		}
	}
	if err != nil {
		return CheckoutResult{}, err
	}
	checkoutID, orders, total, pay := j.id, j.orders, j.total, j.pay

	var payErr error
	if total > 0 {
		pay, payErr = s.payments.Execute(ctx, pay)
	} else {
		pay.Status = payment.Captured
	}
	if err := s.settle(ctx, &settlement{checkoutID: checkoutID, orders: orders, pay: pay, buyerName: actor.Name, pol: pol}); err != nil {
		// The payment's outcome could not be recorded. The orders stay UNPAID with their
		// pending payment; the unpaid-order timer settles them from the payment record.
		s.log.Error("checkout: could not record payment outcome", "checkout", checkoutID, "payment", pay.ID, "status", pay.Status, "err", err)
		return CheckoutResult{}, errs.New(errs.Unavailable, "checkout_incomplete", "we could not confirm your order; it will be confirmed or cancelled automatically, check your orders shortly").Wrap(err)
	}
	res := CheckoutResult{CheckoutID: checkoutID, Status: "paid", Total: money.New(total, m.Currency)}
	for _, o := range orders {
		res.Orders = append(res.Orders, *o)
	}
	switch {
	case pay.Status == payment.ActionRequired:
		res.Status, res.NextAction = "action_required", pay.NextAction
		return res, nil
	case payErr != nil:
		res.Status = "failed"
		return res, payErr
	}
	return res, nil
}

func paymentRef(checkoutID id.ID) string { return "checkout:" + checkoutID.String() }

// pricedCheckout is a checkout read and priced before its transaction.
type pricedCheckout struct {
	items []catalog.Item
	quote promo.Quote
	where map[id.ID]int // SKU -> input line index, to name fields
}

// priceCheckout reads each SKU and shop and prices the checkout, outside any
// transaction: these reads run in parallel on the read pool, and the single writer
// only writes. What a concurrent change could invalidate is checked again by the
// writes themselves (stock by Reserve, deal units and coupons by promo.Redeem); a
// price is the one in force when the buyer asked. Errors name the line at fault.
func (s *Service) priceCheckout(ctx context.Context, actor auth.Actor, m market.Market, pol market.Policy, in CheckoutInput, now time.Time) (pricedCheckout, error) {
	pc := pricedCheckout{items: make([]catalog.Item, len(in.Lines)), where: map[id.ID]int{}}
	byShop := map[id.ID]int{}
	var shops []promo.ShopLines
	skus := make([]id.ID, len(in.Lines))
	for i, li := range in.Lines {
		skus[i] = li.SKUID
	}
	items, refused, err := s.catalog.ItemsForSale(ctx, s.db, skus)
	if err != nil {
		return pc, err
	}
	for i, li := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		it := items[i]
		if refused[i] != nil {
			return pc, errs.OnField(refused[i], field+".sku_id")
		}
		if it.Market != m.Code {
			return pc, ErrWrongMarket.With("%q is sold in %s, not %s", it.Title, it.Market, m.Code).OnField(field + ".sku_id")
		}
		pc.items[i], pc.where[li.SKUID] = it, i
		k, ok := byShop[it.ShopID]
		if !ok {
			k = len(shops)
			byShop[it.ShopID] = k
			shops = append(shops, promo.ShopLines{ShopID: it.ShopID})
		}
		shops[k].Lines = append(shops[k].Lines, promo.LineIn{SKUID: it.ID, ProductID: it.ProductID, UnitPrice: it.Price.Amount, Quantity: li.Quantity})
	}
	pc.quote, err = s.promos.Quote(ctx, s.db, promo.QuoteInput{Market: m.Code, Currency: m.Currency, Policy: pol, At: now, BuyerID: actor.AccountID,
		Shops: shops, Coupons: in.Coupons})
	return pc, err
}

// buildOrder makes an unpaid order from a shop's priced part of a checkout; item gives
// each priced line's catalog item and attribution. Checkout and the flash-sale writer
// both build orders here, so an order reads the same whichever path made it.
func buildOrder(checkoutID, buyer id.ID, m market.Market, addr Address, now time.Time, po promo.OrderOut,
	item func(promo.LineOut) (catalog.Item, Attribution)) *Order {
	cur := func(v int64) money.Money { return money.New(v, m.Currency) }
	o := &Order{ID: id.New(), CheckoutID: checkoutID, BuyerID: buyer, ShopID: po.ShopID, Market: m.Code, Status: Unpaid,
		ShippingAddress: addr, CreatedAt: now,
		Subtotal: cur(po.Original), SellerDiscount: cur(po.SellerDiscount), PlatformDiscount: cur(po.PlatformDiscount),
		ShippingFee: cur(po.ShippingFee), ShippingSellerDiscount: cur(po.ShippingSellerDiscount), ShippingPlatformDiscount: cur(po.ShippingPlatformDiscount),
		BuyerShipping: cur(po.BuyerShipping), Tax: cur(po.Tax), Total: cur(po.Total), PlatformFunded: cur(po.PlatformFunded),
		ShippingProgram: po.Program, ProgramPlatformShare: cur(po.ProgramPlatformShare), ProgramSellerShare: cur(po.ProgramSellerShare),
		Applied: po.Applied, Refunded: cur(0)}
	for _, pl := range po.Lines {
		it, a := item(pl)
		if a.Source == "" {
			a.Source = SourceProductCard
		}
		l := Line{ID: id.New(), ProductID: it.ProductID, SKUID: it.ID, Title: it.Title, SKUName: it.Name, Quantity: pl.Quantity,
			UnitPrice: cur(pl.UnitPrice), Total: cur(pl.Original), Source: a.Source, CreatorID: a.CreatorID, LiveSessionID: a.LiveSessionID,
			SellerDiscount: cur(pl.SellerDiscount), PlatformDiscount: cur(pl.PlatformDiscount), Tax: cur(pl.Tax), TaxIncluded: pl.TaxIncluded,
			Paid: cur(pl.Paid), DealPromotionID: pl.DealPromotionID, Commission: cur(0)}
		if a.CreatorID != 0 {
			// Commission is on what the seller earns from the line: after its own
			// discounts, before the platform's, without tax.
			l.CommissionBP = a.CommissionBP
			l.Commission = cur(money.ApplyBP(SellerRevenue(pl.Original, pl.SellerDiscount, pl.Tax, pl.TaxIncluded), a.CommissionBP))
		}
		o.Lines = append(o.Lines, l)
	}
	return o
}

// SellerRevenue is what a line earns the seller before fees: its original price less
// the seller's own discounts and any tax included in the price. Commission and the
// referral fee are both computed on it.
func SellerRevenue(original, sellerDiscount, tax int64, taxIncluded bool) int64 {
	r := original - sellerDiscount
	if taxIncluded {
		r -= tax
	}
	return r
}

// toShipment moves a paid order to awaiting shipment with its dispatch deadline: the
// market's number of business days, in the market's calendar.
func (s *Service) toShipment(ctx context.Context, tx *db.Tx, o *Order, now time.Time, pol market.Policy) error {
	m, err := s.markets.Market(ctx, o.Market)
	if err != nil {
		return err
	}
	due := pol.Calendar.AddBusinessDays(now, pol.Performance.DispatchBusinessDays, m.Location())
	if err := moveStatus(ctx, tx, o, AwaitingShipment, now, "dispatch_due_at = $5", db.Micros(due)); err != nil {
		return err
	}
	o.DispatchDueAt = due
	return nil
}

// cancelUnpaid cancels an order that was never paid: its reserved stock and deal units
// go back on sale.
func (s *Service) cancelUnpaid(ctx context.Context, tx *db.Tx, o *Order, reason string, actorID id.ID, fault string) error {
	if o.Status != Unpaid {
		return ErrBadTransition.With("the order is %s; it was paid", o.Status.Label())
	}
	now := s.now().UTC()
	if err := moveStatus(ctx, tx, o, Cancelled, now, "cancel_reason = $5, cancel_fault = $6", reason, fault); err != nil {
		return err
	}
	o.CancelReason, o.CancelFault = reason, fault
	for _, l := range o.Lines {
		if err := s.catalog.Release(ctx, tx, l.SKUID, l.Quantity); err != nil {
			return err
		}
	}
	if err := s.promos.Release(ctx, tx, o.ID); err != nil {
		return err
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: Cancelled, At: now, ActorID: actorID, Note: reason}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderCancelled{Order: o.snapshot(), WasPaid: false, Reason: reason, Fault: fault, At: now})
}

// publicName shortens a buyer's name for the room ticker: "Ana Lima" -> "Ana L.".
func publicName(name string) string {
	parts := strings.Fields(name)
	switch len(parts) {
	case 0:
		return "Someone"
	case 1:
		return parts[0]
	default:
		return parts[0] + " " + string([]rune(parts[len(parts)-1])[:1]) + "."
	}
}

// replay answers a repeated checkout request with the first one's result.
func (s *Service) replay(ctx context.Context, prev checkoutRow, hash string) (CheckoutResult, error) {
	if prev.RequestHash != hash {
		return CheckoutResult{}, ErrIdempotencyReused
	}
	orders, err := loadOrders(ctx, s.db, false, `WHERE o.checkout_id = $1 ORDER BY o.id`, prev.ID)
	if err != nil {
		return CheckoutResult{}, err
	}
	res := CheckoutResult{CheckoutID: prev.ID, Status: prev.Status, Orders: orders, Replayed: true}
	for _, o := range orders {
		if res.Total.Currency == "" {
			res.Total = money.Zero(o.Total.Currency)
		}
		res.Total.Amount += o.Total.Amount
	}
	switch prev.Status {
	case "failed":
		p, err := s.payments.ByReference(ctx, paymentRef(prev.ID))
		if err != nil {
			return res, err
		}
		return res, p.Err()
	case "action_required":
		p, err := s.payments.ByReference(ctx, paymentRef(prev.ID))
		if err != nil {
			return res, err
		}
		res.NextAction = p.NextAction
	case "pending":
		return res, ErrCheckoutInProgress
	}
	return res, nil
}

// snapshot is the order as events carry it.
func (o Order) snapshot() events.Order {
	e := events.Order{OrderID: o.ID, CheckoutID: o.CheckoutID, BuyerID: o.BuyerID, ShopID: o.ShopID, Market: o.Market,
		Currency: o.Total.Currency, Status: string(o.Status), Subtotal: o.Subtotal.Amount, ShippingFee: o.ShippingFee.Amount,
		Total: o.Total.Amount, PaidAt: o.PaidAt, SellerDiscount: o.SellerDiscount.Amount, PlatformDiscount: o.PlatformDiscount.Amount,
		ShippingSellerDiscount: o.ShippingSellerDiscount.Amount, ShippingPlatformDiscount: o.ShippingPlatformDiscount.Amount,
		BuyerShipping: o.BuyerShipping.Amount, Tax: o.Tax.Amount, ShippingProgram: o.ShippingProgram, Refunded: o.Refunded.Amount}
	for _, l := range o.Lines {
		e.Lines = append(e.Lines, events.OrderLine{LineID: l.ID, ProductID: l.ProductID, SKUID: l.SKUID, Title: l.Title,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice.Amount, Total: l.Total.Amount, Source: string(l.Source),
			CreatorID: l.CreatorID, LiveSessionID: l.LiveSessionID, CommissionBP: int64(l.CommissionBP), Commission: l.Commission.Amount,
			SellerDiscount: l.SellerDiscount.Amount, PlatformDiscount: l.PlatformDiscount.Amount, Tax: l.Tax.Amount,
			TaxIncluded: l.TaxIncluded, Paid: l.Paid.Amount, RefundedQuantity: l.RefundedQuantity, DealPromotionID: l.DealPromotionID})
	}
	return e
}
