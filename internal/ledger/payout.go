package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// PayoutProvider sends money to a payee's bank account. Pay returns the provider's
// reference for a transfer it accepted, or an error for one it refused; the ledger
// then posts or voids the hold it placed on the payee's money. A provider must treat
// a repeated request id as the same payout.
type PayoutProvider interface {
	Name() string
	Pay(ctx context.Context, req PayoutRequest) (reference string, err error)
}

// PayoutRequest is one payout as a provider sees it.
type PayoutRequest struct {
	ID          id.ID
	Destination string
	Amount      int64
	Currency    string
}

// SimulatedPayouts is the built-in payout provider: it accepts every payout at once,
// except to destinations ending in "0000", which it refuses as a bank would refuse a
// closed account (to exercise the failure path). A payout id asked twice gets the
// same answer.
type SimulatedPayouts struct {
	n    atomic.Int64
	seen sync.Map // payout id -> reference
}

// Name is "simulated".
func (*SimulatedPayouts) Name() string { return "simulated" }

// Pay accepts or refuses the payout.
func (p *SimulatedPayouts) Pay(_ context.Context, req PayoutRequest) (string, error) {
	if strings.HasSuffix(req.Destination, "0000") {
		return "", errors.New("account closed at the receiving bank")
	}
	ref, _ := p.seen.LoadOrStore(req.ID, fmt.Sprintf("sim_po_%d_%d", req.ID, p.n.Add(1)))
	return ref.(string), nil
}

// Payout statuses.
const (
	PayoutPending = "pending"
	PayoutPaid    = "paid"
	PayoutFailed  = "failed"
)

// Payout is money sent to a shop's or creator's bank account.
type Payout struct {
	ID          id.ID     `json:"id"`
	OwnerKind   string    `json:"owner_kind"`
	OwnerID     id.ID     `json:"owner_id"`
	Currency    string    `json:"currency"`
	Amount      int64     `json:"amount"`
	Destination string    `json:"destination"`
	Status      string    `json:"status"`
	Provider    string    `json:"provider"`
	ProviderRef string    `json:"provider_ref,omitempty"`
	Failure     string    `json:"failure,omitempty"`
	HoldID      id.ID     `json:"hold_id"`
	CreatedAt   time.Time `json:"created_at"`
	SettledAt   time.Time `json:"settled_at,omitzero"`
}

// Errors of payouts.
var (
	ErrBelowMinimum  = errs.New(errs.Rule, "payout_below_minimum", "the available balance is below the market's minimum payout")
	ErrNoDestination = errs.New(errs.Rule, "payout_destination_missing", "no bank account to pay out to")
	ErrBadOwner      = errs.New(errs.Invalid, "payout_owner_invalid", "payouts go to shops and creators")
)

// SetPayoutDestination records the bank account an owner's payouts go to.
func (s *Service) SetPayoutDestination(ctx context.Context, ownerKind string, ownerID id.ID, destination string) error {
	destination = strings.TrimSpace(destination)
	if ownerKind != OwnerShop && ownerKind != OwnerCreator {
		return ErrBadOwner.OnField("owner_kind")
	}
	if len(destination) < 6 || len(destination) > 64 {
		return errs.Invalidf("destination", "a bank account is 6 to 64 characters")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO ledger_payout_destinations (owner_kind, owner_id, destination, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (owner_kind, owner_id) DO UPDATE SET destination = excluded.destination, updated_at = excluded.updated_at`,
		ownerKind, ownerID, destination, db.Micros(s.now()))
	return err
}

// PayoutDestination returns where an owner's payouts go, "" if nowhere yet.
func (s *Service) PayoutDestination(ctx context.Context, ownerKind string, ownerID id.ID) (string, error) {
	var d string
	err := s.db.QueryRowContext(ctx, `SELECT destination FROM ledger_payout_destinations WHERE owner_kind = $1 AND owner_id = $2`, ownerKind, ownerID).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return d, err
}

// PayOut sends an owner's whole available balance in a market's currency to their
// bank account: it holds the money (a pending transfer out of the available
// account), asks the provider, then posts the hold if the provider paid or voids it
// if it refused, so a failed payout returns the money. A balance below the market's
// minimum payout is refused and nothing is written.
func (s *Service) PayOut(ctx context.Context, ownerKind string, ownerID id.ID, market string) (Payout, error) {
	po, err := s.holdPayout(ctx, ownerKind, ownerID, market)
	if err != nil {
		return Payout{}, err
	}
	return s.settlePayout(ctx, po)
}

// holdPayout records a pending payout of the owner's available balance with its hold.
func (s *Service) holdPayout(ctx context.Context, ownerKind string, ownerID id.ID, market string) (Payout, error) {
	if ownerKind != OwnerShop && ownerKind != OwnerCreator {
		return Payout{}, ErrBadOwner.OnField("owner_kind")
	}
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return Payout{}, err
	}
	p, err := s.markets.Policy(ctx, market, s.now())
	if err != nil {
		return Payout{}, err
	}
	dest, err := s.PayoutDestination(ctx, ownerKind, ownerID)
	if err != nil {
		return Payout{}, err
	}
	if dest == "" {
		return Payout{}, ErrNoDestination
	}
	avail := ref(ownerKind, availableOf(ownerKind), ownerID, m.Currency)
	po := Payout{ID: id.New(), OwnerKind: ownerKind, OwnerID: ownerID, Currency: m.Currency, Destination: dest, Status: PayoutPending,
		Provider: s.payouts.Name(), CreatedAt: s.now().UTC()}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var balance, held int64
		err := tx.QueryRowContext(ctx, `SELECT balance, pending_debit FROM ledger_accounts WHERE code = $1`+db.ForUpdate(tx), avail.Code()).Scan(&balance, &held)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		po.Amount = -(balance + held)
		if po.Amount <= 0 || po.Amount < p.Settlement.MinPayout {
			return ErrBelowMinimum.With("available %d %s, the minimum payout is %d", max(po.Amount, 0), m.Currency, p.Settlement.MinPayout)
		}
		hold, err := s.Post(ctx, tx, TransferInput{IdempotencyKey: "payout/" + po.ID.String(), Kind: "payout_held", Reference: "payout:" + po.ID.String(),
			Memo: "payout to " + maskDestination(dest), Pending: true, Postings: []Posting{
				{avail, po.Amount},
				{Platform(ProviderReceivable, m.Currency), -po.Amount},
			}})
		if err != nil {
			return err
		}
		po.HoldID = hold.ID
		_, err = tx.ExecContext(ctx, `INSERT INTO ledger_payouts (id, owner_kind, owner_id, currency, amount, destination, status, provider, hold_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, po.ID, ownerKind, ownerID, po.Currency, po.Amount, dest, PayoutPending, po.Provider, po.HoldID, db.Micros(po.CreatedAt))
		return err
	})
	if err != nil {
		return Payout{}, err
	}
	return po, nil
}

// ResumePayouts finishes payouts left pending longer than a minute — the process
// stopped between holding the money and hearing from the provider: it asks the
// provider again (a provider treats a repeated payout id as the same payout) and
// posts or voids the hold. It returns the payouts it finished.
func (s *Service) ResumePayouts(ctx context.Context) ([]Payout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, owner_kind, owner_id, currency, amount, destination, provider, hold_id, created_at
		FROM ledger_payouts WHERE status = 'pending' AND created_at < $1 ORDER BY id LIMIT 100`, db.Micros(s.now().Add(-time.Minute)))
	if err != nil {
		return nil, fmt.Errorf("ledger: pending payouts: %w", err)
	}
	var stuck []Payout
	for rows.Next() {
		po := Payout{Status: PayoutPending}
		var created int64
		if err := rows.Scan(&po.ID, &po.OwnerKind, &po.OwnerID, &po.Currency, &po.Amount, &po.Destination, &po.Provider, &po.HoldID, &created); err != nil {
			rows.Close()
			return nil, err
		}
		po.CreatedAt = db.Time(created)
		stuck = append(stuck, po)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Payout
	for _, po := range stuck {
		done, err := s.settlePayout(ctx, po)
		if err != nil {
			return out, err
		}
		out = append(out, done)
	}
	return out, nil
}

// settlePayout asks the provider and resolves the payout's hold by its answer.
func (s *Service) settlePayout(ctx context.Context, po Payout) (Payout, error) {
	refNo, perr := s.payouts.Pay(ctx, PayoutRequest{ID: po.ID, Destination: po.Destination, Amount: po.Amount, Currency: po.Currency})
	po.SettledAt = s.now().UTC()
	po.Status, po.ProviderRef = PayoutPaid, refNo
	if perr != nil {
		po.Status, po.Failure = PayoutFailed, perr.Error()
	}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := s.Resolve(ctx, tx, ResolveInput{IdempotencyKey: "payout/" + po.ID.String() + "/" + po.Status, PendingID: po.HoldID,
			Void: perr != nil, Memo: "payout " + po.Status}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE ledger_payouts SET status = $1, provider_ref = $2, failure = $3, settled_at = $4 WHERE id = $5 AND status = 'pending'`,
			po.Status, po.ProviderRef, po.Failure, db.Micros(po.SettledAt), po.ID)
		return err
	})
	if err != nil {
		return po, fmt.Errorf("ledger: settle payout %d: %w", po.ID, err)
	}
	return po, nil
}

// maskDestination shows a bank account's last four characters.
func maskDestination(d string) string {
	if len(d) <= 4 {
		return d
	}
	return "••••" + d[len(d)-4:]
}

// Payouts lists an owner's payouts, newest first.
func (s *Service) Payouts(ctx context.Context, ownerKind string, ownerID id.ID, limit int) ([]Payout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, owner_kind, owner_id, currency, amount, destination, status, provider, provider_ref, failure,
		hold_id, created_at, settled_at FROM ledger_payouts WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id DESC LIMIT $3`, ownerKind, ownerID, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: list payouts: %w", err)
	}
	defer rows.Close()
	var out []Payout
	for rows.Next() {
		var p Payout
		var created, settled int64
		if err := rows.Scan(&p.ID, &p.OwnerKind, &p.OwnerID, &p.Currency, &p.Amount, &p.Destination, &p.Status, &p.Provider, &p.ProviderRef,
			&p.Failure, &p.HoldID, &created, &settled); err != nil {
			return nil, err
		}
		p.Destination = maskDestination(p.Destination)
		p.CreatedAt = db.Time(created)
		if settled != 0 {
			p.SettledAt = db.Time(settled)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PayDue first finishes payouts left pending (ResumePayouts), then pays out every
// owner with a bank account whose available balance has reached the market's
// minimum: the scheduled payout run, so commissions are paid when due without anyone
// asking. An owner whose last payout the bank refused is
// skipped until their bank account changes. It returns the payouts it made (failed
// included).
func (s *Service) PayDue(ctx context.Context) ([]Payout, error) {
	out, err := s.ResumePayouts(ctx)
	if err != nil {
		return out, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT d.owner_kind, d.owner_id, st.market FROM ledger_payout_destinations d
		JOIN ledger_settlements st ON st.owner_kind = d.owner_kind AND st.owner_id = d.owner_id
		JOIN ledger_accounts a ON a.owner_kind = d.owner_kind AND a.owner_id = d.owner_id AND a.currency = st.currency
			AND a.type IN ('seller_available', 'creator_available')
		WHERE a.balance + a.pending_debit < 0 ORDER BY d.owner_kind, d.owner_id`)
	if err != nil {
		return nil, fmt.Errorf("ledger: owners to pay: %w", err)
	}
	type owner struct {
		kind   string
		id     id.ID
		market string
	}
	var owners []owner
	for rows.Next() {
		var o owner
		if err := rows.Scan(&o.kind, &o.id, &o.market); err != nil {
			rows.Close()
			return nil, err
		}
		owners = append(owners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, o := range owners {
		// A bank that refused the last payout will refuse the next: wait until the
		// payee changes the account (or asks by hand).
		var status, last string
		err := s.db.QueryRowContext(ctx, `SELECT status, destination FROM ledger_payouts WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id DESC LIMIT 1`,
			o.kind, o.id).Scan(&status, &last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return out, err
		}
		if status == PayoutFailed {
			if dest, err := s.PayoutDestination(ctx, o.kind, o.id); err != nil || dest == last {
				continue
			}
		}
		po, err := s.PayOut(ctx, o.kind, o.id, o.market)
		switch {
		case errors.Is(err, ErrBelowMinimum):
			continue
		case err != nil:
			return out, err
		}
		out = append(out, po)
	}
	return out, nil
}
