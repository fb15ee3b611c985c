package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/testkit"
)

func TestSandboxOutcomesAreRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := payment.NewService(d, payment.Sandbox{}, k.Log)
		ctx := context.Background()
		payer := k.Actor(t, "buyer").AccountID
		tests := []struct {
			method     string
			wantErr    error
			wantStatus payment.Status
		}{
			{"pm_card_visa", nil, payment.Captured},
			{"pm_card_chargeDeclined", payment.ErrDeclined, payment.Failed},
			{"pm_card_insufficientFunds", payment.ErrDeclined, payment.Failed},
			{"pm_card_authenticationRequired", payment.ErrActionRequired, payment.ActionRequired},
		}
		for _, tt := range tests {
			ref := "checkout:" + tt.method
			p, err := s.Charge(ctx, payment.ChargeInput{Reference: ref, PayerID: payer, Amount: money.New(2599, "USD"), Method: tt.method})
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Errorf("%s: err %v, want %v", tt.method, err, tt.wantErr)
			}
			stored, err := s.ByReference(ctx, ref)
			if err != nil || stored.Status != tt.wantStatus || stored.Amount != money.New(2599, "USD") {
				t.Errorf("%s: stored %+v %v, want %s", tt.method, stored, err, tt.wantStatus)
			}
			if p.Status != tt.wantStatus {
				t.Errorf("%s: returned status %s", tt.method, p.Status)
			}
		}
	})
}

func TestUnknownMethodIsRefusedBeforeAnythingIsRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := payment.NewService(d, payment.Sandbox{}, k.Log)
		_, err := s.Charge(context.Background(), payment.ChargeInput{Reference: "checkout:9", PayerID: k.Actor(t, "b").AccountID, Amount: money.New(100, "USD"), Method: "pm_card_unheard_of"})
		if !errors.Is(err, payment.ErrUnknownMethod) || errs.As(err).Field != "payment_method" {
			t.Fatalf("unknown method: %v", err)
		}
		var n int
		d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payments`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d payments recorded for a refused method", n)
		}
	})
}

func TestChargeIsIdempotentByReference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := payment.NewService(d, payment.Sandbox{}, k.Log)
		ctx := context.Background()
		in := payment.ChargeInput{Reference: "checkout:1", PayerID: k.Actor(t, "b").AccountID, Amount: money.New(100, "USD"), Method: "pm_card_visa"}
		first, err := s.Charge(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Charge(ctx, in)
		if err != nil || second.ID != first.ID || second.ProviderRef != first.ProviderRef {
			t.Fatalf("second charge %+v %v, first %+v", second, err, first)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d payments", n)
		}
		if _, err := s.Charge(ctx, payment.ChargeInput{Reference: "checkout:2", Amount: money.New(0, "USD"), Method: "pm_card_visa"}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("zero amount: %v", err)
		}
	})
}

func TestRefundsNeverExceedThePaymentAndAreIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		s := payment.NewService(d, payment.Sandbox{}, k.Log)
		ctx := context.Background()
		if _, err := s.Charge(ctx, payment.ChargeInput{Reference: "checkout:1", PayerID: k.Actor(t, "b").AccountID, Amount: money.New(1000, "USD"), Method: "pm_card_visa"}); err != nil {
			t.Fatal(err)
		}
		refund := func(ref string, amount int64) (payment.Refund, error) {
			var r payment.Refund
			err := d.RunInTx(ctx, func(tx *db.Tx) (err error) {
				r, err = s.BeginRefund(ctx, tx, "checkout:1", ref, amount)
				return err
			})
			if err != nil {
				return r, err
			}
			r, err = s.ExecuteRefund(ctx, r)
			if err != nil {
				return r, err
			}
			return r, d.RunInTx(ctx, func(tx *db.Tx) error { return s.FinishRefund(ctx, tx, r) })
		}
		a, err := refund("return:1", 600)
		if err != nil || a.Status != payment.RefundSucceeded {
			t.Fatalf("first refund %+v %v", a, err)
		}
		again, err := refund("return:1", 600) // the same refund again changes nothing
		if err != nil || again.ID != a.ID || again.ProviderRef != a.ProviderRef {
			t.Fatalf("repeated refund %+v %v", again, err)
		}
		if _, err := refund("return:2", 401); !errors.Is(err, payment.ErrRefundTooLarge) {
			t.Fatalf("refunding past the payment: %v", err)
		}
		if _, err := refund("return:3", 400); err != nil {
			t.Fatal(err)
		}
		p, _ := s.ByReference(ctx, "checkout:1")
		if p.Refunded != money.New(1000, "USD") {
			t.Fatalf("refunded %v", p.Refunded)
		}
	})
}

func TestSandboxWebhooksAreVerifiedAndRecordedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		k := testkit.New(t, d)
		sb := payment.Sandbox{Secret: []byte("whsec_test")}
		s := payment.NewService(d, sb, k.Log)
		ctx := context.Background()
		body, header := sb.NewEvent(payment.EventSucceeded, "sbx_pi_abc", time.Now())
		ev, err := s.VerifyWebhook("sandbox", body, header)
		if err != nil || ev.Type != payment.EventSucceeded || ev.ProviderRef != "sbx_pi_abc" {
			t.Fatalf("good webhook: %+v %v", ev, err)
		}
		for i, want := range []bool{true, false} {
			var fresh bool
			d.RunInTx(ctx, func(tx *db.Tx) (err error) { fresh, err = s.RecordEvent(ctx, tx, ev); return err })
			if fresh != want {
				t.Fatalf("delivery %d recorded as new=%v", i, fresh)
			}
		}
		tampered := append([]byte(nil), body...)
		tampered[len(tampered)-3] = 'x'
		if _, err := s.VerifyWebhook("sandbox", tampered, header); !errors.Is(err, payment.ErrWebhookSignature) {
			t.Fatalf("tampered body: %v", err)
		}
		other := payment.Sandbox{Secret: []byte("someone else")}
		b2, h2 := other.NewEvent(payment.EventSucceeded, "sbx_pi_abc", time.Now())
		if _, err := s.VerifyWebhook("sandbox", b2, h2); !errors.Is(err, payment.ErrWebhookSignature) {
			t.Fatalf("wrong secret: %v", err)
		}
		b3, h3 := sb.NewEvent(payment.EventSucceeded, "sbx_pi_abc", time.Now().Add(-time.Hour))
		if _, err := s.VerifyWebhook("sandbox", b3, h3); !errors.Is(err, payment.ErrWebhookStale) {
			t.Fatalf("an hour-old webhook: %v", err)
		}
		if _, err := s.VerifyWebhook("stripe", body, header); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another provider's path: %v", err)
		}
	})
}
