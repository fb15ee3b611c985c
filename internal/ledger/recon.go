package ledger

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Reconciliation ties three records of the same money together for a market's day:
// what the order domain says each order cost and refunded, what the payment
// provider's records say was captured and refunded for its checkout, and what the
// ledger booked on the provider's receivable account. Any difference is listed with
// the order it is about; a day with none is reconciled.

// OrderMoney is the order domain's record of an order's money.
type OrderMoney struct {
	OrderID    id.ID
	CheckoutID id.ID
	Market     string
	Currency   string
	Status     string
	Total      int64
	Refunded   int64
	PaidAt     time.Time
}

// OrderSource answers the orders paid in a market over a period, and every order of
// some checkouts (a checkout's payment covers all of them). The order domain
// implements it: it is uphill of the ledger, so the ledger only names what it needs.
type OrderSource interface {
	PaidOrders(ctx context.Context, market string, from, to time.Time) ([]OrderMoney, error)
	CheckoutOrders(ctx context.Context, checkouts []id.ID) ([]OrderMoney, error)
}

// PaymentRecord is the payment provider's record of a checkout's money.
type PaymentRecord struct {
	Captured int64
	Refunded int64
	Status   string
}

// PaymentSource answers a checkout's payment ("checkout:123"), found false when
// there is none.
type PaymentSource interface {
	CheckoutPayment(ctx context.Context, checkoutID id.ID) (PaymentRecord, bool, error)
}

// Difference is one disagreement between the records.
type Difference struct {
	OrderID    id.ID  `json:"order_id,omitempty"`
	CheckoutID id.ID  `json:"checkout_id,omitempty"`
	What       string `json:"what"`
	Expected   int64  `json:"expected"` // what the first-named record says
	Actual     int64  `json:"actual"`   // what the other says
}

// Recon is a market's reconciliation of a day.
type Recon struct {
	Market   string `json:"market"`
	Day      string `json:"day"`
	Currency string `json:"currency"`
	Orders   int    `json:"orders"`
	// The order domain's figures for the orders paid that day.
	OrderTotal    int64 `json:"order_total"`
	OrderRefunded int64 `json:"order_refunded"`
	// The payment provider's, for those orders' checkouts.
	Captured         int64 `json:"captured"`
	ProviderRefunded int64 `json:"provider_refunded"`
	// The ledger's, on the provider receivable account, for those orders.
	LedgerCaptured int64 `json:"ledger_captured"`
	LedgerRefunded int64 `json:"ledger_refunded"`
	// Held: what the ledger still holds for those orders in clearing (not settled).
	Held int64 `json:"held"`
	// OrderTotalUSD is OrderTotal at the operators' rate for the day (zero if none).
	OrderTotalUSD money.Money  `json:"order_total_usd"`
	Differences   []Difference `json:"differences"`
}

// Reconciled reports whether the records agree.
func (r Recon) Reconciled() bool { return len(r.Differences) == 0 }

// Reconcile builds a market's reconciliation of a day (YYYY-MM-DD, the market's time
// zone) from the order domain, the payment records and the ledger.
func (s *Service) Reconcile(ctx context.Context, market, day string, orders OrderSource, payments PaymentSource) (Recon, error) {
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return Recon{}, err
	}
	from, to, err := s.DayBounds(ctx, market, day)
	if err != nil {
		return Recon{}, err
	}
	r := Recon{Market: market, Day: day, Currency: m.Currency}
	paid, err := orders.PaidOrders(ctx, market, from, to)
	if err != nil {
		return Recon{}, fmt.Errorf("ledger: orders of the day: %w", err)
	}
	r.Orders = len(paid)
	checkoutSet := map[id.ID]bool{}
	for _, o := range paid {
		r.OrderTotal += o.Total
		r.OrderRefunded += o.Refunded
		checkoutSet[o.CheckoutID] = true
		captured, refunded, held, err := s.orderBooks(ctx, o)
		if err != nil {
			return Recon{}, err
		}
		r.LedgerCaptured += captured
		r.LedgerRefunded += refunded
		r.Held += held
		if captured != o.Total {
			r.Differences = append(r.Differences, Difference{OrderID: o.OrderID, CheckoutID: o.CheckoutID, What: "order total vs ledger capture", Expected: o.Total, Actual: captured})
		}
		if refunded != o.Refunded {
			r.Differences = append(r.Differences, Difference{OrderID: o.OrderID, CheckoutID: o.CheckoutID, What: "order refunds vs ledger refunds", Expected: o.Refunded, Actual: refunded})
		}
		if o.Currency != m.Currency {
			r.Differences = append(r.Differences, Difference{OrderID: o.OrderID, What: "order currency " + o.Currency + " is not the market's"})
		}
	}
	// A checkout's payment covers all its orders: compare it with all of them.
	checkouts := make([]id.ID, 0, len(checkoutSet))
	for c := range checkoutSet {
		checkouts = append(checkouts, c)
	}
	sort.Slice(checkouts, func(i, j int) bool { return checkouts[i] < checkouts[j] })
	all, err := orders.CheckoutOrders(ctx, checkouts)
	if err != nil {
		return Recon{}, fmt.Errorf("ledger: orders of the checkouts: %w", err)
	}
	type sums struct{ total, refunded int64 }
	per := map[id.ID]*sums{}
	for _, o := range all {
		if per[o.CheckoutID] == nil {
			per[o.CheckoutID] = &sums{}
		}
		per[o.CheckoutID].total += o.Total
		per[o.CheckoutID].refunded += o.Refunded
	}
	for _, c := range checkouts {
		p, found, err := payments.CheckoutPayment(ctx, c)
		if err != nil {
			return Recon{}, fmt.Errorf("ledger: payment of checkout %d: %w", c, err)
		}
		want := per[c]
		if want == nil {
			want = &sums{}
		}
		if !found {
			r.Differences = append(r.Differences, Difference{CheckoutID: c, What: "no payment for a paid checkout", Expected: want.total})
			continue
		}
		r.Captured += p.Captured
		r.ProviderRefunded += p.Refunded
		if p.Captured != want.total {
			r.Differences = append(r.Differences, Difference{CheckoutID: c, What: "checkout orders vs provider capture", Expected: want.total, Actual: p.Captured})
		}
		if p.Refunded != want.refunded {
			r.Differences = append(r.Differences, Difference{CheckoutID: c, What: "checkout refunds vs provider refunds", Expected: want.refunded, Actual: p.Refunded})
		}
	}
	if s.fx != nil && r.OrderTotal != 0 {
		// Without a rate for the day the USD figure stays empty; the rest stands.
		if usd, err := s.fx.ToUSD(ctx, money.New(r.OrderTotal, m.Currency), from); err == nil {
			r.OrderTotalUSD = usd
		}
	}
	return r, nil
}

// PaymentRecords reads checkouts' payments from the payment service, where the order
// domain files them under "checkout:<id>".
type PaymentRecords struct{ Payments *payment.Service }

// CheckoutPayment implements PaymentSource: a payment not captured has captured
// nothing.
func (p PaymentRecords) CheckoutPayment(ctx context.Context, checkoutID id.ID) (PaymentRecord, bool, error) {
	pay, err := p.Payments.ByReference(ctx, "checkout:"+checkoutID.String())
	if errors.Is(err, payment.ErrPaymentNotFound) {
		return PaymentRecord{}, false, nil
	}
	if err != nil {
		return PaymentRecord{}, false, err
	}
	rec := PaymentRecord{Refunded: pay.Refunded.Amount, Status: string(pay.Status)}
	if pay.Status == payment.Captured {
		rec.Captured = pay.Amount.Amount
	}
	return rec, true, nil
}

// orderBooks reads what the ledger booked for an order on the provider receivable
// account (captures in, refunds and returned payments out) and what it still holds
// in clearing.
func (s *Service) orderBooks(ctx context.Context, o OrderMoney) (captured, refunded, held int64, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.type, p.amount FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE t.reference = $1 AND NOT t.pending AND a.owner_kind = 'platform' AND a.type IN ('payment_provider_receivable', 'buyer_payments_clearing')`,
		"order:"+o.OrderID.String())
	if err != nil {
		return 0, 0, 0, fmt.Errorf("ledger: books of order %d: %w", o.OrderID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ string
		var amount int64
		if err := rows.Scan(&typ, &amount); err != nil {
			return 0, 0, 0, err
		}
		switch {
		case strings.EqualFold(typ, string(BuyerPaymentsClearing)):
			held -= amount
		case amount > 0:
			captured += amount
		default:
			refunded -= amount
		}
	}
	return captured, refunded, held, rows.Err()
}
