package live_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
)

// The host mutes, slows, pins and removes; the room enforces each in order with the
// chat, and a removed viewer cannot come straight back.
func TestModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, testConfig())
		f.setChatPolicy(t, 300, 0)
		ctx := context.Background()
		ana, ben := f.Actor(t, "ana.mod"), f.Actor(t, "ben.mod")
		va, _ := f.watch(t, ana)
		vb, _ := f.watch(t, ben)
		ra, rb := viewerReader(va), viewerReader(vb)
		moderate := func(in live.ModerationInput) {
			t.Helper()
			if err := f.hub.Moderate(ctx, f.host, f.session.ID, in); err != nil {
				t.Fatal(err)
			}
		}

		// Refusals: not the host, bad input.
		if err := f.hub.Moderate(ctx, ana, f.session.ID, live.ModerationInput{Action: "mute", AccountID: ben.AccountID}); !errors.Is(err, live.ErrNotModerator) {
			t.Fatalf("a viewer moderating: %v", err)
		}
		for _, c := range []struct {
			in    live.ModerationInput
			field string
		}{
			{live.ModerationInput{Action: "ban_everyone"}, "action"},
			{live.ModerationInput{Action: "mute"}, "account_id"},
			{live.ModerationInput{Action: "mute", AccountID: f.host.AccountID}, "account_id"},
			{live.ModerationInput{Action: "mute", AccountID: ana.AccountID, Minutes: 5000}, "minutes"},
			{live.ModerationInput{Action: "slow_mode", Seconds: 301}, "seconds"},
			{live.ModerationInput{Action: "pin_comment", Text: "   "}, "text"},
		} {
			if err := f.hub.Moderate(ctx, f.host, f.session.ID, c.in); errs.As(err) == nil || errs.As(err).Field != c.field {
				t.Errorf("%+v: %v, want a refusal on %s", c.in, err, c.field)
			}
		}

		// Muted: Ana is told, and Ben never sees her message.
		moderate(live.ModerationInput{Action: "mute", AccountID: ana.AccountID, Minutes: 5})
		expect(t, ra, "the mute notice", func(fr frame) bool {
			return fr.Type == live.FrameNotice && strings.Contains(string(fr.Data), "chat_muted")
		})
		_ = va.Chat(ctx, "buy elsewhere!")
		expect(t, ra, "the refusal", func(fr frame) bool {
			return fr.Type == live.FrameNotice && strings.Contains(string(fr.Data), "muted you until")
		})
		moderate(live.ModerationInput{Action: "unmute", AccountID: ana.AccountID})
		_ = va.Chat(ctx, "sorry, love this")
		_, skipped := expect(t, rb, "Ana's message after the unmute", func(fr frame) bool {
			return fr.Type == live.FrameChat && strings.Contains(string(fr.Data), "sorry, love this")
		})
		for _, fr := range skipped {
			if strings.Contains(string(fr.Data), "buy elsewhere") {
				t.Fatal("a muted message reached the room")
			}
		}

		// Slow mode: a second message within the gap is refused.
		moderate(live.ModerationInput{Action: "slow_mode", Seconds: 30})
		expect(t, rb, "the slow-mode notice", func(fr frame) bool {
			return fr.Type == live.FrameNotice && strings.Contains(string(fr.Data), "slow_mode")
		})
		_ = vb.Chat(ctx, "first")
		_ = vb.Chat(ctx, "second")
		expect(t, rb, "the slow-mode refusal", func(fr frame) bool {
			return fr.Type == live.FrameNotice && strings.Contains(string(fr.Data), "one message every 30 seconds")
		})
		moderate(live.ModerationInput{Action: "slow_mode", Seconds: 0})

		// A pinned comment reaches everyone and greets newcomers.
		moderate(live.ModerationInput{Action: "pin_comment", Text: "Code GLOW5 takes 5% off"})
		c, _ := expect(t, ra, "the pinned comment", func(fr frame) bool { return fr.Type == live.FrameComment && fr.Seq > 0 })
		if pc := decode[live.PinnedComment](t, c); pc.Text != "Code GLOW5 takes 5% off" {
			t.Fatalf("pinned %+v", pc)
		}
		_, hello := f.watch(t, f.Actor(t, "cy.mod"))
		if hello.Comment == nil || hello.Comment.Text != "Code GLOW5 takes 5% off" {
			t.Fatalf("a newcomer's hello: %+v", hello.Comment)
		}

		// Removed: Ben is dropped with the reason, and his return is turned away.
		moderate(live.ModerationInput{Action: "kick", AccountID: ben.AccountID})
		// The drop reason is readable once the room has closed Ben's queue.
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := rb(deadline); errors.Is(err, errGone) {
				break
			} else if time.Now().After(deadline) {
				t.Fatal("Ben was never removed")
			}
		}
		if !strings.Contains(vb.DropReason(), "removed") {
			t.Fatalf("drop reason %q", vb.DropReason())
		}
		back, err := f.hub.Watch(ctx, f.session.ID, ben)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := viewerReader(back)(time.Now().Add(2 * time.Second)); !errors.Is(err, errGone) || !strings.Contains(back.DropReason(), "removed") {
			t.Fatalf("a removed viewer came straight back: %v %q", err, back.DropReason())
		}
	})
}

// The host appoints a moderator, who then mutes a viewer; chat frames name their
// writer's account so moderators can act on them; a removed moderator can no longer
// moderate, and nobody but the host appoints.
func TestAppointedModerator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, testConfig())
		f.setChatPolicy(t, 300, 0)
		ctx := context.Background()
		ana, mod := f.Actor(t, "ana.viewer"), f.Actor(t, "mo.moderator")
		va, _ := f.watch(t, ana)
		ra := viewerReader(va)
		mute := live.ModerationInput{Action: "mute", AccountID: ana.AccountID, Minutes: 5}

		if err := f.content.AddModerator(ctx, ana, f.session.ID, mod.AccountID); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a viewer appoints: %v", err)
		}
		if err := f.content.AddModerator(ctx, f.host, f.session.ID, f.host.AccountID); errs.As(err) == nil || errs.As(err).Field != "account" {
			t.Fatalf("the host appoints themself: %v", err)
		}
		if err := f.hub.Moderate(ctx, mod, f.session.ID, mute); !errors.Is(err, live.ErrNotModerator) {
			t.Fatalf("before appointment: %v", err)
		}
		if err := f.content.AddModerator(ctx, f.host, f.session.ID, mod.AccountID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := f.content.Moderators(ctx, f.session.ID); len(ids) != 1 || ids[0] != mod.AccountID {
			t.Fatalf("moderators %v", ids)
		}
		_ = va.Chat(ctx, "hello room")
		expect(t, ra, "her chat line with her account", func(fr frame) bool {
			return fr.Type == live.FrameChat && strings.Contains(string(fr.Data), `"account_id":"`+ana.AccountID.String()+`"`)
		})
		if err := f.hub.Moderate(ctx, mod, f.session.ID, mute); err != nil {
			t.Fatalf("an appointed moderator mutes: %v", err)
		}
		expect(t, ra, "the mute notice", func(fr frame) bool {
			return fr.Type == live.FrameNotice && strings.Contains(string(fr.Data), "chat_muted")
		})
		if err := f.content.RemoveModerator(ctx, f.host, f.session.ID, mod.AccountID); err != nil {
			t.Fatal(err)
		}
		if err := f.hub.Moderate(ctx, mod, f.session.ID, live.ModerationInput{Action: "unmute", AccountID: ana.AccountID}); !errors.Is(err, live.ErrNotModerator) {
			t.Fatalf("after removal: %v", err)
		}
	})
}
