package live

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/id"
)

func TestGateRules(t *testing.T) {
	ana, ben := id.ID(1), id.ID(2)
	cases := []struct {
		name        string
		left, limit int64
		held        map[id.ID]int64
		buyer       id.ID
		qty         int64
		want        error
		leftAfter   int64
	}{
		{"admitted", 5, 2, nil, ana, 2, nil, 3},
		{"the last units", 2, 0, nil, ana, 2, nil, 0},
		{"fewer left than asked", 1, 2, nil, ana, 2, ErrFlashSoldOut, 1},
		{"none left", 0, 2, nil, ana, 1, ErrFlashSoldOut, 0},
		{"at the limit", 5, 2, map[id.ID]int64{ana: 2}, ana, 1, ErrFlashLimit, 5},
		{"over the limit with units left", 5, 2, map[id.ID]int64{ana: 1}, ana, 2, ErrFlashLimit, 5},
		{"another buyer's holding does not count", 5, 2, map[id.ID]int64{ben: 2}, ana, 2, nil, 3},
		{"no limit", 5, 0, map[id.ID]int64{ana: 4}, ana, 1, nil, 4},
	}
	for _, c := range cases {
		g := NewGate(c.left, c.limit, c.held)
		if err := g.Admit(c.buyer, c.qty); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if g.Left() != c.leftAfter {
			t.Errorf("%s: %d left, want %d", c.name, g.Left(), c.leftAfter)
		}
	}
}

// Under concurrent admissions and give-backs the gate never admits more than it has
// and never lets a buyer past the limit.
func TestGateUnderContention(t *testing.T) {
	const units, buyers, limit = 1000, 400, 3
	g := NewGate(units, limit, nil)
	var admitted atomic.Int64
	held := make([]atomic.Int64, buyers)
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Go(func() {
			for i := range 6 {
				if g.Admit(id.ID(b), 1) != nil {
					continue
				}
				admitted.Add(1)
				held[b].Add(1)
				if i%3 == 0 { // a claim that failed to write gives its unit back
					g.Done(id.ID(b), 1, false)
					admitted.Add(-1)
					held[b].Add(-1)
				} else {
					g.Done(id.ID(b), 1, true)
				}
			}
		})
	}
	wg.Wait()
	if admitted.Load()+g.Left() != units {
		t.Fatalf("admitted %d + left %d != %d", admitted.Load(), g.Left(), units)
	}
	for b := range held {
		if held[b].Load() > limit {
			t.Fatalf("buyer %d holds %d, over the limit %d", b, held[b].Load(), limit)
		}
	}
}

// A leasing gate starts empty and takes blocks through its refill as buyers come: it
// never admits more than it was granted, one refill runs at a time, and when the
// refill has nothing left to grant the buyer hears sold out.
func TestLeasedGateUnderContention(t *testing.T) {
	const units, block, buyers = 500, 40, 300
	var mu sync.Mutex
	free := int64(units)
	var refills atomic.Int64
	var inRefill atomic.Int32
	refill := func(want int64) (int64, int64, error) {
		if inRefill.Add(1) != 1 {
			t.Error("two refills at once")
		}
		defer inRefill.Add(-1)
		refills.Add(1)
		mu.Lock()
		defer mu.Unlock()
		g := min(max(want, block), free)
		free -= g
		return g, free, nil
	}
	g := NewLeasedGate(0, nil, units, refill)
	if g.Left() != units || g.Holding() != 0 {
		t.Fatalf("a fresh leased gate shows %d, holds %d", g.Left(), g.Holding())
	}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Go(func() {
			for range 3 {
				if err := g.Admit(id.ID(b), 1); err == nil {
					admitted.Add(1)
					g.Done(id.ID(b), 1, true)
				} else if !errors.Is(err, ErrFlashSoldOut) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if admitted.Load() != units {
		t.Fatalf("admitted %d of %d units", admitted.Load(), units)
	}
	if g.Left() != 0 || g.Holding() != 0 {
		t.Fatalf("after selling out: left %d, holding %d", g.Left(), g.Holding())
	}
	if n := refills.Load(); n < units/block || n > units/block+3 { // a background refill may find the last few units
		t.Fatalf("%d refills for %d units in blocks of %d", n, units, block)
	}
	// A refill that fails is the buyer's error, and changes nothing.
	broken := NewLeasedGate(0, nil, 10, func(int64) (int64, int64, error) { return 0, 0, errors.New("database down") })
	if err := broken.Admit(1, 1); err == nil || errors.Is(err, ErrFlashSoldOut) {
		t.Fatalf("a failed refill answered %v", err)
	}
	if broken.Left() != 10 || broken.Holds(1) {
		t.Fatal("a failed refill changed the gate")
	}
}
