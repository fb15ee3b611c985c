package catalog_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

func TestPlanDispatch(t *testing.T) {
	const def, b, c = id.ID(1), id.ID(2), id.ID(3)
	h := func(d, bb, cc int64) []catalog.Holding {
		return []catalog.Holding{{WarehouseID: def, OnHand: d}, {WarehouseID: b, OnHand: bb}, {WarehouseID: c, OnHand: cc}}
	}
	tests := []struct {
		name     string
		holdings []catalog.Holding
		chosen   id.ID
		qty      int64
		want     []catalog.Take
		wantErr  bool
	}{
		{"default holds them", h(5, 9, 0), 0, 5, []catalog.Take{{WarehouseID: def, Units: 5}}, false},
		{"default short: the one holding the most", h(2, 3, 8), 0, 4, []catalog.Take{{WarehouseID: c, Units: 4}}, false},
		{"none holds them alone: the most first", h(2, 3, 1), 0, 5, []catalog.Take{{WarehouseID: b, Units: 3}, {WarehouseID: def, Units: 2}}, false},
		{"a tie goes to the lower id", h(0, 4, 4), 0, 4, []catalog.Take{{WarehouseID: b, Units: 4}}, false},
		{"all of them short", h(1, 1, 1), 0, 4, nil, true},
		{"the seller's choice", h(9, 9, 2), c, 2, []catalog.Take{{WarehouseID: c, Units: 2}}, false},
		{"the seller's choice is short", h(9, 9, 1), c, 2, nil, true},
		{"a chosen warehouse holding none", h(9, 0, 0), b, 1, nil, true},
		{"no default row", []catalog.Holding{{WarehouseID: b, OnHand: 3}}, 0, 3, []catalog.Take{{WarehouseID: b, Units: 3}}, false},
	}
	for _, tt := range tests {
		got, err := catalog.PlanDispatch(tt.holdings, def, tt.chosen, tt.qty)
		if tt.wantErr {
			if e := errs.As(err); e == nil || e.Code != "warehouse_stock_short" || e.Field != "warehouse_id" {
				t.Errorf("%s: %v, want warehouse_stock_short", tt.name, err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s: %v %v, want %v", tt.name, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}
	}
}

// invWorld is a product whose first SKU has 10 units in the default warehouse and 5
// in a second one, 12 of them reserved by checkouts: 3 left to sell.
type invWorld struct {
	fixture
	d        *db.DB
	p        catalog.Product
	sku      id.ID
	def, two seller.Warehouse
}

func newInvWorld(t *testing.T, f fixture, d *db.DB) invWorld {
	t.Helper()
	ctx := context.Background()
	w := invWorld{fixture: f, d: d}
	var err error
	if w.p, err = f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(10)); err != nil {
		t.Fatal(err)
	}
	w.sku = w.p.SKUs[0].ID
	whs, err := f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
	if err != nil || len(whs) < 1 || !whs[0].Default {
		t.Fatalf("warehouses %+v %v", whs, err)
	}
	w.def = whs[0]
	for _, wh := range whs {
		if wh.Name == "Overflow" {
			w.two = wh
		}
	}
	if w.two.ID == 0 {
		if w.two, err = f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, seller.WarehouseInput{Name: "Overflow", Region: "Texas"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.catalog.SetWarehouseStock(ctx, f.owner, w.sku, w.two.ID, 5); err != nil {
		t.Fatal(err)
	}
	if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Reserve(ctx, tx, w.sku, 12) }); err != nil {
		t.Fatal(err)
	}
	w.expect(t, "start", 3, 10, 5)
	return w
}

// expect checks the SKU's sellable stock and what each warehouse holds, and that
// stock is still on hand minus the 12 units awaiting dispatch less those shipped.
func (w invWorld) expect(t *testing.T, what string, stock, def, two int64) {
	t.Helper()
	_, inv, err := w.catalog.Inventory(context.Background(), w.owner, w.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	k := inv[0]
	held := map[id.ID]int64{}
	for _, ws := range k.Warehouses {
		held[ws.Warehouse.ID] = ws.OnHand
	}
	if k.Stock != stock || held[w.def.ID] != def || held[w.two.ID] != two || k.OnHand != def+two || k.Awaiting != def+two-stock {
		t.Fatalf("%s: stock %d, default %d, second %d, awaiting %d; want %d, %d, %d", what, k.Stock, held[w.def.ID], held[w.two.ID], k.Awaiting, stock, def, two)
	}
}

func TestWarehouseStockRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		otherShop, err := f.sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's Outlet"})
		if err != nil {
			t.Fatal(err)
		}
		setWH := func(which string, qty int64) func(w invWorld) error {
			return func(w invWorld) error {
				wh := map[string]id.ID{"default": w.def.ID, "second": w.two.ID, "other shop": otherShop.ID}[which]
				_, err := f.catalog.SetWarehouseStock(ctx, f.owner, w.sku, wh, qty)
				return err
			}
		}
		sellable := func(n int64) func(w invWorld) error {
			return func(w invWorld) error { _, err := f.catalog.SetStock(ctx, f.owner, w.sku, n); return err }
		}
		tests := []struct {
			name                   string
			op                     func(w invWorld) error
			code, field            string
			stock, def, two        int64
			lowerDefaultFirstToOne bool
		}{
			{name: "raise the default: stock rises by as much", op: setWH("default", 20), stock: 13, def: 20, two: 5},
			{name: "lower the second to what is free", op: setWH("second", 2), stock: 0, def: 10, two: 2},
			{name: "below what is sold and waiting", op: setWH("second", 1), code: "stock_below_awaiting_dispatch", field: "quantity", stock: 3, def: 10, two: 5},
			{name: "empty the default", op: setWH("default", 0), code: "stock_below_awaiting_dispatch", field: "quantity", stock: 3, def: 10, two: 5},
			{name: "the same quantity", op: setWH("default", 10), stock: 3, def: 10, two: 5},
			{name: "negative", op: setWH("default", -1), code: "invalid_field", field: "quantity", stock: 3, def: 10, two: 5},
			{name: "another shop's warehouse", op: setWH("other shop", 4), code: "warehouse_not_found", field: "warehouse_id", stock: 3, def: 10, two: 5},
			{name: "sellable stock up goes to the default", op: sellable(8), stock: 8, def: 15, two: 5},
			{name: "sellable stock down comes from the default", op: sellable(0), stock: 0, def: 7, two: 5},
			{name: "sellable stock down beyond the default", op: sellable(0), lowerDefaultFirstToOne: true, code: "warehouse_stock_short", field: "stock", stock: 3, def: 1, two: 14},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newInvWorld(t, f, d)
				if tt.lowerDefaultFirstToOne {
					if _, err := f.catalog.SetWarehouseStock(ctx, f.owner, w.sku, w.two.ID, 14); err != nil {
						t.Fatal(err)
					}
					if _, err := f.catalog.SetWarehouseStock(ctx, f.owner, w.sku, w.def.ID, 1); err != nil {
						t.Fatal(err)
					}
				}
				err := tt.op(w)
				if e := errs.As(err); tt.code != "" && (e == nil || e.Code != tt.code || e.Field != tt.field) {
					t.Fatalf("%v, want %s on %q", err, tt.code, tt.field)
				} else if tt.code == "" && err != nil {
					t.Fatal(err)
				}
				w.expect(t, tt.name, tt.stock, tt.def, tt.two)
			})
		}
		// Another seller cannot touch the warehouses.
		w := newInvWorld(t, f, d)
		if _, err := f.catalog.SetWarehouseStock(ctx, f.Actor(t, "bo", auth.Seller), w.sku, w.def.ID, 50); errs.As(err) == nil || errs.As(err).Code != "not_your_shop" {
			t.Fatalf("another seller: %v", err)
		}
	})
}

// Packages take units out of warehouses without touching sellable stock;
// cancellations before dispatch return sellable stock only; returns go back into the
// default warehouse and on sale.
func TestDispatchAndReturns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newInvWorld(t, f, d)
		dispatch := func(chosen id.ID, n int64) error {
			return d.RunInTx(ctx, func(tx *db.Tx) error {
				return f.catalog.Dispatch(ctx, tx, f.shop.ID, chosen, id.New(), f.owner.AccountID, map[id.ID]int64{w.sku: n})
			})
		}
		// The default warehouse ships what it holds.
		if err := dispatch(0, 6); err != nil {
			t.Fatal(err)
		}
		w.expect(t, "6 from the default", 3, 4, 5)
		// The seller picks the second warehouse, which is short.
		if err := dispatch(w.two.ID, 6); errs.As(err) == nil || errs.As(err).Code != "warehouse_stock_short" {
			t.Fatalf("short warehouse: %v", err)
		}
		w.expect(t, "refused dispatch", 3, 4, 5)
		// A warehouse of another shop is refused.
		if err := dispatch(id.New(), 1); errs.As(err) == nil || errs.As(err).Code != "warehouse_not_found" {
			t.Fatalf("unknown warehouse: %v", err)
		}
		// The default is short: the second (holding the most) ships them.
		if err := dispatch(0, 5); err != nil {
			t.Fatal(err)
		}
		w.expect(t, "5 from the second", 3, 4, 0)
		// One unit was cancelled before dispatch: back on sale, on hand unchanged.
		if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Restock(ctx, tx, w.sku, 1) }); err != nil {
			t.Fatal(err)
		}
		w.expect(t, "cancelled unit", 4, 4, 0)
		// A buyer returns two: into the default warehouse and on sale.
		if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.ReceiveReturned(ctx, tx, w.sku, id.New(), 2) }); err != nil {
			t.Fatal(err)
		}
		w.expect(t, "returned", 6, 6, 0)
		ms, err := f.catalog.Movements(ctx, f.owner, w.sku, 10)
		if err != nil || len(ms) != 5 || ms[0].Reason != "returned" || ms[1].Reason != "dispatched" || ms[1].Delta != -5 || ms[1].WarehouseID != w.two.ID {
			t.Fatalf("movements %+v %v", ms, err)
		}
	})
}

func TestWarehouses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		whs, err := f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
		if err != nil || len(whs) != 1 || whs[0].ID != f.shop.ID || !whs[0].Default || whs[0].Name != "Main warehouse" {
			t.Fatalf("a new shop's warehouses: %+v %v", whs, err)
		}
		two, err := f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, seller.WarehouseInput{Name: "  Dallas DC ", Region: "Texas", Address: "1 Elm St", Default: true})
		if err != nil || two.Name != "Dallas DC" {
			t.Fatalf("add: %+v %v", two, err)
		}
		whs, _ = f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
		if len(whs) != 2 || whs[0].ID != two.ID || whs[1].Default {
			t.Fatalf("one default, the new one: %+v", whs)
		}
		// A new product's stock goes into the default warehouse.
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(4))
		if err != nil {
			t.Fatal(err)
		}
		_, inv, err := f.catalog.Inventory(ctx, f.owner, p.ID)
		if err != nil || inv[0].Warehouses[0].Warehouse.ID != two.ID || inv[0].Warehouses[0].OnHand != 4 || inv[0].Warehouses[1].OnHand != 0 {
			t.Fatalf("inventory %+v %v", inv, err)
		}
		for _, tt := range []struct {
			in          seller.WarehouseInput
			code, field string
		}{
			{seller.WarehouseInput{Name: "x"}, "invalid_field", "name"},
			{seller.WarehouseInput{Name: "dallas dc"}, "", ""}, // names differ by case
			{seller.WarehouseInput{Name: "Dallas DC"}, "warehouse_name_taken", "name"},
			{seller.WarehouseInput{Name: "Far", Address: string(make([]byte, 301))}, "invalid_field", "address"},
		} {
			_, err := f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, tt.in)
			if e := errs.As(err); (tt.code == "" && err != nil) || (tt.code != "" && (e == nil || e.Code != tt.code || e.Field != tt.field)) {
				t.Errorf("%+v: %v, want %q on %q", tt.in, err, tt.code, tt.field)
			}
		}
		if _, err := f.sellers.AddWarehouse(ctx, f.Actor(t, "bo", auth.Seller), f.shop.ID, seller.WarehouseInput{Name: "Mine"}); errs.As(err) == nil || errs.As(err).Code != "not_your_shop" {
			t.Fatalf("another seller: %v", err)
		}
		// Making the first one default again.
		main, err := f.sellers.UpdateWarehouse(ctx, f.owner, f.shop.ID, f.shop.ID, seller.WarehouseInput{Name: "Main warehouse", Region: "Ohio", Default: true})
		if err != nil || !main.Default || main.Region != "Ohio" {
			t.Fatalf("update: %+v %v", main, err)
		}
		whs, _ = f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
		if whs[0].ID != f.shop.ID || whs[1].Default || whs[2].Default {
			t.Fatalf("after update: %+v", whs)
		}
		if _, err := f.sellers.UpdateWarehouse(ctx, f.owner, f.shop.ID, id.New(), seller.WarehouseInput{Name: "Nope"}); errs.As(err) == nil || errs.As(err).Code != "warehouse_not_found" {
			t.Fatalf("unknown warehouse: %v", err)
		}
	})
}

// Checkouts reserving units while the seller changes a warehouse's quantity: every
// change either applies with its delta or is refused, so at the end what is left to
// sell is exactly what the warehouses hold minus what was reserved, on both engines.
func TestWarehouseEditsRaceCheckouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(30))
		if err != nil {
			t.Fatal(err)
		}
		sku := p.SKUs[0].ID
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Reserve(ctx, tx, sku, 1) })
				if err != nil && !errors.Is(err, catalog.ErrOutOfStock) {
					t.Error(err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range []int64{25, 10, 40, 5, 35} {
				_, err := f.catalog.SetWarehouseStock(ctx, f.owner, sku, f.shop.ID, q)
				if e := errs.As(err); err != nil && (e == nil || e.Code != "stock_below_awaiting_dispatch") {
					t.Error(err)
				}
			}
		}()
		wg.Wait()
		_, inv, err := f.catalog.Inventory(ctx, f.owner, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		k := inv[0]
		if k.Stock < 0 || k.Stock+k.Reserved != k.OnHand {
			t.Fatalf("stock %d + reserved %d != on hand %d", k.Stock, k.Reserved, k.OnHand)
		}
	})
}
