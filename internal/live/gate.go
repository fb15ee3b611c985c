package live

import (
	"sync"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Errors a flash sale's gate answers with.
var (
	ErrFlashSoldOut = errs.New(errs.Conflict, "flash_sale_sold_out", "the flash sale has sold out")
	ErrFlashLimit   = errs.New(errs.Rule, "flash_sale_limit_reached", "you have bought as many as this flash sale allows")
)

// Gate admits buyers to one flash sale in memory: a count of the units left and what
// each buyer holds, under one mutex held for a few instructions, so thousands of
// buyers a second are answered without touching the database. An admitted claim
// still has to be written; if that fails its units are given back.
//
// The gate is an optimisation, not the guarantee: the order writer takes units from
// the deal's row under a CHECK, so a gate that believed in more units than exist
// (another node, a purchase outside the room) causes refusals, never an oversell.
type Gate struct {
	mu    sync.Mutex
	left  int64
	limit int64 // per buyer; 0 means none
	held  map[id.ID]int64
}

// NewGate returns a gate with left units, a per-buyer limit and what buyers already
// hold (rebuilt from committed purchases after a restart).
func NewGate(left, limit int64, held map[id.ID]int64) *Gate {
	if held == nil {
		held = map[id.ID]int64{}
	}
	return &Gate{left: max(left, 0), limit: limit, held: held}
}

// Admit takes qty units for buyer, or refuses: the buyer's limit reached, or sold out
// (fewer than qty left).
func (g *Gate) Admit(buyer id.ID, qty int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limit > 0 && g.held[buyer]+qty > g.limit {
		return ErrFlashLimit.With("this flash sale allows %d per buyer; you hold %d", g.limit, g.held[buyer])
	}
	if g.left < qty {
		if g.left == 0 {
			return ErrFlashSoldOut
		}
		return ErrFlashSoldOut.With("only %d left", g.left)
	}
	g.left -= qty
	g.held[buyer] += qty
	return nil
}

// GiveBack returns units a buyer no longer holds: a claim that could not be written,
// or an order cancelled (unpaid in time, or by the buyer).
func (g *Gate) GiveBack(buyer id.ID, qty int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.left += qty
	if g.held[buyer] -= qty; g.held[buyer] <= 0 {
		delete(g.held, buyer)
	}
}

// Reset sets the units left to what the database says, after a write found fewer than
// the gate believed.
func (g *Gate) Reset(left int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.left = max(left, 0)
}

// Holds reports whether the buyer holds units of the sale (admitted, being written or
// bought).
func (g *Gate) Holds(buyer id.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[buyer] > 0
}

// Left is how many units the gate can still admit.
func (g *Gate) Left() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.left
}
