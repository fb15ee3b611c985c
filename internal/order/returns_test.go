package order_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// delivered buys qty units for buyer, ships them and lets the sandbox carrier deliver.
func (f fixture) delivered(t *testing.T, buyer auth.Actor, key string, qty int64) order.Order {
	t.Helper()
	ctx := context.Background()
	res, err := f.buy(buyer, key, qty, "pm_card_visa")
	if err != nil {
		t.Fatal(err)
	}
	oid := res.Orders[0].ID
	if _, err := f.orders.Ship(ctx, f.owner, oid, order.ShipInput{}); err != nil {
		t.Fatal(err)
	}
	if err := f.orders.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := f.orders.Get(ctx, buyer, oid)
	if err != nil || o.Status != order.Delivered {
		t.Fatalf("delivered: %s %v", o.Status, err)
	}
	return o
}

// payloads returns the outbox payloads of a topic, oldest first.
func payloads[T any](t *testing.T, d *db.DB, topic string) []T {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT payload FROM outbox WHERE topic = $1 ORDER BY id`, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var p string
		var v T
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(p), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// refunds lists the payment refunds recorded, as reference -> amount of those that
// went through.
func refunds(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT reference, amount FROM payment_refunds WHERE status = 'succeeded'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var ref string
		var amount int64
		rows.Scan(&ref, &amount)
		out[ref] = amount
	}
	return out
}

// rewind moves a stored time of every row matching where into the past, as if time
// had passed.
func rewind(t *testing.T, d *db.DB, table, column string, ago time.Duration, where string, args ...any) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), `UPDATE `+table+` SET `+column+` = $1 WHERE `+where,
		append([]any{db.Micros(time.Now().Add(-ago))}, args...)...); err != nil {
		t.Fatal(err)
	}
}

func TestHoldWindowLetsTheBuyerCancelBeforeTheSellerShips(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Orders.OnHoldMinutes = 60 })
		ctx := context.Background()
		buyer := f.Actor(t, "bea")

		res, err := f.buy(buyer, "a", 2, "pm_card_visa")
		if err != nil {
			t.Fatal(err)
		}
		o := res.Orders[0]
		if o.Status != order.OnHold || o.HoldUntil.Sub(o.PaidAt) != time.Hour {
			t.Fatalf("paid order %s, hold until %v", o.Status, o.HoldUntil)
		}
		if _, err := f.orders.Ship(ctx, f.owner, o.ID, order.ShipInput{}); !errors.Is(err, order.ErrBadTransition) {
			t.Fatalf("shipping during the hold: %v", err)
		}
		cancelled, err := f.orders.Cancel(ctx, buyer, o.ID, "changed my mind")
		if err != nil || cancelled.Status != order.Cancelled || cancelled.CancelFault != order.FaultBuyer || cancelled.Refunded != o.Total {
			t.Fatalf("cancel in the hold window: %+v %v", cancelled, err)
		}
		if got := refunds(t, d); got["cancel:"+o.ID.String()] != o.Total.Amount {
			t.Fatalf("refunds %v", got)
		}
		if s, r := f.stock(t); s != 10 || r != 0 {
			t.Fatalf("stock %d reserved %d after the cancel", s, r)
		}

		// Once the window passes, the timer moves the order on with a dispatch deadline.
		res, _ = f.buy(buyer, "b", 1, "pm_card_visa")
		rewind(t, d, "orders", "hold_until", time.Second, "id = $2", res.Orders[0].ID)
		if err := f.orders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		o, _ = f.orders.Get(ctx, buyer, res.Orders[0].ID)
		if o.Status != order.AwaitingShipment || o.DispatchDueAt.Before(time.Now().Add(47*time.Hour)) {
			t.Fatalf("after the hold: %s, dispatch due %v", o.Status, o.DispatchDueAt)
		}
		// Now the buyer can only ask the seller to cancel.
		if o, err = f.orders.Cancel(ctx, buyer, o.ID, "too slow"); err != nil || o.Status != order.AwaitingShipment {
			t.Fatalf("cancel request: %s %v", o.Status, err)
		}
		rs, _ := f.orders.ReturnsOfOrder(ctx, buyer, o.ID)
		if len(rs) != 1 || rs[0].Kind != order.ReturnCancel || rs[0].Status != order.ReturnRequested {
			t.Fatalf("requests %+v", rs)
		}
	})
}

func TestCancellationRequestsAnsweredByTheSellerOrTheClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		ask := func(key string) (order.Order, order.Return) {
			res, err := f.buy(buyer, key, 1, "pm_card_visa")
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.orders.RequestReturn(ctx, buyer, res.Orders[0].ID, order.ReturnInput{Kind: order.ReturnCancel, Reason: "ordered twice"})
			if err != nil {
				t.Fatal(err)
			}
			return res.Orders[0], r
		}

		// The seller approves: the order is cancelled and refunded, not the seller's fault.
		o, r := ask("a")
		if r, err := f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true}); err != nil || r.Status != order.ReturnRefunded {
			t.Fatalf("approve: %+v %v", r, err)
		}
		if o, _ = f.orders.Get(ctx, buyer, o.ID); o.Status != order.Cancelled || o.CancelFault != order.FaultBuyer {
			t.Fatalf("approved cancellation: %s %s", o.Status, o.CancelFault)
		}

		// The seller ships instead: the request is refused for them.
		o, r = ask("b")
		if _, err := f.orders.Ship(ctx, f.owner, o.ID, order.ShipInput{}); err != nil {
			t.Fatal(err)
		}
		if r, _ = f.orders.GetReturn(ctx, buyer, r.ID); r.Status != order.ReturnRejected || r.CanEscalate(time.Now()) {
			t.Fatalf("after shipping: %+v", r)
		}

		// Nobody answers in time: it is approved automatically.
		o, r = ask("c")
		rewind(t, d, "returns", "seller_respond_by", time.Second, "id = $2", r.ID)
		if err := f.orders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		r, _ = f.orders.GetReturn(ctx, buyer, r.ID)
		if o, _ = f.orders.Get(ctx, buyer, o.ID); r.Status != order.ReturnRefunded || o.Status != order.Cancelled {
			t.Fatalf("after the deadline: request %s, order %s", r.Status, o.Status)
		}
		if s, _ := f.stock(t); s != 9 { // only the shipped unit left stock
			t.Fatalf("stock %d", s)
		}
	})
}

func TestReturnAndRefundInPartsAddsUpToWhatWasPaid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		// Shipping is charged so the last refund can give it back; a promotion makes
		// the unit price split unevenly.
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Shipping.StandardFee, p.Shipping.Programs = 599, nil })
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		o := f.delivered(t, buyer, "a", 3)
		if o.Total.Amount != 3*1299+599 {
			t.Fatalf("total %v", o.Total)
		}
		line := o.Lines[0]

		// One unit comes back: approve, ship back, receive.
		r, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnAndRefund, Reason: "wrong shade",
			Lines: []order.ReturnLineInput{{LineID: line.ID, Quantity: 1}}})
		if err != nil || r.Refund.Amount != 1299 || r.ShippingRefund.Amount != 0 {
			t.Fatalf("request: %+v %v", r, err)
		}
		if _, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "again"}); !errors.Is(err, order.ErrReturnOpen) {
			t.Fatalf("second open request: %v", err)
		}
		if _, err := f.orders.ShipReturn(ctx, buyer, r.ID, "RT1"); !errors.Is(err, order.ErrReturnState) {
			t.Fatalf("shipping back before approval: %v", err)
		}
		if r, err = f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true}); err != nil || r.Status != order.ReturnApproved || r.BuyerShipBy.IsZero() {
			t.Fatalf("approve: %+v %v", r, err)
		}
		if r, err = f.orders.ShipReturn(ctx, buyer, r.ID, "RT1"); err != nil || r.Status != order.ReturnBuyerShipped {
			t.Fatalf("ship back: %+v %v", r, err)
		}
		stockBefore, _ := f.stock(t)
		if r, err = f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true}); err != nil || r.Status != order.ReturnRefunded {
			t.Fatalf("receive: %+v %v", r, err)
		}
		if s, _ := f.stock(t); s != stockBefore+1 {
			t.Fatalf("returned unit not restocked: %d -> %d", stockBefore, s)
		}

		// The other two, refund only: the last units bring the shipping back too.
		r2, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "damaged"})
		if err != nil || r2.Refund.Amount != 2*1299 || r2.ShippingRefund.Amount != 599 || len(r2.Lines) != 1 || r2.Lines[0].Quantity != 2 {
			t.Fatalf("second request: %+v %v", r2, err)
		}
		if _, err := f.orders.RespondToReturn(ctx, f.owner, r2.ID, order.SellerResponse{Approve: true}); err != nil {
			t.Fatal(err)
		}
		o, _ = f.orders.Get(ctx, buyer, o.ID)
		if o.Refunded != o.Total || o.Lines[0].RefundedQuantity != 3 {
			t.Fatalf("after both: refunded %v of %v, %d units", o.Refunded, o.Total, o.Lines[0].RefundedQuantity)
		}
		if got := refunds(t, d); got["return:"+r.ID.String()] != 1299 || got["return:"+r2.ID.String()] != 2*1299+599 {
			t.Fatalf("refunds %v", got)
		}
		if _, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "more"}); !errors.Is(err, order.ErrNothingToRefund) {
			t.Fatalf("a third request: %v", err)
		}
		evs := payloads[events.OrderRefunded](t, d, events.TopicOrderRefunded)
		if len(evs) != 2 || evs[0].Refund != 1299 || evs[0].Lines[0].Before != 0 || evs[1].Lines[0].Before != 1 || evs[1].Refund != 2*1299+599 ||
			!evs[1].AdminFeeCharged || evs[1].Order.Refunded != o.Total.Amount {
			t.Fatalf("order.refunded events %+v", evs)
		}
	})
}

func TestReturnDeadlinesMoveRequestsOn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		sweep := func() {
			if err := f.orders.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		request := func(key string) order.Return {
			o := f.delivered(t, buyer, key, 1)
			r, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnAndRefund, Reason: "too small"})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}

		// The seller never answers: approved, and the buyer is told when to ship by.
		r := request("a")
		rewind(t, d, "returns", "seller_respond_by", time.Second, "id = $2", r.ID)
		sweep()
		if r, _ = f.orders.GetReturn(ctx, buyer, r.ID); r.Status != order.ReturnApproved || r.BuyerShipBy.IsZero() {
			t.Fatalf("auto-approval: %+v", r)
		}
		// The buyer never ships it back: the request lapses, nothing is refunded.
		rewind(t, d, "returns", "buyer_ship_by", time.Second, "id = $2", r.ID)
		sweep()
		if r, _ = f.orders.GetReturn(ctx, buyer, r.ID); r.Status != order.ReturnClosed {
			t.Fatalf("lapse: %s", r.Status)
		}

		// The buyer ships it back and the seller never confirms: refunded anyway.
		r = request("b")
		f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: true})
		f.orders.ShipReturn(ctx, buyer, r.ID, "RT2")
		rewind(t, d, "returns", "seller_receive_by", time.Second, "id = $2", r.ID)
		sweep()
		if r, _ = f.orders.GetReturn(ctx, buyer, r.ID); r.Status != order.ReturnRefunded {
			t.Fatalf("unconfirmed receipt: %s", r.Status)
		}
		if got := refunds(t, d); len(got) != 1 || got["return:"+r.ID.String()] != 1299 {
			t.Fatalf("refunds %v", got)
		}
		// Each step is on the request's timeline.
		var steps []order.ReturnStatus
		for _, s := range r.History {
			steps = append(steps, s.Status)
		}
		if len(steps) != 4 || steps[3] != order.ReturnRefunded {
			t.Fatalf("timeline %v", steps)
		}
	})
}

func TestRefusedRequestsGoToOperators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer, ops := f.Actor(t, "bea"), f.Operator(t)
		refuse := func(key string) order.Return {
			o := f.delivered(t, buyer, key, 1)
			r, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "never arrived"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Approve: false}); errs.As(err) == nil || errs.As(err).Field != "note" {
				t.Fatalf("refusing without a reason: %v", err)
			}
			if r, err = f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Note: "tracking shows it delivered"}); err != nil || !r.CanEscalate(time.Now()) {
				t.Fatalf("refuse: %+v %v", r, err)
			}
			if _, err := f.orders.ResolveDispute(ctx, ops, r.ID, order.Resolution{Refund: true, Note: "x"}); !errors.Is(err, order.ErrReturnState) {
				t.Fatalf("resolving before escalation: %v", err)
			}
			if r, err = f.orders.EscalateReturn(ctx, buyer, r.ID, "the parcel was empty"); err != nil || r.Status != order.ReturnEscalated {
				t.Fatalf("escalate: %+v %v", r, err)
			}
			return r
		}
		r := refuse("a")
		if ds, err := f.orders.Disputes(ctx, ops, 10); err != nil || len(ds) != 1 || ds[0].ID != r.ID {
			t.Fatalf("disputes %+v %v", ds, err)
		}
		if _, err := f.orders.Disputes(ctx, buyer, 10); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a buyer reading disputes: %v", err)
		}
		if _, err := f.orders.ResolveDispute(ctx, f.owner, r.ID, order.Resolution{Refund: false, Note: "mine"}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("the seller resolving: %v", err)
		}
		if r, err := f.orders.ResolveDispute(ctx, ops, r.ID, order.Resolution{Refund: true, WaiveAdminFee: true, Note: "carrier lost it"}); err != nil || r.Status != order.ReturnRefunded {
			t.Fatalf("resolve for the buyer: %+v %v", r, err)
		}
		if evs := payloads[events.OrderRefunded](t, d, events.TopicOrderRefunded); len(evs) != 1 || evs[0].AdminFeeCharged {
			t.Fatalf("refund events %+v", evs)
		}

		r = refuse("b")
		if r, err := f.orders.ResolveDispute(ctx, ops, r.ID, order.Resolution{Refund: false, Note: "delivered with photo"}); err != nil || r.Status != order.ReturnClosed {
			t.Fatalf("resolve for the seller: %+v %v", r, err)
		}

		// A refusal not escalated in time stays refused.
		o := f.delivered(t, buyer, "c", 1)
		r, _ = f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "late"})
		f.orders.RespondToReturn(ctx, f.owner, r.ID, order.SellerResponse{Note: "no"})
		rewind(t, d, "returns", "dispute_by", time.Second, "id = $2", r.ID)
		if _, err := f.orders.EscalateReturn(ctx, buyer, r.ID, "please"); !errors.Is(err, order.ErrReturnState) {
			t.Fatalf("late escalation: %v", err)
		}
	})
}

func TestReturnWindowsFollowTheShopsBadge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		f.SetPolicy(t, "US", func(p *market.Policy) {
			p.Returns.StandardWindowDays, p.Mall.ReturnWindowDays, p.Mall.OfficialShopReturnWindowDays = 7, 15, 30
		})
		ctx := context.Background()
		buyer, ops := f.Actor(t, "bea"), f.Operator(t)
		tests := []struct {
			badge   seller.Badge
			ago     int
			allowed bool
		}{
			{seller.NoBadge, 6, true},
			{seller.NoBadge, 8, false},
			{seller.Mall, 8, true},
			{seller.Mall, 16, false},
			{seller.Official, 16, true},
			{seller.Official, 31, false},
		}
		for i, tt := range tests {
			if _, err := f.sellers.SetBadge(ctx, ops, f.shop.ID, tt.badge); err != nil {
				t.Fatal(err)
			}
			o := f.delivered(t, buyer, "k"+id.ID(i).String(), 1)
			rewind(t, d, "orders", "delivered_at", time.Duration(tt.ago)*24*time.Hour, "id = $2", o.ID)
			_, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "faulty"})
			if tt.allowed != (err == nil) || (!tt.allowed && !errors.Is(err, order.ErrReturnWindow)) {
				t.Errorf("%q shop, delivered %d days ago: %v", tt.badge, tt.ago, err)
			}
		}
	})
}

func TestReturnRefusalsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer, stranger := f.Actor(t, "bea"), f.Actor(t, "eve")
		o := f.delivered(t, buyer, "a", 2)
		unshipped, _ := f.buy(buyer, "b", 1, "pm_card_visa")
		line := o.Lines[0].ID
		in := func(mod func(*order.ReturnInput)) order.ReturnInput {
			r := order.ReturnInput{Kind: order.ReturnAndRefund, Reason: "faulty", Lines: []order.ReturnLineInput{{LineID: line, Quantity: 1}}}
			mod(&r)
			return r
		}
		tests := []struct {
			name      string
			actor     auth.Actor
			orderID   id.ID
			in        order.ReturnInput
			wantCode  string
			wantField string
		}{
			{"anonymous", auth.Actor{}, o.ID, in(func(*order.ReturnInput) {}), "unauthenticated", ""},
			{"someone else's order", stranger, o.ID, in(func(*order.ReturnInput) {}), "order_not_found", ""},
			{"unknown kind", buyer, o.ID, in(func(r *order.ReturnInput) { r.Kind = "swap" }), "invalid_field", "kind"},
			{"no reason", buyer, o.ID, in(func(r *order.ReturnInput) { r.Reason = " " }), "invalid_field", "reason"},
			{"line of another order", buyer, o.ID, in(func(r *order.ReturnInput) { r.Lines[0].LineID = unshipped.Orders[0].Lines[0].ID }), "invalid_field", "lines[0].line_id"},
			{"zero units", buyer, o.ID, in(func(r *order.ReturnInput) { r.Lines[0].Quantity = 0 }), "invalid_field", "lines[0].quantity"},
			{"more units than bought", buyer, o.ID, in(func(r *order.ReturnInput) { r.Lines[0].Quantity = 3 }), "invalid_field", "lines[0].quantity"},
			{"a line twice", buyer, o.ID, in(func(r *order.ReturnInput) { r.Lines = append(r.Lines, r.Lines[0]) }), "invalid_field", "lines[1].line_id"},
			{"refund before delivery", buyer, unshipped.Orders[0].ID, in(func(r *order.ReturnInput) { r.Lines = nil }), "return_not_allowed", ""},
			{"cancel after delivery", buyer, o.ID, in(func(r *order.ReturnInput) { r.Kind, r.Lines = order.ReturnCancel, nil }), "return_not_allowed", ""},
		}
		for _, tt := range tests {
			_, err := f.orders.RequestReturn(ctx, tt.actor, tt.orderID, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM returns) + (SELECT COUNT(*) FROM payment_refunds)`).Scan(&n)
		if n != 0 {
			t.Fatalf("refusals left %d rows", n)
		}
	})
}

func TestReviewsCountOnlyTheFirstAndHideWhenModerated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer, ops := f.Actor(t, "bea"), f.Operator(t)
		unshipped, _ := f.buy(buyer, "a", 1, "pm_card_visa")
		if _, err := f.orders.CreateReview(ctx, buyer, unshipped.Orders[0].Lines[0].ID, order.ReviewInput{Rating: 5}); !errors.Is(err, order.ErrReviewNotAllowed) {
			t.Fatalf("review before delivery: %v", err)
		}
		o := f.delivered(t, buyer, "b", 1)
		lineID := o.Lines[0].ID
		for _, tt := range []struct {
			in    order.ReviewInput
			field string
		}{
			{order.ReviewInput{Rating: 0}, "rating"},
			{order.ReviewInput{Rating: 6}, "rating"},
			{order.ReviewInput{Rating: 4, Photos: []string{"javascript:alert(1)"}}, "photos[0]"},
			{order.ReviewInput{Rating: 4, Photos: make([]string, 6)}, "photos"},
		} {
			if _, err := f.orders.CreateReview(ctx, buyer, lineID, tt.in); errs.As(err) == nil || errs.As(err).Field != tt.field {
				t.Errorf("review %+v: %v, want a refusal on %s", tt.in, err, tt.field)
			}
		}
		if _, err := f.orders.CreateReview(ctx, f.Actor(t, "eve"), lineID, order.ReviewInput{Rating: 1}); !errors.Is(err, order.ErrOrderNotFound) {
			t.Fatalf("a stranger reviewing: %v", err)
		}
		first, err := f.orders.CreateReview(ctx, buyer, lineID, order.ReviewInput{Rating: 2, Body: "Colour is off", Photos: []string{"https://img.example/1.jpg"}})
		if err != nil || !first.First {
			t.Fatalf("first review: %+v %v", first, err)
		}
		again, err := f.orders.CreateReview(ctx, buyer, lineID, order.ReviewInput{Rating: 1, Body: "Still annoyed"})
		if err != nil || again.First {
			t.Fatalf("follow-up review: %+v %v", again, err)
		}
		evs := payloads[events.ReviewCreated](t, d, events.TopicReviewCreated)
		if len(evs) != 2 || !evs[0].First || evs[1].First || evs[0].DeliveredAt.IsZero() {
			t.Fatalf("review events %+v", evs)
		}

		if _, err := f.orders.ReplyToReview(ctx, f.Actor(t, "bo", auth.Seller), first.ID, "not mine"); !errors.Is(err, order.ErrReviewNotFound) {
			t.Fatalf("another seller replying: %v", err)
		}
		if r, err := f.orders.ReplyToReview(ctx, f.owner, first.ID, "Sorry! Message us for a swap."); err != nil || r.SellerReply == "" {
			t.Fatalf("reply: %+v %v", r, err)
		}
		if _, err := f.orders.ReplyToReview(ctx, f.owner, first.ID, "again"); !errors.Is(err, order.ErrAlreadyReplied) {
			t.Fatalf("second reply: %v", err)
		}

		_, sum, _ := f.orders.ProductReviews(ctx, f.product.ID, 10)
		if sum.Count != 2 || sum.AverageX10 != 15 || sum.ByStars[0] != 1 || sum.ByStars[1] != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if _, err := f.orders.ModerateReview(ctx, ops, again.ID, order.ReviewHidden, ""); errs.As(err) == nil || errs.As(err).Field != "note" {
			t.Fatalf("hiding without a note: %v", err)
		}
		if r, err := f.orders.ModerateReview(ctx, ops, again.ID, order.ReviewHidden, "abusive language"); err != nil || r.Status != order.ReviewHidden {
			t.Fatalf("hide: %+v %v", r, err)
		}
		rs, sum, _ := f.orders.ProductReviews(ctx, f.product.ID, 10)
		if len(rs) != 1 || sum.Count != 1 || sum.Average() != "2.0" {
			t.Fatalf("after hiding: %d reviews, %+v", len(rs), sum)
		}
		if mod := payloads[events.ReviewModerated](t, d, events.TopicReviewModerated); len(mod) != 1 || !mod[0].Hidden || mod[0].First {
			t.Fatalf("moderation events %+v", mod)
		}
	})
}

// A payment the buyer must confirm leaves the orders unpaid until the provider's
// signed webhook says how it went; forged, stale and replayed webhooks change nothing.
func TestPaymentWebhooksSettleCheckoutsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 10)
		ctx := context.Background()
		buyer := f.Actor(t, "bea")
		res, err := f.buy(buyer, "a", 2, "pm_card_authenticationRequired")
		if err != nil || res.Status != "action_required" || res.NextAction == "" || res.Orders[0].Status != order.Unpaid {
			t.Fatalf("3-D Secure checkout: %+v %v", res, err)
		}
		pay, _ := f.Payments.ByReference(ctx, "checkout:"+res.CheckoutID.String())
		sb := f.Payments.Provider().(payment.Sandbox)

		body, header := sb.NewEvent("payment.succeeded", pay.ProviderRef, time.Now())
		forged := header.Clone()
		forged.Set("Liveshop-Sandbox-Signature", "t=1,v1=00")
		if _, err := f.orders.PaymentWebhook(ctx, "sandbox", body, forged); !errors.Is(err, payment.ErrWebhookSignature) {
			t.Fatalf("forged webhook: %v", err)
		}
		staleBody, staleHeader := sb.NewEvent("payment.succeeded", pay.ProviderRef, time.Now().Add(-time.Hour))
		if _, err := f.orders.PaymentWebhook(ctx, "sandbox", staleBody, staleHeader); !errors.Is(err, payment.ErrWebhookStale) {
			t.Fatalf("stale webhook: %v", err)
		}
		if o, _ := f.orders.Get(ctx, buyer, res.Orders[0].ID); o.Status != order.Unpaid {
			t.Fatalf("a refused webhook changed the order: %s", o.Status)
		}

		replayed, err := f.orders.PaymentWebhook(ctx, "sandbox", body, header)
		if err != nil || replayed {
			t.Fatalf("webhook: %v replayed=%v", err, replayed)
		}
		o, _ := f.orders.Get(ctx, buyer, res.Orders[0].ID)
		if o.Status != order.AwaitingShipment {
			t.Fatalf("after the webhook: %s", o.Status)
		}
		if replayed, err = f.orders.PaymentWebhook(ctx, "sandbox", body, header); err != nil || !replayed {
			t.Fatalf("replay: %v replayed=%v", err, replayed)
		}
		if got := topics(t, d); len(got) != 1 || got[0] != events.TopicOrderPaid {
			t.Fatalf("events after a replay %v", got)
		}
		if s, r := f.stock(t); s != 8 || r != 0 {
			t.Fatalf("stock %d reserved %d", s, r)
		}

		// The buyer fails the bank's check: the order is cancelled and its stock freed.
		res, _ = f.buy(buyer, "b", 1, "pm_card_authenticationRequired")
		pay, _ = f.Payments.ByReference(ctx, "checkout:"+res.CheckoutID.String())
		body, header = sb.NewEvent("payment.failed", pay.ProviderRef, time.Now())
		if _, err := f.orders.PaymentWebhook(ctx, "sandbox", body, header); err != nil {
			t.Fatal(err)
		}
		if o, _ := f.orders.Get(ctx, buyer, res.Orders[0].ID); o.Status != order.Cancelled {
			t.Fatalf("after a failed payment: %s", o.Status)
		}

		// The buyer confirms only after the order lapsed: the money goes back.
		res, _ = f.buy(buyer, "c", 1, "pm_card_authenticationRequired")
		rewind(t, d, "orders", "created_at", time.Hour, "checkout_id = $2", res.CheckoutID)
		if err := f.orders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		pay, _ = f.Payments.ByReference(ctx, "checkout:"+res.CheckoutID.String())
		body, header = sb.NewEvent("payment.succeeded", pay.ProviderRef, time.Now())
		if _, err := f.orders.PaymentWebhook(ctx, "sandbox", body, header); err != nil {
			t.Fatal(err)
		}
		if got := refunds(t, d); got["lapsed:checkout:"+res.CheckoutID.String()] != 1299 {
			t.Fatalf("refunds after a late confirmation: %v", got)
		}
		if s, r := f.stock(t); s != 8 || r != 0 {
			t.Fatalf("stock %d reserved %d at the end", s, r)
		}
	})
}
