package market

import (
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the market JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/markets", s.handleList)
	mux.HandleFunc("GET /api/v1/markets/{code}", s.handleGet)
	mux.HandleFunc("PATCH /api/v1/markets/{code}", s.handleSetLaunch)
	mux.HandleFunc("GET /api/v1/markets/{code}/policy", s.handlePolicy)
	mux.HandleFunc("GET /api/v1/markets/{code}/policies", s.handleHistory)
	mux.HandleFunc("POST /api/v1/markets/{code}/policies", s.handleSetPolicy)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	ms, err := s.Markets(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"markets": ms})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	m, err := s.Market(r.Context(), r.PathValue("code"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (s *Service) handleSetLaunch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LaunchState LaunchState `json:"launch_state"`
		LaunchDate  string      `json:"launch_date"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	m, err := s.SetLaunch(r.Context(), auth.From(r.Context()), r.PathValue("code"), in.LaunchState, in.LaunchDate)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func (s *Service) handlePolicy(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			httpx.WriteError(w, r, errs.Invalidf("at", "at must be an RFC 3339 time such as 2024-07-01T00:00:00Z"))
			return
		}
		at = t
	}
	v, err := s.PolicyVersion(r.Context(), r.PathValue("code"), at)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (s *Service) handleHistory(w http.ResponseWriter, r *http.Request) {
	vs, err := s.History(r.Context(), r.PathValue("code"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

func (s *Service) handleSetPolicy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		EffectiveFrom time.Time `json:"effective_from"`
		Note          string    `json:"note"`
		Policy        *Policy   `json:"policy"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.Policy == nil {
		httpx.WriteError(w, r, errs.Invalidf("policy", "send the whole policy document; start from GET .../policy"))
		return
	}
	v, err := s.SetPolicy(r.Context(), auth.From(r.Context()), r.PathValue("code"), in.EffectiveFrom, *in.Policy, in.Note)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
}
