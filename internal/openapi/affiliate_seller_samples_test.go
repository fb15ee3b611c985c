package openapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/openapi"
)

// Sample rules turn an open collaboration's free samples on and off, keeping its
// other terms; what liveshop cannot honour (a quota, a time window, thresholds) is
// refused naming the field, and refusals change nothing.
func TestOpenCollaborationSampleRules(t *testing.T) {
	each(t, func(s *openapi.Service) { s.DefaultRateLimit = 1000 }, func(t *testing.T, e *env) {
		s := e.seller("smp")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		e.collaborations(s) // an open collaboration at 15%, no samples
		other := e.seller("smo")
		pid := s.product.ID.String()
		path := "/affiliate_seller/202410/open_collaborations/sample_rules"
		activate := func(extra map[string]any) map[string]any {
			r := map[string]any{"activate_status": "ACTIVATE"}
			for k, v := range extra {
				r[k] = v
			}
			return map[string]any{"product_id": pid, "sample_rule": r}
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   int
			field  string
		}{
			{"no product", map[string]any{"sample_rule": map[string]any{"activate_status": "ACTIVATE"}}, 400, openapi.CodeInvalidParam, "product_id"},
			{"no rule", map[string]any{"product_id": pid}, 400, openapi.CodeInvalidParam, "sample_rule"},
			{"an unknown status", map[string]any{"product_id": pid, "sample_rule": map[string]any{"activate_status": "PAUSE"}}, 400, openapi.CodeInvalidParam, "sample_rule.activate_status"},
			{"a quota", activate(map[string]any{"sample_quota": 100}), 400, openapi.CodeInvalidParam, "sample_rule.sample_quota"},
			{"a time window", activate(map[string]any{"is_sample_time_unlimited": false, "start_time": 1, "end_time": 2}), 400, openapi.CodeInvalidParam, "sample_rule.is_sample_time_unlimited"},
			{"a threshold", activate(map[string]any{"thresholds": map[string]any{"minimum_follower_count": 200}}), 400, openapi.CodeInvalidParam, "sample_rule.thresholds.minimum_follower_count"},
			{"another shop's product", map[string]any{"product_id": other.product.ID.String(), "sample_rule": map[string]any{"activate_status": "ACTIVATE"}},
				404, openapi.CodeNotFound, "product_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, "POST", path, nil, tc.body)
				refused(t, r, tc.status, tc.code)
				if !strings.HasPrefix(r.Message, tc.field) {
					t.Fatalf("the message names %s: %s", tc.field, r.Message)
				}
			})
		}
		if o, _, _ := e.Creators.Offer(e.ctx, s.product.ID); o.FreeSamples || !o.Active || o.CommissionBP != 1500 {
			t.Fatalf("refusals changed the offer: %+v", o)
		}

		type rules struct {
			Rules []struct {
				ProductID string `json:"product_id"`
				Status    string `json:"status"`
			} `json:"sample_rules"`
		}
		var got rules
		ok(t, c, "GET", path, url.Values{"product_ids": {pid}}, nil, &got)
		if len(got.Rules) != 0 {
			t.Fatalf("a product without samples has a rule: %+v", got)
		}
		ok(t, c, "POST", path, nil, activate(map[string]any{"is_sample_time_unlimited": true}), nil)
		if o, _, _ := e.Creators.Offer(e.ctx, s.product.ID); !o.FreeSamples || !o.Active || o.CommissionBP != 1500 {
			t.Fatalf("activated: %+v", o)
		}
		ok(t, c, "GET", path, url.Values{"product_ids": {pid}}, nil, &got)
		if len(got.Rules) != 1 || got.Rules[0].ProductID != pid || got.Rules[0].Status != "ONGOING" {
			t.Fatalf("rules %+v", got)
		}
		refused(t, call(t, c, "GET", path, url.Values{"product_ids": {other.product.ID.String()}}, nil), 404, openapi.CodeNotFound)

		ok(t, c, "POST", path, nil, map[string]any{"product_id": pid, "sample_rule": map[string]any{"activate_status": "DEACTIVATE"}}, nil)
		if o, _, _ := e.Creators.Offer(e.ctx, s.product.ID); o.FreeSamples || !o.Active {
			t.Fatalf("deactivated: %+v", o)
		}
		// Without an open collaboration there is nothing to set samples on.
		ok(t, c, "DELETE", "/affiliate_seller/202409/open_collaborations/products/"+pid, nil, nil, nil)
		refused(t, call(t, c, "POST", path, nil, activate(nil)), 422, openapi.CodeConflict)
	})
}
