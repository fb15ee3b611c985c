package openapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/db"
)

// rawCall sends a request the test builds by hand, to break what the client would
// get right.
func rawCall(t *testing.T, req *http.Request) openapi.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out openapi.Response
	out.Status = resp.StatusCode
	if err := decodeJSON(resp, &out); err != nil {
		t.Fatalf("no envelope: %v", err)
	}
	return out
}

// Every way a call can be wrong gets TikTok Shop's matching code, and changes nothing.
func TestBadCallsGetTheirCodeAndChangeNothing(t *testing.T) {
	// The test expires a token in the database behind the API's back: no caching.
	each(t, func(s *openapi.Service) { s.AuthCacheTTL = 0 }, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := e.seller("dee")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		var shops shopList
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, &shops)
		cipher := shops.Shops[0].Cipher
		sku := s.product.SKUs[0]
		pricePath := "/product/202309/products/" + s.product.ID.String() + "/prices/update"
		priceBody := map[string]any{"skus": []map[string]any{{"id": sku.ID.String(), "price": map[string]string{"amount": "9.99", "currency": "USD"}}}}
		unchanged := func() {
			t.Helper()
			p, err := e.Catalog.Product(ctx, s.product.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.SKUs[0].Price.Amount != 1299 || p.SKUs[0].Stock != 100 || p.Title != s.product.Title {
				t.Fatalf("a refused call changed the product: %+v", p)
			}
			var n int
			if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE shop_id = $1`, s.shop.ID).Scan(&n); err != nil || n != 1 {
				t.Fatalf("a refused call created products: %d %v", n, err)
			}
		}

		signed := func(method, path string, q url.Values, body string) *http.Request {
			req, err := c.Request(ctx, method, path, q, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			return req
		}
		tamper := func(req *http.Request, key, value string) *http.Request {
			q := req.URL.Query()
			if value == "" {
				q.Del(key)
			} else {
				q.Set(key, value)
			}
			req.URL.RawQuery = q.Encode()
			return req
		}
		body := `{"skus":[{"id":"` + sku.ID.String() + `","price":{"amount":"9.99","currency":"USD"}}]}`

		cases := []struct {
			name   string
			req    func() *http.Request
			status int
			code   int
		}{
			{"wrong signature", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "sign", strings.Repeat("ab", 32))
			}, 401, openapi.CodeSignInvalid},
			{"signature not hex", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "sign", "zz")
			}, 401, openapi.CodeSignInvalid},
			{"no signature", func() *http.Request { return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "sign", "") }, 401, openapi.CodeSignInvalid},
			{"body changed after signing", func() *http.Request {
				req := signed("POST", pricePath, cipherQuery(cipher), body)
				tampered := strings.Replace(body, "9.99", "0.01", 1)
				req.Body, req.ContentLength = ioNop(tampered), int64(len(tampered))
				return req
			}, 401, openapi.CodeSignInvalid},
			{"query changed after signing", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "extra", "1")
			}, 401, openapi.CodeSignInvalid},
			{"signed with another app's secret", func() *http.Request {
				other := *c
				other.AppSecret = strings.Repeat("0", 40)
				req, _ := other.Request(ctx, "POST", pricePath, cipherQuery(cipher), []byte(body))
				return req
			}, 401, openapi.CodeSignInvalid},
			{"no app key", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "app_key", "")
			}, 401, openapi.CodeAppKeyInvalid},
			{"unknown app key", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "app_key", "nosuchapp")
			}, 401, openapi.CodeAppKeyInvalid},
			{"stale timestamp", func() *http.Request {
				old := *c
				old.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) }
				req, _ := old.Request(ctx, "POST", pricePath, cipherQuery(cipher), []byte(body))
				return req
			}, 401, openapi.CodeTimestampInvalid},
			{"timestamp from the future", func() *http.Request {
				late := *c
				late.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
				req, _ := late.Request(ctx, "POST", pricePath, cipherQuery(cipher), []byte(body))
				return req
			}, 401, openapi.CodeTimestampInvalid},
			{"no timestamp", func() *http.Request {
				return tamper(signed("POST", pricePath, cipherQuery(cipher), body), "timestamp", "")
			}, 401, openapi.CodeTimestampInvalid},
			{"no access token", func() *http.Request {
				req := signed("POST", pricePath, cipherQuery(cipher), body)
				req.Header.Del("x-tts-access-token")
				return req
			}, 401, openapi.CodeTokenInvalid},
			{"unknown access token", func() *http.Request {
				req := signed("POST", pricePath, cipherQuery(cipher), body)
				req.Header.Set("x-tts-access-token", "LSAT_forged")
				return req
			}, 401, openapi.CodeTokenInvalid},
			{"another shop's cipher", func() *http.Request {
				return signed("POST", pricePath, cipherQuery("LSP_someone_elses"), body)
			}, 403, openapi.CodeShopUnavailable},
			{"malformed JSON", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), `{"skus": [`)
			}, 400, openapi.CodeInvalidParam},
			{"wrong type", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), `{"skus": "all"}`)
			}, 400, openapi.CodeInvalidParam},
			{"two JSON objects", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), body+body)
			}, 400, openapi.CodeInvalidParam},
			{"price not an amount", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), strings.Replace(body, "9.99", "nine", 1))
			}, 400, openapi.CodeInvalidParam},
			{"price in another currency", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), strings.Replace(body, "USD", "EUR", 1))
			}, 400, openapi.CodeInvalidParam},
			{"body too large", func() *http.Request {
				return signed("POST", pricePath, cipherQuery(cipher), `{"skus":[],"pad":"`+strings.Repeat("x", 1<<20)+`"}`)
			}, 413, openapi.CodeBodyTooLarge},
			{"create with malformed body", func() *http.Request {
				return signed("POST", "/product/202309/products", cipherQuery(cipher), `{"title": 12}`)
			}, 400, openapi.CodeInvalidParam},
			{"create without SKUs", func() *http.Request {
				return signed("POST", "/product/202309/products", cipherQuery(cipher), `{"title": "Gloss"}`)
			}, 400, openapi.CodeInvalidParam},
			{"unknown version", func() *http.Request {
				return signed("POST", "/product/209901/products/"+s.product.ID.String()+"/prices/update", cipherQuery(cipher), body)
			}, 404, openapi.CodeUnknownEndpoint},
			{"a family liveshop lacks", func() *http.Request {
				return signed("GET", "/promotion/202309/activities", cipherQuery(cipher), "")
			}, 404, openapi.CodeUnknownEndpoint},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				refused(t, rawCall(t, tc.req()), tc.status, tc.code)
				unchanged()
			})
		}

		// A replayed request: the first goes through, the same bytes again are refused.
		req := signed("POST", "/product/202309/products/"+s.product.ID.String()+"/inventory/update", cipherQuery(cipher),
			`{"skus":[{"id":"`+sku.ID.String()+`","inventory":[{"quantity":100}]}]}`)
		again := req.Clone(ctx)
		raw := `{"skus":[{"id":"` + sku.ID.String() + `","inventory":[{"quantity":100}]}]}`
		again.Body = ioNop(raw)
		if r := rawCall(t, req); r.Code != 0 {
			t.Fatalf("first send: %+v", r)
		}
		refused(t, rawCall(t, again), 401, openapi.CodeReplayed)
		unchanged()

		// An expired token.
		if _, err := e.DB.ExecContext(ctx, `UPDATE openapi_tokens SET expires_at = $1 WHERE kind = 'access'`, db.Micros(time.Now().Add(-time.Second))); err != nil {
			t.Fatal(err)
		}
		refused(t, call(t, c, "POST", pricePath, cipherQuery(cipher), priceBody), 401, openapi.CodeTokenExpired)
		unchanged()

		// Every refusal is in the app's request log with its code.
		log, err := e.OpenAPI.RequestLog(ctx, devOf(t, e, a.ID), a.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		codes := map[int]bool{}
		for _, l := range log {
			codes[l.Code] = true
			if l.RequestID == "" || l.Path == "" || l.HTTPStatus == 0 {
				t.Fatalf("log entry %+v", l)
			}
		}
		for _, want := range []int{openapi.CodeSignInvalid, openapi.CodeTimestampInvalid, openapi.CodeReplayed, openapi.CodeTokenExpired, openapi.CodeShopUnavailable} {
			if !codes[want] {
				t.Errorf("request log lacks code %d: %v", want, codes)
			}
		}
	})
}

// A token without the scope an endpoint needs is refused with 105005.
func TestScopesAreEnforced(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("eve")
		a, secret := e.developer("seller.order.info")
		c, tk := e.client(a, secret, s.actor, s.shop.ID)
		if len(tk.GrantedScopes) != 1 || tk.GrantedScopes[0] != "seller.order.info" {
			t.Fatalf("granted %v", tk.GrantedScopes)
		}
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}}, map[string]any{}, nil)
		refused(t, call(t, c, "GET", "/product/202309/products/"+s.product.ID.String(), nil, nil), 403, openapi.CodeScopeMissing)
		refused(t, call(t, c, "POST", "/product/202309/products/"+s.product.ID.String()+"/inventory/update", nil,
			map[string]any{"skus": []any{}}), 403, openapi.CodeScopeMissing)
		// Narrowing the app's scopes narrows what existing tokens may do.
		dev := devOf(t, e, a.ID)
		if _, err := e.OpenAPI.UpdateApp(e.ctx, dev, a.ID, openapi.AppInput{Name: a.Name, RedirectURLs: a.RedirectURLs, Scopes: []string{"seller.shop.info"}}); err != nil {
			t.Fatal(err)
		}
		refused(t, call(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}}, map[string]any{}), 403, openapi.CodeScopeMissing)
		// The authorization family needs no scope.
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, nil)
	})
}

// One app can never read another seller's shop: not with its own token and another
// shop's cipher, not with another app's token, not by naming another shop's ids.
func TestAppsAreIsolated(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		ana, bo := e.seller("ana"), e.seller("bo")
		anaOrder := e.buy(ana.product.SKUs[0].ID, 1)
		appA, secretA := e.developer()
		appB, secretB := e.developer()
		ca, _ := e.client(appA, secretA, ana.actor, ana.shop.ID)
		cb, _ := e.client(appB, secretB, bo.actor, bo.shop.ID)
		var sa, sb shopList
		ok(t, ca, "GET", "/authorization/202309/shops", nil, nil, &sa)
		ok(t, cb, "GET", "/authorization/202309/shops", nil, nil, &sb)
		anaCipher, boCipher := sa.Shops[0].Cipher, sb.Shops[0].Cipher

		// App B with Ana's cipher.
		refused(t, call(t, cb, "GET", "/order/202309/orders", url.Values{"ids": {anaOrder.ID.String()}, "shop_cipher": {anaCipher}}, nil), 403, openapi.CodeShopUnavailable)
		// App B's key and secret with app A's token.
		stolen := *cb
		stolen.AccessToken = ca.AccessToken
		refused(t, call(t, &stolen, "GET", "/authorization/202309/shops", nil, nil), 401, openapi.CodeTokenInvalid)
		// App B naming Ana's order and product through Bo's shop.
		var detail struct {
			Orders []map[string]any `json:"orders"`
		}
		ok(t, cb, "GET", "/order/202309/orders", url.Values{"ids": {anaOrder.ID.String()}, "shop_cipher": {boCipher}}, nil, &detail)
		if len(detail.Orders) != 0 {
			t.Fatalf("app B read Ana's order: %+v", detail)
		}
		refused(t, call(t, cb, "GET", "/order/202407/orders/"+anaOrder.ID.String()+"/price_detail", cipherQuery(boCipher), nil), 404, openapi.CodeNotFound)
		refused(t, call(t, cb, "GET", "/fulfillment/202309/orders/"+anaOrder.ID.String()+"/tracking", cipherQuery(boCipher), nil), 404, openapi.CodeNotFound)
		refused(t, call(t, cb, "GET", "/product/202309/products/"+ana.product.ID.String(), cipherQuery(boCipher), nil), 404, openapi.CodeNotFound)
		refused(t, call(t, cb, "POST", "/fulfillment/202309/orders/"+anaOrder.ID.String()+"/packages", cipherQuery(boCipher), map[string]any{}), 404, openapi.CodeNotFound)
		var search struct {
			Orders     []map[string]any `json:"orders"`
			TotalCount int              `json:"total_count"`
		}
		ok(t, cb, "POST", "/order/202309/orders/search", url.Values{"page_size": {"50"}, "shop_cipher": {boCipher}}, map[string]any{}, &search)
		if search.TotalCount != 0 || len(search.Orders) != 0 {
			t.Fatalf("Bo's search found %+v", search)
		}
		// Ana's order is untouched and still awaiting shipment.
		o, err := e.Orders.Get(e.ctx, ana.actor, anaOrder.ID)
		if err != nil || o.Status != anaOrder.Status || len(o.Packages) != 0 {
			t.Fatalf("Ana's order %+v %v", o.Status, err)
		}
	})
}

// Calls beyond an app's rate limit are refused with 36009008 until the bucket refills.
func TestRateLimit(t *testing.T) {
	each(t, func(s *openapi.Service) { s.AuthCacheTTL = 0 }, func(t *testing.T, e *env) {
		s := e.seller("fay")
		a, secret := e.developer()
		if _, err := e.DB.ExecContext(e.ctx, `UPDATE openapi_apps SET rate_limit_qps = 3 WHERE id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		limited := 0
		for i := 0; i < 10; i++ {
			r := call(t, c, "GET", "/authorization/202309/shops", url.Values{"n": {strconv.Itoa(i)}}, nil)
			if r.Code == openapi.CodeRateLimited {
				if r.Status != 429 {
					t.Fatalf("rate limited with HTTP %d", r.Status)
				}
				limited++
			}
		}
		if limited < 5 {
			t.Fatalf("only %d of 10 calls limited at 3/s", limited)
		}
		time.Sleep(1100 * time.Millisecond)
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, nil)
	})
}
