package web

import (
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// healthRoutes are the seller's Account health tab and the operators' decisions on
// enforcement actions (the queue is on /ops/enforcement).
func (s *Server) healthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /seller/shops/{id}/health", s.sellerHealth)
	mux.HandleFunc("POST /seller/enforcement/{id}/appeal", s.sellerAppealAction)
	mux.HandleFunc("POST /ops/enforcement/{id}/decide", s.opsDecideAction)
	mux.HandleFunc("POST /ops/enforcement/{id}/lift", s.opsLiftAction)
}

// sellerHealth shows the shop's account health: points in the window, the rating,
// the policy's ladder, the actions in force (with an appeal form) and every action
// taken, and the violations behind the points.
func (s *Server) sellerHealth(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	now := time.Now()
	h, err := s.Sellers.Health(ctx, shop.ID, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.Sellers.Violations(ctx, auth.From(ctx), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_health", shop.Name+" · account health", "seller", struct {
		ShopHeader
		Health     seller.Health
		Violations []seller.Violation
		Now        time.Time
	}{header(shop, m, "/health"), h, vs, now})
}

func (s *Server) sellerAppealAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := r.PostFormValue("back")
	if back == "" || back[0] != '/' {
		back = "/seller"
	}
	aid, err := httpx.PathID(r, "id")
	if err == nil {
		_, err = s.Sellers.AppealAction(ctx, auth.From(ctx), aid, r.PostFormValue("appeal"))
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Appeal sent. The action applies until our team decides.")
}

func (s *Server) opsActionForm(w http.ResponseWriter, r *http.Request, act func(actionID id.ID) (seller.EnforcementAction, error)) {
	back := r.PostFormValue("back")
	if back == "" || back[0] != '/' {
		back = "/ops/enforcement"
	}
	aid, err := httpx.PathID(r, "id")
	var a seller.EnforcementAction
	if err == nil {
		a, err = act(aid)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	msg := a.Label() + " " + a.Status
	if a.AppealStatus != "" {
		msg += ", appeal " + a.AppealStatus
	}
	done(w, r, back, msg)
}

func (s *Server) opsDecideAction(w http.ResponseWriter, r *http.Request) {
	grant := r.PostFormValue("decision") == "grant"
	s.opsActionForm(w, r, func(aid id.ID) (seller.EnforcementAction, error) {
		return s.Sellers.DecideActionAppeal(r.Context(), auth.From(r.Context()), aid, grant, r.PostFormValue("note"))
	})
}

func (s *Server) opsLiftAction(w http.ResponseWriter, r *http.Request) {
	s.opsActionForm(w, r, func(aid id.ID) (seller.EnforcementAction, error) {
		return s.Sellers.LiftAction(r.Context(), auth.From(r.Context()), aid, r.PostFormValue("reason"))
	})
}

// actionRow is an enforcement action with its shop's name, for the Ops page.
type actionRow struct {
	seller.EnforcementAction
	ShopName string
}

func (s *Server) actionRows(r *http.Request, as []seller.EnforcementAction) []actionRow {
	rows := make([]actionRow, 0, len(as))
	names := map[id.ID]string{}
	for _, a := range as {
		if _, ok := names[a.ShopID]; !ok {
			sh, _ := s.Sellers.Shop(r.Context(), a.ShopID)
			names[a.ShopID] = sh.Name
		}
		rows = append(rows, actionRow{a, names[a.ShopID]})
	}
	return rows
}
