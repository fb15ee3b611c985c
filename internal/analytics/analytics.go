// Package analytics counts GMV and tracks it against targets: every paid order line
// becomes a fact (cancellations and refunds net it out) in the market's currency and
// in US dollars through the FX table, and the same consumer transaction keeps hourly,
// daily and monthly rollups per market, shop, creator, channel, category and product,
// so dashboards, leaderboards and KPI projections read small tables, never orders.
package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// Deps are the services analytics reads: markets and FX to count, and the shops,
// creators and products its dashboards name (all downhill of analytics).
type Deps struct {
	Markets  *market.Service
	FX       *market.FX
	Sellers  *seller.Service
	Catalog  *catalog.Service
	Creators *creator.Service
}

// Service records GMV facts and answers GMV questions.
type Service struct {
	db *db.DB
	Deps
	log *slog.Logger
	now func() time.Time
}

// NewService returns an analytics service.
func NewService(d *db.DB, deps Deps, log *slog.Logger) *Service {
	return &Service{db: d, Deps: deps, log: log, now: time.Now}
}

const (
	consumerName      = "analytics.gmv"
	livesConsumerName = "analytics.lives"
)

// Subscribe registers the consumers: one for order events (facts and rollups), one
// for live events (what each session is called, who hosted it, when it ran).
func (s *Service) Subscribe(b bus.Bus) error {
	if err := b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderCancelled, events.TopicOrderRefunded}, s.handleOrder); err != nil {
		return err
	}
	return b.Subscribe(livesConsumerName, []string{events.TopicLiveScheduled, events.TopicLiveStarted, events.TopicLiveEnded}, s.handleLive)
}

func (s *Service) handleOrder(ctx context.Context, e bus.Event) error {
	var o events.Order
	var at time.Time
	var ch change
	switch e.Topic {
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		o, at, ch = ev.Order, ev.At, paid(ev.Order)
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil || !ev.WasPaid {
			return err // an order never paid never counted
		}
		o, at, ch = ev.Order, ev.At, cancelled(ev.Order)
	case events.TopicOrderRefunded:
		ev, err := bus.Decode[events.OrderRefunded](e)
		if err != nil {
			return err
		}
		o, at, ch = ev.Order, ev.At, refunded(ev)
	default:
		return nil
	}
	if o.IsSample() {
		return nil // a creator's free sample is not a sale: no GMV, no orders, no units
	}
	// Everything read from other services is read before the transaction opens.
	m, err := s.Markets.Market(ctx, o.Market)
	if err != nil {
		return err
	}
	rates, err := s.FX.Rates(ctx)
	if err != nil {
		return err
	}
	cats, err := s.lineCategories(ctx, o, e.Topic == events.TopicOrderPaid)
	if err != nil {
		return err
	}
	facts, err := ch.facts(e.ID, originEvent, o, m, rates, at, cats)
	if err != nil {
		return err
	}
	return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
		var b batch
		b.addOrder(facts, ch.orders)
		return b.write(ctx, tx)
	})
}

func (s *Service) handleLive(ctx context.Context, e bus.Event) error {
	var l events.LiveSession
	var meta sessionMeta
	switch e.Topic {
	case events.TopicLiveScheduled:
		ev, err := bus.Decode[events.LiveScheduled](e)
		if err != nil {
			return err
		}
		l, meta.scheduledAt = ev.LiveSession, ev.ScheduledAt
	case events.TopicLiveStarted:
		ev, err := bus.Decode[events.LiveStarted](e)
		if err != nil {
			return err
		}
		l, meta.startedAt = ev.LiveSession, ev.At
	case events.TopicLiveEnded:
		ev, err := bus.Decode[events.LiveEnded](e)
		if err != nil {
			return err
		}
		l, meta.endedAt = ev.LiveSession, ev.At
	default:
		return nil
	}
	m, err := s.Markets.Market(ctx, l.Market)
	if err != nil {
		return err
	}
	meta.id, meta.market, meta.currency, meta.creatorID, meta.shopID, meta.title = l.SessionID, m.Code, m.Currency, l.CreatorID, l.ShopID, l.Title
	meta.day = m.Day(firstNonZero(meta.startedAt, meta.scheduledAt, meta.endedAt))
	return outbox.Consume(ctx, s.db, livesConsumerName, e, func(tx *db.Tx) error { return writeSessionMeta(ctx, tx, meta) })
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// Day is one market's GMV on one day.
type Day struct {
	Day    string      `json:"day"`
	GMV    money.Money `json:"gmv"`
	Orders int64       `json:"orders"`
	Units  int64       `json:"units"`
}

// Daily returns a market's GMV per day from from to to (inclusive, YYYY-MM-DD in the
// market's time zone), with a zero entry for days without sales.
func (s *Service) Daily(ctx context.Context, marketCode, from, to string) ([]Day, error) {
	return s.DailyInCategory(ctx, marketCode, "", from, to)
}

// DailyInCategory is Daily for one category and everything under it ("" is the whole
// market). An unknown category is refused with category_not_found.
func (s *Service) DailyInCategory(ctx context.Context, marketCode, category, from, to string) ([]Day, error) {
	m, err := s.Markets.Market(ctx, marketCode)
	if err != nil {
		return nil, err
	}
	start, end, err := parseDayRange(from, to)
	if err != nil {
		return nil, err
	}
	var pts map[string]sums
	if category == "" {
		pts, err = s.series(ctx, s.db, grainDay, dimMarket, m.Code, m.Code, from, to)
	} else {
		var tree categoryTree
		if tree, err = s.categoryTree(ctx); err != nil {
			return nil, err
		}
		if _, ok := tree[category]; !ok {
			return nil, ErrCategoryNotFound.With("there is no category %q", category)
		}
		pts, err = s.categorySeries(ctx, s.db, grainDay, tree.subtree(category), m.Code, from, to)
	}
	if err != nil {
		return nil, err
	}
	var out []Day
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		key := t.Format(time.DateOnly)
		f := pts[key]
		out = append(out, Day{Day: key, GMV: money.New(f.gmv, m.Currency), Orders: f.orders, Units: f.units})
	}
	return out, nil
}

// parseDayRange checks a range of days given as YYYY-MM-DD, at most a year long.
func parseDayRange(from, to string) (time.Time, time.Time, error) {
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 366*24*time.Hour {
		return time.Time{}, time.Time{}, errs.Invalidf("from", "give a range of at most a year as YYYY-MM-DD, from before to")
	}
	return start, end, nil
}

// MarketTotal is a market's GMV over a period.
type MarketTotal struct {
	Market string      `json:"market"`
	Name   string      `json:"name"`
	Today  money.Money `json:"today"`
	Last30 money.Money `json:"last_30_days"`
	Total  money.Money `json:"total"`
	Orders int64       `json:"orders"`
}

// Totals returns every market's GMV today, over the last 30 days and in all, each in
// the market's own currency, from the daily rollup.
func (s *Service) Totals(ctx context.Context) ([]MarketTotal, error) {
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]MarketTotal, 0, len(ms))
	for _, m := range ms {
		today := m.Day(now)
		from30 := m.Day(now.AddDate(0, 0, -29))
		t := MarketTotal{Market: m.Code, Name: m.Name}
		var td, l30, total, orders int64
		err := s.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN period = $3 THEN gmv ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN period >= $4 THEN gmv ELSE 0 END), 0),
			COALESCE(SUM(gmv), 0), COALESCE(SUM(orders), 0)
			FROM gmv_rollups WHERE grain = 'day' AND dim = 'market' AND ref = $1 AND market = $2`, m.Code, m.Code, today, from30).
			Scan(&td, &l30, &total, &orders)
		if err != nil {
			return nil, fmt.Errorf("analytics: totals: %w", err)
		}
		t.Today, t.Last30, t.Total, t.Orders = money.New(td, m.Currency), money.New(l30, m.Currency), money.New(total, m.Currency), orders
		out = append(out, t)
	}
	return out, nil
}

// RequireOperator is the check market-wide figures make: they are for operators;
// sellers and creators see their own through ShopView and CreatorView.
func RequireOperator(a auth.Actor) error { return a.Require(auth.Operator) }
