package ledger

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the ledger JSON API on mux: the books for operators, a shop's own
// balances for its seller.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/ledger/accounts", s.handleAccounts)
	mux.HandleFunc("GET /api/v1/ledger/transfers", s.handleTransfers)
	mux.HandleFunc("GET /api/v1/ledger/trial-balance", s.handleTrialBalance)
	mux.HandleFunc("GET /api/v1/shops/{id}/balances", s.handleShopBalances)
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
