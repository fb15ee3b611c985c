package openapi_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// liveSale starts a live for the shop and sells qty units of its first SKU in it,
// waiting until the live's minutes and the GMV rollups have counted the sale.
func (e *env) liveSale(s sellerWorld, qty int64) content.Session {
	e.t.Helper()
	sess, err := e.Content.Schedule(e.ctx, s.actor, content.ScheduleInput{Title: "Friday drop", ShopID: s.shop.ID, ProductIDs: []id.ID{s.product.ID}})
	if err != nil {
		e.t.Fatal(err)
	}
	if sess, err = e.Content.Start(e.ctx, s.actor, sess.ID); err != nil {
		e.t.Fatal(err)
	}
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("viewer%d@buyer.test", n), "Vi Viewer", "")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.Orders.Checkout(e.ctx, acct.Actor(), order.CheckoutInput{IdempotencyKey: fmt.Sprint("live", n), Market: "US",
		Lines:           []order.LineInput{{SKUID: s.product.SKUs[0].ID, Quantity: qty, Attribution: order.Attribution{Source: order.SourceLive, LiveSessionID: sess.ID}}},
		ShippingAddress: address, PaymentMethod: "pm_card_visa"}); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var units, rolled int64
		if err := e.DB.QueryRowContext(e.ctx, `SELECT COALESCE(SUM(units), 0) FROM live_minutes WHERE session_id = $1`, sess.ID).Scan(&units); err != nil {
			e.t.Fatal(err)
		}
		if err := e.DB.QueryRowContext(e.ctx, `SELECT COALESCE(SUM(units), 0) FROM gmv_facts WHERE live_session_id = $1`, sess.ID).Scan(&rolled); err != nil {
			e.t.Fatal(err)
		}
		if units >= qty && rolled >= qty {
			return sess
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the sale never reached the live's minutes (%d) and the rollups (%d)", units, rolled)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) dayRange(s sellerWorld) url.Values {
	e.t.Helper()
	m, err := e.Markets.Market(e.ctx, s.shop.Market)
	if err != nil {
		e.t.Fatal(err)
	}
	loc, _ := time.LoadLocation(m.TimeZone)
	today := time.Now().In(loc)
	return url.Values{"start_date_ge": {today.AddDate(0, 0, -1).Format(time.DateOnly)}, "end_date_lt": {today.AddDate(0, 0, 1).Format(time.DateOnly)}}
}

func TestAnalyticsFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("ana")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		rng := e.dayRange(s)

		var lives struct {
			Sessions []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				Sales struct {
					GMV struct {
						Amount string `json:"amount"`
					} `json:"gmv"`
					ItemsSold int64 `json:"items_sold"`
				} `json:"sales_performance"`
			} `json:"live_stream_sessions"`
			Total int `json:"total_count"`
		}
		ok(t, c, "GET", "/analytics/202509/shop_lives/performance", rng, nil, &lives)
		if lives.Total != 0 {
			t.Fatalf("a new shop has lives %+v", lives)
		}
		sess := e.liveSale(s, 3)
		other := e.liveSale(s, 1)
		ok(t, c, "GET", "/analytics/202509/shop_lives/performance", rng, nil, &lives)
		if lives.Total != 2 || lives.Sessions[0].ID != sess.ID.String() || lives.Sessions[0].Sales.ItemsSold != 3 ||
			lives.Sessions[0].Sales.GMV.Amount != "38.97" || lives.Sessions[1].ID != other.ID.String() {
			t.Fatalf("lives %+v", lives)
		}
		q := url.Values{"page_size": {"1"}, "sort_order": {"ASC"}, "sort_field": {"items_sold"}}
		for k, v := range rng {
			q[k] = v
		}
		ok(t, c, "GET", "/analytics/202509/shop_lives/performance", q, nil, &lives)
		if len(lives.Sessions) != 1 || lives.Sessions[0].ID != other.ID.String() {
			t.Fatalf("ascending page %+v", lives)
		}

		var per struct {
			Performance struct {
				Overall struct {
					LiveTitle string `json:"live_title"`
					ItemsSold int64  `json:"items_sold"`
				} `json:"overall"`
				Intervals []struct {
					Sales struct {
						ItemsSold int64 `json:"items_sold"`
					} `json:"sales"`
				} `json:"intervals"`
			} `json:"performance"`
		}
		ok(t, c, "GET", "/analytics/202510/shop_lives/"+sess.ID.String()+"/performance_per_minutes", nil, nil, &per)
		sold := int64(0)
		for _, iv := range per.Performance.Intervals {
			sold += iv.Sales.ItemsSold
		}
		if per.Performance.Overall.LiveTitle != "Friday drop" || per.Performance.Overall.ItemsSold != 3 || sold != 3 {
			t.Fatalf("per minute %+v", per)
		}

		var prods struct {
			Products []struct {
				ID      string `json:"id"`
				Overall struct {
					ItemsSold int64 `json:"items_sold"`
					Orders    int64 `json:"orders"`
				} `json:"overall_performance"`
			} `json:"products"`
		}
		ok(t, c, "GET", "/analytics/202509/shop_products/performance", rng, nil, &prods)
		if len(prods.Products) != 1 || prods.Products[0].ID != s.product.ID.String() || prods.Products[0].Overall.ItemsSold != 4 || prods.Products[0].Overall.Orders != 2 {
			t.Fatalf("products %+v", prods)
		}

		// Bad input, other shops, scope.
		refused(t, call(t, c, "GET", "/analytics/202509/shop_products/performance", nil, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "GET", "/analytics/202509/shop_lives/performance", url.Values{"start_date_ge": {"2026-11-20"}, "end_date_lt": {"2026-11-01"}}, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "GET", "/analytics/202509/shop_lives/performance", url.Values{"start_date_ge": rng["start_date_ge"], "end_date_lt": rng["end_date_lt"], "sort_field": {"customers"}}, nil), 400, openapi.CodeInvalidParam)
		o := e.seller("anb")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, o.actor, o.shop.ID)
		refused(t, call(t, oc, "GET", "/analytics/202510/shop_lives/"+sess.ID.String()+"/performance_per_minutes", nil, nil), 404, openapi.CodeNotFound)
		ok(t, oc, "GET", "/analytics/202509/shop_products/performance", rng, nil, &prods)
		if len(prods.Products) != 0 {
			t.Fatalf("another shop sees products %+v", prods)
		}
		na, nsecret := e.developer("seller.order.info")
		nc, _ := e.client(na, nsecret, s.actor, s.shop.ID)
		refused(t, call(t, nc, "GET", "/analytics/202509/shop_products/performance", rng, nil), 403, openapi.CodeScopeMissing)
	})
}
