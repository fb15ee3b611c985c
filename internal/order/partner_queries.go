package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Partner tools (the Open API's order search) read a shop's orders the way TikTok
// Shop's order search does: filtered by status, buyer and creation or update time,
// sorted by either time, a page at a time behind an opaque cursor, with the number of
// orders matching. They poll, so every page is an index range scan (orders_shop_created,
// orders_shop_updated) however many orders the shop has.

// Sort orders of a search.
const (
	SortByCreateTime = "create_time"
	SortByUpdateTime = "update_time"
)

// MaxSearchPage bounds one page of a shop order search.
const MaxSearchPage = 100

// ShopOrderSearch selects a shop's orders. Time bounds are half-open: [From, Before).
type ShopOrderSearch struct {
	ShopID        id.ID
	Status        Status // optional
	BuyerID       id.ID  // optional
	CreatedFrom   time.Time
	CreatedBefore time.Time
	UpdatedFrom   time.Time
	UpdatedBefore time.Time
	// SortBy is SortByCreateTime (the default) or SortByUpdateTime; newest first
	// unless Ascending.
	SortBy    string
	Ascending bool
	// After continues a search where the page that returned it ended.
	After SearchCursor
	Limit int
}

// SearchCursor marks where a page ended: the sort key (microseconds) and the id of its
// last order. The zero cursor starts at the beginning.
type SearchCursor struct {
	Key int64
	ID  id.ID
}

// IsZero reports whether c is the start of a search.
func (c SearchCursor) IsZero() bool { return c.ID == 0 }

// SearchedOrder is an order with the time it last changed.
type SearchedOrder struct {
	Order
	UpdatedAt time.Time
}

// ShopOrderPage is one page of a search.
type ShopOrderPage struct {
	Orders []SearchedOrder
	// Next continues the search; zero when this page is the last.
	Next SearchCursor
	// Total counts every order the search matches, on all pages.
	Total int64
}

// SearchShopOrders returns a page of a shop's orders for the seller who manages it.
func (s *Service) SearchShopOrders(ctx context.Context, actor auth.Actor, q ShopOrderSearch) (ShopOrderPage, error) {
	if _, err := s.sellers.Manage(ctx, actor, q.ShopID); err != nil {
		return ShopOrderPage{}, err
	}
	if q.Limit < 1 || q.Limit > MaxSearchPage {
		return ShopOrderPage{}, errs.Invalidf("page_size", "page_size is 1-%d", MaxSearchPage)
	}
	if q.Status != "" && !knownStatus(q.Status) {
		return ShopOrderPage{}, errs.Invalidf("order_status", "unknown order status %q", q.Status)
	}
	if q.SortBy == "" {
		q.SortBy = SortByCreateTime
	}
	if q.SortBy != SortByCreateTime && q.SortBy != SortByUpdateTime {
		return ShopOrderPage{}, errs.Invalidf("sort_field", `sort_field is "create_time" or "update_time"`)
	}

	where := []string{"o.shop_id = $1"}
	args := []any{q.ShopID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Status != "" {
		add("o.status = $%d", string(q.Status))
	}
	if q.BuyerID != 0 {
		add("o.buyer_id = $%d", q.BuyerID)
	}
	if !q.CreatedFrom.IsZero() {
		add("o.created_at >= $%d", db.Micros(q.CreatedFrom))
	}
	if !q.CreatedBefore.IsZero() {
		add("o.created_at < $%d", db.Micros(q.CreatedBefore))
	}
	if !q.UpdatedFrom.IsZero() {
		add("o.updated_at >= $%d", db.Micros(q.UpdatedFrom))
	}
	if !q.UpdatedBefore.IsZero() {
		add("o.updated_at < $%d", db.Micros(q.UpdatedBefore))
	}
	filter := strings.Join(where, " AND ")
	filterArgs := append([]any(nil), args...)

	dir, cmp := "DESC", "<"
	if q.Ascending {
		dir, cmp = "ASC", ">"
	}
	var order string
	if q.SortBy == SortByCreateTime {
		// Ids are issued in creation order, so the id is the creation-time key.
		if !q.After.IsZero() {
			add("o.id "+cmp+" $%d", q.After.ID)
		}
		order = "o.id " + dir
	} else {
		if !q.After.IsZero() {
			args = append(args, q.After.Key, q.After.ID)
			where = append(where, fmt.Sprintf("(o.updated_at %s $%d OR (o.updated_at = $%d AND o.id %s $%d))",
				cmp, len(args)-1, len(args)-1, cmp, len(args)))
		}
		order = "o.updated_at " + dir + ", o.id " + dir
	}
	args = append(args, q.Limit+1)
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, o.updated_at FROM orders o WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+fmt.Sprintf(` LIMIT $%d`, len(args)), args...)
	if err != nil {
		return ShopOrderPage{}, fmt.Errorf("order: search: %w", err)
	}
	var ids []id.ID
	updated := map[id.ID]int64{}
	for rows.Next() {
		var oid id.ID
		var up int64
		if err := rows.Scan(&oid, &up); err != nil {
			rows.Close()
			return ShopOrderPage{}, err
		}
		ids = append(ids, oid)
		updated[oid] = up
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ShopOrderPage{}, err
	}

	var page ShopOrderPage
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders o WHERE `+filter, filterArgs...).Scan(&page.Total); err != nil {
		return ShopOrderPage{}, fmt.Errorf("order: count: %w", err)
	}
	if len(ids) > q.Limit {
		ids = ids[:q.Limit]
		last := ids[len(ids)-1]
		page.Next = SearchCursor{Key: updated[last], ID: last}
		if q.SortBy == SortByCreateTime {
			page.Next.Key = int64(last)
		}
	}
	orders, err := s.ordersByID(ctx, ids, false)
	if err != nil {
		return ShopOrderPage{}, err
	}
	for _, o := range orders {
		page.Orders = append(page.Orders, SearchedOrder{Order: o, UpdatedAt: db.Time(updated[o.ID])})
	}
	return page, nil
}

// ShopOrdersByID returns those of the given orders that belong to the shop, in the
// order asked, with their timelines and packages, for the seller who manages it.
// Orders of other shops and ids that do not exist are left out, as TikTok Shop's order
// detail leaves them out.
func (s *Service) ShopOrdersByID(ctx context.Context, actor auth.Actor, shopID id.ID, ids []id.ID) ([]SearchedOrder, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	if len(ids) == 0 || len(ids) > 50 {
		return nil, errs.Invalidf("ids", "ask for 1-50 orders")
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids)+1)
	args[0] = shopID
	for i, v := range ids {
		ph[i], args[i+1] = fmt.Sprintf("$%d", i+2), v
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, updated_at FROM orders WHERE `+db.NotIndexed(s.db.Engine(), "shop_id")+` = $1 AND id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	updated := map[id.ID]int64{}
	var mine []id.ID
	for rows.Next() {
		var oid id.ID
		var up int64
		if err := rows.Scan(&oid, &up); err != nil {
			rows.Close()
			return nil, err
		}
		updated[oid] = up
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, v := range ids {
		if _, ok := updated[v]; ok {
			mine = append(mine, v)
		}
	}
	orders, err := s.ordersByID(ctx, mine, true)
	if err != nil {
		return nil, err
	}
	out := make([]SearchedOrder, 0, len(orders))
	for _, o := range orders {
		out = append(out, SearchedOrder{Order: o, UpdatedAt: db.Time(updated[o.ID])})
	}
	return out, nil
}

// ordersByID loads orders (with their timelines and packages if detail), in the order
// of ids, leaving out ids that do not exist.
func (s *Service) ordersByID(ctx context.Context, ids []id.ID, detail bool) ([]Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, v := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), v
	}
	os, err := loadOrders(ctx, s.db, detail, `WHERE o.id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[id.ID]Order, len(os))
	for _, o := range os {
		byID[o.ID] = o
	}
	out := make([]Order, 0, len(os))
	for _, v := range ids {
		if o, ok := byID[v]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func knownStatus(st Status) bool {
	_, ok := transitions[st]
	return ok || st == Completed || st == Cancelled
}
