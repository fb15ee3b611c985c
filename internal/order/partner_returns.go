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

// Partner tools (the Open API's return and cancellation search) read a shop's
// after-sales requests the way TikTok Shop's searches do: cancellations apart from
// returns, filtered by status, kind, order, request, buyer, times and dispute state,
// sorted by either time, a page at a time behind an opaque cursor, with the number of
// requests matching. Answering them goes through RespondToReturn, as the seller's
// returns page does.

// Arbitration filters on a request's dispute, as TikTok's arbitration_status does.
type Arbitration string

// Dispute states: with operators now, decided for the buyer (refunded), for the
// seller (closed), or ended otherwise (withdrawn by the buyer).
const (
	ArbitrationInProgress    Arbitration = "in_progress"
	ArbitrationSupportBuyer  Arbitration = "support_buyer"
	ArbitrationSupportSeller Arbitration = "support_seller"
	ArbitrationClosed        Arbitration = "closed"
)

// MaxReturnSearchPage bounds one page of a shop return search.
const MaxReturnSearchPage = 50

// ShopReturnSearch selects a shop's after-sales requests. Time bounds are half-open.
// Empty lists do not filter.
type ShopReturnSearch struct {
	ShopID id.ID
	// Cancellations selects buyers' cancellation requests; otherwise refund-only and
	// return-and-refund requests.
	Cancellations bool
	Kinds         []ReturnKind
	Statuses      []ReturnStatus
	Arbitration   []Arbitration
	OrderIDs      []id.ID
	ReturnIDs     []id.ID
	BuyerIDs      []id.ID
	CreatedFrom   time.Time
	CreatedBefore time.Time
	UpdatedFrom   time.Time
	UpdatedBefore time.Time
	// SortBy is SortByCreateTime (the default) or SortByUpdateTime; oldest first
	// unless Descending (TikTok's default for these searches is ascending).
	SortBy     string
	Descending bool
	After      SearchCursor
	Limit      int
}

// ShopReturnPage is one page of a request search; each request has its timeline.
type ShopReturnPage struct {
	Returns []Return
	Next    SearchCursor
	Total   int64
}

// SearchShopReturns returns a page of a shop's requests for the seller who manages it.
func (s *Service) SearchShopReturns(ctx context.Context, actor auth.Actor, q ShopReturnSearch) (ShopReturnPage, error) {
	if _, err := s.sellers.Manage(ctx, actor, q.ShopID); err != nil {
		return ShopReturnPage{}, err
	}
	if q.Limit < 1 || q.Limit > MaxReturnSearchPage {
		return ShopReturnPage{}, errs.Invalidf("page_size", "page_size is 1-%d", MaxReturnSearchPage)
	}
	if q.SortBy == "" {
		q.SortBy = SortByCreateTime
	}
	if q.SortBy != SortByCreateTime && q.SortBy != SortByUpdateTime {
		return ShopReturnPage{}, errs.Invalidf("sort_field", `sort_field is "create_time" or "update_time"`)
	}
	for _, st := range q.Statuses {
		if !validReturnStatus(st) {
			return ShopReturnPage{}, errs.Invalidf("return_status", "unknown request status %q", st)
		}
	}
	where := []string{"r.shop_id = $1"}
	args := []any{q.ShopID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := func(col string, vs []any) {
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = arg(v)
		}
		where = append(where, col+" IN ("+strings.Join(ph, ",")+")")
	}
	if q.Cancellations {
		where = append(where, "r.kind = 'cancel'")
	} else {
		where = append(where, "r.kind <> 'cancel'")
	}
	if len(q.Kinds) > 0 {
		vs := make([]any, len(q.Kinds))
		for i, k := range q.Kinds {
			if k != ReturnCancel && k != ReturnRefundOnly && k != ReturnAndRefund {
				return ShopReturnPage{}, errs.Invalidf("return_types", "unknown request kind %q", k)
			}
			vs[i] = string(k)
		}
		in("r.kind", vs)
	}
	if len(q.Statuses) > 0 {
		vs := make([]any, len(q.Statuses))
		for i, st := range q.Statuses {
			vs[i] = string(st)
		}
		in("r.status", vs)
	}
	if len(q.Arbitration) > 0 {
		const disputed = `EXISTS (SELECT 1 FROM return_history h WHERE h.return_id = r.id AND h.status = 'escalated')`
		var alts []string
		for _, a := range q.Arbitration {
			switch a {
			case ArbitrationInProgress:
				alts = append(alts, "r.status = 'escalated'")
			case ArbitrationSupportBuyer:
				alts = append(alts, "(r.status = 'refunded' AND "+disputed+")")
			case ArbitrationSupportSeller:
				alts = append(alts, "(r.status = 'closed' AND "+disputed+")")
			case ArbitrationClosed:
				alts = append(alts, "(r.status = 'withdrawn' AND "+disputed+")")
			default:
				return ShopReturnPage{}, errs.Invalidf("arbitration_status", "unknown arbitration status %q", a)
			}
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	for _, f := range []struct {
		col string
		ids []id.ID
	}{{"r.order_id", q.OrderIDs}, {"r.id", q.ReturnIDs}, {"r.buyer_id", q.BuyerIDs}} {
		if len(f.ids) == 0 {
			continue
		}
		if len(f.ids) > 100 {
			return ShopReturnPage{}, errs.Invalidf(strings.TrimPrefix(f.col, "r.")+"s", "at most 100 ids")
		}
		vs := make([]any, len(f.ids))
		for i, v := range f.ids {
			vs[i] = v
		}
		in(f.col, vs)
	}
	for _, b := range []struct {
		cond string
		t    time.Time
	}{{"r.created_at >= ", q.CreatedFrom}, {"r.created_at < ", q.CreatedBefore}, {"r.updated_at >= ", q.UpdatedFrom}, {"r.updated_at < ", q.UpdatedBefore}} {
		if !b.t.IsZero() {
			where = append(where, b.cond+arg(db.Micros(b.t)))
		}
	}
	filter := strings.Join(where, " AND ")
	filterArgs := append([]any(nil), args...)

	dir, cmp := "ASC", ">"
	if q.Descending {
		dir, cmp = "DESC", "<"
	}
	var orderBy string
	if q.SortBy == SortByCreateTime {
		// Ids are issued in creation order.
		if !q.After.IsZero() {
			where = append(where, "r.id "+cmp+" "+arg(q.After.ID))
		}
		orderBy = "r.id " + dir
	} else {
		if !q.After.IsZero() {
			k, v := arg(q.After.Key), arg(q.After.ID)
			where = append(where, fmt.Sprintf("(r.updated_at %s %s OR (r.updated_at = %s AND r.id %s %s))", cmp, k, k, cmp, v))
		}
		orderBy = "r.updated_at " + dir + ", r.id " + dir
	}
	limit := arg(q.Limit + 1)
	rs, err := loadReturns(ctx, s.db, true, `WHERE `+strings.Join(where, " AND ")+` ORDER BY `+orderBy+` LIMIT `+limit, args...)
	if err != nil {
		return ShopReturnPage{}, err
	}
	var page ShopReturnPage
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM returns r WHERE `+filter, filterArgs...).Scan(&page.Total); err != nil {
		return ShopReturnPage{}, fmt.Errorf("order: count returns: %w", err)
	}
	if len(rs) > q.Limit {
		rs = rs[:q.Limit]
		last := rs[len(rs)-1]
		page.Next = SearchCursor{Key: db.Micros(last.UpdatedAt), ID: last.ID}
		if q.SortBy == SortByCreateTime {
			page.Next.Key = int64(last.ID)
		}
	}
	page.Returns = rs
	return page, nil
}

// ShopReturn returns one request of a shop, with its timeline, for the seller who
// manages the shop; a request of another shop is not found.
func (s *Service) ShopReturn(ctx context.Context, actor auth.Actor, shopID, returnID id.ID) (Return, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return Return{}, err
	}
	r, err := loadReturn(ctx, s.db, returnID, true)
	if err != nil {
		return Return{}, err
	}
	if r.ShopID != shopID {
		return Return{}, ErrReturnNotFound
	}
	return r, nil
}
