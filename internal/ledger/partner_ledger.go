package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Reads for partner tools (the Open API's finance family): which days a payee has a
// statement for, whether a statement's money has reached the bank, and a payee's
// payouts a page at a time.

// StatementDays lists the days (YYYY-MM-DD in the market's time zone), oldest first,
// on which a payee's payable account moved within [from, to): the days that have a
// statement.
func (s *Service) StatementDays(ctx context.Context, ownerKind string, ownerID id.ID, market string, from, to time.Time) ([]string, error) {
	if ownerKind != OwnerShop && ownerKind != OwnerCreator {
		return nil, ErrBadOwner.OnField("owner_kind")
	}
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("ledger: time zone of %s: %w", market, err)
	}
	var payableID id.ID
	err = s.db.QueryRowContext(ctx, `SELECT id FROM ledger_accounts WHERE code = $1`, ref(ownerKind, payableOf(ownerKind), ownerID, m.Currency).Code()).Scan(&payableID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.created_at FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
		WHERE p.account_id = $1 AND NOT t.pending AND t.created_at >= $2 AND t.created_at < $3 ORDER BY t.created_at`,
		payableID, db.Micros(from), db.Micros(to))
	if err != nil {
		return nil, fmt.Errorf("ledger: statement days: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		day := db.Time(at).In(loc).Format("2006-01-02")
		if n := len(out); n == 0 || out[n-1] != day {
			out = append(out, day)
		}
	}
	return out, rows.Err()
}

// PayoutCovering returns the first paid payout made after every given order's share
// for the payee was released to their available account: the payout that took that
// money to the bank. found is false while a share is unreleased or no payout has been
// paid since.
func (s *Service) PayoutCovering(ctx context.Context, ownerKind string, ownerID id.ID, orderIDs []id.ID) (po Payout, found bool, err error) {
	if len(orderIDs) == 0 {
		return Payout{}, false, nil
	}
	ph := make([]string, len(orderIDs))
	args := []any{ownerKind, ownerID}
	for i, o := range orderIDs {
		args = append(args, o)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	var unreleased, lastRelease int64
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN released_at = 0 THEN 1 ELSE 0 END), 0), COALESCE(MAX(released_at), 0) FROM ledger_settlements
		WHERE owner_kind = $1 AND owner_id = $2 AND order_id IN (`+strings.Join(ph, ",")+`)`, args...).Scan(&unreleased, &lastRelease)
	if err != nil {
		return Payout{}, false, fmt.Errorf("ledger: statement releases: %w", err)
	}
	if unreleased > 0 || lastRelease == 0 {
		return Payout{}, false, nil
	}
	ps, err := s.payoutsWhere(ctx, `WHERE owner_kind = $1 AND owner_id = $2 AND status = 'paid' AND created_at >= $3 ORDER BY created_at, id LIMIT 1`,
		ownerKind, ownerID, lastRelease)
	if err != nil || len(ps) == 0 {
		return Payout{}, false, err
	}
	return ps[0], true, nil
}

// PayoutPage selects a payee's payouts created within [From, Before), by creation,
// after the payout After (0: from the start).
type PayoutPage struct {
	OwnerKind  string
	OwnerID    id.ID
	From       time.Time
	Before     time.Time
	After      id.ID
	Descending bool
	Limit      int
}

// PayoutsPage returns a page of a payee's payouts (Limit+1 asked, so the caller can
// tell whether another page follows), with bank accounts masked.
func (s *Service) PayoutsPage(ctx context.Context, q PayoutPage) ([]Payout, error) {
	where := []string{"owner_kind = $1", "owner_id = $2"}
	args := []any{q.OwnerKind, q.OwnerID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !q.From.IsZero() {
		add("created_at >= $%d", db.Micros(q.From))
	}
	if !q.Before.IsZero() {
		add("created_at < $%d", db.Micros(q.Before))
	}
	dir := "ASC"
	if q.Descending {
		dir = "DESC"
		if q.After != 0 {
			add("id < $%d", q.After)
		}
	} else if q.After != 0 {
		add("id > $%d", q.After)
	}
	args = append(args, q.Limit+1)
	return s.payoutsWhere(ctx, `WHERE `+strings.Join(where, " AND ")+` ORDER BY id `+dir+fmt.Sprintf(` LIMIT $%d`, len(args)), args...)
}

func (s *Service) payoutsWhere(ctx context.Context, where string, args ...any) ([]Payout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, owner_kind, owner_id, currency, amount, destination, status, provider, provider_ref, failure,
		hold_id, created_at, settled_at FROM ledger_payouts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger: payouts: %w", err)
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
