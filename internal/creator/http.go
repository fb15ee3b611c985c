package creator

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Routes registers the creator JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/creators", s.handleCreate)
	mux.HandleFunc("GET /api/v1/creators/me", s.handleMe)
	mux.HandleFunc("GET /api/v1/creators/me/eligibility", s.handleEligibility)
	mux.HandleFunc("GET /api/v1/creators/me/commissions", s.handleCommissions)
	mux.HandleFunc("POST /api/v1/creators/me/showcase", s.handleAddShowcase)
	mux.HandleFunc("DELETE /api/v1/creators/me/showcase/{product}", s.handleRemoveShowcase)
	mux.HandleFunc("GET /api/v1/creators/{id}", s.handleGet)
	mux.HandleFunc("POST /api/v1/creators/{id}/follow", s.handleFollow)
	mux.HandleFunc("DELETE /api/v1/creators/{id}/follow", s.handleUnfollow)
	mux.HandleFunc("PUT /api/v1/products/{id}/affiliate-offer", s.handleSetOffer)
	mux.HandleFunc("GET /api/v1/affiliate-offers", s.handleOffers)
	s.collabRoutes(mux)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	var in ProfileInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := s.CreateProfile(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) mineHTTP(w http.ResponseWriter, r *http.Request) (Creator, bool) {
	actor := auth.From(r.Context())
	if err := actor.RequireLogin(); err != nil {
		httpx.WriteError(w, r, err)
		return Creator{}, false
	}
	c, err := s.ByAccount(r.Context(), actor.AccountID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return Creator{}, false
	}
	return c, true
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.mineHTTP(w, r); ok {
		httpx.WriteJSON(w, http.StatusOK, c)
	}
}

func (s *Service) handleEligibility(w http.ResponseWriter, r *http.Request) {
	c, ok := s.mineHTTP(w, r)
	if !ok {
		return
	}
	e, err := s.Eligibility(r.Context(), c)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, e)
}

func (s *Service) handleCommissions(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Commissions(r.Context(), auth.From(r.Context()), httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"commissions": cs})
}

func (s *Service) handleAddShowcase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProductID id.ID `json:"product_id"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.ProductID == 0 {
		httpx.WriteError(w, r, errs.Invalidf("product_id", "required"))
		return
	}
	if err := s.AddToShowcase(r.Context(), auth.From(r.Context()), in.ProductID); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, _ := s.ByAccount(r.Context(), auth.From(r.Context()).AccountID)
	items, err := s.Showcase(r.Context(), c.ID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"showcase": items})
}

func (s *Service) handleRemoveShowcase(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "product")
	if err == nil {
		err = s.RemoveFromShowcase(r.Context(), auth.From(r.Context()), pid)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := s.Creator(r.Context(), cid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	items, err := s.Showcase(r.Context(), c.ID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"creator": c, "showcase": items})
}

func (s *Service) handleFollow(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.Follow(r.Context(), auth.From(r.Context()), cid)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleUnfollow(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.identity.Unfollow(r.Context(), auth.From(r.Context()), identity.FollowCreator, cid)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleSetOffer(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in := struct {
		CommissionBP money.BP `json:"commission_bp"`
		Active       *bool    `json:"active"`
	}{}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	active := in.Active == nil || *in.Active
	o, err := s.SetOffer(r.Context(), auth.From(r.Context()), pid, in.CommissionBP, active)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

func (s *Service) handleOffers(w http.ResponseWriter, r *http.Request) {
	m := r.URL.Query().Get("market")
	if _, err := s.markets.Market(r.Context(), m); err != nil {
		httpx.WriteError(w, r, errs.Invalidf("market", "say which market: ?market=US"))
		return
	}
	ps, err := s.OpenOffers(r.Context(), m, httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"products": ps})
}
