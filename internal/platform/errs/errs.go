// Package errs defines the kinds of error every liveshop domain returns, so that one
// place (httpx) can turn any error into an HTTP status and a stable code without
// knowing which domain raised it.
//
// Domains declare sentinel errors with New and return them wrapped (fmt.Errorf with
// %w) or specialised with With; callers test them with errors.Is.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller should do about it.
type Kind uint8

const (
	// Internal is a fault of ours; the caller can only retry or report it.
	Internal Kind = iota
	// Invalid means the request itself is malformed: fix the input.
	Invalid
	// Unauthenticated means the caller must log in or present a valid token.
	Unauthenticated
	// Forbidden means the caller is known but may not do this.
	Forbidden
	// NotFound means the named thing does not exist (or is not visible to the caller).
	NotFound
	// Conflict means the request collides with the current state (a duplicate,
	// a stale version, stock that is gone).
	Conflict
	// Rule means the request is well formed but a business rule refuses it
	// (a follower threshold, a closed market, a daily cap).
	Rule
	// PaymentFailed means the payment provider declined or could not complete a payment.
	PaymentFailed
	// TooMany means the caller is being rate limited.
	TooMany
	// Unavailable means a dependency is down; retrying later may succeed.
	Unavailable
	// TooLarge means the request body exceeds what the endpoint accepts.
	TooLarge
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found", "conflict", "rule", "payment_failed", "too_many", "unavailable", "too_large"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is a classified error with a stable machine-readable code, a message a
// person can act on, and optionally the input field at fault.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case; clients switch on it
	Message string // says what happened and, where possible, what to do next
	Field   string // the input field at fault, if any, in the request's own naming
	cause   error
}

// New declares an error. It is meant for package-level sentinels.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap exposes the cause given to Wrap.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same kind and code, so a
// specialised copy (With, OnField, Wrap) still matches its sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code
}

// With returns a copy of e whose message is formatted from the arguments. Use it to
// put the figures of a refusal into the message ("you have 12 followers; US needs 1,000").
func (e *Error) With(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// OnField returns a copy of e naming the input field at fault.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// Wrap returns a copy of e that carries cause for logs; the cause is never shown to clients.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Invalidf builds an Invalid error about one input field with the generic code
// "invalid_field". Prefer a declared sentinel when clients need to tell cases apart.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: "invalid_field", Message: fmt.Sprintf(format, args...), Field: field}
}

// As returns the *Error in err's chain, or nil if there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the kind of err, Internal if it carries none.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}

// Common errors shared by every domain.
var (
	ErrUnauthenticated = New(Unauthenticated, "unauthenticated", "log in or present a valid token")
	ErrForbidden       = New(Forbidden, "forbidden", "you may not do this")
	ErrNotFound        = New(NotFound, "not_found", "not found")
)

// OnField names the input field a refusal is about, keeping its kind, code and
// message: a service passing on another domain's refusal ("no such SKU") says which of
// its own inputs it concerns ("lines[2].sku_id"). Internal errors pass through
// unchanged, since no field of the caller's is at fault.
func OnField(err error, field string) error {
	if e := As(err); e != nil && e.Kind != Internal {
		return e.OnField(field)
	}
	return err
}
