package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

type shopList struct {
	Shops []struct {
		Cipher     string `json:"cipher"`
		Code       string `json:"code"`
		ID         string `json:"id"`
		Name       string `json:"name"`
		Region     string `json:"region"`
		SellerType string `json:"seller_type"`
	} `json:"shops"`
}

// The whole authorization-code flow: approve, exchange, call, refresh, deauthorize.
func TestAuthorizationCodeFlow(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := e.seller("ana")
		a, secret := e.developer()
		c := &openapi.Client{BaseURL: e.URL, AppKey: a.Key, AppSecret: secret}

		// The consent page lists the seller's shops; a stranger's shop cannot be chosen.
		consent, err := e.OpenAPI.ConsentFor(ctx, s.actor, a.Key, "", "")
		if err != nil || len(consent.Shops) != 1 || consent.RedirectURI != "https://erp.example.com/callback" {
			t.Fatalf("consent %+v %v", consent, err)
		}
		other := e.seller("bo")
		if _, err := e.OpenAPI.Approve(ctx, s.actor, a.Key, "", "st", []id.ID{other.shop.ID}); !errors.Is(err, seller.ErrShopNotFound) {
			t.Fatalf("approving another seller's shop: %v", err)
		}
		if _, err := e.OpenAPI.Approve(ctx, s.actor, a.Key, "https://evil.example.com/cb", "st", []id.ID{s.shop.ID}); !errors.Is(err, openapi.ErrRedirectUnknown) {
			t.Fatalf("unregistered redirect: %v", err)
		}

		code := e.authorize(a, s.actor, s.shop.ID)
		// Wrong secret and wrong grant type are refused without using the code.
		bad := *c
		bad.AppSecret = "0000"
		if r, _ := bad.Token(ctx, "authorized_code", code); r.Code != openapi.CodeAppCredentials {
			t.Fatalf("wrong secret: %+v", r)
		}
		if r, _ := c.Token(ctx, "client_credentials", code); r.Code != openapi.CodeGrantType {
			t.Fatalf("wrong grant type: %+v", r)
		}
		if r, _ := c.Token(ctx, "authorized_code", "LSAC_nonsense"); r.Code != openapi.CodeAuthRecordAbsent {
			t.Fatalf("unknown code: %+v", r)
		}
		before := time.Now().Unix()
		r, err := c.Token(ctx, "authorized_code", code)
		if err != nil || r.Code != 0 || r.Status != 200 {
			t.Fatalf("token: %+v %v", r, err)
		}
		var tk tokens
		json.Unmarshal(r.Data, &tk)
		if tk.AccessToken == "" || tk.RefreshToken == "" || tk.OpenID == "" || tk.SellerName != "ana" || tk.SellerBaseRegion != "US" {
			t.Fatalf("tokens %+v", tk)
		}
		// Expiries are returned as Unix seconds, the access token's before the refresh token's.
		if tk.AccessTokenExpireIn < before+6*24*3600 || tk.RefreshTokenExpireIn <= tk.AccessTokenExpireIn || len(tk.GrantedScopes) != len(a.Scopes) {
			t.Fatalf("expiries and scopes %+v", tk)
		}
		// A code works once.
		if r, _ := c.Token(ctx, "authorized_code", code); r.Code != openapi.CodeAuthCodeInvalid {
			t.Fatalf("code reused: %+v", r)
		}

		c.AccessToken = tk.AccessToken
		var shops shopList
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, &shops)
		if len(shops.Shops) != 1 || shops.Shops[0].ID != s.shop.ID.String() || shops.Shops[0].Cipher == "" || shops.Shops[0].Region != "US" ||
			shops.Shops[0].SellerType != "LOCAL" || shops.Shops[0].Name != s.shop.Name {
			t.Fatalf("shops %+v", shops)
		}

		// Refresh: a new access token, the same refresh token; the old access token keeps working until it expires.
		r, _ = c.Token(ctx, "refresh_token", tk.RefreshToken)
		var tk2 tokens
		json.Unmarshal(r.Data, &tk2)
		if r.Code != 0 || tk2.AccessToken == "" || tk2.AccessToken == tk.AccessToken || tk2.RefreshToken != tk.RefreshToken || tk2.RefreshTokenExpireIn != tk.RefreshTokenExpireIn {
			t.Fatalf("refresh %+v %+v", r, tk2)
		}
		if r, _ := c.Token(ctx, "refresh_token", tk.AccessToken); r.Code != openapi.CodeAuthRecordAbsent {
			t.Fatalf("an access token used as a refresh token: %+v", r)
		}
		c2 := *c
		c2.AccessToken = tk2.AccessToken
		ok(t, &c2, "GET", "/authorization/202309/shops", nil, nil, nil)

		// The seller deauthorizes in Seller Center: every token stops, the refresh token too.
		grants, err := e.OpenAPI.SellerGrants(ctx, s.actor)
		if err != nil || len(grants) != 1 || len(grants[0].Shops) != 1 || grants[0].AppName != a.Name {
			t.Fatalf("grants %+v %v", grants, err)
		}
		if err := e.OpenAPI.Deauthorize(ctx, other.actor, grants[0].ID); !errors.Is(err, openapi.ErrGrantNotFound) {
			t.Fatalf("another seller deauthorizing: %v", err)
		}
		if err := e.OpenAPI.Deauthorize(ctx, s.actor, grants[0].ID); err != nil {
			t.Fatal(err)
		}
		refused(t, call(t, c, "GET", "/authorization/202309/shops", nil, nil), 401, openapi.CodeTokenRevoked)
		refused(t, call(t, &c2, "GET", "/authorization/202309/shops", nil, nil), 401, openapi.CodeTokenRevoked)
		if r, _ := c.Token(ctx, "refresh_token", tk.RefreshToken); r.Code != openapi.CodeAuthRecordAbsent {
			t.Fatalf("refresh after deauthorization: %+v", r)
		}
		if gs, _ := e.OpenAPI.SellerGrants(ctx, s.actor); len(gs) != 0 {
			t.Fatalf("grants after deauthorization %+v", gs)
		}

		// Authorizing again works and keeps the shop's cipher.
		c3, _ := e.client(a, secret, s.actor, s.shop.ID)
		var again shopList
		ok(t, c3, "GET", "/authorization/202309/shops", nil, nil, &again)
		if len(again.Shops) != 1 || again.Shops[0].Cipher != shops.Shops[0].Cipher {
			t.Fatalf("shops after re-authorizing %+v", again)
		}
	})
}

// An app gives up one of two shops; when it gives up the last, its tokens stop.
func TestAppDeauthorizesShops(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("cy")
		second, err := e.Sellers.Register(e.ctx, s.actor, seller.RegisterInput{Market: "GB", Name: "Cy UK"})
		if err != nil {
			t.Fatal(err)
		}
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID, second.ID)
		var shops shopList
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, &shops)
		if len(shops.Shops) != 2 {
			t.Fatalf("shops %+v", shops)
		}
		// Two shops: calls that act on a shop must say which.
		refused(t, call(t, c, "GET", "/event/202309/webhooks", nil, nil), 400, openapi.CodeShopUnavailable)
		ok(t, c, "DELETE", "/authorization/202403/shops", cipherQuery(shops.Shops[0].Cipher), nil, nil)
		var left shopList
		ok(t, c, "GET", "/authorization/202309/shops", nil, nil, &left)
		if len(left.Shops) != 1 || left.Shops[0].Cipher != shops.Shops[1].Cipher {
			t.Fatalf("after giving one up %+v", left)
		}
		// The given-up cipher names nothing any more.
		refused(t, call(t, c, "GET", "/event/202309/webhooks", cipherQuery(shops.Shops[0].Cipher), nil), 403, openapi.CodeShopUnavailable)
		ok(t, c, "DELETE", "/authorization/202403/shops", cipherQuery(left.Shops[0].Cipher), nil, nil)
		refused(t, call(t, c, "GET", "/authorization/202309/shops", nil, nil), 401, openapi.CodeTokenRevoked)
	})
}
