package content_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Followers hear when a creator schedules a live and when it starts; viewers who
// asked for a reminder hear when it starts, followers or not; a redelivered event
// notifies nobody twice; a practice live is announced to no one.
func TestLiveRemindersAndFollowerNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.content.Identity = f.Identity
		if err := f.content.Subscribe(f.Bus); err != nil {
			t.Fatal(err)
		}
		fan, stranger := f.Actor(t, "fan.one"), f.Actor(t, "stranger")
		c, _ := f.creators.ByAccount(ctx, f.host.AccountID)
		if err := f.Identity.Follow(ctx, fan, identity.FollowCreator, c.ID); err != nil {
			t.Fatal(err)
		}
		sess, err := f.content.Schedule(ctx, f.host, content.ScheduleInput{Title: "Friday glow", ProductIDs: []id.ID{f.products[0].ID}})
		if err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		inbox := func(a auth.Actor) []string {
			t.Helper()
			ns, err := f.Identity.Inbox(ctx, a, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Title)
			}
			return out
		}
		if got := inbox(fan); len(got) != 1 || !strings.Contains(got[0], "@host scheduled a live: Friday glow") {
			t.Fatalf("the follower's inbox after scheduling: %q", got)
		}
		if got := inbox(stranger); len(got) != 0 {
			t.Fatalf("a stranger was told: %q", got)
		}
		// The stranger asks to be reminded; reminders are refused once a live has started.
		if err := f.content.Remind(ctx, auth.Actor{}, sess.ID); err == nil {
			t.Fatal("an anonymous reminder")
		}
		for i := 0; i < 2; i++ { // twice is once
			if err := f.content.Remind(ctx, stranger, sess.ID); err != nil {
				t.Fatal(err)
			}
		}
		if mine, total, _ := f.content.Reminded(ctx, stranger, sess.ID); !mine || total != 1 {
			t.Fatalf("reminded %v of %d", mine, total)
		}
		if _, err := f.content.Start(ctx, f.host, sess.ID); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		if got := inbox(stranger); len(got) != 1 || !strings.Contains(got[0], "is live now") {
			t.Fatalf("the reminded stranger's inbox: %q", got)
		}
		if got := inbox(fan); len(got) != 2 || !strings.Contains(got[0], "is live now") {
			t.Fatalf("the follower's inbox after the start: %q", got)
		}
		if n, _ := f.Identity.Unread(ctx, fan); n != 2 {
			t.Fatalf("unread %d", n)
		}
		f.Identity.MarkAllRead(ctx, fan)
		if n, _ := f.Identity.Unread(ctx, fan); n != 0 {
			t.Fatalf("unread after reading %d", n)
		}
		if err := f.content.Remind(ctx, stranger, sess.ID); !errors.Is(err, content.ErrReminderState) {
			t.Fatalf("a reminder for a live on air: %v", err)
		}
		// A redelivered event notifies nobody twice.
		if _, err := d.ExecContext(ctx, `DELETE FROM consumed_events WHERE consumer = 'content.audience'`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE outbox SET published_at = NULL WHERE topic LIKE 'live.%'`); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		if got := inbox(fan); len(got) != 2 {
			t.Fatalf("after redelivery the follower has %d notifications", len(got))
		}
		// A practice live is announced to no one.
		if _, err := f.content.Schedule(ctx, f.host, content.ScheduleInput{Title: "Rehearsal", ProductIDs: []id.ID{f.products[0].ID}, Practice: true}); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		if got := inbox(fan); len(got) != 2 {
			t.Fatalf("a practice live was announced: %q", got)
		}
	})
}
