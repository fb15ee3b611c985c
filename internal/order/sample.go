package order

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
)

// SourceSample marks every line of a sample order (events.SourceSample).
const SourceSample Source = events.SourceSample

// IsSample reports whether the order is a creator's free sample rather than a sale.
func (o Order) IsSample() bool { return len(o.Lines) > 0 && o.Lines[0].Source == SourceSample }

// Validate checks a shipping address for an order in market, naming the field at
// fault (shipping_address.city, ...), as checkout does.
func (a Address) Validate(market string) error { return a.validate(market) }

// SampleOrderInput is the order an approved creator sample ships as.
type SampleOrderInput struct {
	SampleID        id.ID // the creator domain's sample: one order per sample, ever
	BuyerID         id.ID // the creator's account
	BuyerName       string
	SKUID           id.ID
	Quantity        int64
	ShippingAddress Address
}

// PlaceSampleOrder creates the zero-price order a creator's approved sample ships as:
// one line at the SKU with unit price 0 and source SAMPLE, no shipping fee, no
// promotion and no payment. It takes the stock as any order does (reserved, then
// sold) and goes straight to awaiting shipment with the market's dispatch deadline
// (no hold window: the seller decided to send it), so the seller packs, ships and
// tracks it like any order, and the carrier's delivery completes it. It announces
// order.paid like a checkout paid in full; consumers that count sales or book money
// skip sample orders (events.Order.IsSample).
//
// A sample does not take one of the shop's daily order slots
// (seller.TakeDailyOrderSlot): the cap limits how many buyers a new shop takes on,
// and a sample is the seller's own choice to send, approved one at a time.
//
// within runs in the same transaction with the new order, so the caller's record of
// the sample commits with it or not at all. The order's checkout row carries the
// idempotency key "sample:<id>", so a sample can never become two orders.
func (s *Service) PlaceSampleOrder(ctx context.Context, in SampleOrderInput, within func(tx *db.Tx, o Order) error) (Order, error) {
	if in.Quantity < 1 || in.Quantity > MaxQuantity {
		return Order{}, errs.Invalidf("quantity", "quantity must be 1-%d", MaxQuantity)
	}
	it, err := s.catalog.ItemForSale(ctx, s.db, in.SKUID)
	if err != nil {
		return Order{}, errs.OnField(err, "sku_id")
	}
	m, err := s.markets.Market(ctx, it.Market)
	if err != nil {
		return Order{}, err
	}
	if err := in.ShippingAddress.validate(m.Code); err != nil {
		return Order{}, err
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, m.Code, now)
	if err != nil {
		return Order{}, err
	}
	checkoutID := id.New()
	po := promo.OrderOut{ShopID: it.ShopID, Lines: []promo.LineOut{{SKUID: it.ID, ProductID: it.ProductID, Quantity: in.Quantity}}}
	o := buildOrder(checkoutID, in.BuyerID, m, in.ShippingAddress, now, po, func(promo.LineOut) (catalog.Item, Attribution) {
		return it, Attribution{Source: SourceSample}
	})
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if err := s.catalog.Reserve(ctx, tx, it.ID, in.Quantity); err != nil {
			return errs.OnField(err, "quantity")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, market, currency, total, status, created_at)
			VALUES ($1, $2, $3, 'sample', $4, $5, 0, 'paid', $6)`, checkoutID, in.BuyerID, "sample:"+in.SampleID.String(), m.Code, m.Currency, db.Micros(now)); err != nil {
			if db.IsUniqueViolation(err) {
				return ErrSampleOrdered
			}
			return err
		}
		if err := insertOrder(ctx, tx, o); err != nil {
			return err
		}
		// What markPaid does for a payment, without the hold window or a payment.
		if err := s.toShipment(ctx, tx, o, now, pol); err != nil {
			return err
		}
		if err := s.catalog.Commit(ctx, tx, it.ID, in.Quantity); err != nil {
			return err
		}
		if err := addStep(ctx, tx, o.ID, Step{Status: o.Status, At: now, Note: "free sample for a creator: nothing to pay"}); err != nil {
			return err
		}
		if err := s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderPaid{Order: o.snapshot(), BuyerName: publicName(in.BuyerName), At: now}); err != nil {
			return err
		}
		if within != nil {
			return within(tx, *o)
		}
		return nil
	})
	if err != nil {
		if errs.As(err) != nil {
			return Order{}, err
		}
		return Order{}, fmt.Errorf("order: sample order: %w", err)
	}
	return *o, nil
}

// ErrSampleOrdered refuses a second order for one sample.
var ErrSampleOrdered = errs.New(errs.Conflict, "sample_already_ordered", "this sample already has its order")
