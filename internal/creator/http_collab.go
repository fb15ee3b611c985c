package creator

import (
	"net/http"
	"strconv"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// collabRoutes registers the JSON API of collaborations, samples, links, the
// marketplace and messages.
func (s *Service) collabRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /api/v1/products/{id}/open-plan", s.handleSetOpenPlan)
	mux.HandleFunc("POST /api/v1/target-plans", s.handleCreatePlan)
	mux.HandleFunc("GET /api/v1/shops/{id}/target-plans", s.handleShopPlans)
	mux.HandleFunc("GET /api/v1/creators/me/invitations", s.handleInvitations)
	mux.HandleFunc("POST /api/v1/target-plans/{id}/answer", s.handleAnswer)
	mux.HandleFunc("PUT /api/v1/creators/me/showcase", s.handleReorder)
	mux.HandleFunc("POST /api/v1/samples", s.handleRequestSample)
	mux.HandleFunc("GET /api/v1/creators/me/samples", s.handleMySamples)
	mux.HandleFunc("POST /api/v1/samples/{id}/decision", s.handleDecideSample)
	mux.HandleFunc("GET /api/v1/creators/me/sample-address", s.handleSampleAddress)
	mux.HandleFunc("PUT /api/v1/creators/me/sample-address", s.handleSetSampleAddress)
	mux.HandleFunc("POST /api/v1/creators/me/links", s.handleLink)
	mux.HandleFunc("POST /api/v1/ad-links", s.handleAdLink)
	mux.HandleFunc("GET /api/v1/shops/{id}/commissions", s.handleShopCommissions)
	mux.HandleFunc("GET /api/v1/creator-marketplace", s.handleSearch)
	mux.HandleFunc("GET /api/v1/products/{id}/recommended-creators", s.handleRecommend)
	mux.HandleFunc("POST /api/v1/collaboration-messages", s.handleSend)
}

// run decodes the body into in (when in is not nil), calls fn and writes its result.
func run[T any](w http.ResponseWriter, r *http.Request, in any, status int, fn func(auth.Actor) (T, error)) {
	if in != nil {
		if err := httpx.Decode(w, r, in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	out, err := fn(auth.From(r.Context()))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, out)
}

func pathID(w http.ResponseWriter, r *http.Request) (id.ID, bool) {
	v, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
	}
	return v, err == nil
}

func (s *Service) handleSetOpenPlan(w http.ResponseWriter, r *http.Request) {
	if pid, ok := pathID(w, r); ok {
		in := OpenPlanInput{Active: true}
		run(w, r, &in, http.StatusOK, func(a auth.Actor) (Offer, error) { return s.SetOpenPlan(r.Context(), a, pid, in) })
	}
}

func (s *Service) handleCreatePlan(w http.ResponseWriter, r *http.Request) {
	var in TargetPlanInput
	run(w, r, &in, http.StatusCreated, func(a auth.Actor) (TargetPlan, error) { return s.CreateTargetPlan(r.Context(), a, in) })
}

func (s *Service) handleShopPlans(w http.ResponseWriter, r *http.Request) {
	if sid, ok := pathID(w, r); ok {
		run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
			ps, err := s.ShopPlans(r.Context(), a, sid)
			return map[string]any{"plans": ps}, err
		})
	}
}

func (s *Service) handleInvitations(w http.ResponseWriter, r *http.Request) {
	run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
		ps, err := s.Invitations(r.Context(), a)
		return map[string]any{"invitations": ps}, err
	})
}

func (s *Service) handleAnswer(w http.ResponseWriter, r *http.Request) {
	if pid, ok := pathID(w, r); ok {
		var in struct {
			Accept bool `json:"accept"`
		}
		run(w, r, &in, http.StatusOK, func(a auth.Actor) (map[string]bool, error) {
			return map[string]bool{"accepted": in.Accept}, s.RespondToInvitation(r.Context(), a, pid, in.Accept)
		})
	}
}

func (s *Service) handleReorder(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProductIDs []id.ID `json:"product_ids"`
	}
	run(w, r, &in, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
		if err := s.ReorderShowcase(r.Context(), a, in.ProductIDs); err != nil {
			return nil, err
		}
		c, _ := s.ByAccount(r.Context(), a.AccountID)
		items, err := s.Showcase(r.Context(), c.ID)
		return map[string]any{"showcase": items}, err
	})
}

func (s *Service) handleRequestSample(w http.ResponseWriter, r *http.Request) {
	var in SampleInput
	run(w, r, &in, http.StatusCreated, func(a auth.Actor) (Sample, error) { return s.RequestSample(r.Context(), a, in) })
}

func (s *Service) handleMySamples(w http.ResponseWriter, r *http.Request) {
	run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
		ms, err := s.MySamples(r.Context(), a)
		return map[string]any{"samples": ms}, err
	})
}

func (s *Service) handleDecideSample(w http.ResponseWriter, r *http.Request) {
	if sid, ok := pathID(w, r); ok {
		var in SampleDecision
		run(w, r, &in, http.StatusOK, func(a auth.Actor) (Sample, error) { return s.DecideSample(r.Context(), a, sid, in) })
	}
}

func (s *Service) handleSampleAddress(w http.ResponseWriter, r *http.Request) {
	run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
		addr, ok, err := s.SampleAddress(r.Context(), a)
		if !ok {
			return map[string]any{"address": nil}, err
		}
		return map[string]any{"address": addr}, err
	})
}

func (s *Service) handleSetSampleAddress(w http.ResponseWriter, r *http.Request) {
	var in order.Address
	run(w, r, &in, http.StatusOK, func(a auth.Actor) (order.Address, error) { return s.SetSampleAddress(r.Context(), a, in) })
}

func (s *Service) handleLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProductID id.ID `json:"product_id"`
	}
	run(w, r, &in, http.StatusCreated, func(a auth.Actor) (AffiliateLink, error) { return s.Link(r.Context(), a, in.ProductID) })
}

func (s *Service) handleAdLink(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CreatorID id.ID `json:"creator_id"`
		ProductID id.ID `json:"product_id"`
	}
	run(w, r, &in, http.StatusCreated, func(a auth.Actor) (AffiliateLink, error) {
		return s.AdLink(r.Context(), a, in.CreatorID, in.ProductID)
	})
}

func (s *Service) handleShopCommissions(w http.ResponseWriter, r *http.Request) {
	if sid, ok := pathID(w, r); ok {
		run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
			cs, err := s.ShopCommissions(r.Context(), a, sid, httpx.Limit(r))
			return map[string]any{"commissions": cs}, err
		})
	}
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	num := func(k string) int64 { v, _ := strconv.ParseInt(q.Get(k), 10, 64); return v }
	in := SearchQuery{Market: q.Get("market"), Category: q.Get("category"), MinFollowers: num("min_followers"), MaxFollowers: num("max_followers"),
		MinGMV: num("min_gmv"), MinEngagementBP: num("min_engagement_bp"), MinAOV: num("min_aov"), MaxAOV: num("max_aov"), Sort: q.Get("sort"), Limit: httpx.Limit(r)}
	run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
		cs, err := s.SearchCreators(r.Context(), a, in)
		return map[string]any{"creators": cs}, err
	})
}

func (s *Service) handleRecommend(w http.ResponseWriter, r *http.Request) {
	if pid, ok := pathID(w, r); ok {
		run(w, r, nil, http.StatusOK, func(a auth.Actor) (map[string]any, error) {
			fs, err := s.RecommendForProduct(r.Context(), a, pid, 10)
			return map[string]any{"creators": fs}, err
		})
	}
}

func (s *Service) handleSend(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Thread
		Body string `json:"body"`
	}
	run(w, r, &in, http.StatusCreated, func(a auth.Actor) (Message, error) { return s.Send(r.Context(), a, in.Thread, in.Body) })
}
