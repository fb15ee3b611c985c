package db

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// SQLite in WAL mode appends every commit to the write-ahead log and copies the log
// back into the database file at a checkpoint. Left to itself, SQLite runs that
// checkpoint inside the commit that pushes the log past wal_autocheckpoint pages
// (1,000 by default): on the one writer connection, while every queued transaction
// waits. Measured on the ledger's batching writer (docs/BENCHMARKS.md), those
// checkpoints were about 70% of its commit time and an eighth of all its work.
//
// So liveshop checkpoints from a goroutine of its own, on its own connection, with
// PASSIVE checkpoints, which never take the write lock: the writer goes on
// committing while the log is copied, and the copying (and the fsync of the
// database file it ends with) runs on another core. The writer's own automatic
// checkpoint stays, at a much larger size, as the backstop should this goroutine
// ever fall behind (a reader holding an old snapshot for a long time, say).

const (
	// writerCheckpointPages is the writer's own automatic checkpoint, the backstop:
	// about 64 MiB of log, where SQLite's default is 1,000 pages.
	writerCheckpointPages = 16000
	// checkpointEvery is the most often the checkpointer copies the log back while
	// commits keep coming. Each checkpoint copies a page once however many commits
	// rewrote it meanwhile, so waiting a little saves copying the same hot pages
	// over and over; and the log a reader must search stays short.
	checkpointEvery = 100 * time.Millisecond
)

// checkpointer runs PASSIVE checkpoints of one SQLite database off the writer.
type checkpointer struct {
	conn *sql.DB
	log  *slog.Logger
	// kick says a transaction committed; it holds at most one pending signal.
	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func newCheckpointer(conn *sql.DB, log *slog.Logger) *checkpointer {
	c := &checkpointer{conn: conn, log: log, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.wg.Go(c.loop)
	return c
}

// committed tells the checkpointer the log grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// close stops the checkpointer; closing the database's last connection afterwards
// checkpoints whatever is left.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		c.err = c.conn.Close()
	})
	return c.err
}

func (c *checkpointer) loop() {
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.checkpoint()
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// checkpoint copies into the database file every page of the log that no reader
// still needs from the log. PASSIVE: it waits for nobody and blocks nobody.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var busy, logFrames, copied int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
		c.log.Warn("sqlite checkpoint failed; the writer's own checkpoint is the backstop", "err", err)
	}
}
