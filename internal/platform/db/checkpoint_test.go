package db_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// The writer no longer checkpoints SQLite's log itself until it is large, so without
// the background checkpointer committed pages would stay in the log and the database
// file would not grow. With it, they reach the file within moments of the commit,
// while the writer never ran a checkpoint.
func TestCheckpointerCopiesTheLogIntoTheDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "liveshop.db")
	before := fileSize(t, file)
	// About 2 MiB in 64 commits: far below the writer's own checkpoint size, so only
	// the background checkpointer can move it into the file.
	body := strings.Repeat("x", 32<<10)
	for i := range 64 {
		if err := d.RunInTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO blobs (id, body) VALUES ($1, $2)`, i, body)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, file) < before+2<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file is %d bytes 10 s after 2 MiB was committed (%d before): the log was not checkpointed", fileSize(t, file), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Readers see everything meanwhile, and the checkpoint lost nothing.
	var n int
	var total int64
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*), SUM(LENGTH(body)) FROM blobs`).Scan(&n, &total); err != nil || n != 64 || total != 64*int64(len(body)) {
		t.Fatalf("read back %d rows, %d bytes, %v", n, total, err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
