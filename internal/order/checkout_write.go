package order

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
)

// A checkout writes twice: placing (stock and deal units reserved, orders, the
// checkout and its pending payment, all durable before the provider is asked for
// money) and settling (the payment's outcome and what follows from it). Both are
// written for a batch of checkouts at once, with one statement per table rather than
// one per checkout, whether the batch is one checkout (GroupCheckouts not called, or
// a quiet moment) or hundreds (a rush). That is what makes checkout fast: each
// statement costs about the same for one row as for a hundred.

// checkoutJob is one checkout on its way through placement: read and priced before,
// written by placeCheckouts, which fills in its orders and pending payment or err.
type checkoutJob struct {
	actor auth.Actor
	in    CheckoutInput
	m     market.Market
	pol   market.Policy
	pc    pricedCheckout
	now   time.Time
	hash  string
	id    id.ID

	orders []*Order
	total  int64
	pay    payment.Payment
	err    error // why this checkout was refused, when the batch was written without it
}

// settlement is a checkout's payment outcome to record with its orders.
type settlement struct {
	checkoutID id.ID
	orders     []*Order
	pay        payment.Payment
	buyerName  string
	pol        market.Policy
	err        error
}

// checkoutGroups are the two group-commit writers of checkout.
type checkoutGroups struct {
	place  *db.Group[*checkoutJob]
	settle *db.Group[*settlement]
}

// GroupCheckouts makes checkouts write in shared transactions of up to maxBatch
// checkouts each, formed from whatever is waiting when the last one committed: under
// light load a checkout commits at once, under a rush batches grow by themselves.
func (s *Service) GroupCheckouts(maxBatch int) {
	g := &checkoutGroups{place: db.NewGroup(maxBatch, s.writePlacements), settle: db.NewGroup(maxBatch, s.writeSettlements)}
	if old := s.groups.Swap(g); old != nil {
		old.close()
	}
}

// StopGroupingCheckouts writes what is queued and makes each checkout write alone
// again: before the database closes, and for the benchmark's naive baseline. A
// checkout caught by the stop is told the server is restarting.
func (s *Service) StopGroupingCheckouts() {
	if g := s.groups.Swap(nil); g != nil {
		g.close()
	}
}

func (g *checkoutGroups) close() {
	g.place.Close()
	g.settle.Close()
}

// place writes a priced checkout's orders and pending payment, alone or in the next
// batch. A nil error means they are durable.
func (s *Service) place(ctx context.Context, j *checkoutJob) error {
	g := s.groups.Load()
	if g == nil {
		if err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.placeCheckouts(ctx, tx, []*checkoutJob{j}) }); err != nil {
			return err
		}
		return j.err
	}
	if err := g.place.Do(ctx, j); err != nil {
		return shuttingDown(err)
	}
	return j.err
}

// writePlacements writes a batch in one transaction. The batch fails as a whole only
// when something other than stock refuses one of its checkouts (a shop reaching its
// daily cap, a coupon running out, the same request twice); then each checkout is
// written on its own, so one bad checkout costs the others nothing but time.
func (s *Service) writePlacements(batch []*checkoutJob) {
	ctx := context.Background()
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.placeCheckouts(ctx, tx, batch) })
	if err == nil {
		return
	}
	for _, j := range batch {
		if len(batch) == 1 {
			j.err = err
			break
		}
		if err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.placeCheckouts(ctx, tx, []*checkoutJob{j}) }); err != nil {
			j.err = err
		}
	}
}

// placeCheckouts writes checkouts in tx: stock reserved for all of them at once (one
// update per SKU; a checkout the stock cannot serve is refused alone, its err set),
// each shop's daily order slots taken once, deal units and coupons redeemed, then
// every checkout's rows in a few multi-row statements. An error fails them all.
func (s *Service) placeCheckouts(ctx context.Context, tx *db.Tx, jobs []*checkoutJob) error {
	wants := make([][]catalog.Want, len(jobs))
	for i, j := range jobs {
		j.orders, j.total, j.pay, j.err = nil, 0, payment.Payment{}, nil
		for _, l := range j.in.Lines {
			wants[i] = append(wants[i], catalog.Want{SKUID: l.SKUID, Quantity: l.Quantity})
		}
	}
	refusals, err := s.catalog.ReserveEach(ctx, tx, wants)
	if err != nil {
		return err
	}
	var admitted []*checkoutJob
	for i, j := range jobs {
		if r := refusals[i]; r.Err != nil {
			j.err = errs.OnField(r.Err, fmt.Sprintf("lines[%d].quantity", r.Line))
			continue
		}
		admitted = append(admitted, j)
	}
	if len(admitted) == 0 {
		return nil
	}

	// The shops' onboarding tiers cap their orders per market day; an error names the
	// first line from the shop that is full.
	perShop := map[id.ID]int{}
	field := map[id.ID]string{}
	var shops []id.ID
	for _, j := range admitted {
		for _, po := range j.pc.quote.Orders {
			if perShop[po.ShopID] == 0 {
				shops = append(shops, po.ShopID)
				field[po.ShopID] = fmt.Sprintf("lines[%d].sku_id", j.pc.where[po.Lines[0].SKUID])
			}
			perShop[po.ShopID]++
		}
	}
	slices.Sort(shops)
	for _, shop := range shops {
		if err := s.sellers.TakeDailyOrderSlots(ctx, tx, shop, admitted[0].now, perShop[shop]); err != nil {
			return errs.OnField(err, field[shop])
		}
	}

	var orders []*Order
	var charges []payment.ChargeInput
	var charged []*checkoutJob
	for _, j := range admitted {
		q := j.pc.quote
		orderIDs := make([]id.ID, len(q.Orders))
		for k, po := range q.Orders {
			o := buildOrder(j.id, j.actor.AccountID, j.m, j.in.ShippingAddress, j.now, po, func(pl promo.LineOut) (catalog.Item, Attribution) {
				i := j.pc.where[pl.SKUID]
				return j.pc.items[i], j.in.Lines[i].Attribution
			})
			orderIDs[k] = o.ID
			j.orders = append(j.orders, o)
		}
		if err := s.promos.Redeem(ctx, tx, j.id, j.actor.AccountID, q, orderIDs); err != nil {
			return err
		}
		j.total = q.Total
		orders = append(orders, j.orders...)
		if q.Total > 0 { // else nothing to charge: fully discounted
			charges = append(charges, payment.ChargeInput{Reference: paymentRef(j.id), PayerID: j.actor.AccountID,
				Amount: money.New(q.Total, j.m.Currency), Method: j.in.PaymentMethod})
			charged = append(charged, j)
		}
	}
	if len(charges) > 0 {
		pays, err := s.payments.BeginMany(ctx, tx, charges)
		if err != nil {
			return err
		}
		for i, j := range charged {
			j.pay = pays[i]
		}
	}
	args := make([]any, 0, 10*len(admitted))
	for _, j := range admitted {
		args = append(args, j.id, j.actor.AccountID, j.in.IdempotencyKey, j.hash, j.m.Code, j.m.Currency, j.total, "pending",
			db.NullID(j.pay.ID), db.Micros(j.now))
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, market, currency, total, status, payment_id, created_at) VALUES `,
		10, args, ""); err != nil {
		return err
	}
	if err := insertOrders(ctx, tx, orders); err != nil {
		return err
	}
	for _, j := range admitted {
		if !j.in.FromCart {
			continue
		}
		skus := make([]id.ID, len(j.in.Lines))
		for i, l := range j.in.Lines {
			skus[i] = l.SKUID
		}
		if _, err := db.ExecIn(ctx, tx, `DELETE FROM cart_items WHERE buyer_id = $1 AND sku_id IN`, []any{j.actor.AccountID}, skus, ""); err != nil {
			return err
		}
	}
	return nil
}

// settle records a checkout's payment outcome, alone or in the next batch.
func (s *Service) settle(ctx context.Context, st *settlement) error {
	g := s.groups.Load()
	if g == nil {
		return s.settleRetrying(ctx, s.db, st)
	}
	if err := g.settle.Do(ctx, st); err != nil {
		return shuttingDown(err)
	}
	return st.err
}

// writeSettlements records a batch of outcomes in one transaction; if that fails,
// each on its own with retries.
func (s *Service) writeSettlements(batch []*settlement) {
	ctx := context.Background()
	if len(batch) > 1 && s.recordOutcomes(ctx, s.db, batch) == nil {
		for _, st := range batch {
			st.err = nil
		}
		return
	}
	for _, st := range batch {
		st.err = s.settleRetrying(ctx, s.db, st)
	}
}

// settleMany records many checkouts' outcomes (the flash-sale payers' haul), each
// st.err saying how its own went: in the grouped batches when grouping is on, else in
// one transaction of their own.
func (s *Service) settleMany(ctx context.Context, sts []*settlement) {
	g := s.groups.Load()
	if g == nil {
		s.writeSettlements(sts)
		return
	}
	n, err := g.settle.DoAll(ctx, sts)
	for _, st := range sts[n:] {
		st.err = shuttingDown(err)
	}
}

// settleRetrying records an outcome, retrying briefly, because the money has already
// moved.
func (s *Service) settleRetrying(ctx context.Context, w db.TxRunner, st *settlement) error {
	var err error
	for attempt := range 3 {
		if err = s.recordOutcomes(ctx, w, []*settlement{st}); err == nil {
			return nil
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return err
}

// recordOutcomes records payment outcomes and moves the orders to match, in one
// transaction: paid (stock committed, order.paid announced), awaiting the buyer's
// confirmation, or cancelled (stock and deals released). The orders change in memory
// only once the transaction commits.
func (s *Service) recordOutcomes(ctx context.Context, w db.TxRunner, batch []*settlement) error {
	snapshots := make([][]Order, len(batch))
	for i, st := range batch {
		snapshots[i] = make([]Order, len(st.orders))
		for k, o := range st.orders {
			snapshots[i][k] = *o
		}
	}
	err := w.RunInTx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		var paid []paidOrder
		byStatus := map[string][]id.ID{}
		for i, st := range batch {
			if st.pay.ID != 0 {
				if err := s.payments.Finish(ctx, tx, st.pay); err != nil {
					return err
				}
			}
			status := "paid"
			for k := range snapshots[i] {
				o := &snapshots[i][k]
				switch st.pay.Status {
				case payment.Captured:
					paid = append(paid, paidOrder{o: o, buyerName: st.buyerName, pol: st.pol})
				case payment.ActionRequired:
					status = "action_required"
				default:
					status = "failed"
					if err := s.cancelUnpaid(ctx, tx, o, "payment "+st.pay.FailureCode, 0, FaultBuyer); err != nil {
						return err
					}
				}
			}
			byStatus[status] = append(byStatus[status], st.checkoutID)
		}
		if err := s.markPaidMany(ctx, tx, paid, now); err != nil {
			return err
		}
		for _, status := range []string{"paid", "action_required", "failed"} {
			if ids := byStatus[status]; len(ids) > 0 {
				if _, err := db.ExecIn(ctx, tx, `UPDATE checkouts SET status = $1 WHERE id IN`, []any{status}, ids, ""); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, st := range batch {
		for k := range snapshots[i] {
			*st.orders[k] = snapshots[i][k]
		}
	}
	return nil
}

// paidOrder is an unpaid order whose payment was captured.
type paidOrder struct {
	o         *Order
	buyerName string
	pol       market.Policy
}

// markPaid moves an unpaid order on once its payment is captured (markPaidMany).
func (s *Service) markPaid(ctx context.Context, tx *db.Tx, o *Order, buyerName string, pol market.Policy) error {
	return s.markPaidMany(ctx, tx, []paidOrder{{o: o, buyerName: buyerName, pol: pol}}, s.now().UTC())
}

// markPaidMany moves unpaid orders on: into the market's hold window (when the buyer
// may still cancel) or straight to awaiting shipment with the market's dispatch
// deadline; turns their reserved stock into sold stock and announces order.paid. One
// update per destination, one per SKU, one insert each for history and events, for
// however many orders. An order no longer unpaid fails the lot (ErrConcurrentChange).
func (s *Service) markPaidMany(ctx context.Context, tx *db.Tx, paid []paidOrder, now time.Time) error {
	if len(paid) == 0 {
		return nil
	}
	type move struct {
		to  Status
		col string
		at  int64
	}
	var moves []move
	ids := map[move][]id.ID{}
	sold := map[id.ID]int64{}
	var skus []id.ID
	for _, p := range paid {
		o := p.o
		if o.Status != Unpaid {
			return ErrBadTransition.With("the order is %s; it cannot be paid again", o.Status.Label())
		}
		var mv move
		if p.pol.Orders.OnHoldMinutes > 0 {
			o.HoldUntil = now.Add(time.Duration(p.pol.Orders.OnHoldMinutes) * time.Minute)
			mv = move{OnHold, "hold_until", db.Micros(o.HoldUntil)}
		} else {
			m, err := s.markets.Market(ctx, o.Market)
			if err != nil {
				return err
			}
			o.DispatchDueAt = p.pol.Calendar.AddBusinessDays(now, p.pol.Performance.DispatchBusinessDays, m.Location())
			mv = move{AwaitingShipment, "dispatch_due_at", db.Micros(o.DispatchDueAt)}
		}
		if _, ok := ids[mv]; !ok {
			moves = append(moves, mv)
		}
		ids[mv] = append(ids[mv], o.ID)
		o.Status, o.PaidAt = mv.to, now
		for _, l := range o.Lines {
			if _, ok := sold[l.SKUID]; !ok {
				skus = append(skus, l.SKUID)
			}
			sold[l.SKUID] += l.Quantity
		}
	}
	for _, mv := range moves {
		n, err := db.ExecIn(ctx, tx, markPaidHead(tx.Engine(), mv.col),
			[]any{string(mv.to), db.Micros(now), mv.at, string(Unpaid)}, ids[mv], "")
		if err != nil {
			return fmt.Errorf("order: mark paid: %w", err)
		}
		if n != int64(len(ids[mv])) {
			return ErrConcurrentChange
		}
	}
	slices.Sort(skus)
	for _, sku := range skus {
		if err := s.catalog.Commit(ctx, tx, sku, sold[sku]); err != nil {
			return err
		}
	}
	steps := make([]any, 0, 6*len(paid))
	msgs := make([]outbox.Message, len(paid))
	for i, p := range paid {
		steps = append(steps, id.New(), p.o.ID, string(p.o.Status), id.ID(0), "payment captured", db.Micros(now))
		msgs[i] = outbox.Message{Aggregate: outbox.Aggregate("order", p.o.ID),
			Event: events.OrderPaid{Order: p.o.snapshot(), BuyerName: publicName(p.buyerName), At: now}}
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO order_history (id, order_id, status, actor_id, note, at) VALUES `, 6, steps, ""); err != nil {
		return fmt.Errorf("order: insert history: %w", err)
	}
	return s.outbox.AddMany(ctx, tx, msgs)
}

// markPaidHead moves orders still unpaid, by id, to a paid status whose deadline is
// col. The ids drive the update: the status is only checked (see db.NotIndexed).
func markPaidHead(e db.Engine, col string) string {
	return `UPDATE orders SET status = $1, updated_at = $2, paid_at = $2, ` + col + ` = $3 WHERE ` + db.NotIndexed(e, "status") + ` = $4 AND id IN`
}

// shuttingDown turns a closed writer into the answer buyers see during a restart.
func shuttingDown(err error) error {
	if errors.Is(err, db.ErrBatcherClosed) {
		return ErrShuttingDown
	}
	return err
}
