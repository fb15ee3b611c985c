package promo

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the promotions JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/shops/{id}/promotions", s.handleCreatePromotion)
	mux.HandleFunc("GET /api/v1/shops/{id}/promotions", s.handleShopPromotions)
	mux.HandleFunc("POST /api/v1/promotions/{id}/end", s.handleEndPromotion)
	mux.HandleFunc("POST /api/v1/coupons", s.handleCreateCoupon)
	mux.HandleFunc("POST /api/v1/coupons/{id}/end", s.handleEndCoupon)
	mux.HandleFunc("GET /api/v1/shops/{id}/coupons", s.handleShopCoupons)
	mux.HandleFunc("GET /api/v1/markets/{code}/coupons", s.handlePlatformCoupons)
	mux.HandleFunc("GET /api/v1/shops/{id}/shipping-programs", s.handlePrograms)
	mux.HandleFunc("PUT /api/v1/shops/{id}/shipping-programs/{program}", s.handleEnrol)
}

func (s *Service) handleCreatePromotion(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in PromotionInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.CreatePromotion(r.Context(), auth.From(r.Context()), shopID, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
}

func (s *Service) handleShopPromotions(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ps, err := s.Promotions(r.Context(), auth.From(r.Context()), shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"promotions": ps})
}

func (s *Service) handleEndPromotion(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.EndPromotion(r.Context(), auth.From(r.Context()), pid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) handleCreateCoupon(w http.ResponseWriter, r *http.Request) {
	var in CouponInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := s.CreateCoupon(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) handleEndCoupon(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.EndCoupon(r.Context(), auth.From(r.Context()), cid)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleShopCoupons(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	cs, err := s.ShopCoupons(r.Context(), auth.From(r.Context()), shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"coupons": cs})
}

func (s *Service) handlePlatformCoupons(w http.ResponseWriter, r *http.Request) {
	cs, err := s.PlatformCoupons(r.Context(), auth.From(r.Context()), r.PathValue("code"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"coupons": cs})
}

func (s *Service) handlePrograms(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ps, err := s.Programs(r.Context(), auth.From(r.Context()), shopID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"programs": ps})
}

func (s *Service) handleEnrol(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		Enrolled bool `json:"enrolled"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := s.SetEnrolment(r.Context(), auth.From(r.Context()), shopID, r.PathValue("program"), in.Enrolled); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.handlePrograms(w, r)
}
