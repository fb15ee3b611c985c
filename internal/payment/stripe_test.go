package payment

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"

	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// stripeMock starts stripe-mock on a loopback port and returns its URL, or skips
// (fails under LIVESHOP_TEST_REQUIRE=stripe-mock) when it is not installed.
func stripeMock(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		bin = filepath.Join(gopath, "bin", "stripe-mock")
		if _, err := os.Stat(bin); err != nil {
			dbtest.Missing(t, "stripe-mock", "stripe-mock is not installed (go install github.com/stripe/stripe-mock@latest)")
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:") // a port of its own for HTTPS too
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatal("stripe-mock did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Against stripe-mock, which checks every request against Stripe's API description
// and answers with fixtures: the requests the provider sends are ones Stripe accepts,
// and the answers parse. (stripe-mock's PaymentIntents always come back
// requires_payment_method, so the outcome reads as a decline; authorizeOutcome's own
// test covers the states.)
func TestStripeProviderAgainstStripeMock(t *testing.T) {
	p := NewStripe(StripeConfig{SecretKey: "sk_test_123", APIURL: stripeMock(t), WebhookSecret: "whsec_test"})
	ctx := context.Background()
	for _, cur := range []string{"USD", "JPY", "IDR", "VND"} {
		_, err := p.Authorize(ctx, AuthorizeRequest{Amount: money.New(2599, cur), Method: "pm_card_visa", IdempotencyKey: "k-" + cur, Description: "checkout:1"})
		if !errors.Is(err, ErrDeclined) || !strings.Contains(err.Error(), "requires_payment_method") {
			t.Fatalf("%s authorize against stripe-mock: %v", cur, err)
		}
	}
	if err := p.Capture(ctx, "pi_123", money.New(2599, "USD")); err != nil {
		t.Fatalf("capture: %v", err)
	}
	ref, err := p.Refund(ctx, "pi_123", money.New(500, "USD"), "refund-1")
	if err != nil || !strings.HasPrefix(ref, "re_") {
		t.Fatalf("refund: %q %v", ref, err)
	}
	if err := p.CheckMethod("tok_visa"); !errors.Is(err, ErrUnknownMethod) {
		t.Fatalf("a non-pm method: %v", err)
	}
}

func TestStripeAuthorizeOutcome(t *testing.T) {
	tests := []struct {
		status stripe.PaymentIntentStatus
		want   error
	}{
		{stripe.PaymentIntentStatusRequiresCapture, nil},
		{stripe.PaymentIntentStatusSucceeded, nil},
		{stripe.PaymentIntentStatusRequiresAction, ErrActionRequired},
		{stripe.PaymentIntentStatusRequiresPaymentMethod, ErrDeclined},
		{stripe.PaymentIntentStatusCanceled, ErrDeclined},
	}
	for _, tt := range tests {
		ref, err := authorizeOutcome(&stripe.PaymentIntent{ID: "pi_1", Status: tt.status})
		if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", tt.status, err, tt.want)
		}
		if tt.want != ErrDeclined && ref != "pi_1" {
			t.Errorf("%s: ref %q", tt.status, ref)
		}
	}
}

func TestStripeErrorsAreClassified(t *testing.T) {
	card := &stripe.Error{Type: stripe.ErrorTypeCard, DeclineCode: "insufficient_funds"}
	if err := stripeError(card); !errors.Is(err, ErrDeclined) || !strings.Contains(err.Error(), "insufficient_funds") {
		t.Errorf("card error: %v", err)
	}
	if err := stripeError(&stripe.Error{Type: stripe.ErrorTypeInvalidRequest}); errors.Is(err, ErrDeclined) || errs.KindOf(err) != errs.Unavailable {
		t.Errorf("invalid request: %v", err)
	}
	if err := stripeError(errors.New("dial tcp: refused")); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("network: %v", err)
	}
}

func TestStripeWebhooks(t *testing.T) {
	p := NewStripe(StripeConfig{SecretKey: "sk_test", WebhookSecret: "whsec_test"})
	body := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","api_version":"2025-01-01","data":{"object":{"id":"pi_9","object":"payment_intent"}}}`)
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_test", Timestamp: time.Now()})
	h := http.Header{}
	h.Set("Stripe-Signature", signed.Header)
	ev, err := p.Webhook(body, h, time.Now())
	if err != nil || ev.ID != "evt_1" || ev.Type != EventSucceeded || ev.ProviderRef != "pi_9" {
		t.Fatalf("%+v %v", ev, err)
	}
	if _, err := p.Webhook(append(body, ' '), h, time.Now()); !errors.Is(err, ErrWebhookSignature) {
		t.Fatalf("tampered: %v", err)
	}
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_test", Timestamp: time.Now().Add(-time.Hour)})
	h.Set("Stripe-Signature", old.Header)
	if _, err := p.Webhook(body, h, time.Now()); !errors.Is(err, ErrWebhookStale) {
		t.Fatalf("an hour old: %v", err)
	}
}
