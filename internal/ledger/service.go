package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service records transfers and answers balance questions.
type Service struct {
	db      *db.DB
	markets *market.Service
	sellers *seller.Service
	log     *slog.Logger
	now     func() time.Time
	payouts PayoutProvider
	fx      *market.FX
	catalog *catalog.Service
	// creatorOf finds the creator profile of an account (UseCreators).
	creatorOf func(ctx context.Context, accountID id.ID) (creatorID id.ID, market string, err error)
}

// NewService returns a ledger service paying out through the simulated provider.
func NewService(d *db.DB, markets *market.Service, sellers *seller.Service, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, sellers: sellers, log: log, now: time.Now, payouts: &SimulatedPayouts{}}
}

// SetFX gives the ledger the operators' exchange rates, for reports in USD.
func (s *Service) SetFX(fx *market.FX) { s.fx = fx }

// SetPayoutProvider replaces the payout provider.
func (s *Service) SetPayoutProvider(p PayoutProvider) { s.payouts = p }

// Run releases settled money and pays out what is due every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Release(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("ledger release", "err", err)
		}
		if _, err := s.PayDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("ledger payouts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// validate checks a transfer's shape before anything is written.
func validate(in TransferInput) error {
	if in.IdempotencyKey == "" {
		return ErrMissingKey
	}
	if len(in.Postings) < 2 {
		return ErrTooFewPostings
	}
	sums := map[string]int64{}
	for i, p := range in.Postings {
		if _, ok := types[p.Account.Type]; !ok {
			return ErrUnknownAccountType.With("unknown account type %q", p.Account.Type).OnField(fmt.Sprintf("postings[%d].account.type", i))
		}
		if _, ok := money.Lookup(p.Account.Currency); !ok {
			return ErrCurrencyMismatch.With("unknown currency %q", p.Account.Currency).OnField(fmt.Sprintf("postings[%d].account.currency", i))
		}
		if p.Amount == 0 {
			return ErrZeroPosting.OnField(fmt.Sprintf("postings[%d].amount", i))
		}
		s, ok := money.AddInt(sums[p.Account.Currency], p.Amount)
		if !ok {
			return money.ErrOverflow
		}
		sums[p.Account.Currency] = s
	}
	for cur, s := range sums {
		if s != 0 {
			return ErrUnbalanced.With("postings in %s sum to %d, not zero", cur, s)
		}
	}
	return nil
}

// contentHash fingerprints what a transfer does, to tell a harmless replay of an
// idempotency key from a conflicting reuse: the SHA-256 of the JSON of its kind,
// reference, pending flag and postings sorted by account code and amount. The JSON is
// written by hand (appendContent) because encoding/json was most of the cost of a
// transfer's validation; the bytes are exactly encoding/json's, so the hashes stored
// before stay valid (TestContentHashIsTheJSONOne checks).
func contentHash(in TransferInput) string {
	type coded struct {
		code string
		p    Posting
	}
	ps := make([]coded, len(in.Postings))
	for i, p := range in.Postings {
		ps[i] = coded{p.Account.Code(), p}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].code != ps[j].code {
			return ps[i].code < ps[j].code
		}
		return ps[i].p.Amount < ps[j].p.Amount
	})
	b := make([]byte, 0, 128+96*len(ps))
	b = append(b, `{"Kind":`...)
	b = appendJSONString(b, in.Kind)
	b = append(b, `,"Reference":`...)
	b = appendJSONString(b, in.Reference)
	if in.Pending {
		b = append(b, `,"Pending":true`...)
	}
	b = append(b, `,"Postings":`...)
	if len(ps) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"account":{"type":`...)
			b = appendJSONString(b, string(c.p.Account.Type))
			b = append(b, `,"owner_kind":`...)
			b = appendJSONString(b, c.p.Account.OwnerKind)
			b = append(b, `,"owner_id":"`...)
			b = strconv.AppendInt(b, int64(c.p.Account.OwnerID), 10)
			b = append(b, `","currency":`...)
			b = appendJSONString(b, c.p.Account.Currency)
			b = append(b, `},"amount":`...)
			b = strconv.AppendInt(b, c.p.Amount, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// appendJSONString appends s as encoding/json writes it: plain printable ASCII as
// is, anything else (quotes, backslashes, HTML characters, control and non-ASCII
// characters) through encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// replay looks an idempotency key up: found says a transfer holds it; a different
// content hash is a conflict.
func (s *Service) replay(ctx context.Context, tx *db.Tx, key, hash string) (t Transfer, found bool, err error) {
	var existingID id.ID
	var existingHash string
	err = tx.QueryRowContext(ctx, `SELECT id, content_hash FROM ledger_transfers WHERE idempotency_key = $1`, key).Scan(&existingID, &existingHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Transfer{}, false, nil
	case err != nil:
		return Transfer{}, false, fmt.Errorf("ledger: check idempotency: %w", err)
	case existingHash != hash:
		return Transfer{}, true, ErrIdempotencyConflict.With("idempotency key %q was used for a different transfer", key)
	}
	t, err = s.transfer(ctx, tx, existingID)
	return t, true, err
}

// moveColumn is the column a posting changes: the balance, or for a hold the held
// debits or credits.
func moveColumn(amount int64, pending bool) string {
	switch {
	case !pending:
		return "balance"
	case amount > 0:
		return "pending_debit"
	default:
		return "pending_credit"
	}
}

// Post records a transfer in the caller's transaction and moves the balances of its
// accounts (for a pending transfer, their held amounts), opening accounts on first
// use. Posting the same transfer twice (same key, same content) returns the first and
// changes nothing. On any error nothing is written: the caller's transaction should
// roll back.
func (s *Service) Post(ctx context.Context, tx *db.Tx, in TransferInput) (Transfer, error) {
	if err := validate(in); err != nil {
		return Transfer{}, err
	}
	hash := contentHash(in)
	if t, found, err := s.replay(ctx, tx, in.IdempotencyKey, hash); found || err != nil {
		return t, err
	}

	now := s.now().UTC()
	t := Transfer{ID: id.New(), IdempotencyKey: in.IdempotencyKey, Kind: in.Kind, Reference: in.Reference, Memo: in.Memo, CreatedAt: now, Pending: in.Pending}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_transfers (id, idempotency_key, kind, reference, memo, content_hash, created_at, pending)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, in.IdempotencyKey, in.Kind, in.Reference, in.Memo, hash, db.Micros(now), in.Pending); err != nil {
		return Transfer{}, fmt.Errorf("ledger: record transfer: %w", err)
	}
	// Touch accounts in code order, so two transfers over the same accounts lock them in
	// the same order on PostgreSQL and cannot deadlock.
	ps := append([]Posting(nil), in.Postings...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Account.Code() < ps[j].Account.Code() })
	for _, p := range ps {
		acct, err := s.ensureAccount(ctx, tx, p.Account, now)
		if err != nil {
			return Transfer{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_postings (id, transfer_id, account_id, amount, currency) VALUES ($1, $2, $3, $4, $5)`,
			id.New(), t.ID, acct, p.Amount, p.Account.Currency); err != nil {
			return Transfer{}, fmt.Errorf("ledger: record posting: %w", err)
		}
		col := moveColumn(p.Amount, in.Pending)
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET `+col+` = `+col+` + $1 WHERE id = $2`, p.Amount, acct); err != nil {
			if db.IsCheckViolation(err) {
				return Transfer{}, ErrOverdraft.With("%s cannot go past zero", p.Account.Code())
			}
			return Transfer{}, fmt.Errorf("ledger: move balance: %w", err)
		}
		t.Postings = append(t.Postings, PostedPosting{AccountCode: p.Account.Code(), Amount: p.Amount, Currency: p.Account.Currency})
	}
	return t, nil
}

// ResolveInput posts or voids a hold.
type ResolveInput struct {
	IdempotencyKey string
	PendingID      id.ID
	Void           bool
	Memo           string
}

// Resolve posts a hold (its postings move the balances, the held amounts are
// released) or voids it (the held amounts are released, nothing moves), recording a
// transfer that names the hold. A hold is resolved once: a second resolution with
// another key is refused with ErrHoldResolved, a replay of the same key returns the
// first. On any error nothing is written.
func (s *Service) Resolve(ctx context.Context, tx *db.Tx, in ResolveInput) (Transfer, error) {
	if in.IdempotencyKey == "" {
		return Transfer{}, ErrMissingKey
	}
	resolution, kind := "post", "hold_posted"
	if in.Void {
		resolution, kind = "void", "hold_voided"
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("resolve/%d/%s", in.PendingID, resolution)))
	hash := hex.EncodeToString(sum[:])
	if t, found, err := s.replay(ctx, tx, in.IdempotencyKey, hash); found || err != nil {
		return t, err
	}
	var pending bool
	var reference string
	err := tx.QueryRowContext(ctx, `SELECT pending, reference FROM ledger_transfers WHERE id = $1`, in.PendingID).Scan(&pending, &reference)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !pending) {
		return Transfer{}, ErrHoldNotFound.With("no pending transfer %d", in.PendingID).OnField("pending_id")
	}
	if err != nil {
		return Transfer{}, fmt.Errorf("ledger: find hold: %w", err)
	}
	var resolved int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers WHERE pending_id = $1`, in.PendingID).Scan(&resolved); err != nil {
		return Transfer{}, fmt.Errorf("ledger: check hold: %w", err)
	}
	if resolved > 0 {
		return Transfer{}, ErrHoldResolved.With("pending transfer %d was already posted or voided", in.PendingID)
	}
	type leg struct {
		account  id.ID
		code     string
		amount   int64
		currency string
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.account_id, a.code, p.amount, p.currency FROM ledger_postings p
		JOIN ledger_accounts a ON a.id = p.account_id WHERE p.transfer_id = $1 ORDER BY a.code, p.id`, in.PendingID)
	if err != nil {
		return Transfer{}, fmt.Errorf("ledger: read hold: %w", err)
	}
	var legs []leg
	for rows.Next() {
		var l leg
		if err := rows.Scan(&l.account, &l.code, &l.amount, &l.currency); err != nil {
			rows.Close()
			return Transfer{}, err
		}
		legs = append(legs, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Transfer{}, err
	}

	now := s.now().UTC()
	memo := in.Memo
	if memo == "" {
		memo = kind
	}
	t := Transfer{ID: id.New(), IdempotencyKey: in.IdempotencyKey, Kind: kind, Reference: reference, Memo: memo, CreatedAt: now,
		PendingID: in.PendingID, Resolution: resolution}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_transfers (id, idempotency_key, kind, reference, memo, content_hash, created_at, pending, pending_id, resolution)
		VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9)`, t.ID, in.IdempotencyKey, kind, reference, memo, hash, db.Micros(now), in.PendingID, resolution); err != nil {
		if db.IsUniqueViolation(err) {
			return Transfer{}, ErrHoldResolved.With("pending transfer %d was already posted or voided", in.PendingID)
		}
		return Transfer{}, fmt.Errorf("ledger: record resolution: %w", err)
	}
	for _, l := range legs {
		held := moveColumn(l.amount, true)
		set := held + ` = ` + held + ` - $1`
		if !in.Void {
			set += `, balance = balance + $1`
			if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_postings (id, transfer_id, account_id, amount, currency) VALUES ($1, $2, $3, $4, $5)`,
				id.New(), t.ID, l.account, l.amount, l.currency); err != nil {
				return Transfer{}, fmt.Errorf("ledger: record posting: %w", err)
			}
			t.Postings = append(t.Postings, PostedPosting{AccountCode: l.code, Amount: l.amount, Currency: l.currency})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET `+set+` WHERE id = $2`, l.amount, l.account); err != nil {
			if db.IsCheckViolation(err) {
				return Transfer{}, ErrOverdraft.With("%s cannot go past zero", l.code)
			}
			return Transfer{}, fmt.Errorf("ledger: release hold: %w", err)
		}
	}
	return t, nil
}

// ensureAccount returns the id of the account named by ref, opening it if needed.
func (s *Service) ensureAccount(ctx context.Context, tx *db.Tx, ref AccountRef, now time.Time) (id.ID, error) {
	spec := types[ref.Type]
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_accounts (id, code, type, owner_kind, owner_id, currency, normal, no_overdraft, balance, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) ON CONFLICT (code) DO NOTHING`,
		id.New(), ref.Code(), string(ref.Type), ref.OwnerKind, ref.OwnerID, ref.Currency, string(spec.normal), spec.noOverdraft, db.Micros(now)); err != nil {
		return 0, fmt.Errorf("ledger: open account: %w", err)
	}
	var acct id.ID
	if err := tx.QueryRowContext(ctx, `SELECT id FROM ledger_accounts WHERE code = $1`, ref.Code()).Scan(&acct); err != nil {
		return 0, fmt.Errorf("ledger: find account: %w", err)
	}
	return acct, nil
}

func (s *Service) transfer(ctx context.Context, q db.Querier, transferID id.ID) (Transfer, error) {
	ts, err := s.transfers(ctx, q, `WHERE t.id = $1`, transferID)
	if err != nil {
		return Transfer{}, err
	}
	if len(ts) == 0 {
		return Transfer{}, fmt.Errorf("ledger: transfer %d vanished", transferID)
	}
	return ts[0], nil
}

// TransfersFor lists the transfers about a reference ("order:123"), oldest first.
func (s *Service) TransfersFor(ctx context.Context, reference string) ([]Transfer, error) {
	return s.transfers(ctx, s.db, `WHERE t.reference = $1`, reference)
}

// RecentTransfers lists the newest transfers.
func (s *Service) RecentTransfers(ctx context.Context, limit int) ([]Transfer, error) {
	return s.transfers(ctx, s.db, `WHERE t.id IN (SELECT id FROM ledger_transfers ORDER BY id DESC LIMIT $1)`, limit)
}

func (s *Service) transfers(ctx context.Context, q db.Querier, where string, args ...any) ([]Transfer, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.idempotency_key, t.kind, t.reference, t.memo, t.created_at, t.pending, COALESCE(t.pending_id, 0), t.resolution,
			COALESCE(a.code, ''), COALESCE(p.amount, 0), COALESCE(p.currency, '')
		FROM ledger_transfers t LEFT JOIN ledger_postings p ON p.transfer_id = t.id LEFT JOIN ledger_accounts a ON a.id = p.account_id `+where+`
		ORDER BY t.id, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list transfers: %w", err)
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		var t Transfer
		var created int64
		var p PostedPosting
		if err := rows.Scan(&t.ID, &t.IdempotencyKey, &t.Kind, &t.Reference, &t.Memo, &created, &t.Pending, &t.PendingID, &t.Resolution,
			&p.AccountCode, &p.Amount, &p.Currency); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == t.ID && p.AccountCode != "" {
			out[n-1].Postings = append(out[n-1].Postings, p)
			continue
		}
		t.CreatedAt = db.Time(created)
		if p.AccountCode != "" {
			t.Postings = []PostedPosting{p}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AccountsOf lists an owner's accounts.
func (s *Service) AccountsOf(ctx context.Context, ownerKind string, ownerID id.ID) ([]Account, error) {
	return s.accounts(ctx, `WHERE owner_kind = $1 AND owner_id = $2 ORDER BY code`, ownerKind, ownerID)
}

// Accounts lists every account.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	return s.accounts(ctx, `ORDER BY code`)
}

// Account returns the account named by ref, with a zero balance if it was never used.
func (s *Service) Account(ctx context.Context, ref AccountRef) (Account, error) {
	as, err := s.accounts(ctx, `WHERE code = $1`, ref.Code())
	if err != nil {
		return Account{}, err
	}
	if len(as) == 0 {
		spec := types[ref.Type]
		return Account{AccountRef: ref, Code: ref.Code(), Normal: spec.normal, NoOverdraft: spec.noOverdraft}, nil
	}
	return as[0], nil
}

func (s *Service) accounts(ctx context.Context, where string, args ...any) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, type, owner_kind, owner_id, currency, normal, no_overdraft, balance, pending_debit, pending_credit FROM ledger_accounts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Code, &a.Type, &a.OwnerKind, &a.OwnerID, &a.Currency, &a.Normal, &a.NoOverdraft, &a.Balance, &a.PendingDebit, &a.PendingCredit); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// TrialBalance sums every account's balance per currency. Every sum is zero unless the
// books are broken; Verify says which.
func (s *Service) TrialBalance(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT currency, SUM(balance) FROM ledger_accounts GROUP BY currency`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var cur string
		var sum int64
		if err := rows.Scan(&cur, &sum); err != nil {
			return nil, err
		}
		out[cur] = sum
	}
	return out, rows.Err()
}

// Verify checks the books: balances sum to zero per currency, every account's
// balance equals the sum of its posted postings (holds' postings are not in it), and
// its held debits and credits equal those of its open holds: the maintained figures
// have not drifted.
func (s *Service) Verify(ctx context.Context) error {
	tb, err := s.TrialBalance(ctx)
	if err != nil {
		return err
	}
	for cur, sum := range tb {
		if sum != 0 {
			return fmt.Errorf("ledger: balances in %s sum to %d", cur, sum)
		}
	}
	var drifted int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_accounts a WHERE a.balance <>
			COALESCE((SELECT SUM(p.amount) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
				WHERE p.account_id = a.id AND NOT t.pending), 0)
		OR a.pending_debit <> COALESCE((SELECT SUM(p.amount) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
				WHERE p.account_id = a.id AND t.pending AND p.amount > 0 AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)), 0)
		OR a.pending_credit <> COALESCE((SELECT SUM(p.amount) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
				WHERE p.account_id = a.id AND t.pending AND p.amount < 0 AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)), 0)`).Scan(&drifted)
	if err != nil {
		return err
	}
	if drifted > 0 {
		return fmt.Errorf("ledger: %d accounts' balances differ from their postings", drifted)
	}
	return nil
}
