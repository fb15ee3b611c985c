package seller

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The operator review of new shops, and every later change of a shop's state. A shop
// waiting for review is pending with review state submitted (in the queue) or
// info_requested (back with the seller, who resubmits). Approval activates it; a
// rejection deactivates it with the reason. Active shops may later be restricted
// (they keep selling, with limits), suspended (no selling) or deactivated (closed for
// good); every move is recorded in shop_actions with who made it and why.

// Action is one recorded change of a shop.
type Action struct {
	ID         id.ID     `json:"id"`
	ShopID     id.ID     `json:"shop_id"`
	Action     string    `json:"action"`
	FromStatus Status    `json:"from_status"`
	ToStatus   Status    `json:"to_status"`
	Reason     string    `json:"reason"`
	ActorID    id.ID     `json:"actor_id"`
	At         time.Time `json:"at"`
}

func logAction(ctx context.Context, q db.Querier, shopID id.ID, action string, from, to Status, reason string, actor id.ID, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO shop_actions (id, shop_id, action, from_status, to_status, reason, actor_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id.New(), shopID, action, string(from), string(to), reason, actor, db.Micros(at))
	return err
}

// Actions lists what happened to a shop, newest first. Its manager or an operator.
func (s *Service) Actions(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Action, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, shop_id, action, from_status, to_status, reason, actor_id, at
		FROM shop_actions WHERE shop_id = $1 ORDER BY id DESC LIMIT 200`, shopID)
	if err != nil {
		return nil, fmt.Errorf("seller: list actions: %w", err)
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		var at int64
		if err := rows.Scan(&a.ID, &a.ShopID, &a.Action, &a.FromStatus, &a.ToStatus, &a.Reason, &a.ActorID, &at); err != nil {
			return nil, err
		}
		a.At = db.Time(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReviewQueue lists shops waiting for an operator's decision, oldest first; with
// withSeller, also those waiting for the seller's answer. Operators only.
func (s *Service) ReviewQueue(ctx context.Context, actor auth.Actor, marketCode string, withSeller bool) ([]Shop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	states := `('submitted')`
	if withSeller {
		states = `('submitted', 'info_requested')`
	}
	if marketCode != "" {
		return s.list(ctx, `WHERE s.review_state IN `+states+` AND s.status = 'pending' AND s.market = $1 ORDER BY s.id LIMIT 500`, marketCode)
	}
	return s.list(ctx, `WHERE s.review_state IN `+states+` AND s.status = 'pending' ORDER BY s.id LIMIT 500`)
}

// Review decisions.
const (
	Approve     = "approve"
	Reject      = "reject"
	RequestInfo = "request_info"
)

// Decide records an operator's review decision on a pending shop: approve (the shop
// becomes active and its probation starts), reject (deactivated, reason required) or
// request_info (back to the seller, reason required: say what is missing).
func (s *Service) Decide(ctx context.Context, actor auth.Actor, shopID id.ID, decision, reason string) (Shop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Shop{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 1000 {
		return Shop{}, ErrReasonRequired.With("a reason is at most 1,000 characters")
	}
	if decision != Approve && reason == "" {
		return Shop{}, ErrReasonRequired
	}
	now := s.now().UTC()
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		sh, err := s.LoadShop(ctx, tx, shopID)
		if err != nil {
			return err
		}
		if sh.Status != Pending || (sh.ReviewState != Submitted && sh.ReviewState != InfoRequested) {
			return ErrNotInReview.With("%s is %s (review: %s)", sh.Name, sh.Status, orNone(string(sh.ReviewState)))
		}
		var q string
		var args []any
		to := sh.Status
		switch decision {
		case Approve:
			to = Active
			q, args = `UPDATE shops SET status = 'active', review_state = 'approved', status_reason = $1, activated_at = $2 WHERE id = $3`,
				[]any{reason, db.Micros(now), shopID}
		case Reject:
			to = Deactivated
			q, args = `UPDATE shops SET status = 'deactivated', review_state = 'rejected', status_reason = $1 WHERE id = $2`, []any{reason, shopID}
		case RequestInfo:
			q, args = `UPDATE shops SET review_state = 'info_requested', status_reason = $1 WHERE id = $2`, []any{reason, shopID}
		default:
			return ErrBadTransition.With(`a decision is "approve", "reject" or "request_info"`).OnField("decision")
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		return logAction(ctx, tx, shopID, decision, sh.Status, to, reason, actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	s.log.Info("shop review decision", "shop", shopID, "decision", decision, "by", actor.AccountID)
	return s.Shop(ctx, shopID)
}

// Resubmit sends a shop the operators asked more of back to the queue with updated
// business details. Its manager only.
func (s *Service) Resubmit(ctx context.Context, actor auth.Actor, shopID id.ID, in RegisterInput) (Shop, error) {
	sh, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Shop{}, err
	}
	if sh.ReviewState != InfoRequested || sh.Status != Pending {
		return Shop{}, ErrNotInReview.With("%s is not waiting for more information", sh.Name)
	}
	if err := in.checkDetails(); err != nil {
		return Shop{}, err
	}
	now := s.now().UTC()
	if sh.Kind == CrossBorder {
		p, err := s.markets.Policy(ctx, sh.Market, now)
		if err != nil {
			return Shop{}, err
		}
		if in.AnnualGMVElsewhere < p.Shops.CrossBorderMinAnnualGMV {
			return Shop{}, ErrCrossBorderGMV
		}
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE shops SET legal_name = $1, registration_number = $2, annual_gmv_elsewhere = $3, documents = $4,
			review_state = 'submitted' WHERE id = $5 AND review_state = 'info_requested'`,
			in.LegalName, in.RegistrationNumber, in.AnnualGMVElsewhere, in.Documents, shopID); err != nil {
			return err
		}
		return logAction(ctx, tx, shopID, "resubmitted", sh.Status, sh.Status, "", actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	return s.Shop(ctx, shopID)
}

// transitions says which states an operator (or enforcement) may move a shop to from
// each state. Pending shops leave only through a review decision; deactivation is final.
var transitions = map[Status][]Status{
	Active:     {Restricted, Suspended, Deactivated},
	Restricted: {Active, Suspended, Deactivated},
	Suspended:  {Active, Restricted, Deactivated},
}

// SetStatus moves an approved shop between active, restricted, suspended and
// deactivated, with a reason the seller sees. Operators only.
func (s *Service) SetStatus(ctx context.Context, actor auth.Actor, shopID id.ID, to Status, reason string) (Shop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Shop{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Shop{}, ErrReasonRequired
	}
	now := s.now().UTC()
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		return s.setStatus(ctx, tx, shopID, to, reason, actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	s.log.Info("shop status changed", "shop", shopID, "to", to, "by", actor.AccountID)
	return s.Shop(ctx, shopID)
}

func (s *Service) setStatus(ctx context.Context, tx *db.Tx, shopID id.ID, to Status, reason string, actorID id.ID, now time.Time) error {
	sh, err := s.LoadShop(ctx, tx, shopID)
	if err != nil {
		return err
	}
	ok := false
	for _, t := range transitions[sh.Status] {
		ok = ok || t == to
	}
	if !ok {
		return ErrBadTransition.With("%s is %s and cannot become %s", sh.Name, sh.Status, orNone(string(to)))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shops SET status = $1, status_reason = $2 WHERE id = $3`, string(to), reason, shopID); err != nil {
		return err
	}
	return logAction(ctx, tx, shopID, "status", sh.Status, to, reason, actorID, now)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
