package order_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// The partner search pages through a shop's orders by either time, in either
// direction, with filters and the total, and shows the seller's orders only.
func TestSearchShopOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, 100)
		ctx := context.Background()
		var placed []order.Order
		for i := 0; i < 7; i++ {
			res, err := f.buy(f.Actor(t, fmt.Sprint("buyer", i)), fmt.Sprint("k", i), 1, "pm_card_visa")
			if err != nil {
				t.Fatal(err)
			}
			placed = append(placed, res.Orders[0])
		}
		// One order changes last: it is shipped.
		if _, err := f.orders.Ship(ctx, f.owner, placed[2].ID, order.ShipInput{}); err != nil {
			t.Fatal(err)
		}
		collect := func(q order.ShopOrderSearch) ([]id.ID, int64) {
			t.Helper()
			var ids []id.ID
			var total int64 = -1
			for pages := 0; ; pages++ {
				page, err := f.orders.SearchShopOrders(ctx, f.owner, q)
				if err != nil {
					t.Fatal(err)
				}
				if total >= 0 && page.Total != total {
					t.Fatalf("total changed between pages: %d then %d", total, page.Total)
				}
				total = page.Total
				for _, o := range page.Orders {
					if o.UpdatedAt.IsZero() || len(o.Lines) == 0 {
						t.Fatalf("order without its lines or update time %+v", o)
					}
					ids = append(ids, o.ID)
				}
				if page.Next.IsZero() {
					return ids, total
				}
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				q.After = page.Next
			}
		}
		newest, total := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 3})
		if total != 7 || len(newest) != 7 || newest[0] != placed[6].ID || newest[6] != placed[0].ID {
			t.Fatalf("newest first %v (total %d)", newest, total)
		}
		oldest, _ := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 2, Ascending: true})
		if oldest[0] != placed[0].ID || oldest[6] != placed[6].ID {
			t.Fatalf("oldest first %v", oldest)
		}
		byUpdate, _ := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 4, SortBy: order.SortByUpdateTime})
		if byUpdate[0] != placed[2].ID || len(byUpdate) != 7 {
			t.Fatalf("by update time, the shipped order first: %v", byUpdate)
		}
		shipped, total := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, Status: order.AwaitingCollection})
		if total != 1 || len(shipped) != 1 || shipped[0] != placed[2].ID {
			t.Fatalf("by status %v", shipped)
		}
		mine, _ := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, BuyerID: placed[3].BuyerID})
		if len(mine) != 1 || mine[0] != placed[3].ID {
			t.Fatalf("by buyer %v", mine)
		}
		later, total := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, CreatedFrom: time.Now().Add(time.Minute)})
		if total != 0 || len(later) != 0 {
			t.Fatalf("created in the future %v", later)
		}
		window, _ := collect(order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, CreatedFrom: placed[1].CreatedAt, CreatedBefore: placed[3].CreatedAt})
		if len(window) != 2 || window[0] != placed[2].ID || window[1] != placed[1].ID {
			t.Fatalf("created in [1, 3) %v", window)
		}

		// Refusals name their field; a stranger sees nothing.
		for _, tc := range []struct {
			q     order.ShopOrderSearch
			field string
		}{
			{order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 0}, "page_size"},
			{order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 101}, "page_size"},
			{order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, Status: "LOST"}, "order_status"},
			{order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5, SortBy: "price"}, "sort_field"},
		} {
			if _, err := f.orders.SearchShopOrders(ctx, f.owner, tc.q); errs.As(err) == nil || errs.As(err).Field != tc.field {
				t.Errorf("%+v: %v, want a refusal of %s", tc.q, err, tc.field)
			}
		}
		stranger := f.Actor(t, "stranger", auth.Seller)
		if _, err := f.orders.SearchShopOrders(ctx, stranger, order.ShopOrderSearch{ShopID: f.shop.ID, Limit: 5}); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("a stranger searched: %v", err)
		}

		// By id: the shop's own orders, in the order asked, with their packages.
		other, err := f.sellers.Register(ctx, stranger, seller.RegisterInput{Market: "US", Name: "Stranger's"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.orders.ShopOrdersByID(ctx, f.owner, f.shop.ID, []id.ID{placed[2].ID, 12345, placed[0].ID})
		if err != nil || len(got) != 2 || got[0].ID != placed[2].ID || got[1].ID != placed[0].ID || len(got[0].Packages) != 1 {
			t.Fatalf("by id %+v %v", got, err)
		}
		if got, err := f.orders.ShopOrdersByID(ctx, stranger, other.ID, []id.ID{placed[0].ID}); err != nil || len(got) != 0 {
			t.Fatalf("another shop's orders by id: %+v %v", got, err)
		}
		if _, err := f.orders.ShopOrdersByID(ctx, stranger, f.shop.ID, []id.ID{placed[0].ID}); !errors.Is(err, seller.ErrNotYourShop) {
			t.Fatalf("a stranger read by id: %v", err)
		}
	})
}
