package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// TxRunner runs a function in a transaction. *DB runs each in its own transaction;
// *Batcher groups many into one. Services take a TxRunner for their hot paths, so the
// same code runs either way.
type TxRunner interface {
	RunInTx(ctx context.Context, fn func(tx *Tx) error) error
}

// Batcher is a group-commit writer: transactions submitted from many goroutines run
// one after another inside a shared database transaction, each in its own savepoint,
// and commit together, so a burst of N small writes costs one commit (one fsync)
// rather than N. A function that fails rolls back to its savepoint and fails alone;
// the others still commit. RunInTx returns only once the outcome is durable.
//
// A batch forms from whatever is waiting when the previous one finishes: under light
// load a transaction commits at once, under heavy load batches grow by themselves.
type Batcher struct {
	db       *DB
	in       chan *batchJob
	maxBatch int
	done     chan struct{}
	wg       sync.WaitGroup

	// mu makes submitting and closing exclusive: once Close holds it, nothing more is
	// queued, so every queued job is drained by a writer before the writers stop.
	mu     sync.RWMutex
	closed bool
}

type batchJob struct {
	ctx  context.Context
	fn   func(*Tx) error
	errc chan error
}

// ErrBatcherClosed is returned for work submitted after Close.
var ErrBatcherClosed = errors.New("db: batcher closed")

// NewBatcher starts a batcher over d with the given number of writer goroutines
// (one suits SQLite, whose writes are serial anyway; PostgreSQL gains from a few)
// and at most maxBatch transactions per commit.
func NewBatcher(d *DB, workers, maxBatch int) *Batcher {
	b := &Batcher{db: d, in: make(chan *batchJob, 4*maxBatch), maxBatch: max(maxBatch, 1), done: make(chan struct{})}
	for range max(workers, 1) {
		b.wg.Go(b.work)
	}
	return b
}

// Close stops the writers after the work already submitted.
func (b *Batcher) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// RunInTx runs fn in the next batch. Its contract is DB.RunInTx's: nil means fn's
// writes are committed; an error means none of them are. fn must not hold on to tx
// or start work outside the transaction that it cannot repeat.
func (b *Batcher) RunInTx(ctx context.Context, fn func(tx *Tx) error) error {
	j := &batchJob{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrBatcherClosed
	}
	select {
	case b.in <- j:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	// Once queued, wait for the outcome even if ctx ends: the work may commit, and the
	// caller must not be told otherwise.
	return <-j.errc
}

func (b *Batcher) work() { GroupLoop(b.in, b.done, b.maxBatch, b.run) }

// GroupLoop is the loop of every group-commit writer: it takes whatever is waiting on
// in (up to maxBatch, at least one) and hands it to run, so under light load each job
// runs at once and under heavy load batches grow by themselves. Once done is closed it
// runs what is still queued, one job at a time, and returns.
func GroupLoop[T any](in <-chan T, done <-chan struct{}, maxBatch int, run func([]T)) {
	for {
		var first T
		select {
		case first = <-in:
		case <-done:
			for {
				select {
				case j := <-in:
					run([]T{j})
				default:
					return
				}
			}
		}
		batch := []T{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-in:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		run(batch)
	}
}

func (b *Batcher) run(batch []*batchJob) {
	errs := make([]error, len(batch))
	var retry []int
	err := b.db.runOnce(context.Background(), func(tx *Tx) error {
		for i, j := range batch {
			if err := j.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.tx.ExecContext(j.ctx, "SAVEPOINT batch_job"); err != nil {
				return fmt.Errorf("db: savepoint: %w", err)
			}
			jt := &Tx{tx: tx.tx, engine: tx.engine, stmts: tx.stmts}
			err := safeRun(j.fn, jt)
			if err != nil {
				if _, rbErr := tx.tx.ExecContext(context.Background(), "ROLLBACK TO SAVEPOINT batch_job"); rbErr != nil {
					return fmt.Errorf("db: rollback to savepoint: %w", rbErr)
				}
				errs[i] = err
				if b.db.engine == Postgres && isRetryable(err) {
					retry = append(retry, i)
				}
			} else {
				tx.afterCommit = append(tx.afterCommit, jt.afterCommit...)
			}
			if _, err := tx.tx.ExecContext(context.Background(), "RELEASE SAVEPOINT batch_job"); err != nil {
				return fmt.Errorf("db: release savepoint: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		// The shared transaction failed as a whole: nothing committed. Run each job on
		// its own so one bad neighbour cannot fail them all.
		for i, j := range batch {
			if errs[i] == nil || isRetryableIdx(retry, i) {
				errs[i] = b.db.RunInTx(j.ctx, j.fn)
			}
		}
	} else {
		for _, i := range retry {
			errs[i] = b.db.RunInTx(batch[i].ctx, batch[i].fn)
		}
	}
	for i, j := range batch {
		j.errc <- errs[i]
	}
}

func isRetryableIdx(retry []int, i int) bool {
	for _, r := range retry {
		if r == i {
			return true
		}
	}
	return false
}

// safeRun turns a panic in fn into an error, so one job cannot kill the writer that
// serves every other caller.
func safeRun(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("db: panic in batched transaction: %v", p)
		}
	}()
	return fn(tx)
}
