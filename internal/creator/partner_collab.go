package creator

import (
	"context"
	"fmt"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Reads for partner tools (the Open API's affiliate-for-sellers family).

// ShowcaseCounts returns how many creators have each product in their showcase;
// products no one showcases are left out.
func (s *Service) ShowcaseCounts(ctx context.Context, productIDs []id.ID) (map[id.ID]int64, error) {
	out := map[id.ID]int64{}
	if len(productIDs) == 0 {
		return out, nil
	}
	ph := make([]string, len(productIDs))
	args := make([]any, len(productIDs))
	for i, p := range productIDs {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), p
	}
	rows, err := s.db.QueryContext(ctx, `SELECT product_id, COUNT(*) FROM showcase_items WHERE product_id IN (`+strings.Join(ph, ",")+`) GROUP BY product_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("creator: showcase counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p id.ID
		var n int64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = n
	}
	return out, rows.Err()
}
