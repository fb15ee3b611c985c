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
