package ledger

import (
	"context"
	"fmt"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Referral fees per category. A market's policy (effective-dated, as every policy)
// sets a default rate and rates for categories of the catalogue's tree; a product in
// a category without a rate of its own takes its nearest ancestor's, then the
// market's. When the ledger books a payment it fixes each line's category and rate
// (ledger_line_fees): an order keeps the fees it was sold under, whatever later
// happens to the product's category or the policy, and a refund after settlement
// gives back exactly the fee the settlement took.

// SetCatalog gives the ledger the catalogue, to read products' categories.
func (s *Service) SetCatalog(c *catalog.Service) { s.catalog = c }

// CategoryRate is the referral fee rate of category code in a policy: the code's own
// rate, else its nearest ancestor's in path ("beauty/makeup/lips"), else the market's.
func CategoryRate(p market.Policy, path string) money.BP {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if bp, ok := p.Fees.CategoryReferralFeeBP[parts[i]]; ok && parts[i] != "" {
			return money.BP(bp)
		}
	}
	return money.BP(p.Fees.ReferralFeeBP)
}

// lineFee is one order line's fixed category and rate.
type lineFee struct {
	line     id.ID
	category string
	bp       money.BP
}

// lineFeesOf works out each line's category and rate now: the products' categories
// in the catalogue, the policy in force when the buyer paid.
func (s *Service) lineFeesOf(ctx context.Context, o events.Order, p market.Policy) ([]lineFee, error) {
	paths := map[id.ID]string{}
	codes := map[id.ID]string{}
	if s.catalog != nil && len(o.Lines) > 0 {
		ids := make([]id.ID, 0, len(o.Lines))
		for _, l := range o.Lines {
			ids = append(ids, l.ProductID)
		}
		ps, err := s.catalog.ProductsByID(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("ledger: product categories: %w", err)
		}
		var tree map[string]string
		for _, pr := range ps {
			codes[pr.ID] = pr.Category
			if pr.Category == "" {
				continue
			}
			if tree == nil {
				cs, err := s.catalog.Categories(ctx)
				if err != nil {
					return nil, err
				}
				tree = map[string]string{}
				for _, c := range cs {
					tree[c.Code] = c.Path
				}
			}
			if path, ok := tree[pr.Category]; ok {
				paths[pr.ID] = path
			} else {
				paths[pr.ID] = pr.Category
			}
		}
	}
	out := make([]lineFee, 0, len(o.Lines))
	for _, l := range o.Lines {
		out = append(out, lineFee{line: l.LineID, category: codes[l.ProductID], bp: CategoryRate(p, paths[l.ProductID])})
	}
	return out, nil
}

// fixLineFees records each line's category and rate, once: a replay keeps the first.
func fixLineFees(ctx context.Context, tx *db.Tx, orderID id.ID, fs []lineFee) error {
	for _, f := range fs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_line_fees (order_line_id, order_id, category, referral_bp) VALUES ($1, $2, $3, $4)
			ON CONFLICT (order_line_id) DO NOTHING`, f.line, orderID, f.category, int64(f.bp)); err != nil {
			return fmt.Errorf("ledger: fix line fees: %w", err)
		}
	}
	return nil
}

// fixedLineFees reads the rates fixed for an order's lines.
func (s *Service) fixedLineFees(ctx context.Context, orderID id.ID) (map[id.ID]money.BP, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT order_line_id, referral_bp FROM ledger_line_fees WHERE order_id = $1`, orderID)
	if err != nil {
		return nil, fmt.Errorf("ledger: line fees: %w", err)
	}
	defer rows.Close()
	out := map[id.ID]money.BP{}
	for rows.Next() {
		var line id.ID
		var bp int64
		if err := rows.Scan(&line, &bp); err != nil {
			return nil, err
		}
		out[line] = money.BP(bp)
	}
	return out, rows.Err()
}
