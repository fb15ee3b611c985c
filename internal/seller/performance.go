package seller

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// The Shop Performance Score (SPS), 0-5. Order and review events add to per-shop,
// per-market-day counters (shop_perf_daily); the score on any day is computed from
// windows of those rows under the policy in force that day, so the history is the
// same computation run for each past day.
//
// Metrics, each a rate in basis points against a policy benchmark:
//   - negative review rate (product satisfaction, half the score): first 1-2 star
//     reviews of orders delivered in the last performance.negative_review_days, over
//     those deliveries; benchmark probation.max_bad_review_rate_bp;
//   - late dispatch rate (fulfilment, a quarter): parcels shipped after their
//     dispatch deadline over parcels shipped in performance.score_window_days;
//     benchmark performance.late_dispatch_target_bp;
//   - seller-fault cancellation rate (fulfilment): over orders paid in the
//     window; benchmark performance.seller_cancel_max_bp;
//   - on-time delivery rate (fulfilment): orders delivered within
//     performance.delivery_business_days business days of payment (the market's
//     calendar) over orders delivered in the window; benchmark at least
//     performance.on_time_delivery_min_bp;
//   - response rate (customer service): buyers' inquiries (message.go) answered
//     within performance.response_hours over inquiries asked in the window and
//     settled (answered or past due); benchmark at least performance.response_rate_min_bp.
//
// The weights and the curve are policy (performance.scoring, market/sps_policy.go):
// by default product satisfaction weighs 40% and the four others 15% each, and a rate
// that should be low scores 5 at zero, 3.5 at its benchmark and 0 at twice the
// benchmark or worse, linearly between; a rate that should be high is scored the same
// way on its complement (the share missed against the share the benchmark allows to
// miss).
// A shop is scored only with at least performance.min_delivered_orders delivered in
// the window. Each metric carries its trend: the change of its value over the history.

const perfConsumer = "seller.performance"

// perfCounts are a shop's counters over some days.
type perfCounts struct {
	Paid, Shipped, LateShipped, SellerCancelled, Delivered, NegativeReviews int64
	DeliveredOnTime, PaidFreeShipping                                       int64
	Inquiries, AnsweredInTime                                               int64 // from shop_inquiries, not the daily rows
}

// Metric is one SPS metric with its value, benchmark and sub-score.
type Metric struct {
	Key         string  `json:"key"`
	Label       string  `json:"label"`
	ValueBP     int64   `json:"value_bp"`
	BenchmarkBP int64   `json:"benchmark_bp"`
	Numerator   int64   `json:"numerator"`
	Denominator int64   `json:"denominator"`
	Score       float64 `json:"score"` // 0-5
	Weight      float64 `json:"weight"`
	// AtLeast says the benchmark is a floor (a rate that should be high).
	AtLeast bool `json:"at_least,omitempty"`
	// TrendBP is the change of the value over the history, in basis points.
	TrendBP int64 `json:"trend_bp"`
}

// Improving reports whether the trend goes the good way.
func (m Metric) Improving() bool { return (m.TrendBP > 0) == m.AtLeast && m.TrendBP != 0 }

// Trend is the change of the value over the history as a signed percentage.
func (m Metric) Trend() string {
	if m.TrendBP < 0 {
		return "-" + Percent(-m.TrendBP)
	}
	return "+" + Percent(m.TrendBP)
}

// Performance is a shop's score on a day, with its metrics and the trend.
type Performance struct {
	Day       string     `json:"day"`
	Scored    bool       `json:"scored"`
	Score     float64    `json:"score"` // 0-5, one decimal
	Delivered int64      `json:"delivered"`
	NeedOrder int64      `json:"need_delivered"`
	Metrics   []Metric   `json:"metrics"`
	History   []DayScore `json:"history"` // oldest first
	// Paid orders in the score window and those with free shipping for the buyer.
	PaidOrders       int64 `json:"paid_orders"`
	PaidFreeShipping int64 `json:"paid_free_shipping"`
}

// DayScore is the score on one past day.
type DayScore struct {
	Day    string  `json:"day"`
	Scored bool    `json:"scored"`
	Score  float64 `json:"score"`
}

// subScore scores a rate that should be low: 5 at zero, the policy's score at the
// benchmark, 0 at the policy's multiple of the benchmark or worse, linearly between.
func subScore(valueBP, benchmarkBP int64, sc market.SPSScoring) float64 {
	if benchmarkBP <= 0 {
		if valueBP == 0 {
			return 5
		}
		return 0
	}
	v, b := float64(valueBP), float64(benchmarkBP)
	atB := float64(sc.ScoreAtBenchmarkX10) / 10
	zero := b * float64(sc.ZeroAtBenchmarkX100) / 100
	if v <= b {
		return 5 - (5-atB)*v/b
	}
	return max(0, atB-atB*(v-b)/(zero-b))
}

func rateBP(n, d int64) int64 {
	if d == 0 {
		return 0
	}
	return n * 10000 / d
}

// score computes the SPS from the counts of the negative-review window (nr) and the
// score window (w) under p.
func score(nr, w perfCounts, p market.Policy) (Performance, bool) {
	perf := Performance{Delivered: w.Delivered, NeedOrder: int64(p.Performance.MinDeliveredOrders)}
	sc := p.Performance.Scoring
	weight := func(bp int) float64 { return float64(bp) / 10000 }
	perf.Metrics = []Metric{
		{Key: "negative_review_rate", Label: "Negative review rate", Weight: weight(sc.Weights.NegativeReviewRateBP), Numerator: nr.NegativeReviews, Denominator: nr.Delivered,
			ValueBP: rateBP(nr.NegativeReviews, nr.Delivered), BenchmarkBP: int64(p.Probation.MaxBadReviewRateBP)},
		{Key: "late_dispatch_rate", Label: "Late dispatch rate", Weight: weight(sc.Weights.LateDispatchRateBP), Numerator: w.LateShipped, Denominator: w.Shipped,
			ValueBP: rateBP(w.LateShipped, w.Shipped), BenchmarkBP: int64(p.Performance.LateDispatchTargetBP)},
		{Key: "seller_cancel_rate", Label: "Seller-fault cancellation rate", Weight: weight(sc.Weights.SellerCancelRateBP), Numerator: w.SellerCancelled, Denominator: w.Paid,
			ValueBP: rateBP(w.SellerCancelled, w.Paid), BenchmarkBP: int64(p.Performance.SellerCancelMaxBP)},
		{Key: "on_time_delivery_rate", Label: "On-time delivery rate", Weight: weight(sc.Weights.OnTimeDeliveryRateBP), Numerator: w.DeliveredOnTime, Denominator: w.Delivered,
			ValueBP: 10000 - rateBP(w.Delivered-w.DeliveredOnTime, w.Delivered), BenchmarkBP: int64(p.Performance.OnTimeDeliveryMinBP), AtLeast: true},
		{Key: "response_rate", Label: "Response rate to buyer messages", Weight: weight(sc.Weights.ResponseRateBP), Numerator: w.AnsweredInTime, Denominator: w.Inquiries,
			ValueBP: 10000 - rateBP(w.Inquiries-w.AnsweredInTime, w.Inquiries), BenchmarkBP: int64(p.Performance.ResponseRateMinBP), AtLeast: true},
	}
	total := 0.0
	for i := range perf.Metrics {
		m := &perf.Metrics[i]
		v, b := m.ValueBP, m.BenchmarkBP
		if m.AtLeast {
			v, b = 10000-v, 10000-b // scored on the share missed
		}
		sub := subScore(v, b, sc)
		m.Score = float64(int(sub*10+0.5)) / 10
		total += m.Weight * sub
	}
	perf.Scored = w.Delivered >= int64(p.Performance.MinDeliveredOrders)
	if perf.Scored {
		perf.Score = float64(int(total*10+0.5)) / 10
	}
	return perf, perf.Scored
}

// Performance computes a shop's SPS at at, with the last historyDays days' scores.
func (s *Service) Performance(ctx context.Context, shopID id.ID, at time.Time, historyDays int) (Performance, error) {
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return Performance{}, err
	}
	m, err := s.markets.Market(ctx, sh.Market)
	if err != nil {
		return Performance{}, err
	}
	p, err := s.markets.Policy(ctx, sh.Market, at)
	if err != nil {
		return Performance{}, err
	}
	longest := max(p.Performance.ScoreWindowDays, p.Performance.NegativeReviewDays) + historyDays + 1
	qs, err := s.inquiries(ctx, shopID, at.AddDate(0, 0, -longest))
	if err != nil {
		return Performance{}, fmt.Errorf("seller: read inquiries: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT day, paid, shipped, late_shipped, seller_cancelled, delivered, negative_reviews,
		delivered_on_time, paid_free_shipping
		FROM shop_perf_daily WHERE shop_id = $1 AND day > $2 AND day <= $3`, shopID, m.Day(at.AddDate(0, 0, -longest)), m.Day(at))
	if err != nil {
		return Performance{}, fmt.Errorf("seller: read performance: %w", err)
	}
	days := map[string]perfCounts{}
	for rows.Next() {
		var d string
		var c perfCounts
		if err := rows.Scan(&d, &c.Paid, &c.Shipped, &c.LateShipped, &c.SellerCancelled, &c.Delivered, &c.NegativeReviews,
			&c.DeliveredOnTime, &c.PaidFreeShipping); err != nil {
			rows.Close()
			return Performance{}, err
		}
		days[d] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Performance{}, err
	}
	window := func(end time.Time, n int) perfCounts {
		var sum perfCounts
		for i := 0; i < n; i++ {
			c := days[m.Day(end.AddDate(0, 0, -i))]
			sum.Paid += c.Paid
			sum.Shipped += c.Shipped
			sum.LateShipped += c.LateShipped
			sum.SellerCancelled += c.SellerCancelled
			sum.Delivered += c.Delivered
			sum.NegativeReviews += c.NegativeReviews
			sum.DeliveredOnTime += c.DeliveredOnTime
			sum.PaidFreeShipping += c.PaidFreeShipping
		}
		sum.Inquiries, sum.AnsweredInTime = responseCounts(qs, end, n)
		return sum
	}
	at = at.In(m.Location())
	w := window(at, p.Performance.ScoreWindowDays)
	perf, _ := score(window(at, p.Performance.NegativeReviewDays), w, p)
	perf.Day = m.Day(at)
	perf.PaidOrders, perf.PaidFreeShipping = w.Paid, w.PaidFreeShipping
	for i := historyDays - 1; i >= 0; i-- {
		day := at.AddDate(0, 0, -i)
		dp, err := s.markets.Policy(ctx, sh.Market, day)
		if err != nil {
			return Performance{}, err
		}
		h, ok := score(window(day, dp.Performance.NegativeReviewDays), window(day, dp.Performance.ScoreWindowDays), dp)
		perf.History = append(perf.History, DayScore{Day: m.Day(day), Scored: ok, Score: h.Score})
		if i == historyDays-1 && historyDays > 1 {
			for j := range perf.Metrics {
				perf.Metrics[j].TrendBP = perf.Metrics[j].ValueBP - h.Metrics[j].ValueBP
			}
		}
	}
	return perf, nil
}

// FreeShippingCoverageBP is the share of paid orders in the score window the buyer
// paid no shipping for (Mall eligibility reads it).
func (p Performance) FreeShippingCoverageBP() int64 { return rateBP(p.PaidFreeShipping, p.PaidOrders) }

// Trend is the change of the score over the history (last scored day less the first).
func (p Performance) Trend() float64 {
	first, last := -1.0, -1.0
	for _, h := range p.History {
		if !h.Scored {
			continue
		}
		if first < 0 {
			first = h.Score
		}
		last = h.Score
	}
	if first < 0 {
		return 0
	}
	return float64(int((last-first)*10)) / 10
}

func (s *Service) subscribePerformance(b bus.Bus) error {
	return b.Subscribe(perfConsumer, []string{events.TopicOrderPaid, events.TopicOrderShipped, events.TopicOrderDelivered,
		events.TopicOrderCancelled, events.TopicReviewCreated, events.TopicReviewModerated}, s.handlePerformance)
}

func (s *Service) handlePerformance(ctx context.Context, e bus.Event) error {
	var shopID id.ID
	var marketCode string
	var at time.Time
	var col string
	delta := 1
	switch e.Topic {
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		shopID, marketCode, at, col = ev.ShopID, ev.Market, ev.At, "paid"
		if ev.BuyerShipping == 0 {
			col = "paid_free"
		}
	case events.TopicOrderShipped:
		ev, err := bus.Decode[events.OrderShipped](e)
		if err != nil {
			return err
		}
		shopID, marketCode, at, col = ev.ShopID, ev.Market, ev.At, "shipped"
		if ev.Late {
			col = "late"
		}
	case events.TopicOrderDelivered:
		ev, err := bus.Decode[events.OrderDelivered](e)
		if err != nil {
			return err
		}
		shopID, marketCode, at, col = ev.ShopID, ev.Market, ev.At, "delivered"
		onTime, err := s.deliveredOnTime(ctx, ev)
		if err != nil {
			return err
		}
		if onTime {
			col = "delivered_on_time"
		}
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil || ev.Fault != "seller" || !ev.WasPaid {
			return err
		}
		shopID, marketCode, at, col = ev.ShopID, ev.Market, ev.At, "seller_cancelled"
	case events.TopicReviewCreated:
		ev, err := bus.Decode[events.ReviewCreated](e)
		if err != nil || !ev.First || ev.Rating > 2 {
			return err
		}
		// Counted on the day the order was delivered: the rate is over deliveries.
		shopID, at, col = ev.ShopID, ev.DeliveredAt, "negative_reviews"
	case events.TopicReviewModerated:
		ev, err := bus.Decode[events.ReviewModerated](e)
		if err != nil || !ev.First || ev.Rating > 2 {
			return err
		}
		shopID, at, col = ev.ShopID, ev.DeliveredAt, "negative_reviews"
		if ev.Hidden {
			delta = -1
		}
	default:
		return nil
	}
	if marketCode == "" {
		sh, err := s.Shop(ctx, shopID)
		if err != nil {
			return err
		}
		marketCode = sh.Market
	}
	m, err := s.markets.Market(ctx, marketCode)
	if err != nil {
		return err
	}
	if at.IsZero() {
		at = s.now()
	}
	day := m.Day(at)
	set := map[string]string{
		"paid":              `paid = shop_perf_daily.paid + $3`,
		"paid_free":         `paid = shop_perf_daily.paid + $3, paid_free_shipping = shop_perf_daily.paid_free_shipping + $3`,
		"delivered_on_time": `delivered = shop_perf_daily.delivered + $3, delivered_on_time = shop_perf_daily.delivered_on_time + $3`,
		"shipped":           `shipped = shop_perf_daily.shipped + $3`,
		"late":              `shipped = shop_perf_daily.shipped + $3, late_shipped = shop_perf_daily.late_shipped + $3`,
		"delivered":         `delivered = shop_perf_daily.delivered + $3`,
		"seller_cancelled":  `seller_cancelled = shop_perf_daily.seller_cancelled + $3`,
		"negative_reviews":  `negative_reviews = shop_perf_daily.negative_reviews + $3`,
	}[col]
	return outbox.Consume(ctx, s.db, perfConsumer, e, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shop_perf_daily (shop_id, day) VALUES ($1, $2) ON CONFLICT (shop_id, day) DO NOTHING`, shopID, day); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE shop_perf_daily SET `+set+` WHERE shop_id = $1 AND day = $2`, shopID, day, delta)
		return err
	})
}

// deliveredOnTime says whether an order arrived within the delivery promise in force
// when it was paid: performance.delivery_business_days business days of the market's
// calendar after payment. An order without a payment time is not held against the shop.
func (s *Service) deliveredOnTime(ctx context.Context, ev events.OrderDelivered) (bool, error) {
	if ev.PaidAt.IsZero() || ev.At.IsZero() {
		return true, nil
	}
	code := ev.Market
	if code == "" {
		sh, err := s.Shop(ctx, ev.ShopID)
		if err != nil {
			return false, err
		}
		code = sh.Market
	}
	m, err := s.markets.Market(ctx, code)
	if err != nil {
		return false, err
	}
	p, err := s.markets.Policy(ctx, code, ev.PaidAt)
	if err != nil {
		return false, err
	}
	promise := p.Calendar.AddBusinessDays(ev.PaidAt, p.Performance.DeliveryBusinessDays, m.Location())
	return !ev.At.After(promise), nil
}

// Percent formats a rate in basis points as a percentage ("4.76%").
func Percent(bp int64) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) }

// Value is the metric's rate as a percentage.
func (m Metric) Value() string { return Percent(m.ValueBP) }

// Benchmark is the metric's benchmark as a percentage.
func (m Metric) Benchmark() string { return Percent(m.BenchmarkBP) }

// WeightPercent is the metric's share of the score, in percent.
func (m Metric) WeightPercent() int { return int(m.Weight*100 + 0.5) }
