package content

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/blob"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service manages live sessions and shoppable videos.
type Service struct {
	db       *db.DB
	markets  *market.Service
	sellers  *seller.Service
	catalog  *catalog.Service
	creators *creator.Service
	outbox   *outbox.Outbox
	log      *slog.Logger
	now      func() time.Time

	// VideoFiles keeps uploaded videos and their posters; nil refuses uploads (URL
	// videos still work).
	VideoFiles blob.Store
	// Identity delivers notifications of lives to followers and reminded viewers;
	// nil announces nothing.
	Identity *identity.Service
	// HTTPClient checks URL videos; nil means http.DefaultClient.
	HTTPClient *http.Client
	videoKick  chan struct{}
}

// NewService returns a content service.
func NewService(d *db.DB, markets *market.Service, sellers *seller.Service, cat *catalog.Service, creators *creator.Service, ob *outbox.Outbox, log *slog.Logger) *Service {
	return &Service{db: d, markets: markets, sellers: sellers, catalog: cat, creators: creators, outbox: ob, log: log, now: time.Now,
		videoKick: make(chan struct{}, 1)}
}

// ScheduleInput describes a live session to schedule.
type ScheduleInput struct {
	Title       string    `json:"title"`
	ScheduledAt time.Time `json:"scheduled_at"` // zero means now
	ProductIDs  []id.ID   `json:"product_ids"`
	// ShopID makes it a shop's self-broadcast; without it the actor hosts as a creator.
	ShopID id.ID `json:"shop_id,omitempty"`
	// DurationMinutes is how long the live is planned to run, within the market's
	// bounds (30 minutes to 13 hours); 0 means an hour.
	DurationMinutes int `json:"duration_minutes,omitempty"`
	// Practice makes a rehearsal: the host tries the room, the camera and the products,
	// but it is not listed, sells nothing and counts toward no allowance.
	Practice bool `json:"practice,omitempty"`
}

// Schedule plans a live session. A creator sells products from their showcase and
// must be allowed to sell; a shop sells its own live products.
func (s *Service) Schedule(ctx context.Context, actor auth.Actor, in ScheduleInput) (Session, error) {
	if err := actor.RequireLogin(); err != nil {
		return Session{}, err
	}
	in.Title = strings.TrimSpace(in.Title)
	if n := utf8.RuneCountInString(in.Title); n < 2 || n > 100 {
		return Session{}, errs.Invalidf("title", "a title is 2-100 characters")
	}
	now := s.now().UTC()
	if in.ScheduledAt.IsZero() {
		in.ScheduledAt = now
	}
	if in.ScheduledAt.Before(now.Add(-5*time.Minute)) || in.ScheduledAt.After(now.AddDate(0, 3, 0)) {
		return Session{}, errs.Invalidf("scheduled_at", "schedule a live between now and three months ahead")
	}
	sess := Session{ID: id.New(), HostAccountID: actor.AccountID, Title: in.Title, Status: Scheduled, ScheduledAt: in.ScheduledAt.UTC()}
	if in.ShopID != 0 {
		shop, err := s.sellers.ManageForSale(ctx, actor, in.ShopID)
		if err != nil {
			return Session{}, err
		}
		sess.ShopID, sess.Market = shop.ID, shop.Market
	} else {
		c, err := s.creators.RequireSeller(ctx, actor)
		if err != nil {
			return Session{}, err
		}
		sess.CreatorID, sess.Market = c.ID, c.Market
	}
	p, err := s.markets.Policy(ctx, sess.Market, now)
	if err != nil {
		return Session{}, err
	}
	if in.DurationMinutes == 0 {
		in.DurationMinutes = min(max(60, p.Live.EventMinMinutes), p.Live.EventMaxMinutes)
	}
	if in.DurationMinutes < p.Live.EventMinMinutes || in.DurationMinutes > p.Live.EventMaxMinutes {
		return Session{}, errs.Invalidf("duration_minutes", "a live runs %d-%d minutes in %s", p.Live.EventMinMinutes, p.Live.EventMaxMinutes, sess.Market)
	}
	sess.PlannedMinutes, sess.Practice = in.DurationMinutes, in.Practice
	if len(in.ProductIDs) == 0 || len(in.ProductIDs) > p.Live.MaxProducts {
		return Session{}, errs.Invalidf("product_ids", "a live sells 1-%d products", p.Live.MaxProducts)
	}
	seen := map[id.ID]bool{}
	for i, pid := range in.ProductIDs {
		field := fmt.Sprintf("product_ids[%d]", i)
		if seen[pid] {
			return Session{}, errs.Invalidf(field, "each product once")
		}
		seen[pid] = true
		prod, err := s.catalog.Product(ctx, pid)
		if err != nil {
			return Session{}, errs.OnField(err, field)
		}
		if prod.Status != catalog.Live || prod.Market != sess.Market {
			return Session{}, catalog.ErrNotForSale.With("%q cannot be sold in this live", prod.Title).OnField(field)
		}
		if sess.ShopID != 0 && prod.ShopID != sess.ShopID {
			return Session{}, errs.Invalidf(field, "a shop's live sells the shop's own products")
		}
		if sess.CreatorID != 0 {
			if _, err := s.creators.CommissionFor(ctx, sess.CreatorID, pid); err != nil {
				return Session{}, errs.OnField(errs.As(err).With("add %q to your showcase first", prod.Title), field)
			}
		}
	}
	sess.ProductIDs = in.ProductIDs
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if sess.CreatorID != 0 && !sess.Practice { // a pilot creator's weekly allowance of selling lives
			if err := s.creators.UsePilotAllowance(ctx, tx, sess.CreatorID, creator.PilotLive, sess.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO live_sessions (id, market, host_account_id, creator_id, shop_id, title, status, scheduled_at, created_at,
			planned_minutes, practice)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sess.ID, sess.Market, sess.HostAccountID, db.NullID(sess.CreatorID), db.NullID(sess.ShopID),
			sess.Title, string(sess.Status), db.Micros(sess.ScheduledAt), db.Micros(now), sess.PlannedMinutes, sess.Practice); err != nil {
			return err
		}
		for i, pid := range sess.ProductIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO live_session_products (session_id, product_id, position) VALUES ($1, $2, $3)`, sess.ID, pid, i); err != nil {
				return err
			}
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("live", sess.ID), events.LiveScheduled{LiveSession: sess.event(), ScheduledAt: sess.ScheduledAt})
	})
	if err != nil {
		return Session{}, fmt.Errorf("content: schedule live: %w", err)
	}
	return sess, nil
}

func (s Session) event() events.LiveSession {
	return events.LiveSession{SessionID: s.ID, Market: s.Market, HostAccountID: s.HostAccountID, CreatorID: s.CreatorID, ShopID: s.ShopID, Title: s.Title,
		ProductIDs: s.ProductIDs}
}

// Start takes a scheduled session live. The host only.
func (s *Service) Start(ctx context.Context, actor auth.Actor, sessionID id.ID) (Session, error) {
	return s.transition(ctx, actor, sessionID, Scheduled, Live, "started_at", func(sess Session, at time.Time) events.Event {
		return events.LiveStarted{LiveSession: sess.event(), At: at}
	})
}

// End ends a live session. The host or an operator.
func (s *Service) End(ctx context.Context, actor auth.Actor, sessionID id.ID) (Session, error) {
	return s.transition(ctx, actor, sessionID, Live, Ended, "ended_at", func(sess Session, at time.Time) events.Event {
		return events.LiveEnded{LiveSession: sess.event(), At: at}
	})
}

func (s *Service) transition(ctx context.Context, actor auth.Actor, sessionID id.ID, from, to Status, column string, ev func(Session, time.Time) events.Event) (Session, error) {
	sess, err := s.hosted(ctx, actor, sessionID, to == Ended)
	if err != nil {
		return Session{}, err
	}
	if sess.Status != from {
		return Session{}, ErrSessionState.With("the live is %s", sess.Status)
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE live_sessions SET status = $1, `+column+` = $2 WHERE id = $3 AND status = $4`, string(to), db.Micros(now), sess.ID, string(from))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrSessionState.With("the live changed; reload")
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("live", sess.ID), ev(sess, now))
	})
	if err != nil {
		return Session{}, err
	}
	sess.Status = to
	if to == Live {
		sess.StartedAt = now
	} else {
		sess.EndedAt = now
	}
	return sess, nil
}

// hosted loads a session the actor hosts (or, if operatorToo, moderates as an operator).
func (s *Service) hosted(ctx context.Context, actor auth.Actor, sessionID id.ID, operatorToo bool) (Session, error) {
	if err := actor.RequireLogin(); err != nil {
		return Session{}, err
	}
	sess, err := s.Session(ctx, sessionID)
	if err != nil {
		return Session{}, err
	}
	if sess.HostAccountID != actor.AccountID && !(operatorToo && actor.Has(auth.Operator)) {
		return Session{}, ErrNotHost
	}
	return sess, nil
}

// Pin puts one of the session's products on screen. The host only, while live.
func (s *Service) Pin(ctx context.Context, actor auth.Actor, sessionID, productID id.ID) (Session, error) {
	sess, err := s.hosted(ctx, actor, sessionID, false)
	if err != nil {
		return Session{}, err
	}
	if sess.Status != Live {
		return Session{}, ErrSessionState.With("pin products once the live has started")
	}
	if !sess.HasProduct(productID) {
		return Session{}, ErrProductNotInLive
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE live_sessions SET pinned_product_id = $1 WHERE id = $2`, productID, sess.ID); err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("live", sess.ID), events.LiveProductPinned{SessionID: sess.ID, ProductID: productID, At: now})
	})
	if err != nil {
		return Session{}, err
	}
	sess.PinnedProductID = productID
	return sess, nil
}

const sessionColumns = `id, market, host_account_id, COALESCE(creator_id, 0), COALESCE(shop_id, 0), title, status, scheduled_at, started_at, ended_at, COALESCE(pinned_product_id, 0), planned_minutes, practice`

// Session returns a live session with its products.
func (s *Service) Session(ctx context.Context, sessionID id.ID) (Session, error) {
	ss, err := s.sessions(ctx, `WHERE id = $1`, sessionID)
	if err != nil {
		return Session{}, err
	}
	if len(ss) == 0 {
		return Session{}, ErrSessionNotFound
	}
	return ss[0], nil
}

// Listing selects sessions for a page.
type Listing struct {
	Status Status
	Market string // optional
	HostID id.ID  // optional
	Limit  int
}

// List returns sessions matching l: live ones most recently started first, scheduled
// ones soonest first, ended ones most recently ended first.
func (s *Service) List(ctx context.Context, l Listing) ([]Session, error) {
	where, args := []string{"status = $1"}, []any{string(l.Status)}
	if l.Market != "" {
		args = append(args, l.Market)
		where = append(where, fmt.Sprintf("market = $%d", len(args)))
	}
	if l.HostID != 0 {
		args = append(args, l.HostID)
		where = append(where, fmt.Sprintf("host_account_id = $%d", len(args)))
	} else {
		where = append(where, "practice = FALSE") // rehearsals are only their host's to see
	}
	order := map[Status]string{Live: "started_at DESC", Scheduled: "scheduled_at", Ended: "ended_at DESC"}[l.Status]
	if order == "" {
		return nil, errs.Invalidf("status", "status is scheduled, live or ended")
	}
	if l.Limit <= 0 {
		l.Limit = 50
	}
	args = append(args, l.Limit)
	return s.sessions(ctx, "WHERE "+strings.Join(where, " AND ")+" ORDER BY "+order+fmt.Sprintf(" LIMIT $%d", len(args)), args...)
}

func (s *Service) sessions(ctx context.Context, where string, args ...any) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM live_sessions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("content: load sessions: %w", err)
	}
	var out []Session
	for rows.Next() {
		var ss Session
		var sched, started, ended int64
		if err := rows.Scan(&ss.ID, &ss.Market, &ss.HostAccountID, &ss.CreatorID, &ss.ShopID, &ss.Title, &ss.Status, &sched, &started, &ended, &ss.PinnedProductID,
			&ss.PlannedMinutes, &ss.Practice); err != nil {
			rows.Close()
			return nil, err
		}
		ss.ScheduledAt, ss.StartedAt, ss.EndedAt = db.Time(sched), db.Time(started), db.Time(ended)
		out = append(out, ss)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		prows, err := s.db.QueryContext(ctx, `SELECT product_id FROM live_session_products WHERE session_id = $1 ORDER BY position`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for prows.Next() {
			var pid id.ID
			if err := prows.Scan(&pid); err != nil {
				prows.Close()
				return nil, err
			}
			out[i].ProductIDs = append(out[i].ProductIDs, pid)
		}
		prows.Close()
		if err := prows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
