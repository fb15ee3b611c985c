package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// opsShops is the shop review queue: shops waiting for a decision (and, below, those
// waiting for their seller's answer), with their business details.
func (s *Server) opsShops(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mk := r.URL.Query().Get("market")
	queue, err := s.Sellers.ReviewQueue(ctx, auth.From(ctx), mk, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var waiting, withSeller []seller.Shop
	for _, sh := range queue {
		if sh.ReviewState == seller.InfoRequested {
			withSeller = append(withSeller, sh)
		} else {
			waiting = append(waiting, sh)
		}
	}
	s.render(w, r, "ops_shops", "Shop review", "ops", struct {
		Market     string
		Waiting    []seller.Shop
		WithSeller []seller.Shop
	}{mk, waiting, withSeller})
}

func (s *Server) opsShopForm(w http.ResponseWriter, r *http.Request, act func(shopID id.ID) (seller.Shop, error), msg string) {
	back := r.PostFormValue("back")
	if back == "" || back[0] != '/' {
		back = "/ops/shops"
	}
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	sh, err := act(shopID)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, sh.Name+": "+msg)
}

func (s *Server) opsDecideShop(w http.ResponseWriter, r *http.Request) {
	d := r.PostFormValue("decision")
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.Decide(r.Context(), auth.From(r.Context()), shopID, d, r.PostFormValue("reason"))
	}, map[string]string{seller.Approve: "approved", seller.Reject: "rejected", seller.RequestInfo: "more information requested"}[d])
}

func (s *Server) opsShopStatus(w http.ResponseWriter, r *http.Request) {
	to := seller.Status(r.PostFormValue("status"))
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.SetStatus(r.Context(), auth.From(r.Context()), shopID, to, r.PostFormValue("reason"))
	}, "now "+string(to))
}

func (s *Server) opsShopTier(w http.ResponseWriter, r *http.Request) {
	tier := r.PostFormValue("tier")
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.SetTier(r.Context(), auth.From(r.Context()), shopID, tier, r.PostFormValue("reason"))
	}, "tier set to "+tier)
}

func (s *Server) opsRecordViolation(w http.ResponseWriter, r *http.Request) {
	points, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("points")))
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	in := seller.ViolationInput{Code: r.PostFormValue("code"), Reason: r.PostFormValue("reason"), Points: points, Days: days}
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		if _, err := s.Sellers.RecordViolation(r.Context(), auth.From(r.Context()), shopID, in); err != nil {
			return seller.Shop{}, err
		}
		return s.Sellers.Shop(r.Context(), shopID)
	}, fmt.Sprintf("violation recorded (%d points)", points))
}

// appealRow is an appealed violation with its shop's name.
type appealRow struct {
	seller.Violation
	ShopName string
}

// opsEnforcement is the enforcement desk: appeals of violations and of enforcement
// actions waiting for a decision, and every action in force, which an operator may lift.
func (s *Server) opsEnforcement(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	vs, err := s.Sellers.AppealQueue(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]appealRow, 0, len(vs))
	for _, v := range vs {
		sh, _ := s.Sellers.Shop(ctx, v.ShopID)
		rows = append(rows, appealRow{v, sh.Name})
	}
	appeals, err := s.Sellers.ActionAppealQueue(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inForce, err := s.Sellers.ActionsInForce(ctx, actor, time.Now(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_enforcement", "Enforcement", "ops", struct {
		Appeals       []appealRow
		ActionAppeals []actionRow
		InForce       []actionRow
	}{rows, s.actionRows(r, appeals), s.actionRows(r, inForce)})
}

func (s *Server) opsDecideAppeal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	overturn := r.PostFormValue("decision") == "overturn"
	v, err := s.Sellers.DecideAppeal(ctx, auth.From(ctx), vid, overturn, r.PostFormValue("note"))
	if err != nil {
		s.back(w, r, "/ops/enforcement", err)
		return
	}
	done(w, r, "/ops/enforcement", "Appeal decided: "+v.Code+" "+v.Status)
}
