package openapi_test

import (
	"testing"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// A target collaboration's detail is the plan the creator service holds: its terms,
// its products with the commission they earn at its rate, its invited creators.
// Another shop's plan, or an id that is none, is not found.
func TestTargetCollaborationDetail(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("det")
		a, secret := e.developer("seller.affiliate_collaboration.read")
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		plan := e.collaborations(s)
		other := e.seller("deo")
		otherPlan := e.collaborations(other)

		var got struct {
			TC struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				Message  string `json:"message"`
				End      int64  `json:"end_time"`
				Count    int    `json:"product_count"`
				Invited  int    `json:"creator_invited_count"`
				Products []struct {
					ID         string `json:"id"`
					Commission struct {
						Rate int64  `json:"rate"`
						Min  string `json:"minimum_amount"`
						Max  string `json:"maximum_amount"`
					} `json:"commission"`
				} `json:"products"`
				Creators []struct {
					ID       string `json:"creator_open_id"`
					Username string `json:"username"`
					Showcase int64  `json:"showcase_product_count"`
				} `json:"creators"`
			} `json:"target_collaboration"`
		}
		ok(t, c, "GET", "/affiliate_seller/202508/target_collaborations/"+plan.ID.String(), nil, nil, &got)
		tc := got.TC
		wantMin, wantMax := money.New(money.ApplyBP(1299, 2000), "USD").Decimal(), money.New(money.ApplyBP(1499, 2000), "USD").Decimal()
		if tc.ID != plan.ID.String() || tc.Name != "Holiday glow" || tc.Message != "Join us" || tc.End != plan.ExpiresAt.Unix() || tc.Count != 1 || tc.Invited != 1 ||
			len(tc.Products) != 1 || tc.Products[0].ID != s.product.ID.String() || tc.Products[0].Commission.Rate != 2000 ||
			tc.Products[0].Commission.Min != wantMin || tc.Products[0].Commission.Max != wantMax ||
			len(tc.Creators) != 1 || tc.Creators[0].ID != plan.Creators[0].CreatorID.String() || tc.Creators[0].Username != plan.Creators[0].Handle {
			t.Fatalf("detail %+v (commission %s-%s)", tc, wantMin, wantMax)
		}
		refused(t, call(t, c, "GET", "/affiliate_seller/202508/target_collaborations/"+otherPlan.ID.String(), nil, nil), 404, openapi.CodeNotFound)
		refused(t, call(t, c, "GET", "/affiliate_seller/202409/target_collaborations/42", nil, nil), 404, openapi.CodeNotFound)
		refused(t, call(t, c, "GET", "/affiliate_seller/202412/target_collaborations/x", nil, nil), 404, openapi.CodeNotFound)
	})
}
