package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Envelope is the shape of every Partner API response, success or not.
type Envelope struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Data      any    `json:"data"`
}

// Error codes. TikTok Shop answers with numeric codes; integrators switch on them.
// Codes marked "TikTok" are the ones TikTok Shop returns for the same fault (seen in
// its responses); the others are liveshop's, numbered in TikTok's families (1050xx
// token and permission, 1060xx request signing, 3600400x token endpoint, 360090xx
// request handling) and listed in docs/OPENAPI.md.
const (
	CodeOK = 0

	CodeTokenInvalid    = 105001 // access token unknown, malformed or another app's
	CodeTokenExpired    = 105002 // TikTok: "access token is expired, please refresh it"
	CodeTokenRevoked    = 105003 // the seller deauthorized the app
	CodeScopeMissing    = 105005 // the app lacks the scope the endpoint needs
	CodeShopUnavailable = 105006 // shop_cipher missing, unknown, or not authorized for this token

	CodeSignInvalid      = 106001 // TikTok: "Invalid credentials. The 'sign' query parameter is invalid."
	CodeAppKeyInvalid    = 106002 // app_key missing or unknown
	CodeTimestampInvalid = 106003 // timestamp missing or outside the five-minute window
	CodeReplayed         = 106004 // this signed request was already used

	CodeRefreshExpired   = 36004001 // TikTok: "rt has expired"
	CodeAppCredentials   = 36004002 // app_key and app_secret do not match
	CodeGrantType        = 36004003 // grant_type not supported
	CodeAuthCodeInvalid  = 36004004 // auth code expired or already used
	CodeAuthRecordAbsent = 36004005 // TikTok: "can not find related auth record"

	CodeUnavailable     = 36009002 // a dependency is down; retry later
	CodeInternal        = 36009003 // our fault; report the request_id
	CodeInvalidParam    = 36009004 // a parameter or body field is missing or wrong
	CodeNotFound        = 36009005 // the resource does not exist for this shop
	CodeConflict        = 36009006 // the resource's state does not allow this
	CodeBodyTooLarge    = 36009007 // the body exceeds 1 MiB
	CodeRateLimited     = 36009008 // the app exceeded its calls per second
	CodeUnknownEndpoint = 36009009 // no such path or version
	CodeForbidden       = 36009010 // the seller may not do this
)

// apiError is a refusal in the envelope's terms.
type apiError struct {
	Status  int
	Code    int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

func fail(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid is a refusal of one input field, named by its path in the request.
func invalid(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeInvalidParam, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// toAPIError maps any error to the envelope: refusals of ours as they are, domain
// errors by kind (with the field at fault in the message), anything else as internal.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	pub := httpx.Public(err)
	msg := pub.Message
	if pub.Field != "" {
		msg = pub.Field + ": " + msg
	}
	status := httpx.Status(pub.Kind)
	switch pub.Kind {
	case errs.Invalid:
		return &apiError{status, CodeInvalidParam, msg}
	case errs.NotFound:
		return &apiError{status, CodeNotFound, msg}
	case errs.Forbidden:
		return &apiError{status, CodeForbidden, msg}
	case errs.Conflict, errs.Rule, errs.PaymentFailed:
		return &apiError{status, CodeConflict, msg}
	case errs.TooLarge:
		return &apiError{status, CodeBodyTooLarge, msg}
	case errs.TooMany:
		return &apiError{status, CodeRateLimited, msg}
	case errs.Unavailable:
		return &apiError{status, CodeUnavailable, msg}
	case errs.Unauthenticated:
		return &apiError{status, CodeTokenInvalid, msg}
	}
	return &apiError{http.StatusInternalServerError, CodeInternal, "internal error; report the request_id if it persists"}
}

// writeEnvelope answers with data, or with err's code and message and no data.
func writeEnvelope(w http.ResponseWriter, r *http.Request, data any, err error) (status, code int, message string) {
	env := Envelope{Code: CodeOK, Message: "Success", RequestID: httpx.RequestID(r.Context()), Data: data}
	status = http.StatusOK
	if err != nil {
		ae := toAPIError(err)
		if ae.Code == CodeInternal {
			httpx.Logger(r.Context()).Error("partner api call failed", "path", r.URL.Path, "err", err)
		}
		env.Code, env.Message, env.Data, status = ae.Code, ae.Message, nil, ae.Status
	}
	if env.Data == nil && err == nil {
		env.Data = struct{}{}
	}
	// Encoded into a pooled buffer and written once with its length: no chunked
	// encoding and no garbage per call.
	buf := envelopeBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			envelopeBufs.Put(buf)
		}
	}()
	if encErr := json.NewEncoder(buf).Encode(env); encErr != nil {
		httpx.Logger(r.Context()).Error("partner api: encode answer", "path", r.URL.Path, "err", encErr)
		buf.Reset()
		env = Envelope{Code: CodeInternal, Message: "internal error; report the request_id if it persists", RequestID: env.RequestID}
		status = http.StatusInternalServerError
		_ = json.NewEncoder(buf).Encode(env)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return status, env.Code, env.Message
}

var envelopeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxBody bounds a request body; TikTok's JSON endpoints take far less.
const maxBody = 1 << 20

// decodeBody reads a JSON object into dst. Fields the endpoint does not use are
// ignored, since integrators send TikTok's full shapes; wrong types, broken JSON and
// trailing data are refused naming the field. An empty body is an empty object.
func decodeBody(body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "body"
			}
			return invalid(field, "must be a %s, not a JSON %s", jsonType(typ.Type.Kind().String()), typ.Value)
		case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
			return invalid("body", "not valid JSON: %v", err)
		default:
			return invalid("body", "%v", err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("body", "the body must hold a single JSON object")
	}
	return nil
}

func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case kind == "slice", kind == "array":
		return "list"
	default:
		return "object"
	}
}

// renameField answers a domain refusal naming the API's field for the domain's: a
// service names its own inputs (commission_bp), the caller sent TikTok's
// (commission_rate). rename gets the domain's field and returns the API's, or "" to
// keep it. Refusals of ours and errors without a field pass through.
func renameField(err error, rename func(field string) string) error {
	var ae *apiError
	if err == nil || errors.As(err, &ae) {
		return err
	}
	pub := httpx.Public(err)
	if pub.Field == "" {
		return err
	}
	out := toAPIError(err)
	if name := rename(pub.Field); name != "" {
		out.Message = name + ": " + pub.Message
	}
	return out
}
