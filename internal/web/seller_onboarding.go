package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// sellerCenterRoutes are the Seller Center onboarding pages and the Ops shop review.
func (s *Server) sellerCenterRoutes(mux *http.ServeMux) {
	s.mallRoutes(mux)
	s.healthRoutes(mux)
	s.shopMessageRoutes(mux)
	s.productReviewRoutes(mux)
	s.warehouseRoutes(mux)
	mux.HandleFunc("GET /search", s.searchPage)
	mux.HandleFunc("GET /mall", s.mallPage)
	mux.HandleFunc("GET /seller/shops/{id}/onboarding", s.sellerOnboarding)
	mux.HandleFunc("GET /seller/shops/{id}/performance", s.sellerPerformance)
	mux.HandleFunc("GET /seller/shops/{id}/import", s.sellerImportPage)
	mux.HandleFunc("POST /seller/shops/{id}/import", s.sellerImport)
	mux.HandleFunc("GET /seller/imports/{id}", s.sellerImportStatus)
	mux.HandleFunc("POST /seller/products/{id}/images", s.sellerAddImage)
	mux.HandleFunc("POST /seller/shops/{id}/resubmit", s.sellerResubmit)
	mux.HandleFunc("GET /ops/shops", s.opsShops)
	mux.HandleFunc("POST /ops/shops/{id}/decide", s.opsDecideShop)
	mux.HandleFunc("POST /ops/shops/{id}/status", s.opsShopStatus)
	mux.HandleFunc("POST /ops/shops/{id}/tier", s.opsShopTier)
	mux.HandleFunc("POST /ops/shops/{id}/violations", s.opsRecordViolation)
	mux.HandleFunc("POST /seller/violations/{id}/appeal", s.sellerAppeal)
	mux.HandleFunc("GET /ops/enforcement", s.opsEnforcement)
	mux.HandleFunc("POST /ops/violations/{id}/decide", s.opsDecideAppeal)
}

// sellerOnboarding shows a shop where it stands: review, tier and caps, the next
// tier's requirements with progress, probation, and everything done to the shop.
func (s *Server) sellerOnboarding(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	ts, err := s.Sellers.TierStatus(ctx, shop.ID, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	listings, err := s.Catalog.CountListings(ctx, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acts, err := s.Sellers.Actions(ctx, auth.From(ctx), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.Sellers.Violations(ctx, auth.From(ctx), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	health, err := s.Sellers.Health(ctx, shop.ID, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_onboarding", shop.Name+" · onboarding", "seller", struct {
		ShopHeader
		Shop       seller.Shop
		Status     seller.TierStatus
		Listings   int
		Actions    []seller.Action
		Violations []seller.Violation
		GMV        string
		Health     seller.Health
	}{header(shop, m, "/onboarding"), shop, ts, listings, acts, vs, money.New(shop.AnnualGMVElsewhere, m.Currency).Format(), health})
}

func (s *Server) sellerResubmit(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	back := "/seller/shops/" + shop.ID.String() + "/onboarding"
	in, err := businessDetails(r, m.Currency)
	if err == nil {
		_, err = s.Sellers.Resubmit(r.Context(), auth.From(r.Context()), shop.ID, in)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Sent back to the review queue.")
}

// businessDetails reads the business details fields of a registration form.
func businessDetails(r *http.Request, currency string) (seller.RegisterInput, error) {
	in := seller.RegisterInput{LegalName: r.PostFormValue("legal_name"), RegistrationNumber: r.PostFormValue("registration_number"),
		Documents: r.PostFormValue("documents")}
	if v := r.PostFormValue("annual_gmv_elsewhere"); v != "" {
		gmv, err := money.Parse(v, currency)
		if err != nil {
			return in, errs.OnField(err, "annual_gmv_elsewhere")
		}
		in.AnnualGMVElsewhere = gmv.Amount
	}
	return in, nil
}

func (s *Server) sellerAppeal(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back == "" || back[0] != '/' {
		back = "/seller"
	}
	if _, err := s.Sellers.Appeal(ctx, auth.From(ctx), vid, r.PostFormValue("appeal")); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Appeal sent. The points keep counting until our team decides.")
}

// sellerPerformance shows the Shop Performance Score: each metric with its value,
// benchmark and sub-score, and the last 30 days' scores.
func (s *Server) sellerPerformance(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	perf, err := s.Sellers.Performance(r.Context(), shop.ID, time.Now(), 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_performance", shop.Name+" · performance", "seller", struct {
		ShopHeader
		Perf  seller.Performance
		Trend float64
		Chart template.HTML
	}{header(shop, m, "/performance"), perf, perf.Trend(), scoreChart(perf.History)})
}

// scoreChart draws the daily scores (0-5) as an SVG line; unscored days are gaps.
func scoreChart(days []seller.DayScore) template.HTML {
	const w, h = 640.0, 120.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="sps-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="Shop Performance Score, last %d days">`, w, h+20, len(days))
	if len(days) > 1 {
		step := w / float64(len(days)-1)
		pen := "M"
		var path strings.Builder
		for i, d := range days {
			if !d.Scored {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f,%.1f ", pen, float64(i)*step, h-d.Score/5*(h-8))
			pen = "L"
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2"><title>%s: %.1f</title></circle>`, float64(i)*step, h-d.Score/5*(h-8), d.Day, d.Score)
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="currentColor"/>`, path.String())
		fmt.Fprintf(&b, `<text x="0" y="%.0f">%s</text><text x="%.0f" y="%.0f" text-anchor="end">%s</text>`, h+16, days[0].Day, w, h+16, days[len(days)-1].Day)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
