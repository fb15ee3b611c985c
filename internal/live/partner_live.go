package live

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Reads for partner tools (the Open API's analytics family): a shop's lives with the
// totals of their per-minute series, as TikTok Shop's live performance list shows them.

// LiveSummary is one live of a shop with its totals.
type LiveSummary struct {
	SessionID     id.ID
	Title         string
	HostAccountID id.ID
	Status        string
	StartedAt     time.Time
	EndedAt       time.Time
	PeakViewers   int
	NewViewers    int
	ViewerMinutes float64
	Likes         int64
	Comments      int64
	Orders        int64
	Units         int64
	GMV           int64
	Currency      string
}

// ShopLives lists the lives broadcast for a shop that started within [from, to),
// rehearsals left out, for the seller who manages the shop, oldest first.
func (h *Hub) ShopLives(ctx context.Context, actor auth.Actor, shopID id.ID, from, to time.Time) ([]LiveSummary, error) {
	if _, err := h.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	if h.minutesDB == nil {
		return nil, fmt.Errorf("live: minutes are not recorded on this node")
	}
	rows, err := h.minutesDB.QueryContext(ctx, `SELECT s.id, s.title, s.host_account_id, s.status, s.started_at, s.ended_at,
			COALESCE(MAX(m.peak_viewers), 0), COALESCE(SUM(m.new_viewers), 0), COALESCE(SUM(m.viewer_minutes), 0),
			COALESCE(SUM(m.likes), 0), COALESCE(SUM(m.comments), 0), COALESCE(SUM(m.orders), 0), COALESCE(SUM(m.units), 0),
			COALESCE(SUM(m.gmv), 0), COALESCE(MAX(m.currency), '')
		FROM live_sessions s LEFT JOIN live_minutes m ON m.session_id = s.id
		WHERE s.shop_id = $1 AND s.practice = FALSE AND s.started_at > 0 AND s.started_at >= $2 AND s.started_at < $3
		GROUP BY s.id, s.title, s.host_account_id, s.status, s.started_at, s.ended_at ORDER BY s.started_at, s.id`,
		shopID, db.Micros(from), db.Micros(to))
	if err != nil {
		return nil, fmt.Errorf("live: shop lives: %w", err)
	}
	defer rows.Close()
	var out []LiveSummary
	for rows.Next() {
		var l LiveSummary
		var started, ended, vm int64
		if err := rows.Scan(&l.SessionID, &l.Title, &l.HostAccountID, &l.Status, &started, &ended, &l.PeakViewers, &l.NewViewers, &vm,
			&l.Likes, &l.Comments, &l.Orders, &l.Units, &l.GMV, &l.Currency); err != nil {
			return nil, err
		}
		l.StartedAt, l.ViewerMinutes = db.Time(started), float64(vm)/1000
		if ended != 0 {
			l.EndedAt = db.Time(ended)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
