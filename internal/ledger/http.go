package ledger

import (
	"net/http"

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
