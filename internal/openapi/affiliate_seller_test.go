package openapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// collaborations gives the shop an open plan on its product and a target plan
// inviting a fresh creator (too new to accept); it returns the plan.
func (e *env) collaborations(s sellerWorld) creator.TargetPlan {
	e.t.Helper()
	if _, err := e.Creators.SetOpenPlan(e.ctx, s.actor, s.product.ID, creator.OpenPlanInput{CommissionBP: 1500, Active: true}); err != nil {
		e.t.Fatal(err)
	}
	cr := e.creator()
	plan, err := e.Creators.CreateTargetPlan(e.ctx, s.actor, creator.TargetPlanInput{ShopID: s.shop.ID, Name: "Holiday glow", CommissionBP: 2000,
		ProductIDs: []id.ID{s.product.ID}, CreatorIDs: []id.ID{cr.ID}, Message: "Join us", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return plan
}

// creator is a fresh creator selling in the US.
func (e *env) creator() creator.Creator {
	e.t.Helper()
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("creator%d@creator.test", n), "Cara", "", auth.Creator)
	if err != nil {
		e.t.Fatal(err)
	}
	cr, err := e.Creators.CreateProfile(e.ctx, acct.Actor(), creator.ProfileInput{Handle: fmt.Sprintf("cara.%d", n), Market: "US", BirthDate: "1995-01-02"})
	if err != nil {
		e.t.Fatal(err)
	}
	return cr
}

func TestAffiliateSellerFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("affi")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		plan := e.collaborations(s)

		var open struct {
			Collabs []struct {
				ID         string `json:"id"`
				Status     string `json:"status"`
				Commission struct {
					Rate int64 `json:"rate"`
				} `json:"current_commission"`
				Product struct {
					ID        string `json:"id"`
					Inventory int64  `json:"inventory"`
					Price     struct {
						Min string `json:"minimum_amount"`
						Max string `json:"maximum_amount"`
					} `json:"original_price"`
				} `json:"product"`
			} `json:"open_collaborations"`
			Total int `json:"total_count"`
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", url.Values{"page_size": {"10"}}, map[string]any{}, &open)
		if open.Total != 1 || open.Collabs[0].ID != s.product.ID.String() || open.Collabs[0].Commission.Rate != 1500 || open.Collabs[0].Status != "NORMAL" ||
			open.Collabs[0].Product.Inventory != 150 || open.Collabs[0].Product.Price.Min != "12.99" || open.Collabs[0].Product.Price.Max != "14.99" {
			t.Fatalf("open collaborations %+v", open)
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", url.Values{"page_size": {"10"}},
			map[string]any{"keyword": "no such thing", "keyword_type": "PRODUCT_NAME"}, &open)
		if open.Total != 0 {
			t.Fatalf("keyword %+v", open)
		}

		var target struct {
			Collabs []struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				Invited  int    `json:"creator_inivited_count"`
				Accepted int    `json:"showcase_creator_count"`
				Products int    `json:"product_count"`
			} `json:"target_collaborations"`
			Total int `json:"total_count"`
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil,
			map[string]any{"collaboration_status": "ONGOING", "creator_accept_status": "ALL"}, &target)
		if target.Total != 1 || target.Collabs[0].ID != plan.ID.String() || target.Collabs[0].Name != "Holiday glow" ||
			target.Collabs[0].Invited != 1 || target.Collabs[0].Accepted != 0 || target.Collabs[0].Products != 1 {
			t.Fatalf("target collaborations %+v", target)
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil,
			map[string]any{"creator_accept_status": "ACCEPT"}, &target)
		if target.Total != 0 {
			t.Fatalf("no creator accepted yet %+v", target)
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil,
			map[string]any{"search_param": map[string]string{"keyword": s.product.ID.String(), "keyword_type": "PRODUCT_ID"}}, &target)
		if target.Total != 1 {
			t.Fatalf("by product id %+v", target)
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil, map[string]any{"collaboration_status": "COMPLETED"}, &target)
		if target.Total != 0 {
			t.Fatalf("completed %+v", target)
		}

		// Bad input, other shops, scope.
		refused(t, call(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", nil, map[string]any{}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil, map[string]any{"collaboration_status": "SOMEDAY"}), 400, openapi.CodeInvalidParam)
		o := e.seller("affo")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, o.actor, o.shop.ID)
		ok(t, oc, "POST", "/affiliate_seller/202508/target_collaborations/search", nil, map[string]any{}, &target)
		ok(t, oc, "POST", "/affiliate_seller/202412/open_collaborations/search", url.Values{"page_size": {"10"}}, map[string]any{}, &open)
		if target.Total != 0 || open.Total != 0 {
			t.Fatalf("another shop sees collaborations %+v %+v", target, open)
		}
		na, nsecret := e.developer("seller.order.info")
		nc, _ := e.client(na, nsecret, s.actor, s.shop.ID)
		refused(t, call(t, nc, "POST", "/affiliate_seller/202508/target_collaborations/search", nil, map[string]any{}), 403, openapi.CodeScopeMissing)
	})
}

func TestCreatingCollaborations(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("coll")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		other := e.seller("colo")
		pid := s.product.ID.String()
		cr := e.creator()
		end := fmt.Sprint(time.Now().Add(20 * 24 * time.Hour).Unix())

		// Open collaborations: bad calls change nothing.
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   int
			field  string
		}{
			{"no product", map[string]any{"commission_rate": 1000}, 400, openapi.CodeInvalidParam, "product_id"},
			{"no rate", map[string]any{"product_id": pid}, 400, openapi.CodeInvalidParam, "commission_rate"},
			{"rate below the market's range", map[string]any{"product_id": pid, "commission_rate": 10}, 400, openapi.CodeInvalidParam, "commission_rate"},
			{"rate above the market's range", map[string]any{"product_id": pid, "commission_rate": 9900}, 400, openapi.CodeInvalidParam, "commission_rate"},
			{"rate of the wrong type", map[string]any{"product_id": pid, "commission_rate": "ten"}, 400, openapi.CodeInvalidParam, "commission_rate"},
			{"another shop's product", map[string]any{"product_id": other.product.ID.String(), "commission_rate": 1000}, 404, openapi.CodeNotFound, "product_id"},
			{"not a product id", map[string]any{"product_id": "x", "commission_rate": 1000}, 404, openapi.CodeNotFound, "product_id"},
		} {
			t.Run("open "+tc.name, func(t *testing.T) {
				r := call(t, c, "POST", "/affiliate_seller/202412/open_collaborations", nil, tc.body)
				refused(t, r, tc.status, tc.code)
				if !strings.HasPrefix(r.Message, tc.field) {
					t.Fatalf("the message names %s: %s", tc.field, r.Message)
				}
			})
		}
		for _, p := range []id.ID{s.product.ID, other.product.ID} {
			if _, found, err := e.Creators.Offer(e.ctx, p); found || err != nil {
				t.Fatalf("a refused call opened a collaboration on %s: %v", p, err)
			}
		}

		var opened struct {
			Open struct {
				ID        string `json:"id"`
				ProductID string `json:"product_id"`
				Effective int64  `json:"effective_time"`
			} `json:"open_collaboration"`
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations", nil, map[string]any{"product_id": pid, "commission_rate": 1200}, &opened)
		offer, found, err := e.Creators.Offer(e.ctx, s.product.ID)
		if err != nil || !found || !offer.Active || offer.CommissionBP != 1200 || opened.Open.ID != pid || opened.Open.ProductID != pid || opened.Open.Effective == 0 {
			t.Fatalf("opened %+v: %+v %v %v", opened, offer, found, err)
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations", nil, map[string]any{"product_id": pid, "commission_rate": 1800}, nil)
		var open struct {
			Collabs []struct {
				ID         string `json:"id"`
				Commission struct {
					Rate int64 `json:"rate"`
				} `json:"current_commission"`
			} `json:"open_collaborations"`
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", url.Values{"page_size": {"10"}}, map[string]any{}, &open)
		if len(open.Collabs) != 1 || open.Collabs[0].ID != pid || open.Collabs[0].Commission.Rate != 1800 {
			t.Fatalf("the search shows the new rate: %+v", open)
		}

		// Target collaborations: bad calls change nothing.
		good := func(change func(b map[string]any)) map[string]any {
			b := map[string]any{"name": "Spring glow", "message": "Join us", "end_time": end, "creator_user_open_ids": []string{cr.ID.String()},
				"products": []map[string]any{{"id": pid, "target_commission_rate": 2000}}, "free_sample_rule": map[string]any{"has_free_sample": false},
				"seller_contact_info": map[string]any{"email": "seller@example.com"}}
			if change != nil {
				change(b)
			}
			return b
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   int
			field  string
		}{
			{"no products", good(func(b map[string]any) { delete(b, "products") }), 400, openapi.CodeInvalidParam, "products"},
			{"no rate", good(func(b map[string]any) { b["products"] = []map[string]any{{"id": pid}} }), 400, openapi.CodeInvalidParam, "products[0].target_commission_rate"},
			{"rate out of range", good(func(b map[string]any) { b["products"] = []map[string]any{{"id": pid, "target_commission_rate": 9900}} }), 400, openapi.CodeInvalidParam, "products[0].target_commission_rate"},
			{"two rates", good(func(b map[string]any) {
				b["products"] = []map[string]any{{"id": pid, "target_commission_rate": 2000}, {"id": other.product.ID.String(), "target_commission_rate": 2500}}
			}), 400, openapi.CodeInvalidParam, "products[1].target_commission_rate"},
			{"an ads rate", good(func(b map[string]any) {
				b["products"] = []map[string]any{{"id": pid, "target_commission_rate": 2000, "shop_ads_commission_rate": 1000}}
			}), 400, openapi.CodeInvalidParam, "products[0].shop_ads_commission_rate"},
			{"free samples", good(func(b map[string]any) { b["free_sample_rule"] = map[string]any{"has_free_sample": true} }), 400, openapi.CodeInvalidParam, "free_sample_rule.has_free_sample"},
			{"another shop's product", good(func(b map[string]any) {
				b["products"] = []map[string]any{{"id": other.product.ID.String(), "target_commission_rate": 2000}}
			}), 400, openapi.CodeInvalidParam, "products[0].id"},
			{"no end time", good(func(b map[string]any) { delete(b, "end_time") }), 400, openapi.CodeInvalidParam, "end_time"},
			{"ended", good(func(b map[string]any) { b["end_time"] = fmt.Sprint(time.Now().Add(-time.Hour).Unix()) }), 400, openapi.CodeInvalidParam, "end_time"},
			{"no creators", good(func(b map[string]any) { delete(b, "creator_user_open_ids") }), 400, openapi.CodeInvalidParam, "creator_user_open_ids"},
			{"unknown creator", good(func(b map[string]any) { b["creator_user_open_ids"] = []string{"12345"} }), 404, openapi.CodeNotFound, "creator_user_open_ids[0]"},
			{"a one-letter name", good(func(b map[string]any) { b["name"] = "S" }), 400, openapi.CodeInvalidParam, "name"},
		} {
			t.Run("target "+tc.name, func(t *testing.T) {
				r := call(t, c, "POST", "/affiliate_seller/202508/target_collaborations", nil, tc.body)
				refused(t, r, tc.status, tc.code)
				if !strings.HasPrefix(r.Message, tc.field+":") {
					t.Fatalf("the message names %s: %s", tc.field, r.Message)
				}
			})
		}
		if plans, err := e.Creators.ShopPlans(e.ctx, s.actor, s.shop.ID); err != nil || len(plans) != 0 {
			t.Fatalf("refused calls created plans: %+v %v", plans, err)
		}

		var created struct {
			Target struct {
				ID string `json:"id"`
			} `json:"target_collaboration"`
			Conflicts []any `json:"target_collaboration_conflicts"`
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations", nil, good(nil), &created)
		plans, err := e.Creators.ShopPlans(e.ctx, s.actor, s.shop.ID)
		if err != nil || len(plans) != 1 || plans[0].ID.String() != created.Target.ID || plans[0].Name != "Spring glow" || plans[0].CommissionBP != 2000 ||
			plans[0].Message != "Join us" || len(plans[0].Products) != 1 || plans[0].Products[0] != s.product.ID ||
			len(plans[0].Creators) != 1 || plans[0].Creators[0].CreatorID != cr.ID || plans[0].ExpiresAt.Unix() != mustInt(t, end) || created.Conflicts == nil {
			t.Fatalf("created %+v: %+v %v", created, plans, err)
		}
		var target struct {
			Collabs []struct {
				ID string `json:"id"`
			} `json:"target_collaborations"`
		}
		ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", nil, map[string]any{"creator_user_open_id": cr.ID.String()}, &target)
		if len(target.Collabs) != 1 || target.Collabs[0].ID != created.Target.ID {
			t.Fatalf("the search finds the new plan: %+v", target)
		}

		// The 202405 version names the creators creator_user_ids.
		v405 := good(func(b map[string]any) {
			b["name"] = "Summer glow"
			b["creator_user_ids"] = b["creator_user_open_ids"]
			delete(b, "creator_user_open_ids")
		})
		bad405 := good(func(b map[string]any) { delete(b, "creator_user_open_ids"); b["creator_user_ids"] = []string{"12345"} })
		r := call(t, c, "POST", "/affiliate_seller/202405/target_collaborations", nil, bad405)
		refused(t, r, 404, openapi.CodeNotFound)
		if !strings.HasPrefix(r.Message, "creator_user_ids[0]:") {
			t.Fatalf("202405 names creator_user_ids: %s", r.Message)
		}
		ok(t, c, "POST", "/affiliate_seller/202405/target_collaborations", nil, v405, &created)
		if plans, _ := e.Creators.ShopPlans(e.ctx, s.actor, s.shop.ID); len(plans) != 2 {
			t.Fatalf("202405 created %+v: %+v", created, plans)
		}

		// Creating needs the write scope; reading alone does not give it.
		ra, rsecret := e.developer("seller.affiliate_collaboration.read")
		rc, _ := e.client(ra, rsecret, s.actor, s.shop.ID)
		refused(t, call(t, rc, "POST", "/affiliate_seller/202412/open_collaborations", nil, map[string]any{"product_id": pid, "commission_rate": 1000}), 403, openapi.CodeScopeMissing)
		refused(t, call(t, rc, "POST", "/affiliate_seller/202508/target_collaborations", nil, good(nil)), 403, openapi.CodeScopeMissing)
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
