package db

import (
	"context"
	"sync"
)

// Group hands values submitted from many goroutines to one write function in
// batches, one batch at a time, formed as GroupLoop forms them. Unlike Batcher, whose
// batch is a row of independent closures each in its own savepoint, a Group's write
// sees the whole batch, so it can write it with one statement per table instead of
// one per value: the shape of a hot path's group commit (checkout, flash sales).
type Group[T any] struct {
	in   chan groupItem[T]
	done chan struct{}
	wg   sync.WaitGroup

	// mu makes submitting and closing exclusive, as in Batcher.
	mu     sync.RWMutex
	closed bool
}

type groupItem[T any] struct {
	v    T
	done chan struct{}
}

// NewGroup starts a group that passes write at most maxBatch values at a time.
// write reports each value's outcome through the value itself.
func NewGroup[T any](maxBatch int, write func([]T)) *Group[T] {
	maxBatch = max(maxBatch, 1)
	g := &Group[T]{in: make(chan groupItem[T], 4*maxBatch), done: make(chan struct{})}
	g.wg.Go(func() {
		GroupLoop(g.in, g.done, maxBatch, func(items []groupItem[T]) {
			vs := make([]T, len(items))
			for i, it := range items {
				vs[i] = it.v
			}
			write(vs)
			for _, it := range items {
				close(it.done)
			}
		})
	})
	return g
}

// Do submits v and returns once write has handled it. Once v is queued Do waits for
// it even if ctx ends, because the write may commit; ctx only bounds the wait for a
// place in the queue. After Close it returns ErrBatcherClosed.
func (g *Group[T]) Do(ctx context.Context, v T) error {
	it := groupItem[T]{v: v, done: make(chan struct{})}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return ErrBatcherClosed
	}
	select {
	case g.in <- it:
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	g.mu.RUnlock()
	<-it.done
	return nil
}

// DoAll submits vs and returns once write has handled every one queued. If the
// group closes or ctx ends part way, it returns that error and the index of the
// first value not queued; the ones before it were handled.
func (g *Group[T]) DoAll(ctx context.Context, vs []T) (queued int, err error) {
	items := make([]groupItem[T], 0, len(vs))
	g.mu.RLock()
	if g.closed {
		err = ErrBatcherClosed
	}
	for _, v := range vs {
		if err != nil {
			break
		}
		it := groupItem[T]{v: v, done: make(chan struct{})}
		select {
		case g.in <- it:
			items = append(items, it)
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	g.mu.RUnlock()
	for _, it := range items {
		<-it.done
	}
	return len(items), err
}

// Close writes what was submitted and stops.
func (g *Group[T]) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.done)
	}
	g.mu.Unlock()
	g.wg.Wait()
}
