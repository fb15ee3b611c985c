package live

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Moderation is what a room's host (or a moderator the host appointed, or an
// operator) does to keep its chat readable:
// mute a viewer for a while, remove one from the room, slow the chat down, pin a
// comment for everyone. The room goroutine applies it, so it is ordered with the chat
// it governs; it lives in memory with the room, like the chat itself.

// ModerationInput is one moderation action.
type ModerationInput struct {
	Action    string `json:"action"`               // mute, unmute, kick, slow_mode, pin_comment, unpin_comment
	AccountID id.ID  `json:"account_id,omitempty"` // mute, unmute, kick
	Minutes   int    `json:"minutes,omitempty"`    // mute: how long (default 10)
	Seconds   int    `json:"seconds,omitempty"`    // slow_mode: a viewer's gap between messages; 0 turns it off
	Text      string `json:"text,omitempty"`       // pin_comment
}

// PinnedComment is the comment the host keeps on screen.
type PinnedComment struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// FrameComment carries the pinned comment (sequenced); a null comment means unpinned.
const FrameComment = "comment"

// Errors of moderation.
var (
	ErrNotModerator = errs.New(errs.Forbidden, "not_moderator", "only the live's host, the moderators the host appointed and operators moderate its room")
	ErrMuted        = errs.New(errs.Rule, "chat_muted", "the host has muted you for a while")
)

const (
	defaultMuteMinutes = 10
	kickMinutes        = 30 // a removed viewer cannot come back for this long
	maxSlowSeconds     = 300
)

// cmdModerate applies a moderation action in the room goroutine.
type cmdModerate struct {
	in ModerationInput
	by string
}

// Moderate applies a moderation action to a live's room.
func (h *Hub) Moderate(ctx context.Context, actor auth.Actor, sessionID id.ID, in ModerationInput) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	if ok, err := h.sessions.CanModerate(ctx, actor, sess); err != nil {
		return err
	} else if !ok {
		return ErrNotModerator
	}
	switch in.Action {
	case "mute", "unmute", "kick":
		if in.AccountID == 0 {
			return errs.Invalidf("account_id", "name the viewer")
		}
		if in.AccountID == sess.HostAccountID {
			return errs.Invalidf("account_id", "the host cannot be muted or removed")
		}
		if in.Action == "mute" && (in.Minutes < 0 || in.Minutes > 24*60) {
			return errs.Invalidf("minutes", "a mute lasts 1-1440 minutes (0: %d)", defaultMuteMinutes)
		}
	case "slow_mode":
		if in.Seconds < 0 || in.Seconds > maxSlowSeconds {
			return errs.Invalidf("seconds", "slow mode is 0 (off) to %d seconds", maxSlowSeconds)
		}
	case "pin_comment":
		text, ok := cleanChat(in.Text, 300)
		if !ok || text == "" {
			return errs.Invalidf("text", "a pinned comment is 1-300 characters")
		}
		in.Text = text
	case "unpin_comment":
	default:
		return errs.Invalidf("action", "one of mute, unmute, kick, slow_mode, pin_comment, unpin_comment")
	}
	r, err := h.room(ctx, sessionID)
	if err != nil {
		return err
	}
	h.mu.Lock()
	r.pendingJoins-- // room() counted a join; this is not one
	h.mu.Unlock()
	h.tell(r, cmdModerate{in: in, by: actor.Name})
	return nil
}

// moderate is the room goroutine's side.
func (r *Room) moderate(st *roomState, m cmdModerate) {
	now := time.Now()
	in := m.in
	switch in.Action {
	case "mute":
		minutes := in.Minutes
		if minutes == 0 {
			minutes = defaultMuteMinutes
		}
		st.muted[in.AccountID] = now.Add(time.Duration(minutes) * time.Minute)
		for c := range st.clients {
			if c.accountID == in.AccountID {
				r.notify(st, c, Notice{Code: "chat_muted", Text: "The host has muted you for " + plural(minutes, "minute") + "."})
			}
		}
	case "unmute":
		delete(st.muted, in.AccountID)
		delete(st.kicked, in.AccountID)
	case "kick":
		st.kicked[in.AccountID] = now.Add(kickMinutes * time.Minute)
		st.muted[in.AccountID] = now.Add(kickMinutes * time.Minute)
		for c := range st.clients {
			if c.accountID == in.AccountID {
				r.drop(st, c, "removed from this live by the host")
			}
		}
	case "slow_mode":
		st.slowMode = time.Duration(in.Seconds) * time.Second
		r.broadcast(st, Frame{Type: FrameNotice, Data: Notice{Code: "slow_mode", Text: slowText(in.Seconds)}}, false)
	case "pin_comment":
		st.pinnedComment = &PinnedComment{Text: in.Text, By: m.by, At: now.UTC()}
		r.broadcast(st, Frame{Type: FrameComment, Data: st.pinnedComment}, true)
	case "unpin_comment":
		st.pinnedComment = nil
		r.broadcast(st, Frame{Type: FrameComment, Data: nil}, true)
	}
}

// chatAllowed applies mutes and slow mode to a viewer's message, telling the viewer why not.
func (r *Room) chatAllowed(st *roomState, c *client, now time.Time) bool {
	if until, ok := st.muted[c.accountID]; ok && c.accountID != 0 {
		if now.Before(until) {
			r.notify(st, c, Notice{Code: ErrMuted.Code, Text: "The host has muted you until " + until.UTC().Format("15:04 UTC") + "."})
			return false
		}
		delete(st.muted, c.accountID)
	}
	if st.slowMode > 0 && now.Sub(c.roomLastChat) < st.slowMode {
		r.notify(st, c, Notice{Code: "slow_mode", Text: slowText(int(st.slowMode / time.Second))})
		return false
	}
	c.roomLastChat = now
	return true
}

// kickedOut reports whether a joining viewer was removed from the room a short while ago.
func (st *roomState) kickedOut(accountID id.ID, now time.Time) bool {
	until, ok := st.kicked[accountID]
	if !ok || accountID == 0 {
		return false
	}
	if now.After(until) {
		delete(st.kicked, accountID)
		return false
	}
	return true
}

func slowText(seconds int) string {
	if seconds == 0 {
		return "Slow mode is off."
	}
	return "Slow mode: one message every " + plural(seconds, "second") + "."
}

func plural(n int, unit string) string {
	s := strings.TrimSpace(unit)
	if n != 1 {
		s += "s"
	}
	return strconv.Itoa(n) + " " + s
}

func (h *Hub) handleModerate(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in ModerationInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := h.Moderate(r.Context(), auth.From(r.Context()), sid, in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "applied"})
}
