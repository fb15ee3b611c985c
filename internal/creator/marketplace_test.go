package creator_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func TestRankPrefersCategoryFitOverFollowers(t *testing.T) {
	cands := []creator.Candidate{
		{CreatorID: 1, Handle: "celebrity", Followers: 900000, GMV: 500000, Orders: 50, CategoryGMV: map[string]int64{"electronics": 500000}},
		{CreatorID: 2, Handle: "beautyfan", Followers: 4000, GMV: 80000, Orders: 40, CategoryGMV: map[string]int64{"beauty": 80000}},
		{CreatorID: 3, Handle: "newcomer", Followers: 2000, Declared: []string{"beauty"}},
		{CreatorID: 4, Handle: "pricey", Followers: 5000, GMV: 900000, Orders: 30, CategoryGMV: map[string]int64{"beauty": 900000}},
	}
	fits := creator.Rank(creator.MatchTarget{Category: "beauty", Price: 2000}, cands)
	var order []string
	for _, f := range fits {
		order = append(order, f.Handle)
	}
	// beautyfan sells beauty at the target price; pricey sells more beauty but at 30,000;
	// the newcomer only declares it; the celebrity never sold it.
	want := []string{"beautyfan", "pricey", "newcomer", "celebrity"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("ranked %v, want %v", order, want)
		}
	}
	if pop := creator.RankByPopularity(cands); pop[0].Handle != "celebrity" {
		t.Fatalf("popularity %v", pop[0].Handle)
	}
	// Reliability breaks a tie.
	a := creator.Candidate{CreatorID: 10, Handle: "late", SamplesLate: 5}
	b := creator.Candidate{CreatorID: 11, Handle: "ontime", SamplesOnTime: 5}
	if fits := creator.Rank(creator.MatchTarget{Category: "home"}, []creator.Candidate{a, b}); fits[0].Handle != "ontime" {
		t.Fatalf("reliability: %v first", fits[0].Handle)
	}
}

func TestMarketplaceSearchAndRecommendations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, Category: "beauty", Active: true})
		gadget := f.newProduct(t, "Gadget", 50000)
		f.creators.SetOpenPlan(ctx, f.owner, gadget.ID, creator.OpenPlanInput{CommissionBP: 1000, Category: "electronics", Active: true})
		_, beauty := f.creator(t, "glowup", 3)
		_, tech := f.creator(t, "techie", 4)
		sale := func(c creator.Creator, productID id.ID, base int64) {
			if _, err := d.ExecContext(ctx, `INSERT INTO commissions (order_line_id, order_id, creator_id, shop_id, market, currency, base_amount, rate_bp, amount, status, created_at, product_id, source)
				VALUES ($1, $2, $3, $4, 'US', 'USD', $5, 1000, $6, 'payable', $7, $8, 'SHOWCASE')`, id.New(), id.New(), c.ID, f.product.ShopID, base, base/10, db.Micros(time.Now()), productID); err != nil {
				t.Fatal(err)
			}
		}
		sale(beauty, f.product.ID, 2000)
		sale(beauty, f.product.ID, 4000)
		sale(tech, gadget.ID, 50000)
		d.ExecContext(ctx, `INSERT INTO affiliate_clicks (id, creator_id, product_id, clicked_at) VALUES ($1, $2, $3, $4)`, id.New(), beauty.ID, f.product.ID, db.Micros(time.Now()))

		shopper := f.Actor(t, "shopper")
		if _, err := f.creators.SearchCreators(ctx, shopper, creator.SearchQuery{Market: "US"}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a shopper searches: %v", err)
		}
		for _, tc := range []struct {
			q     creator.SearchQuery
			field string
		}{
			{creator.SearchQuery{Market: "XX"}, "market"},
			{creator.SearchQuery{Market: "US", Category: "rockets"}, "category"},
			{creator.SearchQuery{Market: "US", MinFollowers: 10, MaxFollowers: 5}, "max_followers"},
			{creator.SearchQuery{Market: "US", Sort: "likes"}, "sort"},
		} {
			if _, err := f.creators.SearchCreators(ctx, f.owner, tc.q); errs.As(err) == nil || errs.As(err).Field != tc.field {
				t.Errorf("%+v: %v", tc.q, err)
			}
		}
		handles := func(q creator.SearchQuery) []string {
			q.Market = "US"
			cs, err := f.creators.SearchCreators(ctx, f.owner, q)
			if err != nil {
				t.Fatal(err)
			}
			var hs []string
			for _, c := range cs {
				hs = append(hs, c.Handle)
			}
			return hs
		}
		for _, tc := range []struct {
			q    creator.SearchQuery
			want string
		}{
			{creator.SearchQuery{Category: "beauty"}, "glowup"},
			{creator.SearchQuery{MinFollowers: 4}, "techie"},
			{creator.SearchQuery{MinGMV: 10000}, "techie"},
			{creator.SearchQuery{MinAOV: 2500, MaxAOV: 4000}, "glowup"},
			{creator.SearchQuery{MinEngagementBP: 1}, "glowup"},
			{creator.SearchQuery{Sort: "gmv", Limit: 1}, "techie"},
			{creator.SearchQuery{Sort: "engagement", Limit: 1}, "glowup"},
		} {
			if got := handles(tc.q); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%+v: %v, want [%s]", tc.q, got, tc.want)
			}
		}
		if cs, _ := f.creators.SearchCreators(ctx, f.owner, creator.SearchQuery{Market: "US"}); len(cs) != 2 || cs[0].GMV == 0 || cs[1].AOV() == 0 {
			t.Fatalf("stats %+v", cs)
		}

		fits, err := f.creators.RecommendForProduct(ctx, f.owner, f.product.ID, 10)
		if err != nil || len(fits) != 2 || fits[0].Handle != "glowup" {
			t.Fatalf("for the gloss: %+v %v", fits, err)
		}
		if fits, _ := f.creators.RecommendForProduct(ctx, f.owner, gadget.ID, 10); fits[0].Handle != "techie" {
			t.Fatalf("for the gadget: %v first", fits[0].Handle)
		}
		if _, err := f.creators.RecommendForProduct(ctx, f.Actor(t, "bo", auth.Seller), gadget.ID, 10); err == nil {
			t.Fatal("another seller's recommendations")
		}
		fits, target, err := f.creators.RecommendForShop(ctx, f.owner, f.product.ShopID, 10)
		if err != nil || len(fits) != 2 || target.Category == "" || target.Price == 0 {
			t.Fatalf("for the shop: %+v %+v %v", fits, target, err)
		}
	})
}
