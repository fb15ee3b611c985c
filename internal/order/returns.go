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
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// After-sales requests, as TikTok Shop runs them. A buyer asks to cancel an order
// awaiting shipment, for a refund without sending anything back (refund only), or to
// return units for a refund. The seller must answer by a deadline or the request is
// approved for them; a buyer ships a return back by a deadline or the request lapses;
// the seller confirms the parcel arrived (restocking it) or the refund goes ahead
// anyway; a refused buyer may escalate to operators, whose decision is final. Every
// deadline is a stored timestamp the timers read, so they survive restarts.
//
// One request per order is open at a time, so the units a request covers cannot also
// be in another; refunds of a line in parts use money.Portion and never lose a cent.

// ReturnKind is what the buyer asks for.
type ReturnKind string

// Request kinds.
const (
	ReturnCancel     ReturnKind = "cancel"
	ReturnRefundOnly ReturnKind = "refund_only"
	ReturnAndRefund  ReturnKind = "return_refund"
)

// Label is the kind as buyers and sellers read it.
func (k ReturnKind) Label() string {
	switch k {
	case ReturnCancel:
		return "Cancellation"
	case ReturnRefundOnly:
		return "Refund only"
	case ReturnAndRefund:
		return "Return and refund"
	}
	return string(k)
}

// ReturnStatus is where a request stands.
type ReturnStatus string

// Request states. Requested, approved, buyer_shipped and escalated are open.
const (
	ReturnRequested    ReturnStatus = "requested"
	ReturnApproved     ReturnStatus = "approved" // return and refund: waiting for the parcel
	ReturnBuyerShipped ReturnStatus = "buyer_shipped"
	ReturnEscalated    ReturnStatus = "escalated"
	ReturnRefunded     ReturnStatus = "refunded" // the money went back (for a cancellation: the order was cancelled)
	ReturnRejected     ReturnStatus = "rejected" // the buyer may escalate until DisputeBy
	ReturnWithdrawn    ReturnStatus = "withdrawn"
	ReturnClosed       ReturnStatus = "closed" // lapsed, or operators upheld the refusal
)

// openReturnStatuses is the SQL list of open states.
const openReturnStatuses = `('requested', 'approved', 'buyer_shipped', 'escalated')`

// Open reports whether the request still waits for someone.
func (s ReturnStatus) Open() bool {
	return s == ReturnRequested || s == ReturnApproved || s == ReturnBuyerShipped || s == ReturnEscalated
}

// Label is the state as buyers and sellers read it.
func (s ReturnStatus) Label() string {
	switch s {
	case ReturnRequested:
		return "Waiting for the seller"
	case ReturnApproved:
		return "Approved: ship the item back"
	case ReturnBuyerShipped:
		return "Returned parcel on its way"
	case ReturnEscalated:
		return "With Liveshop support"
	case ReturnRefunded:
		return "Refunded"
	case ReturnRejected:
		return "Refused by the seller"
	case ReturnWithdrawn:
		return "Withdrawn"
	case ReturnClosed:
		return "Closed"
	}
	return string(s)
}

// Return is one after-sales request.
type Return struct {
	ID      id.ID        `json:"id"`
	OrderID id.ID        `json:"order_id"`
	BuyerID id.ID        `json:"buyer_id"`
	ShopID  id.ID        `json:"shop_id"`
	Kind    ReturnKind   `json:"kind"`
	Status  ReturnStatus `json:"status"`
	Reason  string       `json:"reason"`
	Note    string       `json:"note,omitempty"`
	// Refund is for the items; ShippingRefund the buyer's shipping, refunded when the
	// request covers the last units of the order.
	Refund          money.Money  `json:"refund"`
	ShippingRefund  money.Money  `json:"shipping_refund"`
	Lines           []ReturnLine `json:"lines"`
	SellerRespondBy time.Time    `json:"seller_respond_by,omitzero"`
	BuyerShipBy     time.Time    `json:"buyer_ship_by,omitzero"`
	SellerReceiveBy time.Time    `json:"seller_receive_by,omitzero"`
	DisputeBy       time.Time    `json:"dispute_by,omitzero"`
	ReturnTracking  string       `json:"return_tracking,omitempty"`
	SellerNote      string       `json:"seller_note,omitempty"`
	Resolution      string       `json:"resolution,omitempty"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	History         []ReturnStep `json:"history,omitempty"`
}

// Total is everything the request gives back.
func (r Return) Total() money.Money {
	return money.New(r.Refund.Amount+r.ShippingRefund.Amount, r.Refund.Currency)
}

// CanEscalate reports whether the buyer may still take a refusal to operators.
func (r Return) CanEscalate(now time.Time) bool {
	return r.Status == ReturnRejected && !r.DisputeBy.IsZero() && now.Before(r.DisputeBy)
}

// ReturnLine is units of one order line in a request.
type ReturnLine struct {
	LineID   id.ID       `json:"line_id"`
	Title    string      `json:"title,omitempty"`
	Quantity int64       `json:"quantity"`
	Amount   money.Money `json:"amount"`
}

// ReturnStep is one entry of a request's timeline.
type ReturnStep struct {
	Status  ReturnStatus `json:"status"`
	At      time.Time    `json:"at"`
	ActorID id.ID        `json:"actor_id,omitempty"`
	Note    string       `json:"note"`
}

// ReturnInput is a buyer's request.
type ReturnInput struct {
	Kind   ReturnKind `json:"kind"`
	Reason string     `json:"reason"`
	Note   string     `json:"note"`
	// Lines picks units; empty means every unit not yet refunded.
	Lines []ReturnLineInput `json:"lines"`
}

// ReturnLineInput is units of one order line.
type ReturnLineInput struct {
	LineID   id.ID `json:"line_id"`
	Quantity int64 `json:"quantity"`
}

// Errors of after-sales.
var (
	ErrReturnNotFound   = errs.New(errs.NotFound, "return_not_found", "no such return or refund request")
	ErrReturnOpen       = errs.New(errs.Conflict, "return_already_open", "this order already has an open request; wait for it to finish or withdraw it")
	ErrReturnWindow     = errs.New(errs.Rule, "return_window_closed", "the return window for this order has closed")
	ErrReturnState      = errs.New(errs.Conflict, "invalid_return_status", "the request is not in a state that allows this")
	ErrNothingToRefund  = errs.New(errs.Rule, "nothing_to_refund", "every unit of this order has already been refunded").OnField("lines")
	ErrReturnNotAllowed = errs.New(errs.Rule, "return_not_allowed", "this order cannot take that request now")
)

func cleanText(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", errs.Invalidf(field, "required")
	}
	if len([]rune(v)) > max {
		return "", errs.Invalidf(field, "at most %d characters", max)
	}
	return v, nil
}

// ReturnWindow is how many days after delivery a shop's buyers may ask for a return:
// longer for Mall and Official shops where the market says so.
func ReturnWindow(p market.Policy, badge seller.Badge) int {
	switch badge {
	case seller.Mall:
		return p.Mall.ReturnWindowDays
	case seller.Official:
		return p.Mall.OfficialShopReturnWindowDays
	}
	return p.Returns.StandardWindowDays
}

// RequestReturn opens a buyer's request on an order: a cancellation of an order
// awaiting shipment, or a refund (with or without sending the items back) of a
// delivered order within the shop's return window.
func (s *Service) RequestReturn(ctx context.Context, actor auth.Actor, orderID id.ID, in ReturnInput) (Return, error) {
	if err := actor.RequireLogin(); err != nil {
		return Return{}, err
	}
	var err error
	if in.Reason, err = cleanText("reason", in.Reason, true, 200); err != nil {
		return Return{}, err
	}
	if in.Note, err = cleanText("note", in.Note, false, 1000); err != nil {
		return Return{}, err
	}
	if in.Kind != ReturnCancel && in.Kind != ReturnRefundOnly && in.Kind != ReturnAndRefund {
		return Return{}, errs.Invalidf("kind", "kind is cancel, refund_only or return_refund")
	}
	o, err := loadOrder(ctx, s.db, orderID, false)
	if err != nil {
		return Return{}, err
	}
	if err := s.buyerOf(actor)(o); err != nil {
		return Return{}, err
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, o.Market, now)
	if err != nil {
		return Return{}, err
	}
	if in.Kind != ReturnCancel {
		// The windows in force now apply: an operator who lengthens them helps buyers
		// with orders already delivered.
		shop, err := s.sellers.Shop(ctx, o.ShopID)
		if err != nil {
			return Return{}, err
		}
		if o.DeliveredAt.IsZero() {
			return Return{}, ErrReturnNotAllowed.With("the order is %s; ask for a refund once it is delivered", o.Status.Label())
		}
		days := ReturnWindow(pol, shop.Badge)
		if closes := o.DeliveredAt.AddDate(0, 0, days); !now.Before(closes) {
			return Return{}, ErrReturnWindow.With("returns for this order closed on %s (%d days after delivery)", closes.Format("2 Jan 2006"), days)
		}
	}
	var out Return
	_, err = s.change(ctx, orderID, anyone, func(tx *db.Tx, o *Order) error {
		r, err := s.openReturn(ctx, tx, o, in, actor.AccountID, pol, now)
		out = r
		return err
	})
	return out, err
}

// openReturn checks the request against the order as it is under the lock and stores it.
func (s *Service) openReturn(ctx context.Context, tx *db.Tx, o *Order, in ReturnInput, buyer id.ID, pol market.Policy, now time.Time) (Return, error) {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM returns WHERE order_id = $1 AND status IN `+openReturnStatuses, o.ID).Scan(&open); err != nil {
		return Return{}, err
	}
	if open > 0 {
		return Return{}, ErrReturnOpen
	}
	cur := o.Total.Currency
	r := Return{ID: id.New(), OrderID: o.ID, BuyerID: buyer, ShopID: o.ShopID, Kind: in.Kind, Status: ReturnRequested,
		Reason: in.Reason, Note: in.Note, Refund: money.Zero(cur), ShippingRefund: money.Zero(cur), CreatedAt: now, UpdatedAt: now,
		SellerRespondBy: now.Add(time.Duration(pol.Returns.SellerResponseHours) * time.Hour)}
	switch in.Kind {
	case ReturnCancel:
		if o.Status != AwaitingShipment {
			return Return{}, ErrReturnNotAllowed.With("the order is %s; only an order waiting to ship can be cancelled on request", o.Status.Label())
		}
		if len(in.Lines) > 0 {
			return Return{}, errs.Invalidf("lines", "a cancellation is of the whole order")
		}
		r.Refund.Amount = o.Total.Amount - o.Refunded.Amount
	default:
		if o.Status != Delivered && o.Status != Completed {
			return Return{}, ErrReturnNotAllowed.With("the order is %s; ask for a refund once it is delivered", o.Status.Label())
		}
		lines, err := pickReturnLines(*o, in.Lines)
		if err != nil {
			return Return{}, err
		}
		r.Lines = lines
		remaining := int64(0)
		for _, l := range o.Lines {
			remaining += l.Quantity - l.RefundedQuantity
		}
		for _, l := range lines {
			r.Refund.Amount += l.Amount.Amount
			remaining -= l.Quantity
		}
		if remaining == 0 {
			r.ShippingRefund.Amount = o.BuyerShipping.Amount
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO returns (id, order_id, buyer_id, shop_id, kind, status, reason, note, refund_amount,
		shipping_refund, seller_respond_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		r.ID, r.OrderID, r.BuyerID, r.ShopID, string(r.Kind), string(r.Status), r.Reason, r.Note, r.Refund.Amount,
		r.ShippingRefund.Amount, db.Micros(r.SellerRespondBy), db.Micros(now)); err != nil {
		return Return{}, fmt.Errorf("order: insert return: %w", err)
	}
	for _, l := range r.Lines {
		if _, err := tx.ExecContext(ctx, `INSERT INTO return_lines (return_id, order_line_id, quantity, amount) VALUES ($1, $2, $3, $4)`,
			r.ID, l.LineID, l.Quantity, l.Amount.Amount); err != nil {
			return Return{}, fmt.Errorf("order: insert return line: %w", err)
		}
	}
	note := fmt.Sprintf("%s requested (%s): %s", r.Kind.Label(), r.Total().Format(), r.Reason)
	return r, s.returnStep(ctx, tx, &r, ReturnRequested, buyer, note, now)
}

// pickReturnLines resolves the buyer's choice of units against what is left to refund.
func pickReturnLines(o Order, in []ReturnLineInput) ([]ReturnLine, error) {
	cur := o.Total.Currency
	var out []ReturnLine
	if len(in) == 0 {
		for _, l := range o.Lines {
			if k := l.Quantity - l.RefundedQuantity; k > 0 {
				out = append(out, ReturnLine{LineID: l.ID, Title: l.Title, Quantity: k,
					Amount: money.New(money.Portion(l.Paid.Amount, l.RefundedQuantity, k, l.Quantity), cur)})
			}
		}
		if len(out) == 0 {
			return nil, ErrNothingToRefund
		}
		return out, nil
	}
	seen := map[id.ID]bool{}
	for i, li := range in {
		field := fmt.Sprintf("lines[%d]", i)
		var line *Line
		for j := range o.Lines {
			if o.Lines[j].ID == li.LineID {
				line = &o.Lines[j]
			}
		}
		if line == nil {
			return nil, errs.Invalidf(field+".line_id", "no line %s on this order", li.LineID)
		}
		if seen[li.LineID] {
			return nil, errs.Invalidf(field+".line_id", "a line appears once per request")
		}
		seen[li.LineID] = true
		left := line.Quantity - line.RefundedQuantity
		if li.Quantity < 1 || li.Quantity > left {
			if left == 0 {
				return nil, ErrNothingToRefund.With("%q has been refunded in full", line.Title).OnField(field + ".quantity")
			}
			return nil, errs.Invalidf(field+".quantity", "quantity must be 1-%d (units of this line not yet refunded)", left)
		}
		out = append(out, ReturnLine{LineID: line.ID, Title: line.Title, Quantity: li.Quantity,
			Amount: money.New(money.Portion(line.Paid.Amount, line.RefundedQuantity, li.Quantity, line.Quantity), cur)})
	}
	return out, nil
}

// SellerResponse answers the request's current step: approve or refuse a request;
// confirm a returned parcel arrived in good order, or refuse it after inspection.
type SellerResponse struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

// RespondToReturn is the seller's answer to a request.
func (s *Service) RespondToReturn(ctx context.Context, actor auth.Actor, returnID id.ID, in SellerResponse) (Return, error) {
	note, err := cleanText("note", in.Note, false, 500)
	if err != nil {
		return Return{}, err
	}
	if !in.Approve && note == "" {
		return Return{}, errs.Invalidf("note", "say why you refuse; the buyer sees it and may dispute it")
	}
	return s.changeReturn(ctx, returnID, func(o Order, _ Return) error { return s.sellerOf(ctx, actor)(o) },
		func(tx *db.Tx, o *Order, r *Return, pol market.Policy, now time.Time) (*payment.Refund, error) {
			switch r.Status {
			case ReturnRequested:
				if in.Approve {
					return s.approveReturn(ctx, tx, o, r, actor.AccountID, withDefault(note, "approved by the seller"), pol, now)
				}
				return nil, s.refuseReturn(ctx, tx, o, r, actor.AccountID, note, pol, now)
			case ReturnBuyerShipped:
				if in.Approve {
					return s.refundReturn(ctx, tx, o, r, actor.AccountID, withDefault(note, "the seller received the returned items"), true, true, now)
				}
				return nil, s.refuseReturn(ctx, tx, o, r, actor.AccountID, "refused after inspection: "+note, pol, now)
			}
			return nil, ErrReturnState.With("the request is %s", r.Status.Label())
		})
}

func withDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ShipReturn records that the buyer sent the items back.
func (s *Service) ShipReturn(ctx context.Context, actor auth.Actor, returnID id.ID, tracking string) (Return, error) {
	tracking, err := cleanText("tracking_number", tracking, true, 60)
	if err != nil {
		return Return{}, err
	}
	return s.changeReturn(ctx, returnID, func(o Order, _ Return) error { return s.buyerOf(actor)(o) },
		func(tx *db.Tx, o *Order, r *Return, pol market.Policy, now time.Time) (*payment.Refund, error) {
			if r.Status != ReturnApproved {
				return nil, ErrReturnState.With("the request is %s", r.Status.Label())
			}
			r.SellerReceiveBy = now.AddDate(0, 0, pol.Returns.SellerReceiptDays)
			r.ReturnTracking = tracking
			if err := s.moveReturn(ctx, tx, r, ReturnBuyerShipped, now, "return_tracking = $5, seller_receive_by = $6", tracking, db.Micros(r.SellerReceiveBy)); err != nil {
				return nil, err
			}
			return nil, s.returnStep(ctx, tx, r, ReturnBuyerShipped, actor.AccountID, "items sent back, tracking "+tracking, now)
		})
}

// EscalateReturn takes a refused request to operators, within the dispute window.
func (s *Service) EscalateReturn(ctx context.Context, actor auth.Actor, returnID id.ID, note string) (Return, error) {
	note, err := cleanText("note", note, true, 1000)
	if err != nil {
		return Return{}, err
	}
	return s.changeReturn(ctx, returnID, func(o Order, _ Return) error { return s.buyerOf(actor)(o) },
		func(tx *db.Tx, o *Order, r *Return, _ market.Policy, now time.Time) (*payment.Refund, error) {
			if !r.CanEscalate(now) {
				if r.Status == ReturnRejected {
					return nil, ErrReturnState.With("the time to dispute this refusal has passed")
				}
				return nil, ErrReturnState.With("only a refused request can be escalated; this one is %s", r.Status.Label())
			}
			if err := s.moveReturn(ctx, tx, r, ReturnEscalated, now, ""); err != nil {
				return nil, err
			}
			return nil, s.returnStep(ctx, tx, r, ReturnEscalated, actor.AccountID, "escalated to Liveshop support: "+note, now)
		})
}

// WithdrawReturn lets the buyer drop an open request (before a parcel is in the post).
func (s *Service) WithdrawReturn(ctx context.Context, actor auth.Actor, returnID id.ID) (Return, error) {
	return s.changeReturn(ctx, returnID, func(o Order, _ Return) error { return s.buyerOf(actor)(o) },
		func(tx *db.Tx, o *Order, r *Return, _ market.Policy, now time.Time) (*payment.Refund, error) {
			if r.Status != ReturnRequested && r.Status != ReturnApproved && r.Status != ReturnEscalated {
				return nil, ErrReturnState.With("the request is %s", r.Status.Label())
			}
			if err := s.moveReturn(ctx, tx, r, ReturnWithdrawn, now, ""); err != nil {
				return nil, err
			}
			return nil, s.returnStep(ctx, tx, r, ReturnWithdrawn, actor.AccountID, "withdrawn by the buyer", now)
		})
}

// Resolution is an operator's decision on a dispute.
type Resolution struct {
	Refund bool `json:"refund"`
	// WaiveAdminFee spares the seller the refund administration fee, when operators
	// find the seller not at fault.
	WaiveAdminFee bool   `json:"waive_admin_fee"`
	Note          string `json:"note"`
}

// ResolveDispute is the operators' final word on an escalated request.
func (s *Service) ResolveDispute(ctx context.Context, actor auth.Actor, returnID id.ID, in Resolution) (Return, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Return{}, err
	}
	note, err := cleanText("note", in.Note, true, 1000)
	if err != nil {
		return Return{}, err
	}
	return s.changeReturn(ctx, returnID, anyoneReturn,
		func(tx *db.Tx, o *Order, r *Return, _ market.Policy, now time.Time) (*payment.Refund, error) {
			if r.Status != ReturnEscalated {
				return nil, ErrReturnState.With("the request is %s, not escalated", r.Status.Label())
			}
			if in.Refund {
				return s.refundReturn(ctx, tx, o, r, actor.AccountID, "Liveshop support decided for the buyer: "+note, false, !in.WaiveAdminFee, now)
			}
			if err := s.moveReturn(ctx, tx, r, ReturnClosed, now, "resolution = $5", note); err != nil {
				return nil, err
			}
			r.Resolution = note
			return nil, s.returnStep(ctx, tx, r, ReturnClosed, actor.AccountID, "Liveshop support upheld the seller: "+note, now)
		})
}

func anyoneReturn(Order, Return) error { return nil }

// approveReturn carries out an approval: a cancellation cancels and refunds the order,
// a refund-only request refunds, a return waits for the buyer's parcel.
func (s *Service) approveReturn(ctx context.Context, tx *db.Tx, o *Order, r *Return, actorID id.ID, note string, pol market.Policy, now time.Time) (*payment.Refund, error) {
	switch r.Kind {
	case ReturnCancel:
		refund, err := s.cancelPaid(ctx, tx, o, "cancelled at the buyer's request: "+r.Reason, actorID, FaultBuyer)
		if err != nil {
			return nil, err
		}
		if err := s.moveReturn(ctx, tx, r, ReturnRefunded, now, "resolution = $5", note); err != nil {
			return nil, err
		}
		return refund, s.returnStep(ctx, tx, r, ReturnRefunded, actorID, note+"; the order is cancelled and refunded", now)
	case ReturnRefundOnly:
		return s.refundReturn(ctx, tx, o, r, actorID, note, false, true, now)
	}
	r.BuyerShipBy = now.AddDate(0, 0, pol.Returns.BuyerShipBackDays)
	if err := s.moveReturn(ctx, tx, r, ReturnApproved, now, "buyer_ship_by = $5", db.Micros(r.BuyerShipBy)); err != nil {
		return nil, err
	}
	return nil, s.returnStep(ctx, tx, r, ReturnApproved, actorID,
		fmt.Sprintf("%s; send the items back by %s", note, r.BuyerShipBy.Format("2 Jan 2006 15:04 MST")), now)
}

// refuseReturn records a refusal. A refused cancellation lets the order ship; a
// refused refund may be escalated for the market's dispute days.
func (s *Service) refuseReturn(ctx context.Context, tx *db.Tx, o *Order, r *Return, actorID id.ID, note string, pol market.Policy, now time.Time) error {
	var disputeBy int64
	if r.Kind != ReturnCancel {
		r.DisputeBy = now.AddDate(0, 0, pol.Returns.DisputeDays)
		disputeBy = db.Micros(r.DisputeBy)
	}
	r.SellerNote = note
	if err := s.moveReturn(ctx, tx, r, ReturnRejected, now, "seller_note = $5, dispute_by = $6", note, disputeBy); err != nil {
		return err
	}
	return s.returnStep(ctx, tx, r, ReturnRejected, actorID, "refused: "+note, now)
}

// refundReturn gives the buyer the request's money back: the refunded units are
// recorded on the order's lines, returned items go back on sale when restock is set,
// the refund is recorded for the provider (sent after commit) and order.refunded tells
// the ledger and creators to reverse their shares.
func (s *Service) refundReturn(ctx context.Context, tx *db.Tx, o *Order, r *Return, actorID id.ID, note string, restock, adminFee bool, now time.Time) (*payment.Refund, error) {
	var lines []events.RefundedLine
	for _, rl := range r.Lines {
		var line *Line
		for j := range o.Lines {
			if o.Lines[j].ID == rl.LineID {
				line = &o.Lines[j]
			}
		}
		if line == nil {
			return nil, fmt.Errorf("order: return %d names line %d not on order %d", r.ID, rl.LineID, o.ID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE order_lines SET refunded_qty = refunded_qty + $1 WHERE id = $2 AND refunded_qty + $1 <= quantity`, rl.Quantity, rl.LineID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, ErrNothingToRefund.With("%q has no %d units left to refund", line.Title, rl.Quantity)
		}
		lines = append(lines, events.RefundedLine{LineID: rl.LineID, Quantity: rl.Quantity, Before: line.RefundedQuantity, Amount: rl.Amount.Amount})
		line.RefundedQuantity += rl.Quantity
		if restock {
			if err := s.catalog.ReceiveReturned(ctx, tx, line.SKUID, r.ID, rl.Quantity); err != nil {
				return nil, err
			}
		}
	}
	total := r.Total().Amount
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET refunded = refunded + $1, updated_at = $2 WHERE id = $3`, total, db.Micros(now), o.ID); err != nil {
		return nil, err
	}
	o.Refunded.Amount += total
	var refund *payment.Refund
	if total > 0 {
		rf, err := s.payments.BeginRefund(ctx, tx, paymentRef(o.CheckoutID), "return:"+r.ID.String(), total)
		if err != nil {
			return nil, err
		}
		refund = &rf
	}
	r.Resolution = note
	if err := s.moveReturn(ctx, tx, r, ReturnRefunded, now, "resolution = $5", note); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("refunded %s: %s", r.Total().Format(), note)
	if err := s.returnStep(ctx, tx, r, ReturnRefunded, actorID, msg, now); err != nil {
		return nil, err
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: o.Status, At: now, ActorID: actorID, Note: msg}); err != nil {
		return nil, err
	}
	return refund, s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderRefunded{Order: o.snapshot(), ReturnID: r.ID,
		Kind: string(r.Kind), Refund: total, Lines: lines, AdminFeeCharged: adminFee, At: now})
}

// changeReturn runs fn on a request under its order's lock, with the market's policy
// in force now, then sends any refund fn recorded to the provider once committed.
func (s *Service) changeReturn(ctx context.Context, returnID id.ID, allow func(Order, Return) error,
	fn func(tx *db.Tx, o *Order, r *Return, pol market.Policy, now time.Time) (*payment.Refund, error)) (Return, error) {
	r, err := loadReturn(ctx, s.db, returnID, false)
	if err != nil {
		return Return{}, err
	}
	now := s.now().UTC()
	var pol market.Policy
	var refund *payment.Refund
	_, err = s.change(ctx, r.OrderID, func(o Order) error {
		if err := allow(o, r); err != nil {
			if errors.Is(err, ErrOrderNotFound) {
				return ErrReturnNotFound
			}
			return err
		}
		var err error
		pol, err = s.markets.Policy(ctx, o.Market, now)
		return err
	}, func(tx *db.Tx, o *Order) error {
		r, err := loadReturn(ctx, tx, returnID, false)
		if err != nil {
			return err
		}
		refund, err = fn(tx, o, &r, pol, now)
		return err
	})
	if err != nil {
		return Return{}, err
	}
	s.executeRefund(ctx, refund)
	return loadReturn(ctx, s.db, returnID, true)
}

// moveReturn changes a request's status only if it is still in the status read.
func (s *Service) moveReturn(ctx context.Context, tx *db.Tx, r *Return, to ReturnStatus, now time.Time, extra string, extraArgs ...any) error {
	set := "status = $1, updated_at = $2"
	if extra != "" {
		set += ", " + extra
	}
	res, err := tx.ExecContext(ctx, `UPDATE returns SET `+set+` WHERE id = $3 AND status = $4`,
		append([]any{string(to), db.Micros(now), r.ID, string(r.Status)}, extraArgs...)...)
	if err != nil {
		return fmt.Errorf("order: move return: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConcurrentChange
	}
	r.Status, r.UpdatedAt = to, now
	return nil
}

// returnStep adds to a request's timeline and announces return.updated.
func (s *Service) returnStep(ctx context.Context, tx *db.Tx, r *Return, status ReturnStatus, actorID id.ID, note string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO return_history (id, return_id, status, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id.New(), r.ID, string(status), actorID, note, db.Micros(now)); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", r.OrderID), events.ReturnUpdated{ReturnID: r.ID, OrderID: r.OrderID,
		BuyerID: r.BuyerID, ShopID: r.ShopID, Kind: string(r.Kind), Status: string(status), Currency: r.Refund.Currency,
		Refund: r.Total().Amount, At: now})
}

// sweepReturns applies the after-sales deadlines that have passed: requests the
// seller did not answer are approved, returns never sent back lapse, and parcels the
// seller did not confirm are refunded anyway.
func (s *Service) sweepReturns(ctx context.Context, now time.Time) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, status FROM returns WHERE (status = 'requested' AND seller_respond_by <= $1)
		OR (status = 'approved' AND buyer_ship_by <= $1) OR (status = 'buyer_shipped' AND seller_receive_by <= $1) ORDER BY id LIMIT `+fmt.Sprint(sweepBatch), db.Micros(now))
	if err != nil {
		return err
	}
	type due struct {
		id     id.ID
		status ReturnStatus
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.status); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range todo {
		_, err := s.changeReturn(ctx, d.id, anyoneReturn, func(tx *db.Tx, o *Order, r *Return, pol market.Policy, now time.Time) (*payment.Refund, error) {
			if r.Status != d.status {
				return nil, ErrConcurrentChange
			}
			switch r.Status {
			case ReturnRequested:
				return s.approveReturn(ctx, tx, o, r, 0, fmt.Sprintf("approved automatically: the seller did not answer within %d hours", pol.Returns.SellerResponseHours), pol, now)
			case ReturnApproved:
				if err := s.moveReturn(ctx, tx, r, ReturnClosed, now, "resolution = $5", "the items were not sent back in time"); err != nil {
					return nil, err
				}
				return nil, s.returnStep(ctx, tx, r, ReturnClosed, 0, "closed: the items were not sent back in time", now)
			default:
				return s.refundReturn(ctx, tx, o, r, 0, "refunded automatically: the seller did not confirm receipt in time", false, true, now)
			}
		})
		if !ignorable(err) && !errors.Is(err, ErrReturnState) {
			return err
		}
	}
	return nil
}

// closeCancelRequests refuses an open cancellation request when the seller ships the
// order anyway: the parcel is on its way, so the buyer returns it instead.
func (s *Service) closeCancelRequests(ctx context.Context, tx *db.Tx, orderID, actorID id.ID, now time.Time) error {
	rs, err := loadReturns(ctx, tx, false, `WHERE r.order_id = $1 AND r.kind = 'cancel' AND r.status = 'requested'`, orderID)
	if err != nil {
		return err
	}
	for i := range rs {
		r := &rs[i]
		if err := s.moveReturn(ctx, tx, r, ReturnRejected, now, "seller_note = $5", "the order shipped"); err != nil {
			return err
		}
		if err := s.returnStep(ctx, tx, r, ReturnRejected, actorID, "the seller shipped the order; ask for a return once it arrives", now); err != nil {
			return err
		}
	}
	return nil
}

// GetReturn returns a request with its timeline to its buyer, the shop's seller or an
// operator.
func (s *Service) GetReturn(ctx context.Context, actor auth.Actor, returnID id.ID) (Return, error) {
	if err := actor.RequireLogin(); err != nil {
		return Return{}, err
	}
	r, err := loadReturn(ctx, s.db, returnID, true)
	if err != nil {
		return Return{}, err
	}
	o, err := loadOrder(ctx, s.db, r.OrderID, false)
	if err != nil {
		return Return{}, err
	}
	if err := s.canSee(ctx, actor, o); err != nil {
		return Return{}, ErrReturnNotFound
	}
	return r, nil
}

// ReturnsOfOrder lists an order's requests, newest first, for whoever may see the order.
func (s *Service) ReturnsOfOrder(ctx context.Context, actor auth.Actor, orderID id.ID) ([]Return, error) {
	if _, err := s.Get(ctx, actor, orderID); err != nil {
		return nil, err
	}
	return loadReturns(ctx, s.db, true, `WHERE r.order_id = $1 ORDER BY r.id DESC`, orderID)
}

// BuyerReturns lists the actor's own requests, newest first.
func (s *Service) BuyerReturns(ctx context.Context, actor auth.Actor, limit int) ([]Return, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	return loadReturns(ctx, s.db, false, `WHERE r.buyer_id = $1 ORDER BY r.id DESC LIMIT $2`, actor.AccountID, limit)
}

// ShopReturns is a shop's returns queue: open requests (oldest deadline first) or
// those of one status, for the seller who manages the shop.
func (s *Service) ShopReturns(ctx context.Context, actor auth.Actor, shopID id.ID, status ReturnStatus, limit int) ([]Return, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	if status == "" {
		return loadReturns(ctx, s.db, false, `WHERE r.shop_id = $1 AND r.status IN `+openReturnStatuses+` ORDER BY r.id LIMIT $2`, shopID, limit)
	}
	if !validReturnStatus(status) {
		return nil, errs.Invalidf("status", "unknown request status %q", status)
	}
	return loadReturns(ctx, s.db, false, `WHERE r.shop_id = $1 AND r.status = $2 ORDER BY r.id DESC LIMIT $3`, shopID, string(status), limit)
}

// Disputes lists escalated requests, oldest first, for operators.
func (s *Service) Disputes(ctx context.Context, actor auth.Actor, limit int) ([]Return, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return loadReturns(ctx, s.db, true, `WHERE r.status = 'escalated' ORDER BY r.updated_at, r.id LIMIT $1`, limit)
}

func validReturnStatus(st ReturnStatus) bool {
	switch st {
	case ReturnRequested, ReturnApproved, ReturnBuyerShipped, ReturnEscalated, ReturnRefunded, ReturnRejected, ReturnWithdrawn, ReturnClosed:
		return true
	}
	return false
}

const returnColumns = `r.id, r.order_id, r.buyer_id, r.shop_id, r.kind, r.status, r.reason, r.note, r.refund_amount, r.shipping_refund,
	r.seller_respond_by, r.buyer_ship_by, r.seller_receive_by, r.dispute_by, r.return_tracking, r.seller_note, r.resolution,
	r.created_at, r.updated_at, o.currency`

// loadReturns reads requests matching where with their lines; with detail, their
// timelines too.
func loadReturns(ctx context.Context, q db.Querier, detail bool, where string, args ...any) ([]Return, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+returnColumns+` FROM returns r JOIN orders o ON o.id = r.order_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("order: load returns: %w", err)
	}
	var out []Return
	index := map[id.ID]int{}
	for rows.Next() {
		var r Return
		var refund, ship, respond, shipBy, receive, dispute, created, updated int64
		var cur string
		if err := rows.Scan(&r.ID, &r.OrderID, &r.BuyerID, &r.ShopID, &r.Kind, &r.Status, &r.Reason, &r.Note, &refund, &ship,
			&respond, &shipBy, &receive, &dispute, &r.ReturnTracking, &r.SellerNote, &r.Resolution, &created, &updated, &cur); err != nil {
			rows.Close()
			return nil, err
		}
		r.Refund, r.ShippingRefund = money.New(refund, cur), money.New(ship, cur)
		r.SellerRespondBy, r.BuyerShipBy, r.SellerReceiveBy, r.DisputeBy = db.Time(respond), db.Time(shipBy), db.Time(receive), db.Time(dispute)
		r.CreatedAt, r.UpdatedAt = db.Time(created), db.Time(updated)
		index[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ph := make([]string, len(out))
	ids := make([]any, len(out))
	for i, r := range out {
		ph[i], ids[i] = fmt.Sprintf("$%d", i+1), r.ID
	}
	in := strings.Join(ph, ",")
	lrows, err := q.QueryContext(ctx, `SELECT rl.return_id, rl.order_line_id, l.title, rl.quantity, rl.amount FROM return_lines rl
		JOIN order_lines l ON l.id = rl.order_line_id WHERE rl.return_id IN (`+in+`) ORDER BY rl.order_line_id`, ids...)
	if err != nil {
		return nil, err
	}
	for lrows.Next() {
		var rid id.ID
		var l ReturnLine
		var amount int64
		if err := lrows.Scan(&rid, &l.LineID, &l.Title, &l.Quantity, &amount); err != nil {
			lrows.Close()
			return nil, err
		}
		r := &out[index[rid]]
		l.Amount = money.New(amount, r.Refund.Currency)
		r.Lines = append(r.Lines, l)
	}
	lrows.Close()
	if err := lrows.Err(); err != nil || !detail {
		return out, err
	}
	hrows, err := q.QueryContext(ctx, `SELECT return_id, status, actor_id, note, at FROM return_history WHERE return_id IN (`+in+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, err
	}
	defer hrows.Close()
	for hrows.Next() {
		var rid id.ID
		var st ReturnStep
		var at int64
		if err := hrows.Scan(&rid, &st.Status, &st.ActorID, &st.Note, &at); err != nil {
			return nil, err
		}
		st.At = db.Time(at)
		out[index[rid]].History = append(out[index[rid]].History, st)
	}
	return out, hrows.Err()
}

func loadReturn(ctx context.Context, q db.Querier, returnID id.ID, detail bool) (Return, error) {
	rs, err := loadReturns(ctx, q, detail, `WHERE r.id = $1`, returnID)
	if err != nil {
		return Return{}, err
	}
	if len(rs) == 0 {
		return Return{}, ErrReturnNotFound
	}
	return rs[0], nil
}
