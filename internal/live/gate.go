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

// Gate admits buyers to one flash sale in memory: a count of the units this node may
// sell and what each buyer holds, under one mutex held for a few instructions, so
// thousands of buyers a second are answered without touching the database. An
// admitted claim still has to be written; if that fails its units are given back.
//
// The units are leased: when the node's units run out, Refill takes another block
// from the sale's row in the database (see FlashSales.lease), so several nodes sell
// one sale without each believing it has all of it, and a node's unsold block goes
// back when it stops. One goroutine refills at a time; buyers who arrive meanwhile
// wait for it rather than each asking the database.
//
// The gate is an optimisation, not the guarantee: the order writer takes units from
// the deal's row under a CHECK, so a gate that believed in more units than exist
// (a purchase outside the room, an expired lease) causes refusals, never an oversell.
type Gate struct {
	mu    sync.Mutex
	left  int64 // units this node holds and may admit now
	pool  int64 // units no node holds, as last seen; shown to buyers with left
	limit int64 // per buyer; 0 means none
	held  map[id.ID]int64

	refill   func(want int64) (granted, pool int64, err error) // nil: left is all there is
	refillMu sync.Mutex
	// lowWater is a quarter of the last block: below it a refill starts in the
	// background, so buyers seldom wait for the lease transaction.
	lowWater  int64
	refilling bool
}

// NewGate returns a gate that holds left units, with a per-buyer limit and what buyers
// already hold (rebuilt from committed purchases after a restart).
func NewGate(left, limit int64, held map[id.ID]int64) *Gate {
	if held == nil {
		held = map[id.ID]int64{}
	}
	return &Gate{left: max(left, 0), limit: limit, held: held}
}

// NewLeasedGate returns a gate that starts with no units and leases them through
// refill as buyers arrive; pool is what the sale has left, for display until then.
func NewLeasedGate(limit int64, held map[id.ID]int64, pool int64, refill func(want int64) (granted, pool int64, err error)) *Gate {
	g := NewGate(0, limit, held)
	g.pool, g.refill = max(pool, 0), refill
	return g
}

// Admit takes qty units for buyer, or refuses: the buyer's limit reached, or sold out
// (fewer than qty left here and none to lease).
func (g *Gate) Admit(buyer id.ID, qty int64) error {
	g.mu.Lock()
	err := g.take(buyer, qty)
	if err == nil && g.refill != nil && g.left < g.lowWater && g.pool > 0 && !g.refilling {
		g.refilling = true
		go g.refillAhead()
	}
	// Lease more only while units are known to be free: once none are, buyers hear
	// sold out from memory until the heartbeat sees units come back (a cancelled
	// order, a stopped node's lease).
	if err != ErrFlashSoldOut || g.refill == nil || g.pool < 1 {
		defer g.mu.Unlock()
		return g.explain(buyer, err)
	}
	g.mu.Unlock()

	g.refillMu.Lock()
	defer g.refillMu.Unlock()
	g.mu.Lock()
	if err := g.take(buyer, qty); err != ErrFlashSoldOut || g.pool < 1 { // refilled while this buyer waited
		defer g.mu.Unlock()
		return g.explain(buyer, err)
	}
	want := qty - g.left
	g.mu.Unlock()
	granted, pool, rerr := g.refill(want)
	g.mu.Lock()
	defer g.mu.Unlock()
	if rerr != nil {
		return rerr
	}
	g.grant(granted, pool)
	return g.explain(buyer, g.take(buyer, qty))
}

// grant adds a lease's units, under g.mu.
func (g *Gate) grant(granted, pool int64) {
	g.left += granted
	g.pool = max(pool, 0)
	if granted > 0 {
		g.lowWater = granted / 4
	}
}

// refillAhead leases the next block while the node still has units to sell.
func (g *Gate) refillAhead() {
	g.refillMu.Lock()
	defer g.refillMu.Unlock()
	granted, pool, err := g.refill(0)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refilling = false
	if err == nil {
		g.grant(granted, pool)
	}
}

// take admits under g.mu, answering the bare sentinel errors.
func (g *Gate) take(buyer id.ID, qty int64) error {
	if g.limit > 0 && g.held[buyer]+qty > g.limit {
		return ErrFlashLimit
	}
	if g.left < qty {
		return ErrFlashSoldOut
	}
	g.left -= qty
	g.held[buyer] += qty
	return nil
}

// Done settles an admitted claim: written (its units are now in the sale's sold
// count) or not (they come back to this node).
func (g *Gate) Done(buyer id.ID, qty int64, written bool) {
	if written {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.giveBack(buyer, qty)
}

// explain turns a refusal into the message the buyer sees, under g.mu.
func (g *Gate) explain(buyer id.ID, err error) error {
	switch err {
	case ErrFlashLimit:
		return ErrFlashLimit.With("this flash sale allows %d per buyer; you hold %d", g.limit, g.held[buyer])
	case ErrFlashSoldOut:
		if left := g.left + g.pool; left > 0 {
			return ErrFlashSoldOut.With("only %d left", left)
		}
	}
	return err
}

// GiveBack returns units of a cancelled order (unpaid in time, or by the buyer). They
// stay with this node.
func (g *Gate) GiveBack(buyer id.ID, qty int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.giveBack(buyer, qty)
}

func (g *Gate) giveBack(buyer id.ID, qty int64) {
	g.left += qty
	if g.held[buyer] -= qty; g.held[buyer] <= 0 {
		delete(g.held, buyer)
	}
}

// Reset believes the database after a write found fewer units than the gate did:
// a leasing gate drops what it holds and leases afresh on the next buyer; a plain
// gate takes left as what remains.
func (g *Gate) Reset(left int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refill != nil {
		g.left, g.pool = 0, max(left, 0)
		return
	}
	g.left = max(left, 0)
}

// SetPool updates what the gate shows as held by no node (the lease heartbeat reads it).
func (g *Gate) SetPool(pool int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pool = max(pool, 0)
}

// Holds reports whether the buyer holds units of the sale (admitted, being written or
// bought).
func (g *Gate) Holds(buyer id.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[buyer] > 0
}

// Left is how many units buyers can still get, as far as this node knows: what it
// holds and what no node holds yet.
func (g *Gate) Left() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.left + g.pool
}

// Holding is how many units this node holds and has not admitted: its lease row says
// this. Units admitted but not yet written are in neither the lease nor the sale's
// sold count for a moment, so a lease may grant them again; that errs toward
// refusals the database settles (Reset), never toward units left unsold.
func (g *Gate) Holding() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.left
}
