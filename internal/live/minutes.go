package live

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// A live's per-minute series is written while it runs: each room counts its minute
// in memory (joins, peak viewers, likes, comments) and hands the finished minute to a
// writer, which adds it to the session's row for that minute; orders and GMV are
// added from order.paid as they are paid. The post-live report and TikTok Shop's live
// performance shapes read these rows; nothing scans orders to draw a curve.

// Minute is one minute of a live.
type Minute struct {
	At            time.Time `json:"at"` // the minute's start, UTC
	Viewers       int       `json:"viewers"`
	PeakViewers   int       `json:"peak_viewers"`
	NewViewers    int       `json:"new_viewers"`
	Likes         int64     `json:"likes"`
	Comments      int64     `json:"comments"`
	Orders        int64     `json:"orders"`
	Units         int64     `json:"units"`
	GMV           int64     `json:"gmv"` // minor units of Currency
	Currency      string    `json:"currency,omitempty"`
	ViewerMinutes float64   `json:"-"`
}

// minuteCount is the room goroutine's running count of the current minute.
type minuteCount struct {
	start                 time.Time
	peak, joins           int
	likes, comments       int64
	viewerSum, viewerTick int // for the average viewers of the minute
}

// roll closes the minute if now is past it (or force, when the room closes) and
// returns the finished one, or nil.
func (m *minuteCount) roll(now time.Time, viewers int, length time.Duration, force bool) *Minute {
	if m.start.IsZero() {
		m.start = now.Truncate(length)
	}
	m.viewerSum += viewers
	m.viewerTick++
	m.peak = max(m.peak, viewers)
	if now.Before(m.start.Add(length)) && !force {
		return nil
	}
	avg := float64(m.viewerSum) / float64(max(m.viewerTick, 1))
	out := &Minute{At: m.start.UTC(), Viewers: viewers, PeakViewers: m.peak, NewViewers: m.joins, Likes: m.likes, Comments: m.comments,
		ViewerMinutes: avg * length.Minutes()}
	*m = minuteCount{start: now.Truncate(length), peak: viewers}
	return out
}

// EnableMinutes makes the hub write each live's per-minute series to d.
func (h *Hub) EnableMinutes(d *db.DB) { h.minutesDB = d }

// writeMinute adds a room's finished minute to its row, off the room goroutine.
func (h *Hub) writeMinute(sessionID id.ID, m Minute) {
	if h.minutesDB == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.addMinute(ctx, h.minutesDB, sessionID, m); err != nil {
			h.log.Warn("live: record minute", "session", sessionID, "err", err)
		}
	}()
}

func (h *Hub) addMinute(ctx context.Context, q db.Querier, sessionID id.ID, m Minute) error {
	_, err := q.ExecContext(ctx, `INSERT INTO live_minutes (session_id, minute, viewers, peak_viewers, new_viewers, viewer_minutes,
			likes, comments, orders, units, gmv, currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (session_id, minute) DO UPDATE SET viewers = CASE WHEN excluded.viewer_minutes > 0 THEN excluded.viewers ELSE live_minutes.viewers END,
			peak_viewers = CASE WHEN excluded.peak_viewers > live_minutes.peak_viewers THEN excluded.peak_viewers ELSE live_minutes.peak_viewers END,
			new_viewers = live_minutes.new_viewers + excluded.new_viewers, viewer_minutes = live_minutes.viewer_minutes + excluded.viewer_minutes,
			likes = live_minutes.likes + excluded.likes, comments = live_minutes.comments + excluded.comments,
			orders = live_minutes.orders + excluded.orders, units = live_minutes.units + excluded.units, gmv = live_minutes.gmv + excluded.gmv,
			currency = CASE WHEN excluded.currency <> '' THEN excluded.currency ELSE live_minutes.currency END`,
		sessionID, db.Micros(m.At), m.Viewers, m.PeakViewers, m.NewViewers, int64(m.ViewerMinutes*1000), m.Likes, m.Comments, m.Orders, m.Units, m.GMV, m.Currency)
	return err
}

// paidInLive adds a paid order's live lines to their sessions' minutes, once per
// event (the consumer records it in the same transaction).
func (h *Hub) paidInLive(ctx context.Context, e bus.Event, ev events.OrderPaid) error {
	if h.minutesDB == nil {
		return nil
	}
	per := map[id.ID]*Minute{}
	var order []id.ID
	at := ev.At.UTC().Truncate(h.cfg.MinuteLength)
	for _, l := range ev.Lines {
		if l.LiveSessionID == 0 {
			continue
		}
		m := per[l.LiveSessionID]
		if m == nil {
			m = &Minute{At: at, Orders: 1, Currency: ev.Currency}
			per[l.LiveSessionID] = m
			order = append(order, l.LiveSessionID)
		}
		m.Units += l.Quantity
		m.GMV += l.Paid
	}
	if len(per) == 0 {
		return nil
	}
	return outbox.Consume(ctx, h.minutesDB, "live.minutes", e, func(tx *db.Tx) error {
		for _, sid := range order {
			if err := h.addMinute(ctx, tx, sid, *per[sid]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Report is a live's post-live report: totals, the interaction score, and the series.
type Report struct {
	SessionID     id.ID    `json:"session_id"`
	Title         string   `json:"title"`
	Status        string   `json:"status"`
	DurationMin   float64  `json:"duration_minutes"`
	PeakViewers   int      `json:"peak_viewers"`
	NewViewers    int      `json:"new_viewers"`
	ViewerMinutes float64  `json:"viewer_minutes"`
	Likes         int64    `json:"likes"`
	Comments      int64    `json:"comments"`
	Orders        int64    `json:"orders"`
	Units         int64    `json:"units"`
	GMV           int64    `json:"gmv"`
	Currency      string   `json:"currency,omitempty"`
	Score         Score    `json:"interaction"`
	Minutes       []Minute `json:"minutes"`
}

// Score is a room's interaction per viewer-minute, what traffic allocation reads: the
// articles say interaction in a room now earns it traffic.
type Score struct {
	LikesPerViewerMinute    float64 `json:"likes_per_viewer_minute"`
	CommentsPerViewerMinute float64 `json:"comments_per_viewer_minute"`
	OrdersPer1000VM         float64 `json:"orders_per_1000_viewer_minutes"`
	// Score weighs the three: a comment is worth five likes and an order fifty
	// comments, per viewer-minute.
	Score float64 `json:"score"`
}

func scoreOf(likes, comments, orders int64, viewerMinutes float64) Score {
	if viewerMinutes <= 0 {
		return Score{}
	}
	s := Score{LikesPerViewerMinute: float64(likes) / viewerMinutes, CommentsPerViewerMinute: float64(comments) / viewerMinutes,
		OrdersPer1000VM: 1000 * float64(orders) / viewerMinutes}
	s.Score = s.LikesPerViewerMinute + 5*s.CommentsPerViewerMinute + 250*float64(orders)/viewerMinutes
	return s
}

// ErrReportNotYours is the refusal for a report the actor may not read.
var ErrReportNotYours = errs.New(errs.Forbidden, "report_forbidden", "a live's report is for its host, the shop it sells for and operators")

// Report reads a live's report. The host, the manager of the shop it broadcasts for
// and operators may read it.
func (h *Hub) Report(ctx context.Context, actor auth.Actor, sessionID id.ID) (Report, error) {
	if err := actor.RequireLogin(); err != nil {
		return Report{}, err
	}
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return Report{}, err
	}
	if actor.AccountID != sess.HostAccountID && !actor.Has(auth.Operator) {
		if sess.ShopID == 0 {
			return Report{}, ErrReportNotYours
		}
		if _, err := h.sellers.Manage(ctx, actor, sess.ShopID); err != nil {
			return Report{}, ErrReportNotYours
		}
	}
	if h.minutesDB == nil {
		return Report{}, fmt.Errorf("live: minutes are not recorded on this node")
	}
	rows, err := h.minutesDB.QueryContext(ctx, `SELECT minute, viewers, peak_viewers, new_viewers, viewer_minutes, likes, comments, orders, units, gmv, currency
		FROM live_minutes WHERE session_id = $1 ORDER BY minute`, sessionID)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	r := Report{SessionID: sess.ID, Title: sess.Title, Status: string(sess.Status), Minutes: []Minute{}}
	for rows.Next() {
		var m Minute
		var at, vm int64
		if err := rows.Scan(&at, &m.Viewers, &m.PeakViewers, &m.NewViewers, &vm, &m.Likes, &m.Comments, &m.Orders, &m.Units, &m.GMV, &m.Currency); err != nil {
			return Report{}, err
		}
		m.At, m.ViewerMinutes = db.Time(at), float64(vm)/1000
		r.Minutes = append(r.Minutes, m)
		r.PeakViewers = max(r.PeakViewers, m.PeakViewers)
		r.NewViewers += m.NewViewers
		r.ViewerMinutes += m.ViewerMinutes
		r.Likes += m.Likes
		r.Comments += m.Comments
		r.Orders += m.Orders
		r.Units += m.Units
		r.GMV += m.GMV
		if m.Currency != "" {
			r.Currency = m.Currency
		}
	}
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	if !sess.StartedAt.IsZero() {
		end := sess.EndedAt
		if end.IsZero() || sess.Status == content.Live {
			end = time.Now()
		}
		r.DurationMin = end.Sub(sess.StartedAt).Minutes()
	}
	r.Score = scoreOf(r.Likes, r.Comments, r.Orders, r.ViewerMinutes)
	return r, nil
}
