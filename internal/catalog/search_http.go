package catalog

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// SearchRoutes registers the search and category API on mux.
func (s *Service) SearchRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/search/products", s.handleSearch)
	mux.HandleFunc("GET /api/v1/categories", s.handleCategories)
	mux.HandleFunc("GET /media/{key...}", s.handleImage)
	mux.HandleFunc("POST /api/v1/products/{id}/images", s.handleAddImage)
}

func (s *Service) handleAddImage(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImageBytes+1))
	if err != nil {
		httpx.WriteError(w, r, errs.Invalidf("image", "an image is at most 5 MB"))
		return
	}
	img, err := s.AddImage(r.Context(), auth.From(r.Context()), pid, data)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, img)
}

// ParseSearchQuery reads a search from URL parameters: market, q, category,
// min_price and max_price (minor units), in_stock, mall_only, sort (relevance or
// newest), cursor, limit.
func ParseSearchQuery(v url.Values) (SearchQuery, error) {
	q := SearchQuery{Market: v.Get("market"), Text: v.Get("q"), Category: v.Get("category"), Cursor: v.Get("cursor"), Sort: v.Get("sort"),
		InStock: v.Get("in_stock") == "true" || v.Get("in_stock") == "1", MallOnly: v.Get("mall_only") == "true" || v.Get("mall_only") == "1"}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"min_price", &q.MinPrice}, {"max_price", &q.MaxPrice}} {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return q, errs.Invalidf(f.name, "%s is a whole number of minor units", f.name)
			}
			*f.dst = n
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, errs.Invalidf("limit", "limit is a whole number")
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSearchQuery(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	page, err := s.Search(r.Context(), q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if page.Products == nil {
		page.Products = []Product{}
	}
	httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCategories(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Categories(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"categories": cs})
}
