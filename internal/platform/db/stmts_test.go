package db

import (
	"context"
	"testing"
)

// A statement first run inside a transaction is prepared before the next one and
// reused from then on; a statement that fails to prepare still reports its error.
func TestSQLiteStatementsArePreparedOnceAndReused(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO t (id, v) VALUES ($1, $2)`
	for i := 1; i <= 3; i++ {
		if err := d.RunInTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, insert, i, "x")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if prepared := d.wstmts.get(rebind(SQLite, insert)) != nil; prepared != (i > 1) {
			t.Fatalf("after transaction %d prepared=%v", i, prepared)
		}
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE v = $1`, "x").Scan(&n); err != nil || n != 3 {
		t.Fatalf("count %d %v", n, err)
	}
	if err := d.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`)
		return err
	}); err == nil {
		t.Fatal("a bad statement succeeded")
	}
	if err := d.RunInTx(ctx, func(tx *Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if d.wstmts.get(`INSERT INTO nowhere VALUES (1)`) != nil {
		t.Fatal("a statement that cannot prepare was cached")
	}
}
