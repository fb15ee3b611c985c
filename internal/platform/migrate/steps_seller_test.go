package migrate_test

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/migrate"
)

// Step 211 gives every shop a default warehouse with the shop's id and puts each
// SKU's units on hand there: its sellable stock plus what is reserved or paid and not
// yet shipped, so stock = on hand - awaiting dispatch holds from the start.
func TestWarehouseStepMovesStockIntoTheDefault(t *testing.T) {
	beforeStep(t, 211, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO markets (code, name, currency, time_zone, languages, launch_state, launch_date, updated_at) VALUES ('ZZ', 'Test', 'USD', 'UTC', 'en', 'live', '2024-01-01', 0)`,
			`INSERT INTO accounts (id, email, display_name, password_hash, created_at) VALUES (1, 'a@x.test', 'A', '', 0)`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at) VALUES (10, 1, 'ZZ', 'Shop', 'local', 'active', 0)`,
			`INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at) VALUES (20, 10, 'ZZ', 'P', '', 'live', 0, 0)`,
			// 4 to sell, 1 reserved by an unpaid order.
			`INSERT INTO skus (id, product_id, seller_sku, name, price, currency, stock, reserved, created_at, updated_at) VALUES (30, 20, 'A', 'A', 100, 'USD', 4, 1, 0, 0)`,
			`INSERT INTO skus (id, product_id, seller_sku, name, price, currency, stock, reserved, created_at, updated_at) VALUES (31, 20, 'B', 'B', 100, 'USD', 0, 0, 0, 0)`,
			`INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, market, currency, total, status, created_at) VALUES (40, 1, 'k', 'h', 'ZZ', 'USD', 0, 'paid', 0)`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// Orders of SKU 30: paid, 3 units of which 1 shipped (2 waiting); shipped
		// (nothing waiting); cancelled (nothing waiting).
		for i, o := range []struct {
			status       string
			qty, shipped int
		}{{"PARTIALLY_SHIPPING", 3, 1}, {"IN_TRANSIT", 2, 2}, {"CANCELLED", 5, 0}} {
			if _, err := d.ExecContext(ctx, `INSERT INTO orders (id, checkout_id, buyer_id, shop_id, market, currency, status, subtotal, shipping_fee, total, shipping_address, created_at, updated_at)
					VALUES ($1, 40, 1, 10, 'ZZ', 'USD', $2, 0, 0, 0, '', 0, 0)`, 50+i, o.status); err != nil {
				t.Fatal(err)
			}
			if _, err := d.ExecContext(ctx, `INSERT INTO order_lines (id, order_id, product_id, sku_id, title, sku_name, quantity, unit_price, total, source, shipped_qty)
					VALUES ($1, $2, 20, 30, 'P', 'A', $3, 100, 0, 'PRODUCT_CARD', $4)`, 60+i, 50+i, o.qty, o.shipped); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := migrate.Run(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		var whID, whShop int64
		var isDefault bool
		if err := d.QueryRowContext(ctx, `SELECT id, shop_id, is_default FROM warehouses`).Scan(&whID, &whShop, &isDefault); err != nil || whID != 10 || whShop != 10 || !isDefault {
			t.Fatalf("warehouse %d of shop %d default %v: %v", whID, whShop, isDefault, err)
		}
		for sku, want := range map[int64]int64{30: 4 + 1 + 2, 31: 0} {
			var got int64
			if err := d.QueryRowContext(ctx, `SELECT on_hand FROM sku_warehouse_stock WHERE sku_id = $1 AND warehouse_id = 10`, sku).Scan(&got); err != nil || got != want {
				t.Errorf("sku %d on hand %d, want %d: %v", sku, got, want, err)
			}
		}
	})
}

// Step 217 marks the products of shops already in the Mall (badge mall or official)
// and indexes the mark with the text: a Mall-only word search finds them at once.
func TestMallStepMarksProductsOfMallShops(t *testing.T) {
	beforeStep(t, 217, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO markets (code, name, currency, time_zone, languages, launch_state, launch_date, updated_at) VALUES ('ZZ', 'Test', 'USD', 'UTC', 'en', 'live', '2024-01-01', 0)`,
			`INSERT INTO accounts (id, email, display_name, password_hash, created_at) VALUES (1, 'a@x.test', 'A', '', 0)`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, badge) VALUES (10, 1, 'ZZ', 'Plain', 'local', 'active', 0, '')`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, badge) VALUES (11, 1, 'ZZ', 'Mall', 'local', 'active', 0, 'mall')`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, badge) VALUES (12, 1, 'ZZ', 'Official', 'local', 'active', 0, 'official')`,
			`INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at) VALUES (20, 10, 'ZZ', 'Lip tint', '', 'live', 0, 0)`,
			`INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at) VALUES (21, 11, 'ZZ', 'Lip tint', '', 'live', 0, 0)`,
			`INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at) VALUES (22, 12, 'ZZ', 'Lip tint', 'mall', 'live', 0, 0)`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := migrate.Run(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		ids := func(q string, args ...any) []int64 {
			t.Helper()
			rows, err := d.QueryContext(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var v int64
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				out = append(out, v)
			}
			return out
		}
		if got := ids(`SELECT id FROM products WHERE mall ORDER BY id`); len(got) != 2 || got[0] != 21 || got[1] != 22 {
			t.Fatalf("Mall products %v, want [21 22]", got)
		}
		// The index the search reads: the text and the Mall mark together.
		search := `SELECT rowid FROM product_fts WHERE product_fts MATCH '{title body} : ("tint") AND tags : mall' ORDER BY rowid`
		if d.Engine() == db.Postgres {
			search = `SELECT id FROM products WHERE mall AND search @@ plainto_tsquery('simple', 'tint') ORDER BY id`
		}
		if got := ids(search); len(got) != 2 || got[0] != 21 || got[1] != 22 {
			t.Fatalf("Mall text matches %v, want [21 22]", got)
		}
	})
}

// beforeStep runs fn on each engine with a database migrated up to (not including)
// step version; fn adds data and runs the rest.
func beforeStep(t *testing.T, version int, fn func(t *testing.T, d *db.DB)) {
	engines := map[string]func(t *testing.T) db.Options{
		"sqlite":   func(t *testing.T) db.Options { return db.Options{DataDir: t.TempDir()} },
		"postgres": func(t *testing.T) db.Options { return db.Options{URL: dbtest.PostgresURL(t), MaxConns: 4} },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, engines[name](t))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var before []migrate.Step
			for _, s := range migrate.Steps {
				if s.Version < version {
					before = append(before, s)
				}
			}
			if _, err := migrate.RunSteps(ctx, d, nil, before); err != nil {
				t.Fatal(err)
			}
			fn(t, d)
		})
	}
}

// Step 212 turns shops the old late-dispatch rule restricted into active shops with
// a listing restriction and a settlement delay (appealable actions); a shop an
// operator restricted for another reason stays restricted; actions the points ladder
// took are marked as its own.
func TestLateDispatchStepTurnsRestrictionsIntoActions(t *testing.T) {
	beforeStep(t, 212, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO markets (code, name, currency, time_zone, languages, launch_state, launch_date, updated_at) VALUES ('ZZ', 'Test', 'USD', 'UTC', 'en', 'live', '2024-01-01', 0)`,
			`INSERT INTO accounts (id, email, display_name, password_hash, created_at) VALUES (1, 'a@x.test', 'A', '', 0)`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, status_reason) VALUES (10, 1, 'ZZ', 'Slow', 'local', 'restricted', 0,
				'late dispatch rate 16.66% over the last 90 days (2 of 12 parcels) is above the 10.00% limit: no new listings')`,
			`INSERT INTO shops (id, owner_id, market, name, kind, status, created_at, status_reason) VALUES (11, 1, 'ZZ', 'Odd', 'local', 'restricted', 0, 'fraud check')`,
			`INSERT INTO shop_enforcement_actions (id, shop_id, kind, points, threshold, reason, status, starts_at) VALUES (90, 11, 'warning', 4, 4, 'points', 'active', 0)`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := migrate.Run(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		status := func(shop int) string {
			var s string
			d.QueryRowContext(ctx, `SELECT status FROM shops WHERE id = $1`, shop).Scan(&s)
			return s
		}
		if status(10) != "active" || status(11) != "restricted" {
			t.Fatalf("states %s %s", status(10), status(11))
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM shop_enforcement_actions WHERE shop_id = 10 AND source = 'late_dispatch' AND status = 'active'
			AND kind IN ('listing_restriction', 'settlement_delay') AND reason LIKE 'late dispatch rate 16.66%'`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d late-dispatch actions", n)
		}
		var src string
		d.QueryRowContext(ctx, `SELECT source FROM shop_enforcement_actions WHERE id = 90`).Scan(&src)
		if src != "points" {
			t.Fatalf("ladder action source %q", src)
		}
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM shop_actions WHERE shop_id = 10 AND action = 'enforcement_late_dispatch'`).Scan(&n)
		if n != 1 {
			t.Fatalf("history rows %d", n)
		}
	})
}
