package order

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// PaymentWebhook takes a provider's report about a payment, checked for signature and
// freshness, and settles the checkout it paid for: a payment the buyer confirmed pays
// its orders, a failed one cancels them. Each event id is acted on once; a replayed
// event changes nothing and reports replayed.
func (s *Service) PaymentWebhook(ctx context.Context, provider string, payload []byte, header http.Header) (replayed bool, err error) {
	ev, err := s.payments.VerifyWebhook(provider, payload, header)
	if err != nil {
		return false, err
	}
	return s.applyPaymentEvent(ctx, ev)
}

func (s *Service) applyPaymentEvent(ctx context.Context, ev payment.Event) (bool, error) {
	p, err := s.payments.ByProviderRef(ctx, s.db, ev.ProviderRef)
	if errors.Is(err, payment.ErrPaymentNotFound) {
		// Not a payment of ours (another integration sharing the account): acknowledge
		// it so the provider stops sending it, and change nothing.
		s.log.Info("payment webhook for an unknown payment", "event", ev.ID, "provider_ref", ev.ProviderRef)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	checkoutRef, ok := strings.CutPrefix(p.Reference, "checkout:")
	if !ok {
		return false, nil
	}
	checkoutID, err := id.Parse(checkoutRef)
	if err != nil {
		return false, nil
	}
	switch ev.Type {
	case payment.EventSucceeded:
		// Capture before the transaction: the provider call must not hold a lock. It
		// is idempotent for a payment already captured.
		if p, err = s.payments.Confirmed(ctx, p); err != nil {
			s.log.Warn("confirmed payment could not be captured", "payment", p.ID, "err", err)
		}
	case payment.EventFailed:
		if p.Status == payment.ActionRequired || p.Status == payment.Pending {
			p.Status, p.FailureCode = payment.Failed, "authentication_failed"
		}
	default:
		return false, nil // an event type we do not act on
	}
	buyer, _ := s.identity.Account(ctx, p.PayerID)
	var refund *payment.Refund
	fresh := false
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var err error
		if fresh, err = s.payments.RecordEvent(ctx, tx, ev); err != nil || !fresh {
			return err
		}
		if err := s.payments.Finish(ctx, tx, p); err != nil {
			return err
		}
		orders, err := loadOrders(ctx, tx, false, `WHERE o.checkout_id = $1 ORDER BY o.id`, checkoutID)
		if err != nil {
			return err
		}
		status := "failed"
		if p.Status == payment.Captured {
			status = "paid"
		}
		var lapsed int64
		for i := range orders {
			o := &orders[i]
			if o.Status != Unpaid {
				if o.Status == Cancelled && o.PaidAt.IsZero() && p.Status == payment.Captured {
					lapsed += o.Total.Amount
				}
				continue
			}
			pol, err := s.markets.Policy(ctx, o.Market, s.now())
			if err != nil {
				return err
			}
			if p.Status == payment.Captured {
				err = s.markPaid(ctx, tx, o, buyer.DisplayName, pol)
			} else {
				err = s.cancelUnpaid(ctx, tx, o, "payment "+p.FailureCode, 0, FaultBuyer)
			}
			if err != nil {
				return err
			}
		}
		if lapsed > 0 {
			// The buyer confirmed after orders had lapsed or been cancelled: give their
			// share of the money back.
			r, err := s.payments.BeginRefund(ctx, tx, p.Reference, "lapsed:"+p.Reference, lapsed)
			if err != nil {
				return err
			}
			refund = &r
		}
		_, err = tx.ExecContext(ctx, `UPDATE checkouts SET status = $1 WHERE id = $2 AND status IN ('pending', 'action_required')`, status, checkoutID)
		return err
	})
	if err != nil {
		return false, err
	}
	s.executeRefund(ctx, refund)
	return !fresh, nil
}

// ErrNoPaymentToConfirm: the payment is not waiting for the buyer (or not theirs).
var ErrNoPaymentToConfirm = errs.New(errs.NotFound, "payment_not_found", "there is no payment here waiting for you to confirm; check your orders")

// PaymentToConfirm returns a payment waiting for its buyer's confirmation and the
// orders it pays for, to that buyer only.
func (s *Service) PaymentToConfirm(ctx context.Context, actor auth.Actor, providerRef string) (payment.Payment, []Order, error) {
	if err := actor.RequireLogin(); err != nil {
		return payment.Payment{}, nil, err
	}
	p, err := s.payments.ByProviderRef(ctx, s.db, providerRef)
	if err != nil || p.PayerID != actor.AccountID || p.Status != payment.ActionRequired {
		return payment.Payment{}, nil, ErrNoPaymentToConfirm
	}
	checkoutID, err := id.Parse(strings.TrimPrefix(p.Reference, "checkout:"))
	if err != nil {
		return payment.Payment{}, nil, ErrNoPaymentToConfirm
	}
	os, err := loadOrders(ctx, s.db, false, `WHERE o.checkout_id = $1 ORDER BY o.id`, checkoutID)
	return p, os, err
}

// ConfirmSandboxPayment plays the buyer's bank for the sandbox provider: the buyer
// approves or fails the check, and the bank reports it by a signed webhook, which
// settles the orders exactly as a real provider's webhook would.
func (s *Service) ConfirmSandboxPayment(ctx context.Context, actor auth.Actor, providerRef string, approve bool) ([]Order, error) {
	p, os, err := s.PaymentToConfirm(ctx, actor, providerRef)
	if err != nil {
		return nil, err
	}
	sb, ok := s.payments.Provider().(payment.Sandbox)
	if !ok {
		return nil, ErrNoPaymentToConfirm.With("payments here go through %s; confirm with your bank", s.payments.Provider().Name())
	}
	typ := payment.EventFailed
	if approve {
		typ = payment.EventSucceeded
	}
	body, header := sb.NewEvent(typ, p.ProviderRef, s.now())
	if _, err := s.PaymentWebhook(ctx, sb.Name(), body, header); err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, nil
	}
	return loadOrders(ctx, s.db, false, `WHERE o.checkout_id = $1 ORDER BY o.id`, os[0].CheckoutID)
}
