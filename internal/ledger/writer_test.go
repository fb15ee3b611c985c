package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// order3 is the bench's transfer: the hot clearing account gives an order's money to
// a shop and a creator.
func order3(key string, shop id.ID, amount int64) TransferInput {
	return TransferInput{IdempotencyKey: key, Kind: "test", Reference: "order:" + key, Postings: []Posting{
		{Platform(BuyerPaymentsClearing, "USD"), amount},
		{Shop(SellerPayable, shop, "USD"), -(amount - amount/10)},
		{Creator(CreatorCommissionPayable, 3, "USD"), -(amount / 10)},
	}}
}

func job(in TransferInput) *writeJob {
	return &writeJob{ctx: context.Background(), in: in, hash: contentHash(in), done: make(chan struct{})}
}

// One batch holding a replay, a conflicting reuse of a key, an overdraft and good
// transfers: each is answered on its own, and only the good ones are written.
func TestWriterBatchSortsEveryTransferOnItsOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		ctx := context.Background()
		if _, err := post(t, s, sale("seed", 1000)); err != nil {
			t.Fatal(err)
		}
		first, err := post(t, s, order3("committed", 7, 100))
		if err != nil {
			t.Fatal(err)
		}
		w := s.NewWriter(64)
		defer w.Close()
		batch := []*writeJob{
			job(order3("a", 7, 300)),
			job(order3("a", 7, 300)),          // the same transfer twice in one batch
			job(order3("a", 7, 301)),          // the key again, other content
			job(order3("committed", 7, 100)),  // a replay of a committed transfer
			job(order3("committed", 7, 999)),  // a conflicting reuse of it
			job(order3("too-much", 8, 601)),   // 900 held, 300 taken by "a": overdraft
			job(order3("b", 8, 600)),          // exactly what is left
			job(order3("after-empty", 8, 10)), // nothing left
		}
		w.run(batch)
		want := []error{nil, nil, ErrIdempotencyConflict, nil, ErrIdempotencyConflict, ErrOverdraft, nil, ErrOverdraft}
		for i, j := range batch {
			if !errors.Is(j.err, want[i]) || (want[i] == nil) != (j.err == nil) {
				t.Errorf("job %d (%s): %v, want %v", i, j.in.IdempotencyKey, j.err, want[i])
			}
		}
		if batch[1].out.ID != batch[0].out.ID || batch[3].out.ID != first.ID || batch[0].out.ID == 0 {
			t.Fatalf("replays: %d %d, committed %d replayed as %d", batch[0].out.ID, batch[1].out.ID, first.ID, batch[3].out.ID)
		}
		tr, po := counts(t, d)
		if tr != 4 || po != 2+3+3+3 {
			t.Fatalf("%d transfers, %d postings written; want 4, 11", tr, po)
		}
		clearing, _ := s.Account(ctx, Platform(BuyerPaymentsClearing, "USD"))
		if clearing.Balance != 0 {
			t.Fatalf("clearing %d, want 0", clearing.Balance)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A batch that fails before its commit (as a crash would) writes nothing, not even
// the accounts it opened; the next batch is whole.
func TestWriterBatchIsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		ctx := context.Background()
		if _, err := post(t, s, sale("seed", 100000)); err != nil {
			t.Fatal(err)
		}
		w := s.NewWriter(64)
		defer w.Close()
		crash := errors.New("power cut")
		w.fault = func(n int) error {
			if n != 10 {
				t.Errorf("fault saw %d transfers, want 10", n)
			}
			return crash
		}
		var batch []*writeJob
		for i := range 10 {
			batch = append(batch, job(order3(fmt.Sprint("c", i), id.ID(100+i), 100)))
		}
		w.run(batch)
		for _, j := range batch {
			if !errors.Is(j.err, crash) {
				t.Fatalf("%s: %v, want the crash", j.in.IdempotencyKey, j.err)
			}
		}
		var accts int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_accounts WHERE owner_kind = 'shop'`).Scan(&accts)
		if tr, po := counts(t, d); tr != 1 || po != 2 || accts != 0 {
			t.Fatalf("a failed batch left %d transfers, %d postings, %d shop accounts", tr, po, accts)
		}

		// The accounts the failed batch opened are not remembered: the retry opens them.
		w.fault = nil
		for _, j := range batch {
			j.err, j.done = nil, make(chan struct{})
		}
		w.run(batch)
		for _, j := range batch {
			if j.err != nil {
				t.Fatal(j.err)
			}
		}
		if tr, po := counts(t, d); tr != 11 || po != 32 {
			t.Fatalf("after the retry %d transfers, %d postings", tr, po)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// Many goroutines through the writer, every transfer on the hot clearing account,
// a few refused for overdraft: exactly the money there was is spent, no more.
func TestWriterUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		ctx := context.Background()
		const n, amount, funded = 600, 100, 500
		if _, err := post(t, s, sale("seed", funded*amount)); err != nil {
			t.Fatal(err)
		}
		w := s.NewWriter(128)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, over int
		for i := range n {
			wg.Go(func() {
				_, err := w.Transfer(ctx, order3(fmt.Sprint("t", i), id.ID(100+i%13), amount))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrOverdraft):
					over++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		w.Close()
		if ok != funded || over != n-funded {
			t.Fatalf("%d written, %d refused; want %d and %d", ok, over, funded, n-funded)
		}
		if _, err := w.Transfer(ctx, order3("late", 1, 100)); !errors.Is(err, ErrWriterClosed) {
			t.Fatalf("after close: %v", err)
		}
		if _, err := s.NewWriter(1).Transfer(ctx, TransferInput{IdempotencyKey: "u", Postings: []Posting{{Platform(ProviderReceivable, "USD"), 1}, {Platform(BuyerPaymentsClearing, "USD"), -2}}}); !errors.Is(err, ErrUnbalanced) {
			t.Fatalf("unbalanced: %v", err)
		}
		creator, _ := s.Account(ctx, Creator(CreatorCommissionPayable, 3, "USD"))
		if creator.Normalised().Amount != funded*amount/10 {
			t.Fatalf("creator %v", creator.Normalised())
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
