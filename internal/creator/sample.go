package creator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Sample states: requested by the creator; approved (its zero-price order placed,
// with the days the content is due after delivery) or rejected by the seller; then
// the order's: shipped, delivered (the content due date starts), or cancelled;
// fulfilled when the creator has published the content.
const (
	SampleRequested = "requested"
	SampleApproved  = "approved"
	SampleRejected  = "rejected"
	SampleShipped   = "shipped"
	SampleDelivered = "delivered"
	SampleCancelled = "cancelled"
	SampleFulfilled = "fulfilled"
)

// SampleOrders places the zero-price order an approved sample ships as: the order
// service (order.Service.PlaceSampleOrder), wired by the app with UseOrders.
type SampleOrders interface {
	PlaceSampleOrder(ctx context.Context, in order.SampleOrderInput, within func(tx *db.Tx, o order.Order) error) (order.Order, error)
}

// UseOrders wires in the order service that samples ship through.
func (s *Service) UseOrders(o SampleOrders) { s.orders = o }

// Sample is a free sample a creator asked for, and the content it owes.
type Sample struct {
	ID             id.ID  `json:"id"`
	CreatorID      id.ID  `json:"creator_id"`
	Handle         string `json:"handle"`
	ShopID         id.ID  `json:"shop_id"`
	ProductID      id.ID  `json:"product_id"`
	Title          string `json:"title"`
	SKUID          id.ID  `json:"sku_id"`
	Status         string `json:"status"`
	Note           string `json:"note"`
	RejectReason   string `json:"reject_reason,omitempty"`
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	// OrderID is the zero-price order the sample ships as, once approved: the
	// seller packs and ships it like any order, and the sample follows its state.
	OrderID id.ID `json:"order_id,omitempty"`
	// ShipTo is where the sample goes, given with the request.
	ShipTo order.Address `json:"ship_to"`
	// ContentDays is how many days after delivery the content is due; ContentDueAt
	// is set when the order is delivered.
	ContentDays  int       `json:"content_days,omitempty"`
	ContentDueAt time.Time `json:"content_due_at,omitzero"`
	ContentRef   string    `json:"content_ref,omitempty"`
	RequestedAt  time.Time `json:"requested_at"`
	ShippedAt    time.Time `json:"shipped_at,omitzero"`
	DeliveredAt  time.Time `json:"delivered_at,omitzero"`
	FulfilledAt  time.Time `json:"fulfilled_at,omitzero"`
	// ContentOverdue is true when the sample arrived (or is on its way) and the
	// content is past its due date.
	ContentOverdue bool `json:"content_overdue"`
}

// SampleInput is a creator's request for a sample.
type SampleInput struct {
	ProductID id.ID  `json:"product_id"`
	SKUID     id.ID  `json:"sku_id"` // 0: the product's first SKU
	Note      string `json:"note"`
	// ShippingAddress is where to send it; nil: the creator's sample address
	// (SetSampleAddress).
	ShippingAddress *order.Address `json:"shipping_address,omitempty"`
}

var errNoSampleAddress = errs.New(errs.Invalid, "sample_address_missing", "say where the sample should go: add your sample address").OnField("shipping_address")

// SetSampleAddress keeps the address the creator's samples are sent to unless a
// request names another. It must be in the creator's market.
func (s *Service) SetSampleAddress(ctx context.Context, actor auth.Actor, addr order.Address) (order.Address, error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return order.Address{}, err
	}
	addr = trimAddress(addr)
	if addr.Country == "" {
		addr.Country = c.Market
	}
	if err := addr.Validate(c.Market); err != nil {
		return order.Address{}, err
	}
	b, _ := json.Marshal(addr)
	if _, err := s.db.ExecContext(ctx, `UPDATE creators SET sample_address = $1 WHERE id = $2`, string(b), c.ID); err != nil {
		return order.Address{}, fmt.Errorf("creator: sample address: %w", err)
	}
	return addr, nil
}

// SampleAddress is the actor's sample address; ok is false when none is kept.
func (s *Service) SampleAddress(ctx context.Context, actor auth.Actor) (addr order.Address, ok bool, err error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return order.Address{}, false, err
	}
	return s.sampleAddress(ctx, c.ID)
}

func (s *Service) sampleAddress(ctx context.Context, creatorID id.ID) (order.Address, bool, error) {
	var raw string
	if err := s.db.QueryRowContext(ctx, `SELECT sample_address FROM creators WHERE id = $1`, creatorID).Scan(&raw); err != nil {
		return order.Address{}, false, fmt.Errorf("creator: sample address: %w", err)
	}
	if raw == "" {
		return order.Address{}, false, nil
	}
	var a order.Address
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		return order.Address{}, false, fmt.Errorf("creator: sample address: %w", err)
	}
	return a, true, nil
}

func trimAddress(a order.Address) order.Address {
	for _, f := range []*string{&a.Name, &a.Line1, &a.Line2, &a.City, &a.Region, &a.PostalCode, &a.Country, &a.Phone} {
		*f = strings.TrimSpace(*f)
	}
	a.Country = strings.ToUpper(a.Country)
	return a
}

var errOpenSample = errs.New(errs.Conflict, "sample_already_requested", "you already have an open sample request for this product").OnField("product_id")

// RequestSample asks a seller for a free sample of a product the creator may sell
// under a collaboration that offers samples (an open one with free samples, or a
// target plan the creator accepted). One open request per product.
func (s *Service) RequestSample(ctx context.Context, actor auth.Actor, in SampleInput) (Sample, error) {
	c, err := s.RequireSeller(ctx, actor)
	if err != nil {
		return Sample{}, err
	}
	if in.ProductID == 0 {
		return Sample{}, errs.Invalidf("product_id", "choose a product")
	}
	p, err := s.catalog.Product(ctx, in.ProductID)
	if err != nil {
		return Sample{}, errs.OnField(err, "product_id")
	}
	if p.Market != c.Market {
		return Sample{}, ErrWrongMarket
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 500 {
		return Sample{}, errs.Invalidf("note", "a note is at most 500 characters")
	}
	sku := id.ID(0)
	for _, k := range p.SKUs {
		if in.SKUID == 0 || k.ID == in.SKUID {
			sku = k.ID
			break
		}
	}
	if sku == 0 {
		return Sample{}, errs.Invalidf("sku_id", "not a SKU of %q", p.Title)
	}
	r, err := s.rateFor(ctx, s.db, c.ID, p.ID, false)
	if err != nil {
		return Sample{}, errs.OnField(err, "product_id")
	}
	if r.PlanID == 0 {
		o, _, err := s.Offer(ctx, p.ID)
		if err != nil {
			return Sample{}, err
		}
		if !o.FreeSamples {
			return Sample{}, errs.New(errs.Rule, "no_free_samples", "the seller does not give samples of this product").With("the seller does not give samples of %q", p.Title).OnField("product_id")
		}
	}
	var shipTo order.Address
	if in.ShippingAddress != nil {
		shipTo = trimAddress(*in.ShippingAddress)
		if shipTo.Country == "" {
			shipTo.Country = c.Market
		}
		if err := shipTo.Validate(c.Market); err != nil {
			return Sample{}, err
		}
	} else {
		var ok bool
		if shipTo, ok, err = s.sampleAddress(ctx, c.ID); err != nil {
			return Sample{}, err
		} else if !ok {
			return Sample{}, errNoSampleAddress
		}
	}
	smp := Sample{ID: id.New(), CreatorID: c.ID, Handle: c.Handle, ShopID: p.ShopID, ProductID: p.ID, Title: p.Title, SKUID: sku,
		Status: SampleRequested, Note: in.Note, ShipTo: shipTo, RequestedAt: s.now().UTC()}
	shipJSON, _ := json.Marshal(shipTo)
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM samples WHERE creator_id = $1 AND product_id = $2 AND status IN ($3, $4, $5)`,
			c.ID, p.ID, SampleRequested, SampleApproved, SampleShipped).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return errOpenSample
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO samples (id, creator_id, shop_id, product_id, sku_id, status, note, requested_at, ship_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			smp.ID, smp.CreatorID, smp.ShopID, smp.ProductID, smp.SKUID, smp.Status, smp.Note, db.Micros(smp.RequestedAt), string(shipJSON))
		return err
	})
	if err != nil {
		if errs.As(err) != nil {
			return Sample{}, err
		}
		return Sample{}, fmt.Errorf("creator: request sample: %w", err)
	}
	return smp, nil
}

// SampleDecision is a seller's answer to a sample request.
type SampleDecision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"` // required to reject
	// ContentDays is required to approve: the content is due this many days after
	// the sample is delivered (1-90).
	ContentDays int `json:"content_days"`
}

// MaxContentDays bounds how long after delivery a seller may give for the content.
const MaxContentDays = 90

var errNoOrders = errs.New(errs.Unavailable, "samples_unavailable", "samples cannot ship right now: orders are not available")

// DecideSample approves or rejects a request, for the shop's seller. Approval places
// the sample's zero-price order (order.PlaceSampleOrder: the stock is taken, the
// order waits in the shop's orders to be packed and shipped) in the transaction that
// marks the sample approved; when the stock or the address refuses it, the request
// stays as it was. Rejection creates nothing.
func (s *Service) DecideSample(ctx context.Context, actor auth.Actor, sampleID id.ID, in SampleDecision) (Sample, error) {
	smp, err := s.sampleForSeller(ctx, actor, sampleID)
	if err != nil {
		return Sample{}, err
	}
	now := s.now().UTC()
	if !in.Approve {
		in.Reason = strings.TrimSpace(in.Reason)
		if n := utf8.RuneCountInString(in.Reason); n < 3 || n > 300 {
			return Sample{}, errs.Invalidf("reason", "say why in 3-300 characters")
		}
		return s.moveSample(ctx, smp, SampleRequested, SampleRejected, `decided_at = $1, reject_reason = $2`, db.Micros(now), in.Reason)
	}
	if in.ContentDays < 1 || in.ContentDays > MaxContentDays {
		return Sample{}, errs.Invalidf("content_days", "content is due 1-%d days after the sample arrives", MaxContentDays)
	}
	if smp.Status != SampleRequested {
		return Sample{}, ErrSampleState.With("the sample request is %s; this needs it %s", smp.Status, SampleRequested)
	}
	if smp.ShipTo.Line1 == "" {
		return Sample{}, errNoSampleAddress.With("the request has no address to send the sample to; the creator may request it again")
	}
	if s.orders == nil {
		return Sample{}, errNoOrders
	}
	c, err := s.Creator(ctx, smp.CreatorID)
	if err != nil {
		return Sample{}, err
	}
	_, err = s.orders.PlaceSampleOrder(ctx, order.SampleOrderInput{SampleID: smp.ID, BuyerID: c.AccountID, BuyerName: c.DisplayName,
		SKUID: smp.SKUID, Quantity: 1, ShippingAddress: smp.ShipTo}, func(tx *db.Tx, o order.Order) error {
		res, err := tx.ExecContext(ctx, `UPDATE samples SET status = $1, decided_at = $2, content_days = $3, order_id = $4 WHERE id = $5 AND status = $6`,
			SampleApproved, db.Micros(now), in.ContentDays, o.ID, smp.ID, SampleRequested)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrSampleState.With("the sample request was answered meanwhile")
		}
		return nil
	})
	if err != nil {
		return Sample{}, err
	}
	return s.sample(ctx, smp.ID)
}

// FulfilSample records the content the creator published for the sample: a live
// session or video id, or its address.
func (s *Service) FulfilSample(ctx context.Context, actor auth.Actor, sampleID id.ID, contentRef string) (Sample, error) {
	smp, err := s.sampleForCreator(ctx, actor, sampleID)
	if err != nil {
		return Sample{}, err
	}
	contentRef = strings.TrimSpace(contentRef)
	if n := len(contentRef); n < 3 || n > 300 {
		return Sample{}, errs.Invalidf("content_ref", "link the video or live you published (3-300 characters)")
	}
	now := db.Micros(s.now())
	if smp.Status == SampleShipped { // fulfilling implies it arrived
		return s.moveSample(ctx, smp, SampleShipped, SampleFulfilled, `fulfilled_at = $1, content_ref = $2, delivered_at = $1`, now, contentRef)
	}
	return s.moveSample(ctx, smp, SampleDelivered, SampleFulfilled, `fulfilled_at = $1, content_ref = $2`, now, contentRef)
}

// moveSample changes a sample from one state to another, setting more columns
// ($1... in set, with args), and refuses when it is not in from.
func (s *Service) moveSample(ctx context.Context, smp Sample, from, to, set string, args ...any) (Sample, error) {
	n := len(args)
	args = append(args, to, smp.ID, from)
	res, err := s.db.ExecContext(ctx, fmt.Sprintf(`UPDATE samples SET %s, status = $%d WHERE id = $%d AND status = $%d`, set, n+1, n+2, n+3), args...)
	if err != nil {
		return Sample{}, fmt.Errorf("creator: sample %s: %w", to, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return Sample{}, ErrSampleState.With("the sample request is %s; this needs it %s", smp.Status, from)
	}
	return s.sample(ctx, smp.ID)
}

const sampleColumns = `sm.id, sm.creator_id, c.handle, sm.shop_id, sm.product_id, p.title, sm.sku_id, sm.status, sm.note, sm.reject_reason, sm.carrier,
	sm.tracking_number, sm.content_due_at, sm.content_ref, sm.requested_at, sm.shipped_at, sm.fulfilled_at, sm.order_id, sm.ship_to,
	sm.content_days, sm.delivered_at
	FROM samples sm JOIN creators c ON c.id = sm.creator_id JOIN products p ON p.id = sm.product_id`

func (s *Service) samples(ctx context.Context, where string, args ...any) ([]Sample, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sampleColumns+` `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("creator: samples: %w", err)
	}
	defer rows.Close()
	now := s.now()
	var out []Sample
	for rows.Next() {
		var m Sample
		var due, req, shipped, fulfilled, delivered int64
		var shipTo string
		if err := rows.Scan(&m.ID, &m.CreatorID, &m.Handle, &m.ShopID, &m.ProductID, &m.Title, &m.SKUID, &m.Status, &m.Note, &m.RejectReason, &m.Carrier,
			&m.TrackingNumber, &due, &m.ContentRef, &req, &shipped, &fulfilled, &m.OrderID, &shipTo, &m.ContentDays, &delivered); err != nil {
			return nil, err
		}
		if shipTo != "" {
			if err := json.Unmarshal([]byte(shipTo), &m.ShipTo); err != nil {
				return nil, fmt.Errorf("creator: sample %s address: %w", m.ID, err)
			}
		}
		if delivered > 0 {
			m.DeliveredAt = db.Time(delivered)
		}
		m.RequestedAt = db.Time(req)
		if due > 0 {
			m.ContentDueAt = db.Time(due)
		}
		if shipped > 0 {
			m.ShippedAt = db.Time(shipped)
		}
		if fulfilled > 0 {
			m.FulfilledAt = db.Time(fulfilled)
		}
		m.ContentOverdue = (m.Status == SampleShipped || m.Status == SampleDelivered || m.Status == SampleApproved) && due > 0 && now.After(m.ContentDueAt)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Service) sample(ctx context.Context, sampleID id.ID) (Sample, error) {
	ms, err := s.samples(ctx, `WHERE sm.id = $1`, sampleID)
	if err != nil {
		return Sample{}, err
	}
	if len(ms) == 0 {
		return Sample{}, ErrSampleNotFound
	}
	return ms[0], nil
}

func (s *Service) sampleForSeller(ctx context.Context, actor auth.Actor, sampleID id.ID) (Sample, error) {
	smp, err := s.sample(ctx, sampleID)
	if err != nil {
		return Sample{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, smp.ShopID); err != nil {
		return Sample{}, err
	}
	return smp, nil
}

func (s *Service) sampleForCreator(ctx context.Context, actor auth.Actor, sampleID id.ID) (Sample, error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return Sample{}, err
	}
	smp, err := s.sample(ctx, sampleID)
	if errors.Is(err, ErrSampleNotFound) || (err == nil && smp.CreatorID != c.ID) {
		return Sample{}, ErrSampleNotFound
	}
	return smp, err
}

// MySamples lists the actor's sample requests, newest first.
func (s *Service) MySamples(ctx context.Context, actor auth.Actor) ([]Sample, error) {
	c, err := s.mine(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.samples(ctx, `WHERE sm.creator_id = $1 ORDER BY sm.id DESC`, c.ID)
}

// ShopSamples lists a shop's sample requests in a state ("" for all), newest
// first, for its seller.
func (s *Service) ShopSamples(ctx context.Context, actor auth.Actor, shopID id.ID, status string) ([]Sample, error) {
	if _, err := s.sellers.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return s.samples(ctx, `WHERE sm.shop_id = $1 AND ($2 = '' OR sm.status = $2) ORDER BY sm.id DESC`, shopID, status)
}
