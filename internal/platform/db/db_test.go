package db_test

import (
	"context"
	"database/sql"
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

// A read planned for its own values is not prepared and cached on PostgreSQL (where
// a cached statement may settle on one generic plan for every value), as an ordinary
// read is; on both engines it returns the same rows.
func TestQueryPlannedEachIsNotCachedAsAPreparedStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE words (id BIGINT PRIMARY KEY, word TEXT NOT NULL, weight DOUBLE PRECISION NOT NULL, hot BOOLEAN NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 10; i++ {
			if _, err := d.ExecContext(ctx, `INSERT INTO words (id, word, weight, hot) VALUES ($1, $2, $3, $4)`, int64(i), []string{"common", "rare"}[i/10], float64(i)/2, i%2 == 0); err != nil {
				t.Fatal(err)
			}
		}
		const ordinary = `SELECT id FROM words WHERE word = $1 AND weight > $2 AND hot = $3 ORDER BY id LIMIT $4`
		const planned = `SELECT id FROM words WHERE word = $1 AND weight > $2 AND hot = $3 ORDER BY id DESC LIMIT $4`
		for range 6 {
			for _, q := range []struct {
				text string
				run  func(context.Context, string, ...any) (*sql.Rows, error)
				want []int64
			}{{ordinary, d.QueryContext, []int64{2, 4}}, {planned, d.QueryPlannedEach, []int64{8, 6}}} {
				rows, err := q.run(ctx, q.text, "common", 0.5, true, int64(2))
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for rows.Next() {
					var v int64
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					got = append(got, v)
				}
				rows.Close()
				if len(got) != 2 || got[0] != q.want[0] || got[1] != q.want[1] {
					t.Fatalf("%s: %v, want %v", q.text, got, q.want)
				}
			}
		}
		if d.Engine() != db.Postgres {
			return
		}
		count := func(text string) (n int) {
			// Prepared statements are per connection: ask on every connection the pool has open.
			for range 20 {
				var c int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1`, text).Scan(&c); err != nil {
					t.Fatal(err)
				}
				n = max(n, c)
			}
			return n
		}
		if count(ordinary) == 0 {
			t.Fatal("the ordinary read was never prepared: the test does not see pgx's statement cache")
		}
		if n := count(planned); n != 0 {
			t.Fatalf("the read planned for its values is prepared on %d connection(s)", n)
		}
	})
}
