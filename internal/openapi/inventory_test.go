package openapi_test

import (
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/openapi"
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
