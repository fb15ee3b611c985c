package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

func (s *Server) productReviewRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ops/products", s.opsProducts)
	mux.HandleFunc("POST /ops/products/{id}/review", s.opsReviewProduct)
	mux.HandleFunc("POST /ops/keywords", s.opsAddKeyword)
}

// opsProducts is the product review queue and a market's prohibited keywords.
func (s *Server) opsProducts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := s.Catalog.ReviewQueue(ctx, auth.From(ctx), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mk := s.market(r)
	ks, err := s.Catalog.Keywords(ctx, mk)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ops_products", "Product review", "ops", struct {
		Queue    []catalog.Product
		Market   string
		Keywords []catalog.Keyword
	}{q, mk, ks})
}

func (s *Server) opsReviewProduct(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Catalog.ReviewProduct(ctx, auth.From(ctx), pid, r.PostFormValue("decision") == "approve", r.PostFormValue("reason"))
	if err != nil {
		s.back(w, r, "/ops/products", err)
		return
	}
	done(w, r, "/ops/products", "“"+p.Title+"” is "+string(p.Status))
}

func (s *Server) opsAddKeyword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mk := r.PostFormValue("market")
	back := "/ops/products?market=" + mk
	k, err := s.Catalog.AddKeyword(ctx, auth.From(ctx), mk, r.PostFormValue("keyword"), r.PostFormValue("reason"))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "“"+k.Keyword+"” is prohibited in "+k.Market+"; new listings with it wait for review.")
}
