package openapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// The inventory update with warehouse ids sets those warehouses' quantities (the
// sellable stock moves by the difference); the shop's id names its first warehouse;
// quantities below what is sold and waiting, and other shops' warehouses, are refused
// and change nothing.
func TestInventoryUpdatePerWarehouse(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("wanda")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		other := e.seller("otto")
		two, err := e.Sellers.AddWarehouse(e.ctx, s.actor, s.shop.ID, seller.WarehouseInput{Name: "Reno", Region: "Nevada"})
		if err != nil {
			t.Fatal(err)
		}
		sku := s.product.SKUs[0] // 100 in the default warehouse
		e.buy(sku.ID, 30)        // 30 sold and waiting: 70 left to sell
		path := "/product/202309/products/" + s.product.ID.String() + "/inventory/update"
		update := func(inv ...map[string]any) openapi.Response {
			return call(t, c, "POST", path, nil, map[string]any{"skus": []map[string]any{{"id": sku.ID.String(), "inventory": inv}}})
		}
		stock := func() (sellable, def, reno int64) {
			_, inv, err := e.Catalog.Inventory(e.ctx, s.actor, s.product.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range inv[0].Warehouses {
				if w.Warehouse.ID == two.ID {
					reno = w.OnHand
				} else {
					def = w.OnHand
				}
			}
			return inv[0].Stock, def, reno
		}
		if r := update(map[string]any{"warehouse_id": two.ID.String(), "quantity": 25}, map[string]any{"warehouse_id": s.shop.ID.String(), "quantity": 60}); r.Code != openapi.CodeOK {
			t.Fatalf("update: %d %s", r.Code, r.Message)
		}
		if st, d, rn := stock(); st != 55 || d != 60 || rn != 25 {
			t.Fatalf("after update: stock %d default %d reno %d", st, d, rn)
		}
		for _, tt := range []struct {
			name   string
			inv    []map[string]any
			status int
			code   int
			field  string
		}{
			{"below what is waiting", []map[string]any{{"warehouse_id": s.shop.ID.String(), "quantity": 4}}, 422, openapi.CodeConflict, "skus[0].inventory[0].quantity"},
			{"another shop's warehouse", []map[string]any{{"warehouse_id": other.shop.ID.String(), "quantity": 4}}, 404, openapi.CodeNotFound, "skus[0].inventory[0].warehouse_id"},
			{"a warehouse twice", []map[string]any{{"warehouse_id": two.ID.String(), "quantity": 4}, {"warehouse_id": two.ID.String(), "quantity": 5}}, 400, openapi.CodeInvalidParam, "skus[0].inventory[1].warehouse_id"},
			{"one named, one not", []map[string]any{{"warehouse_id": two.ID.String(), "quantity": 4}, {"quantity": 5}}, 400, openapi.CodeInvalidParam, "skus[0].inventory[1].warehouse_id"},
			{"negative", []map[string]any{{"warehouse_id": two.ID.String(), "quantity": -1}}, 400, openapi.CodeInvalidParam, "skus[0].inventory[0].quantity"},
			// The later entry fails: the earlier one is not applied either.
			{"all or nothing", []map[string]any{{"warehouse_id": two.ID.String(), "quantity": 10}, {"warehouse_id": s.shop.ID.String(), "quantity": 0}}, 422, openapi.CodeConflict, "skus[0].inventory[1].quantity"},
		} {
			r := update(tt.inv...)
			if r.Status != tt.status || r.Code != tt.code {
				t.Fatalf("%s: HTTP %d code %d (%s), want HTTP %d code %d", tt.name, r.Status, r.Code, r.Message, tt.status, tt.code)
			}
			if !strings.HasPrefix(r.Message, tt.field+":") {
				t.Errorf("%s: message %q, want it to name %s", tt.name, r.Message, tt.field)
			}
			if st, d, rn := stock(); st != 55 || d != 60 || rn != 25 {
				t.Fatalf("%s changed stock: %d default %d reno %d", tt.name, st, d, rn)
			}
		}
		// One entry without a warehouse sets the sellable stock, as before warehouses.
		if r := update(map[string]any{"quantity": 50}); r.Code != openapi.CodeOK {
			t.Fatalf("plain stock: %d %s", r.Code, r.Message)
		}
		if st, d, rn := stock(); st != 50 || d != 55 || rn != 25 {
			t.Fatalf("after plain stock: stock %d default %d reno %d", st, d, rn)
		}
	})
}

// Product reads report a SKU's inventory as one entry per warehouse stocking it, the
// default first, each with the units available to sell from it: on hand less the
// units sold and waiting, charged to the warehouses as a dispatch would take them (the
// default if it holds them all, else the one holding the most first), so the entries
// add up to the sellable stock. The detail and the search agree, an update through
// the Open API reads back as written, and a removed warehouse leaves the entries.
func TestProductReadsPerWarehouse(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("walda")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		reno, err := e.Sellers.AddWarehouse(e.ctx, s.actor, s.shop.ID, seller.WarehouseInput{Name: "Reno", Region: "Nevada"})
		if err != nil {
			t.Fatal(err)
		}
		// Another product, to show the search reads every product's warehouses at once.
		if _, err := e.Catalog.CreateProduct(e.ctx, s.actor, s.shop.ID, catalog.ProductInput{Title: "walda gloss", SKUs: []catalog.SKUInput{
			{SellerSKU: "GLOSS", Price: money.New(999, "USD"), Stock: 3}}}); err != nil {
			t.Fatal(err)
		}
		red, nude := s.product.SKUs[0], s.product.SKUs[1] // 100 and 50 in the default warehouse
		def, rn := s.shop.ID.String(), reno.ID.String()
		type entry struct {
			WarehouseID string `json:"warehouse_id"`
			Quantity    int64  `json:"quantity"`
		}
		type skuInv struct {
			ID        string  `json:"id"`
			Inventory []entry `json:"inventory"`
		}
		// read returns each SKU's entries from the product detail, after checking the
		// search (both versions) reports the same.
		read := func(what string) map[string][]entry {
			t.Helper()
			var got struct {
				SKUs []skuInv `json:"skus"`
			}
			ok(t, c, "GET", "/product/202309/products/"+s.product.ID.String(), nil, nil, &got)
			out := map[string][]entry{}
			for _, k := range got.SKUs {
				out[k.ID] = k.Inventory
			}
			for _, path := range []string{"/product/202309/products/search", "/product/202502/products/search"} {
				var found struct {
					Products []struct {
						ID   string   `json:"id"`
						SKUs []skuInv `json:"skus"`
					} `json:"products"`
				}
				ok(t, c, "POST", path, url.Values{"page_size": {"10"}}, map[string]any{}, &found)
				seen := false
				for _, p := range found.Products {
					if len(p.SKUs) == 0 || len(p.SKUs[0].Inventory) == 0 {
						t.Fatalf("%s: %s: product %s without inventory", what, path, p.ID)
					}
					if p.ID != s.product.ID.String() {
						continue
					}
					seen = true
					for _, k := range p.SKUs {
						if fmt.Sprint(k.Inventory) != fmt.Sprint(out[k.ID]) {
							t.Fatalf("%s: %s shows %v for SKU %s, the detail %v", what, path, k.Inventory, k.ID, out[k.ID])
						}
					}
				}
				if !seen {
					t.Fatalf("%s: %s did not find the product", what, path)
				}
			}
			return out
		}
		want := func(what string, got map[string][]entry, sku catalog.SKU, entries ...entry) {
			t.Helper()
			if fmt.Sprint(got[sku.ID.String()]) != fmt.Sprint(entries) {
				t.Fatalf("%s: SKU %s inventory %v, want %v", what, sku.SellerSKU, got[sku.ID.String()], entries)
			}
		}
		update := func(sku catalog.SKU, inv ...map[string]any) {
			t.Helper()
			ok(t, c, "POST", "/product/202309/products/"+s.product.ID.String()+"/inventory/update", nil,
				map[string]any{"skus": []map[string]any{{"id": sku.ID.String(), "inventory": inv}}}, nil)
		}

		got := read("a new product")
		want("a new product", got, red, entry{def, 100})
		want("a new product", got, nude, entry{def, 50})

		// Two warehouses through the Open API: the read matches what was written.
		update(red, map[string]any{"warehouse_id": rn, "quantity": 25}, map[string]any{"warehouse_id": def, "quantity": 60})
		got = read("after the update")
		want("after the update", got, red, entry{def, 60}, entry{rn, 25})
		want("after the update", got, nude, entry{def, 50})

		// 30 sold and waiting: the default holds them all, so its available units drop.
		e.buy(red.ID, 30)
		got = read("after a sale")
		want("after a sale", got, red, entry{def, 30}, entry{rn, 25})

		// The default holds 10 of the 30 waiting: Reno (holding the most) is charged
		// first, the default the rest. 35 on hand, 5 left to sell.
		update(red, map[string]any{"warehouse_id": def, "quantity": 10})
		got = read("default short")
		want("default short", got, red, entry{def, 5}, entry{rn, 0})
		if k, err := e.Catalog.Product(e.ctx, s.product.ID); err != nil || k.SKUs[0].Stock != 5 {
			t.Fatalf("sellable stock %+v %v", k.SKUs, err)
		}

		// Reno emptied (its units moved to the default) and removed: one entry again.
		update(red, map[string]any{"warehouse_id": def, "quantity": 35}, map[string]any{"warehouse_id": rn, "quantity": 0})
		if _, err := e.Sellers.RemoveWarehouse(e.ctx, s.actor, s.shop.ID, reno.ID); err != nil {
			t.Fatal(err)
		}
		got = read("after removing Reno")
		want("after removing Reno", got, red, entry{def, 5})
		want("after removing Reno", got, nude, entry{def, 50})

		// A new product's units go into the default warehouse: once Sparks is the
		// default, a create naming the shop's first warehouse is refused.
		sparks, err := e.Sellers.AddWarehouse(e.ctx, s.actor, s.shop.ID, seller.WarehouseInput{Name: "Sparks", Default: true})
		if err != nil {
			t.Fatal(err)
		}
		create := func(wh string) openapi.Response {
			return call(t, c, "POST", "/product/202309/products", nil, map[string]any{"title": "Sparks balm", "skus": []map[string]any{{"seller_sku": "BALM-" + wh,
				"price": map[string]string{"amount": "5", "currency": "USD"}, "inventory": []map[string]any{{"warehouse_id": wh, "quantity": 8}}}}})
		}
		if r := create(def); r.Status != 400 || r.Code != openapi.CodeInvalidParam || !strings.HasPrefix(r.Message, "skus[0].inventory[0].warehouse_id:") {
			t.Fatalf("create into a warehouse that is not the default: HTTP %d code %d %s", r.Status, r.Code, r.Message)
		}
		var created struct {
			ProductID string `json:"product_id"`
			SKUs      []struct {
				ID string `json:"id"`
			} `json:"skus"`
		}
		ok(t, c, "POST", "/product/202309/products", nil, map[string]any{"title": "Sparks balm", "skus": []map[string]any{{"seller_sku": "BALM",
			"price": map[string]string{"amount": "5", "currency": "USD"}, "inventory": []map[string]any{{"warehouse_id": sparks.ID.String(), "quantity": 8}}}}}, &created)
		var balm struct {
			SKUs []skuInv `json:"skus"`
		}
		ok(t, c, "GET", "/product/202309/products/"+created.ProductID, nil, nil, &balm)
		if fmt.Sprint(balm.SKUs[0].Inventory) != fmt.Sprint([]entry{{sparks.ID.String(), 8}}) {
			t.Fatalf("a product created with Sparks the default: %v", balm.SKUs[0].Inventory)
		}
	})
}
