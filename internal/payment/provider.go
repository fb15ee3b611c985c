// Package payment takes buyers' money through a payment provider and records every
// payment, refund and provider event. Providers sit behind a small interface: the
// built-in sandbox behaves like a card processor without any network; a Stripe
// provider, written with the official stripe-go library, talks to Stripe (or to
// stripe-mock in tests).
package payment

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Provider moves money with an external processor.
type Provider interface {
	// Name identifies the provider in stored payments ("sandbox", "stripe").
	Name() string
	// CheckMethod says whether a payment method token is one the provider could
	// charge, without charging it, so bad input is refused before anything is recorded.
	CheckMethod(method string) error
	// Authorize holds amount on the buyer's payment method and returns the provider's
	// reference for the payment. A refusal is ErrDeclined. When the buyer's bank wants
	// the buyer to confirm (3-D Secure), it returns the reference with
	// ErrActionRequired; the provider later reports the outcome by webhook. Calls with
	// the same key are the same payment.
	Authorize(ctx context.Context, req AuthorizeRequest) (ref string, err error)
	// Capture takes the held amount.
	Capture(ctx context.Context, ref string, amount money.Money) error
	// Refund returns amount of a captured payment to the buyer; the same key is the
	// same refund. It returns the refund's reference.
	Refund(ctx context.Context, ref string, amount money.Money, key string) (string, error)
	// NextAction is where the buyer confirms a payment that needs it.
	NextAction(ref string) string
	// Webhook verifies a webhook's signature and freshness and reads the event. A
	// failed check is ErrWebhookSignature or ErrWebhookStale.
	Webhook(payload []byte, header http.Header, now time.Time) (Event, error)
}

// AuthorizeRequest is a request to hold money.
type AuthorizeRequest struct {
	Amount         money.Money
	Method         string // a payment method token from the buyer's client
	IdempotencyKey string
	Description    string
}

// Event types a provider reports.
const (
	EventSucceeded = "payment.succeeded"
	EventFailed    = "payment.failed"
)

// Event is a provider's report about a payment.
type Event struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	ProviderRef string `json:"provider_ref"`
}

// Errors of payments.
var (
	ErrDeclined         = errs.New(errs.PaymentFailed, "payment_declined", "the card was declined; try another payment method")
	ErrActionRequired   = errs.New(errs.PaymentFailed, "payment_action_required", "the bank asks the buyer to confirm this payment; confirm it or use another payment method")
	ErrUnknownMethod    = errs.New(errs.Invalid, "unknown_payment_method", "unknown payment method").OnField("payment_method")
	ErrWebhookSignature = errs.New(errs.Unauthenticated, "webhook_signature_invalid", "the webhook signature does not verify")
	ErrWebhookStale     = errs.New(errs.Unauthenticated, "webhook_timestamp_stale", "the webhook is older than five minutes; replays are refused")
	ErrPaymentNotFound  = errs.New(errs.NotFound, "payment_not_found", "no such payment")
	ErrRefundTooLarge   = errs.New(errs.Rule, "refund_exceeds_payment", "the refund is more than what remains of the payment")
)

// WebhookTolerance is how old a signed webhook may be.
const WebhookTolerance = 5 * time.Minute

// Sandbox is a provider for development, tests and the demo. It answers by the method
// token, using Stripe's test payment method names so the same tokens work against
// either provider:
//
//	pm_card_visa, pm_card_mastercard   succeed
//	pm_card_chargeDeclined             declined (card_declined)
//	pm_card_insufficientFunds          declined (insufficient_funds)
//	pm_card_authenticationRequired     needs the buyer to confirm (3-D Secure); the
//	                                   sandbox's confirmation page then sends a signed webhook
//
// Its webhooks are signed like Stripe's: a header "t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">" under Secret.
type Sandbox struct {
	Secret []byte
}

// SandboxMethods lists the tokens the sandbox knows, for pages and docs.
var SandboxMethods = []string{"pm_card_visa", "pm_card_mastercard", "pm_card_chargeDeclined", "pm_card_insufficientFunds", "pm_card_authenticationRequired"}

// SandboxSignatureHeader carries the sandbox's webhook signature.
const SandboxSignatureHeader = "Liveshop-Sandbox-Signature"

// Name implements Provider.
func (Sandbox) Name() string { return "sandbox" }

// CheckMethod implements Provider.
func (Sandbox) CheckMethod(method string) error {
	for _, m := range SandboxMethods {
		if m == method {
			return nil
		}
	}
	return ErrUnknownMethod.With("unknown payment method %q; the sandbox accepts %s", method, strings.Join(SandboxMethods, ", "))
}

// Authorize implements Provider.
func (s Sandbox) Authorize(_ context.Context, req AuthorizeRequest) (string, error) {
	if err := s.CheckMethod(req.Method); err != nil {
		return "", err
	}
	switch req.Method {
	case "pm_card_chargeDeclined":
		return "", ErrDeclined.Wrap(errs.New(errs.PaymentFailed, "card_declined", "card_declined"))
	case "pm_card_insufficientFunds":
		return "", ErrDeclined.With("the card has insufficient funds; try another payment method")
	case "pm_card_authenticationRequired":
		return "sbx_pi_" + randomHex(12), ErrActionRequired
	}
	return "sbx_pi_" + randomHex(12), nil
}

// Capture implements Provider.
func (Sandbox) Capture(_ context.Context, ref string, _ money.Money) error {
	if !strings.HasPrefix(ref, "sbx_pi_") {
		return errs.New(errs.Invalid, "unknown_authorization", "no such sandbox payment")
	}
	return nil
}

// Refund implements Provider.
func (Sandbox) Refund(_ context.Context, ref string, _ money.Money, key string) (string, error) {
	if !strings.HasPrefix(ref, "sbx_pi_") {
		return "", errs.New(errs.Invalid, "unknown_payment", "no such sandbox payment")
	}
	h := sha256.Sum256([]byte(ref + "/" + key)) // the same key is the same refund
	return "sbx_re_" + hex.EncodeToString(h[:12]), nil
}

// NextAction implements Provider: the sandbox's own confirmation page.
func (Sandbox) NextAction(ref string) string { return "/payments/sandbox/" + ref }

// Sign signs a webhook body as the sandbox does, for its confirmation page and tests.
func (s Sandbox) Sign(body []byte, at time.Time) string {
	t := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, s.Secret)
	mac.Write([]byte(t + "." + string(body)))
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// NewEvent builds a signed sandbox webhook about a payment.
func (s Sandbox) NewEvent(typ, ref string, at time.Time) (body []byte, header http.Header) {
	body, _ = json.Marshal(Event{ID: "evt_" + randomHex(12), Type: typ, ProviderRef: ref})
	header = http.Header{}
	header.Set(SandboxSignatureHeader, s.Sign(body, at))
	return body, header
}

// Webhook implements Provider.
func (s Sandbox) Webhook(payload []byte, header http.Header, now time.Time) (Event, error) {
	var t, v1 string
	for _, part := range strings.Split(header.Get(SandboxSignatureHeader), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v1 == "" {
		return Event{}, ErrWebhookSignature
	}
	mac := hmac.New(sha256.New, s.Secret)
	mac.Write([]byte(t + "." + string(payload)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(v1)) {
		return Event{}, ErrWebhookSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return Event{}, ErrWebhookStale
	}
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil || ev.ID == "" || ev.ProviderRef == "" {
		return Event{}, errs.New(errs.Invalid, "webhook_malformed", fmt.Sprintf("the webhook body is not a sandbox event: %v", err))
	}
	return ev, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
