package live

import (
	"context"
	"encoding/json"
	"time"

	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// With several nodes a room's viewers are spread over them. What viewers make in a
// room (chat, likes) and how many watch is sent over the fanout once per node, not
// once per viewer: each node's room broadcasts a peer's chat to its own viewers,
// adds its likes and sums the viewer counts. Domain events (pins, purchases, status)
// reach every node through the outbox already. A flash sale opened on one node is
// announced so the others open their gate for it; the deal row's conditional update
// keeps the nodes' gates from selling more than the sale holds.

const clusterSubject = "liveshop.rooms"

// peerMsg is what a node tells the others about one of its rooms.
type peerMsg struct {
	Node      string `json:"node"`
	SessionID id.ID  `json:"session_id"`
	Chat      *Chat  `json:"chat,omitempty"`
	Likes     int64  `json:"likes,omitempty"`   // new likes since the last message
	Viewers   *int   `json:"viewers,omitempty"` // the node's viewers in the room now
	FlashSale id.ID  `json:"flash_sale,omitempty"`
}

// cmdPeer applies a peer's message in the room goroutine.
type cmdPeer struct{ m peerMsg }

// EnableCluster joins the hub to the other nodes through f, as node.
func (h *Hub) EnableCluster(f bus.Fanout, node string) error {
	unsub, err := f.Subscribe(clusterSubject, func(data []byte) {
		var m peerMsg
		if json.Unmarshal(data, &m) != nil || m.Node == node {
			return
		}
		h.fromPeer(m)
	})
	if err != nil {
		return err
	}
	h.cluster, h.node, h.leaveCluster = f, node, unsub
	return nil
}

// toPeers tells the other nodes about a room, if there are any.
func (h *Hub) toPeers(m peerMsg) {
	if h.cluster == nil {
		return
	}
	m.Node = h.node
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	if err := h.cluster.Publish(clusterSubject, b); err != nil {
		h.log.Warn("live: tell peers", "err", err)
	}
}

func (h *Hub) fromPeer(m peerMsg) {
	if m.FlashSale != 0 && h.flash != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.flash.adopt(ctx, m.FlashSale); err != nil {
			h.log.Warn("live: open a peer's flash sale", "promotion", m.FlashSale, "err", err)
		}
		return
	}
	if r := h.existing(m.SessionID); r != nil {
		select {
		case r.in <- cmdPeer{m}:
		default: // a room too busy to take a peer's chat line samples it
		}
	}
}

// peer is the room goroutine's side.
func (r *Room) peer(st *roomState, m peerMsg) {
	if m.Chat != nil {
		r.broadcastChat(st, *m.Chat)
	}
	if m.Likes > 0 {
		st.likes += m.Likes
		st.statsDirty = true
	}
	if m.Viewers != nil {
		if st.peerViewers == nil {
			st.peerViewers = map[string]peerCount{}
		}
		st.peerViewers[m.Node] = peerCount{n: *m.Viewers, at: time.Now()}
		st.statsDirty = true
	}
}

// peerCount is a peer node's viewer count and when it said so.
type peerCount struct {
	n  int
	at time.Time
}

// viewers is the room's audience over every node; a peer that went quiet for a few
// seconds no longer counts.
func (st *roomState) viewers(now time.Time) int {
	n := len(st.clients)
	for node, p := range st.peerViewers {
		if now.Sub(p.at) > 5*time.Second {
			delete(st.peerViewers, node)
			continue
		}
		n += p.n
	}
	return n
}

// tellPeers sends the room's likes since last time and its viewers, on the stats tick.
func (r *Room) tellPeers(st *roomState) {
	h := r.hub
	if h.cluster == nil {
		return
	}
	n := len(st.clients)
	if st.likesToPeers == 0 && n == st.viewersToPeers && time.Since(st.peersToldAt) < time.Second {
		return
	}
	h.toPeers(peerMsg{SessionID: r.ID, Likes: st.likesToPeers, Viewers: &n})
	st.likesToPeers, st.viewersToPeers, st.peersToldAt = 0, n, time.Now()
}
