package openapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// planState is what a target plan's update may change, to compare before and after.
func planState(t *testing.T, e *env, s sellerWorld, planID id.ID) string {
	t.Helper()
	plans, err := e.Creators.ShopPlans(e.ctx, s.actor, s.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plans {
		if p.ID == planID {
			products := slices.Clone(p.Products)
			slices.Sort(products)
			var creators []string
			for _, pc := range p.Creators {
				creators = append(creators, pc.CreatorID.String()+":"+pc.Status)
			}
			slices.Sort(creators)
			return fmt.Sprintf("%s|%d|%d|%v|%v", p.Name, p.CommissionBP, p.ExpiresAt.Unix(), products, creators)
		}
	}
	t.Fatalf("no plan %s", planID)
	return ""
}

// Updating a target collaboration through the API changes its name, end, rate,
// products and invited creators as the whole new state; fields left out stay; bad
// calls are refused naming TikTok's field and change nothing.
func TestUpdatingTargetCollaborations(t *testing.T) {
	each(t, func(s *openapi.Service) { s.DefaultRateLimit = 1000 }, func(t *testing.T, e *env) {
		s := e.seller("upd")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		plan := e.collaborations(s)
		other := e.seller("upo")
		otherPlan := e.collaborations(other)
		second, err := e.Catalog.CreateProduct(e.ctx, s.actor, s.shop.ID, catalog.ProductInput{Title: "upd serum",
			SKUs: []catalog.SKUInput{{SellerSKU: "SER", Name: "30ml", Price: money.New(2500, "USD"), Stock: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		newcomer := e.creator()
		path := "/affiliate_seller/202508/target_collaborations/"
		removePath := "/affiliate_seller/202409/target_collaborations/"
		pid := s.product.ID.String()
		end := fmt.Sprint(time.Now().Add(20 * 24 * time.Hour).Unix())
		before, otherBefore := planState(t, e, s, plan.ID), planState(t, e, other, otherPlan.ID)

		for _, tc := range []struct {
			name   string
			plan   string
			body   map[string]any
			status int
			code   int
			field  string
		}{
			{"two rates", plan.ID.String(), map[string]any{"products": []map[string]any{{"id": pid, "commission_rate": 2000}, {"id": second.ID.String(), "commission_rate": 2100}}},
				400, openapi.CodeInvalidParam, "products[1].commission_rate"},
			{"an ads rate", plan.ID.String(), map[string]any{"products": []map[string]any{{"id": pid, "commission_rate": 2000, "target_ad_commission_rate": 500}}},
				400, openapi.CodeInvalidParam, "products[0].target_ad_commission_rate"},
			{"free samples", plan.ID.String(), map[string]any{"free_sample_rule": map[string]any{"has_free_sample": true}}, 400, openapi.CodeInvalidParam, "free_sample_rule.has_free_sample"},
			{"a rate below the market's", plan.ID.String(), map[string]any{"products": []map[string]any{{"id": pid, "commission_rate": 50}}}, 400, openapi.CodeInvalidParam, "products[0].commission_rate"},
			{"an end in the past", plan.ID.String(), map[string]any{"end_time": fmt.Sprint(time.Now().Add(-time.Hour).Unix())}, 400, openapi.CodeInvalidParam, "end_time"},
			{"an end that is not a time", plan.ID.String(), map[string]any{"end_time": "soon"}, 400, openapi.CodeInvalidParam, "end_time"},
			{"a one-letter name", plan.ID.String(), map[string]any{"name": "x"}, 400, openapi.CodeInvalidParam, "name"},
			{"no products", plan.ID.String(), map[string]any{"products": []any{}}, 400, openapi.CodeInvalidParam, "products"},
			{"no creators", plan.ID.String(), map[string]any{"creator_user_open_ids": []string{}}, 400, openapi.CodeInvalidParam, "creator_user_open_ids"},
			{"another shop's product", plan.ID.String(), map[string]any{"products": []map[string]any{{"id": other.product.ID.String(), "commission_rate": 2000}}},
				400, openapi.CodeInvalidParam, "products[0].id"},
			{"a product id that is not one", plan.ID.String(), map[string]any{"products": []map[string]any{{"id": "x", "commission_rate": 2000}}}, 404, openapi.CodeNotFound, "products[0].id"},
			{"an unknown creator", plan.ID.String(), map[string]any{"name": "New name", "creator_user_open_ids": []string{"4242"}}, 404, openapi.CodeNotFound, "creator_user_open_ids[0]"},
			{"a creator twice", plan.ID.String(), map[string]any{"creator_user_open_ids": []string{newcomer.ID.String(), newcomer.ID.String()}},
				400, openapi.CodeInvalidParam, "creator_user_open_ids[1]"},
			{"another shop's plan", otherPlan.ID.String(), map[string]any{"name": "Mine now"}, 404, openapi.CodeNotFound, "target_collaboration_id"},
			{"a plan id that is not one", "abc", map[string]any{"name": "Mine now"}, 404, openapi.CodeNotFound, "target_collaboration_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, "PUT", path+tc.plan, nil, tc.body)
				refused(t, r, tc.status, tc.code)
				if !strings.HasPrefix(r.Message, tc.field) {
					t.Fatalf("the message names %s: %s", tc.field, r.Message)
				}
			})
		}
		if after, otherAfter := planState(t, e, s, plan.ID), planState(t, e, other, otherPlan.ID); after != before || otherAfter != otherBefore {
			t.Fatalf("refused updates changed the plans:\n%s\n%s\n%s\n%s", before, after, otherBefore, otherAfter)
		}

		// The whole new state: the invited creator who never answered is replaced.
		var out struct {
			Conflicts []any          `json:"target_collaboration_conflicts"`
			Failed    map[string]any `json:"update_failed"`
		}
		ok(t, c, "PUT", path+plan.ID.String(), nil, map[string]any{"name": "Spring glow", "end_time": end,
			"creator_user_open_ids": []string{newcomer.ID.String()},
			"products":              []map[string]any{{"id": second.ID.String(), "commission_rate": 2500}, {"id": pid, "commission_rate": 2500}},
			"free_sample_rule":      map[string]any{"has_free_sample": false}, "seller_contact_info": map[string]any{"email": "s@example.com"}}, &out)
		if len(out.Conflicts) != 0 || len(out.Failed) != 0 {
			t.Fatalf("answer %+v", out)
		}
		products := []id.ID{s.product.ID, second.ID}
		slices.Sort(products)
		want := fmt.Sprintf("Spring glow|2500|%s|%v|[%s:%s]", end, products, newcomer.ID, creator.InvitationInvited)
		if got := planState(t, e, s, plan.ID); got != want {
			t.Fatalf("after the update\n got %s\nwant %s", got, want)
		}
		// Fields left out stay.
		ok(t, c, "PUT", path+plan.ID.String(), nil, map[string]any{"name": "Summer glow"}, nil)
		if got := planState(t, e, s, plan.ID); got != strings.Replace(want, "Spring", "Summer", 1) {
			t.Fatalf("a name-only update: %s", got)
		}
		// An ended plan is not changed.
		ok(t, c, "DELETE", removePath+plan.ID.String(), nil, nil, nil)
		ended := planState(t, e, s, plan.ID)
		refused(t, call(t, c, "PUT", path+plan.ID.String(), nil, map[string]any{"name": "Autumn glow"}), 422, openapi.CodeConflict)
		if planState(t, e, s, plan.ID) != ended {
			t.Fatal("an ended plan changed")
		}
	})
}
