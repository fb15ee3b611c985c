// Package analytics counts GMV: every paid order line becomes a fact (cancellations of
// paid orders net it out), and rollups per market and day are kept up to date by the
// same consumer, so dashboards read small tables instead of scanning orders.
package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Service records GMV facts and answers GMV questions.
type Service struct {
	db      *db.DB
	markets *market.Service
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns an analytics service.
func NewService(d *db.DB, markets *market.Service, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, log: log, now: time.Now}
}

const consumerName = "analytics.gmv"

// Subscribe registers the GMV consumer.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(consumerName, []string{events.TopicOrderPaid, events.TopicOrderCancelled}, s.handle)
}

func (s *Service) handle(ctx context.Context, e bus.Event) error {
	var o events.Order
	var at time.Time
	sign := int64(1)
	switch e.Topic {
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		o, at = ev.Order, ev.At
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil || !ev.WasPaid {
			return err // an order never paid never counted
		}
		o, at, sign = ev.Order, ev.At, -1
	default:
		return nil
	}
	m, err := s.markets.Market(ctx, o.Market)
	if err != nil {
		return err
	}
	day := m.Day(at)
	return outbox.Consume(ctx, s.db, consumerName, e, func(tx *db.Tx) error {
		var gmv, units int64
		for _, l := range o.Lines {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gmv_facts (id, event_id, order_id, order_line_id, market, shop_id, creator_id, live_session_id,
				channel, currency, amount, units, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				id.New(), e.ID, o.OrderID, l.LineID, o.Market, o.ShopID, l.CreatorID, l.LiveSessionID, l.Source, o.Currency,
				sign*l.Total, sign*l.Quantity, db.Micros(at)); err != nil {
				return fmt.Errorf("analytics: record fact: %w", err)
			}
			gmv += sign * l.Total
			units += sign * l.Quantity
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO gmv_daily (market, day, currency, gmv, orders, units) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (market, day) DO UPDATE SET gmv = gmv_daily.gmv + $4, orders = gmv_daily.orders + $5, units = gmv_daily.units + $6`,
			o.Market, day, o.Currency, gmv, sign, units)
		return err
	})
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
	m, err := s.markets.Market(ctx, marketCode)
	if err != nil {
		return nil, err
	}
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 366*24*time.Hour {
		return nil, errs.Invalidf("from", "give a range of at most a year as YYYY-MM-DD, from before to")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT day, gmv, orders, units FROM gmv_daily WHERE market = $1 AND day >= $2 AND day <= $3 ORDER BY day`, m.Code, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]Day{}
	for rows.Next() {
		var d Day
		var gmv int64
		if err := rows.Scan(&d.Day, &gmv, &d.Orders, &d.Units); err != nil {
			return nil, err
		}
		d.GMV = money.New(gmv, m.Currency)
		have[d.Day] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Day
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		key := t.Format(time.DateOnly)
		d, ok := have[key]
		if !ok {
			d = Day{Day: key, GMV: money.Zero(m.Currency)}
		}
		out = append(out, d)
	}
	return out, nil
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
// the market's own currency (conversion to USD needs the FX table of the KPI work).
func (s *Service) Totals(ctx context.Context) ([]MarketTotal, error) {
	ms, err := s.markets.Markets(ctx)
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
			COALESCE(SUM(CASE WHEN day = $2 THEN gmv ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN day >= $3 THEN gmv ELSE 0 END), 0),
			COALESCE(SUM(gmv), 0), COALESCE(SUM(orders), 0) FROM gmv_daily WHERE market = $1`, m.Code, today, from30).Scan(&td, &l30, &total, &orders)
		if err != nil {
			return nil, err
		}
		t.Today, t.Last30, t.Total, t.Orders = money.New(td, m.Currency), money.New(l30, m.Currency), money.New(total, m.Currency), orders
		out = append(out, t)
	}
	return out, nil
}

// RequireOperator is the check the GMV endpoints make: market-wide figures are for
// operators (sellers and creators see their own once those dashboards land).
func RequireOperator(a auth.Actor) error { return a.Require(auth.Operator) }
