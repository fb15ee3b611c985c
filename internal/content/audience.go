package content

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// A live's audience beyond its room: the moderators its host appoints, the viewers
// who asked to be reminded, and the followers told when it is scheduled and when it
// starts.

// MaxModerators is how many moderators a host may appoint for one live.
const MaxModerators = 20

// Errors of moderators and reminders.
var (
	ErrModeratorLimit = errs.New(errs.Rule, "moderator_limit", fmt.Sprintf("a live has at most %d moderators", MaxModerators)).OnField("account")
	ErrReminderState  = errs.New(errs.Conflict, "reminder_not_allowed", "reminders are for lives that have not started yet")
)

// AddModerator lets an account moderate the live's chat (mute, remove, slow mode,
// pin a comment). The host only; the host already moderates.
func (s *Service) AddModerator(ctx context.Context, actor auth.Actor, sessionID, accountID id.ID) error {
	sess, err := s.hosted(ctx, actor, sessionID, false)
	if err != nil {
		return err
	}
	if sess.Status == Ended {
		return ErrSessionState.With("the live has ended")
	}
	if accountID == sess.HostAccountID {
		return errs.Invalidf("account", "the host already moderates")
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM live_moderators WHERE session_id = $1`, sessionID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxModerators {
			return ErrModeratorLimit
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO live_moderators (session_id, account_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			sessionID, accountID, db.Micros(s.now()))
		return err
	})
}

// RemoveModerator withdraws an account's moderation of the live. The host only.
func (s *Service) RemoveModerator(ctx context.Context, actor auth.Actor, sessionID, accountID id.ID) error {
	if _, err := s.hosted(ctx, actor, sessionID, false); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM live_moderators WHERE session_id = $1 AND account_id = $2`, sessionID, accountID)
	return err
}

// Moderators lists the accounts appointed to moderate a live.
func (s *Service) Moderators(ctx context.Context, sessionID id.ID) ([]id.ID, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account_id FROM live_moderators WHERE session_id = $1 ORDER BY added_at`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []id.ID
	for rows.Next() {
		var a id.ID
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CanModerate reports whether the actor moderates the live: its host, an appointed
// moderator, or an operator.
func (s *Service) CanModerate(ctx context.Context, actor auth.Actor, sess Session) (bool, error) {
	if actor.Anonymous() {
		return false, nil
	}
	if actor.AccountID == sess.HostAccountID || actor.Has(auth.Operator) {
		return true, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM live_moderators WHERE session_id = $1 AND account_id = $2`, sess.ID, actor.AccountID).Scan(&n)
	return n > 0, err
}

// Remind asks to be told when a scheduled live starts.
func (s *Service) Remind(ctx context.Context, actor auth.Actor, sessionID id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	if sess.Practice && sess.HostAccountID != actor.AccountID {
		return ErrSessionNotFound
	}
	if sess.Status != Scheduled {
		return ErrReminderState
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO live_reminders (session_id, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		sessionID, actor.AccountID, db.Micros(s.now()))
	return err
}

// CancelReminder withdraws a reminder.
func (s *Service) CancelReminder(ctx context.Context, actor auth.Actor, sessionID id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM live_reminders WHERE session_id = $1 AND account_id = $2`, sessionID, actor.AccountID)
	return err
}

// Reminded reports whether the actor asked to be reminded of a live, and how many did.
func (s *Service) Reminded(ctx context.Context, actor auth.Actor, sessionID id.ID) (mine bool, total int, err error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN account_id = $2 THEN 1 ELSE 0 END), 0) FROM live_reminders WHERE session_id = $1`,
		sessionID, actor.AccountID).Scan(&total, &n); err != nil {
		return false, 0, err
	}
	return n > 0, total, nil
}

const audienceConsumer = "content.audience"

// Subscribe tells followers of lives scheduled and started, and reminds those who asked.
func (s *Service) Subscribe(b bus.Bus) error {
	return b.Subscribe(audienceConsumer, []string{events.TopicLiveScheduled, events.TopicLiveStarted}, s.announce)
}

func (s *Service) announce(ctx context.Context, e bus.Event) error {
	if s.Identity == nil {
		return nil
	}
	var ls events.LiveSession
	var started bool
	switch e.Topic {
	case events.TopicLiveScheduled:
		ev, err := bus.Decode[events.LiveScheduled](e)
		if err != nil {
			return err
		}
		ls = ev.LiveSession
	case events.TopicLiveStarted:
		ev, err := bus.Decode[events.LiveStarted](e)
		if err != nil {
			return err
		}
		ls, started = ev.LiveSession, true
	default:
		return nil
	}
	sess, err := s.Session(ctx, ls.SessionID)
	if err != nil || sess.Practice { // a rehearsal is announced to no one
		return err
	}
	host := s.hostLabel(ctx, sess)
	kind, target := identity.FollowCreator, sess.CreatorID
	if sess.ShopID != 0 {
		kind, target = identity.FollowShop, sess.ShopID
	}
	link := "/live/" + sess.ID.String()
	n := identity.Notification{Ref: "live:" + sess.ID.String() + ":scheduled", Link: link,
		Title: host + " scheduled a live: " + sess.Title,
		Body:  "Starts " + sess.ScheduledAt.UTC().Format("Mon 2 Jan 15:04 UTC") + ". Open it to set a reminder."}
	if started {
		n = identity.Notification{Ref: "live:" + sess.ID.String() + ":started", Link: link, Title: host + " is live now: " + sess.Title, Body: "Join the room to watch and shop."}
	}
	return outbox.Consume(ctx, s.db, audienceConsumer, e, func(tx *db.Tx) error {
		if err := s.Identity.NotifyFollowers(ctx, tx, kind, target, n); err != nil {
			return err
		}
		if !started {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT account_id FROM live_reminders WHERE session_id = $1`, sess.ID)
		if err != nil {
			return err
		}
		var to []id.ID
		for rows.Next() {
			var a id.ID
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return err
			}
			to = append(to, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		return s.Identity.Notify(ctx, tx, n, to)
	})
}

// hostLabel names a live's host as viewers know it.
func (s *Service) hostLabel(ctx context.Context, sess Session) string {
	if sess.CreatorID != 0 {
		if c, err := s.creators.Creator(ctx, sess.CreatorID); err == nil {
			return "@" + c.Handle
		}
	}
	if sess.ShopID != 0 {
		if sh, err := s.sellers.Shop(ctx, sess.ShopID); err == nil {
			return sh.Name
		}
	}
	return "A host"
}
