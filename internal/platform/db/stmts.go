package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// stmtCache keeps prepared statements by query text, for SQLite. SQLite parses every
// statement it is not given prepared, and on a checkout-heavy load parsing was 40% of
// the CPU (docs/BENCHMARKS.md, bench checkout). PostgreSQL needs none of this: pgx
// prepares and caches statements per connection by itself.
//
// A statement is prepared on the pool, so database/sql keeps it per connection and a
// transaction reuses it on its own connection (Tx.StmtContext). The writer pool has a
// single connection, which a running transaction holds; so a query first seen inside
// a transaction runs unprepared and is prepared before the next transaction begins.
// Queries whose text varies (IN lists of any length) are not worth caching; the cache
// stops growing at maxStmts and the rest run unprepared, as before.
type stmtCache struct {
	pool    *sql.DB
	ready   sync.Map // query -> *sql.Stmt
	wanted  sync.Map // query -> struct{}: seen in a transaction, to prepare when the connection is free
	pending atomic.Bool
	n       atomic.Int64
}

const maxStmts = 2000

func newStmtCache(pool *sql.DB) *stmtCache { return &stmtCache{pool: pool} }

// get returns the prepared statement for q, if there is one.
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if v, ok := c.ready.Load(q); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// want asks for q to be prepared at the next chance.
func (c *stmtCache) want(q string) {
	if c == nil || c.n.Load() >= maxStmts {
		return
	}
	if _, loaded := c.wanted.LoadOrStore(q, struct{}{}); !loaded {
		c.pending.Store(true)
	}
}

// prepare prepares q now; the caller must not hold a connection of the pool.
func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	if st := c.get(q); st != nil || c == nil || c.n.Load() >= maxStmts {
		return st
	}
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil // the unprepared call will report the error
	}
	if v, loaded := c.ready.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// prepareWanted prepares what transactions asked for; the caller must not hold a
// connection of the pool.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	if c == nil || !c.pending.CompareAndSwap(true, false) {
		return
	}
	c.wanted.Range(func(k, _ any) bool {
		c.prepare(ctx, k.(string))
		c.wanted.Delete(k)
		return true
	})
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.ready.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
