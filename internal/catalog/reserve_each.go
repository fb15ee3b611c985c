package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Want is what one line of a checkout wants from a SKU's stock.
type Want struct {
	SKUID    id.ID
	Quantity int64
}

// Refusal says why a checkout's stock was not reserved: Err is nil when it was, else
// ErrOutOfStock, ErrNotForSale or ErrSKUNotFound for the line at index Line.
type Refusal struct {
	Line int
	Err  error
}

// ReserveEach reserves stock for many checkouts at once in the caller's transaction
// (a group-commit batch), each checkout all or nothing. While stock lasts it costs one
// conditional update per SKU for the whole batch, however many checkouts share the
// SKU; when a SKU runs short, checkouts are admitted in the order given until it is
// gone and the rest are refused, each told what Reserve would have told it alone. The
// conditional updates keep the guarantee Reserve gives: stock never goes below zero,
// on either engine, whoever else is writing.
func (s *Service) ReserveEach(ctx context.Context, tx *db.Tx, wants [][]Want) ([]Refusal, error) {
	need := map[id.ID]int64{}
	var skus []id.ID
	for _, w := range wants {
		for _, t := range w {
			if _, ok := need[t.SKUID]; !ok {
				skus = append(skus, t.SKUID)
			}
			need[t.SKUID] += t.Quantity
		}
	}
	slices.Sort(skus) // one lock order for every writer (PostgreSQL)
	short := map[id.ID]*skuLeft{}
	for _, sku := range skus {
		ok, err := takeStock(ctx, tx, sku, need[sku])
		if err != nil {
			return nil, err
		}
		if !ok {
			short[sku] = nil
		}
	}
	refusals := make([]Refusal, len(wants))
	if len(short) == 0 {
		return refusals, nil
	}

	// Some SKU cannot serve the whole batch: read what it has (locked on PostgreSQL)
	// and admit checkouts in order.
	for _, sku := range skus {
		if _, ok := short[sku]; !ok {
			continue
		}
		left := &skuLeft{}
		err := tx.QueryRowContext(ctx, `SELECT k.stock, (SELECT p.status FROM products p WHERE p.id = k.product_id) FROM skus k WHERE k.id = $1`+db.ForUpdate(tx), sku).
			Scan(&left.stock, &left.status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			left.missing = true
		case err != nil:
			return nil, fmt.Errorf("catalog: read stock: %w", err)
		}
		short[sku] = left
	}
	take := map[id.ID]int64{}     // units of short SKUs for the admitted
	giveBack := map[id.ID]int64{} // units of other SKUs already taken for the refused
	for i, w := range wants {
		refusals[i] = admit(w, short)
		for _, t := range w {
			_, isShort := short[t.SKUID]
			switch {
			case refusals[i].Err == nil && isShort:
				short[t.SKUID].stock -= t.Quantity
				take[t.SKUID] += t.Quantity
			case refusals[i].Err != nil && !isShort:
				giveBack[t.SKUID] += t.Quantity
			}
		}
	}
	for _, sku := range skus {
		if n := take[sku]; n > 0 {
			ok, err := takeStock(ctx, tx, sku, n)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("catalog: stock of SKU %s changed under its lock", sku)
			}
		}
		if n := giveBack[sku]; n > 0 {
			if err := s.Release(ctx, tx, sku, n); err != nil {
				return nil, err
			}
		}
	}
	return refusals, nil
}

// skuLeft is what a short SKU has left while a batch is admitted.
type skuLeft struct {
	stock   int64
	status  Status
	missing bool
}

// admit decides one checkout against the short SKUs' remaining stock.
func admit(w []Want, short map[id.ID]*skuLeft) Refusal {
	for li, t := range w {
		left, ok := short[t.SKUID]
		switch {
		case !ok:
		case left.missing:
			return Refusal{li, ErrSKUNotFound}
		case left.status != Live:
			return Refusal{li, ErrNotForSale.With("this item was just taken off sale")}
		case left.stock <= 0:
			return Refusal{li, ErrOutOfStock.With("sold out")}
		case left.stock < t.Quantity:
			return Refusal{li, ErrOutOfStock.With("only %d left", left.stock)}
		}
	}
	return Refusal{}
}

// takeStock moves qty units of a live SKU from stock to reserved if that many remain.
func takeStock(ctx context.Context, tx *db.Tx, sku id.ID, qty int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE skus SET stock = stock - $1, reserved = reserved + $1 WHERE id = $2 AND stock >= $1
		AND EXISTS (SELECT 1 FROM products p WHERE p.id = skus.product_id AND p.status = 'live')`, qty, sku)
	if err != nil {
		return false, fmt.Errorf("catalog: reserve: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
