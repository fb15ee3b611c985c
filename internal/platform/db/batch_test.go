package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

// Hundreds of concurrent transactions through the batcher: every successful one is
// committed, every failed one (refused, or panicking) leaves nothing, and after-commit
// hooks run for the committed ones only. Stock never goes below zero.
func TestBatcherCommitsTogetherAndFailsAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{`CREATE TABLE stock (id BIGINT PRIMARY KEY, n BIGINT NOT NULL CHECK (n >= 0))`,
			`CREATE TABLE sales (id BIGINT PRIMARY KEY, note TEXT NOT NULL)`, `INSERT INTO stock (id, n) VALUES (1, 120)`} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		b := db.NewBatcher(d, 2, 64)
		defer b.Close()
		errSoldOut := errors.New("sold out")
		var ok, soldOut, panicked, hooks atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 300; i++ {
			wg.Go(func() {
				err := b.RunInTx(ctx, func(tx *db.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO sales (id, note) VALUES ($1, 'sale')`, i); err != nil {
						return err
					}
					if i%50 == 7 {
						panic("bug in one job") // its insert above must not survive
					}
					res, err := tx.ExecContext(ctx, `UPDATE stock SET n = n - 1 WHERE id = 1 AND n >= 1`)
					if err != nil {
						return err
					}
					if n, _ := res.RowsAffected(); n == 0 {
						return errSoldOut // its insert above must not survive either
					}
					tx.AfterCommit(func() { hooks.Add(1) })
					return nil
				})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, errSoldOut):
					soldOut.Add(1)
				case err != nil && i%50 == 7:
					panicked.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var left, sales int64
		d.QueryRowContext(ctx, `SELECT n FROM stock`).Scan(&left)
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales`).Scan(&sales)
		if ok.Load() != 120 || left != 0 || sales != 120 || hooks.Load() != 120 || panicked.Load() != 6 || soldOut.Load() != 174 {
			t.Fatalf("ok %d soldOut %d panicked %d; stock %d, sales rows %d, hooks %d", ok.Load(), soldOut.Load(), panicked.Load(), left, sales, hooks.Load())
		}
	})
}

func TestBatcherAfterClose(t *testing.T) {
	d := dbtest.SQLite(t)
	b := db.NewBatcher(d, 1, 8)
	b.Close()
	if err := b.RunInTx(context.Background(), func(*db.Tx) error { return nil }); !errors.Is(err, db.ErrBatcherClosed) {
		t.Fatalf("after close: %v", err)
	}
}
