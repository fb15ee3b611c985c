package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
)

// noHold lets paid US orders ship at once.
func noHold(t *testing.T, s *server) {
	t.Helper()
	bg := context.Background()
	op, err := s.Identity.Provision(bg, "wendy@ops.test", "Wendy Ops", pw, auth.Operator)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Markets.Policy(bg, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Orders.OnHoldMinutes = 0
	if _, err := s.Markets.SetPolicy(bg, op.Actor(), "US", time.Now(), p, "test: no on-hold time"); err != nil {
		t.Fatal(err)
	}
}

// Stock per warehouse over HTTP, on both engines: a shop's default warehouse holds
// the stock it lists with, a second warehouse adds to what buyers can buy; lowering
// a warehouse below what is sold and waiting is refused; a package leaves from the
// warehouse the seller picks (refused when it is short) or from those holding the
// most; a cancellation before dispatch puts sellable stock back.
func TestWarehouseStockOverHTTP(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			s := start(t, pg)
			noHold(t, s)
			sel := s.signup(t, "wes@seller.test", "Wes", "seller")
			shopID := str(sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Wes Goods"})["id"])
			prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Mug",
				"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 5}}})
			productID := str(prod["id"])
			skuID := str(prod["skus"].([]any)[0].(map[string]any)["id"])

			whs := sel.must(200, "GET", "/api/v1/shops/"+shopID+"/warehouses", nil)["warehouses"].([]any)
			if len(whs) != 1 || str(whs[0].(map[string]any)["id"]) != shopID || whs[0].(map[string]any)["default"] != true {
				t.Fatalf("a new shop's warehouses: %v", whs)
			}
			if r := sel.do("POST", "/api/v1/shops/"+shopID+"/warehouses", map[string]any{"name": "D"}); r.Status != 400 || r.Body["field"] != "name" {
				t.Fatalf("short name: %d %s", r.Status, r.Raw)
			}
			dallas := str(sel.must(201, "POST", "/api/v1/shops/"+shopID+"/warehouses", map[string]any{"name": "Dallas DC", "region": "Texas"})["id"])
			if k := sel.must(200, "PUT", "/api/v1/skus/"+skuID+"/warehouses/"+dallas+"/stock", map[string]any{"quantity": 4}); num(k["stock"]) != 9 {
				t.Fatalf("after stocking Dallas: %v", k)
			}
			buyer := s.signup(t, "bree@shopper.test", "Bree")
			if r := buyer.do("PUT", "/api/v1/skus/"+skuID+"/warehouses/"+dallas+"/stock", map[string]any{"quantity": 40}); r.Status != 403 {
				t.Fatalf("a buyer set stock: %d %s", r.Status, r.Raw)
			}
			addr := map[string]any{"name": "Bree", "line1": "1 Main", "city": "Austin", "country": "US"}
			buy := func(key string, qty int) string {
				co := buyer.must(201, "POST", "/api/v1/checkout", map[string]any{"idempotency_key": key, "market": "US", "payment_method": "pm_card_visa",
					"shipping_address": addr, "lines": []any{map[string]any{"sku_id": skuID, "quantity": qty}}})
				return str(co["orders"].([]any)[0].(map[string]any)["id"])
			}
			orderID := buy("k1", 7)
			waitStatus(t, buyer, orderID, "AWAITING_SHIPMENT")
			inventory := func() (stock, awaiting, def, dal int64) {
				inv := sel.must(200, "GET", "/api/v1/products/"+productID+"/inventory", nil)["skus"].([]any)[0].(map[string]any)
				for _, w := range inv["warehouses"].([]any) {
					w := w.(map[string]any)
					if str(w["warehouse"].(map[string]any)["id"]) == dallas {
						dal = num(w["on_hand"])
					} else {
						def = num(w["on_hand"])
					}
				}
				return num(inv["stock"]), num(inv["awaiting_dispatch"]), def, dal
			}
			if st, aw, d, dl := inventory(); st != 2 || aw != 7 || d != 5 || dl != 4 {
				t.Fatalf("after the sale: stock %d awaiting %d default %d dallas %d", st, aw, d, dl)
			}
			// 7 are sold and waiting: the default cannot go down to 2 (2 + 4 < 7).
			if r := sel.do("PUT", "/api/v1/skus/"+skuID+"/warehouses/"+shopID+"/stock", map[string]any{"quantity": 2}); r.Status != 422 ||
				r.Body["code"] != "stock_below_awaiting_dispatch" || r.Body["field"] != "quantity" {
				t.Fatalf("below what is waiting: %d %s", r.Status, r.Raw)
			}
			// Dallas holds 4 of the 7: shipping from it is refused and nothing ships.
			if r := sel.do("POST", "/api/v1/orders/"+orderID+"/ship", map[string]any{"warehouse_id": dallas}); r.Status != 422 ||
				r.Body["code"] != "warehouse_stock_short" || r.Body["field"] != "warehouse_id" {
				t.Fatalf("short warehouse: %d %s", r.Status, r.Raw)
			}
			if o := sel.must(200, "GET", "/api/v1/orders/"+orderID, nil); o["status"] != "AWAITING_SHIPMENT" {
				t.Fatalf("refused shipment moved the order: %v", o["status"])
			}
			if st, aw, d, dl := inventory(); st != 2 || aw != 7 || d != 5 || dl != 4 {
				t.Fatalf("after refusals: stock %d awaiting %d default %d dallas %d", st, aw, d, dl)
			}
			// No warehouse named: neither holds 7, so the one holding most empties first.
			sel.must(200, "POST", "/api/v1/orders/"+orderID+"/ship", nil)
			if st, aw, d, dl := inventory(); st != 2 || aw != 0 || d != 0 || dl != 2 {
				t.Fatalf("after shipping: stock %d awaiting %d default %d dallas %d", st, aw, d, dl)
			}
			// A cancellation before dispatch puts sellable stock back; on hand is unchanged.
			second := buy("k2", 2)
			waitStatus(t, buyer, second, "AWAITING_SHIPMENT")
			if st, aw, _, dl := inventory(); st != 0 || aw != 2 || dl != 2 {
				t.Fatalf("after the second sale: stock %d awaiting %d dallas %d", st, aw, dl)
			}
			sel.must(200, "POST", "/api/v1/orders/"+second+"/seller-cancel", map[string]any{"reason": "damaged in the warehouse"})
			if st, aw, d, dl := inventory(); st != 2 || aw != 0 || d != 0 || dl != 2 {
				t.Fatalf("after the cancellation: stock %d awaiting %d default %d dallas %d", st, aw, d, dl)
			}
			// The product page's stock is the sellable stock.
			if p := buyer.must(200, "GET", "/api/v1/products/"+productID, nil); num(p["skus"].([]any)[0].(map[string]any)["stock"]) != 2 {
				t.Fatalf("product %v", p)
			}
		})
	}
}

// Removing warehouses over HTTP, on both engines: the default and a warehouse holding
// units are refused with a code naming why (409) and stay; once its units are moved
// out, the warehouse goes (204), leaves the list and the product's inventory, and
// takes no more stock; another seller cannot remove one.
func TestRemoveWarehouseOverHTTP(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			s := start(t, pg)
			sel := s.signup(t, "rita@seller.test", "Rita", "seller")
			shopID := str(sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Rita Goods"})["id"])
			prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Jug",
				"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 5}}})
			productID := str(prod["id"])
			skuID := str(prod["skus"].([]any)[0].(map[string]any)["id"])
			reno := str(sel.must(201, "POST", "/api/v1/shops/"+shopID+"/warehouses", map[string]any{"name": "Reno", "region": "Nevada"})["id"])
			sel.must(200, "PUT", "/api/v1/skus/"+skuID+"/warehouses/"+reno+"/stock", map[string]any{"quantity": 12})
			count := func() int {
				return len(sel.must(200, "GET", "/api/v1/shops/"+shopID+"/warehouses", nil)["warehouses"].([]any))
			}
			for _, tt := range []struct {
				name, wh, code string
				status         int
			}{
				{"the default", shopID, "warehouse_is_default", 409},
				{"holding 12 units", reno, "warehouse_holds_stock", 409},
				{"unknown", "12345", "warehouse_not_found", 404},
			} {
				r := sel.do("DELETE", "/api/v1/shops/"+shopID+"/warehouses/"+tt.wh, nil)
				if r.Status != tt.status || r.Body["code"] != tt.code || r.Body["field"] != "warehouse_id" {
					t.Fatalf("%s: %d %s", tt.name, r.Status, r.Raw)
				}
				if n := count(); n != 2 {
					t.Fatalf("%s: %d warehouses after a refusal", tt.name, n)
				}
			}
			if r := sel.do("DELETE", "/api/v1/shops/"+shopID+"/warehouses/"+reno, nil); !strings.Contains(str(r.Body["message"]), "12 units") {
				t.Fatalf("the refusal does not say how many units: %s", r.Raw)
			}
			other := s.signup(t, "otis@seller.test", "Otis", "seller")
			if r := other.do("DELETE", "/api/v1/shops/"+shopID+"/warehouses/"+reno, nil); r.Status != 403 {
				t.Fatalf("another seller: %d %s", r.Status, r.Raw)
			}
			// Move Reno's units into the default, then remove it.
			sel.must(200, "PUT", "/api/v1/skus/"+skuID+"/warehouses/"+shopID+"/stock", map[string]any{"quantity": 17})
			sel.must(200, "PUT", "/api/v1/skus/"+skuID+"/warehouses/"+reno+"/stock", map[string]any{"quantity": 0})
			if r := sel.do("DELETE", "/api/v1/shops/"+shopID+"/warehouses/"+reno, nil); r.Status != 204 {
				t.Fatalf("remove: %d %s", r.Status, r.Raw)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d warehouses after removal", n)
			}
			inv := sel.must(200, "GET", "/api/v1/products/"+productID+"/inventory", nil)["skus"].([]any)[0].(map[string]any)
			if num(inv["stock"]) != 17 || len(inv["warehouses"].([]any)) != 1 {
				t.Fatalf("inventory after removal: %v", inv)
			}
			if r := sel.do("PUT", "/api/v1/skus/"+skuID+"/warehouses/"+reno+"/stock", map[string]any{"quantity": 1}); r.Status != 404 || r.Body["code"] != "warehouse_not_found" {
				t.Fatalf("stock into a removed warehouse: %d %s", r.Status, r.Raw)
			}
			if r := sel.do("DELETE", "/api/v1/shops/"+shopID+"/warehouses/"+reno, nil); r.Status != 404 {
				t.Fatalf("removed twice: %d %s", r.Status, r.Raw)
			}
		})
	}
}
