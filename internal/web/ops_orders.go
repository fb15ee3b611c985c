package web

import (
	"net/http"
	"strconv"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// The Ops console's after-sales queues: disputes buyers escalated, and reviews to
// moderate.

func (s *Server) opsDisputes(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rs, err := s.Orders.Disputes(ctx, auth.From(ctx), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_disputes", "Disputes", "ops", rs)
}

func (s *Server) opsResolve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := order.Resolution{Refund: r.PostFormValue("decision") == "refund", WaiveAdminFee: r.PostFormValue("waive_admin_fee") == "on", Note: r.PostFormValue("note")}
	rt, err := s.Orders.ResolveDispute(ctx, auth.From(ctx), rid, in)
	if err != nil {
		s.back(w, r, "/ops/disputes", err)
		return
	}
	if in.Refund {
		done(w, r, "/ops/disputes", "Decided for the buyer: "+rt.Total().Format()+" refunded.")
		return
	}
	done(w, r, "/ops/disputes", "Decided for the shop; the request is closed.")
}

func (s *Server) opsReviews(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	maxRating, _ := strconv.Atoi(r.URL.Query().Get("max_rating"))
	rs, err := s.Orders.ReviewQueue(ctx, auth.From(ctx), maxRating, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_reviews", "Review moderation", "ops", struct {
		Reviews   []order.Review
		MaxRating int
	}{rs, maxRating})
}

func (s *Server) opsModerate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	rv, err := s.Orders.ModerateReview(ctx, auth.From(ctx), rid, order.ReviewStatus(r.PostFormValue("status")), r.PostFormValue("note"))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	if rv.Status == order.ReviewHidden {
		done(w, r, back, "Review hidden; it no longer counts for the shop.")
		return
	}
	done(w, r, back, "Review shown again.")
}
