package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Reads for partner tools (the Open API's analytics family): a shop's products with
// their GMV, orders and units over any range of time. Products are rolled up by month
// only, so this reads the facts of the range (through the market and time index).

// ProductFigures is one product's figures over a range.
type ProductFigures struct {
	ProductID id.ID
	Figures
}

// ShopProducts returns the shop's products that sold (or were cancelled or refunded)
// within [from, to), by GMV, highest first, for the seller who manages the shop. GMV
// is as everywhere in analytics: original prices, net of cancellations and refunds;
// orders count paid orders less cancelled ones.
func (s *Service) ShopProducts(ctx context.Context, actor auth.Actor, shopID id.ID, from, to time.Time) ([]ProductFigures, error) {
	sh, err := s.Sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return nil, err
	}
	m, err := s.Markets.Market(ctx, sh.Market)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT product_id, SUM(amount), COALESCE(SUM(amount_usd), 0), SUM(units),
			COUNT(DISTINCT CASE WHEN kind = 'paid' THEN order_id END) - COUNT(DISTINCT CASE WHEN kind = 'cancelled' THEN order_id END)
		FROM gmv_facts WHERE market = $1 AND at >= $2 AND at < $3 AND shop_id = $4 AND product_id <> 0
		GROUP BY product_id ORDER BY SUM(amount) DESC, product_id`, m.Code, db.Micros(from), db.Micros(to), shopID)
	if err != nil {
		return nil, fmt.Errorf("analytics: shop products: %w", err)
	}
	defer rows.Close()
	var out []ProductFigures
	for rows.Next() {
		var p ProductFigures
		var v sums
		if err := rows.Scan(&p.ProductID, &v.gmv, &v.usd, &v.units, &v.orders); err != nil {
			return nil, err
		}
		p.Figures = figures(v, m.Currency)
		out = append(out, p)
	}
	return out, rows.Err()
}
