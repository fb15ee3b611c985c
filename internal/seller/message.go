package seller

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Buyer messages: a buyer writes to a shop and the shop answers, one conversation
// per shop and buyer. A buyer's message that finds no question waiting opens an
// inquiry due performance.response_hours later (the policy at that moment); the
// shop's next reply answers it. The share of inquiries answered in time is the
// customer-service part of the Shop Performance Score.

// ShopMessage is one message of a conversation.
type ShopMessage struct {
	ID        id.ID     `json:"id"`
	ShopID    id.ID     `json:"shop_id"`
	BuyerID   id.ID     `json:"buyer_id"`
	FromShop  bool      `json:"from_shop"`
	SenderID  id.ID     `json:"sender_id"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Conversation is a shop's conversation with one buyer, as a list shows it.
type Conversation struct {
	ShopID    id.ID     `json:"shop_id"`
	ShopName  string    `json:"shop_name,omitempty"`
	BuyerID   id.ID     `json:"buyer_id"`
	BuyerName string    `json:"buyer_name,omitempty"`
	Last      string    `json:"last"`
	LastAt    time.Time `json:"last_at"`
	Waiting   bool      `json:"waiting"` // the buyer waits for the shop's answer
	DueAt     time.Time `json:"due_at,omitzero"`
}

// ErrCannotMessage refuses a message nobody may send (to one's own shop).
var ErrCannotMessage = errs.New(errs.Rule, "cannot_message_shop", "you cannot message your own shop as a buyer").OnField("shop_id")

func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > 2000 {
		return "", errs.Invalidf("body", "a message is 1-2,000 characters")
	}
	return body, nil
}

func insertMessage(ctx context.Context, tx *db.Tx, m ShopMessage) error {
	from := 0
	if m.FromShop {
		from = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO shop_messages (id, shop_id, buyer_id, from_shop, sender_id, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, m.ShopID, m.BuyerID, from, m.SenderID, m.Body, db.Micros(m.CreatedAt))
	return err
}

// MessageShop sends a buyer's message to a shop; any signed-in account but the
// shop's owner may.
func (s *Service) MessageShop(ctx context.Context, actor auth.Actor, shopID id.ID, body string) (ShopMessage, error) {
	if err := actor.RequireLogin(); err != nil {
		return ShopMessage{}, err
	}
	body, err := checkBody(body)
	if err != nil {
		return ShopMessage{}, err
	}
	sh, err := s.Shop(ctx, shopID)
	if err != nil {
		return ShopMessage{}, errs.OnField(err, "shop_id")
	}
	if sh.OwnerID == actor.AccountID {
		return ShopMessage{}, ErrCannotMessage
	}
	now := s.now().UTC()
	p, err := s.markets.Policy(ctx, sh.Market, now)
	if err != nil {
		return ShopMessage{}, err
	}
	m := ShopMessage{ID: id.New(), ShopID: shopID, BuyerID: actor.AccountID, SenderID: actor.AccountID, Body: body, CreatedAt: now}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		// One open inquiry per conversation: a follow-up before the answer waits with the first.
		_, err := tx.ExecContext(ctx, `INSERT INTO shop_inquiries (id, shop_id, buyer_id, asked_at, due_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (shop_id, buyer_id) WHERE answered_at = 0 DO NOTHING`,
			id.New(), shopID, actor.AccountID, db.Micros(now), db.Micros(now.Add(time.Duration(p.Performance.ResponseHours)*time.Hour)))
		return err
	})
	if err != nil {
		return ShopMessage{}, fmt.Errorf("seller: message shop: %w", err)
	}
	return m, nil
}

// ReplyToBuyer sends the shop's answer to a buyer who wrote to it and answers the
// buyer's open inquiry. The shop's manager (or an operator) only.
func (s *Service) ReplyToBuyer(ctx context.Context, actor auth.Actor, shopID, buyerID id.ID, body string) (ShopMessage, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return ShopMessage{}, err
	}
	body, err := checkBody(body)
	if err != nil {
		return ShopMessage{}, err
	}
	now := s.now().UTC()
	m := ShopMessage{ID: id.New(), ShopID: shopID, BuyerID: buyerID, FromShop: true, SenderID: actor.AccountID, Body: body, CreatedAt: now}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shop_messages WHERE shop_id = $1 AND buyer_id = $2 AND from_shop = 0`, shopID, buyerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.Invalidf("buyer_id", "this buyer has not written to the shop")
		}
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE shop_inquiries SET answered_at = $1 WHERE shop_id = $2 AND buyer_id = $3 AND answered_at = 0`,
			db.Micros(now), shopID, buyerID)
		return err
	})
	if err != nil {
		return ShopMessage{}, err
	}
	return m, nil
}

// Messages returns a conversation, oldest first: for the buyer in it, or the shop's
// manager or an operator.
func (s *Service) Messages(ctx context.Context, actor auth.Actor, shopID, buyerID id.ID) ([]ShopMessage, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	if actor.AccountID != buyerID {
		if _, err := s.Manage(ctx, actor, shopID); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, shop_id, buyer_id, from_shop, sender_id, body, created_at FROM shop_messages
		WHERE shop_id = $1 AND buyer_id = $2 ORDER BY id DESC LIMIT 500`, shopID, buyerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ShopMessage
	for rows.Next() {
		var m ShopMessage
		var from int
		var at int64
		if err := rows.Scan(&m.ID, &m.ShopID, &m.BuyerID, &from, &m.SenderID, &m.Body, &at); err != nil {
			return nil, err
		}
		m.FromShop, m.CreatedAt = from == 1, db.Time(at)
		out = append(out, m)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// Conversations lists a shop's conversations, those waiting for an answer first
// (soonest due), then the latest. The shop's manager or an operator.
func (s *Service) Conversations(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Conversation, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.conversations(ctx, `m.shop_id = $1`, shopID)
}

// BuyerConversations lists the shops the actor has written to.
func (s *Service) BuyerConversations(ctx context.Context, actor auth.Actor) ([]Conversation, error) {
	if err := actor.RequireLogin(); err != nil {
		return nil, err
	}
	return s.conversations(ctx, `m.buyer_id = $1`, actor.AccountID)
}

func (s *Service) conversations(ctx context.Context, where string, arg id.ID) ([]Conversation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.shop_id, sh.name, m.buyer_id, m.body, m.created_at, COALESCE(q.due_at, 0)
		FROM shop_messages m JOIN shops sh ON sh.id = m.shop_id
		LEFT JOIN shop_inquiries q ON q.shop_id = m.shop_id AND q.buyer_id = m.buyer_id AND q.answered_at = 0
		WHERE `+where+` AND m.id = (SELECT MAX(l.id) FROM shop_messages l WHERE l.shop_id = m.shop_id AND l.buyer_id = m.buyer_id)
		ORDER BY CASE WHEN q.due_at IS NULL THEN 1 ELSE 0 END, q.due_at, m.id DESC LIMIT 200`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		var c Conversation
		var at, due int64
		if err := rows.Scan(&c.ShopID, &c.ShopName, &c.BuyerID, &c.Last, &at, &due); err != nil {
			return nil, err
		}
		c.LastAt, c.DueAt, c.Waiting = db.Time(at), db.Time(due), due != 0
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if a, err := s.identity.Account(ctx, out[i].BuyerID); err == nil {
			out[i].BuyerName = a.DisplayName
		}
	}
	return out, nil
}

// inquiry is an inquiry's times, for the response rate.
type inquiry struct{ asked, due, answered time.Time }

// inquiries reads a shop's inquiries asked after since.
func (s *Service) inquiries(ctx context.Context, shopID id.ID, since time.Time) ([]inquiry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT asked_at, due_at, answered_at FROM shop_inquiries WHERE shop_id = $1 AND asked_at > $2`, shopID, db.Micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inquiry
	for rows.Next() {
		var a, d, w int64
		if err := rows.Scan(&a, &d, &w); err != nil {
			return nil, err
		}
		out = append(out, inquiry{db.Time(a), db.Time(d), db.Time(w)})
	}
	return out, rows.Err()
}

// responseCounts counts, at end, the inquiries asked in the days before it that are
// settled (answered, or past due) and those answered in time. An inquiry still
// within its time counts for neither.
func responseCounts(qs []inquiry, end time.Time, days int) (settled, inTime int64) {
	from := end.AddDate(0, 0, -days)
	for _, q := range qs {
		if !q.asked.After(from) || q.asked.After(end) {
			continue
		}
		answered := !q.answered.IsZero() && !q.answered.After(end)
		if !answered && q.due.After(end) {
			continue
		}
		settled++
		if answered && !q.answered.After(q.due) {
			inTime++
		}
	}
	return settled, inTime
}

// messageRoutes: a buyer writes to a shop (POST /api/v1/shops/{id}/messages), the
// shop answers a buyer (POST /api/v1/shops/{id}/conversations/{buyer}), and either
// side reads a conversation (GET the same path; a buyer reads their own with
// their account id).
func (s *Service) messageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/shops/{id}/messages", s.handleMessageShop)
	mux.HandleFunc("GET /api/v1/shops/{id}/conversations", s.handleConversations)
	mux.HandleFunc("GET /api/v1/shops/{id}/conversations/{buyer}", s.handleConversation)
	mux.HandleFunc("POST /api/v1/shops/{id}/conversations/{buyer}", s.handleReply)
}

type messageIn struct {
	Body string `json:"body"`
}

func (s *Service) handleMessageShop(w http.ResponseWriter, r *http.Request) {
	var in messageIn
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var m ShopMessage
	if err == nil {
		m, err = s.MessageShop(r.Context(), auth.From(r.Context()), shopID, in.Body)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
}

func (s *Service) handleConversations(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	var cs []Conversation
	if err == nil {
		cs, err = s.Conversations(r.Context(), auth.From(r.Context()), shopID)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if cs == nil {
		cs = []Conversation{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"conversations": cs})
}

func (s *Service) handleConversation(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	var buyerID id.ID
	if err == nil {
		buyerID, err = httpx.PathID(r, "buyer")
	}
	var ms []ShopMessage
	if err == nil {
		ms, err = s.Messages(r.Context(), auth.From(r.Context()), shopID, buyerID)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if ms == nil {
		ms = []ShopMessage{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"messages": ms})
}

func (s *Service) handleReply(w http.ResponseWriter, r *http.Request) {
	var in messageIn
	shopID, err := httpx.PathID(r, "id")
	var buyerID id.ID
	if err == nil {
		buyerID, err = httpx.PathID(r, "buyer")
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var m ShopMessage
	if err == nil {
		m, err = s.ReplyToBuyer(r.Context(), auth.From(r.Context()), shopID, buyerID, in.Body)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, m)
}
