package catalog

import (
	"math/rand"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// planAvailable against the read rule, over many random SKUs: writing back what
// chargeWaiting leaves available changes no holding, and any quantities written to
// any warehouses read back as written while the other warehouses keep what they hold.
func TestPlanAvailable(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for n := range 100_000 {
		var holdings []Holding
		var onHand int64
		for i := range 1 + r.Intn(5) {
			h := Holding{WarehouseID: id.ID(i + 1), OnHand: int64(r.Intn(30))}
			holdings = append(holdings, h)
			onHand += h.OnHand
		}
		def := id.ID(1 + r.Intn(len(holdings)))
		waiting := r.Int63n(onHand + 1)
		charged := chargeWaiting(holdings, def, waiting)

		read, written := map[id.ID]int64{}, map[id.ID]int64{}
		for i, h := range holdings {
			if r.Intn(2) == 0 {
				read[h.WarehouseID] = h.OnHand - charged[i]
			}
			if r.Intn(2) == 0 {
				written[h.WarehouseID] = int64(r.Intn(30))
			}
		}
		if r.Intn(4) == 0 { // a warehouse without a row yet
			written[id.ID(len(holdings)+1)] = int64(r.Intn(30))
		}
		if next, ok := planAvailable(holdings, def, waiting, read); !ok || !sameHoldings(next, holdings) {
			t.Fatalf("case %d: writing back %v over %v (default %d, %d waiting) gives %v, %v", n, read, holdings, def, waiting, next, ok)
		}
		next, ok := planAvailable(holdings, def, waiting, written)
		if !ok {
			t.Fatalf("case %d: no plan for %v over %v (default %d, %d waiting)", n, written, holdings, def, waiting)
		}
		after := chargeWaiting(next, def, waiting)
		for i, h := range next {
			if q, named := written[h.WarehouseID]; named && h.OnHand-after[i] != q {
				t.Fatalf("case %d: %v over %v (default %d, %d waiting) holds %v and reads %d for %d", n, written, holdings, def, waiting, next, h.OnHand-after[i], h.WarehouseID)
			}
			if _, named := written[h.WarehouseID]; !named && h.OnHand != held(holdings, h.WarehouseID) {
				t.Fatalf("case %d: %v over %v moved unnamed warehouse %d to %d", n, written, holdings, h.WarehouseID, h.OnHand)
			}
		}
	}
}

func held(holdings []Holding, wh id.ID) int64 {
	for _, h := range holdings {
		if h.WarehouseID == wh {
			return h.OnHand
		}
	}
	return 0
}

func sameHoldings(a, b []Holding) bool {
	if len(a) != len(b) {
		return false
	}
	for _, h := range a {
		if held(b, h.WarehouseID) != h.OnHand {
			return false
		}
	}
	return true
}
