package web

import (
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// financeRoutes registers the money pages: Seller Center finance, Creator Center
// earnings, and the Ops reconciliation.
func (s *Server) financeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /seller/shops/{id}/finance", s.sellerFinance)
	mux.HandleFunc("POST /seller/shops/{id}/finance/destination", s.sellerPayoutDestination)
	mux.HandleFunc("POST /seller/shops/{id}/finance/payout", s.sellerPayout)
	mux.HandleFunc("GET /creator/earnings", s.creatorEarnings)
	mux.HandleFunc("POST /creator/earnings/destination", s.creatorPayoutDestination)
	mux.HandleFunc("POST /creator/earnings/payout", s.creatorPayout)
	mux.HandleFunc("GET /ops/reconciliation", s.opsReconciliation)
}

// today is the current day in a market's time zone.
func today(tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return time.Now().In(loc).Format("2006-01-02")
}

// sellerFinance shows a shop's money: balances, the day's statement, when each
// order's money becomes available, payouts, one order's breakdown, and commissions
// on its orders that creators are waiting for.
func (s *Server) sellerFinance(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	day := r.URL.Query().Get("day")
	if day == "" {
		day = today(m.TimeZone)
	}
	payable, err := s.Ledger.Account(ctx, ledger.Shop(ledger.SellerPayable, shop.ID, m.Currency))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	available, err := s.Ledger.Account(ctx, ledger.Shop(ledger.SellerAvailable, shop.ID, m.Currency))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Ledger.Statement(ctx, ledger.OwnerShop, shop.ID, shop.Market, day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sched, err := s.Ledger.Settlements(ctx, ledger.OwnerShop, shop.ID, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	payouts, err := s.Ledger.Payouts(ctx, ledger.OwnerShop, shop.ID, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dest, err := s.Ledger.PayoutDestination(ctx, ledger.OwnerShop, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	overdue, dueSoon, err := s.Ledger.CommissionsDueOnShop(ctx, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var breakdown []ledger.StatementLine
	var orderID id.ID
	if v := r.URL.Query().Get("order"); v != "" {
		if orderID, err = id.Parse(v); err != nil {
			s.fail(w, r, err)
			return
		}
		if breakdown, err = s.Ledger.OrderBreakdown(ctx, shop.ID, orderID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	pol, err := s.Markets.Policy(ctx, shop.Market, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "finance_seller", shop.Name+" · finance", "seller", struct {
		ShopHeader
		Payable, Available, Held int64
		MinPayout                int64
		Currency, Day            string
		Statement                ledger.Statement
		Schedule                 []ledger.Settlement
		Payouts                  []ledger.Payout
		Destination              string
		Overdue, DueSoon         []ledger.Settlement
		OrderID                  id.ID
		Breakdown                []ledger.StatementLine
	}{header(shop, m, "/finance"), payable.Normalised().Amount, available.Available().Amount, available.PendingDebit, pol.Settlement.MinPayout,
		m.Currency, day, st, sched, payouts, dest, overdue, dueSoon, orderID, breakdown})
}

func (s *Server) sellerPayoutDestination(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/finance"
	if _, err := s.Sellers.Manage(ctx, auth.From(ctx), shopID); err != nil {
		s.back(w, r, back, err)
		return
	}
	if err := s.Ledger.SetPayoutDestination(ctx, ledger.OwnerShop, shopID, r.PostFormValue("destination")); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Payouts will go to the new bank account.")
}

func (s *Server) sellerPayout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/finance"
	shop, err := s.Sellers.Manage(ctx, auth.From(ctx), shopID)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	po, err := s.Ledger.PayOut(ctx, ledger.OwnerShop, shop.ID, shop.Market)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	payoutDone(w, r, back, po)
}

// payoutDone tells how a payout went: paid, or failed with the money back.
func payoutDone(w http.ResponseWriter, r *http.Request, back string, po ledger.Payout) {
	amount := money.New(po.Amount, po.Currency).Format()
	if po.Status == ledger.PayoutFailed {
		setFlash(w, "error", "The bank refused the payout of "+amount+" ("+po.Failure+"); the money is back in your available balance.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	done(w, r, back, "Paid out "+amount+" to "+po.Destination+".")
}
