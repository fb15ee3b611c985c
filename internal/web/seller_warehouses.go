package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// warehouseRoutes are Seller Center's warehouses and the stock per warehouse of a
// product.
func (s *Server) warehouseRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /seller/shops/{id}/warehouses", s.sellerWarehouses)
	mux.HandleFunc("POST /seller/shops/{id}/warehouses", s.sellerAddWarehouse)
	mux.HandleFunc("POST /seller/shops/{id}/warehouses/{warehouse}", s.sellerUpdateWarehouse)
	mux.HandleFunc("POST /seller/shops/{id}/warehouses/{warehouse}/remove", s.sellerRemoveWarehouse)
	mux.HandleFunc("GET /seller/products/{id}/stock", s.sellerProductStock)
	mux.HandleFunc("POST /seller/skus/{id}/warehouses/{warehouse}/stock", s.sellerSetWarehouseStock)
}

// sellerWarehouses lists the shop's warehouses with forms to change them and add one.
func (s *Server) sellerWarehouses(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	whs, err := s.Sellers.Warehouses(r.Context(), auth.From(r.Context()), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_warehouses", shop.Name+" · warehouses", "seller", struct {
		ShopHeader
		Warehouses []seller.Warehouse
	}{header(shop, m, "/warehouses"), whs})
}

func warehouseForm(r *http.Request) seller.WarehouseInput {
	return seller.WarehouseInput{Name: r.PostFormValue("name"), Region: r.PostFormValue("region"), Address: r.PostFormValue("address"),
		Default: r.PostFormValue("default") == "on"}
}

func (s *Server) sellerAddWarehouse(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/warehouses"
	wh, err := s.Sellers.AddWarehouse(r.Context(), auth.From(r.Context()), shopID, warehouseForm(r))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	msg := wh.Name + " added."
	if wh.Default {
		msg = wh.Name + " added as the default warehouse."
	}
	done(w, r, back, msg)
}

// warehousePath reads a warehouse form's shop and warehouse from the path and the
// Warehouses tab to return to; ok is false when it has answered already.
func (s *Server) warehousePath(w http.ResponseWriter, r *http.Request) (shopID, whID id.ID, back string, ok bool) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return 0, 0, "", false
	}
	back = "/seller/shops/" + shopID.String() + "/warehouses"
	whID, err = httpx.PathID(r, "warehouse")
	if err != nil {
		s.back(w, r, back, err)
		return 0, 0, "", false
	}
	return shopID, whID, back, true
}

func (s *Server) sellerUpdateWarehouse(w http.ResponseWriter, r *http.Request) {
	shopID, whID, back, ok := s.warehousePath(w, r)
	if !ok {
		return
	}
	wh, err := s.Sellers.UpdateWarehouse(r.Context(), auth.From(r.Context()), shopID, whID, warehouseForm(r))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	msg := wh.Name + " saved."
	if wh.Default {
		msg = wh.Name + " saved; it is the default warehouse."
	}
	done(w, r, back, msg)
}

// sellerRemoveWarehouse removes an empty warehouse that is not the default; a refusal
// says what to do first.
func (s *Server) sellerRemoveWarehouse(w http.ResponseWriter, r *http.Request) {
	shopID, whID, back, ok := s.warehousePath(w, r)
	if !ok {
		return
	}
	wh, err := s.Sellers.RemoveWarehouse(r.Context(), auth.From(r.Context()), shopID, whID)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, wh.Name+" removed.")
}

// sellerProductStock is a product's stock page: for each SKU, the units each
// warehouse holds (editable), what is sold and waiting for dispatch, what buyers can
// still buy, and the latest movements.
func (s *Server) sellerProductStock(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, inv, err := s.Catalog.Inventory(ctx, auth.From(ctx), pid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, err := s.Sellers.Manage(ctx, auth.From(ctx), p.ShopID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, _ := s.Markets.Market(ctx, shop.Market)
	names := map[id.ID]string{}
	if len(inv) > 0 {
		for _, ws := range inv[0].Warehouses {
			names[ws.Warehouse.ID] = ws.Warehouse.Name
		}
	}
	type movement struct {
		catalog.Movement
		Warehouse string
	}
	type skuRow struct {
		catalog.SKUInventory
		Movements []movement
	}
	rows := make([]skuRow, len(inv))
	for i, k := range inv {
		ms, err := s.Catalog.Movements(ctx, auth.From(ctx), k.ID, 10)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows[i].SKUInventory = k
		for _, mv := range ms {
			name, ok := names[mv.WarehouseID]
			if !ok {
				name = "(removed warehouse)" // its history stays after removal
			}
			rows[i].Movements = append(rows[i].Movements, movement{mv, name})
		}
	}
	s.render(w, r, "seller_product_stock", p.Title+" · stock", "seller", struct {
		ShopHeader
		Product catalog.Product
		SKUs    []skuRow
	}{header(shop, m, ""), p, rows})
}

func (s *Server) sellerSetWarehouseStock(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	skuID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	whID, err := httpx.PathID(r, "warehouse")
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	qty, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("quantity")), 10, 64)
	if err != nil {
		s.back(w, r, back, errs.Invalidf("quantity", "the quantity is a whole number"))
		return
	}
	k, err := s.Catalog.SetWarehouseStock(ctx, auth.From(ctx), skuID, whID, qty)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Stock saved: "+strconv.FormatInt(k.Stock, 10)+" left to sell.")
}

// shipWarehouse reads the warehouse a ship form names (none: the catalogue chooses).
func shipWarehouse(r *http.Request) (id.ID, error) {
	v := strings.TrimSpace(r.PostFormValue("warehouse_id"))
	if v == "" {
		return 0, nil
	}
	wid, err := id.Parse(v)
	if err != nil {
		return 0, errs.Invalidf("warehouse_id", "no such warehouse %q", v)
	}
	return wid, nil
}
