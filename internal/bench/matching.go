package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

type matchingOpts struct {
	creators, shops, products, collabs int
	holdout                            float64
	seed                               uint64
}

var matchingScenario = Scenario{
	Name: "matching",
	Summary: "offline evaluation of the creator recommender: a generated marketplace whose creators favour categories and price bands, " +
		"the most recent accepted collaborations held out, hit rate at 10 of the recommender (through the Seller Center's service call) " +
		"against ranking by followers",
	Flags: func(fs *flag.FlagSet) any {
		o := &matchingOpts{}
		fs.IntVar(&o.creators, "creators", 400, "creators in the market")
		fs.IntVar(&o.shops, "shops", 40, "shops")
		fs.IntVar(&o.products, "products", 5, "products per shop")
		fs.IntVar(&o.collabs, "collabs", 3000, "accepted collaborations over 180 days")
		fs.Float64Var(&o.holdout, "holdout", 0.1, "share of the most recent collaborations held out")
		fs.Uint64Var(&o.seed, "seed", 42, "random seed of the generated data set")
		return o
	},
	Run: runMatching,
}

// benchCreator is a generated creator and the taste the history is drawn from,
// which the recommender never sees: only the sales, clicks and samples it produced.
type benchCreator struct {
	c         creator.Creator
	likes     []string // preferred categories, strongest first
	priceBand float64  // typical price in minor units
	followers int64
	activity  float64 // how often they collaborate
	reliable  float64 // chance of delivering sample content on time
}

type benchProduct struct {
	p        catalog.Product
	shop     id.ID
	owner    auth.Actor
	category string
	price    int64
}

type collab struct {
	at      time.Time
	creator int
	product int
}

func runMatching(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*matchingOpts)
	if o.creators < 20 || o.shops < 1 || o.products < 1 || o.collabs < 50 || o.holdout <= 0 || o.holdout >= 1 {
		return errors.New("--creators at least 20, --shops and --products at least 1, --collabs at least 50, --holdout between 0 and 1")
	}
	cfg, cleanup, err := freshConfig(ctx, "")
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	rng := rand.New(rand.NewPCG(o.seed, 1))
	start := time.Now()
	fmt.Fprintf(out, "matching: %d creators, %d shops x %d products, %d collaborations (%.0f%% held out), seed %d\n",
		o.creators, o.shops, o.products, o.collabs, o.holdout*100, o.seed)

	tree, err := a.Catalog.Categories(ctx)
	if err != nil {
		return err
	}
	// Creators' tastes are top-level categories; products sit anywhere below them in
	// the catalog tree, and their open collaborations leave the category to the product.
	var tops []string
	under := map[string][]string{}
	for _, c := range tree {
		top, _, _ := strings.Cut(c.Path, "/")
		if c.Parent == "" {
			tops = append(tops, c.Code)
		}
		under[top] = append(under[top], c.Code)
	}
	creators, err := matchingCreators(ctx, a, rng, o.creators, tops)
	if err != nil {
		return fmt.Errorf("creators: %w", err)
	}
	products, err := matchingProducts(ctx, a, rng, o.shops, o.products, tops, under)
	if err != nil {
		return fmt.Errorf("products: %w", err)
	}
	history := matchingHistory(rng, creators, products, o.collabs)
	cut := len(history) - int(float64(len(history))*o.holdout)
	train, test := history[:cut], history[cut:]
	fmt.Fprintf(out, "  generated in %s; writing %d past collaborations' sales, clicks and samples\n", time.Since(start).Round(time.Millisecond), len(train))
	if err := writeHistory(ctx, a.DB, rng, creators, products, train); err != nil {
		return fmt.Errorf("history: %w", err)
	}

	// Popularity ranks the same for every product.
	cands, err := a.Creators.Candidates(ctx, "US")
	if err != nil {
		return err
	}
	popular := map[id.ID]bool{}
	for i, c := range creator.RankByPopularity(cands) {
		if i == 10 {
			break
		}
		popular[c.CreatorID] = true
	}
	var hits, popHits int
	evalStart := time.Now()
	p := progress{out: out, label: "evaluate", total: len(test)}
	for i, t := range test {
		bp := products[t.product]
		fits, err := a.Creators.RecommendForProduct(ctx, bp.owner, bp.p.ID, 10)
		if err != nil {
			return fmt.Errorf("recommend: %w", err)
		}
		want := creators[t.creator].c.ID
		for _, f := range fits {
			if f.CreatorID == want {
				hits++
				break
			}
		}
		if popular[want] {
			popHits++
		}
		p.at(i + 1)
	}
	perQuery := time.Since(evalStart) / time.Duration(len(test))
	rec, pop := float64(hits)/float64(len(test)), float64(popHits)/float64(len(test))
	fmt.Fprintf(out, "  held out %d collaborations: recommender hit@10 %.3f, popularity hit@10 %.3f, random would be %.3f; %s ms per recommendation\n",
		len(test), rec, pop, 10/float64(len(creators)), ms(perQuery))
	result(out, "matching", "held_out", len(test), "hit_at_10", fmt.Sprintf("%.3f", rec), "popularity_hit_at_10", fmt.Sprintf("%.3f", pop),
		"lift", fmt.Sprintf("%.2f", rec/math.Max(pop, 1e-9)), "ms_per_query", ms(perQuery), "creators", len(creators), "seed", o.seed)
	return nil
}

func matchingCreators(ctx context.Context, a *app.App, rng *rand.Rand, n int, tops []string) ([]benchCreator, error) {
	in := make([]identity.ProvisionInput, n)
	for i := range in {
		in[i] = identity.ProvisionInput{Email: fmt.Sprintf("creator%d@match.test", i), DisplayName: fmt.Sprintf("Creator %d", i)}
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]benchCreator, n)
	for i, acct := range accts {
		bc := benchCreator{activity: 0.2 + rng.Float64(), reliable: 0.5 + rng.Float64()/2}
		first := tops[rng.IntN(len(tops))]
		bc.likes = []string{first}
		if rng.Float64() < 0.5 {
			if second := tops[rng.IntN(len(tops))]; second != first {
				bc.likes = append(bc.likes, second)
			}
		}
		bc.priceBand = math.Exp(math.Log(1000) + rng.Float64()*math.Log(20)) // 10-200 USD
		// Followers are heavy-tailed (Pareto, 1,000 up) and unrelated to taste.
		bc.followers = int64(1000 / math.Pow(1-rng.Float64()*0.999, 1/1.1))
		// Bigger creators collaborate somewhat more: popularity carries a signal.
		bc.activity *= math.Pow(float64(bc.followers)/1000, 0.3)
		var declared []string
		if rng.Float64() < 0.5 {
			declared = []string{first}
		}
		c, err := a.Creators.CreateProfile(ctx, acct.Actor(), creator.ProfileInput{Handle: fmt.Sprintf("match.creator%d", i), Market: "US",
			BirthDate: "1994-05-01", Categories: declared})
		if err != nil {
			return nil, err
		}
		// The follow graph's count, as identity keeps it (generating the follows
		// themselves would be millions of accounts).
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO follower_counts (target_kind, target_id, followers) VALUES ('creator', $1, $2)`, c.ID, bc.followers); err != nil {
			return nil, err
		}
		bc.c = c
		out[i] = bc
	}
	return out, nil
}

func matchingProducts(ctx context.Context, a *app.App, rng *rand.Rand, shops, per int, tops []string, under map[string][]string) ([]benchProduct, error) {
	var out []benchProduct
	for s := 0; s < shops; s++ {
		acct, err := a.Identity.Provision(ctx, fmt.Sprintf("seller%d@match.test", s), fmt.Sprintf("Seller %d", s), "", auth.Seller)
		if err != nil {
			return nil, err
		}
		owner := acct.Actor()
		shop, err := a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: fmt.Sprintf("Match Shop %d", s)})
		if err != nil {
			return nil, err
		}
		main := tops[rng.IntN(len(tops))]
		band := math.Exp(math.Log(1000) + rng.Float64()*math.Log(20))
		for k := 0; k < per; k++ {
			cat := main
			if rng.Float64() < 0.3 {
				cat = tops[rng.IntN(len(tops))]
			}
			price := int64(band * math.Exp(rng.NormFloat64()*0.3))
			leaf := under[cat][rng.IntN(len(under[cat]))]
			p, err := a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: fmt.Sprintf("%s item %d-%d", leaf, s, k), Category: leaf,
				SKUs: []catalog.SKUInput{{Price: money.New(price, "USD"), Stock: 1000}}})
			if err != nil {
				return nil, err
			}
			if _, err := a.Creators.SetOpenPlan(ctx, owner, p.ID, creator.OpenPlanInput{CommissionBP: money.BP(500 + rng.IntN(2000)), Active: true}); err != nil {
				return nil, err
			}
			out = append(out, benchProduct{p: p, shop: shop.ID, owner: owner, category: cat, price: p.FromPrice().Amount})
		}
	}
	return out, nil
}

// matchingHistory draws accepted collaborations over 180 days: a creator by
// activity, then a product by how well it fits their taste (categories they like,
// prices near their band), with some noise.
func matchingHistory(rng *rand.Rand, cs []benchCreator, ps []benchProduct, n int) []collab {
	var totalAct float64
	for _, c := range cs {
		totalAct += c.activity
	}
	weights := make([]float64, len(ps))
	out := make([]collab, 0, n)
	begin := time.Now().AddDate(0, 0, -180)
	for i := 0; i < n; i++ {
		r, ci := rng.Float64()*totalAct, 0
		for ; ci < len(cs)-1; ci++ {
			if r -= cs[ci].activity; r <= 0 {
				break
			}
		}
		c := cs[ci]
		var total float64
		for k, p := range ps {
			w := 0.05 // anything, now and then
			for rank, like := range c.likes {
				if p.category == like {
					w += 1.0 / float64(rank+1)
				}
			}
			w *= math.Exp(-math.Abs(math.Log(float64(p.price) / c.priceBand)))
			weights[k] = w
			total += w
		}
		r, pi := rng.Float64()*total, 0
		for ; pi < len(ps)-1; pi++ {
			if r -= weights[pi]; r <= 0 {
				break
			}
		}
		out = append(out, collab{creator: ci, product: pi, at: begin.Add(time.Duration(float64(180*24*time.Hour) * float64(i) / float64(n)))})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// writeHistory writes what past collaborations left behind, as the platform's own
// consumers would have: commissions on attributed order lines (the creator consumer
// records them from order events), clicks on the creators' links, and samples with
// their content on time or late.
func writeHistory(ctx context.Context, d *db.DB, rng *rand.Rand, cs []benchCreator, ps []benchProduct, train []collab) error {
	return d.RunInTx(ctx, func(tx *db.Tx) error {
		for _, t := range train {
			c, p := cs[t.creator], ps[t.product]
			orders := 1 + rng.IntN(1+int(math.Sqrt(float64(c.followers)/1000)))
			for k := 0; k < orders; k++ {
				qty := int64(1 + rng.IntN(2))
				base := p.price * qty
				at := t.at.Add(time.Duration(k) * time.Hour)
				if _, err := tx.ExecContext(ctx, `INSERT INTO commissions (order_line_id, order_id, creator_id, shop_id, market, currency, base_amount, rate_bp,
						amount, status, created_at, product_id, source, payable_at) VALUES ($1, $2, $3, $4, 'US', 'USD', $5, 1000, $6, $7, $8, $9, 'SHOWCASE', $8)`,
					id.New(), id.New(), c.c.ID, p.shop, base, base/10, string(creator.CommissionPayable), db.Micros(at), p.p.ID); err != nil {
					return err
				}
			}
			for k := 0; k < 1+rng.IntN(5); k++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO affiliate_clicks (id, creator_id, product_id, clicked_at) VALUES ($1, $2, $3, $4)`,
					id.New(), c.c.ID, p.p.ID, db.Micros(time.Now().Add(-time.Duration(rng.IntN(29*24))*time.Hour))); err != nil {
					return err
				}
			}
			if rng.Float64() < 0.3 {
				due := t.at.AddDate(0, 0, 14)
				done := due.Add(-24 * time.Hour)
				if rng.Float64() > c.reliable {
					done = due.Add(72 * time.Hour)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO samples (id, creator_id, shop_id, product_id, sku_id, status, note, content_due_at, content_ref,
						requested_at, fulfilled_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, 'video', $8, $9)`,
					id.New(), c.c.ID, p.shop, p.p.ID, p.p.SKUs[0].ID, creator.SampleFulfilled, db.Micros(due), db.Micros(t.at), db.Micros(done)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
