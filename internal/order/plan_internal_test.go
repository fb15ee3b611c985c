package order

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

// Settling a batch of payments must look its orders up by id. Through the status
// index it would read every unpaid order once per batch: during a flash sale that
// made settlement quadratic and halved the sale's throughput (docs/BENCHMARKS.md).
func TestMarkPaidLooksOrdersUpByID(t *testing.T) {
	d := dbtest.SQLite(t)
	for _, col := range []string{"hold_until", "dispatch_due_at"} {
		q := "EXPLAIN QUERY PLAN " + markPaidHead(db.SQLite, col) + " ($5, $6, $7, $8, $9, $10, $11, $12)"
		rows, err := d.QueryContext(context.Background(), q, "awaiting_shipment", 1, 2, "unpaid", 1, 2, 3, 4, 5, 6, 7, 8)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, "sqlite_autoindex_orders_1 (id=?)") {
			t.Errorf("%s: plan %q does not look orders up by primary key", col, got)
		}
	}
}

// Payers hold back while the flash writer is placing orders: while claims wait, and
// for a lull after the last batch was taken, since during a burst the queue is empty
// whenever every waiting buyer is in the batch being written.
func TestPayersYieldToPlacement(t *testing.T) {
	w := &FlashWriter{in: make(chan *flashJob, 1)}
	start := time.Now()
	w.yieldToPlacement()
	if d := time.Since(start); d > placingLull/2 {
		t.Fatalf("an idle writer held payers back %s", d)
	}
	w.placing.Store(time.Now().UnixNano())
	start = time.Now()
	w.yieldToPlacement()
	if d := time.Since(start); d < placingLull*3/4 {
		t.Fatalf("payers went ahead %s after a batch was taken; want a lull of %s", d, placingLull)
	}
}
