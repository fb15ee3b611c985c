// Package auth defines who is acting: the Actor every service method receives and
// checks. identity produces actors from sessions and tokens; every domain decides
// what an actor may do with its own resources.
package auth

import (
	"context"
	"slices"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Role is what an account may act as.
type Role string

// The roles of the platform.
const (
	Shopper  Role = "shopper"
	Seller   Role = "seller"
	Creator  Role = "creator"
	Operator Role = "operator"
)

// AllRoles lists every role, in display order.
var AllRoles = []Role{Shopper, Seller, Creator, Operator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Actor is an authenticated account acting through a session or a token. The zero
// Actor is anonymous.
type Actor struct {
	AccountID id.ID
	Name      string
	Roles     []Role
	// CSRF is the session's anti-forgery token, empty for bearer tokens (which a
	// browser never sends on its own, so they need none).
	CSRF string
}

// Anonymous reports whether no one is logged in.
func (a Actor) Anonymous() bool { return a.AccountID == 0 }

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Require returns ErrUnauthenticated for an anonymous actor and ErrForbidden for one
// without role r.
func (a Actor) Require(r Role) error {
	if a.Anonymous() {
		return errs.ErrUnauthenticated
	}
	if !a.Has(r) {
		return errs.ErrForbidden.With("this needs the %s role", r)
	}
	return nil
}

// RequireLogin returns ErrUnauthenticated for an anonymous actor.
func (a Actor) RequireLogin() error {
	if a.Anonymous() {
		return errs.ErrUnauthenticated
	}
	return nil
}

type ctxKey struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context { return context.WithValue(ctx, ctxKey{}, a) }

// From returns the actor in ctx, anonymous if there is none.
func From(ctx context.Context) Actor {
	a, _ := ctx.Value(ctxKey{}).(Actor)
	return a
}
