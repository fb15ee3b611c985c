package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/seller"
)

func (s *Server) mallRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /seller/shops/{id}/mall", s.sellerMall)
	mux.HandleFunc("POST /seller/shops/{id}/brands", s.sellerRequestBrand)
	mux.HandleFunc("POST /seller/shops/{id}/mall", s.sellerApplyMall)
	mux.HandleFunc("POST /seller/shops/{id}/return-window", s.sellerReturnWindow)
	mux.HandleFunc("GET /ops/brands", s.opsBrands)
	mux.HandleFunc("POST /ops/brands/{id}/decide", s.opsDecideBrand)
}

// sellerMall shows the Mall requirements with the shop's standing, its brand
// authorisations and the forms to add one and to join.
func (s *Server) sellerMall(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	live, err := s.Catalog.CountLive(ctx, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reqs, err := s.Sellers.MallEligibility(ctx, shop.ID, live, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	brands, err := s.Sellers.BrandAuthorizations(ctx, auth.From(ctx), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Markets.Policy(ctx, shop.Market, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	eligible := true
	for _, q := range reqs {
		eligible = eligible && q.Met
	}
	s.render(w, r, "seller_mall", shop.Name+" · Mall", "seller", struct {
		ShopHeader
		Requirements []seller.Requirement
		Eligible     bool
		Brands       []seller.BrandAuthorization
		ReturnDays   int
		FreeShipBP   int
	}{header(shop, m, "/mall"), reqs, eligible, brands, p.Mall.ReturnWindowDays, p.Mall.MinFreeShippingCoverageBP})
}

// sellerReturnWindow records the return window the seller commits to as a Mall shop.
func (s *Server) sellerReturnWindow(w http.ResponseWriter, r *http.Request) {
	shop, _, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	back := "/seller/shops/" + shop.ID.String() + "/mall"
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("return_window_days")))
	if err != nil {
		s.back(w, r, back, errs.Invalidf("return_window_days", "give the return window in whole days"))
		return
	}
	if _, err := s.Sellers.SetMallReturnWindow(r.Context(), auth.From(r.Context()), shop.ID, days); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, fmt.Sprintf("You offer %d-day returns.", days))
}

func (s *Server) sellerRequestBrand(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	back := "/seller/shops/" + shop.ID.String() + "/mall"
	exp, err := time.ParseInLocation(time.DateOnly, r.PostFormValue("expires_at"), m.Location())
	if err != nil {
		s.back(w, r, back, errs.Invalidf("expires_at", "give the expiry date like 2027-12-31"))
		return
	}
	in := seller.BrandInput{Brand: r.PostFormValue("brand"), Kind: r.PostFormValue("kind"), Documents: r.PostFormValue("documents"), ExpiresAt: exp}
	if _, err := s.Sellers.RequestBrandAuthorization(r.Context(), auth.From(r.Context()), shop.ID, in); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Brand authorisation sent for review.")
}

func (s *Server) sellerApplyMall(w http.ResponseWriter, r *http.Request) {
	shop, _, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	back := "/seller/shops/" + shop.ID.String() + "/mall"
	live, err := s.Catalog.CountLive(ctx, shop.ID)
	if err == nil {
		_, err = s.Sellers.ApplyForMall(ctx, auth.From(ctx), shop.ID, live)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, shop.Name+" is now a Mall shop.")
}

// opsBrands is the brand authorisation review queue.
func (s *Server) opsBrands(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := s.Sellers.BrandQueue(ctx, auth.From(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]brandRow, 0, len(q))
	for _, a := range q {
		sh, _ := s.Sellers.Shop(ctx, a.ShopID)
		rows = append(rows, brandRow{a, sh.Name})
	}
	s.render(w, r, "ops_brands", "Brand review", "ops", struct{ Queue []brandRow }{rows})
}

type brandRow struct {
	seller.BrandAuthorization
	ShopName string
}

func (s *Server) opsDecideBrand(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	aid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Sellers.DecideBrand(ctx, auth.From(ctx), aid, r.PostFormValue("decision") == "approve", r.PostFormValue("reason"))
	if err != nil {
		s.back(w, r, "/ops/brands", err)
		return
	}
	done(w, r, "/ops/brands", a.Brand+": "+a.Status)
}
