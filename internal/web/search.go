package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// searchPage is the storefront's product search with filters, and the Mall: the
// same search restricted to Mall shops. Prices in the form are in major units.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, false)
}

func (s *Server) mallPage(w http.ResponseWriter, r *http.Request) {
	s.search(w, r, true)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, mall bool) {
	ctx := r.Context()
	v := r.URL.Query()
	mk := s.market(r)
	m, err := s.Markets.Market(ctx, mk)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := catalog.SearchQuery{Market: mk, Text: v.Get("q"), Category: v.Get("category"), InStock: v.Get("in_stock") != "",
		MallOnly: mall || v.Get("mall_only") != "", Cursor: v.Get("cursor"), Sort: v.Get("sort"), Limit: 24}
	var problem string
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"min", &q.MinPrice}, {"max", &q.MaxPrice}} {
		if p := v.Get(f.name); p != "" {
			amt, err := money.Parse(p, m.Currency)
			if err != nil {
				problem = "Prices are amounts like 12.99."
				continue
			}
			*f.dst = amt.Amount
		}
	}
	var page catalog.SearchPage
	if problem == "" {
		page, err = s.Catalog.Search(ctx, q)
		if err != nil {
			problem = errMessage(err)
		}
	}
	cats, err := s.Catalog.Categories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if page.Next != "" {
		nv := r.URL.Query()
		nv.Set("cursor", page.Next)
		nv.Set("market", mk)
		next = r.URL.Path + "?" + nv.Encode()
	}
	title, nav := "Search", "search"
	if mall {
		title, nav = "LIVESHOP Mall", "mall"
	}
	s.render(w, r, "search", title, nav, struct {
		Mall       bool
		Market     string
		Query      catalog.SearchQuery
		Min, Max   string
		Categories []catalog.Category
		Products   []catalog.Product
		Next       string
		Problem    string
	}{mall, mk, q, v.Get("min"), v.Get("max"), cats, page.Products, next, problem})
}

// errMessage is what a person reads about a refused search, naming the field.
func errMessage(err error) string {
	pub := httpx.Public(err)
	if pub.Field != "" {
		return pub.Field + ": " + pub.Message
	}
	return pub.Message
}
