package ledger

import (
	"context"
	"errors"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
)

func resolve(t *testing.T, s *Service, in ResolveInput) (Transfer, error) {
	var out Transfer
	err := s.db.RunInTx(context.Background(), func(tx *db.Tx) (err error) {
		out, err = s.Resolve(context.Background(), tx, in)
		return err
	})
	return out, err
}

// earn credits a creator's commission payable: what the platform owes them.
func earn(key string, amount int64) TransferInput {
	return TransferInput{IdempotencyKey: key, Kind: "test", Reference: "order:1", Postings: []Posting{
		{Platform(BuyerPaymentsClearing, "USD"), amount},
		{Creator(CreatorCommissionPayable, 3, "USD"), -amount},
	}}
}

// payoutHold holds amount of the creator's payable for a payout.
func payoutHold(key string, amount int64) TransferInput {
	return TransferInput{IdempotencyKey: key, Kind: "payout", Reference: "payout:1", Pending: true, Postings: []Posting{
		{Creator(CreatorCommissionPayable, 3, "USD"), amount},
		{Platform(ProviderReceivable, "USD"), -amount},
	}}
}

func counts(t *testing.T, d *db.DB) (transfers, postings int) {
	t.Helper()
	if err := d.QueryRowContext(context.Background(), `SELECT (SELECT COUNT(*) FROM ledger_transfers), (SELECT COUNT(*) FROM ledger_postings)`).Scan(&transfers, &postings); err != nil {
		t.Fatal(err)
	}
	return
}

// A hold reserves money on a protected account without moving its balance; a second
// hold past what is left is refused; posting moves the balance, voiding gives the
// reservation back; a hold resolves once.
func TestHoldsArePostedOrVoided(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		ctx := context.Background()
		// The provider side must have money to give: seed it.
		if _, err := post(t, s, sale("seed", 5000)); err != nil {
			t.Fatal(err)
		}
		if _, err := post(t, s, earn("earn", 1000)); err != nil {
			t.Fatal(err)
		}
		creator := func() Account {
			a, err := s.Account(ctx, Creator(CreatorCommissionPayable, 3, "USD"))
			if err != nil {
				t.Fatal(err)
			}
			return a
		}

		h1, err := post(t, s, payoutHold("h1", 600))
		if err != nil || !h1.Pending {
			t.Fatalf("hold: %+v %v", h1, err)
		}
		if a := creator(); a.Normalised().Amount != 1000 || a.Available().Amount != 400 || a.PendingDebit != 600 {
			t.Fatalf("after the hold: balance %v available %v held %d", a.Normalised(), a.Available(), a.PendingDebit)
		}
		tr, po := counts(t, d)
		if _, err := post(t, s, payoutHold("h2", 401)); !errors.Is(err, ErrOverdraft) {
			t.Fatalf("a hold past the available money: %v", err)
		}
		if tr2, po2 := counts(t, d); tr2 != tr || po2 != po {
			t.Fatalf("the refused hold wrote rows: %d/%d -> %d/%d", tr, po, tr2, po2)
		}
		h2, err := post(t, s, payoutHold("h2", 400))
		if err != nil {
			t.Fatal(err)
		}

		posted, err := resolve(t, s, ResolveInput{IdempotencyKey: "post-h1", PendingID: h1.ID})
		if err != nil || posted.Resolution != "post" || posted.PendingID != h1.ID || len(posted.Postings) != 2 {
			t.Fatalf("post: %+v %v", posted, err)
		}
		if a := creator(); a.Normalised().Amount != 400 || a.Available().Amount != 0 || a.PendingDebit != 400 {
			t.Fatalf("after posting: balance %v available %v held %d", a.Normalised(), a.Available(), a.PendingDebit)
		}
		again, err := resolve(t, s, ResolveInput{IdempotencyKey: "post-h1", PendingID: h1.ID})
		if err != nil || again.ID != posted.ID {
			t.Fatalf("replayed post: %+v %v", again, err)
		}
		if _, err := resolve(t, s, ResolveInput{IdempotencyKey: "void-h1", PendingID: h1.ID, Void: true}); !errors.Is(err, ErrHoldResolved) || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("voiding a posted hold: %v", err)
		}
		if _, err := resolve(t, s, ResolveInput{IdempotencyKey: "post-h1", PendingID: h1.ID, Void: true}); !errors.Is(err, ErrIdempotencyConflict) {
			t.Fatalf("the post's key for a void: %v", err)
		}

		voided, err := resolve(t, s, ResolveInput{IdempotencyKey: "void-h2", PendingID: h2.ID, Void: true})
		if err != nil || voided.Resolution != "void" || len(voided.Postings) != 0 {
			t.Fatalf("void: %+v %v", voided, err)
		}
		if a := creator(); a.Normalised().Amount != 400 || a.Available().Amount != 400 || a.PendingDebit != 0 {
			t.Fatalf("after voiding: balance %v available %v held %d", a.Normalised(), a.Available(), a.PendingDebit)
		}

		for name, in := range map[string]ResolveInput{
			"unknown hold":      {IdempotencyKey: "x1", PendingID: 12345},
			"not a hold":        {IdempotencyKey: "x2", PendingID: posted.ID},
			"resolution itself": {IdempotencyKey: "x3", PendingID: voided.ID, Void: true},
		} {
			if _, err := resolve(t, s, in); !errors.Is(err, ErrHoldNotFound) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := resolve(t, s, ResolveInput{PendingID: h2.ID}); !errors.Is(err, ErrMissingKey) {
			t.Errorf("no key: %v", err)
		}
		ts, err := s.TransfersFor(ctx, "payout:1")
		if err != nil || len(ts) != 4 {
			t.Fatalf("the payout's transfers: %d %v", len(ts), err)
		}
		if err := s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// The database refuses a hold past a protected account's available money even when
// the code is bypassed: the CHECK constraint is the backstop.
func TestHoldConstraintIsTheBackstop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		if _, err := post(t, s, sale("seed", 5000)); err != nil {
			t.Fatal(err)
		}
		if _, err := post(t, s, earn("earn", 100)); err != nil {
			t.Fatal(err)
		}
		_, err := d.ExecContext(context.Background(), `UPDATE ledger_accounts SET pending_debit = 101 WHERE type = 'creator_commission_payable'`)
		if err == nil || !db.IsCheckViolation(err) {
			t.Fatalf("holding more than the balance: %v", err)
		}
	})
}
