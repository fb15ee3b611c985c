package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The order domain's side of the ledger's reconciliation (the Ops reconciliation page
// hands these to ledger.Reconcile): what each order cost the buyer and what they had
// back, as the orders record it.

// MoneyRecord is an order's money as the order records it.
type MoneyRecord struct {
	OrderID    id.ID
	CheckoutID id.ID
	Market     string
	Currency   string
	Status     string
	Total      int64
	Refunded   int64
	PaidAt     time.Time
}

// PaidOrders lists the orders of a market paid in [from, to).
func (s *Service) PaidOrders(ctx context.Context, market string, from, to time.Time) ([]MoneyRecord, error) {
	return s.orderMoney(ctx, `market = $1 AND paid_at >= $2 AND paid_at < $3`, market, db.Micros(from), db.Micros(to))
}

// CheckoutOrders lists every order of the checkouts.
func (s *Service) CheckoutOrders(ctx context.Context, checkouts []id.ID) ([]MoneyRecord, error) {
	if len(checkouts) == 0 {
		return nil, nil
	}
	ph := make([]string, len(checkouts))
	args := make([]any, len(checkouts))
	for i, c := range checkouts {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), c
	}
	return s.orderMoney(ctx, `checkout_id IN (`+strings.Join(ph, ", ")+`)`, args...)
}

func (s *Service) orderMoney(ctx context.Context, where string, args ...any) ([]MoneyRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, checkout_id, market, currency, status, total, refunded, paid_at FROM orders
		WHERE paid_at > 0 AND `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("order: money of orders: %w", err)
	}
	defer rows.Close()
	var out []MoneyRecord
	for rows.Next() {
		var o MoneyRecord
		var paid int64
		if err := rows.Scan(&o.OrderID, &o.CheckoutID, &o.Market, &o.Currency, &o.Status, &o.Total, &o.Refunded, &paid); err != nil {
			return nil, err
		}
		o.PaidAt = db.Time(paid)
		out = append(out, o)
	}
	return out, rows.Err()
}
