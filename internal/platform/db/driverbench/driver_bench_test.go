package driverbench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

const (
	busyTimeoutMS = 5000

	// readerConns matches the read pool liveshop runs next to its single
	// writer; WAL lets these read while the writer commits.
	readerConns = 4

	// Enough orders that point lookups and range scans walk real B-tree
	// pages rather than a single cached leaf, small enough that seeding stays
	// a fraction of the benchmark time.
	seedOrders = 10_000
	seedShops  = 10
	seedSKUs   = 100

	batchRows = 100 // rows per transaction in insert_tx_100
	scanRows  = 100 // LIMIT in range_scan_100
)

// connOpts are the per-connection settings that differ between the writer,
// the readers and the lock probe. Everything else is the same for all of them.
type connOpts struct {
	busyTimeoutMS int
	txlock        string // "" keeps the driver default (deferred)
	queryOnly     bool
}

// candidate is one driver under test. Each driver spells the same settings
// in its own DSN dialect; those spellings are what liveshop would put in its
// config, which is why they are written out here instead of being applied
// through driver-specific connect hooks.
type candidate struct {
	name   string // sub-benchmark name
	driver string // database/sql driver name
	dsn    func(path string, o connOpts) string
}

var candidates = []candidate{
	{
		name:   "modernc",
		driver: "sqlite",
		dsn: func(path string, o connOpts) string {
			// _pragma is the form every modernc release understands; the
			// driver runs busy_timeout first and the rest in lexical order,
			// so journal_mode is set before query_only locks the connection.
			q := []string{
				fmt.Sprintf("_pragma=busy_timeout(%d)", o.busyTimeoutMS),
				"_pragma=journal_mode(WAL)",
				"_pragma=synchronous(NORMAL)",
				"_pragma=foreign_keys(1)",
			}
			if o.queryOnly {
				q = append(q, "_pragma=query_only(1)")
			}
			if o.txlock != "" {
				q = append(q, "_txlock="+o.txlock)
			}
			return "file:" + path + "?" + strings.Join(q, "&")
		},
	},
	{
		name:   "mattn",
		driver: "sqlite3",
		dsn: func(path string, o connOpts) string {
			// mattn defaults busy_timeout to 5000 when it is absent, so it is
			// always written out; the lock probe depends on setting it to 0.
			q := []string{
				"_journal_mode=WAL",
				"_busy_timeout=" + strconv.Itoa(o.busyTimeoutMS),
				"_foreign_keys=on",
				"_synchronous=NORMAL",
			}
			if o.queryOnly {
				q = append(q, "_query_only=1")
			}
			if o.txlock != "" {
				q = append(q, "_txlock="+o.txlock)
			}
			return "file:" + path + "?" + strings.Join(q, "&")
		},
	},
}

// The schema mirrors liveshop's PostgreSQL-compatible DDL. Note that SQLite
// treats "BIGINT PRIMARY KEY" as a separate unique index rather than the
// rowid alias INTEGER PRIMARY KEY would be; that costs both drivers the same
// and is what liveshop's migrations produce.
var schema = []string{
	`CREATE TABLE orders (
		id          BIGINT PRIMARY KEY,
		shop_id     BIGINT NOT NULL,
		buyer_id    BIGINT NOT NULL,
		status      TEXT   NOT NULL,
		total_minor BIGINT NOT NULL,
		currency    TEXT   NOT NULL,
		created_at  BIGINT NOT NULL
	)`,
	`CREATE INDEX orders_shop_created ON orders (shop_id, created_at DESC)`,
	`CREATE TABLE skus (
		id      BIGINT PRIMARY KEY,
		shop_id BIGINT NOT NULL,
		stock   BIGINT NOT NULL
	)`,
	`CREATE TABLE reservations (
		id         BIGINT PRIMARY KEY,
		sku_id     BIGINT NOT NULL REFERENCES skus (id),
		order_id   BIGINT NOT NULL,
		qty        BIGINT NOT NULL,
		created_at BIGINT NOT NULL
	)`,
}

const (
	insertOrderSQL = `INSERT INTO orders
		(id, shop_id, buyer_id, status, total_minor, currency, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`

	// The stock >= 1 guard is how liveshop avoids overselling during a live
	// drop without SELECT ... FOR UPDATE, which SQLite lacks.
	reserveStockSQL = `UPDATE skus SET stock = stock - 1 WHERE id = ? AND stock >= 1`

	insertReservationSQL = `INSERT INTO reservations
		(id, sku_id, order_id, qty, created_at) VALUES (?, ?, ?, ?, ?)`

	pointSelectSQL = `SELECT id, shop_id, buyer_id, status, total_minor, currency, created_at
		FROM orders WHERE id = ?`

	rangeScanSQL = `SELECT id, shop_id, buyer_id, status, total_minor, currency, created_at
		FROM orders WHERE shop_id = ? ORDER BY created_at DESC LIMIT ?`
)

type order struct {
	ID, ShopID, BuyerID int64
	Status              string
	TotalMinor          int64
	Currency            string
	CreatedAt           int64
}

func (o *order) dest() []any {
	return []any{&o.ID, &o.ShopID, &o.BuyerID, &o.Status, &o.TotalMinor, &o.Currency, &o.CreatedAt}
}

// newOrder derives a deterministic order from its id so that every run of
// every driver writes byte-identical rows.
func newOrder(id int64) order {
	return order{
		ID:         id,
		ShopID:     id%seedShops + 1,
		BuyerID:    id*7919%100_000 + 1,
		Status:     "pending",
		TotalMinor: 1_000 + id%50_000,
		Currency:   "EUR",
		CreatedAt:  1_700_000_000_000 + id*1_000,
	}
}

func (o order) args() []any {
	return []any{o.ID, o.ShopID, o.BuyerID, o.Status, o.TotalMinor, o.Currency, o.CreatedAt}
}

func BenchmarkDrivers(b *testing.B) {
	workloads := []struct {
		name string
		fn   func(*testing.B, *env)
	}{
		{"insert_tx_1", benchInsertTx1},
		{"insert_tx_100", benchInsertTx100},
		{"conditional_update", benchConditionalUpdate},
		{"point_select", benchPointSelect},
		{"range_scan_100", benchRangeScan100},
	}
	for _, c := range candidates {
		b.Run(c.name, func(b *testing.B) {
			for _, w := range workloads {
				b.Run(w.name, func(b *testing.B) {
					w.fn(b, openEnv(b, c))
				})
			}
		})
	}
}

// env is one freshly seeded database, opened the way liveshop opens it.
type env struct {
	writer *sql.DB
	reader *sql.DB
	nextID atomic.Int64 // ids for new rows, above the seeded range
}

func openEnv(b *testing.B, c candidate) *env {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "liveshop.db")

	writer := openDB(b, c, path, connOpts{busyTimeoutMS: busyTimeoutMS, txlock: "immediate"})
	// SQLite allows one writer at a time; funnelling writes through a single
	// connection queues them in Go instead of in busy_timeout retries.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)

	for _, stmt := range schema {
		if _, err := writer.ExecContext(ctx, stmt); err != nil {
			b.Fatalf("schema: %v", err)
		}
	}
	if err := seed(ctx, writer); err != nil {
		b.Fatalf("seed: %v", err)
	}
	// Start every workload from the same on-disk state: all pages in the main
	// file and an empty WAL, whatever the auto-checkpoint happened to do.
	if _, err := writer.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatalf("checkpoint: %v", err)
	}

	reader := openDB(b, c, path, connOpts{busyTimeoutMS: busyTimeoutMS, queryOnly: true})
	reader.SetMaxOpenConns(readerConns)
	// database/sql keeps only 2 idle connections by default, which would
	// make a 4-connection pool close and reopen connections (re-running all
	// the pragmas) on every burst.
	reader.SetMaxIdleConns(readerConns)

	common := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "1", // NORMAL
		"foreign_keys": "1",
		"busy_timeout": strconv.Itoa(busyTimeoutMS),
	}
	if err := verifyPragmas(ctx, writer, 1, with(common, "query_only", "0")); err != nil {
		b.Fatalf("writer: %v", err)
	}
	if err := verifyPragmas(ctx, reader, readerConns, with(common, "query_only", "1")); err != nil {
		b.Fatalf("reader: %v", err)
	}
	if err := verifyImmediateTx(ctx, c, path, writer); err != nil {
		b.Fatalf("writer: %v", err)
	}

	e := &env{writer: writer, reader: reader}
	e.nextID.Store(seedOrders + 1)
	return e
}

func openDB(b *testing.B, c candidate, path string, o connOpts) *sql.DB {
	b.Helper()
	db, err := sql.Open(c.driver, c.dsn(path, o))
	if err == nil {
		err = db.PingContext(context.Background())
	}
	if err != nil {
		// mattn/go-sqlite3 still compiles without cgo but only as a stub
		// that fails on open; skip rather than fail so CGO_ENABLED=0 runs
		// still measure modernc.
		if strings.Contains(err.Error(), "CGO_ENABLED=0") {
			b.Skipf("%s needs cgo: %v", c.name, err)
		}
		b.Fatalf("open %s: %v", c.name, err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func with(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

// verifyPragmas holds n connections of db at once, so that each check runs
// on a distinct connection, and compares every pragma with want. Pragmas
// such as synchronous and foreign_keys are per connection, so checking one
// connection of a pool proves nothing about the others.
func verifyPragmas(ctx context.Context, db *sql.DB, n int, want map[string]string) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		for name, wantVal := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				return fmt.Errorf("conn %d: PRAGMA %s: %w", i, name, err)
			}
			if !strings.EqualFold(got, wantVal) {
				return fmt.Errorf("conn %d: PRAGMA %s = %q, want %q", i, name, got, wantVal)
			}
		}
	}
	return nil
}

// verifyImmediateTx checks that a transaction on the writer takes SQLite's
// write lock at BEGIN. There is no pragma that reports the begin mode, so it
// is observed: while an empty writer transaction is open, a second
// connection with no busy timeout must fail to start its own write
// transaction. With a deferred BEGIN the empty transaction holds no lock and
// the probe would succeed.
func verifyImmediateTx(ctx context.Context, c candidate, path string, writer *sql.DB) error {
	tx, err := writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	probe, err := sql.Open(c.driver, c.dsn(path, connOpts{busyTimeoutMS: 0}))
	if err != nil {
		return err
	}
	defer probe.Close()
	// Pin one connection so the ROLLBACK below reaches the same connection
	// as the BEGIN.
	pc, err := probe.Conn(ctx)
	if err != nil {
		return err
	}
	defer pc.Close()

	_, err = pc.ExecContext(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		_, _ = pc.ExecContext(ctx, "ROLLBACK")
		return errors.New("BeginTx did not take the write lock: _txlock=immediate was ignored")
	}
	if !strings.Contains(strings.ToLower(err.Error()), "locked") {
		return fmt.Errorf("lock probe: unexpected error: %w", err)
	}
	return nil
}

func seed(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, insertOrderSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	for id := int64(1); id <= seedOrders; id++ {
		if _, err := ins.ExecContext(ctx, newOrder(id).args()...); err != nil {
			return err
		}
	}
	for id := int64(1); id <= seedSKUs; id++ {
		// Stock large enough that the conditional update never runs dry,
		// so every iteration does the same work.
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO skus (id, shop_id, stock) VALUES (?, ?, ?)`,
			id, id%seedShops+1, int64(1)<<40); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// reportRows adds a per-row view next to ns/op, so workloads that touch a
// different number of rows per operation can be compared directly. ns/row
// is left out where it would only repeat ns/op.
func reportRows(b *testing.B, rowsPerOp int) {
	rows := float64(b.N) * float64(rowsPerOp)
	if rows == 0 || b.Elapsed() == 0 {
		return
	}
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	if rowsPerOp > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
	}
}

// insert_tx_1: one order per transaction, as when a single checkout commits
// on its own. Each commit is a WAL append; with synchronous=NORMAL it is
// fsynced only at checkpoints, but it is still the most per-row work.
func benchInsertTx1(b *testing.B, e *env) {
	ctx := context.Background()
	for b.Loop() {
		err := inTx(ctx, e.writer, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, insertOrderSQL, newOrder(e.nextID.Add(1)).args()...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, 1)
}

// insert_tx_100: the group-commit path, where liveshop's writer drains up
// to batchRows queued writes into one transaction. The statement is
// prepared once per transaction, as the writer loop does.
func benchInsertTx100(b *testing.B, e *env) {
	ctx := context.Background()
	for b.Loop() {
		err := inTx(ctx, e.writer, func(tx *sql.Tx) error {
			ins, err := tx.PrepareContext(ctx, insertOrderSQL)
			if err != nil {
				return err
			}
			defer ins.Close()
			for range batchRows {
				if _, err := ins.ExecContext(ctx, newOrder(e.nextID.Add(1)).args()...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, batchRows)
}

// conditional_update: a stock reservation, the hottest write during a live
// drop. The guarded decrement and the reservation row (with its foreign key
// checked) commit together or not at all.
func benchConditionalUpdate(b *testing.B, e *env) {
	ctx := context.Background()
	var sku int64
	for b.Loop() {
		sku = sku%seedSKUs + 1
		err := inTx(ctx, e.writer, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, reserveStockSQL, sku)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return fmt.Errorf("sku %d: reserved %d rows, want 1", sku, n)
			}
			id := e.nextID.Add(1)
			_, err = tx.ExecContext(ctx, insertReservationSQL, id, sku, id, 1, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, 1)
}

// point_select: fetching one order by id, as the order page and webhooks
// do, from several goroutines at once through the reader pool.
func benchPointSelect(b *testing.B, e *env) {
	ctx := context.Background()
	setReaderParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var o order
		for pb.Next() {
			id := rand.Int64N(seedOrders) + 1
			if err := e.reader.QueryRowContext(ctx, pointSelectSQL, id).Scan(o.dest()...); err != nil {
				b.Errorf("point select %d: %v", id, err)
				return
			}
			if o.ID != id {
				b.Errorf("point select %d: got order %d", id, o.ID)
				return
			}
		}
	})
	reportRows(b, 1)
}

// range_scan_100: a shop's most recent orders, the seller dashboard query,
// which is dominated by per-row scanning rather than per-query overhead.
func benchRangeScan100(b *testing.B, e *env) {
	ctx := context.Background()
	setReaderParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var o order
		for pb.Next() {
			shop := rand.Int64N(seedShops) + 1
			n, err := scanRecent(ctx, e.reader, shop, &o)
			if err != nil {
				b.Errorf("range scan shop %d: %v", shop, err)
				return
			}
			if n != scanRows {
				b.Errorf("range scan shop %d: got %d rows, want %d", shop, n, scanRows)
				return
			}
		}
	})
	reportRows(b, scanRows)
}

func scanRecent(ctx context.Context, db *sql.DB, shop int64, o *order) (int, error) {
	rows, err := db.QueryContext(ctx, rangeScanSQL, shop, scanRows)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(o.dest()...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// setReaderParallelism runs at least as many goroutines as there are reader
// connections, so that on a small machine (GOMAXPROCS=2) the pool is kept
// full instead of half of it idling.
func setReaderParallelism(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((readerConns + procs - 1) / procs)
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
