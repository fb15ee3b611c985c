package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
)

// notificationsPage is the inbox: what the viewer was told (a followed creator's
// live scheduled or started, a reminder), newest first. Opening it marks all read.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	ns, err := s.Identity.Inbox(ctx, actor, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Identity.MarkAllRead(ctx, actor); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "notifications", "Notifications", "", ns)
}
