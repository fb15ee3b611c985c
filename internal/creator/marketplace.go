package creator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// engagementWindow is how far back link clicks count toward engagement.
const engagementWindow = 30 * 24 * time.Hour

// Candidates loads what the marketplace knows of every creator who sells in a
// market: followers, declared categories, attributed GMV and orders (not reversed)
// overall and per category (the category of the product's open collaboration), link
// engagement over the last 30 days, and sample content delivered on time or not.
// A sale counts in its open collaboration's category, or else in the top level of
// its product's catalog category.
func (s *Service) Candidates(ctx context.Context, marketCode string) ([]Candidate, error) {
	cs, err := s.list(ctx, `WHERE c.market = $1 AND c.kind <> $2 ORDER BY c.id`, marketCode, string(MarketingOnly))
	if err != nil {
		return nil, err
	}
	byID := make(map[id.ID]*Candidate, len(cs))
	out := make([]Candidate, len(cs))
	for i, c := range cs {
		out[i] = Candidate{CreatorID: c.ID, Handle: c.Handle, Followers: c.Followers, Declared: c.Categories, CategoryGMV: map[string]int64{}}
	}
	for i := range out {
		byID[out[i].CreatorID] = &out[i]
	}
	tops, err := s.topCategories(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT cm.creator_id, COALESCE(o.category, ''), COALESCE(p.category, ''), SUM(cm.base_amount)
		FROM commissions cm LEFT JOIN affiliate_offers o ON o.product_id = cm.product_id LEFT JOIN products p ON p.id = cm.product_id
		WHERE cm.market = $1 AND cm.status <> $2 GROUP BY cm.creator_id, COALESCE(o.category, ''), COALESCE(p.category, '')`, marketCode, string(CommissionReversed))
	if err != nil {
		return nil, fmt.Errorf("creator: candidate sales: %w", err)
	}
	for rows.Next() {
		var cid id.ID
		var cat, productCat string
		var gmv int64
		if err := rows.Scan(&cid, &cat, &productCat, &gmv); err != nil {
			rows.Close()
			return nil, err
		}
		if cat == "" {
			cat = tops[productCat]
		}
		if c := byID[cid]; c != nil {
			c.GMV += gmv
			if cat != "" {
				c.CategoryGMV[cat] += gmv
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT creator_id, COUNT(DISTINCT order_id) FROM commissions WHERE market = $1 AND status <> $2 GROUP BY creator_id`,
		marketCode, string(CommissionReversed))
	if err != nil {
		return nil, fmt.Errorf("creator: candidate orders: %w", err)
	}
	for rows.Next() {
		var cid id.ID
		var orders int64
		if err := rows.Scan(&cid, &orders); err != nil {
			rows.Close()
			return nil, err
		}
		if c := byID[cid]; c != nil {
			c.Orders = orders
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	rows, err = s.db.QueryContext(ctx, `SELECT ac.creator_id, COUNT(*) FROM affiliate_clicks ac JOIN creators c ON c.id = ac.creator_id
		WHERE c.market = $1 AND ac.clicked_at > $2 GROUP BY ac.creator_id`, marketCode, db.Micros(now.Add(-engagementWindow)))
	if err != nil {
		return nil, fmt.Errorf("creator: candidate clicks: %w", err)
	}
	for rows.Next() {
		var cid id.ID
		var clicks int64
		if err := rows.Scan(&cid, &clicks); err != nil {
			rows.Close()
			return nil, err
		}
		if c := byID[cid]; c != nil {
			c.EngagementBP = clicks * 10000 / max(c.Followers, 1)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT sm.creator_id,
			SUM(CASE WHEN sm.status = $2 AND (sm.content_due_at = 0 OR sm.fulfilled_at <= sm.content_due_at) THEN 1 ELSE 0 END),
			SUM(CASE WHEN (sm.status = $2 AND sm.content_due_at > 0 AND sm.fulfilled_at > sm.content_due_at)
				OR (sm.status IN ($3, $4, $5) AND sm.content_due_at > 0 AND sm.content_due_at < $6) THEN 1 ELSE 0 END)
		FROM samples sm JOIN creators c ON c.id = sm.creator_id WHERE c.market = $1 GROUP BY sm.creator_id`,
		marketCode, SampleFulfilled, SampleApproved, SampleShipped, SampleDelivered, db.Micros(now))
	if err != nil {
		return nil, fmt.Errorf("creator: candidate samples: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid id.ID
		var onTime, late int
		if err := rows.Scan(&cid, &onTime, &late); err != nil {
			return nil, err
		}
		if c := byID[cid]; c != nil {
			c.SamplesOnTime, c.SamplesLate = onTime, late
		}
	}
	return out, rows.Err()
}

// SearchQuery filters the creator marketplace. Zero values do not filter.
type SearchQuery struct {
	Market          string `json:"market"`
	Category        string `json:"category"` // declared, or with sales in it
	MinFollowers    int64  `json:"min_followers"`
	MaxFollowers    int64  `json:"max_followers"`
	MinGMV          int64  `json:"min_gmv"` // minor units
	MinEngagementBP int64  `json:"min_engagement_bp"`
	MinAOV          int64  `json:"min_aov"`
	MaxAOV          int64  `json:"max_aov"`
	Sort            string `json:"sort"` // followers (default), gmv, engagement, aov
	Limit           int    `json:"limit"`
}

// SearchCreators finds creators in a market for sellers (and operators).
func (s *Service) SearchCreators(ctx context.Context, actor auth.Actor, q SearchQuery) ([]Candidate, error) {
	if !actor.Has(auth.Seller) && !actor.Has(auth.Operator) {
		return nil, errs.New(errs.Forbidden, "sellers_only", "the creator marketplace is for sellers")
	}
	if _, err := s.markets.Market(ctx, q.Market); err != nil {
		return nil, errs.Invalidf("market", "choose a market")
	}
	q.Category = strings.ToLower(strings.TrimSpace(q.Category))
	if q.Category != "" {
		if err := s.checkCategory(ctx, "category", q.Category); err != nil {
			return nil, err
		}
	}
	if q.MinFollowers < 0 || q.MaxFollowers < 0 || (q.MaxFollowers > 0 && q.MaxFollowers < q.MinFollowers) {
		return nil, errs.Invalidf("max_followers", "the follower range is from min to max, both zero or more")
	}
	if q.MinAOV < 0 || q.MaxAOV < 0 || (q.MaxAOV > 0 && q.MaxAOV < q.MinAOV) {
		return nil, errs.Invalidf("max_aov", "the average order value range is from min to max, both zero or more")
	}
	if q.MinGMV < 0 || q.MinEngagementBP < 0 {
		return nil, errs.Invalidf("min_gmv", "minimums are zero or more")
	}
	var by func(a, b Candidate) bool
	switch q.Sort {
	case "", "followers":
		by = func(a, b Candidate) bool { return a.Followers > b.Followers }
	case "gmv":
		by = func(a, b Candidate) bool { return a.GMV > b.GMV }
	case "engagement":
		by = func(a, b Candidate) bool { return a.EngagementBP > b.EngagementBP }
	case "aov":
		by = func(a, b Candidate) bool { return a.AOV() > b.AOV() }
	default:
		return nil, errs.Invalidf("sort", `sort by "followers", "gmv", "engagement" or "aov"`)
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	all, err := s.Candidates(ctx, q.Market)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, c := range all {
		if q.Category != "" && c.CategoryGMV[q.Category] == 0 && !contains(c.Declared, q.Category) {
			continue
		}
		if c.Followers < q.MinFollowers || (q.MaxFollowers > 0 && c.Followers > q.MaxFollowers) || c.GMV < q.MinGMV ||
			c.EngagementBP < q.MinEngagementBP || c.AOV() < q.MinAOV || (q.MaxAOV > 0 && c.AOV() > q.MaxAOV) {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return by(out[i], out[j]) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// RecommendForProduct ranks the market's creators for one of the seller's
// products by fit (Rank): its offer's category and its price.
func (s *Service) RecommendForProduct(ctx context.Context, actor auth.Actor, productID id.ID, limit int) ([]Fit, error) {
	p, err := s.catalog.Product(ctx, productID)
	if err != nil {
		return nil, errs.OnField(err, "product_id")
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return nil, err
	}
	o, _, err := s.Offer(ctx, productID)
	if err != nil {
		return nil, err
	}
	cat := o.Category
	if cat == "" && p.Category != "" {
		tops, err := s.topCategories(ctx)
		if err != nil {
			return nil, err
		}
		cat = tops[p.Category]
	}
	return s.recommend(ctx, p.Market, MatchTarget{Category: cat, Price: p.FromPrice().Amount}, limit)
}

// RecommendForShop ranks creators for a shop: its offers' most common category and
// their median price.
func (s *Service) RecommendForShop(ctx context.Context, actor auth.Actor, shopID id.ID, limit int) ([]Fit, MatchTarget, error) {
	shop, err := s.sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return nil, MatchTarget{}, err
	}
	offers, err := s.ShopOffers(ctx, actor, shopID)
	if err != nil {
		return nil, MatchTarget{}, err
	}
	var ids []id.ID
	cats := map[string]int{}
	for _, o := range offers {
		ids = append(ids, o.ProductID)
		if o.Category != "" {
			cats[o.Category]++
		}
	}
	var t MatchTarget
	for c, n := range cats {
		if n > cats[t.Category] || (n == cats[t.Category] && c < t.Category) {
			t.Category = c
		}
	}
	ps, err := s.catalog.ProductsByID(ctx, ids)
	if err != nil {
		return nil, MatchTarget{}, err
	}
	var prices []int64
	for _, p := range ps {
		prices = append(prices, p.FromPrice().Amount)
	}
	if len(prices) > 0 {
		sort.Slice(prices, func(i, j int) bool { return prices[i] < prices[j] })
		t.Price = prices[len(prices)/2]
	}
	fits, err := s.recommend(ctx, shop.Market, t, limit)
	return fits, t, err
}

func (s *Service) recommend(ctx context.Context, marketCode string, t MatchTarget, limit int) ([]Fit, error) {
	cands, err := s.Candidates(ctx, marketCode)
	if err != nil {
		return nil, err
	}
	fits := Rank(t, cands)
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	if len(fits) > limit {
		fits = fits[:limit]
	}
	return fits, nil
}
