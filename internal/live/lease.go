package live

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
)

// Flash-sale units are leased to nodes in blocks (DESIGN.md, hot paths): a node's
// gate admits buyers from its block in memory and takes another when it runs out.
// The lease row says how many of the sale's unsold units a node answers for; a
// node renews it every few seconds, and a row not renewed for leaseTTL is ignored, so
// the units of a node that died come back to the others. A node that stops cleanly
// deletes its rows at once. Leases spread a sale fairly across nodes; the deal row's
// CHECK (sold <= quantity) is what makes overselling impossible.
const (
	leaseTTL       = 10 * time.Second
	leaseHeartbeat = 2 * time.Second
	maxLeaseBlock  = 1000
)

// leaseBlock is how many units a node takes at a time: an eighth of the sale, so a
// few nodes share a small sale, and at most maxLeaseBlock, so a big one is spread.
func leaseBlock(quantity int64) int64 {
	return min(max(quantity/8, 1), maxLeaseBlock)
}

// leaser is the sale's gate's refill: a lease transaction, bounded in time.
func (fs *FlashSales) leaser(s *flashSale) func(want int64) (int64, int64, error) {
	return func(want int64) (int64, int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return fs.lease(ctx, s, want)
	}
}

// lease grants this node up to max(want, a block) more units of the sale: those the
// sale has not sold and no live lease of another node holds. It returns the units
// granted and those left free after it.
func (fs *FlashSales) lease(ctx context.Context, s *flashSale, want int64) (granted, pool int64, err error) {
	st := s.state
	now := fs.now()
	err = fs.db.RunInTx(ctx, func(tx *db.Tx) error {
		// Nodes lease one at a time per sale: the sale's row is the lock.
		var locked int64
		if err := tx.QueryRowContext(ctx, `SELECT promotion_id FROM live_flash_sales WHERE promotion_id = $1`+db.ForUpdate(tx), st.ID).Scan(&locked); err != nil {
			return err
		}
		quantity, sold, err := fs.promos.DealStock(ctx, tx, st.ID, st.ProductID, st.SKUID)
		if err != nil {
			return err
		}
		holding := s.gate.Holding() // after sold: see renew
		var others int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(units), 0) FROM live_flash_leases
			WHERE promotion_id = $1 AND node <> $2 AND renewed_at > $3`, st.ID, fs.node, db.Micros(now.Add(-leaseTTL))).Scan(&others); err != nil {
			return err
		}
		free := max(quantity-sold-others-holding, 0)
		granted = min(max(want, leaseBlock(quantity)), free)
		pool = free - granted
		_, err = tx.ExecContext(ctx, `INSERT INTO live_flash_leases (promotion_id, node, units, renewed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (promotion_id, node) DO UPDATE SET units = excluded.units, renewed_at = excluded.renewed_at`,
			st.ID, fs.node, holding+granted, db.Micros(now))
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return granted, pool, nil
}

// renew writes what this node answers for in the sale now and learns how many units
// no node holds, for the buyers' count and to know whether leasing can succeed.
//
// The order of the reads matters. A unit leaves this node's holding when a buyer is
// admitted and joins the deal's sold count when the order commits, a moment later.
// Reading sold first and the holding after can count a unit in flight in neither (the
// pool seems one larger; the lease transaction, which reads under the sale's lock,
// finds the truth), but never in both, which would make the pool one smaller than it
// is and the gate answer "sold out" with a unit left.
func (fs *FlashSales) renew(ctx context.Context, s *flashSale) error {
	st := s.state
	now := fs.now()
	quantity, sold, err := fs.promos.DealStock(ctx, fs.db, st.ID, st.ProductID, st.SKUID)
	if err != nil {
		return err
	}
	holding := s.gate.Holding()
	if _, err := fs.db.ExecContext(ctx, `UPDATE live_flash_leases SET units = $1, renewed_at = $2 WHERE promotion_id = $3 AND node = $4`,
		holding, db.Micros(now), st.ID, fs.node); err != nil {
		return err
	}
	var others int64
	if err := fs.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(units), 0) FROM live_flash_leases WHERE promotion_id = $1 AND node <> $2 AND renewed_at > $3`,
		st.ID, fs.node, db.Micros(now.Add(-leaseTTL))).Scan(&others); err != nil {
		return err
	}
	s.gate.SetPool(quantity - sold - others - holding)
	return nil
}

// release returns this node's lease of a sale that has ended here.
func (fs *FlashSales) release(ctx context.Context, s *flashSale) error {
	_, err := fs.db.ExecContext(ctx, `DELETE FROM live_flash_leases WHERE promotion_id = $1 AND node = $2`, s.state.ID, fs.node)
	return err
}
