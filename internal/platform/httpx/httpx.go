// Package httpx holds liveshop's HTTP plumbing: strict JSON decoding, the one mapping
// from error kinds to statuses and stable codes, and the middleware every request
// passes through (request id, panic recovery, access log, metrics).
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// MaxBody is the largest JSON body an endpoint reads unless it says otherwise.
const MaxBody = 1 << 20

// ErrorBody is the shape of every JSON error response.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Decode reads exactly one JSON object from the body into dst, refusing unknown
// fields, trailing data and bodies over MaxBody. Its errors name the field at fault.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errMalformed.With("the body must hold a single JSON object")
	}
	return nil
}

var (
	errMalformed   = errs.New(errs.Invalid, "malformed_json", "the body is not valid JSON")
	errUnknown     = errs.New(errs.Invalid, "unknown_field", "unknown field")
	errWrongType   = errs.New(errs.Invalid, "invalid_field", "wrong type")
	errBodyTooBig  = errs.New(errs.TooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", MaxBody))
	errInternal    = errs.New(errs.Internal, "internal", "something went wrong on our side; try again, and report the request id if it persists")
	errNoSuchRoute = errs.New(errs.NotFound, "not_found", "no such endpoint")
)

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return errBodyTooBig
	case errors.Is(err, io.EOF):
		return errMalformed.With("the body is empty; send a JSON object")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return errMalformed.With("the body is not valid JSON: %v", err)
	case errors.As(err, &typ):
		return errWrongType.With("must be a %s, not a JSON %s", typeName(typ.Type.String()), typ.Value).OnField(typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errUnknown.With("unknown field %q", f).OnField(f)
	default:
		// Errors from a field's own UnmarshalJSON (an id that is not a number, say).
		return errMalformed.With("%v", err)
	}
}

func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), t == "id.ID", t == "money.BP":
		return "whole number"
	case t == "string":
		return "string"
	case t == "bool":
		return "boolean"
	case strings.HasPrefix(t, "[]"):
		return "list"
	default:
		return "object"
	}
}

// WriteJSON writes v as the JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Status maps an error kind to its HTTP status.
func Status(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Rule:
		return http.StatusUnprocessableEntity
	case errs.PaymentFailed:
		return http.StatusPaymentRequired
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}

// Public returns what a client may see of err: its classified form, or a generic
// internal error (the details go to the log, never to the client).
func Public(err error) *errs.Error {
	if e := errs.As(err); e != nil && e.Kind != errs.Internal {
		return e
	}
	return errInternal
}

// WriteError answers err as a JSON error body with the matching status, logging
// internal errors with the request id so a report can be traced.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	pub := Public(err)
	rid := RequestID(r.Context())
	if pub == errInternal {
		Logger(r.Context()).Error("request failed", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	if pub.Kind == errs.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="liveshop"`)
	}
	WriteJSON(w, Status(pub.Kind), ErrorBody{Code: pub.Code, Message: pub.Message, Field: pub.Field, RequestID: rid})
}

// NotFound answers a request for an endpoint that does not exist.
func NotFound(w http.ResponseWriter, r *http.Request) { WriteError(w, r, errNoSuchRoute) }

// PathID parses the named path segment as an id, with an error naming it.
func PathID(r *http.Request, name string) (id.ID, error) {
	v, err := id.Parse(r.PathValue(name))
	if err != nil {
		return 0, errs.New(errs.NotFound, "not_found", fmt.Sprintf("%s %q does not exist", name, r.PathValue(name))).OnField(name)
	}
	return v, nil
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
)

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}

// Logger returns the request-scoped logger in ctx, or the default logger.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// Limit reads the ?limit= query parameter for list endpoints: 50 by default, at most 200.
func Limit(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || n <= 0 {
		return 50
	}
	return min(n, 200)
}
