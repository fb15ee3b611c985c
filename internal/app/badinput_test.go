package app_test

import (
	"context"
	"strings"
	"testing"
)

// tableCounts counts the rows of every table a refused request could touch.
func tableCounts(t *testing.T, s *server) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tbl := range []string{"accounts", "shops", "products", "skus", "checkouts", "orders", "order_lines", "payments",
		"ledger_transfers", "affiliate_offers", "showcase_items", "live_sessions", "market_policies", "follows", "outbox"} {
		var n int64
		if err := s.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	var stock int64
	if err := s.DB.QueryRowContext(context.Background(), `SELECT COALESCE(SUM(stock), 0) FROM skus`).Scan(&stock); err != nil {
		t.Fatal(err)
	}
	out["stock"] = stock
	return out
}

// Every JSON endpoint refuses bad input with {code, message, field}, the right status,
// and no change to anything.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	s := start(t, false)
	sel := s.signup(t, "sam@seller.test", "Sam Seller", "seller")
	shop := sel.must(201, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Glow Lab"})
	shopID := str(shop["id"])
	prod := sel.must(201, "POST", "/api/v1/shops/"+shopID+"/products", map[string]any{"title": "Tint",
		"skus": []any{map[string]any{"price": map[string]any{"amount": 999, "currency": "USD"}, "stock": 3}}})
	skuID := str(prod["skus"].([]any)[0].(map[string]any)["id"])
	buyer := s.signup(t, "bea@shopper.test", "Bea")
	anon := &client{t: t, base: s.URL}
	addr := map[string]any{"name": "Bea", "line1": "1 Main", "city": "Austin", "country": "US"}
	checkout := func(qty any) map[string]any {
		return map[string]any{"idempotency_key": "k", "market": "US", "payment_method": "pm_card_visa", "shipping_address": addr,
			"lines": []any{map[string]any{"sku_id": skuID, "quantity": qty}}}
	}
	product := func(price map[string]any, stock int) map[string]any {
		return map[string]any{"title": "Another", "skus": []any{map[string]any{"price": price, "stock": stock}}}
	}
	before := tableCounts(t, s)

	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed JSON", buyer, "POST", "/api/v1/checkout", `{"market": "US",`, 400, "malformed_json", ""},
		{"empty body", sel, "POST", "/api/v1/shops", ``, 400, "malformed_json", ""},
		{"two objects", sel, "POST", "/api/v1/shops", `{"market":"US","name":"A b"}{"x":1}`, 400, "malformed_json", ""},
		{"unknown field", sel, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Other", "vip": true}, 400, "unknown_field", "vip"},
		{"wrong JSON type", buyer, "POST", "/api/v1/checkout", checkout("two"), 400, "invalid_field", "lines.quantity"},
		{"zero quantity", buyer, "POST", "/api/v1/checkout", checkout(0), 400, "invalid_field", "lines[0].quantity"},
		{"negative quantity", buyer, "POST", "/api/v1/checkout", checkout(-2), 400, "invalid_field", "lines[0].quantity"},
		{"price in another currency", sel, "POST", "/api/v1/shops/" + shopID + "/products", product(map[string]any{"amount": 999, "currency": "EUR"}, 1), 400, "wrong_currency", "skus[0].price.currency"},
		{"negative price", sel, "POST", "/api/v1/shops/" + shopID + "/products", product(map[string]any{"amount": -1, "currency": "USD"}, 1), 400, "invalid_field", "skus[0].price.amount"},
		{"negative stock", sel, "POST", "/api/v1/shops/" + shopID + "/products", product(map[string]any{"amount": 100, "currency": "USD"}, -5), 400, "invalid_field", "skus[0].stock"},
		{"oversized body", sel, "POST", "/api/v1/shops", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "body_too_large", ""},
		{"unknown shop", sel, "POST", "/api/v1/shops/4242/products", product(map[string]any{"amount": 100, "currency": "USD"}, 1), 404, "shop_not_found", ""},
		{"unknown product", anon, "GET", "/api/v1/products/4242", nil, 404, "product_not_found", ""},
		{"not an id", anon, "GET", "/api/v1/products/abc", nil, 404, "not_found", "id"},
		{"unknown sku at checkout", buyer, "POST", "/api/v1/checkout", map[string]any{"idempotency_key": "k", "market": "US", "payment_method": "pm_card_visa",
			"shipping_address": addr, "lines": []any{map[string]any{"sku_id": "4242", "quantity": 1}}}, 404, "sku_not_found", "lines[0].sku_id"},
		{"unknown order", buyer, "GET", "/api/v1/orders/4242", nil, 404, "order_not_found", ""},
		{"unknown live session", buyer, "POST", "/api/v1/live/sessions/4242/orders", map[string]any{"sku_id": skuID, "quantity": 1}, 404, "live_session_not_found", ""},
		{"unknown market", anon, "GET", "/api/v1/markets/ZZ", nil, 404, "market_not_found", ""},
		{"unknown endpoint", anon, "GET", "/api/v1/nothing-here", nil, 404, "not_found", ""},
		{"checkout without login", anon, "POST", "/api/v1/checkout", checkout(1), 401, "unauthenticated", ""},
		{"forged token", &client{t: t, base: s.URL, token: "lst_forged"}, "GET", "/api/v1/me", nil, 401, "bad_credentials", ""},
		{"shopper making a shop", buyer, "POST", "/api/v1/shops", map[string]any{"market": "US", "name": "Nope"}, 403, "forbidden", ""},
		{"shopper changing policy", buyer, "POST", "/api/v1/markets/US/policies", map[string]any{"policy": map[string]any{}}, 403, "forbidden", ""},
		{"declined card", buyer, "POST", "/api/v1/checkout", map[string]any{"idempotency_key": "declined", "market": "US", "payment_method": "pm_card_nonsense",
			"shipping_address": addr, "lines": []any{map[string]any{"sku_id": skuID, "quantity": 1}}}, 400, "unknown_payment_method", "payment_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do(tt.method, tt.path, tt.body)
			if r.Status != tt.status || r.Body["code"] != tt.code || str(r.Body["field"]) != orNil(tt.field) || r.Body["message"] == "" || r.Body["message"] == nil {
				t.Errorf("got %d %s, want %d code %q field %q", r.Status, truncate(r.Raw), tt.status, tt.code, tt.field)
			}
		})
	}
	after := tableCounts(t, s)
	for k, v := range before {
		// A refused payment leaves its cancelled order and payment record behind by
		// design; this table's refusals all stop before any order is placed.
		if after[k] != v {
			t.Errorf("%s changed from %d to %d", k, v, after[k])
		}
	}
}

func orNil(s string) string {
	if s == "" {
		return "<nil>"
	}
	return s
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
