package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/promo"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// fixture is a creator live on air in the US selling two products (the first pinned),
// with a hub subscribed to the platform's events.
type fixture struct {
	*testkit.Kit
	sellers  *seller.Service
	catalog  *catalog.Service
	creators *creator.Service
	content  *content.Service
	orders   *order.Service
	hub      *live.Hub
	reg      *prometheus.Registry
	owner    auth.Actor
	host     auth.Actor
	profile  creator.Creator
	// products[0] and [1] are in the live; [2] is in the host's showcase but not in the live.
	products []catalog.Product
	session  content.Session

	mu     sync.Mutex
	actors map[string]auth.Actor // for the WebSocket test server, by account id
}

// testConfig is a hub tuned for tests: fast stats and idle retirement, and chat
// sampling out of the way unless a test turns it on.
func testConfig() live.Config {
	return live.Config{QueueSize: 256, HistorySize: 64, ContextFrames: 10, StatsInterval: 20 * time.Millisecond,
		IdleTimeout: 200 * time.Millisecond, ChatPerSecond: 1000, MaxLikeBurst: 50}
}

func setup(t *testing.T, d *db.DB, cfg live.Config) *fixture {
	t.Helper()
	k := testkit.New(t, d)
	ctx := context.Background()
	f := &fixture{Kit: k, sellers: seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log), reg: prometheus.NewRegistry(), actors: map[string]auth.Actor{}}
	f.catalog = catalog.NewService(d, k.Markets, f.sellers, k.Outbox, k.Log)
	f.creators = creator.NewService(d, k.Markets, k.Identity, f.sellers, f.catalog, k.Log)
	f.content = content.NewService(d, k.Markets, f.sellers, f.catalog, f.creators, k.Outbox, k.Log)
	f.orders = order.NewService(d, k.Markets, k.Identity, f.sellers, f.catalog, promo.NewService(d, k.Markets, f.sellers, f.catalog, k.Log),
		payment.NewService(d, payment.Sandbox{}, k.Log), k.Outbox, k.Log)
	k.SetPolicy(t, "US", func(p *market.Policy) { p.Orders.OnHoldMinutes, p.Shipping.StandardFee = 0, 0 })
	f.hub = live.NewHub(cfg, f.content, f.catalog, f.creators, f.sellers, k.Markets, f.orders, k.Log, f.reg)
	t.Cleanup(f.hub.Close)
	if err := f.hub.Subscribe(k.Bus); err != nil {
		t.Fatal(err)
	}

	f.owner = k.Actor(t, "ana", auth.Seller)
	shop, err := f.sellers.Register(ctx, f.owner, seller.RegisterInput{Market: "US", Name: "Ana's"})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []catalog.ProductInput{
		{Title: "Glow lip gloss", SKUs: []catalog.SKUInput{{Name: "Rose", Price: money.New(1500, "USD"), Stock: 5}}},
		// The room shows the first SKU in stock.
		{Title: "Silk scarf", SKUs: []catalog.SKUInput{{Name: "Red", Price: money.New(2200, "USD"), Stock: 0}, {Name: "Blue", Price: money.New(2500, "USD"), Stock: 4}}},
		{Title: "Phone case", SKUs: []catalog.SKUInput{{Name: "Clear", Price: money.New(900, "USD"), Stock: 9}}},
	}
	for _, in := range inputs {
		p, err := f.catalog.CreateProduct(ctx, f.owner, shop.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.creators.SetOffer(ctx, f.owner, p.ID, 1000, true); err != nil {
			t.Fatal(err)
		}
		f.products = append(f.products, p)
	}

	f.host = k.Actor(t, "hana")
	if f.profile, err = f.creators.CreateProfile(ctx, f.host, creator.ProfileInput{Handle: "hana", DisplayName: "Hana Host", Market: "US", BirthDate: "1992-05-01"}); err != nil {
		t.Fatal(err)
	}
	// Selling needs the market's follower minimum; the fixture lowers it through the
	// policy (as an operator would) so that it needs ten fans rather than a thousand.
	p, err := k.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Creators.MinFollowers = 10
	if _, err := k.Markets.SetPolicy(ctx, f.Operator(t), "US", time.Time{}, p, "test: small creators may sell"); err != nil {
		t.Fatal(err)
	}
	fans := make([]identity.ProvisionInput, p.Creators.MinFollowers)
	for i := range fans {
		fans[i] = identity.ProvisionInput{Email: fmt.Sprintf("follower%d.hana@example.com", i), DisplayName: "Fan"}
	}
	accounts, err := k.Identity.ProvisionMany(ctx, fans)
	if err != nil {
		t.Fatal(err)
	}
	fanIDs := make([]id.ID, len(accounts))
	for i, a := range accounts {
		fanIDs[i] = a.ID
	}
	if err := k.Identity.FollowMany(ctx, fanIDs, identity.FollowCreator, f.profile.ID); err != nil {
		t.Fatal(err)
	}
	f.host.Roles = append(f.host.Roles, auth.Creator)
	for _, p := range f.products {
		if err := f.creators.AddToShowcase(ctx, f.host, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.session = f.schedule(t)
	if _, err := f.content.Start(ctx, f.host, f.session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.content.Pin(ctx, f.host, f.session.ID, f.products[0].ID); err != nil {
		t.Fatal(err)
	}
	f.RelayUntilIdle(t)
	return f
}

// schedule schedules another live of the host selling products 0 and 1.
func (f *fixture) schedule(t *testing.T) content.Session {
	t.Helper()
	s, err := f.content.Schedule(context.Background(), f.host, content.ScheduleInput{Title: "Friday glow", ProductIDs: []id.ID{f.products[0].ID, f.products[1].ID}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setChatPolicy puts new US chat limits in force now.
func (f *fixture) setChatPolicy(t *testing.T, maxRunes, intervalMillis int, banned ...string) {
	t.Helper()
	ctx := context.Background()
	p, err := f.Markets.Policy(ctx, "US", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Live.ChatMaxRunes, p.Live.ChatMinIntervalMillis, p.Live.BannedWords = maxRunes, intervalMillis, banned
	if _, err := f.Markets.SetPolicy(ctx, f.Operator(t), "US", time.Time{}, p, "test chat limits"); err != nil {
		t.Fatal(err)
	}
}

// watch joins the fixture's live as actor and returns the viewer after its hello.
func (f *fixture) watch(t *testing.T, actor auth.Actor) (*live.Viewer, live.Hello) {
	t.Helper()
	v, err := f.hub.Watch(context.Background(), f.session.ID, actor)
	if err != nil {
		t.Fatal(err)
	}
	first := nextFrame(t, viewerReader(v))
	if first.Type != live.FrameHello {
		t.Fatalf("first frame is %s, want hello", first.Type)
	}
	return v, decode[live.Hello](t, first)
}

// metric reads one of the hub's gauges or counters.
func (f *fixture) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			if m := mf.GetMetric(); len(m) == 1 {
				if g := m[0].GetGauge(); g != nil {
					return g.GetValue()
				}
				return m[0].GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// frame is a frame as a client decodes it.
type frame struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func decode[T any](t testing.TB, f frame) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(f.Data, &v); err != nil {
		t.Fatalf("decode %s frame %s: %v", f.Type, f.Data, err)
	}
	return v
}

// reader returns a viewer's next frame, errGone when the room let it go, or another
// error (a timeout, a closed connection).
type reader func(deadline time.Time) (frame, error)

var errGone = errors.New("viewer gone")

func viewerReader(v *live.Viewer) reader {
	return func(deadline time.Time) (frame, error) {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		raw, ok := v.Next(ctx)
		if !ok {
			if ctx.Err() != nil {
				return frame{}, ctx.Err()
			}
			return frame{}, errGone
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			return frame{}, fmt.Errorf("frame %s: %w", raw, err)
		}
		return f, nil
	}
}

const waitLimit = 5 * time.Second

func nextFrame(t testing.TB, r reader) frame {
	t.Helper()
	f, err := r(time.Now().Add(waitLimit))
	if err != nil {
		t.Fatalf("waiting for a frame: %v", err)
	}
	return f
}

// expect reads frames until one matches, returning it and the frames skipped.
func expect(t testing.TB, r reader, what string, match func(frame) bool) (frame, []frame) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	var skipped []frame
	for {
		f, err := r(deadline)
		if err != nil {
			t.Fatalf("waiting for %s: %v (skipped %s)", what, err, types(skipped))
		}
		if match(f) {
			return f, skipped
		}
		skipped = append(skipped, f)
	}
}

func types(fs []frame) string {
	var s []string
	for _, f := range fs {
		s = append(s, fmt.Sprintf("%s#%d", f.Type, f.Seq))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func isType(typ string) func(frame) bool { return func(f frame) bool { return f.Type == typ } }

func chatSaying(text string) func(frame) bool {
	return func(f frame) bool {
		if f.Type != live.FrameChat {
			return false
		}
		var c live.Chat
		return json.Unmarshal(f.Data, &c) == nil && c.Text == text
	}
}

func statsWhere(cond func(live.Stats) bool) func(frame) bool {
	return func(f frame) bool {
		if f.Type != live.FrameStats {
			return false
		}
		var s live.Stats
		return json.Unmarshal(f.Data, &s) == nil && cond(s)
	}
}

// drainUntilGone reads a viewer until the room lets it go and returns what it read.
func drainUntilGone(t testing.TB, r reader) []frame {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	var got []frame
	for {
		f, err := r(deadline)
		if errors.Is(err, errGone) {
			return got
		}
		if err != nil {
			t.Fatalf("viewer not let go: %v after %s", err, types(got))
		}
		got = append(got, f)
	}
}

// eventually polls cond until it holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestJoinGetsHelloThenCoalescedViewerCounts(t *testing.T) {
	cfg := testConfig()
	cfg.StatsInterval = 100 * time.Millisecond // wide enough to coalesce a burst of joins
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	dee := f.Actor(t, "dee")
	v, hello := f.watch(t, dee)

	p0, p1 := f.products[0], f.products[1]
	card0 := live.ProductCard{ID: p0.ID, Title: "Glow lip gloss", SKUID: p0.SKUs[0].ID, SKUName: "Rose", Price: money.New(1500, "USD"), Display: "$15.00", Stock: 5}
	card1 := live.ProductCard{ID: p1.ID, Title: "Silk scarf", SKUID: p1.SKUs[1].ID, SKUName: "Blue", Price: money.New(2500, "USD"), Display: "$25.00", Stock: 4}
	if hello.SessionID != f.session.ID || hello.Title != "Friday glow" || hello.Status != "live" || hello.Host != "Hana Host (@hana)" {
		t.Fatalf("hello %+v", hello)
	}
	if len(hello.Products) != 2 || hello.Products[0] != card0 || hello.Products[1] != card1 {
		t.Fatalf("products %+v, want %+v and %+v", hello.Products, card0, card1)
	}
	if hello.Pinned == nil || *hello.Pinned != card0 {
		t.Fatalf("pinned %+v, want %+v", hello.Pinned, card0)
	}
	if hello.Resumed || hello.LastSeq != 0 || hello.You == nil || hello.You.Name != "dee" || !hello.You.CanChat {
		t.Fatalf("hello %+v you %+v", hello, hello.You)
	}
	r := viewerReader(v)
	expect(t, r, "stats with one viewer", statsWhere(func(s live.Stats) bool { return s.Viewers == 1 }))

	guest, gh := f.watch(t, auth.Actor{})
	if gh.You != nil {
		t.Fatalf("an anonymous viewer is told it is %+v", gh.You)
	}
	expect(t, r, "stats with two viewers", statsWhere(func(s live.Stats) bool { return s.Viewers == 2 }))

	// A burst of joins is announced in a few coalesced counts, not one frame per join.
	const burst = 20
	crowd := make([]*live.Viewer, burst)
	var wg sync.WaitGroup
	for i := range crowd {
		wg.Go(func() {
			v, err := f.hub.Watch(ctx, f.session.ID, auth.Actor{})
			if err != nil {
				t.Error(err)
				return
			}
			crowd[i] = v
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	_, skipped := expect(t, r, "stats after the burst", statsWhere(func(s live.Stats) bool { return s.Viewers == burst+2 }))
	last := 2
	for _, fr := range skipped {
		if fr.Type != live.FrameStats {
			t.Fatalf("unexpected %s frame during joins", fr.Type)
		}
		s := decode[live.Stats](t, fr)
		if s.Viewers < last {
			t.Fatalf("viewer counts went backwards while people joined: %s", types(skipped))
		}
		last = s.Viewers
	}
	if n := len(skipped) + 1; n > burst/2 {
		t.Fatalf("%d stats frames for %d joins: counts are not coalesced", n, burst)
	}

	guest.Leave()
	for _, c := range crowd[:10] {
		c.Leave()
	}
	expect(t, r, "stats after leaves", statsWhere(func(s live.Stats) bool { return s.Viewers == burst+2-11 }))
	drainUntilGone(t, viewerReader(guest))
	if guest.DropReason() != "" {
		t.Fatalf("a viewer who left was 'dropped': %q", guest.DropReason())
	}
	if g := f.metric(t, "liveshop_live_viewers"); g != burst+2-11 {
		t.Fatalf("viewers gauge %v", g)
	}
}

func TestChatRules(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	ctx := context.Background()
	f.setChatPolicy(t, 150, 1000, "Spoiler") // the market's defaults, plus a banned word
	ana, _ := f.watch(t, f.Actor(t, "ana"))
	guest, _ := f.watch(t, auth.Actor{})
	ra, rg := viewerReader(ana), viewerReader(guest)

	if err := ana.Chat(ctx, "  hello room  "); err != nil {
		t.Fatal(err)
	}
	fr, _ := expect(t, rg, "ana's chat", isType(live.FrameChat))
	c := decode[live.Chat](t, fr)
	if fr.Seq != 1 || c.User != "ana" || c.Text != "hello room" || c.ID == 0 || c.At.IsZero() {
		t.Fatalf("chat frame seq %d %+v", fr.Seq, c)
	}
	expect(t, ra, "ana's own chat", chatSaying("hello room"))

	code := func(err error) string {
		if e := errs.As(err); e != nil {
			return e.Code
		}
		return fmt.Sprint(err)
	}
	if err := guest.Chat(ctx, "hi"); !errors.Is(err, live.ErrCannotChat) || code(err) != "login_to_chat" {
		t.Fatalf("anonymous chat: %v", err)
	}
	// Length is counted in characters, not bytes, and is checked before the pace.
	if err := ana.Chat(ctx, strings.Repeat("é", 151)); code(err) != "chat_too_long" {
		t.Fatalf("151 characters: %v", err)
	}
	if err := ana.Chat(ctx, "again"); !errors.Is(err, live.ErrChatTooFast) || code(err) != "chat_too_fast" {
		t.Fatalf("a second message within the market's interval: %v", err)
	}

	// The limits are the market's policy: tighten the length, loosen the pace.
	f.setChatPolicy(t, 10, 50, "Spoiler")
	ten := strings.Repeat("é", 10)
	if err := ana.Chat(ctx, ten+"!"); code(err) != "chat_too_long" {
		t.Fatalf("11 characters under a 10-character policy: %v", err)
	}
	chatWhenAllowed(t, ana, ten)
	fr, skipped := expect(t, rg, "the 10-character chat", isType(live.FrameChat))
	if fr.Seq != 2 || decode[live.Chat](t, fr).Text != ten {
		t.Fatalf("next chat seq %d %s after %s: refused messages must not reach the room", fr.Seq, fr.Data, types(skipped))
	}

	// A banned word (any case) is refused with a notice to the sender alone.
	chatWhenAllowed(t, ana, "SPOILERS!")
	n, _ := expect(t, ra, "notice", isType(live.FrameNotice))
	if decode[live.Notice](t, n).Code != "chat_blocked" {
		t.Fatalf("notice %s", n.Data)
	}
	chatWhenAllowed(t, ana, "ok")
	fr, skipped = expect(t, rg, "chat after the banned one", isType(live.FrameChat))
	if fr.Seq != 3 || decode[live.Chat](t, fr).Text != "ok" {
		t.Fatalf("chat seq %d %s", fr.Seq, fr.Data)
	}
	for _, s := range skipped {
		if s.Type == live.FrameNotice {
			t.Fatalf("another viewer got the sender's notice: %s", s.Data)
		}
	}
}

// chatWhenAllowed sends a chat as soon as the market's pace allows.
func chatWhenAllowed(t *testing.T, v *live.Viewer, text string) {
	t.Helper()
	eventually(t, "the chat interval to pass", func() bool {
		err := v.Chat(context.Background(), text)
		if err != nil && !errors.Is(err, live.ErrChatTooFast) {
			t.Fatalf("chat %q: %v", text, err)
		}
		return err == nil
	})
}

func TestLikesAreCoalesced(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	obs, _ := f.watch(t, auth.Actor{})
	r := viewerReader(obs)
	expect(t, r, "first stats", isType(live.FrameStats))

	const fans, messages, each = 10, 10, 3
	var wg sync.WaitGroup
	for range fans {
		v, _ := f.watch(t, f.Actor(t, "fan"))
		wg.Go(func() { // a viewer's input comes from one goroutine, as from its connection
			for range messages {
				v.Like(each)
			}
		})
	}
	wg.Wait()
	fr, skipped := expect(t, r, "all likes counted", statsWhere(func(s live.Stats) bool { return s.Likes == fans*messages*each }))
	statsFrames := 0
	for _, s := range append(skipped, fr) {
		if s.Type == live.FrameStats {
			statsFrames++
			if decode[live.Stats](t, s).Likes > fans*messages*each {
				t.Fatalf("more likes than sent: %s", s.Data)
			}
		}
	}
	if statsFrames > fans*messages/5 {
		t.Fatalf("%d stats frames for %d like messages", statsFrames, fans*messages)
	}

	// One message carries at most MaxLikeBurst likes, and a viewer sends at most ten
	// like messages a second; zero and negative counts are nothing.
	greedy, _ := f.watch(t, f.Actor(t, "greedy"))
	greedy.Like(0)
	greedy.Like(-5)
	for range 15 {
		greedy.Like(1000)
	}
	other, _ := f.watch(t, f.Actor(t, "other"))
	other.Like(1)
	want := int64(fans*messages*each + 10*50 + 1)
	fr, _ = expect(t, r, "capped likes", statsWhere(func(s live.Stats) bool { return s.Likes >= want }))
	if got := decode[live.Stats](t, fr).Likes; got != want {
		t.Fatalf("likes %d, want %d", got, want)
	}
}

func TestPinReachesViewers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, testConfig())
		ctx := context.Background()
		v, hello := f.watch(t, auth.Actor{})
		if hello.Pinned == nil || hello.Pinned.ID != f.products[0].ID {
			t.Fatalf("pinned at join %+v", hello.Pinned)
		}
		if _, err := f.content.Pin(ctx, f.host, f.session.ID, f.products[1].ID); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		p1 := f.products[1]
		want := live.ProductCard{ID: p1.ID, Title: "Silk scarf", SKUID: p1.SKUs[1].ID, SKUName: "Blue", Price: money.New(2500, "USD"), Display: "$25.00", Stock: 4}
		fr, _ := expect(t, viewerReader(v), "pinned", isType(live.FramePinned))
		if got := decode[live.ProductCard](t, fr); fr.Seq != 1 || got != want {
			t.Fatalf("pinned frame seq %d %+v, want %+v", fr.Seq, got, want)
		}

		// A viewer arriving now sees the new pin in the snapshot and the recent events.
		late, lh := f.watch(t, auth.Actor{})
		if lh.Pinned == nil || *lh.Pinned != want || lh.LastSeq != 1 {
			t.Fatalf("late hello %+v", lh)
		}
		if fr, _ := expect(t, viewerReader(late), "recent pin", func(fr frame) bool { return fr.Seq > 0 }); fr.Type != live.FramePinned || fr.Seq != 1 {
			t.Fatalf("recent frame %s#%d", fr.Type, fr.Seq)
		}

		// Ending the live tells the room.
		if _, err := f.content.End(ctx, f.host, f.session.ID); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		fr, _ = expect(t, viewerReader(v), "status", isType(live.FrameStatus))
		if s := decode[live.Status](t, fr); fr.Seq != 2 || s.Status != "ended" {
			t.Fatalf("status frame seq %d %+v", fr.Seq, s)
		}
		if _, h := f.watch(t, auth.Actor{}); h.Status != "ended" {
			t.Fatalf("hello after the end says %q", h.Status)
		}
	})
}

func TestSlowViewerIsDroppedWhileOthersKeepEveryFrame(t *testing.T) {
	cfg := testConfig()
	cfg.QueueSize, cfg.ContextFrames = 4, 0
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	f.setChatPolicy(t, 150, 0)
	slow, _ := f.watch(t, auth.Actor{}) // never reads
	fast, _ := f.watch(t, f.Actor(t, "fast"))

	// fast reads all the time, in its own goroutine, as a connection's writer would.
	frames := make(chan frame, 1000)
	go func() {
		defer close(frames)
		r := viewerReader(fast)
		for {
			fr, err := r(time.Now().Add(time.Minute))
			if err != nil {
				return
			}
			frames <- fr
		}
	}()
	const n = 20
	var seqs []uint64
	for i := 1; i <= n; i++ {
		text := fmt.Sprint("message ", i)
		if err := fast.Chat(ctx, text); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(waitLimit)
	wait:
		for {
			select {
			case fr, ok := <-frames:
				if !ok {
					t.Fatalf("the fast viewer was let go after %d messages", i-1)
				}
				if chatSaying(text)(fr) {
					seqs = append(seqs, fr.Seq)
					break wait
				}
			case <-deadline:
				t.Fatalf("the room stalled at message %d", i)
			}
		}
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("fast viewer's chats have seqs %v", seqs)
		}
	}

	got := drainUntilGone(t, viewerReader(slow))
	if len(got) > cfg.QueueSize {
		t.Fatalf("the slow viewer got %d frames after its hello with a queue of %d", len(got), cfg.QueueSize)
	}
	if !strings.Contains(slow.DropReason(), "too slow") {
		t.Fatalf("drop reason %q", slow.DropReason())
	}
	if g := f.metric(t, "liveshop_live_slow_viewers_dropped_total"); g != 1 {
		t.Fatalf("slow viewers dropped %v, want 1", g)
	}
	fast.Leave()
	for range frames {
	}
	if fast.DropReason() != "" {
		t.Fatalf("the fast viewer was dropped: %q", fast.DropReason())
	}
}

func TestChatIsSampledWhenTooFastToRead(t *testing.T) {
	cfg := testConfig()
	cfg.ChatPerSecond = 3
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	obs, _ := f.watch(t, auth.Actor{})

	const senders = 30
	viewers := make([]*live.Viewer, senders)
	for i := range viewers {
		viewers[i], _ = f.watch(t, f.Actor(t, fmt.Sprint("fan", i)))
	}
	ro := viewerReader(obs)
	var lastSeq uint64
	// flood has every viewer send one message at once and returns how many the room showed.
	flood := func(round int) int {
		t.Helper()
		start := time.Now()
		var wg sync.WaitGroup
		for i, v := range viewers {
			wg.Go(func() {
				if err := v.Chat(ctx, fmt.Sprint("flood ", round, ".", i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// Every sender sees their own message, shown to the room or not.
		for i, v := range viewers {
			expect(t, viewerReader(v), "own message", chatSaying(fmt.Sprint("flood ", round, ".", i)))
		}
		elapsed := time.Since(start)

		// The room has handled every message (each sender has its own back), so whatever
		// it broadcast is already in the observer's queue. It showed at most a burst of
		// ChatPerSecond (the bucket's size) plus the refill while the flood lasted.
		var seen []frame
		for {
			fr, err := ro(time.Now().Add(50 * time.Millisecond))
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, fr)
		}
		shown := 0
		for _, fr := range seen {
			if fr.Type == live.FrameChat {
				shown++
				if fr.Seq != lastSeq+1 {
					t.Fatalf("broadcast chats must be sequenced contiguously: %s", types(seen))
				}
				lastSeq = fr.Seq
			}
		}
		limit := cfg.ChatPerSecond + int(elapsed.Seconds()*float64(cfg.ChatPerSecond))
		if shown == 0 || shown > limit {
			t.Fatalf("round %d: the room was shown %d of %d chats in %v; at most %d allowed", round, shown, senders, elapsed, limit)
		}
		return shown
	}
	shown := flood(1)
	// A second later the room shows chat again, but never more than a second's worth
	// at once however long it was quiet (the viewers' own pace allows a message a second).
	time.Sleep(1500 * time.Millisecond)
	shown += flood(2)
	if g := f.metric(t, "liveshop_live_chat_sampled_total"); int(g) != 2*senders-shown {
		t.Fatalf("sampled %v, want %d", g, 2*senders-shown)
	}
}

func TestChatFromViewerWhoLeftIsIgnored(t *testing.T) {
	cfg := testConfig()
	cfg.ChatPerSecond = 1
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	f.setChatPolicy(t, 150, 0, "spoiler")
	stay, _ := f.watch(t, f.Actor(t, "stay"))
	gone, _ := f.watch(t, f.Actor(t, "gone"))
	if err := stay.Chat(ctx, "first"); err != nil { // takes the room's only token
		t.Fatal(err)
	}
	gone.Leave()
	drainUntilGone(t, viewerReader(gone))
	// Both of these would be answered to the sender alone (sampled, blocked): the
	// room must not write to a viewer it has let go.
	if err := gone.Chat(ctx, "still here?"); err != nil {
		t.Fatal(err)
	}
	if err := gone.Chat(ctx, "spoiler"); err != nil {
		t.Fatal(err)
	}
	// The room lives on: it answers the next message and welcomes a new viewer, and
	// its history holds nothing from the departed viewer.
	if err := stay.Chat(ctx, "second"); err != nil {
		t.Fatal(err)
	}
	expect(t, viewerReader(stay), "own second message", chatSaying("second"))
	again, hello := f.watch(t, auth.Actor{})
	for _, fr := range sequenced(t, viewerReader(again), int(hello.LastSeq)) {
		if c := decode[live.Chat](t, fr); c.User != "stay" {
			t.Fatalf("the room showed %+v", c)
		}
	}
}

func TestIdleRoomRetiresAndReopens(t *testing.T) {
	cfg := testConfig()
	cfg.IdleTimeout = 50 * time.Millisecond
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	rooms := func() float64 { return f.metric(t, "liveshop_live_rooms") }

	v, _ := f.watch(t, auth.Actor{})
	if rooms() != 1 {
		t.Fatalf("rooms %v", rooms())
	}
	time.Sleep(3 * cfg.IdleTimeout)
	if rooms() != 1 {
		t.Fatal("a room with a viewer retired")
	}
	v.Leave()
	eventually(t, "the empty room to retire", func() bool { return rooms() == 0 })
	w, h := f.watch(t, auth.Actor{})
	if h.Title != "Friday glow" || h.Viewers != 1 || rooms() != 1 {
		t.Fatalf("reopened room hello %+v, rooms %v", h, rooms())
	}
	// The reopened room works: it gets events.
	if _, err := f.content.Pin(ctx, f.host, f.session.ID, f.products[1].ID); err != nil {
		t.Fatal(err)
	}
	f.RelayUntilIdle(t)
	expect(t, viewerReader(w), "pinned in the reopened room", isType(live.FramePinned))
	w.Leave()

	// Joins racing the idle timer are never lost: each is welcomed, by the old room
	// or a new one.
	cfg.IdleTimeout = time.Millisecond
	quick := live.NewHub(cfg, f.content, f.catalog, f.creators, f.sellers, f.Markets, f.orders, f.Log, nil)
	defer quick.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				v, err := quick.Watch(ctx, f.session.ID, auth.Actor{})
				if err != nil {
					t.Error(err)
					return
				}
				dctx, cancel := context.WithTimeout(ctx, waitLimit)
				raw, ok := v.Next(dctx)
				cancel()
				if !ok || !strings.Contains(string(raw), `"type":"hello"`) {
					t.Errorf("goroutine %d join %d: no hello", g, i)
					return
				}
				v.Leave()
				time.Sleep(time.Duration(i%3) * time.Millisecond)
			}
		})
	}
	wg.Wait()
}

func TestCloseDisconnectsViewers(t *testing.T) {
	f := setup(t, dbtest.SQLite(t), testConfig())
	v, _ := f.watch(t, auth.Actor{})
	f.hub.Close()
	drainUntilGone(t, viewerReader(v))
	if v.DropReason() != "server shutting down" {
		t.Fatalf("drop reason %q", v.DropReason())
	}
}

func TestManyViewersConcurrently(t *testing.T) {
	cfg := testConfig()
	cfg.ChatPerSecond = 20
	f := setup(t, dbtest.SQLite(t), cfg)
	ctx := context.Background()
	f.setChatPolicy(t, 150, 0)
	srv := f.server(t)
	obs, _ := f.watch(t, auth.Actor{})
	obsFrames := make(chan frame, 1<<14)
	go func() {
		r := viewerReader(obs)
		for {
			fr, err := r(time.Now().Add(time.Minute))
			if err != nil {
				close(obsFrames)
				return
			}
			obsFrames <- fr
		}
	}()
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { f.Outbox.Run(relayCtx); close(relayDone) }()
	defer func() { stopRelay(); <-relayDone }()

	actors := make([]auth.Actor, 20)
	for i := range actors {
		actors[i] = f.Actor(t, fmt.Sprint("crowd", i))
	}
	var wg sync.WaitGroup
	for i, a := range actors {
		if i%2 == 1 {
			a = auth.Actor{}
		}
		wg.Go(func() { // in-process viewers
			for round := range 3 {
				v, err := f.hub.Watch(ctx, f.session.ID, a)
				if err != nil {
					t.Error(err)
					return
				}
				r := viewerReader(v)
				if fr, err := r(time.Now().Add(waitLimit)); err != nil || fr.Type != live.FrameHello {
					t.Errorf("viewer %d round %d: first frame %+v %v", i, round, fr, err)
					return
				}
				_ = v.Chat(ctx, fmt.Sprintf("hi from %d/%d", i, round))
				v.Like(i + 1)
				for range 3 {
					if _, err := r(time.Now().Add(10 * time.Millisecond)); err != nil {
						break
					}
				}
				v.Leave()
				for {
					if _, err := r(time.Now().Add(waitLimit)); err != nil {
						if !errors.Is(err, errGone) {
							t.Errorf("viewer %d not let go: %v", i, err)
						}
						break
					}
				}
			}
		})
	}
	for i := range 5 {
		a := actors[i]
		wg.Go(func() { // WebSocket viewers
			for round := range 3 {
				conn, err := f.tryDial(srv, a, "")
				if err != nil {
					t.Error(err)
					return
				}
				if fr, err := connReader(conn)(time.Now().Add(waitLimit)); err != nil || fr.Type != live.FrameHello {
					t.Errorf("ws %d: first frame %+v %v", i, fr, err)
				}
				_ = conn.WriteJSON(map[string]any{"type": "chat", "text": fmt.Sprintf("ws %d/%d", i, round)})
				_ = conn.WriteJSON(map[string]any{"type": "like", "count": 2})
				conn.Close()
			}
		})
	}
	wg.Go(func() { // the host pins back and forth meanwhile
		for i := range 6 {
			if _, err := f.content.Pin(ctx, f.host, f.session.ID, f.products[i%2].ID); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Everyone but the observer has gone; its sequenced frames never repeat or skip.
	deadline := time.After(waitLimit)
	var last uint64
	for done := false; !done; {
		select {
		case fr, ok := <-obsFrames:
			if !ok {
				t.Fatal("observer dropped")
			}
			if fr.Seq > 0 {
				if fr.Seq != last+1 {
					t.Fatalf("observer saw seq %d after %d", fr.Seq, last)
				}
				last = fr.Seq
			}
			if fr.Type == live.FrameStats && decode[live.Stats](t, fr).Viewers == 1 && f.metric(t, "liveshop_live_viewers") == 1 {
				done = true
			}
		case <-deadline:
			t.Fatalf("viewers gauge %v, not back to the observer alone", f.metric(t, "liveshop_live_viewers"))
		}
	}
}
