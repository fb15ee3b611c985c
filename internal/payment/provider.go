// Package payment takes buyers' money through a payment provider and records every
// payment. Providers sit behind a small interface; liveshop ships a sandbox provider
// that behaves like a card processor without touching any network (a Stripe provider
// joins it with the orders work).
package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

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
	// reference for the hold. A refusal is ErrDeclined; a bank asking the buyer to
	// confirm is ErrActionRequired. Calls with the same key are the same hold.
	Authorize(ctx context.Context, req AuthorizeRequest) (ref string, err error)
	// Capture takes the held amount.
	Capture(ctx context.Context, ref string, amount money.Money) error
	// Refund returns amount of a captured payment to the buyer and returns the refund's reference.
	Refund(ctx context.Context, ref string, amount money.Money, key string) (string, error)
}

// AuthorizeRequest is a request to hold money.
type AuthorizeRequest struct {
	Amount         money.Money
	Method         string // a payment method token from the buyer's client
	IdempotencyKey string
	Description    string
}

// Errors of payments.
var (
	ErrDeclined       = errs.New(errs.PaymentFailed, "payment_declined", "the card was declined; try another payment method")
	ErrActionRequired = errs.New(errs.PaymentFailed, "payment_action_required", "the bank asks the buyer to confirm this payment; confirm it or use another payment method")
	ErrUnknownMethod  = errs.New(errs.Invalid, "unknown_payment_method", "unknown payment method").OnField("payment_method")
)

// Sandbox is a provider for development, tests and the demo. It answers by the method
// token, using Stripe's test payment method names so the same tokens work against
// either provider:
//
//	pm_card_visa, pm_card_mastercard   succeed
//	pm_card_chargeDeclined             declined (card_declined)
//	pm_card_insufficientFunds          declined (insufficient_funds)
//	pm_card_authenticationRequired     needs the buyer to confirm (3-D Secure)
type Sandbox struct{}

// SandboxMethods lists the tokens the sandbox knows, for pages and docs.
var SandboxMethods = []string{"pm_card_visa", "pm_card_mastercard", "pm_card_chargeDeclined", "pm_card_insufficientFunds", "pm_card_authenticationRequired"}

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
func (Sandbox) Authorize(_ context.Context, req AuthorizeRequest) (string, error) {
	switch req.Method {
	case "pm_card_visa", "pm_card_mastercard":
		return "sbx_" + randomHex(12), nil
	case "pm_card_chargeDeclined":
		return "", ErrDeclined.Wrap(errs.New(errs.PaymentFailed, "card_declined", "card_declined"))
	case "pm_card_insufficientFunds":
		return "", ErrDeclined.With("the card has insufficient funds; try another payment method")
	case "pm_card_authenticationRequired":
		return "", ErrActionRequired
	default:
		return "", ErrUnknownMethod.With("unknown payment method %q; the sandbox accepts %s", req.Method, strings.Join(SandboxMethods, ", "))
	}
}

// Capture implements Provider.
func (Sandbox) Capture(_ context.Context, ref string, _ money.Money) error {
	if !strings.HasPrefix(ref, "sbx_") {
		return errs.New(errs.Invalid, "unknown_authorization", "no such sandbox authorization")
	}
	return nil
}

// Refund implements Provider.
func (Sandbox) Refund(_ context.Context, ref string, _ money.Money, _ string) (string, error) {
	if !strings.HasPrefix(ref, "sbx_") {
		return "", errs.New(errs.Invalid, "unknown_payment", "no such sandbox payment")
	}
	return "sbx_re_" + randomHex(12), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
