package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Search: full-text over titles and descriptions with filters (market, category and
// its subtree, price range, in stock, Mall shops only) and cursor pagination: by
// relevance when there is text (FTS5 bm25 on SQLite, ts_rank on PostgreSQL, a title
// word weighing more than a description word; ties newest first), else newest first.
// Ranking scores the newest Service.RankWindow matches that pass the filters, not
// every match, so a very common word costs a bounded amount: such a search ranks its
// newest 500 matches (sort=newest reaches them all). The text index differs by
// engine (FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL: see
// migrations 202, 213 and 217); filters are plain SQL shared by both. Mall only is
// indexed with the text on both engines (migration 217), because a Mall-only word
// search that had to look up each match's shop visited ten matches per result.
// Price and stock filters look at the SKUs themselves, so they are never stale
// whoever changed a price or sold the last unit.

// Category is a node of the category tree.
type Category struct {
	Code   string `json:"code"`
	Parent string `json:"parent,omitempty"`
	Name   string `json:"name"`
	Path   string `json:"path"` // codes from the root joined by "/"
}

// ErrCategoryNotFound refuses a category code that is not in the tree.
var ErrCategoryNotFound = errs.New(errs.Invalid, "category_not_found", "no such category").OnField("category")

// Categories lists the tree in path order (parents before children).
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code, parent, name, path FROM categories ORDER BY path`)
	if err != nil {
		return nil, fmt.Errorf("catalog: categories: %w", err)
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.Code, &c.Parent, &c.Name, &c.Path); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) category(ctx context.Context, code string) (Category, error) {
	var c Category
	err := s.db.QueryRowContext(ctx, `SELECT code, parent, name, path FROM categories WHERE code = $1`, code).Scan(&c.Code, &c.Parent, &c.Name, &c.Path)
	if errors.Is(err, sql.ErrNoRows) {
		return Category{}, ErrCategoryNotFound.With("there is no category %q", code)
	}
	return c, err
}

func (s *Service) checkCategory(ctx context.Context, code string) error {
	if code == "" {
		return nil
	}
	_, err := s.category(ctx, code)
	return err
}

// SearchQuery is a catalogue search in one market. Zero values mean "any".
type SearchQuery struct {
	Market   string `json:"market"`
	Text     string `json:"q"`
	Category string `json:"category"`  // includes its subcategories
	MinPrice int64  `json:"min_price"` // minor units; some SKU priced in range
	MaxPrice int64  `json:"max_price"`
	InStock  bool   `json:"in_stock"`
	MallOnly bool   `json:"mall_only"`
	// Sort is SortRelevance (the default when there is text) or SortNewest.
	Sort   string `json:"sort"`
	Cursor string `json:"cursor"` // from the previous page's Next
	Limit  int    `json:"limit"`  // 1-100, 20 by default
}

// SearchPage is one page of results and the cursor of the next ("" at the end).
type SearchPage struct {
	Products []Product `json:"products"`
	Next     string    `json:"next,omitempty"`
}

// DefaultRankWindow is how many of the newest matches a ranked search scores.
const DefaultRankWindow = 500

// Search orders.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
)

// MaxSearchTerms bounds the words of a text query.
const MaxSearchTerms = 8

// terms splits text into lower-case words of letters and digits: safe to quote into
// either engine's query syntax.
func terms(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) > MaxSearchTerms {
		f = f[:MaxSearchTerms]
	}
	return f
}

// Search finds live products. Bad input (an unknown market or category, a negative
// or inverted price range, a cursor not from a previous page) is refused naming the field.
func (s *Service) Search(ctx context.Context, q SearchQuery) (SearchPage, error) {
	ids, next, err := s.SearchIDs(ctx, q)
	if err != nil {
		return SearchPage{}, err
	}
	ps, err := s.ProductsByID(ctx, ids)
	return SearchPage{Products: ps, Next: next}, err
}

// SearchIDs is Search returning product ids only.
func (s *Service) SearchIDs(ctx context.Context, q SearchQuery) ([]id.ID, string, error) {
	if _, err := s.markets.Market(ctx, q.Market); err != nil {
		return nil, "", errs.OnField(err, "market")
	}
	switch {
	case q.MinPrice < 0:
		return nil, "", errs.Invalidf("min_price", "a price must not be negative")
	case q.MaxPrice < 0:
		return nil, "", errs.Invalidf("max_price", "a price must not be negative")
	case q.MaxPrice > 0 && q.MinPrice > q.MaxPrice:
		return nil, "", errs.Invalidf("max_price", "the highest price is below the lowest")
	case q.Limit < 0 || q.Limit > 100:
		return nil, "", errs.Invalidf("limit", "a page is 1-100 products")
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	if q.Sort != "" && q.Sort != SortRelevance && q.Sort != SortNewest {
		return nil, "", errs.Invalidf("sort", "sort is %q or %q", SortRelevance, SortNewest)
	}
	ts := terms(q.Text)
	ranked := len(ts) > 0 && q.Sort != SortNewest
	cursor, cursorScore, err := parseCursor(q.Cursor, ranked)
	if err != nil {
		return nil, "", err
	}

	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	pg := s.db.Engine() == db.Postgres
	from := `products p`
	order := `p.id DESC`
	// score is the relevance of a row, higher is better: ts_rank, or bm25 negated
	// (bm25 is lower for better matches). Title words weigh more (the 'A' weight on
	// PostgreSQL, 10 to 1 on SQLite).
	score := `0`
	if len(ts) > 0 {
		if pg {
			from = `products p, plainto_tsquery('simple', ` + arg(strings.Join(ts, " ")) + `) tq`
			where = append(where, `p.search @@ tq`)
			score = `ts_rank(p.search, tq)::float8`
		} else {
			quoted := make([]string, len(ts))
			for i, t := range ts {
				quoted[i] = `"` + t + `"`
			}
			// The searcher's words are looked for in the title and body only; the tags
			// column holds "mall" for Mall products, so a Mall-only search intersects
			// the two in the index instead of looking up every match's shop.
			match := `{title body} : (` + strings.Join(quoted, " ") + `)`
			if q.MallOnly {
				match += ` AND tags : mall`
			}
			from = `product_fts f JOIN products p ON p.id = f.rowid`
			where = append(where, `product_fts MATCH `+arg(match))
			order = `f.rowid DESC` // FTS5 walks its index in rowid order
			score = `-bm25(product_fts, 10.0, 1.0, 0.0)`
		}
	}
	if !ranked {
		score = `0` // newest first needs no ranking
	}
	where = append(where, `p.market = `+arg(q.Market), `p.status = 'live'`)
	if q.Category != "" {
		c, err := s.category(ctx, q.Category)
		if err != nil {
			return nil, "", err
		}
		sub, err := s.subtree(ctx, c)
		if err != nil {
			return nil, "", err
		}
		ph := make([]string, len(sub))
		for i, code := range sub {
			ph[i] = arg(code)
		}
		where = append(where, `p.category IN (`+strings.Join(ph, ", ")+`)`)
	}
	if q.InStock || q.MinPrice > 0 || q.MaxPrice > 0 {
		cond := []string{`k.product_id = p.id`}
		if q.InStock {
			cond = append(cond, `k.stock > 0`)
		}
		if q.MinPrice > 0 {
			cond = append(cond, `k.price >= `+arg(q.MinPrice))
		}
		if q.MaxPrice > 0 {
			cond = append(cond, `k.price <= `+arg(q.MaxPrice))
		}
		where = append(where, `EXISTS (SELECT 1 FROM skus k WHERE `+strings.Join(cond, " AND ")+`)`)
	}
	if q.MallOnly && (pg || len(ts) == 0) {
		// products.mall mirrors the shop's badge (kept by the seller service): it
		// selects the partial indexes of Mall products. SQLite's text search has the
		// mark in its MATCH already, and the column is left out there so the planner
		// is not offered the Mall index as a way into a full-text query.
		where = append(where, `p.mall`)
	}
	query := `SELECT p.id, ` + score + ` AS score FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order
	if ranked {
		// Rank the newest RankWindow matches (the same candidates for every page of a
		// stable index), then page through them by score. After the previous page's last
		// row: a lower score, or the same score and an older product. Scores compare
		// exactly (the cursor carries the float's bits).
		query = `SELECT id, score FROM (` + query + ` LIMIT ` + arg(s.RankWindow) + `) c`
		if cursor > 0 {
			sa, ca := arg(cursorScore), arg(cursor)
			query += ` WHERE score < ` + sa + ` OR (score = ` + sa + ` AND id < ` + ca + `)`
		}
		query += ` ORDER BY score DESC, id DESC`
	} else if cursor > 0 {
		// Newest first: the cursor bounds the scan itself.
		query = `SELECT p.id, 0 AS score FROM ` + from + ` WHERE ` + strings.Join(append(where, `p.id < `+arg(cursor)), " AND ") + ` ORDER BY ` + order
	}
	// Planned for its own values: whether to walk the newest products or read the
	// text index first depends on how common the words are.
	rows, err := s.db.QueryPlannedEach(ctx, query+` LIMIT `+arg(q.Limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: search: %w", err)
	}
	defer rows.Close()
	var ids []id.ID
	var scores []float64
	for rows.Next() {
		var v id.ID
		var sc float64
		if err := rows.Scan(&v, &sc); err != nil {
			return nil, "", err
		}
		ids = append(ids, v)
		scores = append(scores, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) > q.Limit {
		ids = ids[:q.Limit]
		last := len(ids) - 1
		next = strconv.FormatInt(int64(ids[last]), 36)
		if ranked {
			next += "." + strconv.FormatUint(math.Float64bits(scores[last]), 36)
		}
	}
	return ids, next, nil
}

// parseCursor reads a page cursor: the last product id in base 36, and for a ranked
// search "<id>.<the score's float bits>" (both base 36). A cursor of the other kind
// is refused: it came from another search.
func parseCursor(c string, ranked bool) (int64, float64, error) {
	bad := errs.Invalidf("cursor", "use the cursor of a previous page of this search")
	if c == "" {
		return 0, 0, nil
	}
	idPart, scorePart, hasScore := strings.Cut(c, ".")
	if ranked != hasScore {
		return 0, 0, bad
	}
	v, err := strconv.ParseInt(idPart, 36, 64)
	if err != nil || v <= 0 {
		return 0, 0, bad
	}
	if !ranked {
		return v, 0, nil
	}
	bits, err := strconv.ParseUint(scorePart, 36, 64)
	score := math.Float64frombits(bits)
	if err != nil || math.IsNaN(score) || math.IsInf(score, 0) {
		return 0, 0, bad
	}
	return v, score, nil
}

// subtree lists a category's code and its descendants'.
func (s *Service) subtree(ctx context.Context, c Category) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code FROM categories WHERE path = $1 OR path LIKE $2`, c.Path, c.Path+"/%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, rows.Err()
}
