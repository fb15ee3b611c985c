package promo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

const promotionColumns = `id, shop_id, market, kind, title, starts_at, ends_at, status, exclusive, per_buyer_limit, tiers, min_spend, discount_amount, all_products, created_at`

// loadPromotions reads promotions matching where, with their items.
func loadPromotions(ctx context.Context, q db.Querier, where string, args ...any) ([]Promotion, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+promotionColumns+` FROM promotions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("promo: load promotions: %w", err)
	}
	var out []Promotion
	index := map[id.ID]int{}
	for rows.Next() {
		var p Promotion
		var starts, ends, created int64
		var tiers string
		if err := rows.Scan(&p.ID, &p.ShopID, &p.Market, &p.Kind, &p.Title, &starts, &ends, &p.Status, &p.Exclusive, &p.PerBuyerLimit,
			&tiers, &p.MinSpend, &p.DiscountAmount, &p.AllProducts, &created); err != nil {
			rows.Close()
			return nil, err
		}
		p.StartsAt, p.EndsAt, p.CreatedAt = db.Time(starts), db.Time(ends), db.Time(created)
		if tiers != "" {
			if err := json.Unmarshal([]byte(tiers), &p.Tiers); err != nil {
				rows.Close()
				return nil, fmt.Errorf("promo: tiers of %d: %w", p.ID, err)
			}
		}
		index[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ph := make([]string, len(out))
	ids := make([]any, len(out))
	for i, p := range out {
		ph[i], ids[i] = fmt.Sprintf("$%d", i+1), p.ID
	}
	irows, err := q.QueryContext(ctx, `SELECT promotion_id, product_id, sku_id, deal_price, discount_bp, quantity, sold FROM promotion_items
		WHERE promotion_id IN (`+strings.Join(ph, ",")+`) ORDER BY promotion_id, product_id, sku_id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("promo: load items: %w", err)
	}
	defer irows.Close()
	for irows.Next() {
		var pid id.ID
		var it Item
		if err := irows.Scan(&pid, &it.ProductID, &it.SKUID, &it.DealPrice, &it.DiscountBP, &it.Quantity, &it.Sold); err != nil {
			return nil, err
		}
		out[index[pid]].Items = append(out[index[pid]].Items, it)
	}
	return out, irows.Err()
}

func insertPromotion(ctx context.Context, tx *db.Tx, p Promotion) error {
	tiers := ""
	if len(p.Tiers) > 0 {
		b, _ := json.Marshal(p.Tiers)
		tiers = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO promotions (`+promotionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		p.ID, p.ShopID, p.Market, string(p.Kind), p.Title, db.Micros(p.StartsAt), db.Micros(p.EndsAt), p.Status, p.Exclusive, p.PerBuyerLimit,
		tiers, p.MinSpend, p.DiscountAmount, p.AllProducts, db.Micros(p.CreatedAt)); err != nil {
		return fmt.Errorf("promo: insert promotion: %w", err)
	}
	for _, it := range p.Items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO promotion_items (promotion_id, product_id, sku_id, deal_price, discount_bp, quantity, sold)
			VALUES ($1, $2, $3, $4, $5, $6, 0)`, p.ID, it.ProductID, it.SKUID, it.DealPrice, int64(it.DiscountBP), it.Quantity); err != nil {
			return fmt.Errorf("promo: insert item: %w", err)
		}
	}
	return nil
}

const couponColumns = `id, code, market, funder, COALESCE(shop_id, 0), kind, amount, discount_bp, min_spend, max_discount, starts_at, ends_at, total, used, per_buyer_limit, status, created_at`

func loadCoupons(ctx context.Context, q db.Querier, where string, args ...any) ([]Coupon, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+couponColumns+` FROM coupons `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("promo: load coupons: %w", err)
	}
	defer rows.Close()
	var out []Coupon
	for rows.Next() {
		var c Coupon
		var starts, ends, created int64
		if err := rows.Scan(&c.ID, &c.Code, &c.Market, &c.Funder, &c.ShopID, &c.Kind, &c.Amount, &c.DiscountBP, &c.MinSpend, &c.MaxDiscount,
			&starts, &ends, &c.Total, &c.Used, &c.PerBuyerLimit, &c.Status, &created); err != nil {
			return nil, err
		}
		c.StartsAt, c.EndsAt, c.CreatedAt = db.Time(starts), db.Time(ends), db.Time(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func couponByCode(ctx context.Context, q db.Querier, market, code string) (Coupon, error) {
	cs, err := loadCoupons(ctx, q, `WHERE market = $1 AND code = $2`, market, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return Coupon{}, err
	}
	if len(cs) == 0 {
		return Coupon{}, ErrCouponNotFound.With("no coupon %q in this market", code)
	}
	return cs[0], nil
}

// countRedemptions counts the checkouts in which a buyer used a coupon and kept it.
func countRedemptions(ctx context.Context, q db.Querier, couponID, buyer id.ID) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT checkout_id) FROM coupon_redemptions WHERE coupon_id = $1 AND buyer_id = $2 AND released = FALSE`, couponID, buyer).Scan(&n)
	return n, err
}

func boughtUnder(ctx context.Context, q db.Querier, promotionID, buyer id.ID) (int64, error) {
	var n sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT SUM(quantity) FROM promotion_purchases WHERE promotion_id = $1 AND buyer_id = $2`, promotionID, buyer).Scan(&n)
	return n.Int64, err
}

func enrolments(ctx context.Context, q db.Querier, shopID id.ID) (map[string]bool, error) {
	all, err := enrolmentsOf(ctx, q, []any{shopID})
	if err != nil || all[shopID] != nil {
		return all[shopID], err
	}
	return map[string]bool{}, nil
}

// enrolmentsOf reads several shops' shipping programme enrolments in one query.
func enrolmentsOf(ctx context.Context, q db.Querier, shopIDs []any) (map[id.ID]map[string]bool, error) {
	out := map[id.ID]map[string]bool{}
	if len(shopIDs) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT shop_id, program, enrolled FROM shipping_enrolments WHERE shop_id IN (`+numbered(1, len(shopIDs))+`)`, shopIDs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var shop id.ID
		var p string
		var e bool
		if err := rows.Scan(&shop, &p, &e); err != nil {
			return nil, err
		}
		if out[shop] == nil {
			out[shop] = map[string]bool{}
		}
		out[shop][p] = e
	}
	return out, rows.Err()
}

// numbered is "$from, $from+1, ..." for n parameters.
func numbered(from, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ph, ", ")
}

func setEnrolment(ctx context.Context, tx *db.Tx, shopID id.ID, program string, enrolled bool, by id.ID, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO shipping_enrolments (shop_id, program, enrolled, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (shop_id, program) DO UPDATE SET enrolled = $3, changed_at = $4, changed_by = $5`, shopID, program, enrolled, db.Micros(at), by)
	return err
}
