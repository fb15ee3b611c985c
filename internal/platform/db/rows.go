package db

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// rowsPerInsert are the sizes of multi-row inserts: a batch's rows go in the largest
// that fit, so only these few statement texts exist (and each is prepared once).
var rowsPerInsert = []int{128, 32, 8, 1}

// InsertRows inserts many rows with few statements: head is "INSERT INTO t (a, b, c)
// VALUES ", args holds cols values per row, row after row, and tail (may be empty)
// follows the VALUES list ("ON CONFLICT ... DO NOTHING"). A group-commit writer pays
// per statement, not per row, so this is what makes a batch of orders cheap.
func InsertRows(ctx context.Context, tx *Tx, head string, cols int, args []any, tail string) (int64, error) {
	if cols < 1 || len(args)%cols != 0 {
		return 0, fmt.Errorf("db: insert rows: %d values is not a whole number of %d-column rows", len(args), cols)
	}
	var affected int64
	for len(args) > 0 {
		n := len(args) / cols
		for _, size := range rowsPerInsert {
			if size <= n {
				n = size
				break
			}
		}
		res, err := tx.ExecContext(ctx, head+valuesList(tx.engine, n, cols)+tail, args[:n*cols]...)
		if err != nil {
			return affected, err
		}
		k, _ := res.RowsAffected()
		affected += k
		args = args[n*cols:]
	}
	return affected, nil
}

var valuesCache sync.Map // "engine/rows/cols" -> "($1, $2), ($3, $4)"

func valuesList(e Engine, rows, cols int) string {
	key := fmt.Sprint(e, "/", rows, "/", cols)
	if v, ok := valuesCache.Load(key); ok {
		return v.(string)
	}
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			// SQLite gets anonymous parameters: its driver looks each numbered one up
			// by name, which costs time quadratic in a statement's parameters, while
			// anonymous ones bind by position.
			if e == SQLite {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", r*cols+i+1)
			}
		}
		b.WriteByte(')')
	}
	valuesCache.Store(key, b.String())
	return b.String()
}

// ExecIn runs "head (list) tail" for ids in a few chunks, where head ends with "IN"
// and uses $1..$k for args; the list's placeholders follow them. Chunk sizes are
// rowsPerInsert's, so only a few statement texts exist. It returns the rows affected
// in all.
func ExecIn(ctx context.Context, tx *Tx, head string, args []any, ids []id.ID, tail string) (int64, error) {
	var affected int64
	for len(ids) > 0 {
		n := len(ids)
		for _, size := range rowsPerInsert {
			if size <= n {
				n = size
				break
			}
		}
		all := make([]any, 0, len(args)+n)
		all = append(all, args...)
		var b strings.Builder
		b.WriteString(" (")
		for i, v := range ids[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", len(args)+i+1)
			all = append(all, v)
		}
		b.WriteString(")")
		res, err := tx.ExecContext(ctx, head+b.String()+tail, all...)
		if err != nil {
			return affected, err
		}
		k, _ := res.RowsAffected()
		affected += k
		ids = ids[n:]
	}
	return affected, nil
}

// NotIndexed writes column for a WHERE term the query planner must not pick an
// index for, when a more selective term of the same query should drive it: on
// SQLite a unary plus, which takes a term out of index selection and changes
// nothing else; on PostgreSQL, whose planner weighs terms by statistics, the column
// as it is. SQLite without statistics guesses an equality on an indexed column
// matches about ten rows, so "status = $1 AND id IN (... 128 ids)" scans every order
// of that status through the status index instead of looking up 128 primary keys:
// during a flash sale, every unpaid order for every batch of payments settled.
func NotIndexed(e Engine, column string) string {
	if e == SQLite {
		return "+" + column
	}
	return column
}
