package order_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The partner search of after-sales requests keeps cancellations apart from returns,
// filters, pages by either time in either direction with the total, follows disputes,
// and shows the shop's seller only the shop's requests.
func TestSearchShopReturns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 100)
		ctx := context.Background()
		var returns []order.Return
		var buyers []auth.Actor
		for i := range 3 {
			buyer := f.Actor(t, fmt.Sprint("rb", i))
			buyers = append(buyers, buyer)
			o := f.delivered(t, buyer, fmt.Sprint("rk", i), 1)
			kind := order.ReturnRefundOnly
			if i == 1 {
				kind = order.ReturnAndRefund
			}
			r, err := f.orders.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Kind: kind, Reason: "not as described"})
			if err != nil {
				t.Fatal(err)
			}
			returns = append(returns, r)
		}
		cb := f.Actor(t, "cb")
		res, err := f.buy(cb, "ck", 1, "pm_card_visa")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.orders.Sweep(ctx); err != nil { // the hold window is 0: the order awaits shipment
			t.Fatal(err)
		}
		cancel, err := f.orders.RequestReturn(ctx, cb, res.Orders[0].ID, order.ReturnInput{Kind: order.ReturnCancel, Reason: "changed my mind"})
		if err != nil {
			t.Fatal(err)
		}
		// The first request changes last: refused, then escalated by its buyer.
		if _, err := f.orders.RespondToReturn(ctx, f.owner, returns[0].ID, order.SellerResponse{Note: "used"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.orders.EscalateReturn(ctx, buyers[0], returns[0].ID, "it was broken"); err != nil {
			t.Fatal(err)
		}

		all := func(q order.ShopReturnSearch) ([]id.ID, int64) {
			t.Helper()
			var out []id.ID
			for pages := 0; ; pages++ {
				page, err := f.orders.SearchShopReturns(ctx, f.owner, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Returns {
					out = append(out, r.ID)
				}
				if page.Next.IsZero() || pages > 10 {
					return out, page.Total
				}
				q.After = page.Next
			}
		}
		ids := func(rs ...order.Return) []id.ID {
			out := make([]id.ID, len(rs))
			for i, r := range rs {
				out[i] = r.ID
			}
			return out
		}
		base := order.ShopReturnSearch{ShopID: f.shop.ID, Limit: 1}
		with := func(mod func(q *order.ShopReturnSearch)) order.ShopReturnSearch {
			q := base
			mod(&q)
			return q
		}
		for _, tc := range []struct {
			name  string
			q     order.ShopReturnSearch
			want  []id.ID
			total int64
		}{
			{"returns, oldest first", base, ids(returns...), 3},
			{"newest first", with(func(q *order.ShopReturnSearch) { q.Descending = true }), ids(returns[2], returns[1], returns[0]), 3},
			{"by update time", with(func(q *order.ShopReturnSearch) { q.SortBy = order.SortByUpdateTime }), ids(returns[1], returns[2], returns[0]), 3},
			{"by update time, newest first", with(func(q *order.ShopReturnSearch) { q.SortBy = order.SortByUpdateTime; q.Descending = true }),
				ids(returns[0], returns[2], returns[1]), 3},
			{"cancellations", with(func(q *order.ShopReturnSearch) { q.Cancellations = true }), ids(cancel), 1},
			{"kind", with(func(q *order.ShopReturnSearch) { q.Kinds = []order.ReturnKind{order.ReturnAndRefund} }), ids(returns[1]), 1},
			{"status", with(func(q *order.ShopReturnSearch) { q.Statuses = []order.ReturnStatus{order.ReturnRequested} }), ids(returns[1], returns[2]), 2},
			{"in dispute", with(func(q *order.ShopReturnSearch) { q.Arbitration = []order.Arbitration{order.ArbitrationInProgress} }), ids(returns[0]), 1},
			{"decided for the buyer", with(func(q *order.ShopReturnSearch) { q.Arbitration = []order.Arbitration{order.ArbitrationSupportBuyer} }), nil, 0},
			{"order", with(func(q *order.ShopReturnSearch) { q.OrderIDs = []id.ID{returns[2].OrderID} }), ids(returns[2]), 1},
			{"request ids", with(func(q *order.ShopReturnSearch) { q.ReturnIDs = ids(returns[0], returns[2]) }), ids(returns[0], returns[2]), 2},
			{"buyer", with(func(q *order.ShopReturnSearch) { q.BuyerIDs = []id.ID{returns[1].BuyerID} }), ids(returns[1]), 1},
			{"created before the first", with(func(q *order.ShopReturnSearch) { q.CreatedBefore = returns[0].CreatedAt }), nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total := all(tc.q)
				if fmt.Sprint(got) != fmt.Sprint(tc.want) || total != tc.total {
					t.Fatalf("got %v (total %d), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}

		page, err := f.orders.SearchShopReturns(ctx, f.owner, with(func(q *order.ShopReturnSearch) { q.ReturnIDs = ids(returns[0]) }))
		if err != nil || len(page.Returns) != 1 || len(page.Returns[0].History) < 3 {
			t.Fatalf("requests come with their timelines: %+v %v", page, err)
		}

		// Bad input is refused naming the field; another seller sees nothing of the shop.
		for field, q := range map[string]order.ShopReturnSearch{
			"page_size":          with(func(q *order.ShopReturnSearch) { q.Limit = 0 }),
			"sort_field":         with(func(q *order.ShopReturnSearch) { q.SortBy = "price" }),
			"return_status":      with(func(q *order.ShopReturnSearch) { q.Statuses = []order.ReturnStatus{"lost"} }),
			"arbitration_status": with(func(q *order.ShopReturnSearch) { q.Arbitration = []order.Arbitration{"maybe"} }),
		} {
			if _, err := f.orders.SearchShopReturns(ctx, f.owner, q); errs.KindOf(err) != errs.Invalid || errs.As(err).Field != field {
				t.Errorf("%s: got %v", field, err)
			}
		}
		stranger := f.Actor(t, "zed", auth.Seller)
		if _, err := f.orders.SearchShopReturns(ctx, stranger, base); err == nil {
			t.Fatal("another seller searched the shop's requests")
		}
		if _, err := f.orders.ShopReturn(ctx, f.owner, f.shop.ID+1, returns[0].ID); err == nil {
			t.Fatal("a request read through another shop")
		}
	})
}
