package catalog_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

// Availability reads several products' SKUs at once: per warehouse stocking a SKU,
// the units on hand and those still for sale once what is waiting is charged as a
// dispatch would take it; a SKU not tracked per warehouse shows its sellable stock in
// the default warehouse.
func TestAvailability(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		w := newInvWorld(t, f, d) // 10 in the default, 5 in Overflow, 12 reserved
		plain, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, lipGloss(7))
		if err != nil {
			t.Fatal(err)
		}
		// A bulk-loaded SKU without warehouse rows.
		if _, err := d.ExecContext(ctx, `DELETE FROM sku_warehouse_stock WHERE sku_id = $1`, plain.SKUs[0].ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.catalog.Availability(ctx, []catalog.Product{w.p, plain})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			sku  catalog.SKU
			want []catalog.WarehouseAvailable
		}{
			// 12 waiting and the default holds 10: the warehouse holding the most (the
			// default) is charged all 10, Overflow the other 2.
			{"default short", w.p.SKUs[0], []catalog.WarehouseAvailable{{WarehouseID: w.def.ID, OnHand: 10, Available: 0}, {WarehouseID: w.two.ID, OnHand: 5, Available: 3}}},
			{"nothing on hand", w.p.SKUs[1], []catalog.WarehouseAvailable{{WarehouseID: w.def.ID, OnHand: 0, Available: 0}}},
			{"untracked", plain.SKUs[0], []catalog.WarehouseAvailable{{WarehouseID: w.def.ID, OnHand: 7, Available: 7}}},
		} {
			if fmt.Sprint(got[tt.sku.ID]) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %+v, want %+v", tt.name, got[tt.sku.ID], tt.want)
			}
		}
	})
}
