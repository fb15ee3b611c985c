package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/demo"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// A purchase from a product page reached from search results, the Mall or a store
// page is counted under that product-card surface, in its product's category; the
// Mall only for a Mall shop; a made-up surface is a plain product card.
func TestAnalyticsChannelAndCategoryFromTheProductPage(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres" // start skips it without LIVESHOP_TEST_POSTGRES
		}
		t.Run(name, func(t *testing.T) {
			s := start(t, pg)
			ctx := context.Background()
			ownerAcct, err := s.Identity.Provision(ctx, "ana@shop.test", "Ana", demo.Password, auth.Seller)
			if err != nil {
				t.Fatal(err)
			}
			owner := ownerAcct.Actor()
			shop, err := s.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Velvet Tint", Category: "lips",
				SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 100}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Identity.Provision(ctx, "bea@buyer.test", "Bea", demo.Password); err != nil {
				t.Fatal(err)
			}
			b := newBrowserish(t, s.URL)
			b.login("bea@buyer.test")
			bought := 0
			buy := func(from string) {
				t.Helper()
				bought++
				path := "/products/" + p.ID.String()
				if from != "" {
					path += "?from=" + from
				}
				code, body := b.get(path)
				if code != 200 {
					t.Fatalf("%s: %d", path, code)
				}
				form := url.Values{"sku_id": {p.SKUs[0].ID.String()}, "quantity": {"1"}, "name": {"Bea"}, "line1": {"1 Main St"},
					"city": {"Austin"}, "postal_code": {"78701"}, "payment_method": {"pm_card_visa"}, "idempotency_key": {fmt.Sprint("k-", bought)}}
				if strings.Contains(body, `name="from" value="`+from+`"`) {
					form.Set("from", from)
				} else if from == "search" || from == "mall" || from == "store" {
					t.Fatalf("%s: the buy form does not carry from=%s", path, from)
				}
				if code, to := b.post("/products/"+p.ID.String()+"/buy", form); code != 303 || !strings.HasPrefix(to, "/orders/") {
					t.Fatalf("buy from %q: %d -> %s: %s", from, code, to, b.flash(to))
				}
			}
			// The search page links its results with from=search.
			if _, body := b.get("/search?market=US&q=velvet"); !strings.Contains(body, "/products/"+p.ID.String()+"?from=search") {
				t.Fatalf("search results do not link with from=search")
			}
			buy("search")
			buy("mall") // not a Mall shop: a plain product card
			buy("store")
			buy("bogus")
			if _, err := s.DB.ExecContext(ctx, `UPDATE shops SET badge = 'mall' WHERE id = $1`, shop.ID); err != nil {
				t.Fatal(err)
			}
			b.get("/products/" + p.ID.String() + "?from=mall")
			buy("mall")
			settle(t, s)

			rows, err := s.DB.QueryContext(ctx, `SELECT channel, surface, category, amount FROM gmv_facts WHERE product_id = $1 ORDER BY id`, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var ch, surface, category string
				var amount int64
				if err := rows.Scan(&ch, &surface, &category, &amount); err != nil {
					t.Fatal(err)
				}
				got = append(got, ch+"/"+surface+" "+category)
			}
			rows.Close()
			want := "[PRODUCT_CARD/search lips PRODUCT_CARD/ lips PRODUCT_CARD/store_page lips PRODUCT_CARD/ lips PRODUCT_CARD/mall lips]"
			if fmt.Sprint(got) != want {
				t.Fatalf("facts %v, want %s", got, want)
			}

			// The market page draws the category mix and lists the categories by path.
			if _, err := s.Identity.Provision(ctx, "ops@ops.test", "Ops", demo.Password, auth.Operator); err != nil {
				t.Fatal(err)
			}
			ops := newBrowserish(t, s.URL)
			ops.login("ops@ops.test")
			us, _ := s.Markets.Market(ctx, "US")
			code, body := ops.get("/ops/analytics/markets/US?month=" + us.Day(time.Now())[:7])
			svg := body[strings.Index(body, `id="chart-categories"`):]
			svg = svg[:strings.Index(svg, "</svg>")]
			if code != 200 || !strings.Contains(svg, "Beauty &amp; Personal Care: $50.00 (100%)") ||
				!strings.Contains(body, "Beauty &amp; Personal Care › Makeup › Lips") || !strings.Contains(body, "Product card · search") {
				t.Fatalf("market page %d: category chart %s", code, svg)
			}
		})
	}
}
