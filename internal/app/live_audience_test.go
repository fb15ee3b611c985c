package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// In Chromium: a shopper asks to be reminded of a scheduled live; the host appoints
// her moderator and goes live; her inbox tells her it started; in the room she mutes
// a viewer from the button beside his chat message, and he is told.
func TestBrowserLiveRemindersAndModerators(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedVideoWorld(t, s)
	bg := context.Background()
	mia, _ := s.Identity.AccountByEmail(bg, "mia@creator.test")
	sess, err := s.Content.Schedule(bg, mia.Actor(), content.ScheduleInput{Title: "Sunday glow", ScheduledAt: time.Now().Add(time.Hour), ProductIDs: []id.ID{w.productID}})
	if err != nil {
		t.Fatal(err)
	}
	room := s.URL + "/live/" + sess.ID.String()

	err = chromedp.Do(ctx,
		login(s, "bea@shopper.test"),
		chromedp.Navigate(room),
		chromedp.Click(chromedp.ID("remind-me")),
		waitText(".flash", "notified when it starts"),
		chromedp.WaitVisible(chromedp.ID("remind-cancel")),
		waitText("#reminders", "1 waiting"),
		logout(),
		login(s, "mia@creator.test"),
		chromedp.Navigate(room),
		chromedp.SetValue(chromedp.ID("moderator-who"), "nobody@nowhere.test"),
		chromedp.Click(chromedp.CSS("#add-moderator button")),
		waitText(".flash", "no account has the email"),
		chromedp.SetValue(chromedp.ID("moderator-who"), "bea@shopper.test"),
		chromedp.Click(chromedp.CSS("#add-moderator button")),
		waitText("#moderators", "Bea Buyer"),
		chromedp.Click(chromedp.CSS(`form[action$="/start"] button`)),
		waitText("#status", "LIVE"),
		logout(),
		login(s, "bea@shopper.test"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The relay delivers live.started in the background; the header counts it.
	waitFor(t, "bea's notification", func() bool {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/orders")); err != nil {
			return false
		}
		n, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("header .who")))
		return err == nil && strings.Contains(n, "1")
	})
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/notifications"),
		waitText("#notifications", "@mia.makeup is live now: Sunday glow"),
		chromedp.Click(chromedp.CSS("#notifications a")),
		waitText("#conn", "connected"),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Another viewer chats; the moderator mutes him from his message.
	cal := s.signup(t, "cal@viewer.test", "Cal")
	v := s.watch(t, cal, sess.ID.String())
	v.send(map[string]any{"type": "chat", "text": "buy it cheaper elsewhere"})
	err = chromedp.Do(ctx,
		waitText("#chatlog", "buy it cheaper elsewhere"),
		chromedp.Click(chromedp.CSS(`#chatlog .mod-act[data-action="mute"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	v.await("notice", func(d map[string]any) bool { return d["code"] == "chat_muted" })
}
