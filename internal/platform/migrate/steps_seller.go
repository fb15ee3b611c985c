package migrate

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// lateDispatchActions makes the late-dispatch rule an enforcement action source: each
// action row says whether the points ladder or the late-dispatch rule applied it.
// Shops the old rule restricted directly (state restricted, its reason) become active
// with the two actions that restriction meant, in force until lifted, so they can be
// appealed and are shown on Account health; the change is in their history.
func lateDispatchActions(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE shop_enforcement_actions ADD COLUMN source TEXT NOT NULL DEFAULT 'points'`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, status_reason FROM shops WHERE status = 'restricted' AND status_reason LIKE 'late dispatch rate %' ORDER BY id`)
	if err != nil {
		return err
	}
	type restricted struct {
		id     id.ID
		reason string
	}
	var shops []restricted
	for rows.Next() {
		var r restricted
		if err := rows.Scan(&r.id, &r.reason); err != nil {
			rows.Close()
			return err
		}
		shops = append(shops, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := db.Micros(time.Now())
	for _, sh := range shops {
		for _, kind := range []string{"listing_restriction", "settlement_delay"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO shop_enforcement_actions (id, shop_id, kind, points, threshold, reason, status, starts_at, source)
				VALUES ($1, $2, $3, 0, 0, $4, 'active', $5, 'late_dispatch')`, id.New(), sh.id, kind, sh.reason, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shops SET status = 'active', status_reason = '' WHERE id = $1`, sh.id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO shop_actions (id, shop_id, action, from_status, to_status, reason, actor_id, at)
			VALUES ($1, $2, 'enforcement_late_dispatch', 'restricted', 'active', $3, 0, $4)`, id.New(), sh.id,
			"the late-dispatch restriction is now a listing restriction and a settlement delay, which can be appealed: "+sh.reason, now); err != nil {
			return err
		}
	}
	return nil
}

// weightedSearch weighs title words above description words in PostgreSQL's search
// document ('A' and 'B', which ts_rank reads as 1.0 and 0.4), for relevance ranking.
// SQLite's FTS5 table keeps title and body in columns already (bm25 weighs them).
func weightedSearch(ctx context.Context, tx *db.Tx) error {
	if tx.Engine() != db.Postgres {
		return nil
	}
	return SQL(
		`ALTER TABLE products DROP COLUMN search`,
		`ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS
			(setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', description), 'B')) STORED`,
		`CREATE INDEX products_search ON products USING GIN (search)`,
	)(ctx, tx)
}

// mallSearch (step 217) copies a shop's Mall standing (badge mall or official) onto
// its products and indexes it with the text, so a Mall-only word search reads only
// Mall matches instead of visiting every match to look its shop up: a partial GIN
// index on PostgreSQL, a third FTS5 column holding the word "mall" on SQLite (queries
// keep the searcher's words to the title and body columns). A partial index walks
// Mall products newest first, for Mall searches without text and, on PostgreSQL, for
// a common word's newest Mall matches (the planner's alternative, walking every
// product newest first, visited ten non-Mall rows per Mall row). The seller service
// keeps the column in step when a badge changes; products are created with their shop's.
func mallSearch(ctx context.Context, tx *db.Tx) error {
	if err := SQL(
		`ALTER TABLE products ADD COLUMN mall BOOLEAN NOT NULL DEFAULT FALSE`,
		`UPDATE products SET mall = TRUE WHERE shop_id IN (SELECT id FROM shops WHERE badge IN ('mall', 'official'))`,
		`CREATE INDEX products_mall_recent ON products (market, status, id) WHERE mall`,
	)(ctx, tx); err != nil {
		return err
	}
	if tx.Engine() == db.Postgres {
		return SQL(`CREATE INDEX products_search_mall ON products USING GIN (search) WHERE mall`)(ctx, tx)
	}
	return SQL(
		`DROP TRIGGER products_fts_insert`,
		`DROP TRIGGER products_fts_update`,
		`DROP TRIGGER products_fts_delete`,
		`DROP TABLE product_fts`,
		`CREATE VIRTUAL TABLE product_fts USING fts5(title, body, tags, tokenize = 'unicode61 remove_diacritics 2')`,
		`INSERT INTO product_fts (rowid, title, body, tags) SELECT id, title, description, CASE WHEN mall THEN 'mall' ELSE '' END FROM products`,
		`CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
			INSERT INTO product_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.description, CASE WHEN new.mall THEN 'mall' ELSE '' END);
		END`,
		`CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description, mall ON products BEGIN
			DELETE FROM product_fts WHERE rowid = old.id;
			INSERT INTO product_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.description, CASE WHEN new.mall THEN 'mall' ELSE '' END);
		END`,
		`CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
			DELETE FROM product_fts WHERE rowid = old.id;
		END`,
	)(ctx, tx)
}
