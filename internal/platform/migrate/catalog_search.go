package migrate

import (
	"context"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// catalogSearch (step 202) adds the category tree and full-text product search: a
// tsvector column with a GIN index on PostgreSQL, an FTS5 table kept by triggers on
// SQLite. The one step whose SQL differs by engine.
func catalogSearch(ctx context.Context, tx *db.Tx) error {
	if err := SQL(
		`CREATE TABLE categories (
			code TEXT PRIMARY KEY,
			parent TEXT NOT NULL DEFAULT '',
			name TEXT NOT NULL,
			path TEXT NOT NULL
		)`,
		`ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX products_market_category ON products (market, status, category, id)`,
	)(ctx, tx); err != nil {
		return err
	}
	for _, c := range starterCategories {
		path := c[0]
		if c[1] != "" {
			path = c[1] + "/" + c[0]
			for _, p := range starterCategories {
				if p[0] == c[1] && p[1] != "" {
					path = p[1] + "/" + path
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO categories (code, parent, name, path) VALUES ($1, $2, $3, $4)`, c[0], c[1], c[2], path); err != nil {
			return err
		}
	}
	if tx.Engine() == db.Postgres {
		// A generated column keeps the document in step with every write of a product.
		return SQL(
			`ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED`,
			`CREATE INDEX products_search ON products USING GIN (search)`,
		)(ctx, tx)
	}
	// SQLite: an FTS5 index whose rowid is the product id, kept by triggers.
	return SQL(
		`CREATE VIRTUAL TABLE product_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')`,
		`INSERT INTO product_fts (rowid, title, body) SELECT id, title, description FROM products`,
		`CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
			INSERT INTO product_fts (rowid, title, body) VALUES (new.id, new.title, new.description);
		END`,
		`CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description ON products BEGIN
			DELETE FROM product_fts WHERE rowid = old.id;
			INSERT INTO product_fts (rowid, title, body) VALUES (new.id, new.title, new.description);
		END`,
		`CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
			DELETE FROM product_fts WHERE rowid = old.id;
		END`,
	)(ctx, tx)
}

// starterCategories is the first category tree (code, parent, name), three levels at
// most; paths are codes from the root joined by "/".
var starterCategories = [][3]string{
	{"beauty", "", "Beauty & Personal Care"},
	{"makeup", "beauty", "Makeup"}, {"lips", "makeup", "Lips"}, {"face", "makeup", "Face"},
	{"skincare", "beauty", "Skincare"}, {"haircare", "beauty", "Hair care"},
	{"fashion", "", "Fashion"},
	{"womenswear", "fashion", "Womenswear"}, {"menswear", "fashion", "Menswear"}, {"accessories", "fashion", "Accessories"},
	{"home", "", "Home & Living"},
	{"kitchen", "home", "Kitchen"}, {"decor", "home", "Decor"},
	{"electronics", "", "Electronics"},
	{"phones", "electronics", "Phones & accessories"}, {"audio", "electronics", "Audio"},
	{"food", "", "Food & Beverages"}, {"snacks", "food", "Snacks"},
	{"sports", "", "Sports & Outdoors"},
	{"toys", "", "Toys & Hobbies"},
}
