package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
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
	"github.com/liveshop/liveshop/internal/seller"
)

// Service runs checkout and the order lifecycle.
type Service struct {
	db       *db.DB
	markets  *market.Service
	identity *identity.Service
	sellers  *seller.Service
	catalog  *catalog.Service
	payments *payment.Service
	outbox   *outbox.Outbox
	log      *slog.Logger
	now      func() time.Time

	// Carrier paces the built-in sandbox carrier.
	Carrier SandboxCarrier
}

// SandboxCarrier is the built-in simulated carrier: it collects a parcel PickupAfter
// its shipping and delivers it DeliverAfter its shipping.
type SandboxCarrier struct {
	PickupAfter  time.Duration
	DeliverAfter time.Duration
}

// SandboxCarrierName is the carrier name orders shipped with the sandbox carry.
const SandboxCarrierName = "sandbox"

// NewService returns an order service.
func NewService(d *db.DB, markets *market.Service, ident *identity.Service, sellers *seller.Service, cat *catalog.Service,
	payments *payment.Service, ob *outbox.Outbox, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, identity: ident, sellers: sellers, catalog: cat, payments: payments, outbox: ob, log: log,
		now: time.Now, Carrier: SandboxCarrier{PickupAfter: time.Hour, DeliverAfter: 24 * time.Hour}}
}

// CheckoutInput is a buyer's request to buy.
type CheckoutInput struct {
	// IdempotencyKey identifies this checkout attempt: sending the same request again
	// with the same key returns the first result and never creates a second order.
	IdempotencyKey  string      `json:"idempotency_key"`
	Market          string      `json:"market"`
	Lines           []LineInput `json:"lines"`
	ShippingAddress Address     `json:"shipping_address"`
	PaymentMethod   string      `json:"payment_method"`
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
	Status     string      `json:"status"` // "paid", "failed" or "pending"
	Total      money.Money `json:"total"`
	Orders     []Order     `json:"orders"`
	// Replayed is true when this answers a repeated request with the first result.
	Replayed bool `json:"replayed"`
}

func (in *CheckoutInput) validate() error {
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if in.IdempotencyKey == "" || len(in.IdempotencyKey) > 100 {
		return errs.Invalidf("idempotency_key", "send an idempotency key of 1-100 characters (a fresh UUID per checkout attempt)")
	}
	if len(in.Lines) == 0 || len(in.Lines) > MaxLines {
		return errs.Invalidf("lines", "a checkout has 1-%d lines", MaxLines)
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
	if in.PaymentMethod == "" {
		return payment.ErrUnknownMethod.With("choose a payment method")
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
		Market  string
		Lines   []line
		Address Address
		Method  string
	}{in.Market, lines, in.ShippingAddress, in.PaymentMethod})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Checkout reserves stock, creates one order per shop and takes payment. It returns
// only once the outcome is durable: paid orders with their order.paid events, or
// orders cancelled with their stock released and the payment error. No request with
// the same idempotency key ever creates a second set of orders.
func (s *Service) Checkout(ctx context.Context, actor auth.Actor, in CheckoutInput) (CheckoutResult, error) {
	if err := actor.RequireLogin(); err != nil {
		return CheckoutResult{}, err
	}
	if err := in.validate(); err != nil {
		return CheckoutResult{}, err
	}
	m, err := s.markets.Market(ctx, in.Market)
	if err != nil {
		if errors.Is(err, market.ErrMarketNotFound) {
			return CheckoutResult{}, market.ErrMarketNotFound.OnField("market")
		}
		return CheckoutResult{}, err
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
	hash := in.hash()
	if prev, found, err := findCheckout(ctx, s.db, actor.AccountID, in.IdempotencyKey); err != nil {
		return CheckoutResult{}, err
	} else if found {
		return s.replay(ctx, prev, hash)
	}

	now := s.now().UTC()
	checkoutID := id.New()
	var orders []*Order
	var pay payment.Payment
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var err error
		orders, err = s.placeOrders(ctx, tx, actor, checkoutID, m, in, now)
		if err != nil {
			return err
		}
		total := money.Zero(m.Currency)
		for _, o := range orders {
			total.Amount += o.Total.Amount
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, market, currency, total, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)`, checkoutID, actor.AccountID, in.IdempotencyKey, hash, m.Code,
			m.Currency, total.Amount, db.Micros(now)); err != nil {
			return err
		}
		for _, o := range orders {
			if err := insertOrder(ctx, tx, o); err != nil {
				return err
			}
		}
		pay, _, err = s.payments.Begin(ctx, tx, payment.ChargeInput{Reference: paymentRef(checkoutID), PayerID: actor.AccountID,
			Amount: total, Method: in.PaymentMethod})
		return err
	})
	if db.IsUniqueViolation(err) {
		// The same request raced itself; answer with whichever got there first.
		if prev, found, ferr := findCheckout(ctx, s.db, actor.AccountID, in.IdempotencyKey); ferr == nil && found {
			return s.replay(ctx, prev, hash)
		}
	}
	if err != nil {
		return CheckoutResult{}, err
	}

	pay, payErr := s.payments.Execute(ctx, pay)
	if err := s.settlePayment(ctx, checkoutID, orders, pay, actor.Name); err != nil {
		// The payment's outcome could not be recorded. The orders stay UNPAID with their
		// pending payment; the unpaid-order timer settles them from the payment record.
		s.log.Error("checkout: could not record payment outcome", "checkout", checkoutID, "payment", pay.ID, "status", pay.Status, "err", err)
		return CheckoutResult{}, errs.New(errs.Unavailable, "checkout_incomplete", "we could not confirm your order; it will be confirmed or cancelled automatically, check your orders shortly").Wrap(err)
	}
	res := CheckoutResult{CheckoutID: checkoutID, Status: "paid", Total: pay.Amount}
	for _, o := range orders {
		res.Orders = append(res.Orders, *o)
	}
	if payErr != nil {
		res.Status = "failed"
		return res, payErr
	}
	return res, nil
}

func paymentRef(checkoutID id.ID) string { return "checkout:" + checkoutID.String() }

// placeOrders reads each SKU, reserves its stock and groups the lines into one
// order per shop. Errors name the line at fault.
func (s *Service) placeOrders(ctx context.Context, tx *db.Tx, actor auth.Actor, checkoutID id.ID, m market.Market, in CheckoutInput, now time.Time) ([]*Order, error) {
	byShop := map[id.ID]*Order{}
	var orders []*Order
	for i, li := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		it, err := s.catalog.ItemForSale(ctx, tx, li.SKUID)
		if err != nil {
			return nil, errs.OnField(err, field+".sku_id")
		}
		if it.Market != m.Code {
			return nil, ErrWrongMarket.With("%q is sold in %s, not %s", it.Title, it.Market, m.Code).OnField(field + ".sku_id")
		}
		o := byShop[it.ShopID]
		if o == nil {
			shop, err := s.sellers.LoadShop(ctx, tx, it.ShopID)
			if err != nil {
				return nil, err
			}
			if !shop.CanSell() {
				return nil, seller.ErrShopNotActive.With("%s is not taking orders right now", shop.Name).OnField(field + ".sku_id")
			}
			o = &Order{ID: id.New(), CheckoutID: checkoutID, BuyerID: actor.AccountID, ShopID: it.ShopID, Market: m.Code,
				Status: Unpaid, ShippingAddress: in.ShippingAddress, CreatedAt: now,
				Subtotal: money.Zero(m.Currency), ShippingFee: money.Zero(m.Currency), Total: money.Zero(m.Currency)}
			byShop[it.ShopID] = o
			orders = append(orders, o)
		}
		if err := s.catalog.Reserve(ctx, tx, li.SKUID, li.Quantity); err != nil {
			return nil, errs.OnField(err, field+".quantity")
		}
		lineTotal, ok := money.MulInt(it.Price.Amount, li.Quantity)
		if !ok {
			return nil, money.ErrOverflow.OnField(field + ".quantity")
		}
		a := li.Attribution
		if a.Source == "" {
			a.Source = SourceProductCard
		}
		l := Line{ID: id.New(), ProductID: it.ProductID, SKUID: it.ID, Title: it.Title, SKUName: it.Name, Quantity: li.Quantity,
			UnitPrice: it.Price, Total: money.New(lineTotal, m.Currency), Source: a.Source, CreatorID: a.CreatorID,
			LiveSessionID: a.LiveSessionID, Commission: money.Zero(m.Currency)}
		if a.CreatorID != 0 {
			l.CommissionBP = a.CommissionBP
			l.Commission = money.New(money.ApplyBP(lineTotal, a.CommissionBP), m.Currency)
		}
		o.Lines = append(o.Lines, l)
		if o.Subtotal.Amount, ok = money.AddInt(o.Subtotal.Amount, lineTotal); !ok {
			return nil, money.ErrOverflow.OnField(field + ".quantity")
		}
		o.Total.Amount = o.Subtotal.Amount + o.ShippingFee.Amount
	}
	return orders, nil
}

// settlePayment records the payment's outcome and moves the orders to match, in one
// transaction: paid (stock committed, order.paid announced) or cancelled (stock
// released). It retries briefly, because the money has already moved.
func (s *Service) settlePayment(ctx context.Context, checkoutID id.ID, orders []*Order, pay payment.Payment, buyerName string) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		snapshot := make([]Order, len(orders))
		for i, o := range orders {
			snapshot[i] = *o
		}
		err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
			if err := s.payments.Finish(ctx, tx, pay); err != nil {
				return err
			}
			status := "paid"
			for i := range snapshot {
				o := &snapshot[i]
				var err error
				if pay.Status == payment.Captured {
					err = s.markPaid(ctx, tx, o, buyerName)
				} else {
					err = s.cancel(ctx, tx, o, "payment "+pay.FailureCode, 0)
					status = "failed"
				}
				if err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE checkouts SET status = $1, payment_id = $2 WHERE id = $3`, status, pay.ID, checkoutID)
			return err
		})
		if err == nil {
			for i := range snapshot {
				*orders[i] = snapshot[i]
			}
			return nil
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return err
}

// markPaid moves an unpaid order to awaiting shipment, turns its reserved stock into
// sold stock and announces order.paid.
func (s *Service) markPaid(ctx context.Context, tx *db.Tx, o *Order, buyerName string) error {
	now := s.now().UTC()
	if err := moveStatus(ctx, tx, o, AwaitingShipment, now, ""); err != nil {
		return err
	}
	for _, l := range o.Lines {
		if err := s.catalog.Commit(ctx, tx, l.SKUID, l.Quantity); err != nil {
			return err
		}
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: AwaitingShipment, At: now, Note: "payment captured"}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderPaid{Order: o.snapshot(), BuyerName: publicName(buyerName), At: now})
}

// cancel cancels an unpaid order and releases its stock. Cancelling after payment
// needs a refund and arrives with returns.
func (s *Service) cancel(ctx context.Context, tx *db.Tx, o *Order, reason string, actorID id.ID) error {
	if o.Status != Unpaid {
		return ErrBadTransition.With("the order is %s; only orders awaiting payment can be cancelled here", o.Status.Label())
	}
	now := s.now().UTC()
	if err := moveStatus(ctx, tx, o, Cancelled, now, "cancel_reason = $5", reason); err != nil {
		return err
	}
	o.CancelReason = reason
	for _, l := range o.Lines {
		if err := s.catalog.Release(ctx, tx, l.SKUID, l.Quantity); err != nil {
			return err
		}
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: Cancelled, At: now, ActorID: actorID, Note: reason}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderCancelled{Order: o.snapshot(), WasPaid: false, Reason: reason, At: now})
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
	case "pending":
		return res, ErrCheckoutInProgress
	}
	return res, nil
}

// snapshot is the order as events carry it.
func (o Order) snapshot() events.Order {
	e := events.Order{OrderID: o.ID, CheckoutID: o.CheckoutID, BuyerID: o.BuyerID, ShopID: o.ShopID, Market: o.Market,
		Currency: o.Total.Currency, Status: string(o.Status), Subtotal: o.Subtotal.Amount, ShippingFee: o.ShippingFee.Amount,
		Total: o.Total.Amount, PaidAt: o.PaidAt}
	for _, l := range o.Lines {
		e.Lines = append(e.Lines, events.OrderLine{LineID: l.ID, ProductID: l.ProductID, SKUID: l.SKUID, Title: l.Title,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice.Amount, Total: l.Total.Amount, Source: string(l.Source),
			CreatorID: l.CreatorID, LiveSessionID: l.LiveSessionID, CommissionBP: int64(l.CommissionBP), Commission: l.Commission.Amount})
	}
	return e
}
