package openapi_test

import (
	"fmt"
	"net/url"
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
	n := seq.Add(1)
	acct, err := e.Identity.Provision(e.ctx, fmt.Sprintf("creator%d@creator.test", n), "Cara", "", auth.Creator)
	if err != nil {
		e.t.Fatal(err)
	}
	cr, err := e.Creators.CreateProfile(e.ctx, acct.Actor(), creator.ProfileInput{Handle: fmt.Sprintf("cara.%d", n), Market: "US", BirthDate: "1995-01-02"})
	if err != nil {
		e.t.Fatal(err)
	}
	plan, err := e.Creators.CreateTargetPlan(e.ctx, s.actor, creator.TargetPlanInput{ShopID: s.shop.ID, Name: "Holiday glow", CommissionBP: 2000,
		ProductIDs: []id.ID{s.product.ID}, CreatorIDs: []id.ID{cr.ID}, Message: "Join us", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return plan
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
