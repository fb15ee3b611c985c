package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

func moneyBP(v int64) money.BP { return money.BP(v) }

func newLedger(t *testing.T, d *db.DB) *Service {
	k := testkit.New(t, d)
	return NewService(d, k.Markets, seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log), k.Log)
}

func post(t *testing.T, s *Service, in TransferInput) (Transfer, error) {
	var out Transfer
	err := s.db.RunInTx(context.Background(), func(tx *db.Tx) (err error) {
		out, err = s.Post(context.Background(), tx, in)
		return err
	})
	return out, err
}

func sale(key string, amount int64) TransferInput {
	return TransferInput{IdempotencyKey: key, Kind: "test", Reference: "order:1", Postings: []Posting{
		{Platform(ProviderReceivable, "USD"), amount},
		{Platform(BuyerPaymentsClearing, "USD"), -amount},
	}}
}

func TestPostRefusalsWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		tests := []struct {
			name string
			in   TransferInput
			want error
		}{
			{"unbalanced", TransferInput{IdempotencyKey: "a", Postings: []Posting{{Platform(ProviderReceivable, "USD"), 100}, {Platform(BuyerPaymentsClearing, "USD"), -99}}}, ErrUnbalanced},
			{"balanced across currencies is still unbalanced", TransferInput{IdempotencyKey: "b", Postings: []Posting{{Platform(ProviderReceivable, "USD"), 100}, {Platform(BuyerPaymentsClearing, "EUR"), -100}}}, ErrUnbalanced},
			{"one posting", TransferInput{IdempotencyKey: "c", Postings: []Posting{{Platform(ProviderReceivable, "USD"), 0}}}, ErrTooFewPostings},
			{"zero posting", TransferInput{IdempotencyKey: "d", Postings: []Posting{{Platform(ProviderReceivable, "USD"), 0}, {Platform(BuyerPaymentsClearing, "USD"), 0}}}, ErrZeroPosting},
			{"no key", TransferInput{Postings: sale("x", 1).Postings}, ErrMissingKey},
			{"unknown type", TransferInput{IdempotencyKey: "e", Postings: []Posting{{AccountRef{Type: "cash", Currency: "USD"}, 1}, {Platform(BuyerPaymentsClearing, "USD"), -1}}}, ErrUnknownAccountType},
			{"unknown currency", TransferInput{IdempotencyKey: "f", Postings: []Posting{{Platform(ProviderReceivable, "XXX"), 1}, {Platform(BuyerPaymentsClearing, "XXX"), -1}}}, ErrCurrencyMismatch},
			// A creator's payable may not go below zero: paying out more than is owed.
			{"overdraft", TransferInput{IdempotencyKey: "g", Postings: []Posting{{Creator(CreatorCommissionPayable, 3, "USD"), 100}, {Platform(ProviderReceivable, "USD"), -100}}}, ErrOverdraft},
		}
		for _, tt := range tests {
			if _, err := post(t, s, tt.in); !errors.Is(err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
		var n int
		d.QueryRowContext(context.Background(), `SELECT (SELECT COUNT(*) FROM ledger_transfers) + (SELECT COUNT(*) FROM ledger_postings)`).Scan(&n)
		if n != 0 {
			t.Fatalf("refused transfers left %d rows", n)
		}
	})
}

func TestIdempotencyKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		first, err := post(t, s, sale("k1", 500))
		if err != nil {
			t.Fatal(err)
		}
		again, err := post(t, s, sale("k1", 500))
		if err != nil || again.ID != first.ID {
			t.Fatalf("replay: %+v %v", again, err)
		}
		if _, err := post(t, s, sale("k1", 501)); !errors.Is(err, ErrIdempotencyConflict) || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("conflicting reuse: %v", err)
		}
		a, _ := s.Account(context.Background(), Platform(ProviderReceivable, "USD"))
		if a.Balance != 500 {
			t.Fatalf("balance %d after replays, want 500", a.Balance)
		}
	})
}

// Many transfers through one hot account at once: every one lands, balances are
// exact and the books still balance.
func TestConcurrentTransfersOnAHotAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newLedger(t, d)
		const n = 200
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := TransferInput{IdempotencyKey: fmt.Sprint("t", i), Kind: "test", Reference: "x", Postings: []Posting{
					{Platform(BuyerPaymentsClearing, "USD"), 100},
					{Platform(PlatformReferralRevenue, "USD"), -6},
					{Shop(SellerPayable, id.ID(100+i%7), "USD"), -94},
				}}
				// Seed the clearing account so it never overdraws.
				seed := sale(fmt.Sprint("seed", i), 100)
				if _, err := post(t, s, seed); err != nil {
					t.Error(err)
					return
				}
				if _, err := post(t, s, in); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		rev, _ := s.Account(context.Background(), Platform(PlatformReferralRevenue, "USD"))
		if rev.Normalised() != money.New(6*n, "USD") {
			t.Fatalf("revenue %v, want %d", rev.Normalised(), 6*n)
		}
		if err := s.Verify(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
