package seller

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Account health: violation points recorded in the policy's window
// (enforcement.points_window_days) give a shop its health rating (the policy's
// bands) and, each time the total reaches one of the policy's thresholds, an action:
//
//   - warning: shown to the seller, nothing blocked;
//   - listing_restriction: catalog.CreateProduct refuses new products;
//   - order_restriction: checkout (TakeDailyOrderSlots) refuses orders;
//   - settlement_delay: SettlementDelay gives settlement.enforcement_delay_days;
//   - suspension: the shop becomes suspended (cannot sell);
//   - deactivation: the shop becomes deactivated.
//
// Actions are applied automatically when a violation is recorded and by the hourly
// job (a policy with lower thresholds applies from its date), each once: an action
// of a kind is not applied again while one is in force, nor after one was lifted or
// expired until a new violation is recorded. An action lasts its threshold's Days
// (0: until lifted). The seller may appeal an action once; an operator grants the
// appeal (the action is lifted, a suspended or deactivated shop becomes active
// again) or upholds it. Overturning a violation's appeal lifts the actions its
// points no longer justify. Every step is a row in shop_actions.

// Enforcement action states and appeal states.
const (
	ActionInForce = "active"
	ActionLifted  = "lifted"
	ActionExpired = "expired"

	AppealPending = "pending"
	AppealUpheld  = "upheld"
	AppealGranted = "granted"
)

// What applied an enforcement action: the violation points ladder, or the
// late-dispatch rule (enforcement.go).
const (
	SourcePoints       = "points"
	SourceLateDispatch = "late_dispatch"
)

// EnforcementAction is one action taken against a shop.
type EnforcementAction struct {
	ID           id.ID     `json:"id"`
	ShopID       id.ID     `json:"shop_id"`
	Kind         string    `json:"kind"`
	Points       int       `json:"points"`    // the shop's points when it was taken
	Threshold    int       `json:"threshold"` // the policy threshold it reached
	Reason       string    `json:"reason"`
	Status       string    `json:"status"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at,omitzero"` // zero: until lifted
	Appeal       string    `json:"appeal,omitempty"`
	AppealedAt   time.Time `json:"appealed_at,omitzero"`
	AppealStatus string    `json:"appeal_status,omitempty"`
	Decision     string    `json:"decision,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	LiftedAt     time.Time `json:"lifted_at,omitzero"`
	Source       string    `json:"source"` // SourcePoints or SourceLateDispatch
}

// InForce reports whether the action applies at at.
func (a EnforcementAction) InForce(at time.Time) bool {
	return a.Status == ActionInForce && (a.EndsAt.IsZero() || at.Before(a.EndsAt))
}

// Appealable reports whether the seller may still appeal it.
func (a EnforcementAction) Appealable(at time.Time) bool {
	return a.InForce(at) && a.AppealStatus == ""
}

// Label is the action's kind for people.
func (a EnforcementAction) Label() string { return ActionLabel(a.Kind) }

// ActionLabel names an action kind for people.
func ActionLabel(kind string) string {
	return map[string]string{
		market.ActionWarning: "Warning", market.ActionListingRestriction: "Listing restriction",
		market.ActionOrderRestriction: "Order restriction", market.ActionSettlementDelay: "Settlement delay",
		market.ActionSuspension: "Suspension", market.ActionDeactivation: "Deactivation",
	}[kind]
}

// Health is a shop's account health at a moment under the policy in force.
type Health struct {
	At         time.Time                     `json:"at"`
	Points     int                           `json:"points"`
	Rating     string                        `json:"rating"`
	WindowDays int                           `json:"window_days"`
	Bands      []market.HealthBand           `json:"bands"`
	Thresholds []market.EnforcementThreshold `json:"thresholds"`
	// Next is the lowest threshold the points have not reached yet.
	Next    *market.EnforcementThreshold `json:"next,omitempty"`
	InForce []EnforcementAction          `json:"in_force"`
	Actions []EnforcementAction          `json:"actions"` // every action, newest first
}

// Errors of enforcement actions.
var (
	ErrActionNotFound    = errs.New(errs.NotFound, "enforcement_action_not_found", "no such enforcement action")
	ErrActionNotAppeal   = errs.New(errs.Conflict, "action_not_appealable", "this action cannot be appealed (or decided) now")
	ErrListingRestricted = errs.New(errs.Rule, "listing_restricted", "this shop is under a listing restriction and cannot list new products").OnField("shop_id")
	ErrOrderRestricted   = errs.New(errs.Rule, "shop_order_restricted", "this shop is under an order restriction and cannot take orders right now")
)

const actionColumns = `id, shop_id, kind, points, threshold, reason, status, starts_at, ends_at, appeal, appealed_at, appeal_status, decision, decided_at, lifted_at, source`

func scanAction(row interface{ Scan(...any) error }) (EnforcementAction, error) {
	var a EnforcementAction
	var starts, ends, appealed, decided, lifted int64
	err := row.Scan(&a.ID, &a.ShopID, &a.Kind, &a.Points, &a.Threshold, &a.Reason, &a.Status, &starts, &ends, &a.Appeal, &appealed,
		&a.AppealStatus, &a.Decision, &decided, &lifted, &a.Source)
	a.StartsAt, a.EndsAt, a.AppealedAt, a.DecidedAt, a.LiftedAt = db.Time(starts), db.Time(ends), db.Time(appealed), db.Time(decided), db.Time(lifted)
	return a, err
}

func (s *Service) actions(ctx context.Context, q db.Querier, where string, args ...any) ([]EnforcementAction, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+actionColumns+` FROM shop_enforcement_actions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("seller: list enforcement actions: %w", err)
	}
	defer rows.Close()
	var out []EnforcementAction
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// healthPoints is the sum of the points that count at at: violations recorded in the
// window, not expired, not overturned; and when the latest of them was recorded.
func healthPoints(ctx context.Context, q db.Querier, shopID id.ID, at time.Time, windowDays int) (int, time.Time, error) {
	var points, last int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0), COALESCE(MAX(created_at), 0) FROM shop_violations
		WHERE shop_id = $1 AND status IN ('active', 'appealed', 'upheld') AND expires_at > $2 AND created_at > $3 AND created_at <= $2`,
		shopID, db.Micros(at), db.Micros(at.AddDate(0, 0, -windowDays))).Scan(&points, &last)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("seller: read health points: %w", err)
	}
	return int(points), db.Time(last), nil
}

// Health returns a shop's account health at at. The caller checks the actor may see
// it (Manage).
func (s *Service) Health(ctx context.Context, shopID id.ID, at time.Time) (Health, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return Health{}, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return Health{}, err
	}
	e := p.Enforcement
	h := Health{At: at, WindowDays: e.PointsWindowDays, Bands: e.HealthBands, Thresholds: e.Thresholds}
	if h.Points, _, err = healthPoints(ctx, s.db, shopID, at, e.PointsWindowDays); err != nil {
		return Health{}, err
	}
	h.Rating = e.Health(h.Points)
	for i, t := range e.Thresholds {
		if t.Points > h.Points && (h.Next == nil || t.Points < h.Next.Points) {
			h.Next = &e.Thresholds[i]
		}
	}
	if h.Actions, err = s.actions(ctx, s.db, `WHERE shop_id = $1 ORDER BY id DESC LIMIT 200`, shopID); err != nil {
		return Health{}, err
	}
	for _, a := range h.Actions {
		if a.InForce(at) {
			h.InForce = append(h.InForce, a)
		}
	}
	return h, nil
}

// actionInForce returns the shop's action of kind in force at at, if any.
func (s *Service) actionInForce(ctx context.Context, q db.Querier, shopID id.ID, kind string, at time.Time) (EnforcementAction, bool, error) {
	as, err := s.actions(ctx, q, `WHERE shop_id = $1 AND kind = $2 AND status = 'active' AND (ends_at = 0 OR ends_at > $3) ORDER BY id DESC LIMIT 1`,
		shopID, kind, db.Micros(at))
	if err != nil || len(as) == 0 {
		return EnforcementAction{}, false, err
	}
	return as[0], true, nil
}

func until(a EnforcementAction) string {
	if a.EndsAt.IsZero() {
		return "until it is lifted"
	}
	return "until " + a.EndsAt.UTC().Format("2 Jan 2006 15:04 UTC")
}

// CheckListingAllowed refuses a new product from a shop under a listing restriction
// at at (catalog.CreateProduct asks).
func (s *Service) CheckListingAllowed(ctx context.Context, shopID id.ID, at time.Time) error {
	a, ok, err := s.actionInForce(ctx, s.db, shopID, market.ActionListingRestriction, at)
	if err != nil || !ok {
		return err
	}
	return ErrListingRestricted.With("this shop cannot list new products %s: %s", until(a), a.Reason)
}

// applyThresholds applies, in tx, every action whose threshold the shop's points
// reach at at and that is not already in force (or spent since the latest violation).
// It returns the actions taken.
func (s *Service) applyThresholds(ctx context.Context, tx *db.Tx, shopID id.ID, at time.Time) ([]EnforcementAction, error) {
	sh, err := s.LoadShop(ctx, tx, shopID)
	if err != nil {
		return nil, err
	}
	if sh.Status == Pending || sh.Status == Deactivated {
		return nil, nil
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return nil, err
	}
	points, last, err := healthPoints(ctx, tx, shopID, at, p.Enforcement.PointsWindowDays)
	if err != nil || points == 0 {
		return nil, err
	}
	var taken []EnforcementAction
	for _, t := range p.Enforcement.Thresholds {
		if points < t.Points {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shop_enforcement_actions WHERE shop_id = $1 AND kind = $2 AND source = 'points'
			AND ((status = 'active' AND (ends_at = 0 OR ends_at > $3)) OR starts_at >= $4 OR lifted_at >= $4)`,
			shopID, t.Action, db.Micros(at), db.Micros(last)).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			continue
		}
		a := EnforcementAction{ID: id.New(), ShopID: shopID, Kind: t.Action, Points: points, Threshold: t.Points, Status: ActionInForce, StartsAt: at}
		if t.Days > 0 {
			a.EndsAt = at.AddDate(0, 0, t.Days)
		}
		a.Reason = fmt.Sprintf("%d violation points in %d days reached the %d-point threshold (health: %s)",
			points, p.Enforcement.PointsWindowDays, t.Points, p.Enforcement.Health(points))
		a.Source = SourcePoints
		if err := s.takeAction(ctx, tx, &sh, a); err != nil {
			return nil, err
		}
		taken = append(taken, a)
		s.log.Info("enforcement action", "shop", shopID, "kind", a.Kind, "points", points)
	}
	return taken, nil
}

// takeAction records an action the system applies to sh, in tx, with its history
// row; a suspension or deactivation also moves the shop's state.
func (s *Service) takeAction(ctx context.Context, tx *db.Tx, sh *Shop, a EnforcementAction) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO shop_enforcement_actions (id, shop_id, kind, points, threshold, reason, status, starts_at, ends_at, source)
		VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9)`, a.ID, sh.ID, a.Kind, a.Points, a.Threshold, a.Reason,
		db.Micros(a.StartsAt), db.Micros(a.EndsAt), a.Source); err != nil {
		return err
	}
	if err := logAction(ctx, tx, sh.ID, "enforcement_"+a.Kind, sh.Status, sh.Status, a.Label()+" "+until(a)+": "+a.Reason, 0, a.StartsAt); err != nil {
		return err
	}
	to := map[string]Status{market.ActionSuspension: Suspended, market.ActionDeactivation: Deactivated}[a.Kind]
	if to != "" && sh.Status != to && sh.Status != Deactivated {
		if err := s.setStatus(ctx, tx, sh.ID, to, a.Label()+": "+a.Reason, 0, a.StartsAt); err != nil {
			return err
		}
		sh.Status = to
	}
	return nil
}

// liftAction ends an action in force, with why, and gives a shop that the action
// suspended or deactivated its selling state back.
func (s *Service) liftAction(ctx context.Context, tx *db.Tx, a EnforcementAction, status, why string, actorID id.ID, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE shop_enforcement_actions SET status = $1, lifted_at = $2 WHERE id = $3 AND status = 'active'`,
		status, db.Micros(at), a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	sh, err := s.LoadShop(ctx, tx, a.ShopID)
	if err != nil {
		return err
	}
	if err := logAction(ctx, tx, a.ShopID, "enforcement_"+status, sh.Status, sh.Status, a.Label()+" "+status+": "+why, actorID, at); err != nil {
		return err
	}
	from := map[string]Status{market.ActionSuspension: Suspended, market.ActionDeactivation: Deactivated}[a.Kind]
	if from == "" || sh.Status != from {
		return nil
	}
	// Deactivation is otherwise final; only lifting the action that caused it reopens the shop.
	if _, err := tx.ExecContext(ctx, `UPDATE shops SET status = 'active', status_reason = $1 WHERE id = $2`, a.Label()+" "+status+": "+why, a.ShopID); err != nil {
		return err
	}
	return logAction(ctx, tx, a.ShopID, "status", sh.Status, Active, a.Label()+" "+status+": "+why, actorID, at)
}

// relieve lifts, in tx, the shop's actions in force whose thresholds its points no
// longer reach at at (after a violation is overturned).
func (s *Service) relieve(ctx context.Context, tx *db.Tx, shopID id.ID, at time.Time, actorID id.ID) error {
	sh, err := s.LoadShop(ctx, tx, shopID)
	if err != nil {
		return err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return err
	}
	points, _, err := healthPoints(ctx, tx, shopID, at, p.Enforcement.PointsWindowDays)
	if err != nil {
		return err
	}
	in, err := s.actions(ctx, tx, `WHERE shop_id = $1 AND source = 'points' AND status = 'active' AND (ends_at = 0 OR ends_at > $2) ORDER BY id`, shopID, db.Micros(at))
	if err != nil {
		return err
	}
	for _, a := range in {
		if points < a.Threshold {
			if err := s.liftAction(ctx, tx, a, ActionLifted, fmt.Sprintf("points fell to %d after an appeal, below its %d-point threshold", points, a.Threshold), actorID, at); err != nil {
				return err
			}
		}
	}
	return nil
}

// expireActions marks actions whose time is up as expired (a suspension that ends
// gives the shop back its active state) and returns how many.
func (s *Service) expireActions(ctx context.Context, at time.Time) (int, error) {
	due, err := s.actions(ctx, s.db, `WHERE status = 'active' AND ends_at <> 0 AND ends_at <= $1 ORDER BY id LIMIT 1000`, db.Micros(at))
	if err != nil {
		return 0, err
	}
	for _, a := range due {
		err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
			return s.liftAction(ctx, tx, a, ActionExpired, "its time is up", 0, at)
		})
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// ApplyEnforcement applies the thresholds to every shop with points and expires
// actions whose time is up; the hourly job runs it. It returns the actions taken.
func (s *Service) ApplyEnforcement(ctx context.Context, at time.Time) (int, error) {
	if _, err := s.expireActions(ctx, at); err != nil {
		return 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT v.shop_id FROM shop_violations v JOIN shops s ON s.id = v.shop_id
		WHERE v.status IN ('active', 'appealed', 'upheld') AND v.expires_at > $1 AND s.status NOT IN ('pending', 'deactivated') ORDER BY v.shop_id`, db.Micros(at))
	if err != nil {
		return 0, err
	}
	var ids []id.ID
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, shopID := range ids {
		err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
			taken, err := s.applyThresholds(ctx, tx, shopID, at)
			n += len(taken)
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// enforcementAction reads one action.
func (s *Service) enforcementAction(ctx context.Context, actionID id.ID) (EnforcementAction, error) {
	a, err := scanAction(s.db.QueryRowContext(ctx, `SELECT `+actionColumns+` FROM shop_enforcement_actions WHERE id = $1`, actionID))
	if errors.Is(err, sql.ErrNoRows) {
		return EnforcementAction{}, ErrActionNotFound
	}
	return a, err
}

// AppealAction contests an action in force once, with the seller's explanation. The
// action keeps applying until an operator decides.
func (s *Service) AppealAction(ctx context.Context, actor auth.Actor, actionID id.ID, text string) (EnforcementAction, error) {
	text, err := appealText(text)
	if err != nil {
		return EnforcementAction{}, err
	}
	a, err := s.enforcementAction(ctx, actionID)
	if err != nil {
		return EnforcementAction{}, err
	}
	sh, err := s.Manage(ctx, actor, a.ShopID)
	if err != nil {
		return EnforcementAction{}, err
	}
	now := s.now().UTC()
	if !a.Appealable(now) {
		return EnforcementAction{}, ErrActionNotAppeal.With("this %s is %s%s", strings.ToLower(a.Label()), a.Status, orEmpty(", appeal "+a.AppealStatus, a.AppealStatus))
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shop_enforcement_actions SET appeal = $1, appealed_at = $2, appeal_status = 'pending'
			WHERE id = $3 AND status = 'active' AND appeal_status = ''`, text, db.Micros(now), actionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrActionNotAppeal
		}
		return logAction(ctx, tx, sh.ID, "enforcement_appeal", sh.Status, sh.Status, a.Label()+": "+text, actor.AccountID, now)
	})
	if err != nil {
		return EnforcementAction{}, err
	}
	return s.enforcementAction(ctx, actionID)
}

func orEmpty(s, cond string) string {
	if cond == "" {
		return ""
	}
	return s
}

// DecideActionAppeal grants an appeal (the action is lifted) or upholds it, with a
// note the seller sees. Operators only.
func (s *Service) DecideActionAppeal(ctx context.Context, actor auth.Actor, actionID id.ID, grant bool, note string) (EnforcementAction, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return EnforcementAction{}, err
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > 1000 {
		return EnforcementAction{}, ErrReasonRequired.OnField("note")
	}
	a, err := s.enforcementAction(ctx, actionID)
	if err != nil {
		return EnforcementAction{}, err
	}
	to := AppealUpheld
	if grant {
		to = AppealGranted
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shop_enforcement_actions SET appeal_status = $1, decision = $2, decided_by = $3, decided_at = $4
			WHERE id = $5 AND appeal_status = 'pending'`, to, note, actor.AccountID, db.Micros(now), actionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrActionNotAppeal.With("this %s has no appeal waiting", strings.ToLower(a.Label()))
		}
		sh, err := s.LoadShop(ctx, tx, a.ShopID)
		if err != nil {
			return err
		}
		if err := logAction(ctx, tx, a.ShopID, "enforcement_appeal_"+to, sh.Status, sh.Status, a.Label()+": "+note, actor.AccountID, now); err != nil {
			return err
		}
		if grant {
			return s.liftAction(ctx, tx, a, ActionLifted, "appeal granted: "+note, actor.AccountID, now)
		}
		return nil
	})
	if err != nil {
		return EnforcementAction{}, err
	}
	return s.enforcementAction(ctx, actionID)
}

// LiftAction ends an action in force at an operator's word, with a reason the
// seller sees. Operators only.
func (s *Service) LiftAction(ctx context.Context, actor auth.Actor, actionID id.ID, reason string) (EnforcementAction, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return EnforcementAction{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return EnforcementAction{}, ErrReasonRequired
	}
	a, err := s.enforcementAction(ctx, actionID)
	if err != nil {
		return EnforcementAction{}, err
	}
	now := s.now().UTC()
	if !a.InForce(now) {
		return EnforcementAction{}, ErrActionNotAppeal.With("this %s is no longer in force", strings.ToLower(a.Label()))
	}
	if err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		return s.liftAction(ctx, tx, a, ActionLifted, reason, actor.AccountID, now)
	}); err != nil {
		return EnforcementAction{}, err
	}
	return s.enforcementAction(ctx, actionID)
}

// ActionAppealQueue lists actions whose appeal waits for an operator, oldest first.
func (s *Service) ActionAppealQueue(ctx context.Context, actor auth.Actor) ([]EnforcementAction, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return s.actions(ctx, s.db, `WHERE appeal_status = 'pending' ORDER BY id LIMIT 200`)
}

// ActionsInForce lists actions in force at at across shops, newest first.
// Operators only.
func (s *Service) ActionsInForce(ctx context.Context, actor auth.Actor, at time.Time, limit int) ([]EnforcementAction, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return nil, err
	}
	return s.actions(ctx, s.db, `WHERE status = 'active' AND (ends_at = 0 OR ends_at > $1) ORDER BY id DESC LIMIT $2`, db.Micros(at), limit)
}
