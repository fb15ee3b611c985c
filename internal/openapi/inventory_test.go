package openapi_test

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// An inventory update naming warehouses sets the units available to sell from each,
// the number product reads report: a warehouse then holds that quantity plus the
// units sold and waiting that the read rule charges to it. Writing back what was read
// changes nothing, what is written reads back, several warehouses of a SKU change
// together, and bad entries are refused naming the field and change nothing.
func TestInventoryUpdateSetsAvailable(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		a, secret := e.developer()
		other := e.seller("otto")
		const def, reno, sparks = "default", "reno", "sparks"
		type state struct{ def, reno, stock int64 } // on hand, and the sellable stock
		for _, tt := range []struct {
			name    string
			onHand  [2]int64 // default, Reno, before units are bought
			waiting int64
			inv     []map[string]any // warehouse_id "default", "reno", "sparks" or "other" stand for the ids
			// want: what reads show per warehouse afterwards (0 when absent), what the
			// warehouses hold, and the sellable stock.
			read        map[string]int64
			held        state
			status      int    // of a refusal
			code        int    // of a refusal
			field       string // of a refusal
			noMovements bool   // nothing recorded either
			untracked   bool   // the SKU has no warehouse rows (bulk-loaded): reads show its stock, 70, in the default
		}{
			{name: "round trip, the default holds what waits", onHand: [2]int64{60, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 30}, {"warehouse_id": reno, "quantity": 25}},
				read: map[string]int64{def: 30, reno: 25}, held: state{60, 25, 55}, noMovements: true},
			{name: "round trip, what waits spread over both", onHand: [2]int64{10, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 5}, {"warehouse_id": reno, "quantity": 0}},
				read: map[string]int64{def: 5, reno: 0}, held: state{10, 25, 5}, noMovements: true},
			{name: "round trip of one warehouse of two", onHand: [2]int64{10, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": reno, "quantity": 0}},
				read: map[string]int64{def: 5, reno: 0}, held: state{10, 25, 5}, noMovements: true},
			{name: "the default to 50", onHand: [2]int64{60, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 50}},
				read: map[string]int64{def: 50, reno: 25}, held: state{80, 25, 75}},
			{name: "the default to 0 keeps what waits", onHand: [2]int64{60, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 0}},
				read: map[string]int64{def: 0, reno: 25}, held: state{30, 25, 25}},
			// Reno, charged what waits, holds 10 more than it is charged: 40. The charge
			// moves off the default, which now shows all it holds.
			{name: "a warehouse charged what waits", onHand: [2]int64{10, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": reno, "quantity": 10}},
				read: map[string]int64{def: 10, reno: 10}, held: state{10, 40, 20}},
			{name: "both warehouses", onHand: [2]int64{10, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 20}, {"warehouse_id": reno, "quantity": 8}},
				read: map[string]int64{def: 20, reno: 8}, held: state{20, 38, 28}},
			{name: "both warehouses to 0", onHand: [2]int64{60, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": reno, "quantity": 0}, {"warehouse_id": def, "quantity": 0}},
				read: map[string]int64{def: 0, reno: 0}, held: state{30, 0, 0}},
			{name: "a warehouse stocking nothing yet", onHand: [2]int64{60, 25}, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": sparks, "quantity": 7}},
				read: map[string]int64{def: 30, reno: 25, sparks: 7}, held: state{60, 25, 62}},
			{name: "nothing waiting", onHand: [2]int64{60, 25},
				inv:  []map[string]any{{"warehouse_id": reno, "quantity": 40}, {"warehouse_id": def, "quantity": 1}},
				read: map[string]int64{def: 1, reno: 40}, held: state{1, 40, 41}},
			{name: "untracked, round trip", untracked: true, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": def, "quantity": 70}},
				read: map[string]int64{def: 70}, held: state{70, 0, 70}},
			{name: "untracked, another warehouse", untracked: true, waiting: 30,
				inv:  []map[string]any{{"warehouse_id": reno, "quantity": 5}},
				read: map[string]int64{def: 70, reno: 5}, held: state{70, 5, 75}},

			{name: "negative", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": reno, "quantity": -1}},
				status: 400, code: openapi.CodeInvalidParam, field: "skus[0].inventory[0].quantity"},
			{name: "more than a warehouse may hold with what waits", onHand: [2]int64{60, 25}, waiting: 30,
				inv:    []map[string]any{{"warehouse_id": reno, "quantity": 3}, {"warehouse_id": def, "quantity": catalog.MaxStock}},
				status: 400, code: openapi.CodeInvalidParam, field: "skus[0].inventory[1].quantity"},
			{name: "another shop's warehouse", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": "other", "quantity": 4}},
				status: 404, code: openapi.CodeNotFound, field: "skus[0].inventory[0].warehouse_id"},
			{name: "not a warehouse id", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": "Reno", "quantity": 4}},
				status: 400, code: openapi.CodeInvalidParam, field: "skus[0].inventory[0].warehouse_id"},
			{name: "a warehouse twice", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": reno, "quantity": 4}, {"warehouse_id": reno, "quantity": 5}},
				status: 400, code: openapi.CodeInvalidParam, field: "skus[0].inventory[1].warehouse_id"},
			{name: "one named, one not", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": reno, "quantity": 4}, {"quantity": 5}},
				status: 400, code: openapi.CodeInvalidParam, field: "skus[0].inventory[1].warehouse_id"},
			// The later entry fails: the earlier one is not applied either.
			{name: "all or nothing", onHand: [2]int64{60, 25}, waiting: 30, inv: []map[string]any{{"warehouse_id": reno, "quantity": 10}, {"warehouse_id": "other", "quantity": 0}},
				status: 404, code: openapi.CodeNotFound, field: "skus[0].inventory[1].warehouse_id"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := e.seller("wanda")
				c, _ := e.client(a, secret, s.actor, s.shop.ID)
				ids := map[string]string{def: s.shop.ID.String(), "other": other.shop.ID.String()}
				for _, name := range []string{reno, sparks} {
					w, err := e.Sellers.AddWarehouse(e.ctx, s.actor, s.shop.ID, seller.WarehouseInput{Name: name})
					if err != nil {
						t.Fatal(err)
					}
					ids[name] = w.ID.String()
				}
				sku := s.product.SKUs[0] // 100 in the default warehouse
				for i, name := range []string{def, reno} {
					if tt.untracked {
						break
					}
					wh, _ := id.Parse(ids[name])
					if _, err := e.Catalog.SetWarehouseStock(e.ctx, s.actor, sku.ID, wh, tt.onHand[i]); err != nil {
						t.Fatal(err)
					}
				}
				if tt.waiting > 0 {
					e.buy(sku.ID, tt.waiting)
				}
				if tt.untracked {
					if _, err := e.DB.ExecContext(e.ctx, `DELETE FROM sku_warehouse_stock WHERE sku_id = $1`, sku.ID); err != nil {
						t.Fatal(err)
					}
				}
				read := func() map[string]int64 {
					t.Helper()
					var got struct {
						SKUs []struct {
							ID        string `json:"id"`
							Inventory []inventoryEntry
						} `json:"skus"`
					}
					ok(t, c, "GET", "/product/202309/products/"+s.product.ID.String(), nil, nil, &got)
					out := map[string]int64{}
					for _, en := range got.SKUs[0].Inventory {
						for name, wid := range ids {
							if wid == en.WarehouseID {
								out[name] = en.Quantity
							}
						}
					}
					return out
				}
				held := func() state {
					t.Helper()
					_, inv, err := e.Catalog.Inventory(e.ctx, s.actor, s.product.ID)
					if err != nil {
						t.Fatal(err)
					}
					st := state{stock: inv[0].Stock}
					for _, w := range inv[0].Warehouses {
						switch w.Warehouse.ID.String() {
						case ids[def]:
							st.def = w.OnHand
						case ids[reno]:
							st.reno = w.OnHand
						}
					}
					return st
				}
				movements := func() int {
					t.Helper()
					ms, err := e.Catalog.Movements(e.ctx, s.actor, sku.ID, 100)
					if err != nil {
						t.Fatal(err)
					}
					return len(ms)
				}
				readBefore, heldBefore, movedBefore := read(), held(), movements()

				inv := make([]map[string]any, len(tt.inv))
				for i, en := range tt.inv {
					inv[i] = map[string]any{"quantity": en["quantity"]}
					if w, named := en["warehouse_id"].(string); named {
						inv[i]["warehouse_id"] = cmp.Or(ids[w], w)
					}
				}
				r := call(t, c, "POST", "/product/202309/products/"+s.product.ID.String()+"/inventory/update", nil,
					map[string]any{"skus": []map[string]any{{"id": sku.ID.String(), "inventory": inv}}})
				if tt.status != 0 {
					if r.Status != tt.status || r.Code != tt.code || !strings.HasPrefix(r.Message, tt.field+":") {
						t.Fatalf("HTTP %d code %d %q, want HTTP %d code %d naming %s", r.Status, r.Code, r.Message, tt.status, tt.code, tt.field)
					}
					if got, h, m := read(), held(), movements(); fmt.Sprint(got) != fmt.Sprint(readBefore) || h != heldBefore || m != movedBefore {
						t.Fatalf("a refusal changed things: reads %v -> %v, held %+v -> %+v, movements %d -> %d", readBefore, got, heldBefore, h, movedBefore, m)
					}
					return
				}
				if r.Code != openapi.CodeOK {
					t.Fatalf("update: HTTP %d code %d %s", r.Status, r.Code, r.Message)
				}
				if got := read(); fmt.Sprint(got) != fmt.Sprint(tt.read) {
					t.Errorf("reads %v, want %v", got, tt.read)
				}
				if h := held(); h != tt.held {
					t.Errorf("held %+v, want %+v", h, tt.held)
				}
				if m := movements(); tt.noMovements && m != movedBefore {
					t.Errorf("%d movements recorded by a write that changes nothing", m-movedBefore)
				}
			})
		}
	})
}

type inventoryEntry struct {
	WarehouseID string `json:"warehouse_id"`
	Quantity    int64  `json:"quantity"`
}

// One entry without a warehouse id sets the sellable stock, as before warehouses:
// the difference goes into (or comes out of) the default warehouse.
func TestInventoryUpdateSellableStock(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("wendy")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		two, err := e.Sellers.AddWarehouse(e.ctx, s.actor, s.shop.ID, seller.WarehouseInput{Name: "Reno", Region: "Nevada"})
		if err != nil {
			t.Fatal(err)
		}
		sku := s.product.SKUs[0]
		if _, err := e.Catalog.SetWarehouseStock(e.ctx, s.actor, sku.ID, two.ID, 25); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Catalog.SetWarehouseStock(e.ctx, s.actor, sku.ID, s.shop.ID, 60); err != nil {
			t.Fatal(err)
		}
		e.buy(sku.ID, 30) // 85 on hand, 55 to sell
		ok(t, c, "POST", "/product/202309/products/"+s.product.ID.String()+"/inventory/update", nil,
			map[string]any{"skus": []map[string]any{{"id": sku.ID.String(), "inventory": []map[string]any{{"quantity": 50}}}}}, nil)
		_, inv, err := e.Catalog.Inventory(e.ctx, s.actor, s.product.ID)
		if err != nil {
			t.Fatal(err)
		}
		if inv[0].Stock != 50 || inv[0].Warehouses[0].OnHand != 55 || inv[0].Warehouses[1].OnHand != 25 {
			t.Fatalf("after plain stock: %+v", inv[0])
		}
	})
}

// Product reads report a SKU's inventory as one entry per warehouse stocking it, the
// default first, each with the units available to sell from it: on hand less the
// units sold and waiting, charged to the warehouses as a dispatch would take them (the
// default if it holds them all, else the one holding the most first), so the entries
// add up to the sellable stock. The detail and the search agree, an update through
// the Open API reads back as written (and writing back what was read changes
// nothing), and a removed warehouse leaves the entries.
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

		// The default holds 10 of the 30 waiting (set on the seller's stock page,
		// which counts units on hand): Reno (holding the most) is charged first, the
		// default the rest. 35 on hand, 5 left to sell.
		if _, err := e.Catalog.SetWarehouseStock(e.ctx, s.actor, red.ID, s.shop.ID, 10); err != nil {
			t.Fatal(err)
		}
		got = read("default short")
		want("default short", got, red, entry{def, 5}, entry{rn, 0})
		if k, err := e.Catalog.Product(e.ctx, s.product.ID); err != nil || k.SKUs[0].Stock != 5 {
			t.Fatalf("sellable stock %+v %v", k.SKUs, err)
		}

		// Writing back what was read changes nothing: Reno still holds the 25 units
		// charged to it and cannot be removed.
		update(red, map[string]any{"warehouse_id": def, "quantity": 5}, map[string]any{"warehouse_id": rn, "quantity": 0})
		got = read("written back")
		want("written back", got, red, entry{def, 5}, entry{rn, 0})
		if _, err := e.Sellers.RemoveWarehouse(e.ctx, s.actor, s.shop.ID, reno.ID); !errors.Is(err, seller.ErrWarehouseHoldsStock) {
			t.Fatalf("removing Reno while it holds units: %v", err)
		}

		// 35 to sell from the default: it now holds all 30 waiting too (65), so Reno
		// is charged nothing and can be emptied and removed: one entry again.
		update(red, map[string]any{"warehouse_id": def, "quantity": 35}, map[string]any{"warehouse_id": rn, "quantity": 0})
		if _, err := e.Sellers.RemoveWarehouse(e.ctx, s.actor, s.shop.ID, reno.ID); err != nil {
			t.Fatal(err)
		}
		got = read("after removing Reno")
		want("after removing Reno", got, red, entry{def, 35})
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
