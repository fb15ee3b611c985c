package identity

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func newService(d *db.DB) *Service { return NewService(d, slog.New(slog.DiscardHandler)) }

func TestRegisterRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		if _, err := s.Register(ctx, RegisterInput{Email: "Ana@Example.com", Password: "correct horse", DisplayName: "Ana", Roles: []auth.Role{auth.Seller}}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			in        RegisterInput
			wantCode  string
			wantField string
		}{
			{"duplicate email, other case", RegisterInput{Email: "ana@example.COM", Password: "correct horse", DisplayName: "A"}, "email_taken", "email"},
			{"bad email", RegisterInput{Email: "ana", Password: "correct horse", DisplayName: "A"}, "invalid_field", "email"},
			{"short password", RegisterInput{Email: "b@example.com", Password: "short", DisplayName: "B"}, "invalid_field", "password"},
			{"no name", RegisterInput{Email: "b@example.com", Password: "correct horse", DisplayName: "  "}, "invalid_field", "display_name"},
			{"self-made operator", RegisterInput{Email: "b@example.com", Password: "correct horse", DisplayName: "B", Roles: []auth.Role{auth.Operator}}, "role_not_allowed", "roles"},
			{"unknown role", RegisterInput{Email: "b@example.com", Password: "correct horse", DisplayName: "B", Roles: []auth.Role{"admin"}}, "unknown_role", "roles"},
		}
		for _, tt := range tests {
			_, err := s.Register(ctx, tt.in)
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: got %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d accounts after refusals, want 1", n)
		}
	})
}

func TestLoginSessionsAndTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		a, err := s.Register(ctx, RegisterInput{Email: "seller@example.com", Password: "correct horse", DisplayName: "Sam", Roles: []auth.Role{auth.Seller}})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Roles; len(got) != 2 || got[0] != auth.Shopper || got[1] != auth.Seller {
			t.Fatalf("roles %v", got)
		}
		if _, _, err := s.Login(ctx, "seller@example.com", "wrong horse"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody@example.com", "correct horse"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown email: %v", err)
		}
		sess, _, err := s.Login(ctx, "SELLER@example.com", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		actor, err := s.SessionActor(ctx, sess.Token)
		if err != nil || actor.AccountID != a.ID || !actor.Has(auth.Seller) || actor.CSRF != sess.CSRF {
			t.Fatalf("session actor %+v, %v", actor, err)
		}
		if err := s.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionActor(ctx, sess.Token); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("after logout: %v", err)
		}
		tok, err := s.IssueToken(ctx, "seller@example.com", "correct horse", "erp")
		if err != nil || !strings.HasPrefix(tok.Token, "lst_") {
			t.Fatalf("token %+v %v", tok, err)
		}
		if actor, err := s.TokenActor(ctx, tok.Token); err != nil || actor.AccountID != a.ID || actor.CSRF != "" {
			t.Fatalf("token actor %+v %v", actor, err)
		}
		var stored string
		d.QueryRowContext(ctx, `SELECT token_hash FROM api_tokens`).Scan(&stored)
		if strings.Contains(stored, tok.Token) {
			t.Fatal("token stored in clear")
		}
		if err := s.RevokeToken(ctx, a.Actor(), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenActor(ctx, tok.Token); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("revoked token: %v", err)
		}
		// An account provisioned without a password cannot log in.
		if _, err := s.Provision(ctx, "viewer@example.com", "Viewer", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "viewer@example.com", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("passwordless login: %v", err)
		}
	})
}

func TestFollowersCountWithFollowGraph(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		var fans []id.ID
		for i := 0; i < 5; i++ {
			a, err := s.Provision(ctx, "fan"+string(rune('a'+i))+"@example.com", "Fan", "")
			if err != nil {
				t.Fatal(err)
			}
			fans = append(fans, a.ID)
		}
		creator := id.ID(4242)
		if err := s.FollowMany(ctx, fans, FollowCreator, creator); err != nil {
			t.Fatal(err)
		}
		if err := s.FollowMany(ctx, fans[:2], FollowCreator, creator); err != nil { // repeats count once
			t.Fatal(err)
		}
		one := auth.Actor{AccountID: fans[0]}
		if err := s.Unfollow(ctx, one, FollowCreator, creator); err != nil {
			t.Fatal(err)
		}
		if err := s.Unfollow(ctx, one, FollowCreator, creator); err != nil {
			t.Fatal(err)
		}
		n, err := s.Followers(ctx, FollowCreator, creator)
		if err != nil || n != 4 {
			t.Fatalf("followers %d, %v; want 4", n, err)
		}
		if n, _ := s.Followers(ctx, FollowShop, creator); n != 0 {
			t.Fatalf("shop followers %d", n)
		}
		if err := s.Follow(ctx, auth.Actor{}, FollowCreator, creator); !errors.Is(err, errs.ErrUnauthenticated) {
			t.Fatalf("anonymous follow: %v", err)
		}
		if err := s.FollowMany(ctx, fans, "planet", creator); !errors.Is(err, ErrCannotFollowKind) {
			t.Fatalf("bad kind: %v", err)
		}
	})
}

func TestAuthenticateMiddlewareAndCSRF(t *testing.T) {
	d := dbtest.SQLite(t)
	s := newService(d)
	ctx := context.Background()
	if _, err := s.Register(ctx, RegisterInput{Email: "b@example.com", Password: "correct horse", DisplayName: "B"}); err != nil {
		t.Fatal(err)
	}
	sess, _, _ := s.Login(ctx, "b@example.com", "correct horse")
	tok, _ := s.IssueToken(ctx, "b@example.com", "correct horse", "")
	h := s.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.From(r.Context()).Anonymous() {
			w.Write([]byte("anonymous"))
			return
		}
		w.Write([]byte("B"))
	}))
	do := func(method, cookie, bearer, csrfHeader string, form url.Values) (int, string) {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		r := httptest.NewRequest(method, "/", body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
		}
		if bearer != "" {
			r.Header.Set("Authorization", "Bearer "+bearer)
		}
		if csrfHeader != "" {
			r.Header.Set(CSRFHeader, csrfHeader)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	tests := []struct {
		name           string
		method, cookie string
		bearer, csrf   string
		form           url.Values
		wantCode       int
		wantBody       string
	}{
		{"anonymous get", "GET", "", "", "", nil, 200, "anonymous"},
		{"session get", "GET", sess.Token, "", "", nil, 200, "B"},
		{"session post without csrf", "POST", sess.Token, "", "", nil, 403, "csrf_failed"},
		{"session post with wrong csrf", "POST", sess.Token, "", "nope", nil, 403, "csrf_failed"},
		{"session post with csrf header", "POST", sess.Token, "", sess.CSRF, nil, 200, "B"},
		{"session form post with csrf field", "POST", sess.Token, "", "", url.Values{"csrf_token": {sess.CSRF}}, 200, "B"},
		{"bearer post needs no csrf", "POST", "", tok.Token, "", nil, 200, "B"},
		{"bad bearer is refused", "GET", "", "lst_forged", "", nil, 401, "bad_credentials"},
		{"stale cookie is anonymous", "GET", "lss_gone", "", "", nil, 200, "anonymous"},
	}
	for _, tt := range tests {
		code, body := do(tt.method, tt.cookie, tt.bearer, tt.csrf, tt.form)
		if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s: %d %q, want %d containing %q", tt.name, code, body, tt.wantCode, tt.wantBody)
		}
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := hashPassword("correct horse")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q %v", h, err)
	}
	if ok, err := checkPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := checkPassword("correct horsE", h); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := checkPassword("x", "$bcrypt$garbage"); err == nil {
		t.Fatal("malformed hash accepted")
	}
}

// clock is a settable time for the actor cache's tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestActorCacheEndsCredentialsAtOnceHereAndWithinTheTTLElsewhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Now()}
		// Two nodes sharing one database, each with its own cache.
		here, there := newService(d), newService(d)
		here.now, there.now = clk.now, clk.now
		here.SetActorCacheTTL(5 * time.Second)
		there.SetActorCacheTTL(5 * time.Second)
		a, err := here.Register(ctx, RegisterInput{Email: "buyer@example.com", Password: "correct horse", DisplayName: "Bea"})
		if err != nil {
			t.Fatal(err)
		}
		resolves := func(s *Service, table, token string) bool {
			t.Helper()
			var err error
			if table == "sessions" {
				_, err = s.SessionActor(ctx, token)
			} else {
				_, err = s.TokenActor(ctx, token)
			}
			if err != nil && !errors.Is(err, ErrBadCredentials) {
				t.Fatal(err)
			}
			return err == nil
		}

		// A token revoked on this node is refused at once; the other node, which
		// resolved it a moment ago, accepts it until its TTL has passed, no longer.
		tok, err := here.IssueToken(ctx, "buyer@example.com", "correct horse", "app")
		if err != nil {
			t.Fatal(err)
		}
		if !resolves(here, "api_tokens", tok.Token) || !resolves(there, "api_tokens", tok.Token) {
			t.Fatal("a fresh token is refused")
		}
		if err := here.RevokeToken(ctx, a.Actor(), tok.ID); err != nil {
			t.Fatal(err)
		}
		if resolves(here, "api_tokens", tok.Token) {
			t.Fatal("a token revoked on this node still works here")
		}
		clk.t = clk.t.Add(4 * time.Second)
		if !resolves(there, "api_tokens", tok.Token) {
			t.Fatal("the other node re-read a token it resolved 4 s ago: the cache is not used")
		}
		clk.t = clk.t.Add(time.Second)
		if resolves(there, "api_tokens", tok.Token) {
			t.Fatal("a revoked token still works on another node once the TTL has passed")
		}

		// The same for a session ended by logging out.
		sess, _, err := here.Login(ctx, "buyer@example.com", "correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if !resolves(here, "sessions", sess.Token) || !resolves(there, "sessions", sess.Token) {
			t.Fatal("a fresh session is refused")
		}
		if err := here.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		if resolves(here, "sessions", sess.Token) {
			t.Fatal("a session logged out on this node still works here")
		}
		clk.t = clk.t.Add(5 * time.Second)
		if resolves(there, "sessions", sess.Token) {
			t.Fatal("a logged-out session still works on another node once the TTL has passed")
		}

		// A credential that expires sooner than the TTL is not served past its expiry.
		tok, err = here.IssueToken(ctx, "buyer@example.com", "correct horse", "short")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE api_tokens SET expires_at = $1 WHERE id = $2`, db.Micros(clk.t.Add(time.Second)), tok.ID); err != nil {
			t.Fatal(err)
		}
		if !resolves(here, "api_tokens", tok.Token) {
			t.Fatal("a token with a second to live is refused")
		}
		clk.t = clk.t.Add(time.Second)
		if resolves(here, "api_tokens", tok.Token) {
			t.Fatal("an expired token is served from the cache")
		}

		// A role added on this node counts from the next request.
		tok, err = here.IssueToken(ctx, "buyer@example.com", "correct horse", "seller app")
		if err != nil {
			t.Fatal(err)
		}
		if actor, err := here.TokenActor(ctx, tok.Token); err != nil || actor.Has(auth.Seller) {
			t.Fatalf("before: %+v %v", actor, err)
		}
		if err := here.AddRole(ctx, a.Actor(), auth.Seller); err != nil {
			t.Fatal(err)
		}
		if actor, err := here.TokenActor(ctx, tok.Token); err != nil || !actor.Has(auth.Seller) {
			t.Fatalf("the new role is not seen at once: %+v %v", actor, err)
		}

		// With a TTL of 0 every request reads the database.
		here.SetActorCacheTTL(0)
		if !resolves(here, "api_tokens", tok.Token) {
			t.Fatal("uncached token refused")
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1`, tok.ID); err != nil {
			t.Fatal(err)
		}
		if resolves(here, "api_tokens", tok.Token) {
			t.Fatal("a deleted token still works with the cache off")
		}
	})
}

// BenchmarkTokenActor is what resolving a bearer token costs a request: "cached" is a
// client's second request within the TTL, "uncached" every request with the cache off
// (and a client's first).
func BenchmarkTokenActor(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", DefaultActorCacheTTL}, {"uncached", 0}} {
		b.Run(tt.name, func(b *testing.B) {
			s := newService(d)
			s.SetActorCacheTTL(tt.ttl)
			a, err := s.Provision(ctx, "bench-"+id.New().String()+"@example.com", "Bench", "")
			if err != nil {
				b.Fatal(err)
			}
			tok, err := s.IssueTokenFor(ctx, a.ID, "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.TokenActor(ctx, tok.Token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
