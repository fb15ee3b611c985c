// Package identity owns accounts, their roles, how they prove who they are (password
// sessions for pages, bearer tokens for JSON APIs) and the follow graph that creators'
// and shops' follower counts come from.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Account is a person's account.
type Account struct {
	ID          id.ID       `json:"id"`
	Email       string      `json:"email"`
	DisplayName string      `json:"display_name"`
	Roles       []auth.Role `json:"roles"`
	CreatedAt   time.Time   `json:"created_at"`
	canLogin    bool
}

// Actor returns the account as an acting principal.
func (a Account) Actor() auth.Actor {
	return auth.Actor{AccountID: a.ID, Name: a.DisplayName, Roles: a.Roles}
}

// Session is a logged-in browser session. Token goes in an HttpOnly cookie; CSRF must
// accompany every state-changing request made with that cookie.
type Session struct {
	Token     string
	CSRF      string
	ExpiresAt time.Time
}

// APIToken is a bearer token for the JSON API. Its secret is shown once, on creation.
type APIToken struct {
	ID        id.ID     `json:"id"`
	Name      string    `json:"name"`
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// FollowKind is what can be followed.
type FollowKind string

// Followable kinds.
const (
	FollowCreator FollowKind = "creator"
	FollowShop    FollowKind = "shop"
)

// Errors of the identity domain.
var (
	ErrEmailTaken       = errs.New(errs.Conflict, "email_taken", "an account with this email already exists; log in instead").OnField("email")
	ErrBadCredentials   = errs.New(errs.Unauthenticated, "bad_credentials", "wrong email or password")
	ErrAccountNotFound  = errs.New(errs.NotFound, "account_not_found", "no such account")
	ErrRoleNotAllowed   = errs.New(errs.Forbidden, "role_not_allowed", "you cannot give yourself this role").OnField("roles")
	ErrUnknownRole      = errs.New(errs.Invalid, "unknown_role", "roles are shopper, seller, creator and operator").OnField("roles")
	ErrCannotFollowKind = errs.New(errs.Invalid, "invalid_follow_kind", "only creators and shops can be followed")
	ErrCSRF             = errs.New(errs.Forbidden, "csrf_failed", "this form has expired or came from another site; reload the page and try again")
)

const (
	sessionTTL  = 14 * 24 * time.Hour
	apiTokenTTL = 90 * 24 * time.Hour
)

// Prefixes make leaked secrets recognisable to secret scanners and to people.
const (
	sessionPrefix = "lss_"
	tokenPrefix   = "lst_"
)

func newSecret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how secrets are stored: a database leak does not leak live sessions.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func normaliseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.IndexByte(s, '@'):], ".") {
		return "", errs.Invalidf("email", "enter an email address like name@example.com")
	}
	return s, nil
}

func checkDisplayName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n < 1 || n > 60 {
		return "", errs.Invalidf("display_name", "a display name is 1-60 characters")
	}
	return s, nil
}

func checkPasswordRules(p string) error {
	if n := utf8.RuneCountInString(p); n < 8 || n > 128 {
		return errs.Invalidf("password", "a password is 8-128 characters; a long phrase is easiest to remember")
	}
	return nil
}
