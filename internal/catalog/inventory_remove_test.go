package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// A warehouse can be removed only when it is not the default and holds no unit; a
// refusal names the reason (and what to do first) and changes nothing. Units sold
// and waiting for dispatch are not bound to a warehouse, so they do not keep an empty
// one. A removed warehouse takes no more stock, its name is free again, and its
// movements stay.
func TestRemoveWarehouseRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		otherShop, err := f.sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's Outlet"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		tests := []struct {
			name string
			// prepare stocks the product (w.p, 10 in the default, 5 in "Overflow", 12
			// reserved) and returns the warehouse to remove and who removes it.
			prepare     func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor)
			code, field string
			message     string // part of the refusal's message
		}{
			{name: "empty, units waiting elsewhere", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) { return wh.ID, f.owner }},
			{name: "emptied after holding units", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				setQty(t, f, w.sku, wh.ID, 3)
				setQty(t, f, w.sku, wh.ID, 0)
				return wh.ID, f.owner
			}},
			{name: "holds units", code: "warehouse_holds_stock", field: "warehouse_id", message: "holds 4 units: move them", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				setQty(t, f, w.sku, wh.ID, 4)
				return wh.ID, f.owner
			}},
			{name: "holds one unit of each of two SKUs", code: "warehouse_holds_stock", field: "warehouse_id", message: "holds 2 units of 2 SKUs", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				setQty(t, f, w.sku, wh.ID, 1)
				setQty(t, f, w.p.SKUs[1].ID, wh.ID, 1)
				return wh.ID, f.owner
			}},
			{name: "the default", code: "warehouse_is_default", field: "warehouse_id", message: "make another warehouse the default first", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				return w.def.ID, f.owner
			}},
			{name: "an empty default", code: "warehouse_is_default", field: "warehouse_id", message: "make another warehouse the default first", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				if _, err := f.sellers.UpdateWarehouse(ctx, f.owner, f.shop.ID, wh.ID, seller.WarehouseInput{Name: wh.Name, Default: true}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { // give the default back for the next cases
					if _, err := f.sellers.UpdateWarehouse(ctx, f.owner, f.shop.ID, w.def.ID, seller.WarehouseInput{Name: w.def.Name, Default: true}); err != nil {
						t.Fatal(err)
					}
				})
				return wh.ID, f.owner
			}},
			{name: "another shop's warehouse", code: "warehouse_not_found", field: "warehouse_id", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				return otherShop.ID, f.owner
			}},
			{name: "no such warehouse", code: "warehouse_not_found", field: "warehouse_id", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				return id.New(), f.owner
			}},
			{name: "another seller", code: "not_your_shop", prepare: func(t *testing.T, w invWorld, wh seller.Warehouse) (id.ID, auth.Actor) {
				return wh.ID, f.Actor(t, "bo", auth.Seller)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newInvWorld(t, f, d)
				n++
				wh, err := f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, seller.WarehouseInput{Name: fmt.Sprintf("Spare %d", n), Region: "Utah"})
				if err != nil {
					t.Fatal(err)
				}
				target, actor := tt.prepare(t, w, wh)
				before, _ := f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
				_, inv0, err := f.catalog.Inventory(ctx, f.owner, w.p.ID)
				if err != nil {
					t.Fatal(err)
				}
				removed, err := f.sellers.RemoveWarehouse(ctx, actor, f.shop.ID, target)
				after, _ := f.sellers.Warehouses(ctx, f.owner, f.shop.ID)
				_, inv1, err2 := f.catalog.Inventory(ctx, f.owner, w.p.ID)
				if err2 != nil {
					t.Fatal(err2)
				}
				if tt.code != "" {
					e := errs.As(err)
					if e == nil || e.Code != tt.code || e.Field != tt.field || !strings.Contains(e.Message, tt.message) {
						t.Fatalf("%v, want %s on %q saying %q", err, tt.code, tt.field, tt.message)
					}
					if len(after) != len(before) {
						t.Fatalf("a refused removal changed the warehouses: %d -> %d", len(before), len(after))
					}
					for i := range inv0 {
						if inv0[i].Stock != inv1[i].Stock || inv0[i].OnHand != inv1[i].OnHand || len(inv0[i].Warehouses) != len(inv1[i].Warehouses) {
							t.Fatalf("a refused removal changed stock: %+v -> %+v", inv0[i], inv1[i])
						}
					}
					return
				}
				if err != nil || removed.ID != wh.ID {
					t.Fatalf("remove: %+v %v", removed, err)
				}
				if len(after) != len(before)-1 {
					t.Fatalf("warehouses %d -> %d", len(before), len(after))
				}
				for _, o := range after {
					if o.ID == wh.ID {
						t.Fatalf("%s still listed", wh.Name)
					}
				}
				for i := range inv0 {
					if inv0[i].Stock != inv1[i].Stock || inv0[i].OnHand != inv1[i].OnHand {
						t.Fatalf("removal changed stock: %+v -> %+v", inv0[i], inv1[i])
					}
				}
				// It takes no more stock; its name is free; its history stays.
				if _, err := f.catalog.SetWarehouseStock(ctx, f.owner, w.sku, wh.ID, 1); errs.As(err) == nil || errs.As(err).Code != "warehouse_not_found" {
					t.Fatalf("stock into a removed warehouse: %v", err)
				}
				ms, err := f.catalog.Movements(ctx, f.owner, w.sku, 50)
				if err != nil {
					t.Fatal(err)
				}
				if tt.name == "emptied after holding units" && (len(ms) < 2 || ms[0].WarehouseID != wh.ID || ms[1].WarehouseID != wh.ID) {
					t.Fatalf("movements lost: %+v", ms)
				}
				acts, err := f.sellers.Actions(ctx, f.owner, f.shop.ID)
				if err != nil || len(acts) == 0 || acts[0].Action != "warehouse_removed" || acts[0].Reason != wh.Name+" (Utah)" || acts[0].ActorID != f.owner.AccountID {
					t.Fatalf("audit: %+v %v", acts, err)
				}
				if _, err := f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, seller.WarehouseInput{Name: wh.Name}); err != nil {
					t.Fatalf("the name is free again: %v", err)
				}
			})
		}
	})
}

func setQty(t *testing.T, f fixture, sku, wh id.ID, n int64) {
	t.Helper()
	if _, err := f.catalog.SetWarehouseStock(context.Background(), f.owner, sku, wh, n); err != nil {
		t.Fatal(err)
	}
}

// A seller fills and empties a warehouse while removing it and buyers check out: the
// removal either finds units and is refused or goes through, and a stock move after
// it finds no warehouse. No unit is lost: at the end the warehouses hold exactly what
// is left to sell plus what was reserved, on both engines.
func TestRemoveWarehouseRacesStockMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(30))
		if err != nil {
			t.Fatal(err)
		}
		sku := p.SKUs[0].ID
		for round := 0; round < 4; round++ {
			wh, err := f.sellers.AddWarehouse(ctx, f.owner, f.shop.ID, seller.WarehouseInput{Name: fmt.Sprintf("Pop-up %d", round)})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(3)
			go func() { // the seller keeps stocking and emptying it
				defer wg.Done()
				for i := 0; i < 12; i++ {
					_, err := f.catalog.SetWarehouseStock(ctx, f.owner, sku, wh.ID, int64(4*(i%2)))
					if e := errs.As(err); err != nil && (e == nil || (e.Code != "warehouse_not_found" && e.Code != "stock_below_awaiting_dispatch")) {
						t.Error(err)
					}
				}
			}()
			go func() { // and keeps trying to remove it
				defer wg.Done()
				for i := 0; i < 12; i++ {
					_, err := f.sellers.RemoveWarehouse(ctx, f.owner, f.shop.ID, wh.ID)
					if err == nil {
						return
					}
					if e := errs.As(err); e == nil || e.Code != "warehouse_holds_stock" {
						t.Error(err)
						return
					}
				}
			}()
			go func() { // buyers reserve units meanwhile
				defer wg.Done()
				for i := 0; i < 6; i++ {
					err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Reserve(ctx, tx, sku, 1) })
					if err != nil && !errors.Is(err, catalog.ErrOutOfStock) {
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
			var rows int64 // every warehouse row, even one a removal might have orphaned
			if err := d.QueryRowContext(ctx, `SELECT COALESCE(SUM(on_hand), 0) FROM sku_warehouse_stock WHERE sku_id = $1`, sku).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if k.Stock < 0 || k.Stock+k.Reserved != k.OnHand || rows != k.OnHand {
				t.Fatalf("round %d: stock %d + reserved %d, on hand %d, rows hold %d", round, k.Stock, k.Reserved, k.OnHand, rows)
			}
		}
	})
}
