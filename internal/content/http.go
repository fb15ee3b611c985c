package content

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Routes registers the live session JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/live/sessions", s.handleSchedule)
	mux.HandleFunc("GET /api/v1/live/sessions", s.handleList)
	mux.HandleFunc("GET /api/v1/live/sessions/{id}", s.handleGet)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/start", s.handleStart)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/end", s.handleEnd)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/pin", s.handlePin)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/moderators", s.handleAddModerator)
	mux.HandleFunc("DELETE /api/v1/live/sessions/{id}/moderators/{account}", s.handleRemoveModerator)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/reminder", s.handleRemind)
	mux.HandleFunc("DELETE /api/v1/live/sessions/{id}/reminder", s.handleCancelReminder)
	s.videoRoutes(mux)
}

func (s *Service) handleSchedule(w http.ResponseWriter, r *http.Request) {
	var in ScheduleInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sess, err := s.Schedule(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, sess)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st := Status(q.Get("status"))
	if st == "" {
		st = Live
	}
	ss, err := s.List(r.Context(), Listing{Status: st, Market: q.Get("market"), Limit: httpx.Limit(r)})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"sessions": ss})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	s.with(w, r, func(sid id.ID) (Session, error) { return s.Session(r.Context(), sid) })
}

func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	s.with(w, r, func(sid id.ID) (Session, error) { return s.Start(r.Context(), auth.From(r.Context()), sid) })
}

func (s *Service) handleEnd(w http.ResponseWriter, r *http.Request) {
	s.with(w, r, func(sid id.ID) (Session, error) { return s.End(r.Context(), auth.From(r.Context()), sid) })
}

func (s *Service) handlePin(w http.ResponseWriter, r *http.Request) {
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
	s.with(w, r, func(sid id.ID) (Session, error) { return s.Pin(r.Context(), auth.From(r.Context()), sid, in.ProductID) })
}

func (s *Service) with(w http.ResponseWriter, r *http.Request, fn func(id.ID) (Session, error)) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sess, err := fn(sid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, sess)
}

func (s *Service) handleAddModerator(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountID id.ID `json:"account_id"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.AccountID == 0 {
		httpx.WriteError(w, r, errs.Invalidf("account_id", "required"))
		return
	}
	s.done(w, r, func(sid id.ID) error { return s.AddModerator(r.Context(), auth.From(r.Context()), sid, in.AccountID) })
}

func (s *Service) handleRemoveModerator(w http.ResponseWriter, r *http.Request) {
	acct, err := httpx.PathID(r, "account")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.done(w, r, func(sid id.ID) error { return s.RemoveModerator(r.Context(), auth.From(r.Context()), sid, acct) })
}

func (s *Service) handleRemind(w http.ResponseWriter, r *http.Request) {
	s.done(w, r, func(sid id.ID) error { return s.Remind(r.Context(), auth.From(r.Context()), sid) })
}

func (s *Service) handleCancelReminder(w http.ResponseWriter, r *http.Request) {
	s.done(w, r, func(sid id.ID) error { return s.CancelReminder(r.Context(), auth.From(r.Context()), sid) })
}

// done runs an action on the path's session and answers 204.
func (s *Service) done(w http.ResponseWriter, r *http.Request, fn func(id.ID) error) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := fn(sid); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
