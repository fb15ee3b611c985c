package openapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// App is a developer's registered application.
type App struct {
	ID           id.ID
	OwnerID      id.ID
	Name         string
	Key          string
	RedirectURLs []string
	Scopes       []string
	WebhookURL   string
	RateLimitQPS int
	CreatedAt    time.Time
	RotatedAt    time.Time
	// secret is never shown after it is issued; the signature check needs it.
	secret string
}

// HasScope reports whether the app asked for scope.
func (a App) HasScope(scope string) bool { return contains(a.Scopes, scope) }

// Grant is a seller's authorization of an app: the scopes granted and, through its
// shops, which shops the app may act on.
type Grant struct {
	ID        id.ID
	AppID     id.ID
	SellerID  id.ID
	OpenID    string
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time
	RevokedAt time.Time
}

// GrantShop is one shop of a grant with the cipher that names it to the app.
type GrantShop struct {
	GrantID      id.ID
	ShopID       id.ID
	Cipher       string
	AuthorizedAt time.Time
	RevokedAt    time.Time
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// randomToken returns prefix + 32 random bytes, URL-safe.
func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how tokens and codes are stored, so a database leak leaks no live token.
func hashToken(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func encodeList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeList(s string) []string {
	var v []string
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

const appColumns = `id, owner_id, name, app_key, app_secret, redirect_urls, scopes, webhook_url, rate_limit_qps, created_at, secret_rotated_at`

func scanApp(row interface{ Scan(...any) error }) (App, error) {
	var a App
	var redirects, scopes string
	var created, rotated int64
	err := row.Scan(&a.ID, &a.OwnerID, &a.Name, &a.Key, &a.secret, &redirects, &scopes, &a.WebhookURL, &a.RateLimitQPS, &created, &rotated)
	a.RedirectURLs, a.Scopes = decodeList(redirects), decodeList(scopes)
	a.CreatedAt, a.RotatedAt = db.Time(created), db.Time(rotated)
	return a, err
}

func appWhere(ctx context.Context, q db.Querier, where string, args ...any) (App, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM openapi_apps WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, ErrAppNotFound
	}
	if err != nil {
		return App{}, fmt.Errorf("openapi: load app: %w", err)
	}
	return a, nil
}

func appsOf(ctx context.Context, q db.Querier, owner id.ID) ([]App, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+appColumns+` FROM openapi_apps WHERE owner_id = $1 ORDER BY id DESC`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const grantColumns = `g.id, g.app_id, g.seller_id, g.open_id, g.scopes, g.created_at, g.updated_at, g.revoked_at`

func scanGrant(row interface{ Scan(...any) error }) (Grant, error) {
	var g Grant
	var scopes string
	var created, updated, revoked int64
	err := row.Scan(&g.ID, &g.AppID, &g.SellerID, &g.OpenID, &scopes, &created, &updated, &revoked)
	g.Scopes = decodeList(scopes)
	g.CreatedAt, g.UpdatedAt, g.RevokedAt = db.Time(created), db.Time(updated), db.Time(revoked)
	return g, err
}

func grantWhere(ctx context.Context, q db.Querier, where string, args ...any) (Grant, bool, error) {
	g, err := scanGrant(q.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM openapi_grants g WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Grant{}, false, nil
	}
	if err != nil {
		return Grant{}, false, fmt.Errorf("openapi: load grant: %w", err)
	}
	return g, true, nil
}

// grantShops lists a grant's shops; with activeOnly, those still authorized.
func grantShops(ctx context.Context, q db.Querier, grantID id.ID, activeOnly bool) ([]GrantShop, error) {
	where := `grant_id = $1`
	if activeOnly {
		where += ` AND revoked_at = 0`
	}
	rows, err := q.QueryContext(ctx, `SELECT grant_id, shop_id, cipher, authorized_at, revoked_at FROM openapi_grant_shops WHERE `+where+` ORDER BY shop_id`, grantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GrantShop
	for rows.Next() {
		var gs GrantShop
		var at, revoked int64
		if err := rows.Scan(&gs.GrantID, &gs.ShopID, &gs.Cipher, &at, &revoked); err != nil {
			return nil, err
		}
		gs.AuthorizedAt, gs.RevokedAt = db.Time(at), db.Time(revoked)
		out = append(out, gs)
	}
	return out, rows.Err()
}

// tokenRow is an access or refresh token with its grant.
type tokenRow struct {
	Kind      string
	AppID     id.ID
	ExpiresAt time.Time
	RevokedAt time.Time
	Grant     Grant
}

func tokenByHash(ctx context.Context, q db.Querier, hash string) (tokenRow, bool, error) {
	var t tokenRow
	var expires, revoked int64
	var scopes string
	var gc, gu, gr int64
	err := q.QueryRowContext(ctx, `SELECT t.kind, t.app_id, t.expires_at, t.revoked_at,
		g.id, g.app_id, g.seller_id, g.open_id, g.scopes, g.created_at, g.updated_at, g.revoked_at
		FROM openapi_tokens t JOIN openapi_grants g ON g.id = t.grant_id WHERE t.token_hash = $1`, hash).
		Scan(&t.Kind, &t.AppID, &expires, &revoked, &t.Grant.ID, &t.Grant.AppID, &t.Grant.SellerID, &t.Grant.OpenID, &scopes, &gc, &gu, &gr)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenRow{}, false, nil
	}
	if err != nil {
		return tokenRow{}, false, fmt.Errorf("openapi: load token: %w", err)
	}
	t.ExpiresAt, t.RevokedAt = db.Time(expires), db.Time(revoked)
	t.Grant.Scopes = decodeList(scopes)
	t.Grant.CreatedAt, t.Grant.UpdatedAt, t.Grant.RevokedAt = db.Time(gc), db.Time(gu), db.Time(gr)
	return t, true, nil
}

func insertToken(ctx context.Context, tx *db.Tx, kind, token string, grantID, appID id.ID, now, expires time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO openapi_tokens (token_hash, kind, grant_id, app_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hashToken(token), kind, grantID, appID, db.Micros(now), db.Micros(expires))
	return err
}

// revokeGrantTokens ends every token of a grant.
func revokeGrantTokens(ctx context.Context, tx *db.Tx, grantID id.ID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE openapi_tokens SET revoked_at = $1 WHERE grant_id = $2 AND revoked_at = 0`, db.Micros(now), grantID)
	return err
}
