package payment_test

import (
	"context"
	"errors"
	"testing"

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
