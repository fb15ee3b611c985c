// Package db opens liveshop's database, SQLite embedded by default or PostgreSQL in
// production, behind one small type, and hides the few places where the two differ:
// placeholders, row locks, error codes and connection pooling.
//
// Queries are written once, in PostgreSQL's $1 placeholder style; on SQLite they are
// rewritten to the equivalent ?1 form. Times are stored as BIGINT microseconds since
// the Unix epoch in UTC and money as BIGINT minor units, so the same SQL compares and
// sums them on both engines.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options says which database to open.
type Options struct {
	// URL is a postgres:// or postgresql:// URL, or empty for SQLite.
	URL string
	// DataDir holds the SQLite file (liveshop.db) when URL is empty.
	DataDir string
	// MaxConns caps PostgreSQL connections and the SQLite reader pool; 0 picks a default.
	MaxConns int
	Logger   *slog.Logger
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	engine Engine
	// write takes every transaction. On SQLite it holds exactly one connection: SQLite
	// admits one writer at a time, and queueing writers in Go is cheaper and fairer than
	// letting them spin on SQLITE_BUSY. On PostgreSQL it is the same pool as read.
	write *sql.DB
	read  *sql.DB
	// Prepared statements of each pool, SQLite only (see stmtCache).
	wstmts, rstmts *stmtCache
	desc           string
	path           string // the SQLite file
	log            *slog.Logger
	// ckpt copies SQLite's write-ahead log back into the database file off the
	// writer (checkpoint.go); nil on PostgreSQL.
	ckpt *checkpointer
}

// Open connects to the database described by opts and checks that it answers.
func Open(ctx context.Context, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var d *DB
	var err error
	switch {
	case strings.HasPrefix(opts.URL, "postgres://"), strings.HasPrefix(opts.URL, "postgresql://"):
		d, err = openPostgres(opts)
	case opts.URL == "":
		d, err = openSQLite(opts)
	default:
		return nil, fmt.Errorf("db: unsupported database URL %q: want postgres://... or none for SQLite", redact(opts.URL))
	}
	if err != nil {
		return nil, err
	}
	d.log = log
	if d.engine == SQLite {
		if d.ckpt, err = d.startCheckpointer(); err != nil {
			d.Close()
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Ping(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: %s does not answer: %w", d.desc, err)
	}
	return d, nil
}

func openSQLite(opts Options) (*DB, error) {
	dir := opts.DataDir
	if dir == "" {
		dir = "liveshop-data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("db: create data directory: %w", err)
	}
	path := filepath.Join(dir, "liveshop.db")
	w, err := sql.Open(sqliteDriver, sqliteDSN(path, sqliteWriter))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open(sqliteDriver, sqliteDSN(path, sqliteReader))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{engine: SQLite, write: w, read: r, wstmts: newStmtCache(w), rstmts: newStmtCache(r), desc: "sqlite " + path, path: path}, nil
}

// startCheckpointer opens the checkpointer's own connection.
func (d *DB) startCheckpointer() (*checkpointer, error) {
	c, err := sql.Open(sqliteDriver, sqliteDSN(d.path, sqliteCheckpointer))
	if err != nil {
		return nil, err
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	return newCheckpointer(c, d.log), nil
}

func openPostgres(opts Options) (*DB, error) {
	p, err := sql.Open("pgx", opts.URL)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{engine: Postgres, write: p, read: p, desc: "postgres " + redact(opts.URL)}, nil
}

// redact hides a password in a database URL so it can be logged.
func redact(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	creds := u[scheme+3 : at]
	if user, _, ok := strings.Cut(creds, ":"); ok {
		return u[:scheme+3] + user + ":xxxxx" + u[at:]
	}
	return u
}

// Engine reports which engine this is.
func (d *DB) Engine() Engine { return d.engine }

// String describes the database for logs, without secrets.
func (d *DB) String() string { return d.desc }

// Ping checks that the database answers a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes every connection.
func (d *DB) Close() error {
	var err error
	if d.ckpt != nil {
		err = d.ckpt.close()
	}
	d.wstmts.close()
	d.rstmts.close()
	err = errors.Join(err, d.write.Close())
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Stats returns pool statistics for the writer and reader pools (the same on PostgreSQL).
func (d *DB) Stats() (write, read sql.DBStats) { return d.write.Stats(), d.read.Stats() }

// Querier runs queries. Both *DB (outside a transaction) and *Tx implement it, so a
// store method can be called either way.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Engine() Engine
}

// ExecContext runs a statement outside any transaction, on the writer.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := d.rebind(query)
	if d.ckpt != nil {
		defer d.ckpt.committed()
	}
	if st := d.wstmts.prepare(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.write.ExecContext(ctx, q, args...)
}

// QueryContext runs a read outside any transaction, on the reader pool.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := d.rebind(query)
	if st := d.rstmts.prepare(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.read.QueryContext(ctx, q, args...)
}

// QueryPlannedEach is QueryContext for a read whose best plan depends on its
// arguments (a search whose word may be in one product or in half of them): on
// PostgreSQL it is sent unprepared, so the planner plans it for these values instead
// of settling, after a few runs, on one generic plan for every value (pgx otherwise
// prepares and caches each statement, and PostgreSQL then may choose a generic plan).
// SQLite plans every statement without looking at its values, so nothing changes there.
func (d *DB) QueryPlannedEach(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.engine != Postgres {
		return d.QueryContext(ctx, query, args...)
	}
	return d.read.QueryContext(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// QueryRowContext runs a single-row read outside any transaction, on the reader pool.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q := d.rebind(query)
	if st := d.rstmts.prepare(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.read.QueryRowContext(ctx, q, args...)
}

// ForUpdate returns the row-lock clause for SELECTs of rows about to change in the
// same transaction: " FOR UPDATE" on PostgreSQL, nothing on SQLite, where the single
// writer already excludes every other writer.
func ForUpdate(q Querier) string {
	if q.Engine() == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// ForShare returns the shared row-lock clause for SELECTs of rows another
// transaction must not change until this one commits (" FOR SHARE" on PostgreSQL,
// nothing on SQLite, whose single writer already excludes every other writer).
func ForShare(q Querier) string {
	if q.Engine() == Postgres {
		return " FOR SHARE"
	}
	return ""
}

// Tx is a transaction begun by RunInTx.
type Tx struct {
	tx          *sql.Tx
	engine      Engine
	stmts       *stmtCache
	afterCommit []func()
}

// Engine reports the engine of the transaction's database.
func (t *Tx) Engine() Engine { return t.engine }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := rebind(t.engine, query)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	t.stmts.want(q)
	return t.tx.ExecContext(ctx, q, args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := rebind(t.engine, query)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	t.stmts.want(q)
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q := rebind(t.engine, query)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	t.stmts.want(q)
	return t.tx.QueryRowContext(ctx, q, args...)
}

// PrepareContext prepares a statement for repeated use within the transaction.
func (t *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, rebind(t.engine, query))
}

// AfterCommit registers fn to run once the transaction has committed (never if it
// rolls back). Use it to wake whatever acts on the rows just written, such as the
// outbox relay.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// RunInTx runs fn in a transaction and commits if fn returns nil, otherwise rolls back
// and returns fn's error. On PostgreSQL a serialization failure or deadlock restarts fn
// (up to five times), so fn must do nothing outside the transaction that it cannot
// repeat. A panic in fn rolls back and propagates.
func (d *DB) RunInTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := d.runOnce(ctx, fn)
		if err == nil || d.engine != Postgres || attempt == 5 || !isRetryable(err) {
			return err
		}
		d.log.Debug("retrying transaction", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 2 * time.Millisecond):
		}
	}
}

func (d *DB) runOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	d.wstmts.prepareWanted(ctx)
	sqlTx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, engine: d.engine, stmts: d.wstmts}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			d.log.Warn("rollback failed", "err", rbErr)
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	if d.ckpt != nil {
		d.ckpt.committed()
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// rebind rewrites $N placeholders for the engine; see the package doc.
func (d *DB) rebind(q string) string { return rebind(d.engine, q) }

var rebound sync.Map // query text -> SQLite form; queries are constants, so this stays small

func rebind(e Engine, q string) string {
	if e != SQLite || !strings.Contains(q, "$") {
		return q
	}
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	out := toSQLitePlaceholders(q)
	rebound.Store(q, out)
	return out
}

// toSQLitePlaceholders turns $1 into ?1 outside quoted strings and identifiers. SQLite
// binds ?NNN to exactly the NNNth argument, as PostgreSQL binds $NNN, so queries that
// reuse or reorder placeholders mean the same on both engines.
func toSQLitePlaceholders(q string) string {
	b := []byte(q)
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9':
			b[i] = '?'
		}
	}
	return string(b)
}

// Micros converts a time to the BIGINT form liveshop stores: microseconds since the
// Unix epoch, UTC. The zero time is stored as 0.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// Time converts a stored BIGINT back to a UTC time; 0 becomes the zero time.
func Time(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// NullMicros stores an optional time: the zero time becomes NULL.
func NullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// NullTime reads an optional time stored by NullMicros.
func NullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return Time(v.Int64)
}

// NullID stores an optional reference: zero (none) becomes NULL, so a foreign key
// constraint applies only when there is something to refer to.
func NullID[T ~int64](v T) any {
	if v == 0 {
		return nil
	}
	return v
}
