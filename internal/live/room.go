package live

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// client is one viewer as the room sees it: a bounded queue of frames, drained by a
// WebSocket writer or by an in-process viewer. Only the room goroutine sends on out
// and only it closes out, once, when the viewer leaves or is dropped.
type client struct {
	out       chan *encoded
	accountID id.ID
	name      string
	canChat   bool

	// Set by the room before closing out; read by the drainer after out is closed.
	dropReason string
	// Chat rate limiting, touched only by the goroutine reading this viewer's input.
	lastChat time.Time
	// The room's slow mode, touched only by the room goroutine.
	roomLastChat time.Time
	likeBurst
}

// likeBurst limits how many like messages a viewer may send per second.
type likeBurst struct {
	windowStart time.Time
	inWindow    int
}

// Commands the room goroutine takes from its inbox.
type (
	cmdJoin struct {
		c        *client
		since    uint64
		hasSince bool
	}
	cmdLeave struct{ c *client }
	cmdChat  struct {
		c    *client
		text string
	}
	cmdLike     struct{ n int }
	cmdPin      struct{ card ProductCard }
	cmdCards    struct{ cards []ProductCard }
	cmdPurchase struct{ p Purchase }
	cmdStatus   struct{ status string }
	// cmdFlash is a flash sale's state; sequenced when it changed phase, plain when
	// only the units left moved.
	cmdFlash struct {
		f         FlashState
		sequenced bool
	}
	// cmdAlert is a prompt for the host's screen only.
	cmdAlert struct{ a Alert }
)

// Room is a live session's room. Its state lives in run's goroutine.
type Room struct {
	ID  id.ID
	hub *Hub
	in  chan any

	// Guarded by hub.mu: joins announced but not yet handled keep an idle room alive.
	pendingJoins int
	retired      bool
}

// roomState is everything a room knows, owned by the room goroutine.
type roomState struct {
	title, host, status string
	market              string
	clients             map[*client]struct{}
	seq                 uint64
	history             []*encoded // ring of the last cfg.HistorySize sequenced frames
	likes               int64
	statsDirty          bool
	lastStats           Stats
	pinned              *ProductCard
	products            []ProductCard
	refreshing          bool
	refreshWanted       bool
	bannedWords         []string
	chatTokens          float64
	chatRefill          time.Time
	flash               *FlashState
	hostAccountID       id.ID
	minute              minuteCount
	// Other nodes' share of the room (cluster.go).
	peerViewers    map[string]peerCount
	likesToPeers   int64
	viewersToPeers int
	peersToldAt    time.Time
	video          *Video // video.go
	// Moderation (moderation.go).
	muted, kicked map[id.ID]time.Time // until when
	slowMode      time.Duration
	pinnedComment *PinnedComment
}

func (r *Room) run(st *roomState) {
	h := r.hub
	stats := time.NewTicker(h.cfg.StatsInterval)
	defer stats.Stop()
	idle := time.NewTimer(h.cfg.IdleTimeout)
	defer idle.Stop()
	h.metrics.rooms.Inc()
	defer h.metrics.rooms.Dec()
	for {
		select {
		case cmd := <-r.in:
			r.handle(st, cmd)
			if len(st.clients) == 0 {
				idle.Reset(h.cfg.IdleTimeout)
			}
		case now := <-stats.C:
			r.tellPeers(st)
			if st.statsDirty {
				r.flushStats(st)
			}
			if m := st.minute.roll(now, len(st.clients), h.cfg.MinuteLength, false); m != nil {
				h.writeMinute(r.ID, *m)
			}
			if st.refreshWanted && !st.refreshing {
				st.refreshing, st.refreshWanted = true, false
				ids := make([]id.ID, len(st.products))
				for i, p := range st.products {
					ids[i] = p.ID
				}
				go h.refreshCards(r, ids)
			}
		case <-idle.C:
			if len(st.clients) == 0 && h.retire(r) {
				if m := st.minute.roll(time.Now(), 0, h.cfg.MinuteLength, true); m != nil {
					h.writeMinute(r.ID, *m)
				}
				return
			}
			idle.Reset(h.cfg.IdleTimeout)
		case <-h.done:
			for c := range st.clients {
				r.drop(st, c, "server shutting down")
			}
			return
		}
	}
}

func (r *Room) handle(st *roomState, cmd any) {
	h := r.hub
	switch c := cmd.(type) {
	case cmdJoin:
		h.mu.Lock()
		r.pendingJoins--
		h.mu.Unlock()
		if st.kickedOut(c.c.accountID, time.Now()) {
			c.c.dropReason = "removed from this live by the host"
			close(c.c.out)
			return
		}
		st.clients[c.c] = struct{}{}
		st.minute.joins++
		h.metrics.viewers.Inc()
		st.statsDirty = true
		r.welcome(st, c)
	case cmdLeave:
		if _, ok := st.clients[c.c]; ok {
			delete(st.clients, c.c)
			close(c.c.out)
			h.metrics.viewers.Dec()
			st.statsDirty = true
		}
	case cmdChat:
		// A viewer's input can still arrive after the room let it go (it left, or was
		// dropped while its reader was mid-message); its queue is closed by then.
		if _, ok := st.clients[c.c]; ok && r.chatAllowed(st, c.c, time.Now()) {
			st.minute.comments++
			r.chat(st, c.c, c.text)
		}
	case cmdModerate:
		r.moderate(st, c)
	case cmdPeer:
		r.peer(st, c.m)
	case cmdVideo:
		r.setVideo(st, c.v)
	case cmdLike:
		st.likes += int64(c.n)
		st.likesToPeers += int64(c.n)
		st.minute.likes += int64(c.n)
		st.statsDirty = true
	case cmdPin:
		st.pinned = &c.card
		r.replaceCard(st, c.card)
		r.broadcast(st, Frame{Type: FramePinned, Data: c.card}, true)
	case cmdCards:
		st.refreshing = false
		for _, card := range c.cards {
			r.replaceCard(st, card)
			if st.pinned != nil && st.pinned.ID == card.ID && st.pinned.Stock != card.Stock {
				cc := card
				st.pinned = &cc
				r.broadcast(st, Frame{Type: FramePinned, Data: cc}, true)
			}
		}
	case cmdPurchase:
		r.broadcast(st, Frame{Type: FramePurchase, Data: c.p}, true)
		st.refreshWanted = true // stock moved: refresh the cards at the next tick
	case cmdNotice:
		if _, ok := st.clients[c.c]; ok {
			r.notify(st, c.c, c.n)
		}
	case cmdStatus:
		st.status = c.status
		r.broadcast(st, Frame{Type: FrameStatus, Data: Status{Status: c.status}}, true)
	case cmdFlash:
		f := c.f
		st.flash = &f
		r.broadcast(st, Frame{Type: FrameFlash, Data: f}, c.sequenced)
	case cmdAlert:
		e, err := encode(Frame{Type: FrameAlert, Data: c.a})
		if err != nil {
			return
		}
		for cl := range st.clients {
			if cl.accountID != 0 && cl.accountID == st.hostAccountID {
				r.send(st, cl, e)
			}
		}
	}
}

// setVideo records the room's video and tells its viewers.
func (r *Room) setVideo(st *roomState, v Video) {
	st.video = &v
	r.broadcast(st, Frame{Type: FrameVideo, Data: v}, true)
}

func (r *Room) replaceCard(st *roomState, card ProductCard) {
	for i := range st.products {
		if st.products[i].ID == card.ID {
			st.products[i] = card
			return
		}
	}
}

// welcome sends a joining viewer the room as it is, then the events it missed: all of
// them after its last sequence number if the history still holds them, otherwise the
// recent ones for context.
func (r *Room) welcome(st *roomState, j cmdJoin) {
	oldest := st.seq + 1
	if len(st.history) > 0 {
		oldest = st.history[0].seq
	}
	resumed := j.hasSince && j.since+1 >= oldest && j.since <= st.seq
	hello := Hello{SessionID: r.ID, Title: st.title, Status: st.status, Host: st.host, Viewers: len(st.clients), Likes: st.likes,
		Pinned: st.pinned, Products: st.products, LastSeq: st.seq, Resumed: resumed, Flash: st.flash,
		Comment: st.pinnedComment, Video: st.video}
	if j.c.accountID != 0 {
		hello.You = &You{Name: j.c.name, CanChat: j.c.canChat}
	}
	e, err := encode(Frame{Type: FrameHello, Data: hello})
	if err != nil {
		r.hub.log.Error("live: encode hello", "err", err)
		return
	}
	if !r.send(st, j.c, e) {
		return
	}
	from := len(st.history) - r.hub.cfg.ContextFrames
	if resumed {
		from = int(j.since + 1 - oldest)
	}
	for _, f := range st.history[max(from, 0):] {
		if !r.send(st, j.c, f) {
			return
		}
	}
}

// chat checks a message against the market's banned words and the room's pace, then
// broadcasts it. Past the pace the room samples: the sender still sees their own
// message, the room does not.
func (r *Room) chat(st *roomState, c *client, text string) {
	for _, w := range st.bannedWords {
		if w != "" && strings.Contains(strings.ToLower(text), w) {
			r.notify(st, c, Notice{Code: "chat_blocked", Text: "Your message was not sent: it contains a word this market does not allow."})
			return
		}
	}
	ch := Chat{ID: id.New(), User: c.name, AccountID: c.accountID, Text: text, At: time.Now().UTC()}
	if !r.broadcastChat(st, ch) {
		// Sampled away: the sender still sees their own message.
		if e, err := encode(Frame{Type: FrameChat, Data: ch}); err == nil {
			r.send(st, c, e)
		}
	}
	r.hub.toPeers(peerMsg{SessionID: r.ID, Chat: &ch})
}

// broadcastChat shows a chat line to the room unless the room is past the pace people
// can read, when it samples (reports false).
func (r *Room) broadcastChat(st *roomState, ch Chat) bool {
	now := time.Now()
	rate := float64(r.hub.cfg.ChatPerSecond)
	st.chatTokens = min(rate, st.chatTokens+now.Sub(st.chatRefill).Seconds()*rate)
	st.chatRefill = now
	if st.chatTokens < 1 {
		r.hub.metrics.chatSampled.Inc()
		return false
	}
	st.chatTokens--
	r.broadcast(st, Frame{Type: FrameChat, Data: ch}, true)
	return true
}

func (r *Room) notify(st *roomState, c *client, n Notice) {
	if e, err := encode(Frame{Type: FrameNotice, Data: n}); err == nil {
		r.send(st, c, e)
	}
}

func (r *Room) flushStats(st *roomState) {
	s := Stats{Viewers: st.viewers(time.Now()), Likes: st.likes}
	st.statsDirty = false
	if s == st.lastStats {
		return
	}
	st.lastStats = s
	r.broadcast(st, Frame{Type: FrameStats, Data: s}, false)
}

// broadcast encodes f once and queues the same bytes for every viewer. Sequenced
// frames get the next sequence number and join the history.
func (r *Room) broadcast(st *roomState, f Frame, sequenced bool) {
	if sequenced {
		st.seq++
		f.Seq = st.seq
	}
	e, err := encode(f)
	if err != nil {
		r.hub.log.Error("live: encode frame", "type", f.Type, "err", err)
		return
	}
	if sequenced {
		if len(st.history) == r.hub.cfg.HistorySize {
			copy(st.history, st.history[1:])
			st.history = st.history[:len(st.history)-1]
		}
		st.history = append(st.history, e)
	}
	for c := range st.clients {
		r.send(st, c, e)
	}
	r.hub.metrics.frames.Add(float64(len(st.clients)))
}

// send queues e for c without ever blocking the room; a full queue drops the viewer.
func (r *Room) send(st *roomState, c *client, e *encoded) bool {
	select {
	case c.out <- e:
		return true
	default:
		r.hub.metrics.slowDropped.Inc()
		r.drop(st, c, "too slow to keep up; reconnect to continue")
		return false
	}
}

func (r *Room) drop(st *roomState, c *client, reason string) {
	if _, ok := st.clients[c]; !ok {
		return
	}
	delete(st.clients, c)
	c.dropReason = reason
	close(c.out)
	r.hub.metrics.viewers.Dec()
	st.statsDirty = true
}

// cleanChat trims a chat message and checks its length; it returns "" for nothing to send.
func cleanChat(text string, maxRunes int) (string, bool) {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if text == "" {
		return "", true
	}
	return text, utf8.RuneCountInString(text) <= maxRunes
}
