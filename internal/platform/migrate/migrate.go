// Package migrate brings a liveshop database to the current schema by applying
// numbered steps in order, each in its own transaction, and records which ran.
//
// Steps are append-only: once a step has shipped it is never edited; a change is a
// new step. The same steps run on SQLite and PostgreSQL; a step that must differ per
// engine branches on tx.Engine().
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// Step is one schema change.
type Step struct {
	Version int
	Name    string
	Up      func(ctx context.Context, tx *db.Tx) error
}

// SQL returns an Up function that runs the statements in order.
func SQL(stmts ...string) func(context.Context, *db.Tx) error {
	return func(ctx context.Context, tx *db.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%w\nin: %s", err, s)
			}
		}
		return nil
	}
}

// lockKey serialises migrations across nodes sharing a PostgreSQL database.
const lockKey = 7_246_150_001

// Run applies every step the database has not seen, oldest first, and returns how
// many it applied. It is safe to run from several processes at once.
func Run(ctx context.Context, d *db.DB, log *slog.Logger) (int, error) {
	return run(ctx, d, log, Steps)
}

func run(ctx context.Context, d *db.DB, log *slog.Logger, steps []Step) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkOrder(steps); err != nil {
		return 0, err
	}
	if err := ensureTable(ctx, d); err != nil {
		return 0, err
	}
	applied := 0
	for _, s := range steps {
		ran := false
		err := d.RunInTx(ctx, func(tx *db.Tx) error {
			if tx.Engine() == db.Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, s.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			start := time.Now()
			if err := s.Up(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				s.Version, s.Name, db.Micros(time.Now())); err != nil {
				return err
			}
			ran = true
			log.Info("migration applied", "version", s.Version, "name", s.Name, "took", time.Since(start).Round(time.Millisecond))
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migrate: step %d (%s): %w", s.Version, s.Name, err)
		}
		if ran {
			applied++
		}
	}
	return applied, nil
}

func ensureTable(ctx context.Context, d *db.DB) error {
	if _, err := d.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	return nil
}

// Version returns the highest applied step, 0 for an empty database.
func Version(ctx context.Context, d *db.DB) (int, error) {
	if err := ensureTable(ctx, d); err != nil {
		return 0, err
	}
	var v sql.NullInt64
	if err := d.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("migrate: read version: %w", err)
	}
	return int(v.Int64), nil
}

// Latest is the version the code expects.
func Latest() int { return Steps[len(Steps)-1].Version }

// checkOrder requires versions to be unique and increasing. Gaps are allowed: each
// area of the schema numbers its steps in its own range (see steps.go), so work on
// different areas never competes for the same number.
func checkOrder(steps []Step) error {
	for i, s := range steps {
		if s.Version <= 0 || (i > 0 && s.Version <= steps[i-1].Version) {
			return fmt.Errorf("migrate: step %q has version %d: versions must be positive and increase through Steps", s.Name, s.Version)
		}
	}
	return nil
}
