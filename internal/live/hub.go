package live

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// Config tunes the hub.
type Config struct {
	QueueSize     int           // frames queued per viewer before it is dropped as too slow
	HistorySize   int           // sequenced frames kept for reconnecting viewers
	ContextFrames int           // recent frames a new viewer gets after the snapshot
	StatsInterval time.Duration // how often coalesced viewer and like counts go out
	IdleTimeout   time.Duration // how long an empty room lives
	ChatPerSecond int           // chat messages a room shows per second before sampling
	MaxLikeBurst  int           // likes one message may carry
	MinuteLength  time.Duration // the live analytics' series step (a minute; tests shorten it)
	// Node names this node in flash-sale leases; it must differ between nodes and stay
	// the same across a node's restarts (the app uses its --node-id). Empty: a name
	// for this process only.
	Node string
}

// DefaultConfig is the hub's production tuning.
var DefaultConfig = Config{QueueSize: 320, HistorySize: 256, ContextFrames: 30, StatsInterval: 250 * time.Millisecond,
	IdleTimeout: time.Minute, ChatPerSecond: 15, MaxLikeBurst: 50, MinuteLength: time.Minute}

type metrics struct {
	rooms, viewers           prometheus.Gauge
	frames, slowDropped      prometheus.Counter
	chatSampled, badMessages prometheus.Counter
}

// Hub holds the rooms of a node.
type Hub struct {
	cfg      Config
	sessions *content.Service
	catalog  *catalog.Service
	creators *creator.Service
	sellers  *seller.Service
	markets  *market.Service
	orders   *order.Service
	log      *slog.Logger
	metrics  metrics

	flash     *FlashSales // nil until EnableFlashSales
	minutesDB *db.DB      // nil until EnableMinutes
	videoDB   *db.DB      // nil until EnableVideo
	video     VideoConfig
	// The other nodes (cluster.go); nil on a single node.
	cluster      bus.Fanout
	node         string
	leaveCluster func()

	mu    sync.Mutex
	rooms map[id.ID]*Room
	done  chan struct{}
	once  sync.Once
}

// NewHub returns a hub. reg may be nil.
func NewHub(cfg Config, sessions *content.Service, cat *catalog.Service, creators *creator.Service, sellers *seller.Service,
	markets *market.Service, orders *order.Service, log *slog.Logger, reg prometheus.Registerer) *Hub {
	// A room needs some history to resume viewers and a queue deep enough for it.
	cfg.HistorySize = max(cfg.HistorySize, 1)
	cfg.QueueSize = max(cfg.QueueSize, 1)
	cfg.ChatPerSecond = max(cfg.ChatPerSecond, 1)
	if cfg.MinuteLength <= 0 {
		cfg.MinuteLength = time.Minute
	}
	h := &Hub{cfg: cfg, sessions: sessions, catalog: cat, creators: creators, sellers: sellers, markets: markets, orders: orders,
		log: log, rooms: map[id.ID]*Room{}, done: make(chan struct{})}
	h.metrics = metrics{
		rooms:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "liveshop_live_rooms", Help: "Live rooms open on this node."}),
		viewers:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "liveshop_live_viewers", Help: "Viewers connected to this node's rooms."}),
		frames:      prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_live_frames_total", Help: "Frames queued to viewers."}),
		slowDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_live_slow_viewers_dropped_total", Help: "Viewers dropped for not keeping up."}),
		chatSampled: prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_live_chat_sampled_total", Help: "Chat messages not broadcast because the room was too busy to read them."}),
		badMessages: prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_live_bad_messages_total", Help: "Viewers disconnected for sending malformed messages."}),
	}
	if reg != nil {
		reg.MustRegister(h.metrics.rooms, h.metrics.viewers, h.metrics.frames, h.metrics.slowDropped, h.metrics.chatSampled, h.metrics.badMessages)
	}
	return h
}

// Close closes every room and disconnects every viewer.
func (h *Hub) Close() {
	h.once.Do(func() {
		if h.leaveCluster != nil {
			h.leaveCluster()
		}
		close(h.done)
	})
}

// Errors of live rooms.
var (
	ErrRoomEnded   = errs.New(errs.Rule, "live_ended", "this live has ended")
	ErrNotLive     = errs.New(errs.Rule, "live_not_live", "this live is not on air; buy when it starts")
	ErrPractice    = errs.New(errs.Rule, "live_practice", "this is a practice live: it sells nothing; buy in the host's real live")
	ErrCannotChat  = errs.New(errs.Unauthenticated, "login_to_chat", "log in to chat")
	ErrChatTooFast = errs.New(errs.TooMany, "chat_too_fast", "slow down: one message a second")
	ErrChatTooLong = errs.New(errs.Invalid, "chat_too_long", "that message is too long")
)

// room returns the session's room, opening it if needed, and counts a pending join so
// the room cannot retire before the join arrives.
func (h *Hub) room(ctx context.Context, sessionID id.ID) (*Room, error) {
	h.mu.Lock()
	if r, ok := h.rooms[sessionID]; ok {
		r.pendingJoins++
		h.mu.Unlock()
		return r, nil
	}
	h.mu.Unlock()

	st, err := h.load(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.rooms[sessionID]; ok { // another viewer opened it meanwhile
		r.pendingJoins++
		return r, nil
	}
	r := &Room{ID: sessionID, hub: h, in: make(chan any, 1024), pendingJoins: 1}
	h.rooms[sessionID] = r
	go r.run(st)
	return r, nil
}

// load reads what a new room needs: the session, its host, its products and the
// market's chat rules.
func (h *Hub) load(ctx context.Context, sessionID id.ID) (*roomState, error) {
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	st := &roomState{title: sess.Title, status: string(sess.Status), market: sess.Market, clients: map[*client]struct{}{}, hostAccountID: sess.HostAccountID,
		muted: map[id.ID]time.Time{}, kicked: map[id.ID]time.Time{},
		chatTokens: float64(h.cfg.ChatPerSecond), chatRefill: time.Now()}
	st.host = h.hostName(ctx, sess)
	ps, err := h.catalog.ProductsByID(ctx, sess.ProductIDs)
	if err != nil {
		return nil, err
	}
	if h.flash != nil {
		st.flash = h.flash.stateOf(sess.ID)
	}
	st.video = h.videoOf(ctx, sess.ID)
	for _, p := range ps {
		card := cardOf(p)
		st.products = append(st.products, card)
		if p.ID == sess.PinnedProductID {
			c := card
			st.pinned = &c
		}
	}
	if p, err := h.markets.Policy(ctx, sess.Market, time.Now()); err == nil {
		for _, w := range p.Live.BannedWords {
			st.bannedWords = append(st.bannedWords, strings.ToLower(w))
		}
	}
	return st, nil
}

func (h *Hub) hostName(ctx context.Context, sess content.Session) string {
	if sess.CreatorID != 0 {
		if c, err := h.creators.Creator(ctx, sess.CreatorID); err == nil {
			return c.DisplayName + " (@" + c.Handle + ")"
		}
	}
	if sess.ShopID != 0 {
		if s, err := h.sellers.Shop(ctx, sess.ShopID); err == nil {
			return s.Name
		}
	}
	return "liveshop"
}

// retire removes an idle room unless a join is on its way. Called by the room itself.
func (h *Hub) retire(r *Room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.pendingJoins > 0 {
		return false
	}
	r.retired = true
	delete(h.rooms, r.ID)
	return true
}

// existing returns a room only if it is open; events about rooms nobody watches need
// no room.
func (h *Hub) existing(sessionID id.ID) *Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[sessionID]
}

// tell delivers a command to a room unless it has retired.
func (h *Hub) tell(r *Room, cmd any) {
	select {
	case r.in <- cmd:
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.log.Warn("live: room inbox full, command dropped", "room", r.ID)
	}
}

func (h *Hub) refreshCards(r *Room, ids []id.ID) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps, err := h.catalog.ProductsByID(ctx, ids)
	if err != nil {
		h.log.Warn("live: refresh product cards", "room", r.ID, "err", err)
	}
	cards := make([]ProductCard, 0, len(ps))
	for _, p := range ps {
		cards = append(cards, cardOf(p))
	}
	h.tell(r, cmdCards{cards: cards})
}

// newClient makes the room's view of a viewer.
func (h *Hub) newClient(a auth.Actor) *client {
	c := &client{out: make(chan *encoded, h.cfg.QueueSize), accountID: a.AccountID, name: a.Name, canChat: !a.Anonymous()}
	if c.name == "" {
		c.name = "guest"
	}
	return c
}

// join puts a viewer in a session's room. since, if hasSince, is the last sequence
// number the viewer saw before reconnecting.
func (h *Hub) join(ctx context.Context, sessionID id.ID, c *client, since uint64, hasSince bool) (*Room, error) {
	r, err := h.room(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	h.tell(r, cmdJoin{c: c, since: since, hasSince: hasSince})
	return r, nil
}

// chat validates a viewer's message in the viewer's own goroutine (length, login,
// pace) and hands it to the room.
func (h *Hub) chat(r *Room, c *client, text string, maxRunes, minInterval int) error {
	if !c.canChat {
		return ErrCannotChat
	}
	text, ok := cleanChat(text, maxRunes)
	if !ok {
		return ErrChatTooLong.With("a chat message is at most %d characters", maxRunes)
	}
	if text == "" {
		return nil
	}
	now := time.Now()
	if now.Sub(c.lastChat) < time.Duration(minInterval)*time.Millisecond {
		return ErrChatTooFast
	}
	c.lastChat = now
	h.tell(r, cmdChat{c: c, text: text})
	return nil
}

// like hands a viewer's likes to the room, at most MaxLikeBurst per message and ten
// messages a second per viewer.
func (h *Hub) like(r *Room, c *client, n int) {
	if n <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(c.windowStart) > time.Second {
		c.windowStart, c.inWindow = now, 0
	}
	c.inWindow++
	if c.inWindow > 10 {
		return
	}
	h.tell(r, cmdLike{n: min(n, h.cfg.MaxLikeBurst)})
}

// chatRules returns the market's chat limits.
func (h *Hub) chatRules(ctx context.Context, market string) (maxRunes, minInterval int) {
	p, err := h.markets.Policy(ctx, market, time.Now())
	if err != nil {
		return 150, 1000
	}
	return p.Live.ChatMaxRunes, p.Live.ChatMinIntervalMillis
}

// Subscribe registers the hub's consumer: rooms show pins, purchases and status
// changes as they happen anywhere in the platform. The effects are in memory, so
// there is nothing to record; a redelivered event at worst repeats a ticker line.
func (h *Hub) Subscribe(b bus.Bus) error {
	return b.Subscribe("live.rooms", []string{events.TopicLiveStarted, events.TopicLiveEnded, events.TopicLiveProductPinned, events.TopicOrderPaid, events.TopicOrderCancelled}, h.handle)
}

func (h *Hub) handle(ctx context.Context, e bus.Event) error {
	switch e.Topic {
	case events.TopicLiveStarted, events.TopicLiveEnded:
		ev, err := bus.Decode[events.LiveStarted](e) // both carry the session
		if err != nil {
			return err
		}
		if r := h.existing(ev.SessionID); r != nil {
			status := string(content.Live)
			if e.Topic == events.TopicLiveEnded {
				status = string(content.Ended)
			}
			h.tell(r, cmdStatus{status: status})
		}
	case events.TopicLiveProductPinned:
		ev, err := bus.Decode[events.LiveProductPinned](e)
		if err != nil {
			return err
		}
		r := h.existing(ev.SessionID)
		if r == nil {
			return nil
		}
		p, err := h.catalog.Product(ctx, ev.ProductID)
		if errors.Is(err, catalog.ErrProductNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		h.tell(r, cmdPin{card: cardOf(p)})
	case events.TopicOrderPaid:
		ev, err := bus.Decode[events.OrderPaid](e)
		if err != nil {
			return err
		}
		if err := h.paidInLive(ctx, e, ev); err != nil {
			return err
		}
		for _, l := range ev.Lines {
			if l.LiveSessionID == 0 {
				continue
			}
			if r := h.existing(l.LiveSessionID); r != nil {
				h.tell(r, cmdPurchase{p: Purchase{User: ev.BuyerName, ProductID: l.ProductID, Title: l.Title, Quantity: l.Quantity}})
			}
		}
	case events.TopicOrderCancelled:
		ev, err := bus.Decode[events.OrderCancelled](e)
		if err != nil {
			return err
		}
		if h.flash != nil {
			h.flash.cancelled(ev.Order)
		}
	}
	return nil
}

// Viewer is an in-process viewer of a room: the demo's simulated audience and tests
// use it. It counts as a viewer and receives every frame like a WebSocket viewer.
type Viewer struct {
	hub    *Hub
	room   *Room
	c      *client
	market string
}

// Watch joins a session's room as actor.
func (h *Hub) Watch(ctx context.Context, sessionID id.ID, actor auth.Actor) (*Viewer, error) {
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	c := h.newClient(actor)
	r, err := h.join(ctx, sessionID, c, 0, false)
	if err != nil {
		return nil, err
	}
	return &Viewer{hub: h, room: r, c: c, market: sess.Market}, nil
}

// Next waits for the viewer's next frame and returns its JSON. ok is false once the
// viewer has left or been dropped (DropReason says why). A viewer must keep reading,
// or the room drops it as too slow, exactly as it would a WebSocket viewer.
func (v *Viewer) Next(ctx context.Context) (frame []byte, ok bool) {
	select {
	case e, ok := <-v.c.out:
		if !ok {
			return nil, false
		}
		return e.raw, true
	case <-ctx.Done():
		return nil, false
	}
}

// DropReason says why the room dropped the viewer, once Next has reported it gone.
func (v *Viewer) DropReason() string { return v.c.dropReason }

// Chat sends a chat message under the same rules as any viewer.
func (v *Viewer) Chat(ctx context.Context, text string) error {
	maxRunes, interval := v.hub.chatRules(ctx, v.market)
	return v.hub.chat(v.room, v.c, text, maxRunes, interval)
}

// Like sends n likes.
func (v *Viewer) Like(n int) { v.hub.like(v.room, v.c, n) }

// Leave leaves the room.
func (v *Viewer) Leave() { v.hub.tell(v.room, cmdLeave{c: v.c}) }
