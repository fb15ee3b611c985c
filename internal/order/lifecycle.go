package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// Get returns an order with its timeline and packages to its buyer, the seller
// managing its shop, or an operator. To anyone else the order does not exist.
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

// anyone allows the platform's own timers to act on any order.
func anyone(Order) error { return nil }

// ConfirmReceipt lets the buyer complete a delivered order.
func (s *Service) ConfirmReceipt(ctx context.Context, actor auth.Actor, orderID id.ID) (Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return Order{}, err
	}
	return s.change(ctx, orderID, s.buyerOf(actor), func(tx *db.Tx, o *Order) error {
		return s.complete(ctx, tx, o, actor.AccountID, "buyer confirmed receipt")
	})
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

// Cancel is the buyer's cancel button. An unpaid order is cancelled at once; a paid
// order in its hold window is cancelled and refunded at once; once it awaits
// shipment, the buyer asks the seller (a cancellation request the seller must answer
// in time, or it is approved).
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
	o, err := loadOrder(ctx, s.db, orderID, false)
	if err != nil {
		return Order{}, err
	}
	if err := s.buyerOf(actor)(o); err != nil {
		return Order{}, err
	}
	if o.Status == AwaitingShipment {
		if _, err := s.RequestReturn(ctx, actor, orderID, ReturnInput{Kind: ReturnCancel, Reason: reason}); err != nil {
			return Order{}, err
		}
		return loadOrder(ctx, s.db, orderID, true)
	}
	var refund *payment.Refund
	o, err = s.change(ctx, orderID, anyone, func(tx *db.Tx, o *Order) error {
		if o.Status == Unpaid {
			return s.cancelUnpaid(ctx, tx, o, reason, actor.AccountID, FaultBuyer)
		}
		if o.Status != OnHold {
			return ErrBadTransition.With("the order is %s; ask for a return once it arrives", o.Status.Label())
		}
		r, err := s.cancelPaid(ctx, tx, o, reason, actor.AccountID, FaultBuyer)
		refund = r
		return err
	})
	if err != nil {
		return Order{}, err
	}
	s.executeRefund(ctx, refund)
	return o, nil
}

// SellerCancel lets the seller cancel an order it cannot fulfil before shipping it
// (out of stock, say). It counts as a seller-fault cancellation; the buyer is refunded.
func (s *Service) SellerCancel(ctx context.Context, actor auth.Actor, orderID id.ID, reason string) (Order, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 200 {
		return Order{}, errs.Invalidf("reason", "say why, in at most 200 characters")
	}
	var refund *payment.Refund
	o, err := s.change(ctx, orderID, s.sellerOf(ctx, actor), func(tx *db.Tx, o *Order) error {
		if o.Status != OnHold && o.Status != AwaitingShipment {
			return ErrBadTransition.With("the order is %s; a seller cancels only before shipping", o.Status.Label())
		}
		r, err := s.cancelPaid(ctx, tx, o, "cancelled by seller: "+reason, actor.AccountID, FaultSeller)
		refund = r
		return err
	})
	if err != nil {
		return Order{}, err
	}
	s.executeRefund(ctx, refund)
	return o, nil
}

// cancelPaid cancels a paid order that has not shipped: its sold stock goes back on
// sale, its deal units and coupons are released, and the whole payment for it is
// refunded (recorded here, sent to the provider after commit and retried until it
// goes through).
func (s *Service) cancelPaid(ctx context.Context, tx *db.Tx, o *Order, reason string, actorID id.ID, fault string) (*payment.Refund, error) {
	now := s.now().UTC()
	refundAmount := o.Total.Amount - o.Refunded.Amount
	if err := moveStatus(ctx, tx, o, Cancelled, now, "cancel_reason = $5, cancel_fault = $6, refunded = refunded + $7", reason, fault, refundAmount); err != nil {
		return nil, err
	}
	o.CancelReason, o.CancelFault = reason, fault
	o.Refunded.Amount += refundAmount
	for _, l := range o.Lines {
		if err := s.catalog.Restock(ctx, tx, l.SKUID, l.Quantity-l.ShippedQuantity); err != nil {
			return nil, err
		}
	}
	if err := s.promos.Release(ctx, tx, o.ID); err != nil {
		return nil, err
	}
	var refund *payment.Refund
	if refundAmount > 0 {
		r, err := s.payments.BeginRefund(ctx, tx, paymentRef(o.CheckoutID), "cancel:"+o.ID.String(), refundAmount)
		if err != nil {
			return nil, err
		}
		refund = &r
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: Cancelled, At: now, ActorID: actorID, Note: reason}); err != nil {
		return nil, err
	}
	return refund, s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderCancelled{Order: o.snapshot(), WasPaid: true,
		Refund: refundAmount, Reason: reason, Fault: fault, At: now})
}

// executeRefund sends a refund recorded in a committed transaction to the provider.
// If that fails the refund stays pending and the timers retry it.
func (s *Service) executeRefund(ctx context.Context, r *payment.Refund) {
	if r == nil {
		return
	}
	done, err := s.payments.ExecuteRefund(ctx, *r)
	if err != nil {
		s.log.Warn("refund not sent yet; will retry", "refund", r.ID, "err", err)
		return
	}
	if err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.payments.FinishRefund(ctx, tx, done) }); err != nil {
		s.log.Warn("refund outcome not recorded; will retry", "refund", r.ID, "err", err)
	}
}

// Run drives the order timers until ctx ends. Timers are queries on stored
// timestamps, so they survive restarts without any state of their own.
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

// due lists orders of a status matching where, oldest first.
func (s *Service) due(ctx context.Context, status Status, where string, args ...any) ([]id.ID, error) {
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

// ignorable are outcomes of a timer that mean someone else got there first.
func ignorable(err error) bool {
	return err == nil || errors.Is(err, ErrConcurrentChange) || errors.Is(err, ErrBadTransition)
}

// Sweep applies every timer that is due now. Each order moves in its own transaction.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now().UTC()
	if err := s.sandboxTracking(ctx, now); err != nil {
		return err
	}
	ms, err := s.markets.Markets(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		p, err := s.markets.Policy(ctx, m.Code, now)
		if err != nil {
			continue // a market without a policy has no orders
		}
		if err := s.sweepMarket(ctx, m, p, now); err != nil {
			return err
		}
	}
	if err := s.sweepReturns(ctx, now); err != nil {
		return err
	}
	return s.retryRefunds(ctx, now)
}

func (s *Service) sweepMarket(ctx context.Context, m market.Market, p market.Policy, now time.Time) error {
	unpaid, err := s.due(ctx, Unpaid, `market = $2 AND created_at <= $3`, m.Code, db.Micros(now.Add(-time.Duration(p.Orders.UnpaidTimeoutMinutes)*time.Minute)))
	if err != nil {
		return err
	}
	for _, oid := range unpaid {
		if err := s.expireUnpaid(ctx, oid, p); !ignorable(err) {
			return err
		}
	}
	held, err := s.due(ctx, OnHold, `market = $2 AND hold_until <= $3`, m.Code, db.Micros(now))
	if err != nil {
		return err
	}
	for _, oid := range held {
		_, err := s.change(ctx, oid, anyone, func(tx *db.Tx, o *Order) error {
			if err := s.toShipment(ctx, tx, o, s.now().UTC(), p); err != nil {
				return err
			}
			return addStep(ctx, tx, o.ID, Step{Status: AwaitingShipment, At: s.now().UTC(), Note: "cancellation window closed; ready to ship"})
		})
		if !ignorable(err) {
			return err
		}
	}
	// Delivered orders complete after the market's days, unless a return is open.
	complete, err := s.due(ctx, Delivered, `market = $2 AND delivered_at <= $3 AND NOT EXISTS (SELECT 1 FROM returns r
		WHERE r.order_id = orders.id AND r.status IN ('requested', 'approved', 'buyer_shipped', 'escalated'))`,
		m.Code, db.Micros(now.AddDate(0, 0, -p.Orders.AutoCompleteDays)))
	if err != nil {
		return err
	}
	for _, oid := range complete {
		_, err := s.change(ctx, oid, anyone, func(tx *db.Tx, o *Order) error {
			return s.complete(ctx, tx, o, 0, fmt.Sprintf("completed automatically %d days after delivery", p.Orders.AutoCompleteDays))
		})
		if !ignorable(err) {
			return err
		}
	}
	return nil
}

// expireUnpaid settles an order whose payment never completed in time: if the
// payment was in fact captured (a crash, or a confirmation that arrived late) the
// order is paid, otherwise it is cancelled and its stock returns to sale.
func (s *Service) expireUnpaid(ctx context.Context, orderID id.ID, pol market.Policy) error {
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
			return s.markPaid(ctx, tx, o, buyerName, pol)
		}
		return s.cancelUnpaid(ctx, tx, o, "payment not completed in time", 0, FaultSystem)
	})
	return err
}

// retryRefunds sends refunds still pending a minute after they were recorded.
func (s *Service) retryRefunds(ctx context.Context, now time.Time) error {
	rows, err := s.db.QueryContext(ctx, `SELECT r.reference, p.reference FROM payment_refunds r JOIN payments p ON p.id = r.payment_id
		WHERE r.status = 'pending' AND r.updated_at <= $1 ORDER BY r.id LIMIT 100`, db.Micros(now.Add(-time.Minute)))
	if err != nil {
		return err
	}
	type pending struct{ ref, payRef string }
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.ref, &p.payRef); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, p)
	}
	rows.Close()
	for _, p := range todo {
		var r payment.Refund
		err := s.db.RunInTx(ctx, func(tx *db.Tx) (err error) {
			r, err = s.payments.BeginRefund(ctx, tx, p.payRef, p.ref, 0) // finds the recorded refund
			return err
		})
		if err != nil {
			s.log.Warn("refund retry", "refund", p.ref, "err", err)
			continue
		}
		s.executeRefund(ctx, &r)
	}
	return nil
}
