package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
)

// A live flash sale is the hot path of docs/ARCHITECTURE.md: thousands of buyers
// press Buy on one SKU in the same second. The live room admits them in memory (its
// gate) and hands the admitted claims to a FlashWriter, which writes many orders in
// one transaction: one stock update and one deal-units update for the whole batch,
// then each order's rows. A buyer hears "confirmed" only once the order is durable.
// The database still refuses an oversell (the deal's CHECK and the stock condition),
// whatever the gate believed.
//
// A flash order is placed UNPAID with a pending payment, as TikTok Shop places
// flash-sale orders; the writer's payers then charge the buyer's method and settle it
// through a group-commit writer. An order whose payment never completes is cancelled
// by the unpaid-order timer, and its units return to the sale.

// FlashSale is a flash sale as the writer sees it: one SKU under one flash-sale
// promotion, priced once per quantity when the sale opens, so a claim only copies
// numbers and the writer only writes.
type FlashSale struct {
	PromotionID id.ID
	SKUID       id.ID
	ProductID   id.ID
	ShopID      id.ID
	Market      market.Market
	Attribution Attribution

	item    catalog.Item
	dealSKU id.ID
	priced  []promo.OrderOut // [q-1] is the order for q units
}

// MaxQuantity is the most units one claim may take.
func (f *FlashSale) MaxQuantity() int64 { return int64(len(f.priced)) }

// Price is what the buyer pays for qty units, shipping and tax included.
func (f *FlashSale) Price(qty int64) money.Money {
	return money.New(f.priced[qty-1].Total, f.Market.Currency)
}

// ErrFlashPriceNotApplied means the flash sale's promotion did not price the SKU (it
// ended, or another deal won): the sale cannot open.
var ErrFlashPriceNotApplied = errs.New(errs.Conflict, "flash_price_not_applied", "the flash sale's price does not apply to this SKU")

// PriceFlashSale prices a flash-sale promotion on a SKU for 1..maxQty units as it
// will stand at `at` (when the sale opens), with the attribution every order carries.
func (s *Service) PriceFlashSale(ctx context.Context, promotionID, skuID id.ID, attr Attribution, maxQty int64, at time.Time) (*FlashSale, error) {
	it, err := s.catalog.ItemForSale(ctx, s.db, skuID)
	if err != nil {
		return nil, errs.OnField(err, "sku_id")
	}
	m, err := s.markets.Market(ctx, it.Market)
	if err != nil {
		return nil, err
	}
	pol, err := s.markets.Policy(ctx, m.Code, at)
	if err != nil {
		return nil, err
	}
	if attr.Source == "" {
		attr.Source = SourceLive
	}
	f := &FlashSale{PromotionID: promotionID, SKUID: it.ID, ProductID: it.ProductID, ShopID: it.ShopID, Market: m, Attribution: attr, item: it}
	for q := int64(1); q <= max(maxQty, 1); q++ {
		quote, err := s.promos.Quote(ctx, s.db, promo.QuoteInput{Market: m.Code, Currency: m.Currency, Policy: pol, At: at, Room: promotionID,
			Shops: []promo.ShopLines{{ShopID: it.ShopID, Lines: []promo.LineIn{{SKUID: it.ID, ProductID: it.ProductID, UnitPrice: it.Price.Amount, Quantity: q}}}}})
		if err != nil {
			return nil, err
		}
		if len(quote.Orders) != 1 || len(quote.Orders[0].Lines) != 1 || quote.Orders[0].Lines[0].DealPromotionID != promotionID {
			return nil, ErrFlashPriceNotApplied
		}
		f.dealSKU = quote.Orders[0].Lines[0].DealSKU()
		f.priced = append(f.priced, quote.Orders[0])
	}
	return f, nil
}

// FlashClaim is one admitted buyer's claim on a flash sale.
type FlashClaim struct {
	Sale            *FlashSale
	Buyer           auth.Actor
	Quantity        int64
	IdempotencyKey  string
	ShippingAddress Address
	PaymentMethod   string
}

// CheckFlashClaim validates a claim before it is admitted, so a malformed one never takes units.
func (s *Service) CheckFlashClaim(c *FlashClaim) error {
	if err := c.Buyer.RequireLogin(); err != nil {
		return err
	}
	c.IdempotencyKey = strings.TrimSpace(c.IdempotencyKey)
	if c.IdempotencyKey == "" || len(c.IdempotencyKey) > 100 {
		return errs.Invalidf("idempotency_key", "send an idempotency key of 1-100 characters (a fresh UUID per purchase attempt)")
	}
	if c.Quantity < 1 || c.Quantity > c.Sale.MaxQuantity() {
		return errs.Invalidf("quantity", "this flash sale sells 1-%d per purchase", c.Sale.MaxQuantity())
	}
	if err := c.ShippingAddress.validate(c.Sale.Market.Code); err != nil {
		return err
	}
	return s.payments.CheckMethod(c.PaymentMethod)
}

// hash fingerprints the claim, so a reused idempotency key with a different request is caught.
func (c FlashClaim) hash() string {
	b, _ := json.Marshal(struct {
		Promotion, SKU id.ID
		Qty            int64
		Address        Address
		Method         string
	}{c.Sale.PromotionID, c.Sale.SKUID, c.Quantity, c.ShippingAddress, c.PaymentMethod})
	h := sha256.Sum256(b)
	return "flash:" + hex.EncodeToString(h[:])
}

// FindFlashClaim answers a repeated claim (same buyer and idempotency key) with the
// first one's result; found is false for a new claim. The room asks before admitting,
// so a retry never takes a second set of units.
func (s *Service) FindFlashClaim(ctx context.Context, c FlashClaim) (res CheckoutResult, found bool, err error) {
	prev, found, err := findCheckout(ctx, s.db, c.Buyer.AccountID, c.IdempotencyKey)
	if err != nil || !found {
		return CheckoutResult{}, false, err
	}
	res, err = s.replay(ctx, prev, c.hash())
	if err == ErrCheckoutInProgress {
		// A flash order is placed before it is paid: pending is its first answer.
		err = nil
	}
	return res, true, err
}

// flashJob is a claim travelling through the writer.
type flashJob struct {
	c     FlashClaim
	now   time.Time
	order *Order
	pay   payment.Payment
	res   CheckoutResult
	err   error
	done  chan struct{}
}

// FlashWriter writes admitted flash-sale claims by group commit and pays them.
type FlashWriter struct {
	s        *Service
	in       chan *flashJob
	maxBatch int
	pays     bool // payers run: placed orders are charged and settled
	payQ     payQueue
	// placing is when the writer last took a batch (unix nanoseconds): payers hold
	// back while claims keep arriving (yieldToPlacement).
	placing atomic.Int64
	wg      sync.WaitGroup

	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

// ErrShuttingDown is returned for checkouts and claims submitted while the server stops.
var ErrShuttingDown = errs.New(errs.Unavailable, "shutting_down", "the server is restarting; try again in a moment")

// NewFlashWriter starts a writer that commits up to maxBatch claims per transaction,
// with payers goroutines charging the placed orders (0: orders stay unpaid until the
// buyer pays or the unpaid-order timer cancels them).
func (s *Service) NewFlashWriter(maxBatch, payers int) *FlashWriter {
	w := &FlashWriter{s: s, in: make(chan *flashJob, 4*max(maxBatch, 1)), maxBatch: max(maxBatch, 1), done: make(chan struct{})}
	w.payQ.cond = sync.NewCond(&w.payQ.mu)
	w.wg.Go(w.run)
	if payers > 0 {
		w.pays = true
		for range payers {
			w.wg.Go(w.payer)
		}
	}
	return w
}

// Place writes an admitted claim and returns once its order is durable: status
// "pending" while the payment runs. An error means nothing was written; the caller
// gives the claim's units back to its gate.
func (w *FlashWriter) Place(ctx context.Context, c FlashClaim) (CheckoutResult, error) {
	j := &flashJob{c: c, now: w.s.now().UTC(), done: make(chan struct{})}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return CheckoutResult{}, ErrShuttingDown
	}
	select {
	case w.in <- j:
	case <-ctx.Done():
		w.mu.RUnlock()
		return CheckoutResult{}, ctx.Err()
	}
	w.mu.RUnlock()
	// Once queued, wait for the outcome even if ctx ends: the order may commit.
	<-j.done
	if j.err != nil {
		if db.IsUniqueViolation(j.err) {
			// The same claim raced itself: answer with whichever got there first.
			if res, found, err := w.s.FindFlashClaim(context.WithoutCancel(ctx), c); found {
				return res, err
			}
		}
		return CheckoutResult{}, j.err
	}
	if w.pays && j.pay.ID != 0 {
		w.payQ.push(j)
	}
	return j.res, nil
}

// Close writes what was submitted, waits for the payers to finish the queue, and stops.
func (w *FlashWriter) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.done)
	}
	w.mu.Unlock()
	w.payQ.close()
	w.wg.Wait()
}

func (w *FlashWriter) run() { db.GroupLoop(w.in, w.done, w.maxBatch, w.write) }

// write commits a batch in one transaction. A batch fails as a whole only when one
// claim cannot be written (a retried claim raced its first try, the deal or the stock
// ran out behind the gate's back); then each claim is written on its own, so one bad
// claim costs the others nothing but time.
func (w *FlashWriter) write(batch []*flashJob) {
	w.placing.Store(time.Now().UnixNano())
	ctx := context.Background()
	err := w.s.db.RunInTx(ctx, func(tx *db.Tx) error { return w.s.writeFlash(ctx, tx, batch) })
	if err != nil && len(batch) > 1 {
		for _, j := range batch {
			j.err = w.s.db.RunInTx(ctx, func(tx *db.Tx) error { return w.s.writeFlash(ctx, tx, []*flashJob{j}) })
			close(j.done)
		}
		return
	}
	for _, j := range batch {
		j.err = err
		close(j.done)
	}
}

// writeFlash writes claims' orders in tx: units taken once per sale for the whole
// batch, then each claim's checkout, order, deal purchase and pending payment.
func (s *Service) writeFlash(ctx context.Context, tx *db.Tx, jobs []*flashJob) error {
	units := map[*FlashSale]int64{}
	var sales []*FlashSale
	for _, j := range jobs {
		if _, ok := units[j.c.Sale]; !ok {
			sales = append(sales, j.c.Sale)
		}
		units[j.c.Sale] += j.c.Quantity
	}
	perShop := map[id.ID]int{}
	var shops []id.ID
	for _, j := range jobs {
		if perShop[j.c.Sale.ShopID] == 0 {
			shops = append(shops, j.c.Sale.ShopID)
		}
		perShop[j.c.Sale.ShopID]++
	}
	for _, shop := range shops {
		// Flash orders count against the shop's daily order cap like any other.
		if err := s.sellers.TakeDailyOrderSlots(ctx, tx, shop, jobs[0].now, perShop[shop]); err != nil {
			return errs.OnField(err, "quantity")
		}
	}
	for _, f := range sales {
		if err := s.catalog.Reserve(ctx, tx, f.SKUID, units[f]); err != nil {
			return errs.OnField(err, "quantity")
		}
		if err := s.promos.TakeDealUnits(ctx, tx, f.PromotionID, f.ProductID, f.dealSKU, units[f]); err != nil {
			return errs.OnField(err, "quantity")
		}
	}
	// Then every claim's rows, a few multi-row statements for the whole batch.
	var checkoutArgs []any
	var orders []*Order
	var purchases []promo.DealPurchase
	var charges []payment.ChargeInput
	var charged []*flashJob
	for _, j := range jobs {
		c, f := j.c, j.c.Sale
		checkoutID := id.New()
		po := f.priced[c.Quantity-1]
		o := buildOrder(checkoutID, c.Buyer.AccountID, f.Market, c.ShippingAddress, j.now, po, func(promo.LineOut) (catalog.Item, Attribution) {
			return f.item, f.Attribution
		})
		orders = append(orders, o)
		purchases = append(purchases, promo.DealPurchase{PromotionID: f.PromotionID, OrderID: o.ID, SKUID: f.SKUID,
			ItemSKUID: f.dealSKU, ProductID: f.ProductID, BuyerID: c.Buyer.AccountID, Quantity: c.Quantity})
		if po.Total > 0 {
			charges = append(charges, payment.ChargeInput{Reference: paymentRef(checkoutID), PayerID: c.Buyer.AccountID,
				Amount: money.New(po.Total, f.Market.Currency), Method: c.PaymentMethod})
			charged = append(charged, j)
		}
		j.order, j.pay = o, payment.Payment{}
		j.res = CheckoutResult{CheckoutID: checkoutID, Status: "pending", Total: money.New(po.Total, f.Market.Currency), Orders: []Order{*o}}
	}
	if len(charges) > 0 {
		pays, err := s.payments.BeginMany(ctx, tx, charges)
		if err != nil {
			return err
		}
		for i, j := range charged {
			j.pay = pays[i]
		}
	}
	for _, j := range jobs {
		c := j.c
		checkoutArgs = append(checkoutArgs, j.res.CheckoutID, c.Buyer.AccountID, c.IdempotencyKey, c.hash(), c.Sale.Market.Code, c.Sale.Market.Currency,
			j.res.Total.Amount, "pending", db.NullID(j.pay.ID), db.Micros(j.now))
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, market, currency, total, status, payment_id, created_at) VALUES `,
		10, checkoutArgs, ""); err != nil {
		return err
	}
	if err := insertOrders(ctx, tx, orders); err != nil {
		return err
	}
	return s.promos.RecordPurchases(ctx, tx, purchases)
}

// PlaceFlashNaive places a claim the way a plain checkout would, for the benchmark's
// baseline: one transaction per order that locks the deal's row, checks what is left
// and what the buyer already holds, and writes. No gate, no batching.
func (s *Service) PlaceFlashNaive(ctx context.Context, c FlashClaim) (CheckoutResult, error) {
	if err := s.CheckFlashClaim(&c); err != nil {
		return CheckoutResult{}, err
	}
	j := &flashJob{c: c, now: s.now().UTC()}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		f := c.Sale
		var quantity, sold, limit int64
		if err := tx.QueryRowContext(ctx, `SELECT i.quantity, i.sold, p.per_buyer_limit FROM promotion_items i JOIN promotions p ON p.id = i.promotion_id
			WHERE i.promotion_id = $1 AND i.product_id = $2 AND i.sku_id = $3`+db.ForUpdate(tx), f.PromotionID, f.ProductID, f.dealSKU).
			Scan(&quantity, &sold, &limit); err != nil {
			return err
		}
		if sold+c.Quantity > quantity {
			return promo.ErrDealSoldOut
		}
		if limit > 0 {
			var held int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM promotion_purchases WHERE promotion_id = $1 AND buyer_id = $2`,
				f.PromotionID, c.Buyer.AccountID).Scan(&held); err != nil {
				return err
			}
			if held+c.Quantity > limit {
				return promo.ErrDealLimit.With("this deal allows %d per buyer", limit)
			}
		}
		return s.writeFlash(ctx, tx, []*flashJob{j})
	})
	return j.res, err
}

// payer charges placed flash orders and records the outcomes as checkout does after
// its transaction, in batches: it takes every order waiting (up to a batch), charges
// each, and settles them together.
func (w *FlashWriter) payer() {
	for {
		jobs := w.payQ.popUpTo(64)
		if len(jobs) == 0 {
			return
		}
		w.yieldToPlacement()
		ctx := context.Background()
		sts := make([]*settlement, 0, len(jobs))
		for _, j := range jobs {
			pay, _ := w.s.payments.Execute(ctx, j.pay)
			pol, err := w.s.markets.Policy(ctx, j.c.Sale.Market.Code, w.s.now())
			if err != nil {
				w.s.log.Error("flash sale: could not record payment outcome", "checkout", j.res.CheckoutID, "err", err)
				continue
			}
			sts = append(sts, &settlement{checkoutID: j.res.CheckoutID, orders: []*Order{j.order}, pay: pay, buyerName: j.c.Buyer.Name, pol: pol})
		}
		w.s.settleMany(ctx, sts)
		for _, st := range sts {
			if st.err != nil {
				// The order stays UNPAID with its payment record; the unpaid-order timer
				// settles it from that record.
				w.s.log.Error("flash sale: could not record payment outcome", "checkout", st.checkoutID, "err", st.err)
			}
		}
	}
}

// yieldToPlacement holds a payer back while claims are being placed, for up to a
// second: during a burst the one database writer belongs to placing orders (what
// buyers wait on), and payments settle in the lulls. The bound keeps payments moving
// under a burst that never lulls.
func (w *FlashWriter) yieldToPlacement() {
	busy := func() bool {
		// Claims waiting, or a batch taken moments ago: during a burst the queue is
		// often empty only because every waiting buyer is in the batch being written.
		return len(w.in) > 0 || time.Since(time.Unix(0, w.placing.Load())) < placingLull
	}
	for deadline := time.Now().Add(time.Second); busy() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}

// placingLull is how long without a new batch of claims counts as a lull.
const placingLull = 20 * time.Millisecond

// payQueue is an unbounded FIFO of placed orders awaiting payment: a burst of claims
// must never wait on the payment provider to hear that their order is placed.
type payQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	jobs   []*flashJob
	closed bool
}

func (q *payQueue) push(j *flashJob) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	q.cond.Signal()
}

// popUpTo waits for jobs and takes up to n of them; none once the queue is closed and
// empty.
func (q *payQueue) popUpTo(n int) []*flashJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 && !q.closed {
		q.cond.Wait()
	}
	k := min(n, len(q.jobs))
	out := make([]*flashJob, k)
	copy(out, q.jobs[:k])
	clear(q.jobs[:k])
	q.jobs = q.jobs[k:]
	return out
}

func (q *payQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// PendingPayments is how many placed flash orders wait for their payment to run.
func (w *FlashWriter) PendingPayments() int {
	w.payQ.mu.Lock()
	defer w.payQ.mu.Unlock()
	return len(w.payQ.jobs)
}
