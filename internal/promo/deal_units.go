package promo

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// DealSKU is the deal's item row the line was priced under: the SKU itself, or 0 when
// the deal covers the whole product. Taking and returning units go through that row.
func (l LineOut) DealSKU() id.ID { return l.dealSKU }

// TakeDealUnits takes qty units of a flash-sale item in the caller's transaction, never
// past the item's quantity: the UPDATE's condition, backed by the table's CHECK, is
// what stops an oversell whatever the caller's bookkeeping believed. ErrDealSoldOut
// when fewer are left.
func (s *Service) TakeDealUnits(ctx context.Context, tx *db.Tx, promotionID, productID, itemSKU id.ID, qty int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE promotion_items SET sold = sold + $1 WHERE promotion_id = $2 AND product_id = $3 AND sku_id = $4
		AND (quantity = 0 OR sold + $1 <= quantity)`, qty, promotionID, productID, itemSKU)
	if err != nil {
		return fmt.Errorf("promo: take deal units: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Sold out by someone else's committed orders: a quote priced it from old
		// data, so forget it now, or a retry within the TTL would price it again.
		s.forgetDeal(promotionID)
		return ErrDealSoldOut
	}
	s.dealChanged(tx, promotionID)
	return nil
}

// DealPurchase is one order's units bought under a deal, recorded so per-buyer limits
// hold and a cancellation returns the units.
type DealPurchase struct {
	PromotionID, OrderID, SKUID, ItemSKUID, ProductID, BuyerID id.ID
	Quantity                                                   int64
}

// RecordPurchase records a deal purchase in the caller's transaction.
func (s *Service) RecordPurchase(ctx context.Context, tx *db.Tx, p DealPurchase) error {
	return s.RecordPurchases(ctx, tx, []DealPurchase{p})
}

// RecordPurchases records many deal purchases with few statements (a flash sale's batch).
func (s *Service) RecordPurchases(ctx context.Context, tx *db.Tx, ps []DealPurchase) error {
	args := make([]any, 0, 7*len(ps))
	for _, p := range ps {
		args = append(args, p.PromotionID, p.OrderID, p.SKUID, p.ItemSKUID, p.ProductID, p.BuyerID, p.Quantity)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO promotion_purchases (promotion_id, order_id, sku_id, item_sku_id, product_id, buyer_id, quantity) VALUES `,
		7, args, ""); err != nil {
		return fmt.Errorf("promo: record deal purchase: %w", err)
	}
	return nil
}

// DealStock is a flash-sale item's units as committed: what it offers and what is
// taken by orders not cancelled.
func (s *Service) DealStock(ctx context.Context, q db.Querier, promotionID, productID, itemSKU id.ID) (quantity, sold int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT quantity, sold FROM promotion_items WHERE promotion_id = $1 AND product_id = $2 AND sku_id = $3`,
		promotionID, productID, itemSKU).Scan(&quantity, &sold)
	return quantity, sold, err
}

// BoughtUnder is how many units each buyer holds under a promotion, for rebuilding an
// in-memory per-buyer limit after a restart.
func (s *Service) BoughtUnder(ctx context.Context, q db.Querier, promotionID id.ID) (map[id.ID]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT buyer_id, SUM(quantity) FROM promotion_purchases WHERE promotion_id = $1 GROUP BY buyer_id`, promotionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[id.ID]int64{}
	for rows.Next() {
		var b id.ID
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, err
		}
		out[b] = n
	}
	return out, rows.Err()
}
