package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Status is a payment's state.
type Status string

// Payment states.
const (
	Pending        Status = "pending"
	Captured       Status = "captured"
	Failed         Status = "failed"
	ActionRequired Status = "action_required"
	Refunded       Status = "refunded"
)

// Payment is one attempt to take money for a reference (a checkout).
type Payment struct {
	ID          id.ID       `json:"id"`
	Reference   string      `json:"reference"`
	PayerID     id.ID       `json:"payer_id"`
	Provider    string      `json:"provider"`
	ProviderRef string      `json:"provider_ref,omitempty"`
	Method      string      `json:"method"`
	Amount      money.Money `json:"amount"`
	Status      Status      `json:"status"`
	FailureCode string      `json:"failure_code,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Service takes and refunds payments through a provider.
type Service struct {
	db       *db.DB
	provider Provider
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a payment service using provider.
func NewService(d *db.DB, provider Provider, log *slog.Logger) *Service {
	return &Service{db: d, provider: provider, log: log, now: time.Now}
}

// ChargeInput asks to take an amount for a reference.
type ChargeInput struct {
	Reference   string // unique per payment: "checkout:123"
	PayerID     id.ID
	Amount      money.Money
	Method      string
	Description string
}

// Charge authorizes and captures in.Amount in one call, recording the payment before
// and after: Begin, Execute and Finish in sequence. Charging the same reference again
// returns the first payment's outcome without calling the provider.
func (s *Service) Charge(ctx context.Context, in ChargeInput) (Payment, error) {
	var p Payment
	var fresh bool
	err := s.db.RunInTx(ctx, func(tx *db.Tx) (err error) {
		p, fresh, err = s.Begin(ctx, tx, in)
		return err
	})
	if err != nil {
		return Payment{}, err
	}
	if !fresh {
		return p, p.Err()
	}
	p, chargeErr := s.Execute(ctx, p)
	if err := s.db.RunInTx(ctx, func(tx *db.Tx) error { return s.Finish(ctx, tx, p) }); err != nil {
		return Payment{}, err
	}
	return p, chargeErr
}

// CheckMethod refuses a payment method the provider could not charge.
func (s *Service) CheckMethod(method string) error {
	if method == "" {
		return ErrUnknownMethod.With("choose a payment method")
	}
	return s.provider.CheckMethod(method)
}

// Begin records a pending payment in the caller's transaction, before any money
// moves, so a crash before the outcome is recorded leaves a trace to reconcile rather
// than money taken silently. If the reference already has a payment, Begin returns it
// with fresh false and the caller must not execute it again.
func (s *Service) Begin(ctx context.Context, tx *db.Tx, in ChargeInput) (p Payment, fresh bool, err error) {
	if in.Amount.Amount <= 0 {
		return Payment{}, false, errs.Invalidf("amount", "a payment must be for more than zero")
	}
	if err := s.CheckMethod(in.Method); err != nil {
		return Payment{}, false, err
	}
	now := s.now().UTC()
	p = Payment{ID: id.New(), Reference: in.Reference, PayerID: in.PayerID, Provider: s.provider.Name(), Method: in.Method,
		Amount: in.Amount, Status: Pending, CreatedAt: now}
	res, err := tx.ExecContext(ctx, `INSERT INTO payments (id, reference, payer_id, provider, provider_ref, method, amount, currency, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $9) ON CONFLICT (reference) DO NOTHING`,
		p.ID, p.Reference, p.PayerID, p.Provider, p.Method, p.Amount.Amount, p.Amount.Currency, string(p.Status), db.Micros(now))
	if err != nil {
		return Payment{}, false, fmt.Errorf("payment: record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		prev, err := s.byReference(ctx, tx, in.Reference)
		return prev, false, err
	}
	return p, true, nil
}

// Execute asks the provider to authorize and capture a payment from Begin. It writes
// nothing: the caller records the outcome with Finish, in the same transaction as
// whatever the payment was for. The returned error is the provider's refusal, if any;
// the returned payment carries the matching status either way.
func (s *Service) Execute(ctx context.Context, p Payment) (Payment, error) {
	ref, err := s.provider.Authorize(ctx, AuthorizeRequest{Amount: p.Amount, Method: p.Method, IdempotencyKey: p.ID.String(), Description: p.Reference})
	if err == nil {
		err = s.provider.Capture(ctx, ref, p.Amount)
	}
	p.ProviderRef = ref
	switch {
	case err == nil:
		p.Status = Captured
	case errors.Is(err, ErrActionRequired):
		p.Status, p.FailureCode = ActionRequired, "authentication_required"
	default:
		p.Status, p.FailureCode = Failed, failureCode(err)
	}
	if err != nil {
		s.log.Info("payment not captured", "reference", p.Reference, "status", p.Status, "code", p.FailureCode)
	}
	return p, err
}

// Finish records a payment's outcome in the caller's transaction.
func (s *Service) Finish(ctx context.Context, tx *db.Tx, p Payment) error {
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET status = $1, provider_ref = $2, failure_code = $3, updated_at = $4 WHERE id = $5`,
		string(p.Status), p.ProviderRef, p.FailureCode, db.Micros(s.now()), p.ID); err != nil {
		return fmt.Errorf("payment: record outcome: %w", err)
	}
	return nil
}

func failureCode(err error) string {
	if e := errs.As(err); e != nil {
		return e.Code
	}
	return "provider_error"
}

// Err turns a stored outcome back into the error Execute returned for it.
func (p Payment) Err() error {
	switch p.Status {
	case Captured, Refunded:
		return nil
	case ActionRequired:
		return ErrActionRequired
	case Failed:
		return ErrDeclined
	default:
		return errs.New(errs.Conflict, "payment_in_progress", "this payment is still being processed; try again in a moment")
	}
}

// ByReference returns the payment for a reference.
func (s *Service) ByReference(ctx context.Context, ref string) (Payment, error) {
	return s.byReference(ctx, s.db, ref)
}

func (s *Service) byReference(ctx context.Context, q db.Querier, ref string) (Payment, error) {
	var p Payment
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, reference, payer_id, provider, provider_ref, method, amount, currency, status, failure_code, created_at
		FROM payments WHERE reference = $1`, ref).Scan(&p.ID, &p.Reference, &p.PayerID, &p.Provider, &p.ProviderRef, &p.Method,
		&p.Amount.Amount, &p.Amount.Currency, &p.Status, &p.FailureCode, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, errs.ErrNotFound.With("no payment for %s", ref)
	}
	p.CreatedAt = db.Time(created)
	return p, err
}
