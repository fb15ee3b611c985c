package live

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
)

// Errors of live flash sales.
var (
	ErrFlashNotStarted = errs.New(errs.Rule, "flash_sale_not_started", "the flash sale has not started yet; wait for the countdown")
	ErrFlashEnded      = errs.New(errs.Rule, "flash_sale_ended", "the flash sale has ended")
	ErrFlashRunning    = errs.New(errs.Conflict, "flash_sale_running", "a flash sale is already running in this room; end it or wait for it to finish")
	ErrFlashNotFound   = errs.New(errs.NotFound, "flash_sale_not_found", "no such flash sale in this room")
)

// maxFlashPerBuyer caps a flash sale's per-buyer limit: a flash sale is for many buyers.
const maxFlashPerBuyer = 10

// FlashSaleInput is the host's flash sale: a deal price on one SKU the room sells, for
// a quantity, after a countdown, for a duration, with a per-buyer limit.
type FlashSaleInput struct {
	SKUID            id.ID `json:"sku_id"`
	DealPrice        int64 `json:"deal_price"`
	Quantity         int64 `json:"quantity"`
	PerBuyerLimit    int64 `json:"per_buyer_limit"`
	CountdownSeconds int   `json:"countdown_seconds"`
	DurationSeconds  int   `json:"duration_seconds"`
}

// FlashSales runs a node's live flash sales. A flash sale is a flash-sale promotion
// (promo checks its price floor and counts its units) opened from a room; buyers in
// the room are admitted by the sale's Gate in memory and written by the order
// service's FlashWriter in groups.
type FlashSales struct {
	hub    *Hub
	db     *db.DB
	promos *promo.Service
	orders *order.Service
	writer *order.FlashWriter
	now    func() time.Time
	node   string // this node's name in live_flash_leases

	mu    sync.Mutex
	sales map[id.ID]*flashSale // by promotion
	rooms map[id.ID]*flashSale // the room's latest sale, by session
	done  chan struct{}
	once  sync.Once
}

// flashSale is one sale on this node.
type flashSale struct {
	sessionID id.ID
	priced    *order.FlashSale
	gate      *Gate
	state     FlashState // ID, prices, window; Left and Phase are derived when read

	mu       sync.Mutex
	returned map[id.ID]bool // cancelled orders whose units came back, so a redelivered event counts once
	ended    bool           // ended early by the host
}

// EnableFlashSales lets rooms run flash sales, written through w. It resumes the sales
// still running from the database, so a restart loses no sale and no buyer's limit.
func (h *Hub) EnableFlashSales(ctx context.Context, d *db.DB, promos *promo.Service, w *order.FlashWriter) (*FlashSales, error) {
	fs := &FlashSales{hub: h, db: d, promos: promos, orders: h.orders, writer: w, now: time.Now, node: h.cfg.Node,
		sales: map[id.ID]*flashSale{}, rooms: map[id.ID]*flashSale{}, done: make(chan struct{})}
	if fs.node == "" {
		fs.node = "process-" + id.New().String()
	}
	// Whatever this node leased before it restarted is sold or lost with its memory:
	// give it back before leasing again.
	if _, err := d.ExecContext(ctx, `DELETE FROM live_flash_leases WHERE node = $1`, fs.node); err != nil {
		return nil, fmt.Errorf("flash sales: return old leases: %w", err)
	}
	if err := fs.resume(ctx); err != nil {
		return nil, err
	}
	h.flash = fs
	go fs.tick()
	return fs, nil
}

// Close stops announcing sale states and returns this node's leased units, so other
// nodes sell them at once rather than after the lease lapses. The writer is closed by
// its owner.
func (fs *FlashSales) Close() {
	fs.once.Do(func() {
		close(fs.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := fs.db.ExecContext(ctx, `DELETE FROM live_flash_leases WHERE node = $1`, fs.node); err != nil {
			fs.hub.log.Warn("flash sales: return leases", "err", err)
		}
	})
}

// Start opens a flash sale in a live room on one of the room's SKUs. The actor must
// manage the SKU's shop (its money is discounted); the deal must be below the SKU's
// lowest price over the market's look-back window, and the countdown and duration
// within the market's live policy.
func (fs *FlashSales) Start(ctx context.Context, actor auth.Actor, sessionID id.ID, in FlashSaleInput) (FlashState, error) {
	if err := actor.RequireLogin(); err != nil {
		return FlashState{}, err
	}
	sess, err := fs.hub.sessions.Session(ctx, sessionID)
	if err != nil {
		return FlashState{}, err
	}
	if sess.Status != content.Live {
		return FlashState{}, ErrNotLive.With("a flash sale runs while the room is live; it is %s", sess.Status)
	}
	if sess.Practice {
		return FlashState{}, ErrPractice
	}
	if in.SKUID == 0 {
		return FlashState{}, errs.Invalidf("sku_id", "required")
	}
	prod, err := fs.hub.catalog.ProductOfSKU(ctx, in.SKUID)
	if err != nil {
		return FlashState{}, errs.OnField(err, "sku_id")
	}
	if !sess.HasProduct(prod.ID) {
		return FlashState{}, content.ErrProductNotInLive.OnField("sku_id")
	}
	pol, err := fs.hub.markets.Policy(ctx, sess.Market, fs.now())
	if err != nil {
		return FlashState{}, err
	}
	lp := pol.Live
	switch {
	case in.CountdownSeconds < lp.FlashCountdownMinSec || in.CountdownSeconds > lp.FlashCountdownMaxSec:
		return FlashState{}, errs.Invalidf("countdown_seconds", "a countdown is %d-%d seconds in %s", lp.FlashCountdownMinSec, lp.FlashCountdownMaxSec, sess.Market)
	case in.DurationSeconds < lp.FlashDurationMinMin*60 || in.DurationSeconds > lp.FlashDurationMaxMin*60:
		return FlashState{}, errs.Invalidf("duration_seconds", "a flash sale lasts %d-%d minutes in %s", lp.FlashDurationMinMin, lp.FlashDurationMaxMin, sess.Market)
	case in.Quantity < 1:
		return FlashState{}, errs.Invalidf("quantity", "offer at least one unit")
	case in.PerBuyerLimit < 1 || in.PerBuyerLimit > maxFlashPerBuyer:
		return FlashState{}, errs.Invalidf("per_buyer_limit", "a per-buyer limit is 1-%d", maxFlashPerBuyer)
	}
	var sku catalog.SKU
	for _, k := range prod.SKUs {
		if k.ID == in.SKUID {
			sku = k
		}
	}
	if sku.Stock < in.Quantity {
		return FlashState{}, errs.Invalidf("quantity", "only %d in stock", sku.Stock)
	}
	if cur := fs.current(sessionID); cur != nil {
		return FlashState{}, ErrFlashRunning
	}

	starts := fs.now().UTC().Add(time.Duration(in.CountdownSeconds) * time.Second)
	p, err := fs.promos.CreatePromotion(ctx, actor, prod.ShopID, promo.PromotionInput{Kind: promo.FlashSale, Title: "Live flash sale: " + prod.Title,
		StartsAt: starts, EndsAt: starts.Add(time.Duration(in.DurationSeconds) * time.Second), Exclusive: true, PerBuyerLimit: in.PerBuyerLimit, RoomOnly: true,
		Items: []promo.Item{{ProductID: prod.ID, SKUID: in.SKUID, DealPrice: in.DealPrice, Quantity: in.Quantity}}})
	if err != nil {
		return FlashState{}, errs.OnField(err, trimItemField(errs.As(err)))
	}
	attr, err := fs.attribution(ctx, sess, prod.ID)
	if err != nil {
		return FlashState{}, err
	}
	priced, err := fs.orders.PriceFlashSale(ctx, p.ID, in.SKUID, attr, in.PerBuyerLimit, p.StartsAt)
	if err != nil {
		return FlashState{}, err
	}
	if err := fs.db.RunInTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO live_flash_sales (promotion_id, session_id, product_id, sku_id, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, p.ID, sessionID, prod.ID, in.SKUID, actor.AccountID, db.Micros(fs.now()))
		return err
	}); err != nil {
		return FlashState{}, err
	}
	s := &flashSale{sessionID: sessionID, priced: priced, returned: map[id.ID]bool{},
		state: FlashState{ID: p.ID, ProductID: prod.ID, SKUID: in.SKUID, Title: prod.Title, Price: sku.Price, DealPrice: money.New(in.DealPrice, sku.Price.Currency),
			Quantity: in.Quantity, PerBuyerLimit: in.PerBuyerLimit, StartsAt: p.StartsAt, EndsAt: p.EndsAt}}
	s.state.Display, s.state.DealDisplay = s.state.Price.Format(), s.state.DealPrice.Format()
	s.gate = NewLeasedGate(in.PerBuyerLimit, nil, in.Quantity, fs.leaser(s))
	fs.mu.Lock()
	fs.sales[p.ID], fs.rooms[sessionID] = s, s
	fs.mu.Unlock()
	// The sale's product goes on screen when the host runs it (a shop that is not the
	// host cannot pin, and its sale still runs).
	if sess.HostAccountID == actor.AccountID && sess.PinnedProductID != prod.ID {
		if _, err := fs.hub.sessions.Pin(ctx, actor, sessionID, prod.ID); err != nil {
			fs.hub.log.Warn("flash sale: pin", "session", sessionID, "err", err)
		}
	}
	st := s.snapshot(fs.now())
	fs.announce(s, st, true)
	fs.hub.toPeers(peerMsg{SessionID: sessionID, FlashSale: p.ID})
	fs.hub.log.Info("flash sale started", "session", sessionID, "promotion", p.ID, "sku", in.SKUID, "quantity", in.Quantity)
	return st, nil
}

// trimItemField names promo's item fields as the flash sale's input names them.
func trimItemField(e *errs.Error) string {
	if e == nil {
		return ""
	}
	switch e.Field {
	case "items[0].deal_price":
		return "deal_price"
	case "items[0].quantity":
		return "quantity"
	case "items[0].sku_id":
		return "sku_id"
	}
	return e.Field
}

// attribution is what every order of the sale carries: the live, and the creator
// hosting it at their commission on the product.
func (fs *FlashSales) attribution(ctx context.Context, sess content.Session, productID id.ID) (order.Attribution, error) {
	a := order.Attribution{Source: order.SourceLive, LiveSessionID: sess.ID}
	if sess.CreatorID != 0 {
		a.CreatorID = sess.CreatorID
		if bp, err := fs.hub.creators.CommissionFor(ctx, sess.CreatorID, productID); err == nil {
			a.CommissionBP = bp
		}
	}
	return a, nil
}

// End closes a sale early: the host's stop button. Orders already placed stand.
func (fs *FlashSales) End(ctx context.Context, actor auth.Actor, sessionID, saleID id.ID) (FlashState, error) {
	s := fs.sale(saleID)
	if s == nil || s.sessionID != sessionID {
		return FlashState{}, ErrFlashNotFound
	}
	if _, err := fs.promos.EndPromotion(ctx, actor, saleID); err != nil {
		return FlashState{}, err
	}
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	st := s.snapshot(fs.now())
	fs.announce(s, st, true)
	return st, nil
}

// Sales lists a room's flash sales, newest first, as they stand.
func (fs *FlashSales) Sales(ctx context.Context, sessionID id.ID) ([]FlashState, error) {
	rows, err := fs.db.QueryContext(ctx, `SELECT f.promotion_id FROM live_flash_sales f WHERE f.session_id = $1 ORDER BY f.created_at DESC LIMIT 50`, sessionID)
	if err != nil {
		return nil, err
	}
	var ids []id.ID
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, v)
	}
	rows.Close()
	out := []FlashState{}
	for _, pid := range ids {
		if s := fs.sale(pid); s != nil {
			out = append(out, s.snapshot(fs.now()))
			continue
		}
		st, err := fs.stored(ctx, pid)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// stored reads a sale this node does not run (it ended before the node started).
func (fs *FlashSales) stored(ctx context.Context, promotionID id.ID) (FlashState, error) {
	var st FlashState
	var starts, ends int64
	var status, currency string
	var price int64
	err := fs.db.QueryRowContext(ctx, `SELECT f.product_id, f.sku_id, pr.title, k.price, k.currency, i.deal_price, i.quantity, i.sold, p.per_buyer_limit,
			p.starts_at, p.ends_at, p.status
		FROM live_flash_sales f JOIN promotions p ON p.id = f.promotion_id
		JOIN promotion_items i ON i.promotion_id = f.promotion_id AND i.sku_id = f.sku_id
		JOIN skus k ON k.id = f.sku_id JOIN products pr ON pr.id = f.product_id
		WHERE f.promotion_id = $1`, promotionID).Scan(&st.ProductID, &st.SKUID, &st.Title, &price, &currency, &st.DealPrice.Amount,
		&st.Quantity, &st.Left, &st.PerBuyerLimit, &starts, &ends, &status)
	if err != nil {
		return st, err
	}
	st.ID = promotionID
	st.Left = st.Quantity - st.Left
	st.Price, st.DealPrice = money.New(price, currency), money.New(st.DealPrice.Amount, currency)
	st.Display, st.DealDisplay = st.Price.Format(), st.DealPrice.Format()
	st.StartsAt, st.EndsAt = db.Time(starts), db.Time(ends)
	st.Phase = "ended"
	return st, nil
}

// resume rebuilds the gates of sales still running: units left from the deal's row,
// what each buyer holds from the recorded purchases.
func (fs *FlashSales) resume(ctx context.Context) error {
	rows, err := fs.db.QueryContext(ctx, `SELECT f.promotion_id FROM live_flash_sales f JOIN promotions p ON p.id = f.promotion_id
		WHERE p.status = 'room' AND p.ends_at > $1`, db.Micros(fs.now()))
	if err != nil {
		return fmt.Errorf("flash sales: resume: %w", err)
	}
	var ids []id.ID
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, v)
	}
	rows.Close()
	for _, pid := range ids {
		if err := fs.resumeOne(ctx, pid); err != nil {
			return fmt.Errorf("flash sales: resume %s: %w", pid, err)
		}
	}
	return nil
}

func (fs *FlashSales) resumeOne(ctx context.Context, promotionID id.ID) error {
	st, err := fs.stored(ctx, promotionID)
	if err != nil {
		return err
	}
	var sessionID id.ID
	if err := fs.db.QueryRowContext(ctx, `SELECT session_id FROM live_flash_sales WHERE promotion_id = $1`, promotionID).Scan(&sessionID); err != nil {
		return err
	}
	sess, err := fs.hub.sessions.Session(ctx, sessionID)
	if err != nil {
		return err
	}
	attr, err := fs.attribution(ctx, sess, st.ProductID)
	if err != nil {
		return err
	}
	priced, err := fs.orders.PriceFlashSale(ctx, promotionID, st.SKUID, attr, st.PerBuyerLimit, later(st.StartsAt, fs.now()))
	if err != nil {
		return err
	}
	held, err := fs.promos.BoughtUnder(ctx, fs.db, promotionID)
	if err != nil {
		return err
	}
	s := &flashSale{sessionID: sessionID, priced: priced, returned: map[id.ID]bool{}, state: st}
	s.gate = NewLeasedGate(st.PerBuyerLimit, held, st.Left, fs.leaser(s))
	fs.mu.Lock()
	fs.sales[promotionID] = s
	if cur := fs.rooms[sessionID]; cur == nil || cur.state.StartsAt.Before(st.StartsAt) {
		fs.rooms[sessionID] = s
	}
	fs.mu.Unlock()
	return nil
}

// adopt opens a gate on this node for a sale another node opened.
func (fs *FlashSales) adopt(ctx context.Context, promotionID id.ID) error {
	if fs.sale(promotionID) != nil {
		return nil
	}
	if err := fs.resumeOne(ctx, promotionID); err != nil {
		return err
	}
	if s := fs.sale(promotionID); s != nil {
		fs.announce(s, s.snapshot(fs.now()), true)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (fs *FlashSales) sale(promotionID id.ID) *flashSale {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.sales[promotionID]
}

// current is the room's sale unless it has ended: counting down, open or sold out.
func (fs *FlashSales) current(sessionID id.ID) *flashSale {
	fs.mu.Lock()
	s := fs.rooms[sessionID]
	fs.mu.Unlock()
	if s == nil {
		return nil
	}
	if ph := s.snapshot(fs.now()).Phase; ph != "ended" {
		return s
	}
	return nil
}

// stateOf is the room's latest sale for a joining viewer, or nil.
func (fs *FlashSales) stateOf(sessionID id.ID) *FlashState {
	fs.mu.Lock()
	s := fs.rooms[sessionID]
	fs.mu.Unlock()
	if s == nil {
		return nil
	}
	st := s.snapshot(fs.now())
	return &st
}

// snapshot is the sale's state at now.
func (s *flashSale) snapshot(now time.Time) FlashState {
	st := s.state
	st.Left = s.gate.Left()
	s.mu.Lock()
	ended := s.ended
	s.mu.Unlock()
	switch {
	case ended || !now.Before(st.EndsAt):
		st.Phase = "ended"
	case now.Before(st.StartsAt):
		st.Phase = "countdown"
	case st.Left == 0:
		st.Phase = "sold_out"
	default:
		st.Phase = "open"
	}
	return st
}

// buy places a room purchase of the sale's SKU: admitted by the gate, written by the
// group-commit writer, confirmed once durable.
func (fs *FlashSales) buy(ctx context.Context, actor auth.Actor, s *flashSale, in BuyInput) (order.CheckoutResult, error) {
	st := s.snapshot(fs.now())
	switch st.Phase {
	case "countdown":
		return order.CheckoutResult{}, ErrFlashNotStarted.With("the flash sale opens in %d seconds", int(time.Until(st.StartsAt).Seconds())+1)
	case "ended":
		return order.CheckoutResult{}, ErrFlashEnded
	}
	c := order.FlashClaim{Sale: s.priced, Buyer: actor, Quantity: in.Quantity, IdempotencyKey: in.IdempotencyKey,
		ShippingAddress: in.ShippingAddress, PaymentMethod: in.PaymentMethod}
	if err := fs.orders.CheckFlashClaim(&c); err != nil {
		return order.CheckoutResult{}, err
	}
	// Only a buyer who holds units can be repeating a claim: the gate knows who does
	// (rebuilt from committed purchases after a restart), so first-time buyers, nearly
	// all of them, skip the lookup.
	if s.gate.Holds(actor.AccountID) {
		if res, found, err := fs.orders.FindFlashClaim(ctx, c); found || err != nil {
			return res, err
		}
	}
	if err := s.gate.Admit(actor.AccountID, c.Quantity); err != nil {
		return order.CheckoutResult{}, errs.OnField(err, "quantity")
	}
	res, err := fs.writer.Place(ctx, c)
	s.gate.Done(actor.AccountID, c.Quantity, err == nil && !res.Replayed)
	if errors.Is(err, promo.ErrDealSoldOut) || errors.Is(err, catalog.ErrOutOfStock) {
		// The database holds fewer units than the gate believed (a purchase outside the
		// room, another node): believe the database.
		if q, sold, derr := fs.promos.DealStock(context.WithoutCancel(ctx), fs.db, st.ID, st.ProductID, st.SKUID); derr == nil {
			s.gate.Reset(q - sold)
		}
		return order.CheckoutResult{}, ErrFlashSoldOut.OnField("quantity")
	}
	return res, err
}

// cancelled gives a cancelled order's flash units back to its sale's gate, once.
func (fs *FlashSales) cancelled(o events.Order) {
	for _, l := range o.Lines {
		if l.DealPromotionID == 0 {
			continue
		}
		s := fs.sale(l.DealPromotionID)
		if s == nil {
			continue
		}
		s.mu.Lock()
		seen := s.returned[o.OrderID]
		s.returned[o.OrderID] = true
		s.mu.Unlock()
		if !seen {
			s.gate.GiveBack(o.BuyerID, l.Quantity)
		}
	}
}

// announce tells the sale's room its state, if the room is open.
func (fs *FlashSales) announce(s *flashSale, st FlashState, sequenced bool) {
	if r := fs.hub.existing(s.sessionID); r != nil {
		fs.hub.tell(r, cmdFlash{f: st, sequenced: sequenced})
	}
}

// tick announces each running sale's units left a few times a second (coalesced: a
// frame only when the count moved), each change of phase as a sequenced frame, and
// prompts the host as the sale nears its end or its last units.
func (fs *FlashSales) tick() {
	t := time.NewTicker(fs.hub.cfg.StatsInterval)
	defer t.Stop()
	type seen struct {
		left   int64
		phase  string
		warned map[string]bool
	}
	last := map[id.ID]*seen{}
	var renewed time.Time
	for {
		select {
		case <-fs.done:
			return
		case <-fs.hub.done:
			return
		case <-t.C:
		}
		now := fs.now()
		fs.mu.Lock()
		sales := make([]*flashSale, 0, len(fs.sales))
		for _, s := range fs.sales {
			sales = append(sales, s)
		}
		fs.mu.Unlock()
		sort.Slice(sales, func(i, j int) bool { return sales[i].state.ID < sales[j].state.ID })
		if now.Sub(renewed) >= leaseHeartbeat {
			renewed = now
			for _, s := range sales {
				if s.snapshot(now).Phase == "ended" {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), leaseHeartbeat)
				if err := fs.renew(ctx, s); err != nil {
					fs.hub.log.Warn("flash sale: renew lease", "promotion", s.state.ID, "err", err)
				}
				cancel()
			}
		}
		for _, s := range sales {
			st := s.snapshot(now)
			l := last[st.ID]
			if l == nil {
				l = &seen{left: st.Left, phase: st.Phase, warned: map[string]bool{}}
				last[st.ID] = l
			}
			if st.Phase != l.phase {
				fs.announce(s, st, true)
			} else if st.Left != l.left && st.Phase == "open" {
				fs.announce(s, st, false)
			}
			l.left, l.phase = st.Left, st.Phase
			r := fs.hub.existing(s.sessionID)
			if r != nil && st.Phase == "open" {
				if !l.warned["ending"] && st.EndsAt.Sub(now) <= 30*time.Second {
					l.warned["ending"] = true
					fs.hub.tell(r, cmdAlert{a: Alert{Code: "flash_ending", Text: fmt.Sprintf("Flash sale ends in %d s: %d of %d left", int(st.EndsAt.Sub(now).Seconds()), st.Left, st.Quantity)}})
				}
				if !l.warned["low"] && st.Left*10 <= st.Quantity {
					l.warned["low"] = true
					fs.hub.tell(r, cmdAlert{a: Alert{Code: "flash_stock_low", Text: fmt.Sprintf("Only %d flash-sale units left", st.Left)}})
				}
			}
			if st.Phase == "ended" {
				// An ended sale stays the room's latest (joiners see how it went) but no
				// longer needs a gate on this node.
				fs.mu.Lock()
				delete(fs.sales, st.ID)
				fs.mu.Unlock()
				delete(last, st.ID)
				ctx, cancel := context.WithTimeout(context.Background(), leaseHeartbeat)
				if err := fs.release(ctx, s); err != nil {
					fs.hub.log.Warn("flash sale: release lease", "promotion", st.ID, "err", err)
				}
				cancel()
			}
		}
	}
}
