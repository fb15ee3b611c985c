package identity

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// SessionCookie names the browser session cookie.
const SessionCookie = "liveshop_session"

// CSRFHeader carries the session's CSRF token on script-made requests; forms send it
// as the csrf_token field.
const CSRFHeader = "X-CSRF-Token"

// Routes registers the identity JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/accounts", s.handleRegister)
	mux.HandleFunc("POST /api/v1/auth/tokens", s.handleIssueToken)
	mux.HandleFunc("DELETE /api/v1/auth/tokens/{id}", s.handleRevokeToken)
	mux.HandleFunc("GET /api/v1/me", s.handleMe)
	mux.HandleFunc("GET /api/v1/me/notifications", s.handleInbox)
	mux.HandleFunc("POST /api/v1/me/notifications/read", s.handleMarkRead)
	mux.HandleFunc("POST /api/v1/me/roles", s.handleAddRole)
}

func (s *Service) handleRegister(w http.ResponseWriter, r *http.Request) {
	var in RegisterInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	a, err := s.Register(r.Context(), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
}

func (s *Service) handleIssueToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	t, err := s.IssueToken(r.Context(), in.Email, in.Password, in.Name)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
}

func (s *Service) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	tid, err := httpx.PathID(r, "id")
	if err == nil {
		err = s.RevokeToken(r.Context(), auth.From(r.Context()), tid)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	actor := auth.From(r.Context())
	if err := actor.RequireLogin(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	a, err := s.Account(r.Context(), actor.AccountID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleAddRole(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role auth.Role `json:"role"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := s.AddRole(r.Context(), auth.From(r.Context()), in.Role); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.handleMe(w, r)
}

// Authenticate resolves the request's credentials to an actor in its context: a
// bearer token (JSON API clients) or the session cookie (browsers). A bad bearer token
// is refused outright; a bad or expired cookie leaves the request anonymous. Requests
// that change state with a cookie must carry the session's CSRF token.
func (s *Service) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				httpx.WriteError(w, r, ErrBadCredentials.With("use Authorization: Bearer <token>"))
				return
			}
			actor, err := s.TokenActor(ctx, strings.TrimSpace(token))
			if err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.With(ctx, actor)))
			return
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		actor, err := s.SessionActor(ctx, c.Value)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				httpx.WriteError(w, r, err)
				return
			}
			s.ClearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		if !safeMethod(r.Method) && !csrfOK(r, actor.CSRF) {
			httpx.WriteError(w, r, ErrCSRF)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.With(ctx, actor)))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		ct := r.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
			r.Body = http.MaxBytesReader(nil, r.Body, 32<<20)
			got = r.PostFormValue("csrf_token")
		}
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// SetSessionCookie hands a new session to the browser.
func (s *Service) SetSessionCookie(w http.ResponseWriter, sess Session) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// ClearSessionCookie removes the session cookie from the browser.
func (s *Service) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}
