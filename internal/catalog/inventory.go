package catalog

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// Inventory per warehouse. A SKU's units on hand are counted per warehouse of its
// shop (sku_warehouse_stock). Checkout, the flash-sale writer and cancellations keep
// working on skus.stock alone (Reserve, Release, Restock), which stays
//
//	stock = sum(on_hand) - units reserved or sold and not yet dispatched
//
// because only three things change on_hand, each in the transaction that does it:
//
//   - a seller sets a warehouse's quantity: stock moves by the same delta, refused if
//     stock would go below zero (fewer units on hand than are sold and waiting). The
//     stock page sets units on hand (setOnHand); the Open API sets units available
//     (setAvailable), from which the units on hand follow;
//   - a package ships (Dispatch, from order.ShipPackage): its units leave a warehouse
//     and stock does not move (they were taken from it at checkout);
//   - a returned parcel is received (ReceiveReturned): its units go back into the
//     default warehouse and on sale.
//
// A SKU without any warehouse row (loaded in bulk by the catalogue benchmark) is not
// tracked per warehouse: its dispatches take nothing.
//
// Units sold and waiting are not bound to a warehouse until their package ships, so
// what a warehouse has available to sell is an estimate: Availability charges what is
// waiting to the warehouses the way PlanDispatch would ship it all at once
// (chargeWaiting), and Open API writes of available units use the same rule.

// Inventory errors.
var (
	// ErrBelowAwaiting refuses a warehouse quantity that would leave fewer units on
	// hand than buyers have bought (or reserved) and wait to receive.
	ErrBelowAwaiting = errs.New(errs.Rule, "stock_below_awaiting_dispatch", "the warehouses cannot hold fewer units than are sold and waiting for dispatch").OnField("quantity")
	// ErrWarehouseShort refuses a dispatch from a warehouse that does not hold the units.
	ErrWarehouseShort = errs.New(errs.Rule, "warehouse_stock_short", "the warehouse does not hold enough units for this package").OnField("warehouse_id")
	// ErrAvailableUnreachable refuses available quantities per warehouse that no
	// quantities on hand would show, given how waiting units are charged (setAvailable).
	ErrAvailableUnreachable = errs.New(errs.Rule, "inventory_unreachable", "no quantities on hand show these available quantities")
)

// WarehouseStock is how many units of a SKU one warehouse holds.
type WarehouseStock struct {
	Warehouse seller.Warehouse `json:"warehouse"`
	OnHand    int64            `json:"on_hand"`
}

// SKUInventory is a SKU with its units per warehouse of the shop (every warehouse,
// holding none or some). Awaiting is what buyers have bought or reserved and not yet
// received a package for: OnHand - Stock.
type SKUInventory struct {
	SKU
	OnHand     int64            `json:"on_hand"`
	Awaiting   int64            `json:"awaiting_dispatch"`
	Warehouses []WarehouseStock `json:"warehouses"`
}

// Inventory returns a product's SKUs with their stock per warehouse, for the seller
// who manages its shop.
func (s *Service) Inventory(ctx context.Context, actor auth.Actor, productID id.ID) (Product, []SKUInventory, error) {
	p, err := s.Product(ctx, productID)
	if err != nil {
		return Product{}, nil, err
	}
	whs, err := s.sellers.Warehouses(ctx, actor, p.ShopID)
	if err != nil {
		return Product{}, nil, err
	}
	held := map[[2]id.ID]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT s.sku_id, s.warehouse_id, s.on_hand FROM sku_warehouse_stock s
		JOIN skus k ON k.id = s.sku_id WHERE k.product_id = $1`, p.ID)
	if err != nil {
		return Product{}, nil, fmt.Errorf("catalog: inventory: %w", err)
	}
	for rows.Next() {
		var sku, wh id.ID
		var n int64
		if err := rows.Scan(&sku, &wh, &n); err != nil {
			rows.Close()
			return Product{}, nil, err
		}
		held[[2]id.ID{sku, wh}] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Product{}, nil, err
	}
	out := make([]SKUInventory, len(p.SKUs))
	for i, k := range p.SKUs {
		inv := SKUInventory{SKU: k}
		for _, w := range whs {
			n := held[[2]id.ID{k.ID, w.ID}]
			inv.OnHand += n
			inv.Warehouses = append(inv.Warehouses, WarehouseStock{Warehouse: w, OnHand: n})
		}
		inv.Awaiting = max(inv.OnHand-k.Stock, 0)
		out[i] = inv
	}
	return p, out, nil
}

// SetWarehouseStock sets how many units of a SKU a warehouse of its shop holds. The
// SKU's sellable stock moves by the same amount in the same transaction; a quantity
// that would leave fewer units on hand than are sold and waiting for dispatch is
// refused (ErrBelowAwaiting) and changes nothing.
func (s *Service) SetWarehouseStock(ctx context.Context, actor auth.Actor, skuID, warehouseID id.ID, qty int64) (SKU, error) {
	if qty < 0 || qty > MaxStock {
		return SKU{}, errs.Invalidf("quantity", "quantity must be 0-%d", MaxStock)
	}
	it, err := s.itemAnyStatus(ctx, skuID)
	if err != nil {
		return SKU{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, it.ShopID); err != nil {
		return SKU{}, err
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if _, err := seller.ShopWarehouse(ctx, tx, it.ShopID, warehouseID); err != nil {
			return err
		}
		return setOnHand(ctx, tx, skuID, warehouseID, qty, actor.AccountID, s.now().UTC())
	})
	if err != nil {
		return SKU{}, err
	}
	k, err := s.itemAnyStatus(ctx, skuID)
	return k.SKU, err
}

// SetStock sets a SKU's sellable stock, for sellers who keep one number: the
// difference goes into (or comes out of) the shop's default warehouse. Going down
// by more than the default warehouse holds is refused: the seller lowers the other
// warehouses by name.
func (s *Service) SetStock(ctx context.Context, actor auth.Actor, skuID id.ID, stock int64) (SKU, error) {
	if stock < 0 || stock > MaxStock {
		return SKU{}, errs.Invalidf("stock", "stock must be 0-%d", MaxStock)
	}
	it, err := s.itemAnyStatus(ctx, skuID)
	if err != nil {
		return SKU{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, it.ShopID); err != nil {
		return SKU{}, err
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		return setSellable(ctx, tx, it.ShopID, skuID, stock, actor.AccountID, s.now().UTC())
	})
	if err != nil {
		return SKU{}, err
	}
	it, err = s.itemAnyStatus(ctx, skuID)
	return it.SKU, err
}

// setSellable sets a SKU's sellable stock through the shop's default warehouse.
func setSellable(ctx context.Context, tx *db.Tx, shopID, skuID id.ID, stock int64, actorID id.ID, now time.Time) error {
	wh, err := defaultWarehouse(ctx, tx, shopID)
	if err != nil {
		return err
	}
	// The warehouse row first, then the SKU: the order setOnHand locks them in.
	old, err := lockOnHand(ctx, tx, skuID, wh.ID)
	if err != nil {
		return err
	}
	var cur int64
	if err := tx.QueryRowContext(ctx, `SELECT stock FROM skus WHERE id = $1`+db.ForUpdate(tx), skuID).Scan(&cur); err != nil {
		return fmt.Errorf("catalog: read stock: %w", err)
	}
	delta := stock - cur
	if delta == 0 {
		return nil
	}
	if old+delta < 0 {
		return ErrWarehouseShort.With("%s holds %d units, so the stock can go down by at most %d here (to %d); lower the other warehouses on the product's stock page",
			wh.Name, old, old, cur-old).OnField("stock")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE skus SET stock = $1, updated_at = $2 WHERE id = $3`, stock, db.Micros(now), skuID); err != nil {
		return fmt.Errorf("catalog: set stock: %w", err)
	}
	return putOnHand(ctx, tx, skuID, wh.ID, old+delta, delta, "set", 0, actorID, now)
}

// setOnHand sets a warehouse's quantity of a SKU and moves the SKU's sellable stock by
// the difference, refusing to go below what is sold and waiting.
func setOnHand(ctx context.Context, tx *db.Tx, skuID, warehouseID id.ID, qty int64, actorID id.ID, now time.Time) error {
	old, err := lockOnHand(ctx, tx, skuID, warehouseID)
	if err != nil {
		return err
	}
	delta := qty - old
	if delta == 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE skus SET stock = stock + $1, updated_at = $2 WHERE id = $3 AND stock + $1 >= 0`, delta, db.Micros(now), skuID)
	if err != nil {
		return fmt.Errorf("catalog: move stock: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var stock, onHand int64
		if err := tx.QueryRowContext(ctx, `SELECT k.stock, COALESCE((SELECT SUM(on_hand) FROM sku_warehouse_stock WHERE sku_id = k.id), 0) FROM skus k WHERE k.id = $1`,
			skuID).Scan(&stock, &onHand); errors.Is(err, sql.ErrNoRows) {
			return ErrSKUNotFound
		} else if err != nil {
			return err
		}
		return ErrBelowAwaiting.With("%d units are sold and wait for dispatch and the warehouses hold %d: this warehouse can go down to %d, not %d",
			onHand-stock, onHand, old-stock, qty)
	}
	return putOnHand(ctx, tx, skuID, warehouseID, qty, delta, "set", 0, actorID, now)
}

// setAvailable sets how many units of a SKU each named warehouse has available to
// sell, the Open API's meaning of a warehouse's quantity (what Availability reads):
// the warehouse then holds quantity + the units waiting for dispatch that
// chargeWaiting charges to it on the new holdings (planAvailable), other warehouses
// keep what they hold, and the SKU's sellable stock moves by the units put in or
// taken out. Writing back what Availability read changes nothing. field names the
// entries ("skus[0].inventory") in refusals, which change nothing: a warehouse that
// is not the shop's, or a quantity that with its charge would exceed MaxStock.
//
// Locks: the named warehouses (and the default) against removal, then every stock
// row of the SKU in warehouse order (as Dispatch does), then the SKU, so the waiting
// units are counted from rows nobody else is changing.
func setAvailable(ctx context.Context, tx *db.Tx, shopID, skuID id.ID, entries []WarehouseQuantity, field string, actorID id.ID, now time.Time) error {
	want := map[id.ID]int64{}
	entryOf := map[id.ID]int{}
	for j, e := range entries {
		f := fmt.Sprintf("%s[%d]", field, j)
		if _, dup := want[e.WarehouseID]; dup {
			return errs.Invalidf(f+".warehouse_id", "each warehouse once")
		}
		if e.Quantity < 0 || e.Quantity > MaxStock {
			return errs.Invalidf(f+".quantity", "quantity must be 0-%d", MaxStock)
		}
		if _, err := seller.ShopWarehouse(ctx, tx, shopID, e.WarehouseID); err != nil {
			return errs.OnField(err, f+".warehouse_id")
		}
		want[e.WarehouseID], entryOf[e.WarehouseID] = e.Quantity, j
	}
	def, err := defaultWarehouse(ctx, tx, shopID)
	if err != nil {
		return err
	}
	held := []id.ID{def.ID}
	for wh := range want {
		if wh != def.ID {
			held = append(held, wh)
		}
	}
	slices.Sort(held)
	for _, wh := range held {
		if err := seller.HoldWarehouse(ctx, tx, wh); err != nil {
			return errs.OnField(err, fmt.Sprintf("%s[%d].warehouse_id", field, entryOf[wh]))
		}
	}
	holdings, err := lockHoldings(ctx, tx, skuID)
	if err != nil {
		return err
	}
	var stock int64
	if err := tx.QueryRowContext(ctx, `SELECT stock FROM skus WHERE id = $1`+db.ForUpdate(tx), skuID).Scan(&stock); errors.Is(err, sql.ErrNoRows) {
		return ErrSKUNotFound
	} else if err != nil {
		return fmt.Errorf("catalog: read stock: %w", err)
	}
	stored := map[id.ID]int64{} // what the rows say
	for _, h := range holdings {
		stored[h.WarehouseID] = h.OnHand
	}
	if len(holdings) == 0 {
		// Not tracked per warehouse: Availability shows the sellable stock in the
		// default, so that is where this write starts from (and it gets its row).
		holdings = []Holding{{WarehouseID: def.ID, OnHand: max(stock, 0)}}
	}
	waiting := waitingOf(holdings, stock)
	next, ok := planAvailable(holdings, def.ID, waiting, want)
	if !ok {
		return ErrAvailableUnreachable.With("with %d units sold and waiting for dispatch, no quantities on hand show these available quantities; name the default warehouse too, or set fewer warehouses at once", waiting).OnField(field)
	}
	var delta int64 // what the sellable stock moves by: from what reads showed
	for _, h := range holdings {
		delta -= h.OnHand
	}
	for _, h := range next {
		if _, named := want[h.WarehouseID]; named && h.OnHand > MaxStock {
			charge := h.OnHand - want[h.WarehouseID]
			return errs.Invalidf(fmt.Sprintf("%s[%d].quantity", field, entryOf[h.WarehouseID]), "%d units sold and waiting are charged to this warehouse, so its quantity can be at most %d",
				charge, MaxStock-charge)
		}
		delta += h.OnHand
	}
	for _, h := range next {
		old, hasRow := stored[h.WarehouseID]
		if h.OnHand == old && hasRow {
			continue
		}
		if err := putOnHand(ctx, tx, skuID, h.WarehouseID, h.OnHand, h.OnHand-old, "set", 0, actorID, now); err != nil {
			return err
		}
	}
	if delta == 0 {
		return nil
	}
	if stock+delta < 0 { // cannot happen: every warehouse shows 0 or more
		return ErrBelowAwaiting.OnField(field)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE skus SET stock = stock + $1, updated_at = $2 WHERE id = $3`, delta, db.Micros(now), skuID); err != nil {
		return fmt.Errorf("catalog: move stock: %w", err)
	}
	return nil
}

// lockHoldings reads what each warehouse holds of a SKU, locking the rows in
// warehouse order on PostgreSQL: the one order Dispatch and setAvailable take them in.
func lockHoldings(ctx context.Context, tx *db.Tx, skuID id.ID) ([]Holding, error) {
	rows, err := tx.QueryContext(ctx, `SELECT warehouse_id, on_hand FROM sku_warehouse_stock WHERE sku_id = $1 ORDER BY warehouse_id`+db.ForUpdate(tx), skuID)
	if err != nil {
		return nil, fmt.Errorf("catalog: warehouse stock: %w", err)
	}
	defer rows.Close()
	var holdings []Holding
	for rows.Next() {
		var h Holding
		if err := rows.Scan(&h.WarehouseID, &h.OnHand); err != nil {
			return nil, err
		}
		holdings = append(holdings, h)
	}
	return holdings, rows.Err()
}

// lockOnHand reads a warehouse's quantity of a SKU (0 without a row), locking the row
// on PostgreSQL. Every path that puts units into a warehouse comes through here, so it
// first holds the warehouse against removal (seller.HoldWarehouse): the warehouse
// row, then the stock row, then the SKU is the lock order. A warehouse removed
// meanwhile is ErrWarehouseNotFound.
func lockOnHand(ctx context.Context, tx *db.Tx, skuID, warehouseID id.ID) (int64, error) {
	if err := seller.HoldWarehouse(ctx, tx, warehouseID); err != nil {
		return 0, err
	}
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT on_hand FROM sku_warehouse_stock WHERE sku_id = $1 AND warehouse_id = $2`+db.ForUpdate(tx), skuID, warehouseID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("catalog: read warehouse stock: %w", err)
	}
	return n, nil
}

// putOnHand writes a warehouse's new quantity of a SKU and records the movement.
func putOnHand(ctx context.Context, tx *db.Tx, skuID, warehouseID id.ID, qty, delta int64, reason string, ref, actorID id.ID, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO sku_warehouse_stock (sku_id, warehouse_id, on_hand, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sku_id, warehouse_id) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at`,
		skuID, warehouseID, qty, db.Micros(now)); err != nil {
		return fmt.Errorf("catalog: write warehouse stock: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO stock_movements (id, sku_id, warehouse_id, delta, on_hand, reason, ref_id, actor_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id.New(), skuID, warehouseID, delta, qty, reason, ref, actorID, db.Micros(now))
	return err
}

func defaultWarehouse(ctx context.Context, q db.Querier, shopID id.ID) (seller.Warehouse, error) {
	whs, err := seller.ShopWarehouses(ctx, q, shopID)
	if err != nil {
		return seller.Warehouse{}, err
	}
	if len(whs) == 0 || !whs[0].Default {
		return seller.Warehouse{}, fmt.Errorf("catalog: shop %s has no default warehouse", shopID)
	}
	return whs[0], nil
}

// Holding is what one warehouse holds of a SKU, as Dispatch chooses from.
type Holding struct {
	WarehouseID id.ID
	OnHand      int64
}

// Take is units of a SKU leaving one warehouse.
type Take struct {
	WarehouseID id.ID
	Units       int64
}

// PlanDispatch decides which warehouses qty units of one SKU leave from. The
// seller's choice (chosen, when not zero) must hold them all. Otherwise the default
// warehouse ships them if it holds them all, else the warehouse holding the most if
// it does, else the warehouses holding the most are emptied in turn. Fewer units on
// hand than qty in all is ErrWarehouseShort.
func PlanDispatch(holdings []Holding, defaultID, chosen id.ID, qty int64) ([]Take, error) {
	held := func(wh id.ID) int64 {
		for _, h := range holdings {
			if h.WarehouseID == wh {
				return h.OnHand
			}
		}
		return 0
	}
	if chosen != 0 {
		if n := held(chosen); n < qty {
			return nil, ErrWarehouseShort.With("the warehouse holds %d of the %d units", n, qty)
		}
		return []Take{{chosen, qty}}, nil
	}
	if held(defaultID) >= qty {
		return []Take{{defaultID, qty}}, nil
	}
	byMost := slices.Clone(holdings)
	slices.SortStableFunc(byMost, func(a, b Holding) int {
		return cmp.Or(cmp.Compare(b.OnHand, a.OnHand), cmp.Compare(a.WarehouseID, b.WarehouseID))
	})
	var out []Take
	left := qty
	for _, h := range byMost {
		if left == 0 {
			break
		}
		n := min(h.OnHand, left)
		if n > 0 {
			out = append(out, Take{h.WarehouseID, n})
			left -= n
		}
	}
	if left > 0 {
		return nil, ErrWarehouseShort.With("the warehouses hold %d of the %d units", qty-left, qty)
	}
	return out, nil
}

// Dispatch takes a package's units (units per SKU) out of the shop's warehouses, in
// the shipping transaction: all from warehouseID when the seller chose one, else as
// PlanDispatch decides per SKU. Sellable stock does not change: the units left it
// when they were bought. Errors change nothing (the caller's transaction rolls back).
func (s *Service) Dispatch(ctx context.Context, tx *db.Tx, shopID, warehouseID, packageID, actorID id.ID, units map[id.ID]int64) error {
	if warehouseID != 0 {
		if _, err := seller.ShopWarehouse(ctx, tx, shopID, warehouseID); err != nil {
			return err
		}
	}
	wh, err := defaultWarehouse(ctx, tx, shopID)
	if err != nil {
		return err
	}
	skus := make([]id.ID, 0, len(units))
	for k := range units {
		skus = append(skus, k)
	}
	slices.Sort(skus) // one lock order for every shipping transaction
	now := s.now().UTC()
	for _, sku := range skus {
		holdings, err := lockHoldings(ctx, tx, sku)
		if err != nil {
			return fmt.Errorf("catalog: dispatch: %w", err)
		}
		if len(holdings) == 0 {
			continue // not tracked per warehouse
		}
		takes, err := PlanDispatch(holdings, wh.ID, warehouseID, units[sku])
		if err != nil {
			e := errs.As(err)
			return e.With("SKU %s: %s", sku, e.Message)
		}
		for _, t := range takes {
			var left int64 // the rows are locked: what was read is what is there
			for _, h := range holdings {
				if h.WarehouseID == t.WarehouseID {
					left = h.OnHand - t.Units
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE sku_warehouse_stock SET on_hand = $1, updated_at = $2 WHERE sku_id = $3 AND warehouse_id = $4`,
				left, db.Micros(now), sku, t.WarehouseID); err != nil {
				return fmt.Errorf("catalog: dispatch: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO stock_movements (id, sku_id, warehouse_id, delta, on_hand, reason, ref_id, actor_id, at)
				VALUES ($1, $2, $3, $4, $5, 'dispatched', $6, $7, $8)`, id.New(), sku, t.WarehouseID, -t.Units, left, packageID, actorID, db.Micros(now)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReceiveReturned puts units a buyer sent back into the shop's default warehouse and
// back on sale, in the caller's transaction (the seller confirmed receipt).
func (s *Service) ReceiveReturned(ctx context.Context, tx *db.Tx, skuID, returnID id.ID, qty int64) error {
	if qty <= 0 {
		return nil
	}
	var shopID id.ID
	var tracked bool
	if err := tx.QueryRowContext(ctx, `SELECT p.shop_id, EXISTS (SELECT 1 FROM sku_warehouse_stock s WHERE s.sku_id = k.id)
		FROM skus k JOIN products p ON p.id = k.product_id WHERE k.id = $1`, skuID).Scan(&shopID, &tracked); err != nil {
		return fmt.Errorf("catalog: returned sku: %w", err)
	}
	if !tracked {
		return s.Restock(ctx, tx, skuID, qty)
	}
	wh, err := defaultWarehouse(ctx, tx, shopID)
	if err != nil {
		return err
	}
	// The warehouse row before the SKU row, as setOnHand locks them.
	old, err := lockOnHand(ctx, tx, skuID, wh.ID)
	if err != nil {
		return err
	}
	if err := s.Restock(ctx, tx, skuID, qty); err != nil {
		return err
	}
	return putOnHand(ctx, tx, skuID, wh.ID, old+qty, qty, "returned", returnID, 0, s.now().UTC())
}

// Movement is one change of a warehouse's quantity of a SKU.
type Movement struct {
	WarehouseID id.ID     `json:"warehouse_id"`
	Delta       int64     `json:"delta"`
	OnHand      int64     `json:"on_hand"`
	Reason      string    `json:"reason"` // set, dispatched, returned
	RefID       id.ID     `json:"ref_id,omitempty"`
	At          time.Time `json:"at"`
}

// Movements returns the latest limit changes of a SKU's warehouse quantities, newest
// first, for the seller who manages its shop.
func (s *Service) Movements(ctx context.Context, actor auth.Actor, skuID id.ID, limit int) ([]Movement, error) {
	it, err := s.itemAnyStatus(ctx, skuID)
	if err != nil {
		return nil, err
	}
	if _, err := s.sellers.Manage(ctx, actor, it.ShopID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT warehouse_id, delta, on_hand, reason, ref_id, at FROM stock_movements WHERE sku_id = $1 ORDER BY id DESC LIMIT $2`, skuID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		var m Movement
		var at int64
		if err := rows.Scan(&m.WarehouseID, &m.Delta, &m.OnHand, &m.Reason, &m.RefID, &at); err != nil {
			return nil, err
		}
		m.At = db.Time(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// WarehouseAvailable is what one warehouse holds of a SKU and how many of those units
// are still for sale.
type WarehouseAvailable struct {
	WarehouseID id.ID
	OnHand      int64
	Available   int64
}

// Availability returns, per SKU of the given products, one entry per warehouse that
// stocks it (has a quantity for it, even 0), the default warehouse first, then by
// name. Available is OnHand less the units sold and waiting for dispatch charged to
// that warehouse as PlanDispatch would ship them all at once (the default if it holds
// them all, else the warehouses holding the most), so a SKU's entries add up to its
// sellable stock. A SKU not tracked per warehouse has one entry, its shop's default
// warehouse, with its sellable stock. One query for all the products' SKUs (a second
// for untracked SKUs' default warehouses); it checks nobody's rights: callers have.
func (s *Service) Availability(ctx context.Context, products []Product) (map[id.ID][]WarehouseAvailable, error) {
	out := map[id.ID][]WarehouseAvailable{}
	if len(products) == 0 {
		return out, nil
	}
	args := make([]any, len(products))
	for i, p := range products {
		args[i] = p.ID
	}
	// The SKU's stock is read in the same statement as its holdings, so the two agree
	// even while checkouts run.
	rows, err := s.db.QueryContext(ctx, `SELECT k.id, k.stock, s.warehouse_id, s.on_hand, w.is_default FROM skus k
		JOIN sku_warehouse_stock s ON s.sku_id = k.id JOIN warehouses w ON w.id = s.warehouse_id
		WHERE k.product_id IN (`+placeholders(len(args))+`) ORDER BY k.id, w.is_default DESC, w.name, w.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: availability: %w", err)
	}
	type sku struct {
		stock     int64
		defaultID id.ID
		holdings  []Holding
	}
	found := map[id.ID]*sku{}
	for rows.Next() {
		var k, wh id.ID
		var stock, onHand int64
		var isDefault bool
		if err := rows.Scan(&k, &stock, &wh, &onHand, &isDefault); err != nil {
			rows.Close()
			return nil, err
		}
		f := found[k]
		if f == nil {
			f = &sku{stock: stock}
			found[k] = f
		}
		if isDefault {
			f.defaultID = wh
		}
		f.holdings = append(f.holdings, Holding{WarehouseID: wh, OnHand: onHand})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var untracked []Product
	for _, p := range products {
		for _, k := range p.SKUs {
			f := found[k.ID]
			if f == nil {
				untracked = append(untracked, p)
				break
			}
			out[k.ID] = availableIn(f.holdings, f.defaultID, f.stock)
		}
	}
	if len(untracked) == 0 {
		return out, nil
	}
	shops := map[id.ID]id.ID{} // shop -> default warehouse
	for _, p := range untracked {
		shops[p.ShopID] = 0
	}
	args = args[:0]
	for sh := range shops {
		args = append(args, sh)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT shop_id, id FROM warehouses WHERE is_default AND shop_id IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: default warehouses: %w", err)
	}
	for rows.Next() {
		var sh, wh id.ID
		if err := rows.Scan(&sh, &wh); err != nil {
			rows.Close()
			return nil, err
		}
		shops[sh] = wh
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range untracked {
		for _, k := range p.SKUs {
			if found[k.ID] == nil {
				out[k.ID] = []WarehouseAvailable{{WarehouseID: shops[p.ShopID], OnHand: k.Stock, Available: k.Stock}}
			}
		}
	}
	return out, nil
}

// availableIn charges a SKU's units waiting for dispatch (on hand less sellable
// stock) to its warehouses as PlanDispatch would ship them.
func availableIn(holdings []Holding, defaultID id.ID, stock int64) []WarehouseAvailable {
	charged := chargeWaiting(holdings, defaultID, waitingOf(holdings, stock))
	out := make([]WarehouseAvailable, len(holdings))
	for i, h := range holdings {
		out[i] = WarehouseAvailable{WarehouseID: h.WarehouseID, OnHand: h.OnHand, Available: h.OnHand - charged[i]}
	}
	return out
}

// waitingOf is a SKU's units sold and waiting for dispatch: on hand less sellable
// stock, never below zero.
func waitingOf(holdings []Holding, stock int64) int64 {
	var onHand int64
	for _, h := range holdings {
		onHand += h.OnHand
	}
	return max(onHand-max(stock, 0), 0)
}

// chargeWaiting is the one rule, shared by reads (Availability) and Open API writes
// (setAvailable), for which warehouse the units waiting for dispatch are charged to:
// as PlanDispatch would ship them all at once (the default if it holds them all, else
// the warehouses holding the most). charged[i] is holdings[i]'s share. More waiting
// than on hand charges everything: nothing is for sale anywhere.
func chargeWaiting(holdings []Holding, defaultID id.ID, waiting int64) []int64 {
	charged := make([]int64, len(holdings))
	if waiting <= 0 {
		return charged
	}
	takes, err := PlanDispatch(holdings, defaultID, 0, waiting)
	if err != nil {
		for i, h := range holdings {
			charged[i] = h.OnHand
		}
		return charged
	}
	for _, t := range takes {
		for i, h := range holdings {
			if h.WarehouseID == t.WarehouseID {
				charged[i] += t.Units
			}
		}
	}
	return charged
}

// planAvailable finds what each warehouse must hold so that, with waiting units
// charged by chargeWaiting on the new holdings, every warehouse in want shows the
// wanted number available; the other warehouses keep what they hold. holdings are
// the SKU's warehouses now (want's warehouses without a row are added at 0).
//
// The charge depends on the holdings the write changes, so this is a fixed point:
// starting from today's charges, a named warehouse holds want + its charge; if the
// charges on the result moved, it tries again with the moved charges. Starting from
// today's charges makes writing back what was read change nothing. When that does
// not settle and the default warehouse is named, the default holds its wanted units
// plus all the waiting ones (it then holds them all, so it is charged them all),
// which always settles. ok is false when no holdings show want.
func planAvailable(holdings []Holding, defaultID id.ID, waiting int64, want map[id.ID]int64) (next []Holding, ok bool) {
	cur := slices.Clone(holdings)
	for wh := range want {
		if !slices.ContainsFunc(cur, func(h Holding) bool { return h.WarehouseID == wh }) {
			cur = append(cur, Holding{WarehouseID: wh})
		}
	}
	slices.SortFunc(cur, func(a, b Holding) int { return cmp.Compare(a.WarehouseID, b.WarehouseID) })
	shows := func(next []Holding) bool {
		charged := chargeWaiting(next, defaultID, waiting)
		for i, h := range next {
			if q, named := want[h.WarehouseID]; named && h.OnHand-charged[i] != q {
				return false
			}
		}
		return true
	}
	charged := chargeWaiting(cur, defaultID, waiting)
	for range len(cur) + 2 {
		next = slices.Clone(cur)
		for i, h := range next {
			if q, named := want[h.WarehouseID]; named {
				next[i].OnHand = q + charged[i]
			}
		}
		if shows(next) {
			return next, true
		}
		charged = chargeWaiting(next, defaultID, waiting)
	}
	// One named warehouse takes all the waiting units: the default first, then the
	// one asked to show the most.
	var takers []id.ID
	for wh := range want {
		takers = append(takers, wh)
	}
	slices.SortFunc(takers, func(a, b id.ID) int {
		return cmp.Or(-cmp.Compare(boolInt(a == defaultID), boolInt(b == defaultID)), cmp.Compare(want[b], want[a]), cmp.Compare(a, b))
	})
	for _, taker := range takers {
		next = slices.Clone(cur)
		for i, h := range next {
			if q, named := want[h.WarehouseID]; named {
				next[i].OnHand = q
				if h.WarehouseID == taker {
					next[i].OnHand += waiting
				}
			}
		}
		if shows(next) {
			return next, true
		}
	}
	return nil, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders is "$1, $2, ... $n" for an IN list.
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}
