package openapi_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Removing collaborations through the API ends them as the seller's affiliate pages
// would: the open collaboration goes inactive (and off the search), the target plan
// expires now (COMPLETED in the search, its invitations closed). Another shop's
// collaborations, ids that are not ids, a token without the write scope and a second
// removal are refused and change nothing.
func TestRemovingCollaborations(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("rmc")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		plan := e.collaborations(s)
		other := e.seller("rmo")
		otherPlan := e.collaborations(other)
		ra, rsecret := e.developer("seller.affiliate_collaboration.read")
		readOnly, _ := e.client(ra, rsecret, s.actor, s.shop.ID)
		// The same call again must be signed at another second, or it is a replay.
		skew := 0
		fresh := func() *openapi.Client {
			skew++
			d := time.Duration(skew) * time.Second
			c.Now = func() time.Time { return time.Now().Add(d) }
			return c
		}
		openPath := "/affiliate_seller/202409/open_collaborations/products/"
		targetPath := "/affiliate_seller/202409/target_collaborations/"

		for _, tc := range []struct {
			name   string
			c      *openapi.Client
			path   string
			status int
			code   int
		}{
			{"another shop's open collaboration", c, openPath + other.product.ID.String(), 404, openapi.CodeNotFound},
			{"an open collaboration id that is not one", c, openPath + "abc", 404, openapi.CodeNotFound},
			{"another shop's target collaboration", c, targetPath + otherPlan.ID.String(), 404, openapi.CodeNotFound},
			{"a target collaboration that does not exist", c, targetPath + "123456", 404, openapi.CodeNotFound},
			{"a target collaboration id that is not one", c, targetPath + "x", 404, openapi.CodeNotFound},
			{"open without the write scope", readOnly, openPath + s.product.ID.String(), 403, openapi.CodeScopeMissing},
			{"target without the write scope", readOnly, targetPath + plan.ID.String(), 403, openapi.CodeScopeMissing},
		} {
			t.Run(tc.name, func(t *testing.T) {
				refused(t, call(t, tc.c, "DELETE", tc.path, nil, nil), tc.status, tc.code)
			})
		}
		for _, w := range []sellerWorld{s, other} {
			if o, found, err := e.Creators.Offer(e.ctx, w.product.ID); err != nil || !found || !o.Active {
				t.Fatalf("a refused call ended %s's open collaboration: %+v %v", w.shop.Name, o, err)
			}
			plans, err := e.Creators.ShopPlans(e.ctx, w.actor, w.shop.ID)
			if err != nil || len(plans) != 1 || plans[0].Expired(time.Now()) {
				t.Fatalf("a refused call ended %s's target plan: %+v %v", w.shop.Name, plans, err)
			}
		}

		// The open collaboration.
		before := time.Now().Unix()
		var removed struct {
			Terminated int64 `json:"terminated_effective_time"`
		}
		ok(t, c, "DELETE", openPath+s.product.ID.String(), nil, nil, &removed)
		if removed.Terminated < before || removed.Terminated > time.Now().Unix() {
			t.Fatalf("terminated_effective_time %d, want now", removed.Terminated)
		}
		if o, found, err := e.Creators.Offer(e.ctx, s.product.ID); err != nil || !found || o.Active || o.CommissionBP != 1500 {
			t.Fatalf("after removal the offer is %+v %v %v", o, found, err)
		}
		var open struct {
			Total int `json:"total_count"`
		}
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", url.Values{"page_size": {"10"}}, map[string]any{}, &open)
		if open.Total != 0 {
			t.Fatalf("the search still shows %d open collaborations", open.Total)
		}
		refused(t, call(t, fresh(), "DELETE", openPath+s.product.ID.String(), nil, nil), 422, openapi.CodeConflict)
		// Opening it again restores it at the rate given.
		ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations", nil, map[string]any{"product_id": s.product.ID.String(), "commission_rate": 1700}, nil)
		if o, _, _ := e.Creators.Offer(e.ctx, s.product.ID); !o.Active || o.CommissionBP != 1700 {
			t.Fatalf("reopened %+v", o)
		}

		// The target collaboration.
		ok(t, c, "DELETE", targetPath+plan.ID.String(), nil, nil, nil)
		statusCount := func(status string) int {
			var out struct {
				Collabs []struct {
					ID string `json:"id"`
				} `json:"target_collaborations"`
			}
			ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", url.Values{"page_size": {"10"}}, map[string]any{"collaboration_status": status}, &out)
			return len(out.Collabs)
		}
		if v, done := statusCount("VALID"), statusCount("COMPLETED"); v != 0 || done != 1 {
			t.Fatalf("after removal: %d valid, %d completed", v, done)
		}
		// Its invitation can no longer be accepted.
		if err := e.Creators.RespondToInvitation(e.ctx, invitee(t, e, plan), plan.ID, false); !errors.Is(err, creator.ErrInvitationClosed) {
			t.Fatalf("answering an ended plan's invitation: %v", err)
		}
		refused(t, call(t, fresh(), "DELETE", targetPath+plan.ID.String(), nil, nil), 422, openapi.CodeConflict)
		if plans, _ := e.Creators.ShopPlans(e.ctx, other.actor, other.shop.ID); plans[0].Expired(time.Now()) {
			t.Fatal("removing one shop's plan ended another's")
		}
	})
}

// invitee is the actor of the plan's first invited creator.
func invitee(t *testing.T, e *env, plan creator.TargetPlan) auth.Actor {
	t.Helper()
	var acct id.ID
	if err := e.DB.QueryRowContext(e.ctx, `SELECT account_id FROM creators WHERE id = $1`, plan.Creators[0].CreatorID).Scan(&acct); err != nil {
		t.Fatal(err)
	}
	a, err := e.Identity.Account(e.ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	return a.Actor()
}
