// Package live runs live rooms: the WebSocket hub where viewers of a live session see
// the pinned product, chat, like, watch the viewer count and the "just bought" ticker,
// and buy without leaving the room.
//
// One goroutine owns each room's state. Every frame is encoded once and the same bytes
// go to every viewer; every viewer has a bounded queue, and a viewer too slow to keep
// up is dropped (and may reconnect) rather than allowed to stall the room. Likes and
// the viewer count are state, coalesced and sent a few times a second; chat, pins,
// purchases and status changes are events with sequence numbers, kept in a short
// history so a reconnecting viewer resumes where it left off without duplicates.
package live

import (
	"encoding/json"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Frame types sent to viewers.
const (
	FrameHello    = "hello"    // the room as it is now, sent on joining
	FrameStats    = "stats"    // viewers and likes, coalesced
	FrameChat     = "chat"     // a chat message (sequenced)
	FramePinned   = "pinned"   // the product on screen changed (sequenced)
	FramePurchase = "purchase" // someone bought (sequenced)
	FrameStatus   = "status"   // the live started or ended (sequenced)
	FrameNotice   = "notice"   // a message for one viewer only
	FrameFlash    = "flash"    // a flash sale's state: sequenced on a change of phase, plain for units left
	FrameAlert    = "alert"    // a prompt for the host only (stock low, flash sale ending)
	FrameVideo    = "video"    // the room's video went live or offline, with where to play it (sequenced)
)

// Frame is what the server sends. Seq is set on events that are replayed after a reconnect.
type Frame struct {
	Seq  uint64 `json:"seq,omitempty"`
	Type string `json:"type"`
	Data any    `json:"data"`
}

// encoded is a frame serialised once for every viewer: the raw JSON for in-process
// viewers and the whole WebSocket frame (header and payload) for connections, written
// to each socket as is.
type encoded struct {
	seq  uint64
	raw  []byte
	wire []byte
}

func encode(f Frame) (*encoded, error) {
	raw, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return &encoded{seq: f.Seq, raw: raw, wire: wsTextFrame(raw)}, nil
}

// wsTextFrame is payload as one unmasked, uncompressed WebSocket text frame (RFC 6455
// section 5.2), as a server sends it. The upgrader negotiates no extensions, so these
// bytes are exactly what the library would write, and a viewer's writer can send many
// queued frames in one system call.
func wsTextFrame(payload []byte) []byte {
	n := len(payload)
	var hdr []byte
	switch {
	case n < 126:
		hdr = []byte{0x81, byte(n)}
	case n <= 0xFFFF:
		hdr = []byte{0x81, 126, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{0x81, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(hdr, payload...)
}

// ProductCard is a product as the room shows it.
type ProductCard struct {
	ID      id.ID       `json:"id"`
	Title   string      `json:"title"`
	SKUID   id.ID       `json:"sku_id"`
	SKUName string      `json:"sku_name"`
	Price   money.Money `json:"price"`
	Display string      `json:"display"` // the price as people read it
	Stock   int64       `json:"stock"`
}

// cardOf makes the room's card for a product, showing its first SKU that is in stock.
func cardOf(p catalog.Product) ProductCard {
	c := ProductCard{ID: p.ID, Title: p.Title}
	for i, k := range p.SKUs {
		if i == 0 || (c.Stock == 0 && k.Stock > 0) {
			c.SKUID, c.SKUName, c.Price, c.Stock = k.ID, k.Name, k.Price, k.Stock
		}
	}
	c.Display = c.Price.Format()
	return c
}

// Hello is the snapshot a viewer gets on joining.
type Hello struct {
	SessionID id.ID         `json:"session_id"`
	Title     string        `json:"title"`
	Status    string        `json:"status"`
	Host      string        `json:"host"`
	Viewers   int           `json:"viewers"`
	Likes     int64         `json:"likes"`
	Pinned    *ProductCard  `json:"pinned"`
	Products  []ProductCard `json:"products"`
	LastSeq   uint64        `json:"last_seq"`
	// Resumed is true when the frames after the viewer's last seen sequence number follow;
	// false when they were too old to keep and the viewer starts afresh.
	Resumed bool        `json:"resumed"`
	You     *You        `json:"you,omitempty"`
	Flash   *FlashState `json:"flash,omitempty"` // the room's current or last flash sale
	// Comment is the comment the host pinned, if any.
	Comment *PinnedComment `json:"comment,omitempty"`
	// Video is the room's video, when this node has a media server.
	Video *Video `json:"video,omitempty"`
}

// FlashState is a flash sale as the room shows it.
type FlashState struct {
	ID            id.ID       `json:"id"`
	ProductID     id.ID       `json:"product_id"`
	SKUID         id.ID       `json:"sku_id"`
	Title         string      `json:"title"`
	Price         money.Money `json:"price"`      // the regular price
	DealPrice     money.Money `json:"deal_price"` // the flash price
	Display       string      `json:"display"`
	DealDisplay   string      `json:"deal_display"`
	Quantity      int64       `json:"quantity"`
	Left          int64       `json:"left"`
	PerBuyerLimit int64       `json:"per_buyer_limit"`
	StartsAt      time.Time   `json:"starts_at"`
	EndsAt        time.Time   `json:"ends_at"`
	Phase         string      `json:"phase"` // countdown, open, sold_out, ended
}

// Alert is a prompt for the host.
type Alert struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// You says who the viewer is, as far as the room is concerned.
type You struct {
	Name    string `json:"name"`
	CanChat bool   `json:"can_chat"`
}

// Stats is the coalesced room state.
type Stats struct {
	Viewers int   `json:"viewers"`
	Likes   int64 `json:"likes"`
}

// Chat is one chat message.
type Chat struct {
	ID   id.ID  `json:"id"`
	User string `json:"user"`
	// AccountID lets the room's moderators mute or remove the writer.
	AccountID id.ID     `json:"account_id,omitempty"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

// Purchase is the ticker entry for a sale in the room.
type Purchase struct {
	User      string `json:"user"`
	ProductID id.ID  `json:"product_id"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
}

// Status announces the live's state.
type Status struct {
	Status string `json:"status"`
}

// Notice is a message for one viewer.
type Notice struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// inbound is what a viewer may send.
type inbound struct {
	Type  string `json:"type"`
	Text  string `json:"text,omitempty"`
	Count int    `json:"count,omitempty"`
}
