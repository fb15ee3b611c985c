package openapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// route is one endpoint at its official path.
type route struct {
	Method string
	Path   string // as in TikTok's OpenAPI description, {param} included
	// Scope the app needs; empty for the authorization family, which every app has.
	Scope string
	// Shop says the endpoint acts on one shop, named by shop_cipher (optional when
	// the authorization covers a single shop).
	Shop bool
	// Mutates says the endpoint changes something, so a replayed request is refused.
	Mutates bool
	handle  func(c *call) (any, error)
}

// call is one admitted request: who signed it, for which seller and shop.
type call struct {
	ctx    context.Context
	r      *http.Request
	query  url.Values
	body   []byte
	app    App
	grant  Grant
	actor  auth.Actor
	shopID id.ID
	shop   *seller.Shop
	s      *Service
	// claimed is the signature this call claimed against replays, if it mutates.
	claimed string
}

// Shop returns the shop the call acts on, read once.
func (c *call) Shop() (seller.Shop, error) {
	if c.shop == nil {
		sh, err := c.s.Sellers.Shop(c.ctx, c.shopID)
		if err != nil {
			return seller.Shop{}, err
		}
		c.shop = &sh
	}
	return *c.shop, nil
}

// pathID parses a path parameter as an id; a malformed one is "not found", as an id
// that does not exist would be.
func (c *call) pathID(name string) (id.ID, error) {
	v, err := id.Parse(c.r.PathValue(name))
	if err != nil || v <= 0 {
		return 0, fail(http.StatusNotFound, CodeNotFound, "%s %q does not exist", name, c.r.PathValue(name))
	}
	return v, nil
}

// serve wraps an endpoint with the checks TikTok Shop makes on every call, in its
// order: app key, timestamp, signature, rate limit, access token, scope, shop cipher,
// replay. Whatever the outcome, the call goes to the app's request log.
func (s *Service) serve(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{ctx: r.Context(), r: r, query: r.URL.Query(), s: s}
		data, err := s.admit(c, w, rt)
		var handled time.Duration
		if err == nil {
			h0 := time.Now()
			data, err = rt.handle(c)
			handled = time.Since(h0)
			if err != nil && c.claimed != "" {
				// A refused call changed nothing, so sending it again is no replay.
				s.releaseSign(c.ctx, c.app.ID, c.claimed)
			}
		}
		status, code, msg := writeEnvelope(w, r, data, err)
		s.metrics.calls.WithLabelValues(strconv.Itoa(code)).Inc()
		if c.app.ID != 0 {
			s.logs.add(LogEntry{ID: id.New(), AppID: c.app.ID, Method: r.Method, Path: r.URL.Path, ShopID: c.shopID,
				HTTPStatus: status, Code: code, Message: msg, Latency: time.Since(start), RequestID: httpx.RequestID(r.Context()), At: start.UTC()})
		}
		if obs := s.overhead.Load(); obs != nil {
			(*obs)(time.Since(start) - handled)
		}
	}
}

func (s *Service) admit(c *call, w http.ResponseWriter, rt route) (any, error) {
	ctx, r := c.ctx, c.r
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return nil, fail(http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the body is larger than %d bytes", maxBody)
		}
		return nil, fail(http.StatusBadRequest, CodeInvalidParam, "body: could not be read")
	}
	c.body = body

	key := c.query.Get("app_key")
	if key == "" {
		return nil, fail(http.StatusUnauthorized, CodeAppKeyInvalid, "app_key is required")
	}
	now := s.now()
	app, cached, stale := s.cache.app(key, now, s.AuthCacheTTL)
	if !cached {
		s.authReads.Add(1)
		gen := s.cache.generation()
		var err error
		app, err = appWhere(ctx, s.DB, `app_key = $1`, key)
		if errs.KindOf(err) == errs.NotFound {
			return nil, fail(http.StatusUnauthorized, CodeAppKeyInvalid, "app_key %q is not a registered app", key)
		}
		if err != nil {
			return nil, err
		}
		s.cache.putApp(app, now, gen)
	} else if stale && s.cache.claim("app:"+key) {
		go s.refreshApp(key)
	}
	c.app = app

	ts, err := strconv.ParseInt(c.query.Get("timestamp"), 10, 64)
	if err != nil {
		return nil, fail(http.StatusUnauthorized, CodeTimestampInvalid, "timestamp is required: Unix seconds")
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > s.Window || skew < -s.Window {
		return nil, fail(http.StatusUnauthorized, CodeTimestampInvalid, "timestamp %d is more than %s from the server's clock; sign with the current time", ts, s.Window)
	}
	sign := c.query.Get("sign")
	if sign == "" || !verifySign(app.secret, r.URL.Path, c.query, signedBody(r.Header.Get("Content-Type"), body), sign) {
		return nil, fail(http.StatusUnauthorized, CodeSignInvalid, "Invalid credentials. The 'sign' query parameter is invalid.")
	}
	if !s.limiter.allow(app.ID, app.RateLimitQPS, now) {
		return nil, fail(http.StatusTooManyRequests, CodeRateLimited, "the app exceeded its limit of %d calls per second; retry with backoff", app.RateLimitQPS)
	}

	token := r.Header.Get("x-tts-access-token")
	if token == "" {
		token = c.query.Get("access_token")
	}
	if token == "" {
		return nil, fail(http.StatusUnauthorized, CodeTokenInvalid, "x-tts-access-token is required")
	}
	hash := hashToken(token)
	entry, cached, stale := s.cache.token(hash, now, s.AuthCacheTTL)
	if !cached {
		s.authReads.Add(1)
		gen := s.cache.generation()
		var found bool
		entry, found, err = s.readToken(ctx, hash, now)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fail(http.StatusUnauthorized, CodeTokenInvalid, "access token is invalid")
		}
		s.cache.putToken(hash, entry, gen)
	} else if stale && s.cache.claim("token:"+hash) {
		go s.refreshToken(hash)
	}
	t := entry.token
	switch {
	case t.Kind != "access" || t.AppID != app.ID:
		return nil, fail(http.StatusUnauthorized, CodeTokenInvalid, "access token is invalid")
	case !t.RevokedAt.IsZero() || !t.Grant.RevokedAt.IsZero():
		return nil, fail(http.StatusUnauthorized, CodeTokenRevoked, "access token is revoked: the seller deauthorized the app")
	case now.After(t.ExpiresAt):
		return nil, fail(http.StatusUnauthorized, CodeTokenExpired, "access token is expired, please refresh it")
	}
	c.grant = t.Grant
	if rt.Scope != "" && !contains(effectiveScopes(app, t.Grant), rt.Scope) {
		return nil, fail(http.StatusForbidden, CodeScopeMissing, "the app is not authorized for scope %s, which this API needs", rt.Scope)
	}
	if rt.Shop {
		if err := pickShop(c, entry.shops); err != nil {
			return nil, err
		}
	}
	if rt.Mutates {
		if err := s.useSign(ctx, app.ID, sign, time.Unix(ts, 0).Add(s.Window)); err != nil {
			return nil, err
		}
		c.claimed = sign
	}
	c.actor = entry.actor
	return nil, nil
}

// readToken reads an access token with its grant's shops and seller, as cached.
func (s *Service) readToken(ctx context.Context, hash string, now time.Time) (cachedToken, bool, error) {
	t, found, err := tokenByHash(ctx, s.DB, hash)
	if err != nil || !found {
		return cachedToken{}, found, err
	}
	entry := cachedToken{token: t, at: now}
	if entry.shops, err = grantShops(ctx, s.DB, t.Grant.ID, true); err != nil {
		return cachedToken{}, false, err
	}
	acct, err := s.Identity.Account(ctx, t.Grant.SellerID)
	if err != nil {
		return cachedToken{}, false, err
	}
	entry.actor = acct.Actor()
	return entry, true, nil
}

// refreshApp and refreshToken read a cached entry again off the call's path; an app
// or token gone since is dropped with the next forget or left to expire.
func (s *Service) refreshApp(key string) {
	defer s.cache.release("app:" + key)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gen, now := s.cache.generation(), s.now()
	app, err := appWhere(ctx, s.DB, `app_key = $1`, key)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			s.cache.forget()
		}
		return
	}
	s.cache.putApp(app, now, gen)
}

func (s *Service) refreshToken(hash string) {
	defer s.cache.release("token:" + hash)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gen, now := s.cache.generation(), s.now()
	entry, found, err := s.readToken(ctx, hash, now)
	if err != nil {
		return
	}
	if !found {
		s.cache.forget()
		return
	}
	s.cache.putToken(hash, entry, gen)
}

// pickShop resolves shop_cipher among the shops the authorization still covers.
func pickShop(c *call, shops []GrantShop) error {
	cipher := c.query.Get("shop_cipher")
	if cipher == "" {
		if len(shops) == 1 {
			c.shopID = shops[0].ShopID
			return nil
		}
		return fail(http.StatusBadRequest, CodeShopUnavailable, "shop_cipher is required: this authorization covers %d shops (GET /authorization/202309/shops lists them)", len(shops))
	}
	for _, gs := range shops {
		if gs.Cipher == cipher {
			c.shopID = gs.ShopID
			return nil
		}
	}
	return fail(http.StatusForbidden, CodeShopUnavailable, "shop_cipher is not authorized for this access token")
}

// useSign claims a signature before a call that changes something runs, so the same
// signed request cannot take effect twice while its timestamp is in the window (the
// claim is released if the call is refused, since a refusal changed nothing).
func (s *Service) useSign(ctx context.Context, appID id.ID, sign string, until time.Time) error {
	res, err := s.DB.ExecContext(ctx, `INSERT INTO openapi_used_signs (app_id, sign, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (app_id, sign) DO NOTHING`, appID, strings.ToLower(sign), db.Micros(until))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fail(http.StatusUnauthorized, CodeReplayed, "this signed request was already used; sign each request with a fresh timestamp")
	}
	return nil
}

func (s *Service) releaseSign(ctx context.Context, appID id.ID, sign string) {
	if _, err := s.DB.ExecContext(context.WithoutCancel(ctx), `DELETE FROM openapi_used_signs WHERE app_id = $1 AND sign = $2`, appID, strings.ToLower(sign)); err != nil {
		s.Log.Warn("openapi: release signature", "err", err)
	}
}

// pruneSigns forgets used signatures whose timestamps left the window, and request
// log entries older than a week.
func (s *Service) pruneSigns(ctx context.Context) error {
	now := s.now()
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM openapi_used_signs WHERE expires_at < $1`, db.Micros(now)); err != nil {
		return err
	}
	_, err := s.DB.ExecContext(ctx, `DELETE FROM openapi_request_log WHERE at < $1`, db.Micros(now.Add(-7*24*time.Hour)))
	return err
}

// notImplemented answers paths of families liveshop does not serve yet, in the
// envelope, so clients see a clear code rather than a web page.
func (s *Service) notImplemented(w http.ResponseWriter, r *http.Request) {
	writeEnvelope(w, r, nil, fail(http.StatusNotFound, CodeUnknownEndpoint,
		"%s %s is not implemented by liveshop (see docs/OPENAPI.md for the endpoints it serves)", r.Method, r.URL.Path))
}
