package market

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
)

func loadMarkets(ctx context.Context, q db.Querier) (map[string]Market, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, currency, time_zone, languages, launch_state, launch_date FROM markets`)
	if err != nil {
		return nil, fmt.Errorf("market: load markets: %w", err)
	}
	defer rows.Close()
	out := map[string]Market{}
	for rows.Next() {
		var m Market
		var langs string
		if err := rows.Scan(&m.Code, &m.Name, &m.Currency, &m.TimeZone, &langs, &m.LaunchState, &m.LaunchDate); err != nil {
			return nil, err
		}
		m.Languages = strings.Split(langs, ",")
		out[m.Code] = m
	}
	return out, rows.Err()
}

// loadVersions returns every market's policy versions, oldest first. Each document is
// read over the market's seed defaults, so a version stored before a field existed
// reads with that field's default rather than a zero that means something else.
func loadVersions(ctx context.Context, q db.Querier, markets map[string]Market) (map[string][]Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, market, effective_from, document, note, created_by, created_at
		FROM market_policies ORDER BY market, effective_from`)
	if err != nil {
		return nil, fmt.Errorf("market: load policies: %w", err)
	}
	defer rows.Close()
	out := map[string][]Version{}
	for rows.Next() {
		var v Version
		var from, created int64
		var doc string
		if err := rows.Scan(&v.ID, &v.Market, &from, &doc, &v.Note, &v.CreatedBy, &created); err != nil {
			return nil, err
		}
		if m, ok := markets[v.Market]; ok {
			v.Policy = basePolicy(m)
		}
		if err := json.Unmarshal([]byte(doc), &v.Policy); err != nil {
			return nil, fmt.Errorf("market: policy %d of %s is not valid JSON: %w", v.ID, v.Market, err)
		}
		v.EffectiveFrom, v.CreatedAt = db.Time(from), db.Time(created)
		out[v.Market] = append(out[v.Market], v)
	}
	return out, rows.Err()
}

func insertMarket(ctx context.Context, tx *db.Tx, m Market, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO markets (code, name, currency, time_zone, languages, launch_state, launch_date, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING`,
		m.Code, m.Name, m.Currency, m.TimeZone, strings.Join(m.Languages, ","), string(m.LaunchState), m.LaunchDate, db.Micros(now))
	return err
}

func insertVersion(ctx context.Context, tx *db.Tx, v Version) error {
	doc, err := json.Marshal(v.Policy)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO market_policies (id, market, effective_from, document, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.ID, v.Market, db.Micros(v.EffectiveFrom), string(doc), v.Note, v.CreatedBy, db.Micros(v.CreatedAt))
	return err
}

func countVersions(ctx context.Context, tx *db.Tx, market string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM market_policies WHERE market = $1`, market).Scan(&n)
	return n, err
}

func updateLaunch(ctx context.Context, tx *db.Tx, code string, state LaunchState, date string, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE markets SET launch_state = $1, launch_date = $2, updated_at = $3 WHERE code = $4`,
		string(state), date, db.Micros(now), code)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
