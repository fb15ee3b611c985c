package seller

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Onboarding tiers. A market's policy lists tiers from the entry tier upward, each
// with a daily order cap, a listing cap and what it takes to reach it. A shop holds
// a rank (an index into that list) and graduates one tier at a time when it meets
// every requirement of the next: days since activation, delivered orders, unique
// buyers, store rating and violation points. Graduation runs on a schedule (Run) and
// after every event that moves a shop's figures; shops are never demoted by it (that
// is enforcement's job). Everything reads the policy in force at the moment asked,
// so an operator's new policy version applies to every shop from its effective date.

// Stats are the figures graduation reads, kept from events.
type Stats struct {
	DeliveredOrders int64 `json:"delivered_orders"`
	UniqueBuyers    int64 `json:"unique_buyers"`
	RatingSum       int64 `json:"rating_sum"`
	RatingCount     int64 `json:"rating_count"`
	ViolationPoints int64 `json:"violation_points"` // active, unexpired
}

// RatingX100 is the average first-review rating × 100 (450 = 4.5 stars), 0 with none.
func (st Stats) RatingX100() int64 {
	if st.RatingCount == 0 {
		return 0
	}
	return st.RatingSum * 100 / st.RatingCount
}

// Requirement is one condition for the next tier with the shop's progress toward it.
type Requirement struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Have   int64  `json:"have"`
	Need   int64  `json:"need"`
	AtMost bool   `json:"at_most"` // Need is a ceiling (violation points), not a floor
	Met    bool   `json:"met"`
}

// Percent is the progress toward a floor, 0-100 (100 for a met ceiling).
func (r Requirement) Percent() int64 {
	if r.Met || r.Need == 0 {
		return 100
	}
	if r.AtMost {
		return 0
	}
	return min(100, r.Have*100/r.Need)
}

// Probation is a new shop's observation period under the policy in force: the
// first Probation.Days days after activation, during which settlement waits longer.
// RequiredOrders and MaxBadReviewRateBP are the standards shown alongside.
type Probation struct {
	Active             bool      `json:"active"`
	Days               int       `json:"days"`
	EndsAt             time.Time `json:"ends_at,omitzero"`
	DaysLeft           int       `json:"days_left"`
	RequiredOrders     int       `json:"required_orders"`
	DeliveredOrders    int64     `json:"delivered_orders"`
	MaxBadReviewRateBP int       `json:"max_bad_review_rate_bp"`
}

// TierStatus is where a shop stands: its tier and caps, today's orders, the next
// tier and each of its requirements, and probation, all under the policy at At.
type TierStatus struct {
	At           time.Time     `json:"at"`
	Rank         int           `json:"rank"`
	Current      market.Tier   `json:"current"`
	Next         *market.Tier  `json:"next,omitempty"`
	Requirements []Requirement `json:"requirements,omitempty"`
	Tiers        []market.Tier `json:"tiers"`
	OrdersToday  int64         `json:"orders_today"`
	DaysActive   int           `json:"days_active"`
	Stats        Stats         `json:"stats"`
	Probation    Probation     `json:"probation"`
}

// rank clamps a stored rank to the policy's tiers (a policy may drop tiers).
func rank(r int, p market.Policy) int {
	return max(0, min(r, len(p.Tiers)-1))
}

func daysActive(sh Shop, at time.Time) int {
	if sh.ActivatedAt.IsZero() || at.Before(sh.ActivatedAt) {
		return 0
	}
	return int(at.Sub(sh.ActivatedAt) / (24 * time.Hour))
}

// requirements lists t's conditions with the shop's progress.
func requirements(t market.Tier, days int, st Stats) []Requirement {
	var rs []Requirement
	add := func(key, label string, have, need int64, atMost bool) {
		met := have >= need
		if atMost {
			met = have <= need
		}
		rs = append(rs, Requirement{Key: key, Label: label, Have: have, Need: need, AtMost: atMost, Met: met})
	}
	if t.MinDaysActive > 0 {
		add("days_active", "Days since activation", int64(days), int64(t.MinDaysActive), false)
	}
	if t.MinDeliveredOrders > 0 {
		add("delivered_orders", "Delivered orders", st.DeliveredOrders, int64(t.MinDeliveredOrders), false)
	}
	if t.MinUniqueBuyers > 0 {
		add("unique_buyers", "Unique buyers", st.UniqueBuyers, int64(t.MinUniqueBuyers), false)
	}
	if t.MinRatingX100 > 0 {
		add("rating", "Store rating × 100", st.RatingX100(), int64(t.MinRatingX100), false)
	}
	add("violation_points", "Violation points", st.ViolationPoints, int64(t.MaxViolationPoints), true)
	return rs
}

func allMet(rs []Requirement) bool {
	for _, r := range rs {
		if !r.Met {
			return false
		}
	}
	return true
}

func probation(sh Shop, p market.Policy, st Stats, at time.Time) Probation {
	pr := Probation{Days: p.Probation.Days, RequiredOrders: p.Probation.RequiredOrders, MaxBadReviewRateBP: p.Probation.MaxBadReviewRateBP,
		DeliveredOrders: st.DeliveredOrders}
	if sh.ActivatedAt.IsZero() {
		pr.Active = true // not yet active: probation has not even started
		return pr
	}
	pr.EndsAt = sh.ActivatedAt.AddDate(0, 0, p.Probation.Days)
	if at.Before(pr.EndsAt) {
		pr.Active = true
		pr.DaysLeft = int((pr.EndsAt.Sub(at) + 24*time.Hour - time.Microsecond) / (24 * time.Hour))
	}
	return pr
}

// Stats reads a shop's graduation figures at at.
func (s *Service) stats(ctx context.Context, q db.Querier, shopID id.ID, at time.Time) (Stats, error) {
	var st Stats
	err := q.QueryRowContext(ctx, `SELECT delivered_orders, unique_buyers, rating_sum, rating_count FROM shop_stats WHERE shop_id = $1`, shopID).
		Scan(&st.DeliveredOrders, &st.UniqueBuyers, &st.RatingSum, &st.RatingCount)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Stats{}, fmt.Errorf("seller: read stats: %w", err)
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0) FROM shop_violations WHERE shop_id = $1 AND status IN ('active', 'appealed', 'upheld') AND expires_at > $2`,
		shopID, db.Micros(at)).Scan(&st.ViolationPoints)
	if err != nil {
		return Stats{}, fmt.Errorf("seller: read violation points: %w", err)
	}
	return st, nil
}

// TierStatus says where a shop stands at at. Public figures of the shop's own manager
// or an operator: the caller checks with Manage.
func (s *Service) TierStatus(ctx context.Context, shopID id.ID, at time.Time) (TierStatus, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return TierStatus{}, err
	}
	return s.tierStatus(ctx, s.db, sh, at)
}

func (s *Service) tierStatus(ctx context.Context, q db.Querier, sh Shop, at time.Time) (TierStatus, error) {
	m, err := s.markets.Market(ctx, sh.Market)
	if err != nil {
		return TierStatus{}, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return TierStatus{}, err
	}
	st, err := s.stats(ctx, q, sh.ID, at)
	if err != nil {
		return TierStatus{}, err
	}
	ts := TierStatus{At: at, Rank: rank(sh.TierRank, p), Tiers: p.Tiers, DaysActive: daysActive(sh, at), Stats: st, Probation: probation(sh, p, st, at)}
	ts.Current = p.Tiers[ts.Rank]
	if ts.Rank+1 < len(p.Tiers) {
		next := p.Tiers[ts.Rank+1]
		ts.Next = &next
		ts.Requirements = requirements(next, ts.DaysActive, st)
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(MAX(orders), 0) FROM shop_daily_orders WHERE shop_id = $1 AND day = $2`, sh.ID, m.Day(at)).Scan(&ts.OrdersToday)
	return ts, err
}

// Graduate moves a shop up as many tiers as it qualifies for at at, and returns its
// status afterwards. Only approved, selling shops graduate.
func (s *Service) Graduate(ctx context.Context, shopID id.ID, at time.Time) (TierStatus, error) {
	var ts TierStatus
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		sh, err := s.LoadShop(ctx, tx, shopID)
		if err != nil {
			return err
		}
		ts, err = s.tierStatus(ctx, tx, sh, at)
		if err != nil || !sh.CanSell() {
			return err
		}
		from := ts.Rank
		for ts.Next != nil && allMet(ts.Requirements) {
			ts.Rank++
			ts.Current = *ts.Next
			ts.Next, ts.Requirements = nil, nil
			if ts.Rank+1 < len(ts.Tiers) {
				next := ts.Tiers[ts.Rank+1]
				ts.Next = &next
				ts.Requirements = requirements(next, ts.DaysActive, ts.Stats)
			}
		}
		if ts.Rank == from {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shops SET tier_rank = $1 WHERE id = $2`, ts.Rank, shopID); err != nil {
			return err
		}
		s.log.Info("shop graduated", "shop", shopID, "tier", ts.Current.Name)
		return logAction(ctx, tx, shopID, "tier", sh.Status, sh.Status, fmt.Sprintf("graduated from %s to %s", ts.Tiers[from].Name, ts.Current.Name), 0, at)
	})
	return ts, err
}

// GraduateAll runs graduation for every selling shop at at and returns how many moved up.
func (s *Service) GraduateAll(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tier_rank FROM shops WHERE status IN ('active', 'restricted') ORDER BY id`)
	if err != nil {
		return 0, err
	}
	type row struct {
		id   id.ID
		rank int
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.rank); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	moved := 0
	for _, r := range all {
		ts, err := s.Graduate(ctx, r.id, at)
		if err != nil {
			return moved, err
		}
		if ts.Rank > r.rank {
			moved++
		}
	}
	return moved, nil
}

// Run grades every shop and applies the enforcement thresholds every interval until
// ctx ends (the scheduled graduation and enforcement jobs).
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.GraduateAll(ctx, s.now()); err != nil {
				s.log.Error("graduation job", "err", err)
			} else if n > 0 {
				s.log.Info("graduation job", "graduated", n)
			}
			if n, err := s.EnforceAll(ctx, s.now()); err != nil {
				s.log.Error("enforcement job", "err", err)
			} else if n > 0 {
				s.log.Info("enforcement job", "restricted", n)
			}
			if n, err := s.ApplyEnforcement(ctx, s.now()); err != nil {
				s.log.Error("account health job", "err", err)
			} else if n > 0 {
				s.log.Info("account health job", "actions", n)
			}
		}
	}
}

// TakeDailyOrderSlot counts one order placed for a shop today (the market's day) in
// the caller's transaction, and fails with ErrDailyOrderCap, counting nothing, if the
// shop's tier cap for the day is reached.
func (s *Service) TakeDailyOrderSlot(ctx context.Context, tx *db.Tx, shopID id.ID, at time.Time) error {
	return s.TakeDailyOrderSlots(ctx, tx, shopID, at, 1)
}

// TakeDailyOrderSlots counts n orders at once (a flash sale's batch), all or none. One
// conditional upsert: two checkouts racing for the last slot cannot both have it, on
// either engine.
func (s *Service) TakeDailyOrderSlots(ctx context.Context, tx *db.Tx, shopID id.ID, at time.Time, n int) error {
	// Only what the cap needs: this runs in checkout's writer transaction.
	// and whether an order restriction of the account health ladder is in force.
	var sh Shop
	var restricted int
	err := tx.QueryRowContext(ctx, `SELECT name, market, tier_rank, CASE WHEN EXISTS (SELECT 1 FROM shop_enforcement_actions a
		WHERE a.shop_id = shops.id AND a.kind = 'order_restriction' AND a.status = 'active' AND (a.ends_at = 0 OR a.ends_at > $2)) THEN 1 ELSE 0 END
		FROM shops WHERE id = $1`, shopID, db.Micros(at)).Scan(&sh.Name, &sh.Market, &sh.TierRank, &restricted)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrShopNotFound
	}
	if err != nil {
		return err
	}
	if restricted == 1 {
		a, _, err := s.actionInForce(ctx, tx, shopID, market.ActionOrderRestriction, at)
		if err != nil {
			return err
		}
		return ErrOrderRestricted.With("%s cannot take orders %s: %s", sh.Name, until(a), a.Reason)
	}
	m, err := s.markets.Market(ctx, sh.Market)
	if err != nil {
		return err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return err
	}
	tier := p.Tiers[rank(sh.TierRank, p)]
	day := m.Day(at)
	if tier.DailyOrderCap == 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO shop_daily_orders (shop_id, day, orders) VALUES ($1, $2, $3)
			ON CONFLICT (shop_id, day) DO UPDATE SET orders = shop_daily_orders.orders + excluded.orders`, shopID, day, int64(n))
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO shop_daily_orders (shop_id, day, orders) SELECT $1, $2, CAST($3 AS BIGINT) WHERE CAST($3 AS BIGINT) <= CAST($4 AS BIGINT)
		ON CONFLICT (shop_id, day) DO UPDATE SET orders = shop_daily_orders.orders + excluded.orders WHERE shop_daily_orders.orders + excluded.orders <= CAST($4 AS BIGINT)`,
		shopID, day, int64(n), int64(tier.DailyOrderCap))
	if err != nil {
		return fmt.Errorf("seller: count daily order: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return ErrDailyOrderCap.With("%s has taken its %d orders for %s (%s tier, %s time); orders open again tomorrow",
			sh.Name, tier.DailyOrderCap, day, tier.Name, m.TimeZone)
	}
	return nil
}

// ListingCap is how many products a shop's tier lets it list at at (0: unlimited),
// with the tier's name.
func (s *Service) ListingCap(ctx context.Context, sh Shop, at time.Time) (int, string, error) {
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return 0, "", err
	}
	t := p.Tiers[rank(sh.TierRank, p)]
	return t.ListingCap, t.Name, nil
}

// SetTier puts a shop in the named tier of its market's current policy, up or down,
// with a reason the seller sees: an operator's grant (a known brand moving its
// business over) or a demotion. Operators only.
func (s *Service) SetTier(ctx context.Context, actor auth.Actor, shopID id.ID, tierName, reason string) (Shop, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Shop{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Shop{}, ErrReasonRequired
	}
	now := s.now().UTC()
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		sh, err := s.LoadShop(ctx, tx, shopID)
		if err != nil {
			return err
		}
		p, err := s.markets.Policy(ctx, sh.Market, now)
		if err != nil {
			return err
		}
		to := -1
		for i, t := range p.Tiers {
			if t.Name == tierName {
				to = i
			}
		}
		if to < 0 {
			return errs.Invalidf("tier", "%s has no tier %q", sh.Market, tierName)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shops SET tier_rank = $1 WHERE id = $2`, to, shopID); err != nil {
			return err
		}
		return logAction(ctx, tx, shopID, "tier", sh.Status, sh.Status, fmt.Sprintf("set to %s by an operator: %s", tierName, reason), actor.AccountID, now)
	})
	if err != nil {
		return Shop{}, err
	}
	return s.Shop(ctx, shopID)
}
