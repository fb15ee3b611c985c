package openapi

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/market"
)

// The analytics family. Live performance reads each live's per-minute series (package
// live, the same rows the post-live report draws); product performance reads the GMV
// facts of package analytics (the Seller Center dashboards' numbers: GMV there is
// the lines' original price, before discounts, net of cancellations and refunds). Dates are the shop's
// market days; amounts are in the shop's currency ("LOCAL"), which is the only
// currency offered unless it is the US dollar.

type moneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// analyticsRange reads the required start_date_ge and end_date_lt (YYYY-MM-DD, end
// exclusive) in the shop's market and the currency parameter.
func (s *Service) analyticsRange(c *call) (m market.Market, from, to time.Time, err error) {
	sh, err := c.Shop()
	if err != nil {
		return m, from, to, err
	}
	if m, err = s.Markets.Market(c.ctx, sh.Market); err != nil {
		return m, from, to, err
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return m, from, to, err
	}
	day := func(name string) (time.Time, error) {
		v := c.query.Get(name)
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return t, invalid(name, "required: a date as YYYY-MM-DD, not %q", v)
		}
		return t, nil
	}
	if from, err = day("start_date_ge"); err != nil {
		return
	}
	if to, err = day("end_date_lt"); err != nil {
		return
	}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return m, from, to, invalid("end_date_lt", "must be after start_date_ge, at most a year later")
	}
	err = checkCurrency(c, m)
	return
}

func checkCurrency(c *call, m market.Market) error {
	switch cur := c.query.Get("currency"); cur {
	case "", "LOCAL":
	case "USD":
		if m.Currency != "USD" {
			return invalid("currency", "liveshop reports in the shop's currency (%s); ask for LOCAL", m.Currency)
		}
	default:
		return invalid("currency", `must be "LOCAL" or "USD"`)
	}
	return nil
}

func latestDate(m market.Market, now time.Time) string {
	if loc, err := time.LoadLocation(m.TimeZone); err == nil {
		now = now.In(loc)
	}
	return now.Format(time.DateOnly)
}

// offsetToken reads a page token of the offset kind used where results are ranked.
func offsetToken(c *call) (int, error) {
	tok := c.query.Get("page_token")
	if tok == "" {
		return 0, nil
	}
	off, _, err := decodeToken(tok)
	if err != nil || off < 0 {
		return 0, invalid("page_token", "not a token from a previous page")
	}
	return int(off), nil
}

func pageOf[T any](items []T, off, size int) ([]T, string) {
	if off > len(items) {
		off = len(items)
	}
	end := min(off+size, len(items))
	next := ""
	if end < len(items) {
		next = encodeToken(int64(end), 1)
	}
	return items[off:end], next
}

// GET /analytics/202509/shop_lives/performance
func (s *Service) livePerformance(c *call) (any, error) {
	m, from, to, err := s.analyticsRange(c)
	if err != nil {
		return nil, err
	}
	size, err := optionalPageSize(c, 10, 100)
	if err != nil {
		return nil, err
	}
	off, err := offsetToken(c)
	if err != nil {
		return nil, err
	}
	key := map[string]func(live.LiveSummary) int64{
		"gmv": func(l live.LiveSummary) int64 { return l.GMV }, "24h_live_gmv": func(l live.LiveSummary) int64 { return l.GMV },
		"items_sold": func(l live.LiveSummary) int64 { return l.Units }, "sku_orders": func(l live.LiveSummary) int64 { return l.Orders },
		"created_sku_orders": func(l live.LiveSummary) int64 { return l.Orders },
	}
	field := c.query.Get("sort_field")
	if field == "" {
		field = "gmv"
	}
	by, ok := key[field]
	if !ok {
		return nil, invalid("sort_field", "liveshop sorts lives by gmv, 24h_live_gmv, items_sold or sku_orders, not %q", field)
	}
	desc, err := sortOrderDefault(c, true)
	if err != nil {
		return nil, err
	}
	switch c.query.Get("account_type") {
	case "", "ALL", "OFFICIAL_ACCOUNTS":
	case "MARKETING_ACCOUNTS", "AFFILIATE_ACCOUNTS":
		// A shop's own lives are its official account's; creators' lives are not listed here.
		return map[string]any{"live_stream_sessions": []any{}, "total_count": 0, "next_page_token": "", "latest_available_date": latestDate(m, s.now())}, nil
	default:
		return nil, invalid("account_type", "must be ALL, OFFICIAL_ACCOUNTS, MARKETING_ACCOUNTS or AFFILIATE_ACCOUNTS")
	}
	lives, err := s.Live.ShopLives(c.ctx, c.actor, c.shopID, from, to)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(lives, func(i, j int) bool {
		if desc {
			return by(lives[i]) > by(lives[j])
		}
		return by(lives[i]) < by(lives[j])
	})
	page, next := pageOf(lives, off, size)
	cur := m.Currency
	out := make([]map[string]any, 0, len(page))
	for _, l := range page {
		gmv := moneyView{dec(l.GMV, cur), cur}
		avg := moneyView{dec(0, cur), cur}
		if l.Units > 0 {
			avg.Amount = dec(l.GMV/l.Units, cur)
		}
		end := l.EndedAt
		if end.IsZero() {
			end = s.now()
		}
		minutes := end.Sub(l.StartedAt).Minutes()
		inter := map[string]any{"viewers": l.NewViewers, "pcu": l.PeakViewers, "likes": l.Likes, "comments": l.Comments}
		if minutes > 0 {
			inter["acu"] = int64(l.ViewerMinutes / minutes)
		}
		if l.NewViewers > 0 {
			inter["avg_viewing_duration"] = strconv.FormatInt(int64(l.ViewerMinutes*60/float64(l.NewViewers)), 10)
		}
		v := map[string]any{"id": l.SessionID.String(), "title": l.Title, "start_time": strconv.FormatInt(l.StartedAt.Unix(), 10),
			"sales_performance": map[string]any{"gmv": gmv, "24h_live_gmv": gmv, "avg_price": avg, "items_sold": l.Units,
				"sku_orders": l.Orders, "created_sku_orders": l.Orders},
			"interaction_performance": inter}
		if !l.EndedAt.IsZero() {
			v["end_time"] = strconv.FormatInt(l.EndedAt.Unix(), 10)
		}
		out = append(out, v)
	}
	return map[string]any{"live_stream_sessions": out, "total_count": len(lives), "next_page_token": next, "latest_available_date": latestDate(m, s.now())}, nil
}

// sortOrderDefault reads sort_order with a default direction.
func sortOrderDefault(c *call, desc bool) (bool, error) {
	switch c.query.Get("sort_order") {
	case "":
		return desc, nil
	case "DESC":
		return true, nil
	case "ASC":
		return false, nil
	}
	return false, invalid("sort_order", `must be "ASC" or "DESC"`)
}

// GET /analytics/202510/shop_lives/{live_id}/performance_per_minutes
func (s *Service) livePerMinute(c *call) (any, error) {
	sid, err := c.pathID("live_id")
	if err != nil {
		return nil, err
	}
	sh, err := c.Shop()
	if err != nil {
		return nil, err
	}
	m, err := s.Markets.Market(c.ctx, sh.Market)
	if err != nil {
		return nil, err
	}
	if err := checkCurrency(c, m); err != nil {
		return nil, err
	}
	if c.query.Get("page_token") != "" {
		return nil, invalid("page_token", "not a token from a previous page (every minute is on the first page)")
	}
	sess, err := s.Content.Session(c.ctx, sid)
	if err != nil || sess.ShopID != c.shopID || sess.Practice || sess.StartedAt.IsZero() {
		return nil, fail(http.StatusNotFound, CodeNotFound, "live %s does not exist for this shop", sid)
	}
	rep, err := s.Live.Report(c.ctx, c.actor, sid)
	if err != nil {
		return nil, err
	}
	cur := m.Currency
	intervals := make([]map[string]any, 0, len(rep.Minutes))
	for _, mn := range rep.Minutes {
		intervals = append(intervals, map[string]any{
			"start_time": mn.At.Unix(), "end_time": mn.At.Add(time.Minute).Unix(),
			"sales":        map[string]any{"gmv": moneyView{dec(mn.GMV, cur), cur}, "items_sold": mn.Units, "sku_orders": mn.Orders, "main_orders": mn.Orders},
			"interactions": map[string]any{"likes": mn.Likes, "comments": mn.Comments},
			"traffic":      map[string]any{"viewers": mn.Viewers},
		})
	}
	end := sess.EndedAt
	if end.IsZero() {
		end = s.now()
	}
	overall := map[string]any{"live_title": sess.Title, "start_time": sess.StartedAt.Unix(), "duration": int64(end.Sub(sess.StartedAt).Seconds()),
		"gmv": moneyView{dec(rep.GMV, cur), cur}, "items_sold": rep.Units, "unique_viewers": rep.NewViewers}
	if !sess.EndedAt.IsZero() {
		overall["end_time"] = sess.EndedAt.Unix()
	}
	return map[string]any{"performance": map[string]any{"overall": overall, "intervals": intervals}, "total_count": len(intervals), "next_page_token": ""}, nil
}

// GET /analytics/202509/shop_products/performance
func (s *Service) productPerformance(c *call) (any, error) {
	m, from, to, err := s.analyticsRange(c)
	if err != nil {
		return nil, err
	}
	size, err := optionalPageSize(c, 10, 100)
	if err != nil {
		return nil, err
	}
	off, err := offsetToken(c)
	if err != nil {
		return nil, err
	}
	desc, err := sortOrderDefault(c, true)
	if err != nil {
		return nil, err
	}
	field := c.query.Get("sort_field")
	if field != "" && field != "gmv" && field != "items_sold" && field != "orders" {
		return nil, invalid("sort_field", `must be "gmv", "items_sold" or "orders"`)
	}
	switch c.query.Get("product_status_filter") {
	case "", "ALL", "LIVE", "INACTIVE":
	default:
		return nil, invalid("product_status_filter", "must be LIVE, INACTIVE or ALL")
	}
	ps, err := s.Analytics.ShopProducts(c.ctx, c.actor, c.shopID, from, to)
	if err != nil {
		return nil, err
	}
	if st := c.query.Get("product_status_filter"); st == "LIVE" || st == "INACTIVE" {
		kept := ps[:0]
		for _, p := range ps {
			prod, err := s.Catalog.Product(c.ctx, p.ProductID)
			if err != nil {
				continue
			}
			if (productStatus(prod.Status) == "ACTIVATE") == (st == "LIVE") {
				kept = append(kept, p)
			}
		}
		ps = kept
	}
	by := func(i int) int64 {
		switch field {
		case "items_sold":
			return ps[i].Units
		case "orders":
			return ps[i].Orders
		}
		return ps[i].GMV.Amount
	}
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if desc {
			return by(idx[a]) > by(idx[b])
		}
		return by(idx[a]) < by(idx[b])
	})
	page, next := pageOf(idx, off, size)
	out := make([]map[string]any, 0, len(page))
	for _, i := range page {
		p := ps[i]
		out = append(out, map[string]any{"id": p.ProductID.String(), "overall_performance": map[string]any{
			"gmv": moneyView{p.GMV.Decimal(), p.GMV.Currency}, "items_sold": p.Units, "orders": p.Orders}})
	}
	return map[string]any{"products": out, "total_count": len(ps), "next_page_token": next, "latest_available_date": latestDate(m, s.now())}, nil
}
