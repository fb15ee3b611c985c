package creator

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Thread names a conversation between a shop and a creator about a collaboration:
// a target plan, or (PlanID 0) the shop's open collaborations.
type Thread struct {
	ShopID    id.ID `json:"shop_id"`
	CreatorID id.ID `json:"creator_id"`
	PlanID    id.ID `json:"plan_id"`
}

// Message is one message in a thread.
type Message struct {
	ID         id.ID     `json:"id"`
	Thread     Thread    `json:"thread"`
	FromSeller bool      `json:"from_seller"`
	SenderID   id.ID     `json:"sender_id"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// ThreadSummary is a thread in a list, with who it is with and what is unread.
type ThreadSummary struct {
	Thread
	ShopName string    `json:"shop_name"`
	Handle   string    `json:"handle"`
	PlanName string    `json:"plan_name,omitempty"`
	Last     string    `json:"last"`
	LastAt   time.Time `json:"last_at"`
	Unread   int       `json:"unread"`
}

// side says which side of a thread the actor is on (seller or creator), refusing
// anyone else and threads with no collaboration behind them.
func (s *Service) side(ctx context.Context, actor auth.Actor, t Thread) (fromSeller bool, err error) {
	if err := actor.RequireLogin(); err != nil {
		return false, err
	}
	c, err := s.Creator(ctx, t.CreatorID)
	if err != nil {
		return false, errs.OnField(err, "creator_id")
	}
	shop, err := s.sellers.Shop(ctx, t.ShopID)
	if err != nil {
		return false, errs.OnField(err, "shop_id")
	}
	switch {
	case c.AccountID == actor.AccountID:
		fromSeller = false
	default:
		if _, err := s.sellers.Manage(ctx, actor, t.ShopID); err != nil {
			return false, err
		}
		fromSeller = true
	}
	if t.PlanID != 0 {
		var st string
		err := s.db.QueryRowContext(ctx, `SELECT pc.status FROM target_plan_creators pc JOIN target_plans tp ON tp.id = pc.plan_id
			WHERE pc.plan_id = $1 AND pc.creator_id = $2 AND tp.shop_id = $3`, t.PlanID, t.CreatorID, t.ShopID).Scan(&st)
		if err != nil {
			return false, ErrPlanNotFound.OnField("plan_id")
		}
		return fromSeller, nil
	}
	if shop.Market != c.Market {
		return false, ErrWrongMarket.OnField("shop_id")
	}
	var open bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM affiliate_offers WHERE shop_id = $1 AND active = TRUE)`, t.ShopID).Scan(&open); err != nil {
		return false, err
	}
	if !open {
		return false, errs.New(errs.Rule, "no_collaboration", "this shop has no open collaboration to talk about").OnField("shop_id")
	}
	return fromSeller, nil
}

// Send adds a message to a thread from the actor's side.
func (s *Service) Send(ctx context.Context, actor auth.Actor, t Thread, body string) (Message, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 2000 {
		return Message{}, errs.Invalidf("body", "a message is 1-2000 characters")
	}
	fromSeller, err := s.side(ctx, actor, t)
	if err != nil {
		return Message{}, err
	}
	m := Message{ID: id.New(), Thread: t, FromSeller: fromSeller, SenderID: actor.AccountID, Body: body, CreatedAt: s.now().UTC()}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO collab_messages (id, shop_id, creator_id, plan_id, from_seller, sender_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, t.ShopID, t.CreatorID, t.PlanID, fromSeller, actor.AccountID, body, db.Micros(m.CreatedAt)); err != nil {
			return err
		}
		return markRead(ctx, tx, t, fromSeller, m.ID) // one's own message is read
	})
	if err != nil {
		return Message{}, fmt.Errorf("creator: send message: %w", err)
	}
	return m, nil
}

func markRead(ctx context.Context, q db.Querier, t Thread, sellerSide bool, upTo id.ID) error {
	_, err := q.ExecContext(ctx, `INSERT INTO collab_reads (shop_id, creator_id, plan_id, seller_side, last_read_id) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (shop_id, creator_id, plan_id, seller_side) DO UPDATE SET last_read_id = $5 WHERE collab_reads.last_read_id < $5`,
		t.ShopID, t.CreatorID, t.PlanID, sellerSide, upTo)
	return err
}

// Read returns a thread's messages, oldest first, and marks them read for the
// actor's side.
func (s *Service) Read(ctx context.Context, actor auth.Actor, t Thread) ([]Message, error) {
	fromSeller, err := s.side(ctx, actor, t)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, from_seller, sender_id, body, created_at FROM collab_messages
		WHERE shop_id = $1 AND creator_id = $2 AND plan_id = $3 ORDER BY id`, t.ShopID, t.CreatorID, t.PlanID)
	if err != nil {
		return nil, fmt.Errorf("creator: read thread: %w", err)
	}
	var out []Message
	for rows.Next() {
		m := Message{Thread: t}
		var at int64
		if err := rows.Scan(&m.ID, &m.FromSeller, &m.SenderID, &m.Body, &at); err != nil {
			rows.Close()
			return nil, err
		}
		m.CreatedAt = db.Time(at)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		if err := markRead(ctx, s.db, t, fromSeller, out[len(out)-1].ID); err != nil {
			return nil, fmt.Errorf("creator: mark read: %w", err)
		}
	}
	return out, nil
}

// threads lists conversations matching where (on m), with unread counts for a side.
func (s *Service) threads(ctx context.Context, sellerSide bool, where string, arg id.ID) ([]ThreadSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.shop_id, m.creator_id, m.plan_id, sh.name, c.handle, COALESCE(tp.name, ''),
			MAX(m.id),
			SUM(CASE WHEN m.from_seller <> $1 AND m.id > COALESCE(r.last_read_id, 0) THEN 1 ELSE 0 END)
		FROM collab_messages m JOIN shops sh ON sh.id = m.shop_id JOIN creators c ON c.id = m.creator_id
		LEFT JOIN target_plans tp ON tp.id = m.plan_id
		LEFT JOIN collab_reads r ON r.shop_id = m.shop_id AND r.creator_id = m.creator_id AND r.plan_id = m.plan_id AND r.seller_side = $1
		WHERE `+where+` GROUP BY m.shop_id, m.creator_id, m.plan_id, sh.name, c.handle, tp.name ORDER BY MAX(m.id) DESC`, sellerSide, arg)
	if err != nil {
		return nil, fmt.Errorf("creator: threads: %w", err)
	}
	var out []ThreadSummary
	var lastIDs []id.ID
	for rows.Next() {
		var t ThreadSummary
		var last id.ID
		if err := rows.Scan(&t.ShopID, &t.CreatorID, &t.PlanID, &t.ShopName, &t.Handle, &t.PlanName, &last, &t.Unread); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
		lastIDs = append(lastIDs, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, mid := range lastIDs {
		var at int64
		if err := s.db.QueryRowContext(ctx, `SELECT body, created_at FROM collab_messages WHERE id = $1`, mid).Scan(&out[i].Last, &at); err != nil {
			return nil, err
		}
		out[i].LastAt = db.Time(at)
	}
	return out, nil
}

// MyThreads lists the actor's conversations with sellers, newest first, with unread
// counts.
func (s *Service) MyThreads(ctx context.Context, actor auth.Actor) ([]ThreadSummary, error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.threads(ctx, false, `m.creator_id = $2`, c.ID)
}

// ShopThreads lists a shop's conversations with creators, for its seller.
func (s *Service) ShopThreads(ctx context.Context, actor auth.Actor, shopID id.ID) ([]ThreadSummary, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.threads(ctx, true, `m.shop_id = $2`, shopID)
}

// Unread totals unread messages over threads.
func Unread(ts []ThreadSummary) int {
	n := 0
	for _, t := range ts {
		n += t.Unread
	}
	return n
}
