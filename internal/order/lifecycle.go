package order

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// Get returns an order with its timeline to its buyer, the seller managing its shop,
// or an operator. To anyone else the order does not exist.
func (s *Service) Get(ctx context.Context, actor auth.Actor, orderID id.ID) (Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return Order{}, err
	}
	o, err := loadOrder(ctx, s.db, orderID, true)
	if err != nil {
		return Order{}, err
	}
	if err := s.canSee(ctx, actor, o); err != nil {
		return Order{}, err
	}
	return o, nil
}

func (s *Service) canSee(ctx context.Context, actor auth.Actor, o Order) error {
	if o.BuyerID == actor.AccountID || actor.Has(auth.Operator) {
		return nil
	}
	if _, err := s.sellers.Manage(ctx, actor, o.ShopID); err == nil {
		return nil
	}
	return ErrOrderNotFound
}

// BuyerOrders lists the actor's own orders, newest first.
func (s *Service) BuyerOrders(ctx context.Context, actor auth.Actor, limit int) ([]Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	return loadOrders(ctx, s.db, false, `WHERE o.buyer_id = $1 ORDER BY o.id DESC LIMIT $2`, actor.AccountID, limit)
}

// ShopOrders lists a shop's orders, newest first, optionally of one status, for the
// seller who manages it.
func (s *Service) ShopOrders(ctx context.Context, actor auth.Actor, shopID id.ID, status Status, limit int) ([]Order, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	if status == "" {
		return loadOrders(ctx, s.db, false, `WHERE o.shop_id = $1 ORDER BY o.id DESC LIMIT $2`, shopID, limit)
	}
	if _, ok := transitions[status]; !ok && status != Completed && status != Cancelled {
		return nil, errs.Invalidf("status", "unknown order status %q", status)
	}
	return loadOrders(ctx, s.db, false, `WHERE o.shop_id = $1 AND o.status = $2 ORDER BY o.id DESC LIMIT $3`, shopID, string(status), limit)
}

// change checks with allow that the actor may act on an order, then loads it again
// inside a transaction (locked on PostgreSQL) and runs fn. The check runs before the
// transaction because it reads other domains through their own connections; who may
// act on an order never changes with its status, which fn re-reads under the lock.
func (s *Service) change(ctx context.Context, orderID id.ID, allow func(o Order) error, fn func(tx *db.Tx, o *Order) error) (Order, error) {
	o, err := loadOrder(ctx, s.db, orderID, false)
	if err != nil {
		return Order{}, err
	}
	if err := allow(o); err != nil {
		return Order{}, err
	}
	var out Order
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if tx.Engine() == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT id FROM orders WHERE id = $1`+db.ForUpdate(tx), orderID); err != nil {
				return err
			}
		}
		o, err := loadOrder(ctx, tx, orderID, false)
		if err != nil {
			return err
		}
		if err := fn(tx, &o); err != nil {
			return err
		}
		out = o
		return nil
	})
	return out, err
}

// ShipInput says how an order was shipped.
type ShipInput struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}

// Ship records that the seller handed an order to a carrier. Without a carrier the
// built-in sandbox carrier takes it and produces the tracking events itself.
func (s *Service) Ship(ctx context.Context, actor auth.Actor, orderID id.ID, in ShipInput) (Order, error) {
	in.Carrier, in.TrackingNumber = strings.TrimSpace(in.Carrier), strings.TrimSpace(in.TrackingNumber)
	if in.Carrier == "" {
		in.Carrier = SandboxCarrierName
	}
	if len(in.Carrier) > 40 {
		return Order{}, errs.Invalidf("carrier", "a carrier name is at most 40 characters")
	}
	if in.TrackingNumber == "" {
		if in.Carrier != SandboxCarrierName {
			return Order{}, errs.Invalidf("tracking_number", "give the carrier's tracking number")
		}
		in.TrackingNumber = sandboxTracking()
	}
	if len(in.TrackingNumber) > 64 {
		return Order{}, errs.Invalidf("tracking_number", "a tracking number is at most 64 characters")
	}
	return s.change(ctx, orderID, s.sellerOf(ctx, actor), func(tx *db.Tx, o *Order) error {
		now := s.now().UTC()
		if err := moveStatus(ctx, tx, o, AwaitingCollection, now, "carrier = $5, tracking_number = $6", in.Carrier, in.TrackingNumber); err != nil {
			return err
		}
		o.Carrier, o.TrackingNumber = in.Carrier, in.TrackingNumber
		if err := addStep(ctx, tx, o.ID, Step{Status: AwaitingCollection, At: now, ActorID: actor.AccountID, Note: "shipped with " + in.Carrier + ", tracking " + in.TrackingNumber}); err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderShipped{Order: o.snapshot(), Carrier: in.Carrier, TrackingNumber: in.TrackingNumber, At: now})
	})
}

func (s *Service) sellerOf(ctx context.Context, actor auth.Actor) func(Order) error {
	return func(o Order) error {
		if _, err := s.sellers.Manage(ctx, actor, o.ShopID); err != nil {
			if errors.Is(err, seller.ErrNotYourShop) {
				return ErrOrderNotFound
			}
			return err
		}
		return nil
	}
}

func sandboxTracking() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e12))
	return fmt.Sprintf("SBX%012d", n.Int64())
}

// Carrier events a carrier (or an operator on its behalf) can report.
const (
	CarrierPickedUp  = "picked_up"
	CarrierDelivered = "delivered"
)

// CarrierEvent records a tracking event for an order: collected by the carrier or
// delivered. Operators only, for carriers without an integration.
func (s *Service) CarrierEvent(ctx context.Context, actor auth.Actor, orderID id.ID, event string) (Order, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Order{}, err
	}
	if event != CarrierPickedUp && event != CarrierDelivered {
		return Order{}, errs.Invalidf("event", `event must be "picked_up" or "delivered"`)
	}
	return s.change(ctx, orderID, anyone, func(tx *db.Tx, o *Order) error {
		return s.carrierStep(ctx, tx, o, event, actor.AccountID)
	})
}

// carrierStep applies one tracking event. A delivery reported while the parcel still
// waits for collection implies the collection.
func (s *Service) carrierStep(ctx context.Context, tx *db.Tx, o *Order, event string, actorID id.ID) error {
	now := s.now().UTC()
	if o.Status == AwaitingCollection {
		if err := moveStatus(ctx, tx, o, InTransit, now, ""); err != nil {
			return err
		}
		if err := addStep(ctx, tx, o.ID, Step{Status: InTransit, At: now, ActorID: actorID, Note: "collected by " + o.Carrier}); err != nil {
			return err
		}
		if event == CarrierPickedUp {
			return nil
		}
	}
	if event == CarrierPickedUp {
		return ErrBadTransition.With("the order is %s; it cannot be collected", o.Status.Label())
	}
	if err := moveStatus(ctx, tx, o, Delivered, now, ""); err != nil {
		return err
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: Delivered, At: now, ActorID: actorID, Note: "delivered by " + o.Carrier}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderDelivered{Order: o.snapshot(), At: now})
}

// ConfirmReceipt lets the buyer complete a delivered order.
func (s *Service) ConfirmReceipt(ctx context.Context, actor auth.Actor, orderID id.ID) (Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return Order{}, err
	}
	return s.change(ctx, orderID, s.buyerOf(actor), func(tx *db.Tx, o *Order) error {
		return s.complete(ctx, tx, o, actor.AccountID, "buyer confirmed receipt")
	})
}

func (s *Service) buyerOf(actor auth.Actor) func(Order) error {
	return func(o Order) error {
		if o.BuyerID != actor.AccountID {
			if actor.Has(auth.Operator) {
				return ErrNotYourOrder.With("only the buyer can do this")
			}
			return ErrOrderNotFound
		}
		return nil
	}
}

func (s *Service) complete(ctx context.Context, tx *db.Tx, o *Order, actorID id.ID, note string) error {
	now := s.now().UTC()
	if err := moveStatus(ctx, tx, o, Completed, now, ""); err != nil {
		return err
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: Completed, At: now, ActorID: actorID, Note: note}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderCompleted{Order: o.snapshot(), At: now})
}

// Cancel lets the buyer cancel an order still awaiting payment.
func (s *Service) Cancel(ctx context.Context, actor auth.Actor, orderID id.ID, reason string) (Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return Order{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "cancelled by buyer"
	}
	if len(reason) > 200 {
		return Order{}, errs.Invalidf("reason", "a reason is at most 200 characters")
	}
	return s.change(ctx, orderID, s.buyerOf(actor), func(tx *db.Tx, o *Order) error {
		return s.cancel(ctx, tx, o, reason, actor.AccountID)
	})
}

// Run drives the order timers until ctx ends: the sandbox carrier's progress,
// auto-completion after delivery, and the unpaid-order timeout. Timers are queries on
// stored timestamps, so they survive restarts without any state of their own.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("order timers", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const sweepBatch = 200

// Sweep applies every timer that is due now. Each order moves in its own transaction.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now().UTC()
	due := func(status Status, where string, args ...any) ([]id.ID, error) {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM orders WHERE status = $1 AND `+where+` ORDER BY id LIMIT `+fmt.Sprint(sweepBatch),
			append([]any{string(status)}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []id.ID
		for rows.Next() {
			var v id.ID
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			ids = append(ids, v)
		}
		return ids, rows.Err()
	}
	apply := func(ids []id.ID, fn func(tx *db.Tx, o *Order) error) error {
		for _, oid := range ids {
			_, err := s.change(ctx, oid, anyone, fn)
			if err != nil && !errors.Is(err, ErrConcurrentChange) && !errors.Is(err, ErrBadTransition) {
				return err
			}
		}
		return nil
	}

	// The sandbox carrier collects and delivers on its schedule.
	pickup, err := due(AwaitingCollection, `carrier = $2 AND shipped_at <= $3`, SandboxCarrierName, db.Micros(now.Add(-s.Carrier.PickupAfter)))
	if err != nil {
		return err
	}
	if err := apply(pickup, func(tx *db.Tx, o *Order) error { return s.carrierStep(ctx, tx, o, CarrierPickedUp, 0) }); err != nil {
		return err
	}
	deliver, err := due(InTransit, `carrier = $2 AND shipped_at <= $3`, SandboxCarrierName, db.Micros(now.Add(-s.Carrier.DeliverAfter)))
	if err != nil {
		return err
	}
	if err := apply(deliver, func(tx *db.Tx, o *Order) error { return s.carrierStep(ctx, tx, o, CarrierDelivered, 0) }); err != nil {
		return err
	}

	// Per-market timers take their durations from each market's policy.
	ms, err := s.markets.Markets(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		p, err := s.markets.Policy(ctx, m.Code, now)
		if err != nil {
			continue // a market without a policy has no orders
		}
		complete, err := due(Delivered, `market = $2 AND delivered_at <= $3`, m.Code, db.Micros(now.AddDate(0, 0, -p.Orders.AutoCompleteDays)))
		if err != nil {
			return err
		}
		if err := apply(complete, func(tx *db.Tx, o *Order) error {
			return s.complete(ctx, tx, o, 0, fmt.Sprintf("completed automatically %d days after delivery", p.Orders.AutoCompleteDays))
		}); err != nil {
			return err
		}
		unpaid, err := due(Unpaid, `market = $2 AND created_at <= $3`, m.Code, db.Micros(now.Add(-time.Duration(p.Orders.UnpaidTimeoutMinutes)*time.Minute)))
		if err != nil {
			return err
		}
		for _, oid := range unpaid {
			if err := s.expireUnpaid(ctx, oid); err != nil && !errors.Is(err, ErrConcurrentChange) && !errors.Is(err, ErrBadTransition) {
				return err
			}
		}
	}
	return nil
}

// expireUnpaid settles an order whose checkout never recorded its payment outcome:
// if the payment was in fact captured the order is paid, otherwise it is cancelled
// and its stock returns to sale.
func (s *Service) expireUnpaid(ctx context.Context, orderID id.ID) error {
	var captured bool
	var buyerName string
	_, err := s.change(ctx, orderID, func(o Order) error {
		p, err := s.payments.ByReference(ctx, paymentRef(o.CheckoutID))
		captured = err == nil && p.Status == payment.Captured
		if captured {
			buyer, _ := s.identity.Account(ctx, o.BuyerID)
			buyerName = buyer.DisplayName
		}
		return nil
	}, func(tx *db.Tx, o *Order) error {
		if captured {
			return s.markPaid(ctx, tx, o, buyerName)
		}
		return s.cancel(ctx, tx, o, "payment not completed in time", 0)
	})
	return err
}

// anyone allows the platform's own timers to act on any order.
func anyone(Order) error { return nil }
