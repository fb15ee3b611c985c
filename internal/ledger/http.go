package ledger

import (
	"context"
	"net/http"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/seller"
)

// Routes registers the ledger JSON API on mux: the books for operators, a shop's own
// balances for its seller.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/ledger/accounts", s.handleAccounts)
	mux.HandleFunc("GET /api/v1/ledger/transfers", s.handleTransfers)
	mux.HandleFunc("GET /api/v1/ledger/trial-balance", s.handleTrialBalance)
	mux.HandleFunc("GET /api/v1/shops/{id}/balances", s.handleShopBalances)
	mux.HandleFunc("GET /api/v1/shops/{id}/statements", s.handleShopStatement)
	mux.HandleFunc("GET /api/v1/shops/{id}/payouts", s.handleShopPayouts)
	mux.HandleFunc("POST /api/v1/shops/{id}/payouts", s.handleShopPayout)
	mux.HandleFunc("PUT /api/v1/shops/{id}/payout-destination", s.handleShopDestination)
	mux.HandleFunc("GET /api/v1/creators/me/earnings", s.handleCreatorEarnings)
	mux.HandleFunc("GET /api/v1/creators/me/payouts", s.handleCreatorPayouts)
	mux.HandleFunc("POST /api/v1/creators/me/payouts", s.handleCreatorPayout)
	mux.HandleFunc("PUT /api/v1/creators/me/payout-destination", s.handleCreatorDestination)
	mux.HandleFunc("POST /api/v1/ledger/collaboration-fees", s.handleProgram(ProgramCollaborationFee))
	mux.HandleFunc("POST /api/v1/ledger/ad-credits", s.handleProgram(ProgramAdCredit))
	mux.HandleFunc("POST /api/v1/ledger/ad-spend", s.handleProgram(ProgramAdSpend))
	mux.HandleFunc("POST /api/v1/ledger/incentives", s.handleProgram(ProgramIncentive))
}

// UseCreators tells the ledger how to find the creator profile of an account (id and
// market), for the creator's own payout API. The creator domain answers it; the
// ledger cannot import it (it imports the ledger).
func (s *Service) UseCreators(f func(ctx context.Context, accountID id.ID) (creatorID id.ID, market string, err error)) {
	s.creatorOf = f
}

// myCreator is the signed-in creator's id and market.
func (s *Service) myCreator(w http.ResponseWriter, r *http.Request) (id.ID, market.Market, bool) {
	actor := auth.From(r.Context())
	if err := actor.RequireLogin(); err != nil {
		httpx.WriteError(w, r, err)
		return 0, market.Market{}, false
	}
	if s.creatorOf == nil {
		httpx.WriteError(w, r, errs.New(errs.Internal, "creators_unavailable", "creator payouts are not wired"))
		return 0, market.Market{}, false
	}
	cid, code, err := s.creatorOf(r.Context(), actor.AccountID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return 0, market.Market{}, false
	}
	m, err := s.markets.Market(r.Context(), code)
	if err != nil {
		httpx.WriteError(w, r, err)
		return 0, market.Market{}, false
	}
	return cid, m, true
}

// handleCreatorEarnings answers the creator's balance: pending, payable (available to
// withdraw), paid, and what is overdue or soon due, in the market's currency.
func (s *Service) handleCreatorEarnings(w http.ResponseWriter, r *http.Request) {
	cid, m, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	e, err := s.CreatorEarnings(r.Context(), cid, m.Currency)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	dest, err := s.PayoutDestination(r.Context(), OwnerCreator, cid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.markets.Policy(r.Context(), m.Code, s.now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"creator_id": cid, "earnings": e, "destination": maskDestination(dest),
		"min_payout": money.New(p.Settlement.MinPayout, m.Currency)})
}

func (s *Service) handleCreatorPayouts(w http.ResponseWriter, r *http.Request) {
	cid, _, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	ps, err := s.Payouts(r.Context(), OwnerCreator, cid, 100)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	for i := range ps {
		ps[i].Destination = maskDestination(ps[i].Destination)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"payouts": ps})
}

// handleCreatorPayout pays the creator's available commission out: 201 with the
// payout, paid or failed (the money then stays available).
func (s *Service) handleCreatorPayout(w http.ResponseWriter, r *http.Request) {
	cid, m, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	po, err := s.PayOut(r.Context(), OwnerCreator, cid, m.Code)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	po.Destination = maskDestination(po.Destination)
	httpx.WriteJSON(w, http.StatusCreated, po)
}

func (s *Service) handleCreatorDestination(w http.ResponseWriter, r *http.Request) {
	cid, _, ok := s.myCreator(w, r)
	if !ok {
		return
	}
	var in struct {
		Destination string `json:"destination"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := s.SetPayoutDestination(r.Context(), OwnerCreator, cid, in.Destination); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"destination": maskDestination(in.Destination)})
}

// handleProgram books a programme rule for operators: 201 with the transfer.
func (s *Service) handleProgram(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := auth.From(r.Context()).Require(auth.Operator); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		var in ProgramInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		t, err := s.BookProgram(r.Context(), auth.From(r.Context()), kind, in)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, t)
	}
}

// managedShop is the shop of the path, if the caller may manage it.
func (s *Service) managedShop(w http.ResponseWriter, r *http.Request) (seller.Shop, bool) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return seller.Shop{}, false
	}
	shop, err := s.sellers.Manage(r.Context(), auth.From(r.Context()), shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return seller.Shop{}, false
	}
	return shop, true
}

// handleShopStatement answers a shop's statement of a day (?day=YYYY-MM-DD in the
// market's time zone).
func (s *Service) handleShopStatement(w http.ResponseWriter, r *http.Request) {
	shop, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	day := r.URL.Query().Get("day")
	if day == "" {
		httpx.WriteError(w, r, errs.Invalidf("day", "say which day: ?day=2026-11-21"))
		return
	}
	st, err := s.Statement(r.Context(), OwnerShop, shop.ID, shop.Market, day)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

func (s *Service) handleShopPayouts(w http.ResponseWriter, r *http.Request) {
	shop, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ps, err := s.Payouts(r.Context(), OwnerShop, shop.ID, 100)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"payouts": ps})
}

// handleShopPayout pays the shop's available balance out: 201 with the payout, paid
// or failed (the money then stays available).
func (s *Service) handleShopPayout(w http.ResponseWriter, r *http.Request) {
	shop, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	po, err := s.PayOut(r.Context(), OwnerShop, shop.ID, shop.Market)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, po)
}

func (s *Service) handleShopDestination(w http.ResponseWriter, r *http.Request) {
	shop, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	var in struct {
		Destination string `json:"destination"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := s.SetPayoutDestination(r.Context(), OwnerShop, shop.ID, in.Destination); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"destination": maskDestination(in.Destination)})
}

func (s *Service) handleAccounts(w http.ResponseWriter, r *http.Request) {
	if err := auth.From(r.Context()).Require(auth.Operator); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	as, err := s.Accounts(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"accounts": as})
}

func (s *Service) handleTransfers(w http.ResponseWriter, r *http.Request) {
	if err := auth.From(r.Context()).Require(auth.Operator); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ref := r.URL.Query().Get("reference")
	if ref == "" {
		httpx.WriteError(w, r, errs.Invalidf("reference", "say what the transfers are about: ?reference=order:123"))
		return
	}
	ts, err := s.TransfersFor(r.Context(), ref)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"transfers": ts})
}

func (s *Service) handleTrialBalance(w http.ResponseWriter, r *http.Request) {
	if err := auth.From(r.Context()).Require(auth.Operator); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	tb, err := s.TrialBalance(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	verr := s.Verify(r.Context())
	body := map[string]any{"sums": tb, "balanced": verr == nil}
	if verr != nil {
		body["problem"] = verr.Error()
	}
	httpx.WriteJSON(w, http.StatusOK, body)
}

func (s *Service) handleShopBalances(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if _, err := s.sellers.Manage(r.Context(), auth.From(r.Context()), shopID); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	as, err := s.AccountsOf(r.Context(), OwnerShop, shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	type balance struct {
		Account
		Available any `json:"balance_normalised"`
	}
	out := make([]balance, len(as))
	for i, a := range as {
		out[i] = balance{a, a.Normalised()}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"accounts": out})
}
