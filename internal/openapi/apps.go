package openapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Scope is a permission an app asks for and a seller grants, one per API family.
type Scope struct {
	Name        string
	Family      string
	Description string
}

// Scopes lists every scope, in display order. The authorization family (authorized
// shops, deauthorization) needs none: every authorized app may see what it may use.
var Scopes = []Scope{
	{"seller.shop.info", "seller", "Read the seller's active shops"},
	{"seller.product.basic", "product", "Read products and categories"},
	{"seller.product.write", "product", "Create and edit products, prices and inventory"},
	{"seller.order.info", "order", "Read orders and their price details"},
	{"seller.fulfillment.basic", "fulfillment", "Ship orders and read tracking"},
	{"seller.live.manage", "affiliate", "Read the seller's live room and pin or unpin its products"},
	{"seller.event.webhook", "event", "Read and change the shop's webhook subscriptions"},
	{"seller.return_refund.basic", "return_refund", "Read returns and cancellations and approve or reject them"},
	{"seller.finance.info", "finance", "Read statements, payments and each order's settlement"},
	{"data.shop_analytics.public.read", "analytics", "Read live and product performance"},
	{"seller.affiliate_collaboration.read", "affiliate_seller", "Read the shop's open and target collaborations"},
	{"seller.affiliate_collaboration.write", "affiliate_seller", "Create, update and remove open and target collaborations"},
}

// ScopeNames returns the names of every scope.
func ScopeNames() []string {
	out := make([]string, len(Scopes))
	for i, s := range Scopes {
		out[i] = s.Name
	}
	return out
}

func knownScope(name string) bool {
	for _, s := range Scopes {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Errors of the developer console.
var (
	ErrAppNotFound      = errs.New(errs.NotFound, "app_not_found", "no such app")
	ErrDeliveryNotFound = errs.New(errs.NotFound, "delivery_not_found", "no such webhook delivery")
	ErrNotDead          = errs.New(errs.Conflict, "delivery_not_dead", "only a dead-lettered delivery can be redelivered")
)

// AppInput is what a developer gives to register or change an app.
type AppInput struct {
	Name         string
	RedirectURLs []string
	Scopes       []string
	WebhookURL   string
}

func (in *AppInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 60 {
		return errs.Invalidf("name", "an app name is 2-60 characters")
	}
	var redirects []string
	for _, u := range in.RedirectURLs {
		if u = strings.TrimSpace(u); u != "" {
			redirects = append(redirects, u)
		}
	}
	if len(redirects) < 1 || len(redirects) > 5 {
		return errs.Invalidf("redirect_urls", "give 1-5 redirect URLs, one per line")
	}
	for i, u := range redirects {
		if err := checkURL(u, 500); err != nil {
			return errs.Invalidf(fmt.Sprintf("redirect_urls[%d]", i), "%s", err)
		}
	}
	in.RedirectURLs = redirects
	if len(in.Scopes) == 0 {
		return errs.Invalidf("scopes", "choose at least one scope")
	}
	seen := map[string]bool{}
	var scopes []string
	for i, sc := range in.Scopes {
		if !knownScope(sc) {
			return errs.Invalidf(fmt.Sprintf("scopes[%d]", i), "unknown scope %q", sc)
		}
		if !seen[sc] {
			seen[sc] = true
			scopes = append(scopes, sc)
		}
	}
	in.Scopes = scopes
	in.WebhookURL = strings.TrimSpace(in.WebhookURL)
	if in.WebhookURL != "" {
		if err := checkURL(in.WebhookURL, 255); err != nil {
			return errs.Invalidf("webhook_url", "%s", err)
		}
	}
	return nil
}

// checkURL accepts an absolute http(s) URL without a fragment.
func checkURL(raw string, maxLen int) error {
	if len(raw) > maxLen {
		return fmt.Errorf("at most %d characters", maxLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a #fragment; redirect and webhook URLs take none", raw)
	}
	return nil
}

// RegisterApp registers an app for the actor and returns it with its secret. The
// secret is returned this once; the console never shows it again (rotate to get a
// new one).
func (s *Service) RegisterApp(ctx context.Context, actor auth.Actor, in AppInput) (App, string, error) {
	if err := actor.RequireLogin(); err != nil {
		return App{}, "", err
	}
	if err := in.validate(); err != nil {
		return App{}, "", err
	}
	now := s.now().UTC()
	secret := newSecret()
	a := App{ID: id.New(), OwnerID: actor.AccountID, Name: in.Name, Key: newAppKey(), RedirectURLs: in.RedirectURLs,
		Scopes: in.Scopes, WebhookURL: in.WebhookURL, RateLimitQPS: s.DefaultRateLimit, CreatedAt: now, RotatedAt: now, secret: secret}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO openapi_apps (id, owner_id, name, app_key, app_secret, redirect_urls, scopes, webhook_url,
		rate_limit_qps, created_at, secret_rotated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		a.ID, a.OwnerID, a.Name, a.Key, secret, encodeList(a.RedirectURLs), encodeList(a.Scopes), a.WebhookURL, a.RateLimitQPS, db.Micros(now))
	if err != nil {
		return App{}, "", fmt.Errorf("openapi: register app: %w", err)
	}
	s.Log.Info("partner app registered", "app", a.ID, "owner", a.OwnerID)
	return a, secret, nil
}

// newAppKey is an app key in TikTok's style: short, lower-case alphanumeric.
func newAppKey() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 14)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newSecret is 160 random bits in hex, like TikTok's app secrets.
func newSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// App returns one of the actor's apps (operators see every app). To anyone else it
// does not exist.
func (s *Service) App(ctx context.Context, actor auth.Actor, appID id.ID) (App, error) {
	if err := actor.RequireLogin(); err != nil {
		return App{}, err
	}
	a, err := appWhere(ctx, s.DB, `id = $1`, appID)
	if err != nil {
		return App{}, err
	}
	if a.OwnerID != actor.AccountID && !actor.Has(auth.Operator) {
		return App{}, ErrAppNotFound
	}
	return a, nil
}

// Apps lists the actor's apps, newest first.
func (s *Service) Apps(ctx context.Context, actor auth.Actor) ([]App, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	return appsOf(ctx, s.DB, actor.AccountID)
}

// UpdateApp changes an app's name, redirect URLs, scopes and webhook URL. Narrowing
// the scopes narrows what existing authorizations allow at once.
func (s *Service) UpdateApp(ctx context.Context, actor auth.Actor, appID id.ID, in AppInput) (App, error) {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return App{}, err
	}
	if err := in.validate(); err != nil {
		return App{}, err
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE openapi_apps SET name = $1, redirect_urls = $2, scopes = $3, webhook_url = $4 WHERE id = $5`,
		in.Name, encodeList(in.RedirectURLs), encodeList(in.Scopes), in.WebhookURL, a.ID); err != nil {
		return App{}, fmt.Errorf("openapi: update app: %w", err)
	}
	s.cache.forget()
	a.Name, a.RedirectURLs, a.Scopes, a.WebhookURL = in.Name, in.RedirectURLs, in.Scopes, in.WebhookURL
	return a, nil
}

// RotateSecret replaces an app's secret and returns the new one, this once. Calls
// signed with the old secret fail from now on; tokens stay valid.
func (s *Service) RotateSecret(ctx context.Context, actor auth.Actor, appID id.ID) (App, string, error) {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return App{}, "", err
	}
	secret := newSecret()
	now := s.now().UTC()
	if _, err := s.DB.ExecContext(ctx, `UPDATE openapi_apps SET app_secret = $1, secret_rotated_at = $2 WHERE id = $3`, secret, db.Micros(now), a.ID); err != nil {
		return App{}, "", fmt.Errorf("openapi: rotate secret: %w", err)
	}
	s.cache.forget()
	a.RotatedAt, a.secret = now, secret
	s.Log.Info("partner app secret rotated", "app", a.ID, "by", actor.AccountID)
	return a, secret, nil
}

// AuthorizedShop is a shop that authorized an app, as the console lists it.
type AuthorizedShop struct {
	ShopID       id.ID
	Name         string
	Market       string
	Cipher       string
	SellerID     id.ID
	Scopes       []string
	AuthorizedAt time.Time
}

// AuthorizedShops lists the shops currently authorizing one of the actor's apps.
func (s *Service) AuthorizedShops(ctx context.Context, actor auth.Actor, appID id.ID) ([]AuthorizedShop, error) {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT gs.shop_id, sh.name, sh.market, gs.cipher, g.seller_id, g.scopes, gs.authorized_at
		FROM openapi_grant_shops gs JOIN openapi_grants g ON g.id = gs.grant_id JOIN shops sh ON sh.id = gs.shop_id
		WHERE g.app_id = $1 AND g.revoked_at = 0 AND gs.revoked_at = 0 ORDER BY gs.authorized_at DESC`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuthorizedShop
	for rows.Next() {
		var as AuthorizedShop
		var scopes string
		var at int64
		if err := rows.Scan(&as.ShopID, &as.Name, &as.Market, &as.Cipher, &as.SellerID, &scopes, &at); err != nil {
			return nil, err
		}
		as.Scopes, as.AuthorizedAt = decodeList(scopes), db.Time(at)
		out = append(out, as)
	}
	return out, rows.Err()
}
