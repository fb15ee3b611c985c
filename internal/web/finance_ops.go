package web

import (
	"context"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// orderRecords hands the order domain's records to the ledger's reconciliation: the
// order domain is uphill of the ledger, so the page joins them.
type orderRecords struct{ orders *order.Service }

func toLedger(rs []order.MoneyRecord, err error) ([]ledger.OrderMoney, error) {
	out := make([]ledger.OrderMoney, len(rs))
	for i, r := range rs {
		out[i] = ledger.OrderMoney(r)
	}
	return out, err
}

func (o orderRecords) PaidOrders(ctx context.Context, market string, from, to time.Time) ([]ledger.OrderMoney, error) {
	return toLedger(o.orders.PaidOrders(ctx, market, from, to))
}

func (o orderRecords) CheckoutOrders(ctx context.Context, cs []id.ID) ([]ledger.OrderMoney, error) {
	return toLedger(o.orders.CheckoutOrders(ctx, cs))
}

// opsReconciliation ties a market's day together: orders, the payment provider's
// records and the ledger, with every difference listed.
func (s *Server) opsReconciliation(w http.ResponseWriter, r *http.Request) {
	if !s.operator(w, r) {
		return
	}
	ctx := r.Context()
	code := r.URL.Query().Get("market")
	if code == "" {
		code = "US"
	}
	m, err := s.Markets.Market(ctx, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	day := r.URL.Query().Get("day")
	if day == "" {
		day = today(m.TimeZone)
	}
	rec, err := s.Ledger.Reconcile(ctx, code, day, orderRecords{s.Orders}, ledger.PaymentRecords{Payments: s.Payments})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_recon", "Reconciliation", "ops", struct {
		Recon   ledger.Recon
		Markets []market.Market
	}{rec, ms})
}
