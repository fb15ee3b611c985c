package analytics

import (
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Routes registers the GMV JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/analytics/gmv", s.handleTotals)
	mux.HandleFunc("GET /api/v1/analytics/gmv/{market}/daily", s.handleDaily)
}

func (s *Service) handleTotals(w http.ResponseWriter, r *http.Request) {
	if err := RequireOperator(auth.From(r.Context())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ts, err := s.Totals(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"markets": ts})
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
		m, err := s.markets.Market(r.Context(), r.PathValue("market"))
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		to = m.Day(s.now())
	}
	from := q.Get("from")
	if from == "" {
		t, _ := time.Parse(time.DateOnly, to)
		from = t.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	days, err := s.Daily(r.Context(), r.PathValue("market"), from, to)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"days": days})
}
