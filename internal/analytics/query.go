package analytics

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// sums is one rollup row's figures.
type sums struct{ gmv, usd, orders, units int64 }

func (a sums) plus(b sums) sums {
	return sums{a.gmv + b.gmv, a.usd + b.usd, a.orders + b.orders, a.units + b.units}
}

// Figures is GMV with its count of orders and units, in the market's currency and in
// US dollars.
type Figures struct {
	GMV    money.Money `json:"gmv"`
	GMVUSD money.Money `json:"gmv_usd"`
	Orders int64       `json:"orders"`
	Units  int64       `json:"units"`
}

func figures(s sums, currency string) Figures {
	return Figures{GMV: money.New(s.gmv, currency), GMVUSD: money.New(s.usd, "USD"), Orders: s.orders, Units: s.units}
}

// series reads one member's rollup rows from from to to (periods of the grain,
// inclusive), by period.
func (s *Service) series(ctx context.Context, q db.Querier, grain, dim, ref, marketCode, from, to string) (map[string]sums, error) {
	rows, err := q.QueryContext(ctx, `SELECT period, gmv, gmv_usd, orders, units FROM gmv_rollups
		WHERE grain = $1 AND dim = $2 AND ref = $3 AND market = $4 AND period >= $5 AND period <= $6`, grain, dim, ref, marketCode, from, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: read rollup: %w", err)
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

// member is one member of a dimension with its figures.
type member struct {
	ref, market string
	sums
}

// members ranks a dimension's members in a market over months from to to by GMV
// (in US dollars when marketCode is empty: every market at once). refPrefix keeps
// only members under one owner ("<shop>/"). limit 0 means all.
func (s *Service) members(ctx context.Context, grain, dim, marketCode, from, to, refPrefix string, limit int) ([]member, error) {
	if (grain == grainMonth || grain == grainQuarter || grain == grainYear) && from == to && refPrefix == "" && limit > 0 {
		return s.topOf(ctx, grain, dim, marketCode, from, limit)
	}
	where := []string{"grain = $1", "dim = $2", "period >= $3", "period <= $4"}
	args := []any{grain, dim, from, to}
	order := "SUM(gmv_usd) DESC"
	if marketCode != "" {
		args = append(args, marketCode)
		where = append(where, "market = $"+strconv.Itoa(len(args)))
		order = "SUM(gmv) DESC"
	}
	if refPrefix != "" {
		// "/" sorts just before "0", so the owner's members are the refs between
		// "<owner>/" and "<owner>0".
		args = append(args, refPrefix, strings.TrimSuffix(refPrefix, "/")+"0")
		where = append(where, "ref >= $"+strconv.Itoa(len(args)-1), "ref < $"+strconv.Itoa(len(args)))
	}
	q := `SELECT ref, market, SUM(gmv), SUM(gmv_usd), SUM(orders), SUM(units) FROM gmv_rollups WHERE ` + strings.Join(where, " AND ") +
		` GROUP BY ref, market ORDER BY ` + order + `, ref`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: rank %s: %w", dim, err)
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.ref, &m.market, &m.gmv, &m.usd, &m.orders, &m.units); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// topOf is members for the top limit of one month, quarter or year: a period's rows
// are one per member already, so instead of summing and sorting every member (a
// market's month has as many product rows as products sold) it reads the first rows
// of an index kept in rank order (gmv_rollups_top, gmv_rollups_top_usd: migration
// 911 for months, 914 for quarters and years). The grain is spelled literally in the
// SQL (from the fixed set of grains, never input) so both engines use those partial
// indexes.
func (s *Service) topOf(ctx context.Context, grain, dim, marketCode, period string, limit int) ([]member, error) {
	q, args := `SELECT ref, market, gmv, gmv_usd, orders, units FROM gmv_rollups WHERE grain = '`+grain+`' AND dim = $1 AND period = $2
		ORDER BY gmv_usd DESC, ref, market LIMIT `+strconv.Itoa(limit), []any{dim, period}
	if marketCode != "" {
		q, args = `SELECT ref, market, gmv, gmv_usd, orders, units FROM gmv_rollups WHERE grain = '`+grain+`' AND dim = $1 AND market = $2 AND period = $3
		ORDER BY gmv DESC, ref LIMIT `+strconv.Itoa(limit), []any{dim, marketCode, period}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: rank %s: %w", dim, err)
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.ref, &m.market, &m.gmv, &m.usd, &m.orders, &m.units); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// refID reads the id a ref ends with ("12" or "<shop>/12").
func refID(ref string) id.ID {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	v, _ := strconv.ParseInt(ref, 10, 64)
	return id.ID(v)
}

// refTail is what follows the owner in a composite ref ("<creator>/LIVE" -> "LIVE").
func refTail(ref string) string {
	_, tail, _ := strings.Cut(ref, "/")
	return tail
}

// Names of what leaderboards rank. A name that cannot be found (history imported
// from elsewhere, a deleted thing) falls back to its id; a page never fails over a name.

func (s *Service) shopName(ctx context.Context, shopID id.ID) string {
	if sh, err := s.Sellers.Shop(ctx, shopID); err == nil {
		return sh.Name
	}
	return "Shop " + shopID.String()
}

func (s *Service) creatorName(ctx context.Context, creatorID id.ID) string {
	if c, err := s.Creators.Creator(ctx, creatorID); err == nil {
		return "@" + c.Handle
	}
	return "Creator " + creatorID.String()
}

func (s *Service) productName(ctx context.Context, productID id.ID) string {
	if p, err := s.Catalog.Product(ctx, productID); err == nil {
		return p.Title
	}
	return "Product " + productID.String()
}
