package analytics

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// A fact's category is the category code its product had when the order was paid:
// a payment reads it from the catalogue; a cancellation or refund takes the one its
// line's payment recorded, so a product moved to another category later nets out
// of the category it was counted in. Rollups keep the codes (leaves or inner nodes,
// whatever the product names); views roll them up the tree.

// lookupChunk bounds the ids of one catalogue lookup (SQLite's variable limit).
const lookupChunk = 500

// productCategories reads the category code of each product the catalogue knows.
func (s *Service) productCategories(ctx context.Context, productIDs []id.ID) (map[id.ID]string, error) {
	out := map[id.ID]string{}
	ids := uniqueIDs(productIDs)
	for len(ids) > 0 {
		n := min(len(ids), lookupChunk)
		ps, err := s.Catalog.ProductsByID(ctx, ids[:n])
		if err != nil {
			return nil, fmt.Errorf("analytics: product categories: %w", err)
		}
		for _, p := range ps {
			out[p.ID] = p.Category
		}
		ids = ids[n:]
	}
	return out, nil
}

// lineCategories says each line's category for an order event: for a payment the
// products' categories now, for a cancellation or refund the category the line's
// payment was counted in (the products' now if that payment was never recorded).
func (s *Service) lineCategories(ctx context.Context, o events.Order, isPaid bool) (map[id.ID]string, error) {
	out := map[id.ID]string{}
	if !isPaid && len(o.Lines) > 0 {
		ph := make([]string, len(o.Lines))
		args := make([]any, len(o.Lines))
		for i, l := range o.Lines {
			ph[i], args[i] = fmt.Sprintf("$%d", i+1), l.LineID
		}
		rows, err := s.db.QueryContext(ctx, `SELECT order_line_id, category FROM gmv_facts
			WHERE order_line_id IN (`+strings.Join(ph, ", ")+`) AND kind = 'paid'`, args...)
		if err != nil {
			return nil, fmt.Errorf("analytics: line categories: %w", err)
		}
		for rows.Next() {
			var line id.ID
			var c string
			if err := rows.Scan(&line, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[line] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var missing []id.ID
	for _, l := range o.Lines {
		if _, ok := out[l.LineID]; !ok {
			missing = append(missing, l.ProductID)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	byProduct, err := s.productCategories(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, l := range o.Lines {
		if _, ok := out[l.LineID]; !ok {
			out[l.LineID] = byProduct[l.ProductID]
		}
	}
	return out, nil
}

func uniqueIDs(ids []id.ID) []id.ID {
	seen := make(map[id.ID]bool, len(ids))
	out := make([]id.ID, 0, len(ids))
	for _, v := range ids {
		if v != 0 && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// categoryTree is the catalogue's category tree by code.
type categoryTree map[string]catalog.Category

func (s *Service) categoryTree(ctx context.Context) (categoryTree, error) {
	cs, err := s.Catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	t := make(categoryTree, len(cs))
	for _, c := range cs {
		t[c.Code] = c
	}
	return t, nil
}

// root is the top-level category a code is under ("lips" -> "beauty"); a code the
// tree does not know (renamed since, or empty) is its own root.
func (t categoryTree) root(code string) string {
	c, ok := t[code]
	if !ok {
		return code
	}
	r, _, _ := strings.Cut(c.Path, "/")
	return r
}

// label names a code for people with its path of names ("Beauty & Personal Care ›
// Makeup › Lips"); "" is "Uncategorised".
func (t categoryTree) label(code string) string {
	if code == "" {
		return "Uncategorised"
	}
	c, ok := t[code]
	if !ok {
		return code
	}
	var names []string
	for _, p := range strings.Split(c.Path, "/") {
		if n, ok := t[p]; ok {
			names = append(names, n.Name)
		} else {
			names = append(names, p)
		}
	}
	return strings.Join(names, " › ")
}

// subtree lists code and every code under it.
func (t categoryTree) subtree(code string) []string {
	c, ok := t[code]
	if !ok {
		return []string{code}
	}
	var out []string
	for k, v := range t {
		if v.Path == c.Path || strings.HasPrefix(v.Path, c.Path+"/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ErrCategoryNotFound refuses a category the tree does not have.
var ErrCategoryNotFound = errs.New(errs.Invalid, "category_not_found", "no such category").OnField("category")

// categorySeries sums the rollup rows of a category and everything under it, by period.
func (s *Service) categorySeries(ctx context.Context, q db.Querier, grain string, codes []string, marketCode, from, to string) (map[string]sums, error) {
	args := []any{grain, dimCategory, marketCode, from, to}
	ph := make([]string, len(codes))
	for i, c := range codes {
		args = append(args, c)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT period, SUM(gmv), SUM(gmv_usd), SUM(orders), SUM(units) FROM gmv_rollups
		WHERE grain = $1 AND dim = $2 AND market = $3 AND period >= $4 AND period <= $5 AND ref IN (`+strings.Join(ph, ", ")+`)
		GROUP BY period`, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: read category rollup: %w", err)
	}
	defer rows.Close()
	out := map[string]sums{}
	for rows.Next() {
		var p string
		var v sums
		if err := rows.Scan(&p, &v.gmv, &v.usd, &v.orders, &v.units); err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, rows.Err()
}

// backfillCategories gives facts recorded without a category (before facts carried
// one, or of a product that had none when it sold) the category their product has
// now, and returns how many facts it changed; Prepare then rebuilds the rollups.
// Facts of products still without a category stay uncategorised, so running it
// again changes nothing; the partial index gmv_facts_uncategorised (migration 913)
// keeps the search to the facts that lack one.
func (s *Service) backfillCategories(ctx context.Context) (int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT product_id FROM gmv_facts WHERE category = '' AND product_id <> 0`)
	if err != nil {
		return 0, fmt.Errorf("analytics: uncategorised facts: %w", err)
	}
	var products []id.ID
	for rows.Next() {
		var p id.ID
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return 0, err
		}
		products = append(products, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(products) == 0 {
		return 0, err
	}
	cats, err := s.productCategories(ctx, products)
	if err != nil {
		return 0, err
	}
	var changed int64
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		for _, p := range products {
			if cats[p] == "" {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE gmv_facts SET category = $1 WHERE product_id = $2 AND category = ''`, cats[p], p)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			changed += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("analytics: backfill categories: %w", err)
	}
	if changed > 0 {
		s.log.Info("analytics: facts given their product's category", "facts", changed)
	}
	return changed, nil
}
