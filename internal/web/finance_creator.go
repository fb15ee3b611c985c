package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
)

// myCreator is the signed-in creator's profile and market.
func (s *Server) myCreator(w http.ResponseWriter, r *http.Request) (creator.Creator, market.Market, bool) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		s.fail(w, r, err)
		return creator.Creator{}, market.Market{}, false
	}
	c, err := s.Creators.ByAccount(ctx, actor.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return creator.Creator{}, market.Market{}, false
	}
	m, err := s.Markets.Market(ctx, c.Market)
	if err != nil {
		s.fail(w, r, err)
		return creator.Creator{}, market.Market{}, false
	}
	return c, m, true
}

// creatorEarnings shows a creator's commission: pending, payable, paid, what is
// overdue or soon due, the day's statement, and payouts.
func (s *Server) creatorEarnings(w http.ResponseWriter, r *http.Request) {
	c, m, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	e, err := s.Ledger.CreatorEarnings(ctx, c.ID, m.Currency)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	day := r.URL.Query().Get("day")
	if day == "" {
		day = today(m.TimeZone)
	}
	st, err := s.Ledger.Statement(ctx, ledger.OwnerCreator, c.ID, m.Code, day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sched, err := s.Ledger.Settlements(ctx, ledger.OwnerCreator, c.ID, 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	payouts, err := s.Ledger.Payouts(ctx, ledger.OwnerCreator, c.ID, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dest, err := s.Ledger.PayoutDestination(ctx, ledger.OwnerCreator, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "earnings_creator", "Earnings", "creator", struct {
		Creator     creator.Creator
		Market      market.Market
		Earnings    ledger.Earnings
		Day         string
		Statement   ledger.Statement
		Schedule    []ledger.Settlement
		Payouts     []ledger.Payout
		Destination string
	}{c, m, e, day, st, sched, payouts, dest})
}

func (s *Server) creatorPayoutDestination(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	if err := s.Ledger.SetPayoutDestination(r.Context(), ledger.OwnerCreator, c.ID, r.PostFormValue("destination")); err != nil {
		s.back(w, r, "/creator/earnings", err)
		return
	}
	done(w, r, "/creator/earnings", "Payouts will go to the new bank account.")
}

func (s *Server) creatorPayout(w http.ResponseWriter, r *http.Request) {
	c, m, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	po, err := s.Ledger.PayOut(r.Context(), ledger.OwnerCreator, c.ID, m.Code)
	if err != nil {
		s.back(w, r, "/creator/earnings", err)
		return
	}
	payoutDone(w, r, "/creator/earnings", po)
}
