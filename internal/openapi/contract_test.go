package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The contract tests hold every implemented endpoint to TikTok Shop's own OpenAPI
// description: a scenario calls each endpoint through a recording transport, and
// kin-openapi validates every request (path, query, headers, body) and every
// successful response against the operation in the official OAS, fetched at test
// time from the npm package by testdata/fetch-oas.sh into .cache/ (not committed).

// officialOAS fetches (once per cache) and returns the directory of TikTok's OAS.
func officialOAS(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("LIVESHOP_TTS_OAS_DIR"); dir != "" {
		return dir
	}
	if _, err := exec.LookPath("npm"); err != nil {
		dbtest.Missing(t, "npm", "npm is not in PATH; the contract tests fetch TikTok's OpenAPI description with it (apt-get install npm)")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "fetch-oas.sh"))
	cmd := exec.Command("bash", script, filepath.Join(root, ".cache", "tts-openapi"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		dbtest.Missing(t, "npm", "could not fetch @tts-open-toolkit/cli from the npm registry: "+strings.TrimSpace(stderr.String()+" "+err.Error()))
	}
	return strings.TrimSpace(string(out))
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}

// spec is TikTok's description, one document per first-level path.
type spec struct {
	dir  string
	mu   sync.Mutex
	docs map[string]*openapi3.T
}

func (s *spec) doc(t *testing.T, family string) *openapi3.T {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[family]; ok {
		return d
	}
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromFile(filepath.Join(s.dir, "paths", family+".json"))
	if err != nil {
		t.Fatalf("load TikTok's %s OAS: %v", family, err)
	}
	s.docs[family] = d
	return d
}

// route finds the operation for a method and concrete path, with its path parameters.
func (s *spec) route(t *testing.T, method, path string) (*routers.Route, map[string]string) {
	t.Helper()
	family := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
	d := s.doc(t, family)
	for tmpl, item := range d.Paths.Map() {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{([a-z_]+)\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `(?P<$1>[^/]+)`) + "$")
		m := re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		params := map[string]string{}
		for i, name := range re.SubexpNames() {
			if name != "" {
				params[name] = m[i]
			}
		}
		return &routers.Route{Spec: d, Path: tmpl, PathItem: item, Method: method, Operation: op}, params
	}
	return nil, nil
}

// exchange is one recorded call.
type exchange struct {
	method, pattern string
	req             *http.Request
	reqBody         []byte
	status          int
	header          http.Header
	respBody        []byte
}

// recorder is an http.RoundTripper that keeps every exchange.
type recorder struct {
	mu   sync.Mutex
	list []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	r.mu.Lock()
	r.list = append(r.list, exchange{method: req.Method, req: req.Clone(context.Background()), reqBody: body, status: resp.StatusCode,
		header: resp.Header.Clone(), respBody: rb})
	r.mu.Unlock()
	return resp, nil
}

// exerciseEveryEndpoint calls each endpoint liveshop serves, successfully, as an
// integrator would in a day's work.
func exerciseEveryEndpoint(t *testing.T, e *env, c *openapi.Client, s sellerWorld) {
	var shops shopList
	ok(t, c, "GET", "/authorization/202309/shops", nil, nil, &shops)
	cq := cipherQuery(shops.Shops[0].Cipher)
	with := func(extra url.Values) url.Values {
		q := url.Values{}
		for k, v := range cq {
			q[k] = v
		}
		for k, v := range extra {
			q[k] = v
		}
		return q
	}
	ok(t, c, "GET", "/seller/202309/shops", nil, nil, nil)
	ok(t, c, "GET", "/product/202309/categories", with(url.Values{"locale": {"en-US"}}), nil, nil)
	var created struct {
		ProductID string `json:"product_id"`
		SKUs      []struct {
			ID string `json:"id"`
		} `json:"skus"`
	}
	ok(t, c, "POST", "/product/202309/products", cq, map[string]any{"title": "Contract gloss", "description": "<p>Shine</p>", "category_id": "lips",
		"main_images": []map[string]string{{"uri": "tos-maliva-i-o3syd03w52-us/abc"}}, "package_weight": map[string]string{"value": "0.2", "unit": "KILOGRAM"},
		"skus": []map[string]any{{"seller_sku": "CG-1", "sales_attributes": []map[string]string{{"name": "Color", "value_name": "Pink"}},
			"price": map[string]string{"amount": "9.90", "currency": "USD"}, "inventory": []map[string]any{{"warehouse_id": s.shop.ID.String(), "quantity": 20}}}}}, &created)
	pp := "/product/202309/products/" + created.ProductID
	ok(t, c, "GET", pp, with(url.Values{"return_under_review_version": {"false"}}), nil, nil)
	ok(t, c, "PUT", pp, cq, map[string]any{"title": "Contract gloss 2", "description": "<p>More shine</p>", "category_id": "face",
		"skus": []map[string]any{{"id": created.SKUs[0].ID, "seller_sku": "CG-1", "price": map[string]string{"amount": "9.50", "currency": "USD"},
			"inventory": []map[string]any{{"warehouse_id": s.shop.ID.String(), "quantity": 18}}}}}, nil)
	ok(t, c, "POST", pp+"/inventory/update", cq, map[string]any{"skus": []map[string]any{{"id": created.SKUs[0].ID,
		"inventory": []map[string]any{{"warehouse_id": s.shop.ID.String(), "quantity": 15}}}}}, nil)
	ok(t, c, "POST", pp+"/prices/update", cq, map[string]any{"skus": []map[string]any{{"id": created.SKUs[0].ID,
		"price": map[string]string{"amount": "8.80", "currency": "USD"}}}}, nil)
	ok(t, c, "POST", "/product/202309/products/search", with(url.Values{"page_size": {"10"}}), map[string]any{"status": "ACTIVATE", "seller_skus": []string{"CG-1"}}, nil)
	ok(t, c, "POST", "/product/202502/products/search", with(url.Values{"page_size": {"10"}}), map[string]any{"status": "ALL", "audit_status": []string{"APPROVED"},
		"listing_platforms": []string{"TIKTOK_SHOP"}}, nil)

	o := e.release(e.buy(s.product.SKUs[0].ID, 2))
	e.buy(s.product.SKUs[1].ID, 1)
	var page struct {
		Next string `json:"next_page_token"`
	}
	ok(t, c, "POST", "/order/202309/orders/search", with(url.Values{"page_size": {"1"}, "sort_field": {"create_time"}, "sort_order": {"DESC"}}),
		map[string]any{"create_time_ge": time.Now().Add(-time.Hour).Unix(), "create_time_lt": time.Now().Add(time.Hour).Unix()}, &page)
	ok(t, c, "POST", "/order/202309/orders/search", with(url.Values{"page_size": {"1"}, "page_token": {page.Next}}), map[string]any{}, nil)
	ok(t, c, "GET", "/order/202309/orders", with(url.Values{"ids": {o.ID.String()}}), nil, nil)
	ok(t, c, "GET", "/order/202407/orders/"+o.ID.String()+"/price_detail", cq, nil, nil)
	ok(t, c, "POST", "/fulfillment/202309/orders/"+o.ID.String()+"/packages", cq,
		map[string]any{"order_line_item_ids": []string{o.Lines[0].ID.String()}, "shipping_provider_id": "manual", "tracking_number": "1Z0001"}, nil)
	ok(t, c, "GET", "/fulfillment/202309/orders/"+o.ID.String()+"/tracking", cq, nil, nil)
	ok(t, c, "GET", "/order/202309/orders", with(url.Values{"ids": {o.ID.String()}}), nil, nil)

	sess, err := e.Content.Schedule(e.ctx, s.actor, content.ScheduleInput{Title: "Contract live", ShopID: s.shop.ID, ProductIDs: []id.ID{s.product.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Content.Start(e.ctx, s.actor, sess.ID); err != nil {
		t.Fatal(err)
	}
	ok(t, c, "GET", "/affiliate/202309/live_rooms", nil, nil, nil)
	ok(t, c, "POST", "/affiliate/202309/live_rooms/products/"+s.product.ID.String()+"/pin", nil, nil, nil)
	ok(t, c, "GET", "/affiliate/202309/live_rooms/products", nil, nil, nil)
	ok(t, c, "POST", "/affiliate/202309/live_rooms/products/"+s.product.ID.String()+"/unpin", nil, nil, nil)

	ok(t, c, "PUT", "/event/202309/webhooks", cq, map[string]string{"address": "https://erp.example.com/hooks", "event_type": "ORDER_STATUS_CHANGE"}, nil)
	ok(t, c, "GET", "/event/202309/webhooks", cq, nil, nil)
	ok(t, c, "DELETE", "/event/202309/webhooks", cq, map[string]string{"event_type": "ORDER_STATUS_CHANGE"}, nil)

	// Returns and cancellations.
	cancelA := e.requestReturn(e.release(e.buy(s.product.SKUs[0].ID, 1)), order.ReturnCancel)
	cancelB := e.requestReturn(e.release(e.buy(s.product.SKUs[0].ID, 1)), order.ReturnCancel)
	refundA := e.requestReturn(e.delivered(s, 1), order.ReturnRefundOnly)
	returnB := e.requestReturn(e.delivered(s, 2), order.ReturnAndRefund)
	ok(t, c, "POST", "/return_refund/202309/cancellations/search", with(url.Values{"page_size": {"10"}, "sort_field": {"create_time"}, "sort_order": {"ASC"}}),
		map[string]any{"cancel_status": []string{"CANCELLATION_REQUEST_PENDING"}, "cancel_types": []string{"BUYER_CANCEL"}}, nil)
	ok(t, c, "POST", "/return_refund/202309/returns/search", with(url.Values{"page_size": {"10"}, "sort_field": {"update_time"}, "sort_order": {"DESC"}}),
		map[string]any{"return_status": []string{"RETURN_OR_REFUND_REQUEST_PENDING"}, "return_types": []string{"REFUND", "RETURN_AND_REFUND"},
			"create_time_ge": time.Now().Add(-time.Hour).Unix()}, nil)
	ok(t, c, "POST", "/return_refund/202309/cancellations/"+cancelA.ID.String()+"/approve", with(url.Values{"idempotency_key": {"ca-1"}}), nil, nil)
	ok(t, c, "GET", "/return_refund/202309/reject_reasons", with(url.Values{"return_or_cancel_id": {cancelB.ID.String()}, "locale": {"en-US"}}), nil, nil)
	toCancel := e.release(e.buy(s.product.SKUs[1].ID, 1))
	ok(t, c, "POST", "/return_refund/202309/cancellations", cq, map[string]any{"order_id": toCancel.ID.String(),
		"cancel_reason": "seller_cancel_reason_out_of_stock", "skus": []map[string]any{{"sku_id": s.product.SKUs[1].ID.String(), "quantity": 1}}}, nil)
	ok(t, c, "POST", "/return_refund/202309/cancellations/"+cancelB.ID.String()+"/reject", cq,
		map[string]any{"reject_reason": "seller_reject_apply_product_has_been_packed", "comment": "already packed"}, nil)
	ok(t, c, "POST", "/return_refund/202309/returns/"+refundA.ID.String()+"/approve", cq, map[string]any{"decision": "APPROVE_REFUND"}, nil)
	ok(t, c, "POST", "/return_refund/202309/returns/"+returnB.ID.String()+"/reject", cq,
		map[string]any{"decision": "REJECT_RETURN", "reject_reason": "seller_reject_apply_product_damaged", "comment": "used"}, nil)
	opened := e.delivered(s, 2)
	ok(t, c, "GET", "/return_refund/202309/orders/"+opened.ID.String()+"/aftersale_eligibility", with(url.Values{"initiate_aftersale_user": {"SELLER"}}), nil, nil)
	ok(t, c, "POST", "/return_refund/202309/returns", cq, map[string]any{"order_id": opened.ID.String(), "return_type": "REFUND",
		"return_reason": "ecom_order_delivered_refund_reason_missing_product_seller", "order_line_item_ids": []string{opened.Lines[0].ID.String()},
		"refund_total": "12.99", "currency": "USD"}, nil)
	ok(t, c, "POST", "/return_refund/202309/returns/search", with(url.Values{"page_size": {"10"}}), map[string]any{}, nil)
	ok(t, c, "POST", "/return_refund/202309/cancellations/search", with(url.Values{"page_size": {"10"}}), map[string]any{}, nil)

	// Finance.
	paid := e.settledAndPaid(s, 1)
	e.payShop(s)
	ok(t, c, "GET", "/finance/202309/statements", with(url.Values{"sort_field": {"statement_time"}, "sort_order": {"DESC"}, "page_size": {"20"},
		"statement_time_ge": {fmt.Sprint(time.Now().Add(-48 * time.Hour).Unix())}}), nil, nil)
	ok(t, c, "GET", "/finance/202309/payments", with(url.Values{"sort_field": {"create_time"}, "page_size": {"20"}}), nil, nil)
	ok(t, c, "GET", "/finance/202309/orders/"+paid.ID.String()+"/statement_transactions", cq, nil, nil)
	ok(t, c, "GET", "/finance/202501/orders/"+paid.ID.String()+"/statement_transactions", cq, nil, nil)
	var sts struct {
		Statements []struct {
			ID string `json:"id"`
		} `json:"statements"`
	}
	ok(t, c, "GET", "/finance/202309/statements", with(url.Values{"sort_field": {"statement_time"}}), nil, &sts)
	ok(t, c, "GET", "/finance/202501/statements/"+sts.Statements[0].ID+"/statement_transactions",
		with(url.Values{"sort_field": {"order_create_time"}, "sort_order": {"ASC"}, "page_size": {"20"}}), nil, nil)
	ok(t, c, "GET", "/finance/202309/statements/"+sts.Statements[0].ID+"/statement_transactions",
		with(url.Values{"sort_field": {"order_create_time"}, "sort_order": {"DESC"}, "page_size": {"20"}}), nil, nil)

	// Analytics.
	sold := e.liveSale(s, 2)
	rng := e.dayRange(s)
	ok(t, c, "GET", "/analytics/202509/shop_lives/performance", with(url.Values{"start_date_ge": rng["start_date_ge"], "end_date_lt": rng["end_date_lt"],
		"page_size": {"10"}, "sort_field": {"gmv"}, "sort_order": {"DESC"}, "currency": {"LOCAL"}, "account_type": {"ALL"}}), nil, nil)
	ok(t, c, "GET", "/analytics/202510/shop_lives/"+sold.ID.String()+"/performance_per_minutes", with(url.Values{"currency": {"LOCAL"}}), nil, nil)
	ok(t, c, "GET", "/analytics/202509/shop_products/performance", with(url.Values{"start_date_ge": rng["start_date_ge"], "end_date_lt": rng["end_date_lt"],
		"page_size": {"10"}, "sort_field": {"items_sold"}, "sort_order": {"DESC"}, "currency": {"LOCAL"}}), nil, nil)

	// Affiliate for sellers.
	e.collaborations(s)
	ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations/search", with(url.Values{"page_size": {"10"}, "sort_field": {"product_original_price"}, "sort_order": {"ASC"}}),
		map[string]any{"keyword": "tint", "keyword_type": "PRODUCT_NAME"}, nil)
	ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations/search", with(url.Values{"page_size": {"10"}}),
		map[string]any{"collaboration_status": "VALID", "creator_accept_status": "ALL", "free_sample_setting": "ALL",
			"search_param": map[string]string{"keyword": "tint", "keyword_type": "PRODUCT_NAME"}}, nil)

	ok(t, c, "POST", "/affiliate_seller/202412/open_collaborations", cq, map[string]any{"product_id": s.product.ID.String(), "commission_rate": 1600}, nil)
	var tc struct {
		TargetCollaboration struct {
			ID string `json:"id"`
		} `json:"target_collaboration"`
	}
	ok(t, c, "POST", "/affiliate_seller/202508/target_collaborations", cq, map[string]any{"name": "Contract plan", "message": "Hello",
		"end_time": fmt.Sprint(time.Now().Add(10 * 24 * time.Hour).Unix()), "creator_user_open_ids": []string{e.creator().ID.String()},
		"products": []map[string]any{{"id": s.product.ID.String(), "target_commission_rate": 1800}}, "free_sample_rule": map[string]any{"has_free_sample": false},
		"seller_contact_info": map[string]any{"email": "seller@example.com"}}, &tc)
	ok(t, c, "DELETE", "/affiliate_seller/202409/target_collaborations/"+tc.TargetCollaboration.ID, cq, nil, nil)
	ok(t, c, "POST", "/affiliate_seller/202405/target_collaborations", cq, map[string]any{"name": "Contract plan 2", "message": "Hello",
		"end_time": fmt.Sprint(time.Now().Add(10 * 24 * time.Hour).Unix()), "creator_user_ids": []string{e.creator().ID.String()},
		"products": []map[string]any{{"id": s.product.ID.String(), "target_commission_rate": 1800}}, "free_sample_rule": map[string]any{"has_free_sample": false}}, &tc)
	ok(t, c, "PUT", "/affiliate_seller/202508/target_collaborations/"+tc.TargetCollaboration.ID, cq, map[string]any{"name": "Contract plan 2b",
		"end_time": fmt.Sprint(time.Now().Add(12 * 24 * time.Hour).Unix()), "creator_user_open_ids": []string{e.creator().ID.String()},
		"products": []map[string]any{{"id": s.product.ID.String(), "commission_rate": 2000}}, "free_sample_rule": map[string]any{"has_free_sample": false},
		"seller_contact_info": map[string]any{"email": "seller@example.com"}}, nil)
	for _, v := range []string{"202409", "202412", "202508"} {
		ok(t, c, "GET", "/affiliate_seller/"+v+"/target_collaborations/"+tc.TargetCollaboration.ID, cq, nil, nil)
	}
	ok(t, c, "PUT", "/affiliate_seller/202409/target_collaborations/"+tc.TargetCollaboration.ID, cq, map[string]any{"name": "Contract plan 2c",
		"creator_user_ids": []string{e.creator().ID.String()}, "products": []map[string]any{{"id": s.product.ID.String(), "commission_rate": 2100}}}, nil)
	ok(t, c, "POST", "/affiliate_seller/202410/open_collaborations/sample_rules", cq, map[string]any{"product_id": s.product.ID.String(),
		"sample_rule": map[string]any{"activate_status": "ACTIVATE", "is_sample_time_unlimited": true}}, nil)
	ok(t, c, "GET", "/affiliate_seller/202410/open_collaborations/sample_rules", with(url.Values{"product_ids": {s.product.ID.String()}}), nil, nil)
	ok(t, c, "DELETE", "/affiliate_seller/202409/open_collaborations/products/"+s.product.ID.String(), cq, nil, nil)

	// Refusals too, whose envelopes must match TikTok's shape.
	call(t, c, "GET", pp, url.Values{"shop_cipher": {"LSP_not_mine"}}, nil)
	call(t, c, "POST", "/order/202309/orders/search", with(url.Values{"page_size": {"500"}}), map[string]any{})

	ok(t, c, "DELETE", "/authorization/202403/shops", cq, nil, nil)
}

func TestContractAgainstTikTokOpenAPI(t *testing.T) {
	oas := &spec{dir: officialOAS(t), docs: map[string]*openapi3.T{}}
	// The scenario makes more calls in a second than an app's default limit allows;
	// the limit is security_test's business, not the contract's.
	each(t, func(s *openapi.Service) { s.DefaultRateLimit = 1000 }, func(t *testing.T, e *env) {
		rec := &recorder{}
		s := e.seller("contract")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		c.HTTP = &http.Client{Transport: rec}
		exerciseEveryEndpoint(t, e, c, s)

		served := map[string]bool{}
		for _, ep := range e.OpenAPI.Endpoints() {
			route, _ := oas.route(t, ep[0], regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(ep[1], "1"))
			if route == nil || route.Path != ep[1] {
				t.Errorf("%s %s is not an operation in TikTok's OpenAPI description", ep[0], ep[1])
			}
			served[ep[0]+" "+ep[1]] = false
		}
		ctx := context.Background()
		opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
		for _, x := range rec.list {
			route, params := oas.route(t, x.method, x.req.URL.Path)
			if route == nil {
				t.Errorf("%s %s: no such operation in TikTok's OpenAPI description", x.method, x.req.URL.Path)
				continue
			}
			req := x.req.Clone(ctx)
			req.Body = io.NopCloser(bytes.NewReader(x.reqBody))
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
				t.Errorf("request %s %s does not match TikTok's OAS:\n%v\nbody: %s", x.method, route.Path, err, x.reqBody)
			}
			var env struct {
				Code int `json:"code"`
			}
			if err := json.Unmarshal(x.respBody, &env); err != nil {
				t.Errorf("%s %s: response is not JSON: %s", x.method, route.Path, x.respBody)
				continue
			}
			if x.status == 200 && env.Code == 0 {
				served[x.method+" "+route.Path] = true
				out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header,
					Body: io.NopCloser(bytes.NewReader(x.respBody)), Options: opts}
				if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
					t.Errorf("response of %s %s does not match TikTok's OAS:\n%v\nbody: %.2000s", x.method, route.Path, err, x.respBody)
				}
				continue
			}
			// A refusal: TikTok documents only the 200 envelope; its code, message and
			// request_id must still have the documented types, and data is null.
			schema := route.Operation.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
			var doc map[string]any
			json.Unmarshal(x.respBody, &doc)
			if doc["data"] != nil {
				t.Errorf("%s %s refusal carries data: %s", x.method, route.Path, x.respBody)
			}
			delete(doc, "data")
			if err := schema.VisitJSON(doc); err != nil || env.Code == 0 {
				t.Errorf("refusal envelope of %s %s: %v: %s", x.method, route.Path, err, x.respBody)
			}
		}
		for ep, seen := range served {
			if !seen {
				t.Errorf("the scenario never called %s successfully, so its contract is unchecked", ep)
			}
		}
		t.Logf("%d exchanges validated against TikTok's OAS covering %d endpoints", len(rec.list), len(served))
	})
}
