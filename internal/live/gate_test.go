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
					g.GiveBack(id.ID(b), 1)
					admitted.Add(-1)
					held[b].Add(-1)
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
