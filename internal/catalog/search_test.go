package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestSearchWithFiltersAndCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana, bo := k.Actor(t, "ana", auth.Seller), k.Actor(t, "bo", auth.Seller)
		plain, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		mall, _ := c.Sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Bo Official"})
		if _, err := c.Sellers.SetBadge(ctx, k.Operator(t), mall.ID, seller.Mall); err != nil {
			t.Fatal(err)
		}
		gb, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "GB", Name: "Ana UK"})
		type item struct {
			shop     seller.Shop
			actor    auth.Actor
			title    string
			category string
			price    int64
			stock    int64
			cur      string
		}
		items := []item{
			{plain, ana, "Velvet lip tint", "lips", 1299, 5, "USD"},
			{plain, ana, "Glass skin serum", "skincare", 2499, 0, "USD"},
			{mall, bo, "Matte lip tint, rosé", "lips", 1899, 3, "USD"},
			{mall, bo, "Cushion foundation", "face", 3299, 8, "USD"},
			{plain, ana, "Wireless earbuds", "audio", 4999, 2, "USD"},
			{gb, ana, "Lip tint UK", "lips", 999, 4, "GBP"},
		}
		for _, it := range items {
			if _, err := c.Catalog.CreateProduct(ctx, it.actor, it.shop.ID, catalog.ProductInput{Title: it.title, Category: it.category,
				Description: "from the " + it.category + " aisle",
				SKUs:        []catalog.SKUInput{{Price: money.New(it.price, it.cur), Stock: it.stock}}}); err != nil {
				t.Fatal(err)
			}
		}
		titles := func(q catalog.SearchQuery) []string {
			t.Helper()
			q.Market = "US"
			page, err := c.Catalog.Search(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			var out []string
			for _, p := range page.Products {
				out = append(out, p.Title)
			}
			return out
		}
		tests := []struct {
			name string
			q    catalog.SearchQuery
			want []string
		}{
			{"text, newest first, market only", catalog.SearchQuery{Text: "Lip TINT", Sort: catalog.SortNewest}, []string{"Matte lip tint, rosé", "Velvet lip tint"}},
			{"accents kept", catalog.SearchQuery{Text: "rosé"}, []string{"Matte lip tint, rosé"}},
			{"description", catalog.SearchQuery{Text: "skincare"}, []string{"Glass skin serum"}},
			{"category subtree", catalog.SearchQuery{Category: "makeup"}, []string{"Cushion foundation", "Matte lip tint, rosé", "Velvet lip tint"}},
			{"price range", catalog.SearchQuery{MinPrice: 1500, MaxPrice: 3000}, []string{"Matte lip tint, rosé", "Glass skin serum"}},
			{"in stock", catalog.SearchQuery{Category: "beauty", InStock: true}, []string{"Cushion foundation", "Matte lip tint, rosé", "Velvet lip tint"}},
			{"mall only", catalog.SearchQuery{MallOnly: true, Text: "tint"}, []string{"Matte lip tint, rosé"}},
			{"mall only, no text", catalog.SearchQuery{MallOnly: true}, []string{"Cushion foundation", "Matte lip tint, rosé"}},
			{"mall only, newest first", catalog.SearchQuery{MallOnly: true, Text: "tint", Sort: catalog.SortNewest}, []string{"Matte lip tint, rosé"}},
			{"the word mall is not the Mall filter", catalog.SearchQuery{Text: "mall"}, nil},
			{"nothing", catalog.SearchQuery{Text: "zzz"}, nil},
			{"punctuation only is no text filter", catalog.SearchQuery{Text: `"*)(`, Category: "audio"}, []string{"Wireless earbuds"}},
		}
		if d.Engine() == db.SQLite {
			// FTS5 folds accents (remove_diacritics); PostgreSQL's 'simple' configuration does not.
			tests = append(tests, struct {
				name string
				q    catalog.SearchQuery
				want []string
			}{"accents folded", catalog.SearchQuery{Text: "rose"}, []string{"Matte lip tint, rosé"}})
		}
		for _, tt := range tests {
			got := titles(tt.q)
			if len(got) != len(tt.want) {
				t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
				continue
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
				}
			}
		}
		// Cursor pagination walks everything once.
		seen := map[string]bool{}
		q := catalog.SearchQuery{Market: "US", Limit: 2}
		for pages := 0; ; pages++ {
			page, err := c.Catalog.Search(ctx, q)
			if err != nil || pages > 5 {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, p := range page.Products {
				if seen[p.Title] {
					t.Fatalf("%q twice", p.Title)
				}
				seen[p.Title] = true
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if len(seen) != 5 {
			t.Fatalf("paged through %d products", len(seen))
		}

		bad := []struct {
			q           catalog.SearchQuery
			code, field string
		}{
			{catalog.SearchQuery{Market: "ZZ"}, "market_not_found", "market"},
			{catalog.SearchQuery{Market: "US", Category: "spaceships"}, "category_not_found", "category"},
			{catalog.SearchQuery{Market: "US", MinPrice: -1}, "invalid_field", "min_price"},
			{catalog.SearchQuery{Market: "US", MinPrice: 500, MaxPrice: 100}, "invalid_field", "max_price"},
			{catalog.SearchQuery{Market: "US", Cursor: "not a cursor!"}, "invalid_field", "cursor"},
			{catalog.SearchQuery{Market: "US", Limit: 1000}, "invalid_field", "limit"},
		}
		for _, b := range bad {
			_, err := c.Catalog.Search(ctx, b.q)
			if e := errs.As(err); e == nil || e.Code != b.code || e.Field != b.field {
				t.Errorf("%+v: %v, want %s on %s", b.q, err, b.code, b.field)
			}
		}
		// A product in a category that does not exist is refused, naming the field.
		_, err := c.Catalog.CreateProduct(ctx, ana, plain.ID, catalog.ProductInput{Title: "Thing", Category: "nope",
			SKUs: []catalog.SKUInput{{Price: money.New(100, "USD"), Stock: 1}}})
		if e := errs.As(err); e == nil || e.Code != "category_not_found" || e.Field != "category" {
			t.Fatalf("unknown category: %v", err)
		}
		// Attributes are kept (trimmed) and checked.
		withAttrs, err := c.Catalog.CreateProduct(ctx, ana, plain.ID, catalog.ProductInput{Title: "Silk scarf", Category: "accessories",
			Attributes: map[string]string{" material ": " silk ", "origin": "Thailand"}, SKUs: []catalog.SKUInput{{Price: money.New(100, "USD"), Stock: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Catalog.Product(ctx, withAttrs.ID); got.Attributes["material"] != "silk" || got.Attributes["origin"] != "Thailand" || len(got.Attributes) != 2 {
			t.Fatalf("attributes %v", got.Attributes)
		}
		_, err = c.Catalog.CreateProduct(ctx, ana, plain.ID, catalog.ProductInput{Title: "Thing", Attributes: map[string]string{"": "x"},
			SKUs: []catalog.SKUInput{{Price: money.New(100, "USD"), Stock: 1}}})
		if e := errs.As(err); e == nil || e.Field != "attributes" {
			t.Fatalf("empty attribute name: %v", err)
		}
		// An edited title is found by its new words (FTS trigger / generated column).
		ps, _ := c.Catalog.ProductsOfShop(ctx, plain.ID, 10)
		newTitle := "Noise cancelling earbuds"
		if _, err := c.Catalog.EditProduct(ctx, ana, ps[0].ID, catalog.ProductEdit{Title: &newTitle}); err != nil {
			t.Fatal(err)
		}
		if got := titles(catalog.SearchQuery{Text: "cancelling"}); len(got) != 1 || got[0] != newTitle {
			t.Fatalf("after edit: %q", got)
		}
	})
}

// With text, results come by relevance on both engines: a title match above a
// description-only match, equal scores newest first; the cursor pages through every
// match once in the same order as one long page, ties included.
func TestSearchByRelevance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		ana := k.Actor(t, "ana", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, ana, seller.RegisterInput{Market: "US", Name: "Ana's"})
		add := func(title, desc string) string {
			p, err := c.Catalog.CreateProduct(ctx, ana, shop.ID, catalog.ProductInput{Title: title, Description: desc,
				SKUs: []catalog.SKUInput{{Price: money.New(1000, "USD"), Stock: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			return p.ID.String()
		}
		titleMatch := map[string]bool{}
		var twins []string
		for i := 0; i < 3; i++ {
			twins = append(twins, add("Rose serum", "a light oil"))
			titleMatch[twins[i]] = true
		}
		add("Night cream", "finish with a drop of our serum, then sleep") // description only
		titleMatch[add("Vitamin C serum", "brightening")] = true
		oldDesc := add("Day cream", "works under any serum") // description-only, and older than the newest title match
		add("Hand cream", "no match here")                   // not a match

		search := func(q catalog.SearchQuery) catalog.SearchPage {
			t.Helper()
			q.Market = "US"
			page, err := c.Catalog.Search(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return page
		}
		var all []string
		for _, p := range search(catalog.SearchQuery{Text: "serum", Limit: 100}).Products {
			all = append(all, p.ID.String())
		}
		if len(all) != 6 {
			t.Fatalf("%d matches", len(all))
		}
		for i, pid := range all {
			if (i < 4) != titleMatch[pid] {
				t.Fatalf("title matches first: %v (title matches %v)", all, titleMatch)
			}
		}
		// The identical twins score the same: newest first among them.
		var seenTwins []string
		for _, pid := range all {
			for _, tw := range twins {
				if pid == tw {
					seenTwins = append(seenTwins, pid)
				}
			}
		}
		if len(seenTwins) != 3 || seenTwins[0] != twins[2] || seenTwins[2] != twins[0] {
			t.Fatalf("twins %v, want newest first %v", seenTwins, twins)
		}
		// Newest first on request.
		if newest := search(catalog.SearchQuery{Text: "serum", Sort: catalog.SortNewest, Limit: 1}); newest.Products[0].ID.String() != oldDesc || strings.Contains(newest.Next, ".") {
			t.Fatalf("newest %v next %q", newest.Products[0].Title, newest.Next)
		}
		// Page by page, one product a page: the same order, each once.
		var paged []string
		q := catalog.SearchQuery{Text: "serum", Limit: 1}
		for pages := 0; ; pages++ {
			page := search(q)
			if pages > 10 {
				t.Fatal("too many pages")
			}
			for _, p := range page.Products {
				paged = append(paged, p.ID.String())
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if strings.Join(paged, ",") != strings.Join(all, ",") {
			t.Fatalf("paged %v, want %v", paged, all)
		}
		// Only the newest RankWindow matches are ranked: with a window of 4, the two
		// oldest twins are out of reach by relevance (not by newest first).
		c.Catalog.RankWindow = 4
		windowed := search(catalog.SearchQuery{Text: "serum", Limit: 100}).Products
		if len(windowed) != 4 || windowed[0].Title != "Vitamin C serum" && windowed[0].ID.String() != twins[2] || windowed[3].Title == "Rose serum" {
			t.Fatalf("ranked window %v", windowed)
		}
		for _, p := range windowed {
			if p.ID.String() == twins[0] || p.ID.String() == twins[1] {
				t.Fatalf("an old twin ranked: %v", windowed)
			}
		}
		if all := search(catalog.SearchQuery{Text: "serum", Sort: catalog.SortNewest, Limit: 100}).Products; len(all) != 6 {
			t.Fatalf("newest first reaches every match: %d", len(all))
		}
		c.Catalog.RankWindow = catalog.DefaultRankWindow
		// A cursor from the other order, or a made-up sort, is refused.
		newestCursor := search(catalog.SearchQuery{Text: "serum", Sort: catalog.SortNewest, Limit: 1}).Next
		rankedCursor := search(catalog.SearchQuery{Text: "serum", Limit: 1}).Next
		for _, b := range []struct {
			q     catalog.SearchQuery
			field string
		}{
			{catalog.SearchQuery{Market: "US", Text: "serum", Cursor: newestCursor}, "cursor"},
			{catalog.SearchQuery{Market: "US", Text: "serum", Sort: catalog.SortNewest, Cursor: rankedCursor}, "cursor"},
			{catalog.SearchQuery{Market: "US", Text: "serum", Cursor: "12.zzzzzzzzzzzzzzzzzz"}, "cursor"},
			{catalog.SearchQuery{Market: "US", Text: "serum", Sort: "cheapest"}, "sort"},
		} {
			if _, err := c.Catalog.Search(ctx, b.q); errs.As(err) == nil || errs.As(err).Field != b.field {
				t.Errorf("%+v: %v, want a refusal on %s", b.q, err, b.field)
			}
		}
	})
}

// A shop's badge reaches its products' Mall-only searches when it changes, whether
// the products came before or after it, and leaves them when it goes.
func TestMallSearchFollowsTheShopBadge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		c := k.Commerce()
		ctx := context.Background()
		bo := k.Actor(t, "bo", auth.Seller)
		shop, _ := c.Sellers.Register(ctx, bo, seller.RegisterInput{Market: "US", Name: "Bo's"})
		list := func(title string) {
			t.Helper()
			if _, err := c.Catalog.CreateProduct(ctx, bo, shop.ID, catalog.ProductInput{Title: title, Category: "lips",
				SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 5}}}); err != nil {
				t.Fatal(err)
			}
		}
		mallTitles := func(text string) string {
			t.Helper()
			page, err := c.Catalog.Search(ctx, catalog.SearchQuery{Market: "US", MallOnly: true, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range page.Products {
				out = append(out, p.Title)
			}
			return strings.Join(out, ", ")
		}
		list("Velvet lip tint")
		steps := []struct {
			badge     seller.Badge
			listAfter string
			want      string // Mall-only search for "tint", then with no text
		}{
			{seller.NoBadge, "", ""},
			{seller.Mall, "Matte lip tint", "Matte lip tint, Velvet lip tint"},
			{seller.Official, "", "Matte lip tint, Velvet lip tint"},
			{seller.NoBadge, "Gloss tint", ""},
			{seller.Mall, "", "Gloss tint, Matte lip tint, Velvet lip tint"},
		}
		for i, st := range steps {
			if _, err := c.Sellers.SetBadge(ctx, k.Operator(t), shop.ID, st.badge); err != nil {
				t.Fatal(err)
			}
			if st.listAfter != "" {
				list(st.listAfter)
			}
			if got := mallTitles("tint"); got != st.want {
				t.Errorf("step %d (badge %q): Mall-only %q, want %q", i, st.badge, got, st.want)
			}
			if got := mallTitles(""); got != st.want {
				t.Errorf("step %d (badge %q): Mall-only, no text: %q, want %q", i, st.badge, got, st.want)
			}
		}
	})
}
