package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	Refunded    money.Money `json:"refunded"`
	Status      Status      `json:"status"`
	FailureCode string      `json:"failure_code,omitempty"`
	NextAction  string      `json:"next_action,omitempty"` // where the buyer confirms, when Status is action_required
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

// Provider returns the provider payments go through.
func (s *Service) Provider() Provider { return s.provider }

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
		Amount: in.Amount, Refunded: money.Zero(in.Amount.Currency), Status: Pending, CreatedAt: now}
	res, err := tx.ExecContext(ctx, `INSERT INTO payments (id, reference, payer_id, provider, provider_ref, method, amount, currency, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $9) ON CONFLICT (reference) DO NOTHING`,
		p.ID, p.Reference, p.PayerID, p.Provider, p.Method, p.Amount.Amount, p.Amount.Currency, string(p.Status), db.Micros(now))
	if err != nil {
		return Payment{}, false, fmt.Errorf("payment: record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		prev, err := s.load(ctx, tx, `reference = $1`, in.Reference)
		return prev, false, err
	}
	return p, true, nil
}

// BeginMany records many pending payments for new references at once (a flash sale's
// batch of orders), in the caller's transaction. A reference that already has a
// payment fails the lot: the caller's references are fresh by construction.
func (s *Service) BeginMany(ctx context.Context, tx *db.Tx, in []ChargeInput) ([]Payment, error) {
	now := s.now().UTC()
	out := make([]Payment, len(in))
	args := make([]any, 0, 11*len(in))
	for i, c := range in {
		if c.Amount.Amount <= 0 {
			return nil, errs.Invalidf("amount", "a payment must be for more than zero")
		}
		if err := s.CheckMethod(c.Method); err != nil {
			return nil, err
		}
		p := Payment{ID: id.New(), Reference: c.Reference, PayerID: c.PayerID, Provider: s.provider.Name(), Method: c.Method,
			Amount: c.Amount, Refunded: money.Zero(c.Amount.Currency), Status: Pending, CreatedAt: now}
		out[i] = p
		args = append(args, p.ID, p.Reference, p.PayerID, p.Provider, "", p.Method, p.Amount.Amount, p.Amount.Currency, string(p.Status), db.Micros(now), db.Micros(now))
	}
	n, err := db.InsertRows(ctx, tx, `INSERT INTO payments (id, reference, payer_id, provider, provider_ref, method, amount, currency, status, created_at, updated_at) VALUES `,
		11, args, " ON CONFLICT (reference) DO NOTHING")
	if err != nil {
		return nil, fmt.Errorf("payment: record: %w", err)
	}
	if n != int64(len(in)) {
		return nil, fmt.Errorf("payment: %d of %d references already had a payment", int64(len(in))-n, len(in))
	}
	return out, nil
}

// Execute asks the provider to authorize and capture a payment from Begin. It writes
// nothing: the caller records the outcome with Finish, in the same transaction as
// whatever the payment was for. The returned error is the provider's refusal, if any;
// the returned payment carries the matching status either way. A payment the buyer
// must confirm comes back action_required with where to confirm it.
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
		p.Status, p.FailureCode, p.NextAction = ActionRequired, "authentication_required", s.provider.NextAction(ref)
	default:
		p.Status, p.FailureCode = Failed, failureCode(err)
	}
	if err != nil {
		s.log.Info("payment not captured", "reference", p.Reference, "status", p.Status, "code", p.FailureCode)
	}
	return p, err
}

// Confirmed captures a payment the buyer confirmed (the provider's webhook said so).
// It writes nothing; the caller records it with Finish.
func (s *Service) Confirmed(ctx context.Context, p Payment) (Payment, error) {
	if p.Status != ActionRequired {
		return p, nil
	}
	if err := s.provider.Capture(ctx, p.ProviderRef, p.Amount); err != nil {
		p.Status, p.FailureCode = Failed, failureCode(err)
		return p, err
	}
	p.Status, p.FailureCode, p.NextAction = Captured, "", ""
	return p, nil
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
	case Captured:
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
	return s.load(ctx, s.db, `reference = $1`, ref)
}

// ByReferenceIn is ByReference through the caller's transaction.
func (s *Service) ByReferenceIn(ctx context.Context, q db.Querier, ref string) (Payment, error) {
	return s.load(ctx, q, `reference = $1`, ref)
}

// ByProviderRef returns the payment the provider knows as ref.
func (s *Service) ByProviderRef(ctx context.Context, q db.Querier, ref string) (Payment, error) {
	return s.load(ctx, q, `provider = $2 AND provider_ref = $1`, ref, s.provider.Name())
}

func (s *Service) load(ctx context.Context, q db.Querier, where string, args ...any) (Payment, error) {
	var p Payment
	var created, refunded int64
	err := q.QueryRowContext(ctx, `SELECT id, reference, payer_id, provider, provider_ref, method, amount, currency, refunded, status, failure_code, created_at
		FROM payments WHERE `+where, args...).Scan(&p.ID, &p.Reference, &p.PayerID, &p.Provider, &p.ProviderRef, &p.Method,
		&p.Amount.Amount, &p.Amount.Currency, &refunded, &p.Status, &p.FailureCode, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, ErrPaymentNotFound
	}
	p.Refunded = money.New(refunded, p.Amount.Currency)
	p.CreatedAt = db.Time(created)
	if p.Status == ActionRequired {
		p.NextAction = s.provider.NextAction(p.ProviderRef)
	}
	return p, err
}

// Refund is money going back to a buyer.
type Refund struct {
	ID          id.ID       `json:"id"`
	PaymentID   id.ID       `json:"payment_id"`
	Reference   string      `json:"reference"` // what it is for: "return:123", "cancel:456"
	Amount      money.Money `json:"amount"`
	ProviderRef string      `json:"provider_ref,omitempty"`
	Status      string      `json:"status"` // pending, succeeded, failed
	payment     Payment
}

// Refund statuses.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed"
)

// BeginRefund records a pending refund of amount from the payment for paymentRef, in
// the caller's transaction, refusing more than remains of the payment. The reference
// makes it idempotent: beginning the same refund again returns it.
func (s *Service) BeginRefund(ctx context.Context, tx *db.Tx, paymentRef, reference string, amount int64) (Refund, error) {
	p, err := s.load(ctx, tx, `reference = $1`, paymentRef)
	if err != nil {
		return Refund{}, err
	}
	var prev Refund
	var pref string
	err = tx.QueryRowContext(ctx, `SELECT id, amount, provider_ref, status FROM payment_refunds WHERE reference = $1`, reference).
		Scan(&prev.ID, &prev.Amount.Amount, &pref, &prev.Status)
	if err == nil {
		prev.PaymentID, prev.Reference, prev.ProviderRef, prev.payment = p.ID, reference, pref, p
		prev.Amount.Currency = p.Amount.Currency
		return prev, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Refund{}, err
	}
	if p.Status != Captured {
		return Refund{}, errs.New(errs.Conflict, "payment_not_captured", "there is no captured payment to refund")
	}
	var pending int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM payment_refunds WHERE payment_id = $1 AND status <> 'failed'`, p.ID).Scan(&pending); err != nil {
		return Refund{}, err
	}
	if amount <= 0 || pending+amount > p.Amount.Amount {
		return Refund{}, ErrRefundTooLarge.With("refund of %s exceeds the %s left of the payment",
			money.New(amount, p.Amount.Currency).Format(), money.New(p.Amount.Amount-pending, p.Amount.Currency).Format())
	}
	now := db.Micros(s.now())
	r := Refund{ID: id.New(), PaymentID: p.ID, Reference: reference, Amount: money.New(amount, p.Amount.Currency), Status: RefundPending, payment: p}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payment_refunds (id, payment_id, reference, amount, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		r.ID, p.ID, reference, amount, RefundPending, now); err != nil {
		return Refund{}, fmt.Errorf("payment: record refund: %w", err)
	}
	return r, nil
}

// ExecuteRefund asks the provider to return the money. It writes nothing; record the
// outcome with FinishRefund. A refund already succeeded is not sent again.
func (s *Service) ExecuteRefund(ctx context.Context, r Refund) (Refund, error) {
	if r.Status == RefundSucceeded {
		return r, nil
	}
	ref, err := s.provider.Refund(ctx, r.payment.ProviderRef, r.Amount, r.ID.String())
	if err != nil {
		r.Status = RefundFailed
		return r, err
	}
	r.ProviderRef, r.Status = ref, RefundSucceeded
	return r, nil
}

// FinishRefund records a refund's outcome in the caller's transaction.
func (s *Service) FinishRefund(ctx context.Context, tx *db.Tx, r Refund) error {
	res, err := tx.ExecContext(ctx, `UPDATE payment_refunds SET status = $1, provider_ref = $2, updated_at = $3 WHERE id = $4 AND status <> 'succeeded'`,
		r.Status, r.ProviderRef, db.Micros(s.now()), r.ID)
	if err != nil {
		return fmt.Errorf("payment: record refund outcome: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 && r.Status == RefundSucceeded {
		_, err = tx.ExecContext(ctx, `UPDATE payments SET refunded = refunded + $1 WHERE id = $2`, r.Amount.Amount, r.PaymentID)
	}
	return err
}

// VerifyWebhook checks a provider webhook's signature and freshness and reads it.
func (s *Service) VerifyWebhook(provider string, payload []byte, header http.Header) (Event, error) {
	if provider != s.provider.Name() {
		return Event{}, errs.New(errs.NotFound, "unknown_provider", "this node takes payments through "+s.provider.Name())
	}
	return s.provider.Webhook(payload, header, s.now())
}

// RecordEvent notes a provider event in the caller's transaction and reports whether
// it is new: a replayed event id changes nothing twice.
func (s *Service) RecordEvent(ctx context.Context, tx *db.Tx, ev Event) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO payment_events (provider, event_id, type, provider_ref, received_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (provider, event_id) DO NOTHING`, s.provider.Name(), ev.ID, ev.Type, ev.ProviderRef, db.Micros(s.now()))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
