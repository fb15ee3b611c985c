package analytics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the analytics and KPI JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/analytics/gmv", s.handleTotals)
	mux.HandleFunc("GET /api/v1/analytics/gmv/{market}/daily", s.handleDaily)
	mux.HandleFunc("GET /api/v1/analytics/overview", s.handleOverview)
	mux.HandleFunc("GET /api/v1/analytics/markets/{market}", s.handleMarketMonth)
	mux.HandleFunc("GET /api/v1/analytics/leaderboards/{kind}", s.handleLeaderboard)
	mux.HandleFunc("GET /api/v1/analytics/records", s.handleRecords)
	mux.HandleFunc("GET /api/v1/analytics/sessions/{id}", s.handleSession)
	mux.HandleFunc("GET /api/v1/analytics/shops/{id}", s.handleShop)
	mux.HandleFunc("PUT /api/v1/analytics/shops/{id}/kpi-opt-in", s.handleOptIn)
	mux.HandleFunc("GET /api/v1/analytics/creators/me", s.handleCreator)
	mux.HandleFunc("POST /api/v1/analytics/history", s.handleImport)
	mux.HandleFunc("POST /api/v1/analytics/rebuild", s.handleRebuild)
	mux.HandleFunc("GET /api/v1/kpi/targets", s.handleTargets)
	mux.HandleFunc("POST /api/v1/kpi/targets", s.handleSetTarget)
	mux.HandleFunc("GET /api/v1/kpi/targets/{id}", s.handleTarget)
	mux.HandleFunc("DELETE /api/v1/kpi/targets/{id}", s.handleDeleteTarget)
}

// answer writes v, or err as the JSON error.
func answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, v)
}

func (s *Service) handleTotals(w http.ResponseWriter, r *http.Request) {
	if err := RequireOperator(auth.From(r.Context())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ts, err := s.Totals(r.Context())
	answer(w, r, http.StatusOK, map[string]any{"markets": ts}, err)
}

func (s *Service) handleDaily(w http.ResponseWriter, r *http.Request) {
	if err := RequireOperator(auth.From(r.Context())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	to := q.Get("to")
	if to == "" {
		// Days are the market's: by default the range ends on its today, which is not
		// the UTC date for much of the day in markets far from UTC.
		m, err := s.Markets.Market(r.Context(), r.PathValue("market"))
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		to = m.Day(s.now())
	}
	from := q.Get("from")
	if from == "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			httpx.WriteError(w, r, errs.Invalidf("to", "give to as YYYY-MM-DD"))
			return
		}
		from = t.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	days, err := s.DailyInCategory(r.Context(), r.PathValue("market"), q.Get("category"), from, to)
	answer(w, r, http.StatusOK, map[string]any{"days": days}, err)
}

func (s *Service) handleOverview(w http.ResponseWriter, r *http.Request) {
	v, err := s.Overview(r.Context(), auth.From(r.Context()), r.URL.Query().Get("month"))
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleMarketMonth(w http.ResponseWriter, r *http.Request) {
	v, err := s.MarketMonth(r.Context(), auth.From(r.Context()), r.PathValue("market"), r.URL.Query().Get("month"))
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleLeaderboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			httpx.WriteError(w, r, errs.Invalidf("limit", "limit is 1-100"))
			return
		}
		limit = n
	}
	lb, err := s.Leaderboard(r.Context(), auth.From(r.Context()), LeaderboardQuery{Kind: r.PathValue("kind"), Market: q.Get("market"), Period: q.Get("period"), Limit: limit})
	answer(w, r, http.StatusOK, lb, err)
}

func (s *Service) handleRecords(w http.ResponseWriter, r *http.Request) {
	v, err := s.Records(r.Context(), auth.From(r.Context()), r.URL.Query().Get("market"))
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleSession(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := s.Session(r.Context(), auth.From(r.Context()), sid)
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleShop(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := s.ShopView(r.Context(), auth.From(r.Context()), shopID, r.URL.Query().Get("month"))
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleOptIn(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		OptedIn *bool `json:"opted_in"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.OptedIn == nil {
		httpx.WriteError(w, r, errs.Invalidf("opted_in", "say true or false"))
		return
	}
	err = s.OptIn(r.Context(), auth.From(r.Context()), shopID, *in.OptedIn)
	answer(w, r, http.StatusOK, map[string]any{"shop_id": shopID, "opted_in": *in.OptedIn}, err)
}

func (s *Service) handleCreator(w http.ResponseWriter, r *http.Request) {
	v, err := s.CreatorView(r.Context(), auth.From(r.Context()), r.URL.Query().Get("month"))
	answer(w, r, http.StatusOK, v, err)
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) {
	var in HistoryImport
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := s.ImportHistory(r.Context(), auth.From(r.Context()), in)
	answer(w, r, http.StatusCreated, res, err)
}

func (s *Service) handleRebuild(w http.ResponseWriter, r *http.Request) {
	if err := RequireOperator(auth.From(r.Context())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		CheckOnly bool `json:"check_only"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var res RebuildResult
	var err error
	if in.CheckOnly {
		res, err = s.Check(r.Context())
	} else {
		res, err = s.Rebuild(r.Context())
	}
	answer(w, r, http.StatusOK, res, err)
}

func (s *Service) handleTargets(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Targets(r.Context(), auth.From(r.Context()))
	if ts == nil {
		ts = []Progress{}
	}
	answer(w, r, http.StatusOK, map[string]any{"targets": ts}, err)
}

func (s *Service) handleSetTarget(w http.ResponseWriter, r *http.Request) {
	var in TargetInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	t, err := s.SetTarget(r.Context(), auth.From(r.Context()), in)
	answer(w, r, http.StatusCreated, t, err)
}

func (s *Service) handleTarget(w http.ResponseWriter, r *http.Request) {
	tid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.Target(r.Context(), auth.From(r.Context()), tid)
	answer(w, r, http.StatusOK, p, err)
}

func (s *Service) handleDeleteTarget(w http.ResponseWriter, r *http.Request) {
	tid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	err = s.DeleteTarget(r.Context(), auth.From(r.Context()), tid)
	answer(w, r, http.StatusOK, map[string]any{"deleted": tid}, err)
}
