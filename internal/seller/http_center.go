package seller

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// centerRoutes is the Seller Center JSON API: where a shop stands (tier, caps,
// requirements, probation, performance), its history, and the operators' review.
func (s *Service) centerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/shops/{id}/tier", s.handleTier)
	mux.HandleFunc("GET /api/v1/shops/{id}/performance", s.handlePerformanceAPI)
	mux.HandleFunc("GET /api/v1/shops/{id}/actions", s.handleActions)
	mux.HandleFunc("GET /api/v1/ops/shops/queue", s.handleQueue)
	mux.HandleFunc("POST /api/v1/ops/shops/{id}/decision", s.handleDecision)
	mux.HandleFunc("POST /api/v1/ops/shops/{id}/status", s.handleStatus)
	mux.HandleFunc("GET /api/v1/shops/{id}/health", s.handleHealth)
	mux.HandleFunc("POST /api/v1/enforcement-actions/{id}/appeal", s.handleActionAppeal)
	mux.HandleFunc("POST /api/v1/ops/enforcement-actions/{id}/decision", s.handleActionDecision)
	s.messageRoutes(mux)
	mux.HandleFunc("GET /api/v1/shops/{id}/warehouses", s.handleWarehouses)
	mux.HandleFunc("POST /api/v1/shops/{id}/warehouses", s.handleAddWarehouse)
	mux.HandleFunc("PUT /api/v1/shops/{id}/warehouses/{warehouse}", s.handleUpdateWarehouse)
	mux.HandleFunc("DELETE /api/v1/shops/{id}/warehouses/{warehouse}", s.handleRemoveWarehouse)
}

func (s *Service) handleHealth(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.managed(w, r)
	if !ok {
		return
	}
	h, err := s.Health(r.Context(), sh.ID, s.now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, h)
}

func (s *Service) handleActionAppeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Appeal string `json:"appeal"`
	}
	actionID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var a EnforcementAction
	if err == nil {
		a, err = s.AppealAction(r.Context(), auth.From(r.Context()), actionID, in.Appeal)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleActionDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string `json:"decision"` // grant (lift the action) or uphold
		Note     string `json:"note"`
	}
	actionID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err == nil && in.Decision != "grant" && in.Decision != "uphold" {
		err = errs.Invalidf("decision", `a decision is "grant" or "uphold"`)
	}
	var a EnforcementAction
	if err == nil {
		a, err = s.DecideActionAppeal(r.Context(), auth.From(r.Context()), actionID, in.Decision == "grant", in.Note)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) managed(w http.ResponseWriter, r *http.Request) (Shop, bool) {
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		var sh Shop
		if sh, err = s.Manage(r.Context(), auth.From(r.Context()), shopID); err == nil {
			return sh, true
		}
	}
	httpx.WriteError(w, r, err)
	return Shop{}, false
}

func (s *Service) handleTier(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.managed(w, r)
	if !ok {
		return
	}
	ts, err := s.TierStatus(r.Context(), sh.ID, s.now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ts)
}

func (s *Service) handlePerformanceAPI(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.managed(w, r)
	if !ok {
		return
	}
	p, err := s.Performance(r.Context(), sh.ID, s.now(), 30)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) handleActions(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.managed(w, r)
	if !ok {
		return
	}
	as, err := s.Actions(r.Context(), auth.From(r.Context()), sh.ID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if as == nil {
		as = []Action{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"actions": as})
}

func (s *Service) handleQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.ReviewQueue(r.Context(), auth.From(r.Context()), r.URL.Query().Get("market"), r.URL.Query().Get("with_seller") == "true")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if q == nil {
		q = []Shop{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"shops": q})
}

func (s *Service) handleDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string `json:"decision"` // approve, reject, request_info
		Reason   string `json:"reason"`
	}
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var sh Shop
	if err == nil {
		sh, err = s.Decide(r.Context(), auth.From(r.Context()), shopID, in.Decision, in.Reason)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sh)
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status Status `json:"status"`
		Reason string `json:"reason"`
	}
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var sh Shop
	if err == nil {
		sh, err = s.SetStatus(r.Context(), auth.From(r.Context()), shopID, in.Status, in.Reason)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sh)
}
