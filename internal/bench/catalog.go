package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

type catalogOpts struct {
	skus, perProduct, queries, naiveQueries, shops int
	postgres                                       string
	sqlite                                         bool
}

var catalogScenario = Scenario{
	Name: "catalog",
	Summary: "catalogue search over SKUs in one market: p50/p99 per query type (text, category, price range, in stock, Mall only) " +
		"through catalog.Search, on SQLite (FTS5) and PostgreSQL (tsvector), with a LIKE scan as the naive baseline for text",
	Flags: func(fs *flag.FlagSet) any {
		o := &catalogOpts{}
		fs.IntVar(&o.skus, "skus", 1_000_000, "SKUs in the market")
		fs.IntVar(&o.perProduct, "skus-per-product", 4, "SKUs per product")
		fs.IntVar(&o.queries, "queries", 300, "queries per type")
		fs.IntVar(&o.naiveQueries, "naive-queries", 10, "naive LIKE queries (text) for the baseline")
		fs.IntVar(&o.shops, "shops", 200, "shops (one in ten a Mall shop)")
		fs.BoolVar(&o.sqlite, "sqlite", true, "run against a temporary SQLite database")
		fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL URL for the PostgreSQL half (a throwaway schema); SQLite only when empty")
		return o
	},
	Run: runCatalog,
}

// catalogQueryTypes are the kinds of search measured, in RESULT order.
var catalogQueryTypes = []string{"text", "category", "price", "in_stock", "mall"}

// vocabulary builds titles: words drawn with a Zipf skew, so some words are in a
// large share of titles (the hard case for "newest matching first") and most are rare.
var vocabulary = func() []string {
	stems := []string{"lip", "tint", "serum", "glow", "matte", "velvet", "cushion", "cream", "mask", "balm", "oil", "mist",
		"jacket", "dress", "shirt", "denim", "linen", "silk", "wool", "hoodie", "sneaker", "bag", "belt", "scarf",
		"kettle", "pan", "knife", "mug", "lamp", "vase", "pillow", "rug", "candle", "phone", "case", "charger",
		"earbuds", "speaker", "cable", "stand", "snack", "chili", "tea", "coffee", "noodle", "cookie", "yoga", "ball",
		"tent", "bottle", "puzzle", "robot", "doll", "kite"}
	mods := []string{"", "pro", "mini", "max", "soft", "bright", "classic", "eco", "air", "ultra"}
	var out []string
	for _, m := range mods {
		for _, s := range stems {
			out = append(out, s+m)
		}
	}
	return out
}()

var leafCategories = []string{"lips", "face", "skincare", "haircare", "womenswear", "menswear", "accessories", "kitchen", "decor",
	"phones", "audio", "snacks", "sports", "toys"}

func runCatalog(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*catalogOpts)
	if o.skus < 100 || o.perProduct < 1 || o.queries < 1 || o.shops < 10 || o.naiveQueries < 0 {
		return errors.New("--skus at least 100, --skus-per-product and --queries at least 1, --shops at least 10")
	}
	var engines []string
	if o.sqlite {
		engines = append(engines, "")
	}
	if o.postgres != "" {
		engines = append(engines, o.postgres)
	}
	if len(engines) == 0 {
		return errors.New("nothing to run: give --postgres or leave --sqlite on")
	}
	kv := []any{"skus", o.skus, "products", o.skus / o.perProduct, "queries", o.queries}
	for _, pg := range engines {
		engine := engineName(pg)
		res, naive, err := catalogEngine(ctx, o, pg, out)
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		worst := time.Duration(0)
		for _, qt := range catalogQueryTypes {
			kv = append(kv, "p50_ms_"+qt+"_"+engine, ms(res[qt].pct(0.5)), "p99_ms_"+qt+"_"+engine, ms(res[qt].pct(0.99)))
			worst = max(worst, res[qt].pct(0.99))
		}
		kv = append(kv, "worst_p99_ms_"+engine, ms(worst))
		if len(naive) > 0 {
			kv = append(kv, "naive_text_p50_ms_"+engine, ms(naive.pct(0.5)),
				"uniform_text_p50_ms_"+engine, ms(res["uniform_text"].pct(0.5)),
				"ratio_vs_naive_"+engine, fmt.Sprintf("%.1f", float64(naive.pct(0.5))/float64(max(res["uniform_text"].pct(0.5), time.Microsecond))))
		}
	}
	result(out, "catalog", kv...)
	return nil
}

func catalogEngine(ctx context.Context, o *catalogOpts, pg string, out io.Writer) (map[string]latencies, latencies, error) {
	engine := engineName(pg)
	cfg, cleanup, err := freshConfig(ctx, pg)
	if err != nil {
		return nil, nil, err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	fmt.Fprintf(out, "bench catalog on %s: %d SKUs in %d products, %d shops\n", engine, o.skus, o.skus/o.perProduct, o.shops)
	start := time.Now()
	if err := catalogWorld(ctx, a, o, out); err != nil {
		return nil, nil, fmt.Errorf("setup: %w", err)
	}
	fmt.Fprintf(out, "  loaded in %s\n", time.Since(start).Round(time.Second))

	r := rand.New(rand.NewPCG(7, 11))
	zipf := rand.NewZipf(r, 1.1, 4, uint64(len(vocabulary)-1))
	res := map[string]latencies{}
	for _, qt := range catalogQueryTypes {
		pr := &progress{out: out, label: qt, total: o.queries}
		for i := 0; i < o.queries; i++ {
			q := catalog.SearchQuery{Market: "US", Limit: 20}
			switch qt {
			case "text":
				q.Text = vocabulary[zipf.Uint64()]
				if i%3 == 0 {
					q.Text += " " + vocabulary[zipf.Uint64()]
				}
			case "category":
				q.Category = leafCategories[r.IntN(len(leafCategories))]
				if i%4 == 0 {
					q.Category = []string{"beauty", "fashion", "home", "electronics"}[r.IntN(4)]
				}
			case "price":
				lo := int64(100 + r.IntN(50000))
				q.MinPrice, q.MaxPrice = lo, lo+lo/5
			case "in_stock":
				q.InStock = true
				q.Category = leafCategories[r.IntN(len(leafCategories))]
			case "mall":
				q.MallOnly = true
				if i%2 == 0 {
					q.Text = vocabulary[zipf.Uint64()]
				}
			}
			t0 := time.Now()
			if _, err := a.Catalog.Search(ctx, q); err != nil {
				return nil, nil, fmt.Errorf("%s query %+v: %w", qt, q, err)
			}
			res[qt] = append(res[qt], time.Since(t0))
			pr.at(i + 1)
		}
		fmt.Fprintf(out, "  %-9s p50 %s ms  p99 %s ms\n", qt, ms(res[qt].pct(0.5)), ms(res[qt].pct(0.99)))
	}
	// The naive baseline: a LIKE scan for words drawn uniformly (mostly rare ones, where
	// newest-first cannot stop early), against the index on the same words.
	var naive, indexed latencies
	for i := 0; i < o.naiveQueries; i++ {
		w := vocabulary[r.IntN(len(vocabulary))]
		t0 := time.Now()
		if _, _, err := a.Catalog.SearchIDs(ctx, catalog.SearchQuery{Market: "US", Text: w, Limit: 20}); err != nil {
			return nil, nil, err
		}
		indexed = append(indexed, time.Since(t0))
		t0 = time.Now()
		rows, err := a.DB.QueryContext(ctx, `SELECT id FROM products WHERE market = 'US' AND status = 'live' AND (LOWER(title) LIKE $1 OR LOWER(description) LIKE $1)
			ORDER BY id DESC LIMIT 21`, "%"+w+"%")
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
		}
		rows.Close()
		naive = append(naive, time.Since(t0))
	}
	if len(naive) > 0 {
		fmt.Fprintf(out, "  uniform words: LIKE scan p50 %s ms, index p50 %s ms\n", ms(naive.pct(0.5)), ms(indexed.pct(0.5)))
	}
	res["uniform_text"] = indexed
	return res, naive, nil
}

// catalogWorld loads shops through the services and products and SKUs in bulk
// (multi-row INSERTs; the search index follows through the engine's trigger or
// generated column, as it does for products created one by one).
func catalogWorld(ctx context.Context, a *app.App, o *catalogOpts, out io.Writer) error {
	opsAcct, err := a.Identity.Provision(ctx, "ops@catalog.bench", "Bench Ops", "", auth.Operator)
	if err != nil {
		return err
	}
	var shops []id.ID
	var mall []bool // a product copies its shop's Mall standing (catalog.SetShopMall)
	for i := 0; i < o.shops; i++ {
		acct, err := a.Identity.Provision(ctx, fmt.Sprintf("seller%d@catalog.bench", i), "Bench Seller", "", auth.Seller)
		if err != nil {
			return err
		}
		sh, err := a.Sellers.Register(ctx, acct.Actor(), seller.RegisterInput{Market: "US", Name: fmt.Sprintf("Catalog Shop %d", i)})
		if err != nil {
			return err
		}
		if i%10 == 0 {
			if _, err := a.Sellers.SetBadge(ctx, opsAcct.Actor(), sh.ID, seller.Mall); err != nil {
				return err
			}
		}
		shops = append(shops, sh.ID)
		mall = append(mall, i%10 == 0)
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 4, uint64(len(vocabulary)-1))
	products := o.skus / o.perProduct
	const perTx = 2000
	const perStmt = 200
	pr := &progress{out: out, label: "products", total: products}
	now := db.Micros(time.Now())
	for done := 0; done < products; {
		n := min(perTx, products-done)
		err := a.DB.RunInTx(ctx, func(tx *db.Tx) error {
			for off := 0; off < n; off += perStmt {
				m := min(perStmt, n-off)
				var pv, sv []string
				var pa, sa []any
				for j := 0; j < m; j++ {
					pid := id.New()
					words := make([]string, 3+r.IntN(4))
					for w := range words {
						words[w] = vocabulary[zipf.Uint64()]
					}
					title := strings.Join(words, " ")
					cat := leafCategories[r.IntN(len(leafCategories))]
					k := len(pa)
					shop := r.IntN(len(shops))
					pv = append(pv, fmt.Sprintf("($%d, $%d, 'US', $%d, $%d, 'live', $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+5, k+6, k+7))
					pa = append(pa, pid, shops[shop], title, "A "+cat+" item: "+title, now, cat, mall[shop])
					base := int64(100 + r.IntN(60000))
					for s := 0; s < o.perProduct; s++ {
						stock := int64(r.IntN(50))
						if r.IntN(10) < 3 {
							stock = 0
						}
						k := len(sa)
						sv = append(sv, fmt.Sprintf("($%d, $%d, $%d, 'V', $%d, 'USD', $%d, 0, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+6))
						sa = append(sa, id.New(), pid, fmt.Sprintf("S%d", s), base+int64(s)*base/10, stock, now)
					}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at, category, mall) VALUES `+
					strings.Join(pv, ", "), pa...); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO skus (id, product_id, seller_sku, name, price, currency, stock, reserved, created_at, updated_at) VALUES `+
					strings.Join(sv, ", "), sa...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		pr.at(done)
	}
	_, err = a.DB.ExecContext(ctx, `ANALYZE`)
	return err
}
