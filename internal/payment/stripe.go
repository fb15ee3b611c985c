package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Stripe takes payments through Stripe with the official stripe-go library: a
// PaymentIntent per payment, confirmed at once with the buyer's payment method and
// captured by liveshop once the order is placed (manual capture), refunds by
// PaymentIntent, and webhooks verified with Stripe's signing secret.
type Stripe struct {
	client        *stripe.Client
	webhookSecret string
	returnURL     string
}

// StripeConfig configures the Stripe provider.
type StripeConfig struct {
	SecretKey     string
	WebhookSecret string
	// APIURL overrides Stripe's API (stripe-mock in tests).
	APIURL string
	// ReturnURL is where Stripe sends a buyer back after confirming a payment.
	ReturnURL string
}

// NewStripe returns a Stripe provider.
func NewStripe(cfg StripeConfig) *Stripe {
	var opts []stripe.ClientOption
	if cfg.APIURL != "" {
		retries := int64(0)
		backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(cfg.APIURL), MaxNetworkRetries: &retries,
			HTTPClient: &http.Client{Timeout: 20 * time.Second}})
		opts = append(opts, stripe.WithBackends(backends))
	}
	return &Stripe{client: stripe.NewClient(cfg.SecretKey, opts...), webhookSecret: cfg.WebhookSecret, returnURL: cfg.ReturnURL}
}

// Name implements Provider.
func (*Stripe) Name() string { return "stripe" }

// CheckMethod implements Provider: Stripe payment method ids start pm_.
func (*Stripe) CheckMethod(method string) error {
	if !strings.HasPrefix(method, "pm_") || len(method) > 255 {
		return ErrUnknownMethod.With("give a Stripe payment method id such as pm_card_visa")
	}
	return nil
}

// Authorize implements Provider.
func (s *Stripe) Authorize(ctx context.Context, req AuthorizeRequest) (string, error) {
	params := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(req.Amount.Amount), // Stripe counts in the same minor units (zero-decimal JPY and VND included)
		Currency:           stripe.String(strings.ToLower(req.Amount.Currency)),
		PaymentMethod:      stripe.String(req.Method),
		Confirm:            stripe.Bool(true),
		CaptureMethod:      stripe.String("manual"),
		Description:        stripe.String(req.Description),
		PaymentMethodTypes: []*string{stripe.String("card")},
	}
	if s.returnURL != "" {
		params.ReturnURL = stripe.String(s.returnURL)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return "", stripeError(err)
	}
	return authorizeOutcome(pi)
}

// authorizeOutcome reads a confirmed PaymentIntent: held (or taken) is authorized, a
// bank's challenge needs the buyer, anything else did not go through.
func authorizeOutcome(pi *stripe.PaymentIntent) (string, error) {
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresCapture, stripe.PaymentIntentStatusSucceeded:
		return pi.ID, nil
	case stripe.PaymentIntentStatusRequiresAction:
		return pi.ID, ErrActionRequired
	default:
		return "", ErrDeclined.With("Stripe left the payment %s; try another payment method", pi.Status)
	}
}

// Capture implements Provider.
func (s *Stripe) Capture(ctx context.Context, ref string, amount money.Money) error {
	params := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(amount.Amount)}
	params.SetIdempotencyKey("capture-" + ref)
	_, err := s.client.V1PaymentIntents.Capture(ctx, ref, params)
	return stripeError(err)
}

// Refund implements Provider.
func (s *Stripe) Refund(ctx context.Context, ref string, amount money.Money, key string) (string, error) {
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(ref), Amount: stripe.Int64(amount.Amount)}
	params.SetIdempotencyKey("refund-" + key)
	r, err := s.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return "", stripeError(err)
	}
	return r.ID, nil
}

// NextAction implements Provider: the buyer confirms in Stripe.js with the
// PaymentIntent, which the page looks up by its id.
func (*Stripe) NextAction(ref string) string { return "stripe:" + ref }

// Webhook implements Provider, with Stripe's own verification of the
// Stripe-Signature header (and its five-minute tolerance).
func (s *Stripe) Webhook(payload []byte, header http.Header, _ time.Time) (Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, header.Get("Stripe-Signature"), s.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrTooOld):
		return Event{}, ErrWebhookStale
	case err != nil:
		return Event{}, ErrWebhookSignature.Wrap(err)
	}
	out := Event{ID: ev.ID}
	if ev.Data != nil {
		if v, ok := ev.Data.Object["id"].(string); ok {
			out.ProviderRef = v
		}
	}
	switch ev.Type {
	case "payment_intent.amount_capturable_updated", "payment_intent.succeeded":
		out.Type = EventSucceeded
	case "payment_intent.payment_failed", "payment_intent.canceled":
		out.Type = EventFailed
	default:
		out.Type = string(ev.Type)
	}
	return out, nil
}

// stripeError classifies a Stripe API error: card refusals are declines, the rest
// means Stripe could not be reached or refused the call.
func stripeError(err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		if se.Type == stripe.ErrorTypeCard {
			msg := "the card was declined; try another payment method"
			if se.DeclineCode != "" {
				msg = fmt.Sprintf("the card was declined (%s); try another payment method", se.DeclineCode)
			}
			return ErrDeclined.With("%s", msg).Wrap(err)
		}
		return errs.New(errs.Unavailable, "payment_provider_error", "the payment provider refused the request; try again shortly").Wrap(err)
	}
	return errs.New(errs.Unavailable, "payment_provider_unreachable", "the payment provider did not answer; try again shortly").Wrap(err)
}
