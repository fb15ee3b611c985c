package seller

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the seller JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/shops", s.handleRegister)
	mux.HandleFunc("GET /api/v1/shops/mine", s.handleMine)
	mux.HandleFunc("GET /api/v1/shops/{id}", s.handleGet)
	mux.HandleFunc("POST /api/v1/shops/{id}/follow", s.handleFollow)
	mux.HandleFunc("DELETE /api/v1/shops/{id}/follow", s.handleUnfollow)
	s.centerRoutes(mux)
}

func (s *Service) handleRegister(w http.ResponseWriter, r *http.Request) {
	var in RegisterInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sh, err := s.Register(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, sh)
}

func (s *Service) handleMine(w http.ResponseWriter, r *http.Request) {
	actor := auth.From(r.Context())
	if err := actor.RequireLogin(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	shops, err := s.ShopsOf(r.Context(), actor.AccountID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"shops": shops})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sh, err := s.Shop(r.Context(), shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sh)
}

func (s *Service) handleFollow(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.Follow(r.Context(), auth.From(r.Context()), shopID)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleUnfollow(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.identity.Unfollow(r.Context(), auth.From(r.Context()), identity.FollowShop, shopID)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
