package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Every list price a SKU has had is kept with the moment it took effect, so rules that
// look back ("a flash-sale price must beat the lowest price of the last 30 days") read
// history rather than trust the seller.

func recordPrice(ctx context.Context, tx *db.Tx, skuID id.ID, price int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sku_prices (sku_id, effective_from, price) VALUES ($1, $2, $3)
		ON CONFLICT (sku_id, effective_from) DO UPDATE SET price = $3`, skuID, db.Micros(at), price)
	if err != nil {
		return fmt.Errorf("catalog: record price: %w", err)
	}
	return nil
}

// SetPrice changes a SKU's list price. The seller who manages its shop only; the price
// must be in the market's currency.
func (s *Service) SetPrice(ctx context.Context, actor auth.Actor, skuID id.ID, price money.Money) (SKU, error) {
	it, err := s.itemAnyStatus(ctx, skuID)
	if err != nil {
		return SKU{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, it.ShopID); err != nil {
		return SKU{}, err
	}
	if price.Currency != it.Price.Currency {
		return SKU{}, ErrWrongCurrency.With("price is in %q but this SKU sells in %s", price.Currency, it.Price.Currency).OnField("price.currency")
	}
	if price.Amount <= 0 {
		return SKU{}, errs.Invalidf("price.amount", "a price must be more than zero (amounts are in minor units: 1999 is 19.99)")
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE skus SET price = $1, updated_at = $2 WHERE id = $3`, price.Amount, db.Micros(now), skuID); err != nil {
			return err
		}
		return recordPrice(ctx, tx, skuID, price.Amount, now)
	})
	if err != nil {
		return SKU{}, fmt.Errorf("catalog: set price: %w", err)
	}
	it.Price = price
	return it.SKU, nil
}

// LowestPrice returns the lowest list price a SKU had at any moment from since until
// now: the price in force at since, and every price set after it.
func (s *Service) LowestPrice(ctx context.Context, q db.Querier, skuID id.ID, since time.Time) (int64, error) {
	var low *int64
	err := q.QueryRowContext(ctx, `SELECT MIN(price) FROM sku_prices WHERE sku_id = $1 AND (effective_from >= $2
		OR effective_from = (SELECT MAX(effective_from) FROM sku_prices WHERE sku_id = $1 AND effective_from < $2))`,
		skuID, db.Micros(since)).Scan(&low)
	if err != nil {
		return 0, fmt.Errorf("catalog: lowest price: %w", err)
	}
	if low == nil {
		return 0, ErrSKUNotFound
	}
	return *low, nil
}
