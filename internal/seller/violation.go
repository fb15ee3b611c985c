package seller

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Violations: operators record a rule a shop broke with points and a reason; the
// points count against graduation (Tier.MaxViolationPoints) until they expire or an
// appeal overturns them. The seller sees each one and may appeal once; an operator
// upholds or overturns the appeal. Every step is recorded in shop_actions. Recorded
// points feed the account health and its actions (health.go).

// Violation states.
const (
	ViolationActive     = "active"
	ViolationAppealed   = "appealed"
	ViolationUpheld     = "upheld"
	ViolationOverturned = "overturned"
)

// Violation is a rule a shop broke.
type Violation struct {
	ID         id.ID     `json:"id"`
	ShopID     id.ID     `json:"shop_id"`
	Code       string    `json:"code"`
	Reason     string    `json:"reason"`
	Points     int       `json:"points"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Appeal     string    `json:"appeal,omitempty"`
	AppealedAt time.Time `json:"appealed_at,omitzero"`
	Decision   string    `json:"decision,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
}

// ViolationInput is what an operator records.
type ViolationInput struct {
	Code   string `json:"code"`   // e.g. late_dispatch, counterfeit, off_platform_payment
	Reason string `json:"reason"` // what the seller sees
	Points int    `json:"points"`
	Days   int    `json:"days"` // how long the points count
}

// Errors of enforcement.
var (
	ErrViolationNotFound = errs.New(errs.NotFound, "violation_not_found", "no such violation")
	ErrNotAppealable     = errs.New(errs.Conflict, "not_appealable", "this violation cannot be appealed (or decided) now")
)

// RecordViolation records a violation against a shop. Operators only.
func (s *Service) RecordViolation(ctx context.Context, actor auth.Actor, shopID id.ID, in ViolationInput) (Violation, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Violation{}, err
	}
	in.Code, in.Reason = strings.TrimSpace(in.Code), strings.TrimSpace(in.Reason)
	switch {
	case in.Code == "" || len(in.Code) > 64:
		return Violation{}, errs.Invalidf("code", "a violation code is 1-64 characters")
	case in.Reason == "" || utf8.RuneCountInString(in.Reason) > 1000:
		return Violation{}, ErrReasonRequired
	case in.Points < 0 || in.Points > 100:
		return Violation{}, errs.Invalidf("points", "points are 0-100")
	case in.Days < 1 || in.Days > 3650:
		return Violation{}, errs.Invalidf("days", "points count for 1-3650 days")
	}
	now := s.now().UTC()
	v := Violation{ID: id.New(), ShopID: shopID, Code: in.Code, Reason: in.Reason, Points: in.Points, Status: ViolationActive,
		CreatedAt: now, ExpiresAt: now.AddDate(0, 0, in.Days)}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		sh, err := s.LoadShop(ctx, tx, shopID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO shop_violations (id, shop_id, code, reason, points, status, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, v.ID, shopID, v.Code, v.Reason, v.Points, v.Status, actor.AccountID,
			db.Micros(now), db.Micros(v.ExpiresAt)); err != nil {
			return err
		}
		if err := logAction(ctx, tx, shopID, "violation", sh.Status, sh.Status, fmt.Sprintf("%s (%d points): %s", v.Code, v.Points, v.Reason), actor.AccountID, now); err != nil {
			return err
		}
		// The points may reach a threshold of the market's enforcement ladder.
		_, err = s.applyThresholds(ctx, tx, shopID, now)
		return err
	})
	if err != nil {
		return Violation{}, err
	}
	return v, nil
}

// Violations lists a shop's violations, newest first. Its manager or an operator.
func (s *Service) Violations(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Violation, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+violationColumns+` FROM shop_violations WHERE shop_id = $1 ORDER BY id DESC LIMIT 200`, shopID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		v, err := scanViolation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const violationColumns = `id, shop_id, code, reason, points, status, created_at, expires_at, appeal, appealed_at, decision, decided_at`

func scanViolation(row interface{ Scan(...any) error }) (Violation, error) {
	var v Violation
	var created, expires, appealed, decided int64
	err := row.Scan(&v.ID, &v.ShopID, &v.Code, &v.Reason, &v.Points, &v.Status, &created, &expires, &v.Appeal, &appealed, &v.Decision, &decided)
	v.CreatedAt, v.ExpiresAt, v.AppealedAt, v.DecidedAt = db.Time(created), db.Time(expires), db.Time(appealed), db.Time(decided)
	return v, err
}

// appealText is a seller's explanation of an appeal, 1-2,000 characters.
func appealText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 2000 {
		return "", errs.Invalidf("appeal", "explain the appeal in 1-2,000 characters")
	}
	return text, nil
}

// Appeal contests an active violation once, with the seller's explanation. The
// points keep counting until an operator decides.
func (s *Service) Appeal(ctx context.Context, actor auth.Actor, violationID id.ID, text string) (Violation, error) {
	text, err := appealText(text)
	if err != nil {
		return Violation{}, err
	}
	v, err := s.violation(ctx, violationID)
	if err != nil {
		return Violation{}, err
	}
	sh, err := s.Manage(ctx, actor, v.ShopID)
	if err != nil {
		return Violation{}, err
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shop_violations SET status = 'appealed', appeal = $1, appealed_at = $2 WHERE id = $3 AND status = 'active'`,
			text, db.Micros(now), violationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotAppealable.With("this violation is %s", v.Status)
		}
		return logAction(ctx, tx, sh.ID, "appeal", sh.Status, sh.Status, v.Code+": "+text, actor.AccountID, now)
	})
	if err != nil {
		return Violation{}, err
	}
	return s.violation(ctx, violationID)
}

// DecideAppeal upholds an appeal's violation or overturns it (its points stop
// counting), with a note the seller sees. Operators only.
func (s *Service) DecideAppeal(ctx context.Context, actor auth.Actor, violationID id.ID, overturn bool, note string) (Violation, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Violation{}, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return Violation{}, ErrReasonRequired
	}
	v, err := s.violation(ctx, violationID)
	if err != nil {
		return Violation{}, err
	}
	to := ViolationUpheld
	if overturn {
		to = ViolationOverturned
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		sh, err := s.LoadShop(ctx, tx, v.ShopID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE shop_violations SET status = $1, decision = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND status = 'appealed'`,
			to, note, actor.AccountID, db.Micros(now), violationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotAppealable.With("this violation is %s, not appealed", v.Status)
		}
		if err := logAction(ctx, tx, sh.ID, "appeal_"+to, sh.Status, sh.Status, v.Code+": "+note, actor.AccountID, now); err != nil {
			return err
		}
		if overturn {
			// Actions these points no longer justify are lifted.
			return s.relieve(ctx, tx, sh.ID, now, actor.AccountID)
		}
		return nil
	})
	if err != nil {
		return Violation{}, err
	}
	return s.violation(ctx, violationID)
}

func (s *Service) violation(ctx context.Context, violationID id.ID) (Violation, error) {
	v, err := scanViolation(s.db.QueryRowContext(ctx, `SELECT `+violationColumns+` FROM shop_violations WHERE id = $1`, violationID))
	if errors.Is(err, sql.ErrNoRows) {
		return Violation{}, ErrViolationNotFound
	}
	return v, err
}

// AppealQueue lists violations under appeal, oldest first, with their shops.
// Operators only.
func (s *Service) AppealQueue(ctx context.Context, actor auth.Actor) ([]Violation, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+violationColumns+` FROM shop_violations WHERE status = 'appealed' ORDER BY id LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		v, err := scanViolation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
