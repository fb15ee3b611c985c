package catalog

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Routes registers the catalog JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/shops/{id}/products", s.handleCreate)
	mux.HandleFunc("GET /api/v1/shops/{id}/products", s.handleOfShop)
	mux.HandleFunc("GET /api/v1/products", s.handleList)
	mux.HandleFunc("GET /api/v1/products/{id}", s.handleGet)
	mux.HandleFunc("PUT /api/v1/skus/{id}/stock", s.handleSetStock)
	mux.HandleFunc("PUT /api/v1/skus/{id}/price", s.handleSetPrice)
	mux.HandleFunc("GET /api/v1/products/{id}/inventory", s.handleInventory)
	mux.HandleFunc("PUT /api/v1/skus/{id}/warehouses/{warehouse}/stock", s.handleSetWarehouseStock)
	s.SearchRoutes(mux)
}

func (s *Service) handleInventory(w http.ResponseWriter, r *http.Request) {
	productID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, inv, err := s.Inventory(r.Context(), auth.From(r.Context()), productID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"product_id": p.ID, "skus": inv})
}

func (s *Service) handleSetWarehouseStock(w http.ResponseWriter, r *http.Request) {
	skuID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	whID, err := httpx.PathID(r, "warehouse")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		Quantity int64 `json:"quantity"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	k, err := s.SetWarehouseStock(r.Context(), auth.From(r.Context()), skuID, whID, in.Quantity)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, k)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in ProductInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.CreateProduct(r.Context(), auth.From(r.Context()), shopID, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, p)
}

func (s *Service) handleOfShop(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ps, err := s.ProductsOfShop(r.Context(), shopID, httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"products": ps})
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	m := r.URL.Query().Get("market")
	if m == "" {
		httpx.WriteError(w, r, errs.Invalidf("market", "say which market: ?market=US"))
		return
	}
	if _, err := s.markets.Market(r.Context(), m); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ps, err := s.LiveProducts(r.Context(), m, httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"products": ps})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	productID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, err := s.Product(r.Context(), productID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) handleSetStock(w http.ResponseWriter, r *http.Request) {
	skuID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		Stock int64 `json:"stock"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	k, err := s.SetStock(r.Context(), auth.From(r.Context()), skuID, in.Stock)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, k)
}

func (s *Service) handleSetPrice(w http.ResponseWriter, r *http.Request) {
	skuID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in struct {
		Price money.Money `json:"price"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	k, err := s.SetPrice(r.Context(), auth.From(r.Context()), skuID, in.Price)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, k)
}
