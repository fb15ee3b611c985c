package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// chromium finds Debian's Chromium, or skips (fails under LIVESHOP_TEST_REQUIRE=chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("LIVESHOP_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	dbtest.Missing(t, "chromium", "no Chromium at /usr/bin/chromium (apt-get install chromium) or in LIVESHOP_CHROMIUM")
	return ""
}

// browser returns a chromedp context on a fresh headless Chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// liveWorld sets up, through the services, a shop with a product, a creator with
// enough followers live with it pinned, and a shopper who can log in.
type liveWorld struct {
	session   id.ID
	productID id.ID
	shopper   string
}

func seedLive(t *testing.T, s *server) liveWorld {
	t.Helper()
	ctx := context.Background()
	owner, _ := s.Identity.Provision(ctx, "owner@shop.test", "Grace", "", auth.Seller)
	shop, err := s.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Glow Lab"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Velvet Lip Tint",
		SKUs: []catalog.SKUInput{{Price: money.New(1299, "USD"), Stock: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Creators.SetOffer(ctx, owner.Actor(), p.ID, 1500, true); err != nil {
		t.Fatal(err)
	}
	host, _ := s.Identity.Provision(ctx, "mia@creator.test", "Mia", "", auth.Creator)
	c, err := s.Creators.CreateProfile(ctx, host.Actor(), creator.ProfileInput{Handle: "mia.makeup", Market: "US", BirthDate: "1996-05-14"})
	if err != nil {
		t.Fatal(err)
	}
	giveFollowers(t, s, c.ID, 1000)
	if err := s.Creators.AddToShowcase(ctx, host.Actor(), p.ID); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Content.Schedule(ctx, host.Actor(), content.ScheduleInput{Title: "Glow-up Friday", ProductIDs: []id.ID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Content.Start(ctx, host.Actor(), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Content.Pin(ctx, host.Actor(), sess.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Identity.Provision(ctx, "bea@shopper.test", "Bea Buyer", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return liveWorld{session: sess.ID, productID: p.ID, shopper: "bea@shopper.test"}
}

// A shopper logs in, opens a live room in Chromium, chats, likes and buys the pinned
// product without leaving the room.
func TestBrowserLiveRoomChatAndBuy(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedLive(t, s)
	room := fmt.Sprintf("%s/live/%s", s.URL, w.session)

	err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login?next=/live/"+w.session.String()),
		chromedp.SendKeys(chromedp.ID("email"), w.shopper),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("room")),
		waitText("#conn", "connected"),
		waitText("#pinned-title", "Velvet Lip Tint"),
		chromedp.SendKeys(chromedp.ID("chat-input"), "hello from chromium\r"),
		waitText("#chatlog", "hello from chromium"),
		chromedp.Click(chromedp.ID("like-btn")),
		chromedp.Click(chromedp.ID("like-btn")),
		waitText("#likes", "2"),
		chromedp.Click(chromedp.ID("buy-btn")),
		chromedp.WaitVisible(chromedp.ID("buy-sheet")),
		chromedp.SetValue(chromedp.ID("buy-qty"), "2"),
		chromedp.SendKeys(chromedp.ID("addr-line1"), "1 Main St"),
		chromedp.SendKeys(chromedp.ID("addr-city"), "Austin"),
		chromedp.Click(chromedp.ID("buy-confirm")),
		chromedp.WaitVisible(chromedp.ID("order-link")),
		// The buyer's own purchase shows in the room's ticker too.
		waitText("#chatlog", "just bought 2 × Velvet Lip Tint"),
	)
	if err != nil {
		t.Fatalf("in %s: %v", room, err)
	}
	chatlog, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("chatlog")))
	if err != nil {
		t.Fatal(err)
	}
	likes, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("likes")))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("order-link"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	href := link.Value
	if !strings.Contains(chatlog, "Bea Buyer") {
		t.Errorf("chat line without its author: %q", chatlog)
	}
	if likes != "2" {
		t.Errorf("likes %q", likes)
	}
	oid, err := id.Parse(strings.TrimPrefix(href, "/orders/"))
	if err != nil {
		t.Fatalf("order link %q", href)
	}
	bea, _ := s.Identity.AccountByEmail(context.Background(), w.shopper)
	o, err := s.Orders.Get(context.Background(), bea.Actor(), oid)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != order.OnHold || o.Lines[0].Source != order.SourceLive || o.Lines[0].LiveSessionID != w.session || o.Lines[0].Quantity != 2 {
		t.Fatalf("order %+v", o)
	}
	p, _ := s.Catalog.Product(context.Background(), w.productID)
	if p.SKUs[0].Stock != 18 {
		t.Fatalf("stock %d after buying 2 of 20", p.SKUs[0].Stock)
	}

	// The order page the link leads to shows it, with its timeline.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+href)); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("order-status")))
	if err != nil {
		t.Fatal(err)
	}
	if status != "On hold" {
		t.Fatalf("order page status %q", status)
	}
}

// giveFollowers provisions n accounts that follow the creator: enough followers to
// sell in most markets.
func giveFollowers(t *testing.T, s *server, creatorID id.ID, n int) {
	t.Helper()
	fans := make([]identity.ProvisionInput, n)
	for i := range fans {
		fans[i] = identity.ProvisionInput{Email: fmt.Sprintf("fan%d@fans.test", i), DisplayName: "Fan"}
	}
	accts, err := s.Identity.ProvisionMany(context.Background(), fans)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]id.ID, len(accts))
	for i, a := range accts {
		ids[i] = a.ID
	}
	if err := s.Identity.FollowMany(context.Background(), ids, identity.FollowCreator, creatorID); err != nil {
		t.Fatal(err)
	}
}

// waitText waits until the text of the element the CSS selector finds contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var got string
		for {
			text, err := chromedp.Text(chromedp.CSS(sel))(ctx, t)
			if err == nil && strings.Contains(text, want) {
				return nil
			}
			got = text
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s never showed %q (last: %q)", sel, want, got)
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}
