package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

func TestRebindSkipsQuotedText(t *testing.T) {
	// The SQLite rewrite is internal; observe it through a query whose literal holds a '$1'.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var lit string
		var n int64
		err := d.QueryRowContext(context.Background(), `SELECT '$1 costs', CAST($2 AS BIGINT) - CAST($1 AS BIGINT)`, int64(2), int64(44)).Scan(&lit, &n)
		if err != nil || lit != "$1 costs" || n != 42 {
			t.Fatalf("got %q %d %v", lit, n, err)
		}
	})
}

func TestRunInTxCommitsRollsBackAndRunsAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL CHECK (v >= 0))`); err != nil {
			t.Fatal(err)
		}
		committed := 0
		err := d.RunInTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { committed++ })
			_, err := tx.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ($1, $2)`, "a", 1)
			return err
		})
		if err != nil || committed != 1 {
			t.Fatalf("commit: %v, afterCommit ran %d times", err, committed)
		}
		boom := errors.New("boom")
		err = d.RunInTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { committed++ })
			if _, err := tx.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ($1, $2)`, "b", 2); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || committed != 1 {
			t.Fatalf("rollback: %v, afterCommit ran %d times", err, committed)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM kv`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows after rollback = %d, %v", n, err)
		}
		// Constraint errors are classified the same way on both engines.
		_, err = d.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES ($1, $2)`, "a", 5)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate key: %v not a unique violation", err)
		}
		_, err = d.ExecContext(ctx, `UPDATE kv SET v = v - 5 WHERE k = $1`, "a")
		if !db.IsCheckViolation(err) {
			t.Fatalf("negative value: %v not a check violation", err)
		}
	})
}

func TestConcurrentConditionalDecrementNeverGoesNegative(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE stock (id BIGINT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO stock (id, n) VALUES (1, 25)`); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		won := 0
		var wg sync.WaitGroup
		for i := 0; i < 60; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.RunInTx(ctx, func(tx *db.Tx) error {
					res, err := tx.ExecContext(ctx, `UPDATE stock SET n = n - 1 WHERE id = 1 AND n >= 1`)
					if err != nil {
						return err
					}
					if k, _ := res.RowsAffected(); k == 1 {
						mu.Lock()
						won++
						mu.Unlock()
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var n int64
		if err := d.QueryRowContext(ctx, `SELECT n FROM stock WHERE id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if won != 25 || n != 0 {
			t.Fatalf("won %d units, %d left; want 25 and 0", won, n)
		}
	})
}

func TestTimesRoundTripAsMicros(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 30, 0, 123456000, time.UTC)
	if got := db.Time(db.Micros(at)); !got.Equal(at) {
		t.Fatalf("round trip %v -> %v", at, got)
	}
	if db.Micros(time.Time{}) != 0 || !db.Time(0).IsZero() {
		t.Fatal("zero time must map to 0 and back")
	}
}
