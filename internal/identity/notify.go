package identity

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Notifications are an account's inbox: short messages with a link, such as "Mia is
// live now". Domains write them inside their own transactions (usually an event
// consumer's), keyed by what they announce (Ref), so announcing the same thing twice
// notifies nobody twice.

// Notification is one inbox entry.
type Notification struct {
	Ref       string    `json:"ref"` // what it announces, e.g. "live:123:started"
	Title     string    `json:"title"`
	Body      string    `json:"body,omitempty"`
	Link      string    `json:"link,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// Notify puts n in the inboxes of the given accounts.
func (s *Service) Notify(ctx context.Context, tx *db.Tx, n Notification, to []id.ID) error {
	if len(to) == 0 {
		return nil
	}
	at := db.Micros(s.now())
	args := make([]any, 0, 6*len(to))
	for _, a := range to {
		args = append(args, a, n.Ref, n.Title, n.Body, n.Link, at)
	}
	_, err := db.InsertRows(ctx, tx, `INSERT INTO notifications (account_id, ref, title, body, link, created_at) VALUES `, 6, args, ` ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("identity: notify: %w", err)
	}
	return nil
}

// NotifyFollowers puts n in the inbox of everyone who follows the target, in one
// statement however many they are.
func (s *Service) NotifyFollowers(ctx context.Context, q db.Querier, kind FollowKind, target id.ID, n Notification) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notifications (account_id, ref, title, body, link, created_at)
		SELECT follower_id, $1, $2, $3, $4, $5 FROM follows WHERE target_kind = $6 AND target_id = $7
		ON CONFLICT DO NOTHING`, n.Ref, n.Title, n.Body, n.Link, db.Micros(s.now()), string(kind), target)
	if err != nil {
		return fmt.Errorf("identity: notify followers: %w", err)
	}
	return nil
}

// Inbox returns the actor's newest notifications.
func (s *Service) Inbox(ctx context.Context, actor auth.Actor, limit int) ([]Notification, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ref, title, body, link, created_at, read_at FROM notifications
		WHERE account_id = $1 ORDER BY created_at DESC, ref LIMIT $2`, actor.AccountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var at, read int64
		if err := rows.Scan(&n.Ref, &n.Title, &n.Body, &n.Link, &at, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.Read = db.Time(at), read != 0
		out = append(out, n)
	}
	return out, rows.Err()
}

// Unread counts the actor's unread notifications (0 for anonymous visitors).
func (s *Service) Unread(ctx context.Context, actor auth.Actor) (int, error) {
	if actor.Anonymous() {
		return 0, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at = 0`, actor.AccountID).Scan(&n)
	return n, err
}

// MarkAllRead marks the actor's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, actor auth.Actor) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at = 0`, db.Micros(s.now()), actor.AccountID)
	return err
}

func (s *Service) handleInbox(w http.ResponseWriter, r *http.Request) {
	actor := auth.From(r.Context())
	ns, err := s.Inbox(r.Context(), actor, httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	unread, err := s.Unread(r.Context(), actor)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if ns == nil {
		ns = []Notification{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"notifications": ns, "unread": unread})
}

func (s *Service) handleMarkRead(w http.ResponseWriter, r *http.Request) {
	if err := s.MarkAllRead(r.Context(), auth.From(r.Context())); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
