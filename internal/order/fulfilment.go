package order

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Fulfilment is by packages. A package holds some or all units of one or more orders
// of one shop for one buyer: an order can be split over packages, and orders can be
// combined into one. An order's status follows its packages: partly shipped while some
// units wait, awaiting collection until every package is picked up, in transit until
// every package is delivered, then delivered.

// Carrier books parcels. Tracking events arrive from the carrier (the sandbox carrier
// makes its own on a schedule; others are reported through CarrierEvent).
type Carrier interface {
	// Book registers a parcel and returns its tracking number, or the one the seller
	// gave if the carrier has none of its own.
	Book(ctx context.Context, p Package, tracking string) (string, error)
}

// Carrier names.
const (
	SandboxCarrierName = "sandbox"
	ManualCarrier      = "manual" // the seller books elsewhere and enters the tracking number
)

// SandboxCarrier is the built-in simulated carrier: it issues tracking numbers and
// collects a parcel PickupAfter it is shipped and delivers it DeliverAfter.
type SandboxCarrier struct {
	PickupAfter  time.Duration
	DeliverAfter time.Duration
}

// Book implements Carrier.
func (*SandboxCarrier) Book(context.Context, Package, string) (string, error) {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e12))
	return fmt.Sprintf("SBX%012d", n.Int64()), nil
}

type manual struct{}

func (manual) Book(_ context.Context, _ Package, tracking string) (string, error) {
	if strings.TrimSpace(tracking) == "" {
		return "", errs.Invalidf("tracking_number", "give the carrier's tracking number")
	}
	return strings.TrimSpace(tracking), nil
}

// Package states.
const (
	PackageAwaitingCollection = "awaiting_collection"
	PackageInTransit          = "in_transit"
	PackageDelivered          = "delivered"
)

// Package is a parcel.
type Package struct {
	ID             id.ID          `json:"id"`
	ShopID         id.ID          `json:"shop_id"`
	BuyerID        id.ID          `json:"buyer_id"`
	Carrier        string         `json:"carrier"`
	TrackingNumber string         `json:"tracking_number"`
	Status         string         `json:"status"`
	ShippedAt      time.Time      `json:"shipped_at"`
	PickedUpAt     time.Time      `json:"picked_up_at,omitzero"`
	DeliveredAt    time.Time      `json:"delivered_at,omitzero"`
	Items          []PackageItem  `json:"items"`
	Events         []PackageEvent `json:"events,omitempty"`
}

// PackageItem is some units of an order line in a package.
type PackageItem struct {
	OrderID  id.ID `json:"order_id"`
	LineID   id.ID `json:"line_id"`
	Quantity int64 `json:"quantity"`
}

// PackageEvent is a tracking event.
type PackageEvent struct {
	Status string    `json:"status"`
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

func packagesOf(ctx context.Context, q db.Querier, orderID id.ID) ([]Package, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.shop_id, p.buyer_id, p.carrier, p.tracking_number, p.status, p.shipped_at, p.picked_up_at, p.delivered_at
		FROM packages p WHERE p.id IN (SELECT package_id FROM package_items WHERE order_id = $1) ORDER BY p.id`, orderID)
	if err != nil {
		return nil, err
	}
	var out []Package
	for rows.Next() {
		var p Package
		var shipped, picked, delivered int64
		if err := rows.Scan(&p.ID, &p.ShopID, &p.BuyerID, &p.Carrier, &p.TrackingNumber, &p.Status, &shipped, &picked, &delivered); err != nil {
			rows.Close()
			return nil, err
		}
		p.ShippedAt, p.PickedUpAt, p.DeliveredAt = db.Time(shipped), db.Time(picked), db.Time(delivered)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		irows, err := q.QueryContext(ctx, `SELECT order_id, order_line_id, quantity FROM package_items WHERE package_id = $1 ORDER BY order_line_id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for irows.Next() {
			var it PackageItem
			if err := irows.Scan(&it.OrderID, &it.LineID, &it.Quantity); err != nil {
				irows.Close()
				return nil, err
			}
			out[i].Items = append(out[i].Items, it)
		}
		irows.Close()
		erows, err := q.QueryContext(ctx, `SELECT status, note, at FROM package_events WHERE package_id = $1 ORDER BY id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for erows.Next() {
			var e PackageEvent
			var at int64
			if err := erows.Scan(&e.Status, &e.Note, &at); err != nil {
				erows.Close()
				return nil, err
			}
			e.At = db.Time(at)
			out[i].Events = append(out[i].Events, e)
		}
		erows.Close()
	}
	return out, nil
}

// ShipInput says how to ship an order: with which carrier, under which tracking
// number (the sandbox carrier issues its own), and which units (all that remain when
// Items is empty).
type ShipInput struct {
	Carrier        string        `json:"carrier"`
	TrackingNumber string        `json:"tracking_number"`
	Items          []PackageItem `json:"items"`
	// WarehouseID is where the units leave from; zero lets the catalogue choose (the
	// shop's default warehouse, else the one holding the most).
	WarehouseID id.ID `json:"warehouse_id,omitempty"`
}

// Ship puts an order's units (all that remain unless in.Items names some) in a package.
func (s *Service) Ship(ctx context.Context, actor auth.Actor, orderID id.ID, in ShipInput) (Order, error) {
	if len(in.Items) == 0 {
		o, err := loadOrder(ctx, s.db, orderID, false)
		if err != nil {
			return Order{}, err
		}
		for _, l := range o.Lines {
			if left := l.Quantity - l.ShippedQuantity; left > 0 {
				in.Items = append(in.Items, PackageItem{OrderID: orderID, LineID: l.ID, Quantity: left})
			}
		}
		if len(in.Items) == 0 {
			return Order{}, ErrNothingToShip
		}
	}
	for i := range in.Items {
		if in.Items[i].OrderID == 0 {
			in.Items[i].OrderID = orderID
		}
	}
	if _, err := s.ShipPackage(ctx, actor, in); err != nil {
		return Order{}, err
	}
	return loadOrder(ctx, s.db, orderID, true)
}

// ShipPackage books one package holding the given units, which may come from several
// orders of one shop for one buyer at one address. Each order moves to partly shipped
// or, once every unit has left, awaiting collection; leaving after the dispatch
// deadline is recorded as a late dispatch.
func (s *Service) ShipPackage(ctx context.Context, actor auth.Actor, in ShipInput) (Package, error) {
	if len(in.Items) == 0 || len(in.Items) > 200 {
		return Package{}, errs.Invalidf("items", "a package holds 1-200 lines")
	}
	carrierName := strings.TrimSpace(in.Carrier)
	if carrierName == "" {
		carrierName = SandboxCarrierName
	}
	carrier, ok := s.Carriers[carrierName]
	if !ok {
		return Package{}, ErrUnknownCarrier.With("unknown carrier %q; use sandbox or manual", carrierName)
	}
	if len(in.TrackingNumber) > 64 {
		return Package{}, errs.Invalidf("tracking_number", "a tracking number is at most 64 characters")
	}
	// Authorise and check the mix before the transaction (other domains' reads).
	orders := map[id.ID]Order{}
	var first Order
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		if it.Quantity < 1 {
			return Package{}, errs.Invalidf(f+".quantity", "ship at least one unit")
		}
		o, ok := orders[it.OrderID]
		if !ok {
			var err error
			if o, err = loadOrder(ctx, s.db, it.OrderID, false); err != nil {
				return Package{}, errs.OnField(err, f+".order_id")
			}
			if err := s.sellerOf(ctx, actor)(o); err != nil {
				return Package{}, errs.OnField(err, f+".order_id")
			}
			orders[o.ID] = o
		}
		if first.ID == 0 {
			first = o
		} else if o.ShopID != first.ShopID || o.BuyerID != first.BuyerID || o.ShippingAddress != first.ShippingAddress {
			return Package{}, ErrPackageMix
		}
	}
	pkg := Package{ID: id.New(), ShopID: first.ShopID, BuyerID: first.BuyerID, Carrier: carrierName, Status: PackageAwaitingCollection, Items: in.Items}
	tracking, err := carrier.Book(ctx, pkg, in.TrackingNumber)
	if err != nil {
		return Package{}, err
	}
	pkg.TrackingNumber = tracking
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		pkg.ShippedAt = now
		if _, err := tx.ExecContext(ctx, `INSERT INTO packages (id, shop_id, buyer_id, carrier, tracking_number, status, shipped_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			pkg.ID, pkg.ShopID, pkg.BuyerID, pkg.Carrier, pkg.TrackingNumber, pkg.Status, db.Micros(now)); err != nil {
			return err
		}
		for i, it := range in.Items {
			f := fmt.Sprintf("items[%d]", i)
			res, err := tx.ExecContext(ctx, `UPDATE order_lines SET shipped_qty = shipped_qty + $1 WHERE id = $2 AND order_id = $3 AND shipped_qty + $1 <= quantity`,
				it.Quantity, it.LineID, it.OrderID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Invalidf(f+".quantity", "line %s of order %s has fewer units left to ship", it.LineID, it.OrderID)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO package_items (package_id, order_id, order_line_id, quantity) VALUES ($1, $2, $3, $4)`,
				pkg.ID, it.OrderID, it.LineID, it.Quantity); err != nil {
				return fmt.Errorf("order: package item (each line once per package): %w", err)
			}
		}
		// The units leave a warehouse (sellable stock already went down at checkout).
		units := map[id.ID]int64{}
		for _, it := range in.Items {
			for _, l := range orders[it.OrderID].Lines {
				if l.ID == it.LineID {
					units[l.SKUID] += it.Quantity
				}
			}
		}
		if err := s.catalog.Dispatch(ctx, tx, pkg.ShopID, in.WarehouseID, pkg.ID, actor.AccountID, units); err != nil {
			return err
		}
		if err := addPackageEvent(ctx, tx, pkg.ID, PackageAwaitingCollection, "booked with "+carrierName+", tracking "+tracking, now); err != nil {
			return err
		}
		for oid := range orders {
			if err := s.afterShipping(ctx, tx, oid, actor.AccountID, pkg, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Package{}, err
	}
	return pkg, nil
}

func addPackageEvent(ctx context.Context, tx *db.Tx, pkgID id.ID, status, note string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO package_events (id, package_id, status, note, at) VALUES ($1, $2, $3, $4, $5)`, id.New(), pkgID, status, note, db.Micros(at))
	return err
}

// afterShipping moves an order after units of it left in pkg: partly shipped, or,
// once every unit has left, awaiting collection (announcing order.shipped).
func (s *Service) afterShipping(ctx context.Context, tx *db.Tx, orderID, actorID id.ID, pkg Package, now time.Time) error {
	o, err := loadOrder(ctx, tx, orderID, false)
	if err != nil {
		return err
	}
	if o.Status != AwaitingShipment && o.Status != PartiallyShipping {
		return ErrBadTransition.With("order %s is %s and cannot ship", o.ID, o.Status.Label())
	}
	if err := s.closeCancelRequests(ctx, tx, o.ID, actorID, now); err != nil {
		return err
	}
	all := true
	for _, l := range o.Lines {
		all = all && l.ShippedQuantity >= l.Quantity
	}
	if !all {
		if o.Status == AwaitingShipment {
			if err := moveStatus(ctx, tx, &o, PartiallyShipping, now, ""); err != nil {
				return err
			}
		}
		return addStep(ctx, tx, o.ID, Step{Status: o.Status, At: now, ActorID: actorID, Note: "some units shipped with " + pkg.Carrier + ", tracking " + pkg.TrackingNumber})
	}
	late := !o.DispatchDueAt.IsZero() && now.After(o.DispatchDueAt)
	if err := moveStatus(ctx, tx, &o, AwaitingCollection, now, "carrier = $5, tracking_number = $6, late_dispatch = $7", pkg.Carrier, pkg.TrackingNumber, late); err != nil {
		return err
	}
	o.Carrier, o.TrackingNumber, o.LateDispatch = pkg.Carrier, pkg.TrackingNumber, late
	note := "shipped with " + pkg.Carrier + ", tracking " + pkg.TrackingNumber
	if late {
		note += " (after the dispatch deadline)"
	}
	if err := addStep(ctx, tx, o.ID, Step{Status: AwaitingCollection, At: now, ActorID: actorID, Note: note}); err != nil {
		return err
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderShipped{Order: o.snapshot(), Carrier: pkg.Carrier,
		TrackingNumber: pkg.TrackingNumber, DispatchDue: o.DispatchDueAt, Late: late, At: now})
}

// Carrier events a carrier (or an operator on its behalf) can report.
const (
	CarrierPickedUp  = "picked_up"
	CarrierDelivered = "delivered"
)

// CarrierEvent records a tracking event for every package of an order. Operators
// only, for carriers without an integration.
func (s *Service) CarrierEvent(ctx context.Context, actor auth.Actor, orderID id.ID, event string) (Order, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Order{}, err
	}
	if event != CarrierPickedUp && event != CarrierDelivered {
		return Order{}, errs.Invalidf("event", `event must be "picked_up" or "delivered"`)
	}
	pkgs, err := packagesOf(ctx, s.db, orderID)
	if err != nil {
		return Order{}, err
	}
	if len(pkgs) == 0 {
		if _, err := loadOrder(ctx, s.db, orderID, false); err != nil {
			return Order{}, err
		}
		return Order{}, ErrBadTransition.With("the order has not shipped")
	}
	for _, p := range pkgs {
		if err := s.track(ctx, p.ID, event, actor.AccountID); err != nil {
			return Order{}, err
		}
	}
	return loadOrder(ctx, s.db, orderID, true)
}

// track applies a tracking event to a package (a delivery implies the pickup) and moves
// the orders in it along.
func (s *Service) track(ctx context.Context, pkgID id.ID, event string, actorID id.ID) error {
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		now := s.now().UTC()
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM packages WHERE id = $1`+db.ForUpdate(tx), pkgID).Scan(&status); err != nil {
			return ErrPackageNotFound
		}
		if status == PackageDelivered || (status == PackageInTransit && event == CarrierPickedUp) {
			return nil // already there: carriers repeat themselves
		}
		if status == PackageAwaitingCollection {
			if _, err := tx.ExecContext(ctx, `UPDATE packages SET status = $1, picked_up_at = $2 WHERE id = $3`, PackageInTransit, db.Micros(now), pkgID); err != nil {
				return err
			}
			if err := addPackageEvent(ctx, tx, pkgID, PackageInTransit, "collected by the carrier", now); err != nil {
				return err
			}
		}
		if event == CarrierDelivered {
			if _, err := tx.ExecContext(ctx, `UPDATE packages SET status = $1, delivered_at = $2 WHERE id = $3`, PackageDelivered, db.Micros(now), pkgID); err != nil {
				return err
			}
			if err := addPackageEvent(ctx, tx, pkgID, PackageDelivered, "delivered", now); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT order_id FROM package_items WHERE package_id = $1`, pkgID)
		if err != nil {
			return err
		}
		var orderIDs []id.ID
		for rows.Next() {
			var oid id.ID
			if err := rows.Scan(&oid); err != nil {
				rows.Close()
				return err
			}
			orderIDs = append(orderIDs, oid)
		}
		rows.Close()
		for _, oid := range orderIDs {
			if err := s.followPackages(ctx, tx, oid, actorID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// followPackages moves a fully shipped order to match its packages: in transit once
// all are collected, delivered once all are delivered.
func (s *Service) followPackages(ctx context.Context, tx *db.Tx, orderID, actorID id.ID, now time.Time) error {
	o, err := loadOrder(ctx, tx, orderID, false)
	if err != nil {
		return err
	}
	if o.Status != AwaitingCollection && o.Status != InTransit {
		return nil // partly shipped orders wait for their last units
	}
	pkgs, err := packagesOf(ctx, tx, orderID)
	if err != nil {
		return err
	}
	allCollected, allDelivered := true, true
	for _, p := range pkgs {
		allCollected = allCollected && p.Status != PackageAwaitingCollection
		allDelivered = allDelivered && p.Status == PackageDelivered
	}
	if allCollected && o.Status == AwaitingCollection {
		if err := moveStatus(ctx, tx, &o, InTransit, now, ""); err != nil {
			return err
		}
		if err := addStep(ctx, tx, o.ID, Step{Status: InTransit, At: now, ActorID: actorID, Note: "collected by " + o.Carrier}); err != nil {
			return err
		}
	}
	if allDelivered && o.Status == InTransit {
		if err := moveStatus(ctx, tx, &o, Delivered, now, ""); err != nil {
			return err
		}
		if err := addStep(ctx, tx, o.ID, Step{Status: Delivered, At: now, ActorID: actorID, Note: "delivered"}); err != nil {
			return err
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("order", o.ID), events.OrderDelivered{Order: o.snapshot(), At: now})
	}
	return nil
}

// sandboxTracking moves the sandbox carrier's packages on its schedule.
func (s *Service) sandboxTracking(ctx context.Context, now time.Time) error {
	sb, ok := s.Carriers[SandboxCarrierName].(*SandboxCarrier)
	if !ok {
		return nil
	}
	for _, step := range []struct {
		status, event string
		after         time.Duration
	}{{PackageAwaitingCollection, CarrierPickedUp, sb.PickupAfter}, {PackageInTransit, CarrierDelivered, sb.DeliverAfter}} {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM packages WHERE status = $1 AND carrier = $2 AND shipped_at <= $3 ORDER BY id LIMIT 200`,
			step.status, SandboxCarrierName, db.Micros(now.Add(-step.after)))
		if err != nil {
			return err
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
			if err := s.track(ctx, pid, step.event, 0); err != nil {
				return err
			}
		}
	}
	return nil
}
