package openapi

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// The authorization-code flow, as TikTok Shop runs it: the app sends the seller to
// the consent page (/open/authorize?app_key=...&state=...); the seller, logged in to
// Seller Center, picks the shops the app may act on and approves; the browser goes
// back to the app's redirect URL with ?code=...&state=...; the app exchanges the code
// at /api/v2/token/get for an access token and a refresh token, and later refreshes
// at /api/v2/token/refresh. The seller can deauthorize at any time in Seller Center,
// and the app can give a shop up (DELETE /authorization/202403/shops).

// Errors of the authorization flow.
var (
	ErrNoSuchApp       = errs.New(errs.NotFound, "app_not_found", "this app does not exist; check the link the app gave you")
	ErrRedirectUnknown = errs.New(errs.Invalid, "redirect_uri_not_registered", "this redirect URL is not registered for the app").OnField("redirect_uri")
	ErrNoShopChosen    = errs.New(errs.Invalid, "no_shop_chosen", "choose at least one of your shops for the app").OnField("shop_ids")
	ErrGrantNotFound   = errs.New(errs.NotFound, "authorization_not_found", "no such authorization")
)

// Consent is what the consent page shows a seller.
type Consent struct {
	App         App
	RedirectURI string
	Scopes      []Scope
	Shops       []seller.Shop
	// Authorized marks the shops the app holds now, so the page pre-checks them.
	Authorized map[id.ID]bool
}

// ConsentFor prepares the consent page for an app identified by its app key (or its
// id, which TikTok calls service_id) and the redirect URL the app asked for (its
// first registered one when empty). The actor must be logged in.
func (s *Service) ConsentFor(ctx context.Context, actor auth.Actor, appKey, serviceID, redirectURI string) (Consent, error) {
	if err := actor.RequireLogin(); err != nil {
		return Consent{}, err
	}
	a, err := s.appForConsent(ctx, appKey, serviceID)
	if err != nil {
		return Consent{}, err
	}
	redirect, err := pickRedirect(a, redirectURI)
	if err != nil {
		return Consent{}, err
	}
	shops, err := s.Sellers.ShopsOf(ctx, actor.AccountID)
	if err != nil {
		return Consent{}, err
	}
	c := Consent{App: a, RedirectURI: redirect, Shops: shops, Authorized: map[id.ID]bool{}}
	for _, sc := range Scopes {
		if a.HasScope(sc.Name) {
			c.Scopes = append(c.Scopes, sc)
		}
	}
	if g, found, err := grantWhere(ctx, s.DB, `g.app_id = $1 AND g.seller_id = $2 AND g.revoked_at = 0`, a.ID, actor.AccountID); err != nil {
		return Consent{}, err
	} else if found {
		gss, err := grantShops(ctx, s.DB, g.ID, true)
		if err != nil {
			return Consent{}, err
		}
		for _, gs := range gss {
			c.Authorized[gs.ShopID] = true
		}
	}
	return c, nil
}

func (s *Service) appForConsent(ctx context.Context, appKey, serviceID string) (App, error) {
	var a App
	var err error
	switch {
	case appKey != "":
		a, err = appWhere(ctx, s.DB, `app_key = $1`, appKey)
	case serviceID != "":
		v, perr := id.Parse(serviceID)
		if perr != nil {
			return App{}, ErrNoSuchApp
		}
		a, err = appWhere(ctx, s.DB, `id = $1`, v)
	default:
		return App{}, ErrNoSuchApp.With("the link has no app_key; ask the app for a new authorization link")
	}
	if errs.KindOf(err) == errs.NotFound {
		return App{}, ErrNoSuchApp
	}
	return a, err
}

func pickRedirect(a App, asked string) (string, error) {
	if asked == "" {
		return a.RedirectURLs[0], nil
	}
	for _, u := range a.RedirectURLs {
		if u == asked {
			return u, nil
		}
	}
	return "", ErrRedirectUnknown
}

// Approve records that the seller authorizes the app for exactly the chosen shops
// (shops authorized before and not chosen now are given up) and returns the URL to
// send the browser to: the redirect URL with a one-time code and the app's state.
func (s *Service) Approve(ctx context.Context, actor auth.Actor, appKey, redirectURI, state string, shopIDs []id.ID) (string, error) {
	if err := actor.RequireLogin(); err != nil {
		return "", err
	}
	a, err := s.appForConsent(ctx, appKey, "")
	if err != nil {
		return "", err
	}
	redirect, err := pickRedirect(a, redirectURI)
	if err != nil {
		return "", err
	}
	if len(shopIDs) == 0 {
		return "", ErrNoShopChosen
	}
	mine, err := s.Sellers.ShopsOf(ctx, actor.AccountID)
	if err != nil {
		return "", err
	}
	owned := map[id.ID]bool{}
	for _, sh := range mine {
		owned[sh.ID] = true
	}
	chosen := map[id.ID]bool{}
	for i, sid := range shopIDs {
		if !owned[sid] {
			// Another seller's shop, or none: the same answer, so ids reveal nothing.
			return "", seller.ErrShopNotFound.OnField(fmt.Sprintf("shop_ids[%d]", i))
		}
		chosen[sid] = true
	}
	now := s.now().UTC()
	code := randomToken("LSAC_", 24)
	err = s.DB.RunInTx(ctx, func(tx *db.Tx) error {
		g, found, err := grantWhere(ctx, tx, `g.app_id = $1 AND g.seller_id = $2`+db.ForUpdate(tx), a.ID, actor.AccountID)
		if err != nil {
			return err
		}
		if !found {
			g = Grant{ID: id.New(), AppID: a.ID, SellerID: actor.AccountID, OpenID: randomToken("", 24)}
			if _, err := tx.ExecContext(ctx, `INSERT INTO openapi_grants (id, app_id, seller_id, open_id, scopes, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, g.ID, g.AppID, g.SellerID, g.OpenID, encodeList(a.Scopes), db.Micros(now)); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE openapi_grants SET scopes = $1, updated_at = $2, revoked_at = 0 WHERE id = $3`,
			encodeList(a.Scopes), db.Micros(now), g.ID); err != nil {
			return err
		}
		existing, err := grantShops(ctx, tx, g.ID, false)
		if err != nil {
			return err
		}
		had := map[id.ID]GrantShop{}
		for _, gs := range existing {
			had[gs.ShopID] = gs
		}
		for sid := range chosen {
			gs, ok := had[sid]
			switch {
			case !ok:
				if _, err := tx.ExecContext(ctx, `INSERT INTO openapi_grant_shops (grant_id, shop_id, cipher, authorized_at) VALUES ($1, $2, $3, $4)`,
					g.ID, sid, randomToken("LSP_", 18), db.Micros(now)); err != nil {
					return err
				}
			case !gs.RevokedAt.IsZero():
				if _, err := tx.ExecContext(ctx, `UPDATE openapi_grant_shops SET revoked_at = 0, authorized_at = $1 WHERE grant_id = $2 AND shop_id = $3`,
					db.Micros(now), g.ID, sid); err != nil {
					return err
				}
			}
		}
		for sid, gs := range had {
			if !chosen[sid] && gs.RevokedAt.IsZero() {
				if err := s.revokeShop(ctx, tx, a, g, sid, "the seller changed the shops the app may use", now); err != nil {
					return err
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO openapi_auth_codes (code_hash, grant_id, app_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hashToken(code), g.ID, a.ID, db.Micros(now), db.Micros(now.Add(s.CodeTTL)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("openapi: approve: %w", err)
	}
	s.cache.forget()
	u, _ := url.Parse(redirect)
	q := u.Query()
	q.Set("app_key", a.Key)
	q.Set("code", code)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	s.Log.Info("partner app authorized", "app", a.ID, "seller", actor.AccountID, "shops", len(chosen))
	return u.String(), nil
}

// DenyURL is where the browser goes when the seller refuses: the redirect URL with
// error=access_denied and the app's state.
func (s *Service) DenyURL(ctx context.Context, actor auth.Actor, appKey, redirectURI, state string) (string, error) {
	if err := actor.RequireLogin(); err != nil {
		return "", err
	}
	a, err := s.appForConsent(ctx, appKey, "")
	if err != nil {
		return "", err
	}
	redirect, err := pickRedirect(a, redirectURI)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(redirect)
	q := u.Query()
	q.Set("error", "access_denied")
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// SellerGrant is an app a seller authorized, as Seller Center lists it.
type SellerGrant struct {
	Grant
	AppName string
	Shops   []GrantShopView
}

// GrantShopView is a shop of a grant with its name.
type GrantShopView struct {
	GrantShop
	Name   string
	Market string
}

// SellerGrants lists the apps the actor has authorized and not deauthorized.
func (s *Service) SellerGrants(ctx context.Context, actor auth.Actor) ([]SellerGrant, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+grantColumns+`, a.name FROM openapi_grants g JOIN openapi_apps a ON a.id = g.app_id
		WHERE g.seller_id = $1 AND g.revoked_at = 0 ORDER BY g.updated_at DESC`, actor.AccountID)
	if err != nil {
		return nil, err
	}
	var out []SellerGrant
	for rows.Next() {
		var sg SellerGrant
		var scopes string
		var created, updated, revoked int64
		if err := rows.Scan(&sg.ID, &sg.AppID, &sg.SellerID, &sg.OpenID, &scopes, &created, &updated, &revoked, &sg.AppName); err != nil {
			rows.Close()
			return nil, err
		}
		sg.Scopes = decodeList(scopes)
		sg.CreatedAt, sg.UpdatedAt, sg.RevokedAt = db.Time(created), db.Time(updated), db.Time(revoked)
		out = append(out, sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		gss, err := grantShops(ctx, s.DB, out[i].ID, true)
		if err != nil {
			return nil, err
		}
		for _, gs := range gss {
			sh, err := s.Sellers.Shop(ctx, gs.ShopID)
			if err != nil {
				return nil, err
			}
			out[i].Shops = append(out[i].Shops, GrantShopView{GrantShop: gs, Name: sh.Name, Market: sh.Market})
		}
	}
	return out, nil
}

// Deauthorize ends a seller's authorization of an app: every token stops working at
// once, every shop is given up, and the app is told by a SELLER_DEAUTHORIZATION
// webhook per shop.
func (s *Service) Deauthorize(ctx context.Context, actor auth.Actor, grantID id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	now := s.now().UTC()
	defer s.cache.forget()
	return s.DB.RunInTx(ctx, func(tx *db.Tx) error {
		g, found, err := grantWhere(ctx, tx, `g.id = $1`+db.ForUpdate(tx), grantID)
		if err != nil {
			return err
		}
		if !found || g.SellerID != actor.AccountID || !g.RevokedAt.IsZero() {
			return ErrGrantNotFound
		}
		a, err := appWhere(ctx, tx, `id = $1`, g.AppID)
		if err != nil {
			return err
		}
		gss, err := grantShops(ctx, tx, g.ID, true)
		if err != nil {
			return err
		}
		for _, gs := range gss {
			if err := s.revokeShop(ctx, tx, a, g, gs.ShopID, "the seller deauthorized the app in Seller Center", now); err != nil {
				return err
			}
		}
		return s.revokeGrant(ctx, tx, g.ID, now)
	})
}

// revokeShop gives up one shop of a grant and queues the SELLER_DEAUTHORIZATION
// webhook, in the caller's transaction.
func (s *Service) revokeShop(ctx context.Context, tx *db.Tx, a App, g Grant, shopID id.ID, reason string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE openapi_grant_shops SET revoked_at = $1 WHERE grant_id = $2 AND shop_id = $3 AND revoked_at = 0`,
		db.Micros(now), g.ID, shopID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM openapi_webhooks WHERE grant_id = $1 AND shop_id = $2`, g.ID, shopID); err != nil {
		return err
	}
	return s.queueDeliveries(ctx, tx, []target{{app: a, grantID: g.ID, shopID: shopID, address: a.WebhookURL}}, EventSellerDeauthorization,
		map[string]any{"reason": reason, "update_time": now.Unix()}, now)
}

func (s *Service) revokeGrant(ctx context.Context, tx *db.Tx, grantID id.ID, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE openapi_grants SET revoked_at = $1, updated_at = $1 WHERE id = $2`, db.Micros(now), grantID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE openapi_auth_codes SET used_at = $1 WHERE grant_id = $2 AND used_at = 0`, db.Micros(now), grantID); err != nil {
		return err
	}
	return revokeGrantTokens(ctx, tx, grantID, now)
}

// tokenData is the token endpoints' answer, in TikTok Shop's shape: expiries are Unix
// seconds at which the token stops working.
type tokenData struct {
	AccessToken          string   `json:"access_token"`
	AccessTokenExpireIn  int64    `json:"access_token_expire_in"`
	RefreshToken         string   `json:"refresh_token"`
	RefreshTokenExpireIn int64    `json:"refresh_token_expire_in"`
	OpenID               string   `json:"open_id"`
	SellerName           string   `json:"seller_name"`
	SellerBaseRegion     string   `json:"seller_base_region"`
	UserType             int      `json:"user_type"`
	GrantedScopes        []string `json:"granted_scopes"`
}

// tokenParams reads the token endpoints' parameters from the query or a form body.
func tokenParams(r *http.Request) url.Values {
	v := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		if err := r.ParseForm(); err == nil {
			for k, vs := range r.PostForm {
				if v.Get(k) == "" {
					v[k] = vs
				}
			}
		}
	}
	return v
}

// appCredentials checks app_key and app_secret as the token endpoints take them.
func (s *Service) appCredentials(ctx context.Context, p url.Values) (App, error) {
	key, secret := p.Get("app_key"), p.Get("app_secret")
	if key == "" || secret == "" {
		return App{}, fail(http.StatusBadRequest, CodeAppCredentials, "app_key and app_secret are required")
	}
	a, err := appWhere(ctx, s.DB, `app_key = $1`, key)
	if errs.KindOf(err) == errs.NotFound || (err == nil && subtle.ConstantTimeCompare([]byte(a.secret), []byte(secret)) != 1) {
		return App{}, fail(http.StatusUnauthorized, CodeAppCredentials, "app_key and app_secret do not match a registered app")
	}
	return a, err
}

// handleTokenGet exchanges an authorization code for tokens.
func (s *Service) handleTokenGet(w http.ResponseWriter, r *http.Request) {
	data, err := s.tokenGet(r.Context(), tokenParams(r))
	writeEnvelope(w, r, data, err)
}

func (s *Service) tokenGet(ctx context.Context, p url.Values) (any, error) {
	a, err := s.appCredentials(ctx, p)
	if err != nil {
		return nil, err
	}
	if gt := p.Get("grant_type"); gt != "authorized_code" {
		return nil, fail(http.StatusBadRequest, CodeGrantType, "grant_type must be authorized_code, not %q", gt)
	}
	code := p.Get("auth_code")
	if code == "" {
		return nil, fail(http.StatusBadRequest, CodeInvalidParam, "auth_code: required")
	}
	now := s.now().UTC()
	var out tokenData
	var sellerID id.ID
	err = s.DB.RunInTx(ctx, func(tx *db.Tx) error {
		var grantID, appID id.ID
		var expires, used int64
		err := tx.QueryRowContext(ctx, `SELECT grant_id, app_id, expires_at, used_at FROM openapi_auth_codes WHERE code_hash = $1`+db.ForUpdate(tx),
			hashToken(code)).Scan(&grantID, &appID, &expires, &used)
		if err != nil || appID != a.ID {
			return fail(http.StatusBadRequest, CodeAuthRecordAbsent, "can not find related auth record: the auth_code is unknown or belongs to another app")
		}
		if used != 0 || now.After(db.Time(expires)) {
			return fail(http.StatusBadRequest, CodeAuthCodeInvalid, "the auth_code has expired or was already used; ask the seller to authorize again")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE openapi_auth_codes SET used_at = $1 WHERE code_hash = $2`, db.Micros(now), hashToken(code)); err != nil {
			return err
		}
		g, found, err := grantWhere(ctx, tx, `g.id = $1`, grantID)
		if err != nil {
			return err
		}
		if !found || !g.RevokedAt.IsZero() {
			return fail(http.StatusBadRequest, CodeAuthRecordAbsent, "can not find related auth record: the seller deauthorized the app")
		}
		sellerID = g.SellerID
		refresh := randomToken("LSRT_", 32)
		out, err = s.issueAccess(ctx, tx, a, g, now)
		if err != nil {
			return err
		}
		refreshExp := now.Add(s.RefreshTTL)
		if err := insertToken(ctx, tx, "refresh", refresh, g.ID, a.ID, now, refreshExp); err != nil {
			return err
		}
		out.RefreshToken, out.RefreshTokenExpireIn = refresh, refreshExp.Unix()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.describeSeller(ctx, sellerID, out)
}

// handleTokenRefresh issues a new access token for a refresh token. The refresh token
// itself stays the same until it expires, as on TikTok Shop.
func (s *Service) handleTokenRefresh(w http.ResponseWriter, r *http.Request) {
	data, err := s.tokenRefresh(r.Context(), tokenParams(r))
	writeEnvelope(w, r, data, err)
}

func (s *Service) tokenRefresh(ctx context.Context, p url.Values) (any, error) {
	a, err := s.appCredentials(ctx, p)
	if err != nil {
		return nil, err
	}
	if gt := p.Get("grant_type"); gt != "refresh_token" {
		return nil, fail(http.StatusBadRequest, CodeGrantType, "grant_type must be refresh_token, not %q", gt)
	}
	refresh := p.Get("refresh_token")
	if refresh == "" {
		return nil, fail(http.StatusBadRequest, CodeInvalidParam, "refresh_token: required")
	}
	t, found, err := tokenByHash(ctx, s.DB, hashToken(refresh))
	if err != nil {
		return nil, err
	}
	if !found || t.Kind != "refresh" || t.AppID != a.ID || !t.RevokedAt.IsZero() || !t.Grant.RevokedAt.IsZero() {
		return nil, fail(http.StatusBadRequest, CodeAuthRecordAbsent, "can not find related auth record: the refresh_token is unknown, revoked or another app's")
	}
	now := s.now().UTC()
	if now.After(t.ExpiresAt) {
		return nil, fail(http.StatusBadRequest, CodeRefreshExpired, "rt has expired; ask the seller to authorize again")
	}
	var out tokenData
	err = s.DB.RunInTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.issueAccess(ctx, tx, a, t.Grant, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.RefreshToken, out.RefreshTokenExpireIn = refresh, t.ExpiresAt.Unix()
	return s.describeSeller(ctx, t.Grant.SellerID, out)
}

func (s *Service) issueAccess(ctx context.Context, tx *db.Tx, a App, g Grant, now time.Time) (tokenData, error) {
	access := randomToken("LSAT_", 32)
	exp := now.Add(s.AccessTTL)
	if err := insertToken(ctx, tx, "access", access, g.ID, a.ID, now, exp); err != nil {
		return tokenData{}, err
	}
	scopes := effectiveScopes(a, g)
	sort.Strings(scopes)
	return tokenData{AccessToken: access, AccessTokenExpireIn: exp.Unix(), OpenID: g.OpenID, GrantedScopes: scopes}, nil
}

// describeSeller fills in the seller's name and base region (the market of the
// seller's first shop), read after the transaction.
func (s *Service) describeSeller(ctx context.Context, sellerID id.ID, t tokenData) (any, error) {
	acct, err := s.Identity.Account(ctx, sellerID)
	if err != nil {
		return nil, err
	}
	t.SellerName = acct.DisplayName
	if shops, err := s.Sellers.ShopsOf(ctx, sellerID); err == nil && len(shops) > 0 {
		t.SellerBaseRegion = shops[len(shops)-1].Market
	}
	return t, nil
}

// effectiveScopes is what a call may do: what the seller granted, narrowed by what
// the app asks for now.
func effectiveScopes(a App, g Grant) []string {
	var out []string
	for _, sc := range g.Scopes {
		if a.HasScope(sc) {
			out = append(out, sc)
		}
	}
	return out
}
