package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// A batch of checkouts reserves stock together: while a SKU lasts, all of them; when
// it runs short, checkouts in the order given until it is gone, each all or nothing,
// and a refused checkout's other lines give their units back.
func TestReserveEachAdmitsInOrderWhenShort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		newSKU := func(title string, stock int64) id.ID {
			p, err := f.catalog.CreateProduct(ctx, f.owner, f.shop.ID, catalog.ProductInput{Title: title,
				SKUs: []catalog.SKUInput{{Price: money.New(500, "USD"), Stock: stock}}})
			if err != nil {
				t.Fatal(err)
			}
			return p.SKUs[0].ID
		}
		hot, plenty, gone := newSKU("Hot", 5), newSKU("Plenty", 100), newSKU("Gone", 10)
		if _, err := d.ExecContext(ctx, `UPDATE products SET status = 'suspended' WHERE id = (SELECT product_id FROM skus WHERE id = $1)`, gone); err != nil {
			t.Fatal(err)
		}
		take := func(sku id.ID, n int64) catalog.Want { return catalog.Want{SKUID: sku, Quantity: n} }

		tests := []struct {
			name     string
			wants    [][]catalog.Want
			wantErr  []error // per checkout; nil: reserved
			wantLine []int
			hot      int64 // stock left after
			plenty   int64
		}{
			{"all fit: one update per SKU",
				[][]catalog.Want{{take(hot, 1), take(plenty, 2)}, {take(hot, 1)}, {take(plenty, 3)}},
				[]error{nil, nil, nil}, []int{0, 0, 0}, 3, 95},
			{"short: admitted in order, the rest refused with what is left",
				[][]catalog.Want{{take(plenty, 4), take(hot, 2)}, {take(plenty, 1), take(hot, 2)}, {take(hot, 1)}},
				[]error{nil, catalog.ErrOutOfStock, nil}, []int{0, 1, 0}, 0, 91},
			{"sold out, taken off sale, no such SKU",
				[][]catalog.Want{{take(plenty, 1), take(hot, 1)}, {take(gone, 1)}, {take(plenty, 2), take(id.ID(42), 1)}, {take(plenty, 1)}},
				[]error{catalog.ErrOutOfStock, catalog.ErrNotForSale, catalog.ErrSKUNotFound, nil}, []int{1, 0, 1, 0}, 0, 90},
		}
		for _, tt := range tests {
			var got []catalog.Refusal
			err := d.RunInTx(ctx, func(tx *db.Tx) (err error) {
				got, err = f.catalog.ReserveEach(ctx, tx, tt.wants)
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			for i, r := range got {
				if !errors.Is(r.Err, tt.wantErr[i]) || (r.Err != nil && r.Line != tt.wantLine[i]) {
					t.Errorf("%s: checkout %d: %v on line %d, want %v on line %d", tt.name, i, r.Err, r.Line, tt.wantErr[i], tt.wantLine[i])
				}
			}
			var hotLeft, plentyLeft, reserved int64
			d.QueryRowContext(ctx, `SELECT stock FROM skus WHERE id = $1`, hot).Scan(&hotLeft)
			d.QueryRowContext(ctx, `SELECT stock FROM skus WHERE id = $1`, plenty).Scan(&plentyLeft)
			d.QueryRowContext(ctx, `SELECT SUM(reserved + stock) FROM skus WHERE id IN ($1, $2)`, hot, plenty).Scan(&reserved)
			if hotLeft != tt.hot || plentyLeft != tt.plenty || reserved != 105 {
				t.Errorf("%s: hot %d plenty %d left (want %d, %d), %d units in all (want 105)", tt.name, hotLeft, plentyLeft, tt.hot, tt.plenty, reserved)
			}
		}
		err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.catalog.Reserve(ctx, tx, hot, 1) })
		if !errors.Is(err, catalog.ErrOutOfStock) {
			t.Fatalf("Reserve alone on the sold-out SKU: %v", err)
		}
	})
}
