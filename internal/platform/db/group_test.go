package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// A group hands every submitted value to write exactly once, in batches no larger
// than asked, and returns to each submitter only after its value was written; once
// closed it takes nothing more.
func TestGroupWritesEachValueOnceInBatches(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	var batches, biggest atomic.Int64
	g := db.NewGroup(16, func(vs []*int) {
		mu.Lock()
		defer mu.Unlock()
		batches.Add(1)
		if n := int64(len(vs)); n > biggest.Load() {
			biggest.Store(n)
		}
		for _, v := range vs {
			seen[*v]++
			*v = -*v // written: the submitter must see this when Do returns
		}
	})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			v := i + 1
			if err := g.Do(context.Background(), &v); err != nil || v != -(i+1) {
				t.Errorf("Do(%d): %v, value %d after", i+1, err, v)
			}
		})
	}
	wg.Wait()
	vs := make([]*int, 40)
	for i := range vs {
		v := 1000 + i
		vs[i] = &v
	}
	if n, err := g.DoAll(context.Background(), vs); n != 40 || err != nil || *vs[39] != -1039 {
		t.Fatalf("DoAll: %d queued, %v, last %d", n, err, *vs[39])
	}
	g.Close()
	if len(seen) != 240 || biggest.Load() > 16 {
		t.Fatalf("%d values seen, biggest batch %d (of %d batches)", len(seen), biggest.Load(), batches.Load())
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("value %d written %d times", v, n)
		}
	}
	v := 7
	if err := g.Do(context.Background(), &v); !errors.Is(err, db.ErrBatcherClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
	if n, err := g.DoAll(context.Background(), []*int{&v}); n != 0 || !errors.Is(err, db.ErrBatcherClosed) {
		t.Fatalf("DoAll after Close: %d %v", n, err)
	}
}
