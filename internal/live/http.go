package live

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Routes registers the room's WebSocket and buying endpoints on mux.
func (h *Hub) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/live/sessions/{id}/ws", h.handleWS)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/orders", h.handleBuy)
	mux.HandleFunc("GET /api/v1/live/sessions/{id}/report", h.handleReport)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/moderation", h.handleModerate)
	mux.HandleFunc("GET /api/v1/live/sessions/{id}/stream", h.handleStreamKey)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/stream", h.handleStreamKey) // a fresh key
	mux.HandleFunc("POST /api/v1/live/rtmp/on_publish", h.handleOnPublish)
	mux.HandleFunc("POST /api/v1/live/rtmp/on_publish_done", h.handleOnPublishDone)
	mux.HandleFunc("GET /api/v1/live/sessions/{id}/flash-sales", h.handleFlashSales)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/flash-sales", h.handleStartFlash)
	mux.HandleFunc("POST /api/v1/live/sessions/{id}/flash-sales/{sale}/end", h.handleEndFlash)
}

const (
	maxMessage = 4096             // bytes a viewer may send in one message
	writeWait  = 10 * time.Second // to write one frame before the viewer counts as gone
	pongWait   = 60 * time.Second // silence after which a viewer counts as gone
	pingEvery  = pongWait * 9 / 10

	maxWriteBatch = 64 // queued frames written to a viewer in one system call
	// writeEvery is the least time between two writes to one viewer while frames keep
	// coming. Each write is a system call, and on a busy room the calls, not the bytes,
	// are the cost (56% of the server's CPU at 10,000 viewers with one call per
	// frame): a frame that finds the viewer written to within this long waits out the
	// rest of it and goes with whatever queued meanwhile, so a viewer gets at most
	// five writes a second however busy the room. A frame to a viewer not written to
	// for this long goes at once. Measured (docs/BENCHMARKS.md, bench fanout): at 100
	// ms the server still fell behind a room of 10,000; at 150 and 200 ms it kept up.
	writeEvery = 200 * time.Millisecond
)

// upgrader checks that the page opening the socket came from this site (the default
// origin check), so another site cannot open a room socket with a viewer's cookie.
var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 1024,
	// One pool of write buffers for all connections: a viewer holds a buffer only while
	// a frame is being written to it, which keeps idle viewers cheap.
	WriteBufferPool: &sync.Pool{},
}

// handleWS joins the viewer to the room. ?since=N resumes after sequence number N.
func (h *Hub) handleWS(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sess, err := h.sessions.Session(r.Context(), sid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var since uint64
	_, hasSince := r.URL.Query()["since"]
	if hasSince {
		if since, err = strconv.ParseUint(r.URL.Query().Get("since"), 10, 64); err != nil {
			httpx.WriteError(w, r, errs.Invalidf("since", "since is the last sequence number seen, a whole number"))
			return
		}
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	actor := auth.From(r.Context())
	c := h.newClient(actor)
	// The connection outlives the request's context: use a fresh one.
	ctx := context.WithoutCancel(r.Context())
	room, err := h.join(ctx, sid, c, since, hasSince)
	if err != nil {
		closeWith(conn, websocket.CloseInternalServerErr, "room unavailable")
		return
	}
	go h.writePump(conn, c)
	maxRunes, interval := h.chatRules(ctx, sess.Market)
	// The reader gets a fresh goroutine and the handler's returns: the handler's stack
	// grew deep serving the upgrade (middleware, the session lookup), and a viewer
	// holds its reader's stack for as long as it watches.
	go func() {
		h.readPump(conn, room, c, maxRunes, interval)
		h.tell(room, cmdLeave{c: c})
	}()
}

// readPump reads the viewer's messages until the connection ends. A malformed or
// oversized message ends this viewer's connection and touches nothing else.
func (h *Hub) readPump(conn *websocket.Conn, room *Room, c *client, maxRunes, interval int) {
	conn.SetReadLimit(maxMessage)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				h.metrics.badMessages.Inc()
			}
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
		var msg inbound
		if kind != websocket.TextMessage || json.Unmarshal(data, &msg) != nil {
			h.metrics.badMessages.Inc()
			// Say why before the room lets the viewer go: once it does, the writer
			// hangs up with a plain "bye" and the reason would be lost.
			closeWith(conn, websocket.CloseUnsupportedData, "send JSON messages such as {\"type\":\"chat\",\"text\":\"hi\"}")
			return
		}
		switch msg.Type {
		case "chat":
			if err := h.chat(room, c, msg.Text, maxRunes, interval); err != nil {
				e := httpx.Public(err)
				h.tellOne(room, c, Notice{Code: e.Code, Text: e.Message})
			}
		case "like":
			h.like(room, c, msg.Count)
		default:
			h.metrics.badMessages.Inc()
			closeWith(conn, websocket.CloseUnsupportedData, "unknown message type")
			return
		}
	}
}

// writePump writes queued frames to the connection, pinging it when quiet. When the
// room closes the queue (the viewer left or was too slow) it says why and hangs up.
func (h *Hub) writePump(conn *websocket.Conn, c *client) {
	var bufs [][]byte
	var wrote time.Time
	ping := time.NewTicker(pingEvery)
	defer func() {
		ping.Stop()
		conn.Close()
	}()
	for {
		select {
		case e, ok := <-c.out:
			if !ok {
				reason := c.dropReason
				code := websocket.CloseTryAgainLater
				if reason == "" {
					reason, code = "bye", websocket.CloseNormalClosure
				}
				closeWith(conn, code, reason)
				return
			}
			// Everything queued goes out in one write: a viewer that fell behind catches
			// up in a few system calls instead of one per frame, so the busier the room,
			// the cheaper each frame (as group commit is for the database).
			if wait := writeEvery - time.Since(wrote); wait > 0 {
				time.Sleep(wait)
			}
			batch := append(bufs[:0], e.wire)
		more:
			for len(batch) < maxWriteBatch {
				select {
				case next, ok := <-c.out:
					if !ok {
						break more // the close is seen on the next receive
					}
					batch = append(batch, next.wire)
				default:
					break more
				}
			}
			raw := conn.UnderlyingConn()
			_ = raw.SetWriteDeadline(time.Now().Add(writeWait))
			nb := net.Buffers(batch)
			if _, err := nb.WriteTo(raw); err != nil {
				hangUp(conn, c)
				return
			}
			wrote = time.Now()
			clear(batch)
			bufs = batch
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				hangUp(conn, c)
				return
			}
		}
	}
}

// hangUp ends a connection that can no longer be written to: closing it stops the
// reader, which makes the room release the viewer; until then the queue is drained so
// the room never waits on it.
func hangUp(conn *websocket.Conn, c *client) {
	_ = conn.Close()
	for range c.out {
	}
}

func closeWith(conn *websocket.Conn, code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = conn.Close()
}

// cmdNotice sends a notice to one viewer through the room, which owns its queue.
type cmdNotice struct {
	c *client
	n Notice
}

func (h *Hub) tellOne(r *Room, c *client, n Notice) { h.tell(r, cmdNotice{c: c, n: n}) }

// BuyInput is a purchase from a live room.
type BuyInput struct {
	SKUID           id.ID         `json:"sku_id"`
	Quantity        int64         `json:"quantity"`
	IdempotencyKey  string        `json:"idempotency_key"`
	ShippingAddress order.Address `json:"shipping_address"`
	PaymentMethod   string        `json:"payment_method"`
	// FlashSaleID, when set, says the buyer pressed the flash sale's button: if that
	// sale is over the purchase is refused rather than made at the regular price.
	FlashSaleID id.ID `json:"flash_sale_id,omitempty"`
}

// Buy checks out one SKU from a live session's room, attributing the sale to the live
// and, if a creator hosts it, to the creator at their showcase commission.
func (h *Hub) Buy(ctx context.Context, actor auth.Actor, sessionID id.ID, in BuyInput) (order.CheckoutResult, error) {
	if err := actor.RequireLogin(); err != nil {
		return order.CheckoutResult{}, err
	}
	// A running flash sale's SKU goes through the sale's gate before anything touches
	// the database: the sale was checked against the session and its products when it
	// opened, and this is the path thousands of buyers take in the same second.
	if h.flash != nil {
		if s := h.flash.current(sessionID); s != nil && s.state.SKUID == in.SKUID {
			return h.flash.buy(ctx, actor, s, in)
		}
	}
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return order.CheckoutResult{}, err
	}
	if sess.Practice {
		return order.CheckoutResult{}, ErrPractice
	}
	switch sess.Status {
	case content.Ended:
		return order.CheckoutResult{}, ErrRoomEnded
	case content.Scheduled:
		return order.CheckoutResult{}, ErrNotLive
	}
	if in.SKUID == 0 {
		return order.CheckoutResult{}, errs.Invalidf("sku_id", "required")
	}
	prod, err := h.catalog.ProductOfSKU(ctx, in.SKUID)
	if err != nil {
		return order.CheckoutResult{}, errs.OnField(err, "sku_id")
	}
	if !sess.HasProduct(prod.ID) {
		return order.CheckoutResult{}, content.ErrProductNotInLive.OnField("sku_id")
	}
	if in.FlashSaleID != 0 {
		return order.CheckoutResult{}, ErrFlashEnded.OnField("flash_sale_id")
	}
	attr := order.Attribution{Source: order.SourceLive, LiveSessionID: sess.ID}
	if sess.CreatorID != 0 {
		attr.CreatorID = sess.CreatorID
		// A seller who withdrew the offer mid-live owes no commission on later sales.
		if bp, err := h.creators.CommissionFor(ctx, sess.CreatorID, prod.ID); err == nil {
			attr.CommissionBP = bp
		}
	}
	res, err := h.orders.Checkout(ctx, actor, order.CheckoutInput{IdempotencyKey: in.IdempotencyKey, Market: sess.Market,
		Lines:           []order.LineInput{{SKUID: in.SKUID, Quantity: in.Quantity, Attribution: attr}},
		ShippingAddress: in.ShippingAddress, PaymentMethod: in.PaymentMethod})
	// A room's buy has one line: name its fields as this request names them.
	if e := errs.As(err); e != nil && strings.HasPrefix(e.Field, "lines[0].") {
		err = e.OnField(strings.TrimPrefix(e.Field, "lines[0]."))
	}
	return res, err
}

func (h *Hub) handleBuy(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in BuyInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	}
	res, err := h.Buy(r.Context(), auth.From(r.Context()), sid, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, res)
}

func (h *Hub) flashSales(w http.ResponseWriter, r *http.Request) (*FlashSales, id.ID, bool) {
	sid, err := httpx.PathID(r, "id")
	if err == nil && h.flash == nil {
		err = errs.New(errs.Unavailable, "flash_sales_disabled", "flash sales are not enabled on this node")
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return nil, 0, false
	}
	return h.flash, sid, true
}

func (h *Hub) handleFlashSales(w http.ResponseWriter, r *http.Request) {
	fs, sid, ok := h.flashSales(w, r)
	if !ok {
		return
	}
	if _, err := h.sessions.Session(r.Context(), sid); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sales, err := fs.Sales(r.Context(), sid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"flash_sales": sales})
}

func (h *Hub) handleStartFlash(w http.ResponseWriter, r *http.Request) {
	fs, sid, ok := h.flashSales(w, r)
	if !ok {
		return
	}
	var in FlashSaleInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	st, err := fs.Start(r.Context(), auth.From(r.Context()), sid, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, st)
}

func (h *Hub) handleEndFlash(w http.ResponseWriter, r *http.Request) {
	fs, sid, ok := h.flashSales(w, r)
	if !ok {
		return
	}
	saleID, err := httpx.PathID(r, "sale")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	st, err := fs.End(r.Context(), auth.From(r.Context()), sid, saleID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

func (h *Hub) handleReport(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rep, err := h.Report(r.Context(), auth.From(r.Context()), sid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}
