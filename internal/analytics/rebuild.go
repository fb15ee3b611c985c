package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The rollups are derived data: facts are the record. Rebuild recomputes every rollup
// from the facts with SQL generated from rollupPlan (the same plan the consumer
// applies incrementally), and Check compares what is stored with that recomputation,
// so a bug in either shows as a difference.

// expectedRollupsSQL selects every rollup row as the facts define it.
func expectedRollupsSQL() string {
	parts := make([]string, 0, len(rollupPlan))
	for _, p := range rollupPlan {
		where := ""
		if p.dim.sqlWhere != "" {
			where = " WHERE " + p.dim.sqlWhere
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS grain, '%s' AS dim, %s AS ref, market, %s AS period, MIN(currency) AS currency,
			CAST(SUM(amount) AS BIGINT) AS gmv, CAST(SUM(COALESCE(amount_usd, 0)) AS BIGINT) AS gmv_usd,
			COUNT(DISTINCT CASE WHEN kind = 'paid' THEN event_id END) - COUNT(DISTINCT CASE WHEN kind = 'cancelled' THEN event_id END) AS orders,
			CAST(SUM(units) AS BIGINT) AS units
			FROM gmv_facts%s GROUP BY %s, market, %s`, p.grain.name, p.dim.name, p.dim.sqlRef, p.grain.sqlPeriod, where, p.dim.sqlRef, p.grain.sqlPeriod))
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// expectedSessionsSQL selects every live session's sums as the facts define them.
const expectedSessionsSQL = `SELECT live_session_id AS session_id, MIN(market) AS market, MIN(currency) AS currency,
	MAX(creator_id) AS creator_id, MAX(CASE WHEN creator_id = 0 THEN shop_id ELSE 0 END) AS shop_id,
	SUBSTR(MIN(local_hour), 1, 10) AS day, MIN(at) AS first_sale_at, MAX(at) AS last_sale_at,
	CAST(SUM(amount) AS BIGINT) AS gmv, CAST(SUM(COALESCE(amount_usd, 0)) AS BIGINT) AS gmv_usd,
	COUNT(DISTINCT CASE WHEN kind = 'paid' THEN event_id END) - COUNT(DISTINCT CASE WHEN kind = 'cancelled' THEN event_id END) AS orders,
	CAST(SUM(units) AS BIGINT) AS units
	FROM gmv_facts WHERE live_session_id <> 0 GROUP BY live_session_id`

const rollupCompareColumns = `grain, dim, ref, market, period, gmv, gmv_usd, orders, units`

const sessionCompareColumns = `session_id, gmv, gmv_usd, orders, units, first_sale_at, last_sale_at`

// RebuildResult is what a check or a rebuild found.
type RebuildResult struct {
	Facts    int64 `json:"facts"`
	Rows     int64 `json:"rows"`     // rollup rows the facts define
	Sessions int64 `json:"sessions"` // live sessions with facts
	// Differences counts stored rows (rollups and sessions) that disagreed with the
	// facts, before a rebuild put them right; Examples shows a few.
	Differences int64         `json:"differences"`
	Examples    []string      `json:"examples,omitempty"`
	Rebuilt     bool          `json:"rebuilt"`
	Took        time.Duration `json:"took_ns"`
}

// Check compares the stored rollups with a recomputation from the facts, changing
// nothing. Callers check the actor (it is also the `liveshop analytics rebuild
// --check` command, where the operator is whoever runs the binary).
func (s *Service) Check(ctx context.Context) (RebuildResult, error) {
	start := time.Now()
	var r RebuildResult
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if err := compare(ctx, tx, &r); err != nil {
			return err
		}
		return dropExpected(ctx, tx)
	})
	r.Took = time.Since(start)
	return r, err
}

// Rebuild recomputes every rollup from the facts and reports what differed before.
// On PostgreSQL the rollup tables are locked for the transaction, so a consumer
// recording an event waits and then adds its event to the rebuilt rows; on SQLite the
// single writer already orders them.
func (s *Service) Rebuild(ctx context.Context) (RebuildResult, error) {
	start := time.Now()
	var r RebuildResult
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if tx.Engine() == db.Postgres {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE gmv_rollups, gmv_sessions IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		if err := compare(ctx, tx, &r); err != nil {
			return err
		}
		stmts := []string{
			`DELETE FROM gmv_rollups`,
			`INSERT INTO gmv_rollups (grain, dim, ref, market, period, currency, gmv, gmv_usd, orders, units)
				SELECT grain, dim, ref, market, period, currency, gmv, gmv_usd, orders, units FROM expected_rollups`,
			// Sessions keep what live events said (title, host, times); only their sums
			// are recomputed.
			`UPDATE gmv_sessions SET gmv = 0, gmv_usd = 0, orders = 0, units = 0, first_sale_at = 0, last_sale_at = 0`,
			`INSERT INTO gmv_sessions (session_id, market, currency, creator_id, shop_id, day, first_sale_at, last_sale_at, gmv, gmv_usd, orders, units)
				SELECT session_id, market, currency, creator_id, shop_id, day, first_sale_at, last_sale_at, gmv, gmv_usd, orders, units
				FROM expected_sessions x WHERE true
				ON CONFLICT (session_id) DO UPDATE SET gmv = excluded.gmv, gmv_usd = excluded.gmv_usd, orders = excluded.orders,
					units = excluded.units, first_sale_at = excluded.first_sale_at, last_sale_at = excluded.last_sale_at,
					day = CASE WHEN gmv_sessions.started_at = 0 THEN excluded.day ELSE gmv_sessions.day END`,
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("analytics: rebuild: %w", err)
			}
		}
		return dropExpected(ctx, tx)
	})
	r.Rebuilt, r.Took = err == nil, time.Since(start)
	if err == nil {
		s.log.Info("analytics rollups rebuilt", "facts", r.Facts, "rows", r.Rows, "sessions", r.Sessions, "differences", r.Differences, "took", r.Took)
	}
	return r, err
}

// compare recomputes the rollups from the facts once, into temporary tables
// (expected_rollups, expected_sessions) that Rebuild copies from, and counts the
// stored rows that differ from them in either direction.
func compare(ctx context.Context, tx *db.Tx, r *RebuildResult) error {
	if err := dropExpected(ctx, tx); err != nil {
		return err
	}
	for _, q := range []string{
		`CREATE TEMPORARY TABLE expected_rollups AS ` + expectedRollupsSQL(),
		`CREATE TEMPORARY TABLE expected_sessions AS ` + expectedSessionsSQL,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("analytics: recompute rollups: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM gmv_facts), (SELECT COUNT(*) FROM expected_rollups), (SELECT COUNT(*) FROM expected_sessions)`).
		Scan(&r.Facts, &r.Rows, &r.Sessions); err != nil {
		return err
	}
	diffs := []struct{ label, query string }{
		{"rollup row missing or different", `SELECT ` + rollupCompareColumns + ` FROM expected_rollups EXCEPT SELECT ` + rollupCompareColumns + ` FROM gmv_rollups`},
		{"rollup row not backed by facts", `SELECT ` + rollupCompareColumns + ` FROM gmv_rollups EXCEPT SELECT ` + rollupCompareColumns + ` FROM expected_rollups`},
		{"session missing or different", `SELECT ` + sessionCompareColumns + ` FROM expected_sessions EXCEPT SELECT ` + sessionCompareColumns + ` FROM gmv_sessions`},
		{"session not backed by facts", `SELECT ` + sessionCompareColumns + ` FROM gmv_sessions WHERE first_sale_at <> 0 EXCEPT SELECT ` + sessionCompareColumns + ` FROM expected_sessions`},
	}
	for _, d := range diffs {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+d.query+`) x`).Scan(&n); err != nil {
			return fmt.Errorf("analytics: compare: %w", err)
		}
		r.Differences += n
		if n == 0 || len(r.Examples) >= 10 {
			continue
		}
		rows, err := tx.QueryContext(ctx, d.query+` LIMIT 5`)
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			var b strings.Builder
			b.WriteString(d.label + ":")
			for i, c := range cols {
				fmt.Fprintf(&b, " %s=%v", c, printable(vals[i]))
			}
			r.Examples = append(r.Examples, b.String())
		}
		rows.Close()
	}
	return nil
}

// dropExpected removes the temporary tables compare made; a transaction may run
// compare more than once, and a pooled connection outlives it.
func dropExpected(ctx context.Context, tx *db.Tx) error {
	schema := "temp." // named, so only ever a temporary table is dropped
	if tx.Engine() == db.Postgres {
		schema = "pg_temp."
	}
	for _, t := range []string{"expected_rollups", "expected_sessions"} {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+schema+t); err != nil {
			return err
		}
	}
	return nil
}

func printable(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// Prepare readies facts recorded before the FX table, local hours and categories
// existed (a database from before this version): it fills those in, then rebuilds
// the rollups from the facts. With nothing to do it costs three small queries, so it
// runs at start.
func (s *Service) Prepare(ctx context.Context) error {
	var legacy, rollups, facts int64
	categorised, err := s.backfillCategories(ctx)
	if err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM gmv_facts WHERE local_hour = '' OR amount_usd IS NULL LIMIT 1) x`).Scan(&legacy); err != nil {
		return fmt.Errorf("analytics: prepare: %w", err)
	}
	if legacy == 0 && categorised == 0 {
		if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM gmv_rollups LIMIT 1) r), (SELECT COUNT(*) FROM (SELECT 1 FROM gmv_facts LIMIT 1) f)`).
			Scan(&rollups, &facts); err != nil {
			return fmt.Errorf("analytics: prepare: %w", err)
		}
		if rollups > 0 || facts == 0 {
			return nil
		}
	}
	rates, err := s.FX.Rates(ctx)
	if err != nil {
		return err
	}
	markets := map[string]market.Market{}
	for {
		type legacyFact struct {
			id       id.ID
			market   string
			currency string
			amount   int64
			at       int64
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, market, currency, amount, at FROM gmv_facts WHERE local_hour = '' OR amount_usd IS NULL LIMIT 1000`)
		if err != nil {
			return err
		}
		var batch []legacyFact
		for rows.Next() {
			var f legacyFact
			if err := rows.Scan(&f.id, &f.market, &f.currency, &f.amount, &f.at); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
			for _, f := range batch {
				m, ok := markets[f.market]
				if !ok {
					if m, err = s.Markets.Market(ctx, f.market); err != nil {
						return err
					}
					markets[f.market] = m
				}
				at := db.Time(f.at)
				usd, err := rates.ToUSD(money.New(f.amount, f.currency), at)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE gmv_facts SET local_hour = $1, amount_usd = $2 WHERE id = $3`,
					at.In(m.Location()).Format("2006-01-02T15"), usd.Amount, f.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("analytics: fill in legacy facts: %w", err)
		}
	}
	_, err = s.Rebuild(ctx)
	return err
}
