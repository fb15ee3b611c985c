package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Statements read the ledger from a payee's side, in the shape of TikTok Shop's
// finance statements: per day (in the market's time zone), a line per order with
// what its sale, fees, commissions, subsidies, shipping, tax and refunds did to the
// payee's payable account. Every figure comes from the transfers' legs, so a
// statement equals the ledger's movements by construction, and the property test
// checks that it does.

// StatementLine is what one order (or one transfer about it) moved for a payee.
// Amounts are from the payee's side: positive is money to them. Net is the sum of
// the others and what the payee's payable account moved.
type StatementLine struct {
	TransferID  id.ID     `json:"transfer_id"`
	At          time.Time `json:"at"`
	Kind        string    `json:"kind"`
	Reference   string    `json:"reference"`
	OrderID     id.ID     `json:"order_id,omitempty"` // when the reference is an order
	Sales       int64     `json:"sales"`              // what the buyer paid
	Subsidies   int64     `json:"subsidies"`          // what the platform funded
	Fees        int64     `json:"fees"`               // referral and refund administration fees
	Commissions int64     `json:"commissions"`        // creators' commission (for a creator: their earnings)
	Shipping    int64     `json:"shipping"`           // the label
	Tax         int64     `json:"tax"`                // tax collected for the authorities
	Refunds     int64     `json:"refunds"`            // money back to the buyer
	Adjustments int64     `json:"adjustments"`        // anything else
	Net         int64     `json:"net"`
}

func (l *StatementLine) add(o StatementLine) {
	l.Sales += o.Sales
	l.Subsidies += o.Subsidies
	l.Fees += o.Fees
	l.Commissions += o.Commissions
	l.Shipping += o.Shipping
	l.Tax += o.Tax
	l.Refunds += o.Refunds
	l.Adjustments += o.Adjustments
	l.Net += o.Net
}

// Statement is a payee's day.
type Statement struct {
	OwnerKind string          `json:"owner_kind"`
	OwnerID   id.ID           `json:"owner_id"`
	Market    string          `json:"market"`
	Currency  string          `json:"currency"`
	Day       string          `json:"day"` // YYYY-MM-DD in the market's time zone
	Lines     []StatementLine `json:"lines"`
	Totals    StatementLine   `json:"totals"`
	// Released is what moved from payable to available (settled), PaidOut what left
	// the available account for the bank, Owed what went back from available to
	// payable for a refund after settlement (Reopened).
	Released int64 `json:"released"`
	Reopened int64 `json:"reopened"`
	PaidOut  int64 `json:"paid_out"`
	// PayableMovement is the payable account's movement over the day, from its
	// postings: Totals.Net - Released + Reopened always equals it.
	PayableMovement int64 `json:"payable_movement"`
}

type leg struct {
	typ    AccountType
	kind   string
	owner  id.ID
	amount int64
}

// lineOf reads one transfer from the payee's side.
func lineOf(ownerKind string, ownerID id.ID, t Transfer, legs []leg) StatementLine {
	l := StatementLine{TransferID: t.ID, At: t.CreatedAt, Kind: t.Kind, Reference: t.Reference}
	if v, ok := strings.CutPrefix(t.Reference, "order:"); ok {
		l.OrderID, _ = id.Parse(v)
	}
	payable := payableOf(ownerKind)
	for _, g := range legs {
		if g.typ == payable && g.kind == ownerKind && g.owner == ownerID {
			l.Net -= g.amount
			continue
		}
		if ownerKind == OwnerCreator {
			continue // a creator's line is their commission or its clawback
		}
		switch g.typ {
		case BuyerPaymentsClearing:
			l.Sales += g.amount
		case ProviderReceivable:
			l.Refunds += g.amount
		case PlatformSubsidyExpense:
			l.Subsidies += g.amount
		case PlatformReferralRevenue:
			l.Fees += g.amount
		case CreatorCommissionPayable:
			l.Commissions += g.amount
		case CarrierPayable:
			l.Shipping += g.amount
		case TaxPayable:
			l.Tax += g.amount
		default:
			l.Adjustments += g.amount
		}
	}
	if ownerKind == OwnerCreator {
		switch t.Kind {
		case "order_settled":
			l.Commissions = l.Net
		case "order_refunded":
			l.Refunds = l.Net
		default:
			l.Adjustments = l.Net
		}
	}
	return l
}

// ErrBadDay is returned for a day that is not YYYY-MM-DD.
var ErrBadDay = errs.New(errs.Invalid, "statement_day_invalid", "a statement day is YYYY-MM-DD")

// DayBounds returns the instants a market's day starts and ends.
func (s *Service) DayBounds(ctx context.Context, market, day string) (from, to time.Time, err error) {
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return from, to, fmt.Errorf("ledger: time zone of %s: %w", market, err)
	}
	d, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return from, to, ErrBadDay.OnField("day")
	}
	return d.UTC(), d.AddDate(0, 0, 1).UTC(), nil
}

// Statement builds a shop's or creator's statement of a day in a market.
func (s *Service) Statement(ctx context.Context, ownerKind string, ownerID id.ID, market, day string) (Statement, error) {
	if ownerKind != OwnerShop && ownerKind != OwnerCreator {
		return Statement{}, ErrBadOwner.OnField("owner_kind")
	}
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return Statement{}, err
	}
	from, to, err := s.DayBounds(ctx, market, day)
	if err != nil {
		return Statement{}, err
	}
	st := Statement{OwnerKind: ownerKind, OwnerID: ownerID, Market: market, Currency: m.Currency, Day: day}
	payable := ref(ownerKind, payableOf(ownerKind), ownerID, m.Currency)
	available := ref(ownerKind, availableOf(ownerKind), ownerID, m.Currency)
	var payableID id.ID
	err = s.db.QueryRowContext(ctx, `SELECT id FROM ledger_accounts WHERE code = $1`, payable.Code()).Scan(&payableID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return Statement{}, err
	}
	ts, legs, err := s.transfersTouching(ctx, payableID, from, to)
	if err != nil {
		return Statement{}, err
	}
	for _, t := range ts {
		l := lineOf(ownerKind, ownerID, t, legs[t.ID])
		switch t.Kind {
		case "settlement_released":
			st.Released -= l.Net
			continue
		case "settlement_reopened":
			st.Reopened += l.Net
			continue
		}
		st.Lines = append(st.Lines, l)
		st.Totals.add(l)
	}
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(-SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
		WHERE p.account_id = $1 AND NOT t.pending AND t.created_at >= $2 AND t.created_at < $3`, payableID, db.Micros(from), db.Micros(to)).Scan(&st.PayableMovement)
	if err != nil {
		return Statement{}, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_transfers t ON t.id = p.transfer_id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE a.code = $1 AND t.kind = 'hold_posted' AND t.created_at >= $2 AND t.created_at < $3`, available.Code(), db.Micros(from), db.Micros(to)).Scan(&st.PaidOut)
	return st, err
}

// transfersTouching lists the posted transfers of a period with a leg on an account,
// with all their legs.
func (s *Service) transfersTouching(ctx context.Context, accountID id.ID, from, to time.Time) ([]Transfer, map[id.ID][]leg, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.kind, t.reference, t.created_at, a.type, a.owner_kind, a.owner_id, p.amount
		FROM ledger_transfers t JOIN ledger_postings p ON p.transfer_id = t.id JOIN ledger_accounts a ON a.id = p.account_id
		WHERE NOT t.pending AND t.created_at >= $2 AND t.created_at < $3
			AND EXISTS (SELECT 1 FROM ledger_postings q WHERE q.transfer_id = t.id AND q.account_id = $1)
		ORDER BY t.id, p.id`, accountID, db.Micros(from), db.Micros(to))
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: statement transfers: %w", err)
	}
	defer rows.Close()
	var ts []Transfer
	legs := map[id.ID][]leg{}
	for rows.Next() {
		var t Transfer
		var created int64
		var g leg
		if err := rows.Scan(&t.ID, &t.Kind, &t.Reference, &created, &g.typ, &g.kind, &g.owner, &g.amount); err != nil {
			return nil, nil, err
		}
		if n := len(ts); n == 0 || ts[n-1].ID != t.ID {
			t.CreatedAt = db.Time(created)
			ts = append(ts, t)
		}
		legs[t.ID] = append(legs[t.ID], g)
	}
	return ts, legs, rows.Err()
}

// OrderBreakdown is each transfer of an order read from its shop's side: the sale,
// then any refunds. Only transfers that moved the shop's payable account show, so a
// shop sees nothing of another shop's order.
func (s *Service) OrderBreakdown(ctx context.Context, shopID, orderID id.ID) ([]StatementLine, error) {
	ts, err := s.TransfersFor(ctx, "order:"+orderID.String())
	if err != nil {
		return nil, err
	}
	accts, err := s.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]Account{}
	for _, a := range accts {
		byCode[a.Code] = a
	}
	var out []StatementLine
	for _, t := range ts {
		if t.Pending || t.Kind == "payment_captured" || t.Kind == "payment_returned" {
			continue // the buyer's money on the platform's books, not yet the shop's
		}
		var legs []leg
		party := false
		for _, p := range t.Postings {
			a := byCode[p.AccountCode]
			legs = append(legs, leg{typ: a.Type, kind: a.OwnerKind, owner: a.OwnerID, amount: p.Amount})
			party = party || (a.OwnerKind == OwnerShop && a.OwnerID == shopID && a.Type == SellerPayable)
		}
		if !party {
			continue // another shop's order, or not yet the shop's money: nothing to show
		}
		out = append(out, lineOf(OwnerShop, shopID, t, legs))
	}
	return out, nil
}

// Earnings is a creator's commission at a glance.
type Earnings struct {
	Currency string `json:"currency"`
	// Pending: earned on settled orders, not yet released; Payable: released, not yet
	// paid; Paid: paid out to the bank.
	Pending int64 `json:"pending"`
	Payable int64 `json:"payable"`
	Paid    int64 `json:"paid"`
	// Overdue: released commissions past their due date and not covered by payouts
	// (oldest paid first); DueSoon: due within two days, not yet paid.
	Overdue       []Settlement `json:"overdue"`
	OverdueAmount int64        `json:"overdue_amount"`
	DueSoon       []Settlement `json:"due_soon"`
}

// CreatorEarnings answers a creator's earnings in a currency.
func (s *Service) CreatorEarnings(ctx context.Context, creatorID id.ID, currency string) (Earnings, error) {
	e := Earnings{Currency: currency}
	pend, err := s.Account(ctx, Creator(CreatorCommissionPayable, creatorID, currency))
	if err != nil {
		return e, err
	}
	avail, err := s.Account(ctx, Creator(CreatorAvailable, creatorID, currency))
	if err != nil {
		return e, err
	}
	e.Pending, e.Payable = pend.Normalised().Amount, avail.Available().Amount
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_payouts WHERE owner_kind = 'creator' AND owner_id = $1
		AND currency = $2 AND status = 'paid'`, creatorID, currency).Scan(&e.Paid); err != nil {
		return e, err
	}
	e.Overdue, e.DueSoon, e.OverdueAmount, err = s.commissionsDue(ctx, `owner_id = $1 AND currency = $2`, creatorID, currency)
	return e, err
}

// CommissionsDueOnShop lists the commissions on a shop's orders that are overdue or
// soon due, so the seller sees them too.
func (s *Service) CommissionsDueOnShop(ctx context.Context, shopID id.ID) (overdue, dueSoon []Settlement, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT owner_id, currency FROM ledger_settlements WHERE shop_id = $1 AND owner_kind = 'creator'`, shopID)
	if err != nil {
		return nil, nil, err
	}
	type cc struct {
		id  id.ID
		cur string
	}
	var cs []cc
	for rows.Next() {
		var c cc
		if err := rows.Scan(&c.id, &c.cur); err != nil {
			rows.Close()
			return nil, nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		o, d, _, err := s.commissionsDue(ctx, `owner_id = $1 AND currency = $2`, c.id, c.cur)
		if err != nil {
			return nil, nil, err
		}
		for _, st := range o {
			if st.ShopID == shopID {
				overdue = append(overdue, st)
			}
		}
		for _, st := range d {
			if st.ShopID == shopID {
				dueSoon = append(dueSoon, st)
			}
		}
	}
	return overdue, dueSoon, rows.Err()
}

// commissionsDue splits a creator's commissions (in one currency) into overdue and
// soon due: payouts cover the oldest first.
func (s *Service) commissionsDue(ctx context.Context, where string, creatorID id.ID, currency string) (overdue, dueSoon []Settlement, overdueAmount int64, err error) {
	all, err := s.Settlements(ctx, OwnerCreator, creatorID, 100000)
	if err != nil {
		return nil, nil, 0, err
	}
	var paid int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_payouts WHERE owner_kind = 'creator' AND `+where+` AND status = 'paid'`,
		creatorID, currency).Scan(&paid); err != nil {
		return nil, nil, 0, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].DueAt.Before(all[j].DueAt) })
	now := s.now()
	for _, st := range all {
		if st.Currency != currency {
			continue
		}
		owed := st.Released
		if st.ReleasedAt.IsZero() {
			var err error
			if owed, err = orderNet(ctx, s.db, st.OrderID, Creator(CreatorCommissionPayable, creatorID, currency)); err != nil {
				return nil, nil, 0, err
			}
			owed = -owed
		}
		if owed <= 0 {
			continue
		}
		if paid >= owed {
			paid -= owed
			continue
		}
		unpaid := owed - paid
		paid = 0
		switch {
		case st.DueAt.Before(now):
			overdue = append(overdue, st)
			overdueAmount += unpaid
		case st.DueAt.Before(now.Add(48 * time.Hour)):
			dueSoon = append(dueSoon, st)
		}
	}
	return overdue, dueSoon, overdueAmount, nil
}
