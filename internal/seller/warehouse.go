package seller

import (
	"context"
	"database/sql"
	"errors"
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

// A shop keeps its stock in warehouses. Every shop has one from registration (named
// "Main warehouse", with the shop's own id) and exactly one default at any time: the
// warehouse a SKU's plain stock edits and returned parcels go to, and the first a
// package's units leave from. How many units of each SKU each warehouse holds is the
// catalogue's business (catalog.SetWarehouseStock). A warehouse that is not the
// default and holds no units can be removed (RemoveWarehouse).

// Warehouse is a place a shop ships from.
type Warehouse struct {
	ID        id.ID     `json:"id"`
	ShopID    id.ID     `json:"shop_id"`
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	Address   string    `json:"address"`
	Default   bool      `json:"default"`
	CreatedAt time.Time `json:"created_at"`
}

// WarehouseInput names and places a warehouse.
type WarehouseInput struct {
	Name    string `json:"name"`
	Region  string `json:"region"`
	Address string `json:"address"`
	// Default makes the warehouse the shop's default (the previous one stops being it).
	Default bool `json:"default"`
}

// Warehouse errors.
var (
	ErrWarehouseNotFound  = errs.New(errs.NotFound, "warehouse_not_found", "no such warehouse in this shop").OnField("warehouse_id")
	ErrWarehouseNameTaken = errs.New(errs.Conflict, "warehouse_name_taken", "this shop already has a warehouse with that name").OnField("name")
	ErrTooManyWarehouses  = errs.New(errs.Rule, "too_many_warehouses", "a shop has at most 50 warehouses")
	// ErrWarehouseIsDefault refuses to remove the default warehouse: plain stock
	// edits and returned parcels need somewhere to go.
	ErrWarehouseIsDefault = errs.New(errs.Conflict, "warehouse_is_default", "the default warehouse cannot be removed: make another warehouse the default first").OnField("warehouse_id")
	// ErrWarehouseHoldsStock refuses to remove a warehouse that holds units: they
	// would vanish from what the shop can sell and ship.
	ErrWarehouseHoldsStock = errs.New(errs.Conflict, "warehouse_holds_stock", "a warehouse that holds units cannot be removed: move them to another warehouse first").OnField("warehouse_id")
)

// MaxWarehouses is how many warehouses a shop may have.
const MaxWarehouses = 50

func (in *WarehouseInput) check() error {
	in.Name, in.Region, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Region), strings.TrimSpace(in.Address)
	switch {
	case utf8.RuneCountInString(in.Name) < 2 || utf8.RuneCountInString(in.Name) > 60:
		return errs.Invalidf("name", "a warehouse name is 2-60 characters")
	case utf8.RuneCountInString(in.Region) > 60:
		return errs.Invalidf("region", "a region is at most 60 characters")
	case utf8.RuneCountInString(in.Address) > 300:
		return errs.Invalidf("address", "an address is at most 300 characters")
	}
	return nil
}

// createDefaultWarehouse gives a new shop its first warehouse, in the registration's
// transaction.
func createDefaultWarehouse(ctx context.Context, tx *db.Tx, shop Shop) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO warehouses (id, shop_id, name, region, address, is_default, created_at) VALUES ($1, $2, $3, $4, '', TRUE, $5)`,
		shop.ID, shop.ID, "Main warehouse", shop.Market, db.Micros(shop.CreatedAt))
	return err
}

// Warehouses lists a shop's warehouses, the default first, for anyone who manages it.
func (s *Service) Warehouses(ctx context.Context, actor auth.Actor, shopID id.ID) ([]Warehouse, error) {
	if _, err := s.Manage(ctx, actor, shopID); err != nil {
		return nil, err
	}
	return ShopWarehouses(ctx, s.db, shopID)
}

// ShopWarehouses lists a shop's warehouses, the default first, then by name. It
// checks nobody's rights: callers have.
func ShopWarehouses(ctx context.Context, q db.Querier, shopID id.ID) ([]Warehouse, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, shop_id, name, region, address, is_default, created_at FROM warehouses
		WHERE shop_id = $1 ORDER BY is_default DESC, name, id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("seller: warehouses: %w", err)
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		var w Warehouse
		var created int64
		if err := rows.Scan(&w.ID, &w.ShopID, &w.Name, &w.Region, &w.Address, &w.Default, &created); err != nil {
			return nil, err
		}
		w.CreatedAt = db.Time(created)
		out = append(out, w)
	}
	return out, rows.Err()
}

// ShopWarehouse returns one warehouse of a shop, or ErrWarehouseNotFound.
func ShopWarehouse(ctx context.Context, q db.Querier, shopID, warehouseID id.ID) (Warehouse, error) {
	var w Warehouse
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, shop_id, name, region, address, is_default, created_at FROM warehouses WHERE id = $1 AND shop_id = $2`,
		warehouseID, shopID).Scan(&w.ID, &w.ShopID, &w.Name, &w.Region, &w.Address, &w.Default, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Warehouse{}, ErrWarehouseNotFound.With("shop %s has no warehouse %s", shopID, warehouseID)
	}
	if err != nil {
		return Warehouse{}, fmt.Errorf("seller: warehouse: %w", err)
	}
	w.CreatedAt = db.Time(created)
	return w, nil
}

// AddWarehouse adds a warehouse to a shop the actor manages.
func (s *Service) AddWarehouse(ctx context.Context, actor auth.Actor, shopID id.ID, in WarehouseInput) (Warehouse, error) {
	shop, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Warehouse{}, err
	}
	if err := in.check(); err != nil {
		return Warehouse{}, err
	}
	now := s.now().UTC()
	w := Warehouse{ID: id.New(), ShopID: shop.ID, Name: in.Name, Region: in.Region, Address: in.Address, Default: in.Default, CreatedAt: now}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM warehouses WHERE shop_id = $1`, shop.ID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxWarehouses {
			return ErrTooManyWarehouses
		}
		if in.Default {
			if _, err := tx.ExecContext(ctx, `UPDATE warehouses SET is_default = FALSE WHERE shop_id = $1 AND is_default`, shop.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO warehouses (id, shop_id, name, region, address, is_default, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			w.ID, w.ShopID, w.Name, w.Region, w.Address, w.Default, db.Micros(now)); err != nil {
			return err
		}
		return logAction(ctx, tx, shop.ID, "warehouse_added", shop.Status, shop.Status, warehouseNote(w), actor.AccountID, now)
	})
	if db.IsUniqueViolation(err) {
		return Warehouse{}, ErrWarehouseNameTaken
	}
	if err != nil {
		return Warehouse{}, fmt.Errorf("seller: add warehouse: %w", err)
	}
	return w, nil
}

// UpdateWarehouse renames or moves a warehouse, or makes it the default (a default
// stays the default until another is chosen, so Default false changes nothing).
func (s *Service) UpdateWarehouse(ctx context.Context, actor auth.Actor, shopID, warehouseID id.ID, in WarehouseInput) (Warehouse, error) {
	shop, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Warehouse{}, err
	}
	if err := in.check(); err != nil {
		return Warehouse{}, err
	}
	now := s.now().UTC()
	var w Warehouse
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if w, err = ShopWarehouse(ctx, tx, shop.ID, warehouseID); err != nil {
			return err
		}
		becomesDefault := in.Default && !w.Default
		if becomesDefault {
			if _, err := tx.ExecContext(ctx, `UPDATE warehouses SET is_default = FALSE WHERE shop_id = $1 AND is_default`, shop.ID); err != nil {
				return err
			}
			w.Default = true
		}
		w.Name, w.Region, w.Address = in.Name, in.Region, in.Address
		if _, err := tx.ExecContext(ctx, `UPDATE warehouses SET name = $1, region = $2, address = $3, is_default = $4 WHERE id = $5`,
			w.Name, w.Region, w.Address, w.Default, w.ID); err != nil {
			return err
		}
		action := "warehouse_changed"
		if becomesDefault {
			action = "warehouse_made_default"
		}
		return logAction(ctx, tx, shop.ID, action, shop.Status, shop.Status, warehouseNote(w), actor.AccountID, now)
	})
	if db.IsUniqueViolation(err) {
		return Warehouse{}, ErrWarehouseNameTaken
	}
	if err != nil {
		return Warehouse{}, err
	}
	return w, nil
}

// RemoveWarehouse deletes a warehouse of a shop the actor manages. The default
// warehouse is refused (ErrWarehouseIsDefault: another must be made the default
// first), and so is a warehouse holding any unit of any SKU (ErrWarehouseHoldsStock,
// saying how many: the seller sets its quantities to 0 and raises another
// warehouse's first). Units sold and waiting for dispatch are not bound to a
// warehouse until their package ships (catalog.Dispatch), so an empty warehouse has
// nothing to ship and nothing waits on it. Its movement history stays.
//
// The check and the delete are one transaction holding the warehouse's row, and
// every stock change into a warehouse locks that row first (catalog's lockOnHand),
// so a stock move racing the removal either lands first (and the removal is
// refused) or finds the warehouse gone: no unit is lost.
func (s *Service) RemoveWarehouse(ctx context.Context, actor auth.Actor, shopID, warehouseID id.ID) (Warehouse, error) {
	shop, err := s.Manage(ctx, actor, shopID)
	if err != nil {
		return Warehouse{}, err
	}
	now := s.now().UTC()
	var w Warehouse
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if w, err = lockWarehouse(ctx, tx, shop.ID, warehouseID); err != nil {
			return err
		}
		if w.Default {
			return ErrWarehouseIsDefault.With("%s is the default warehouse: make another warehouse the default first, then remove it", w.Name)
		}
		// sku_warehouse_stock is the catalogue's table, read here because the check
		// must share the delete's transaction (and catalog imports this package).
		var skus, units int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(on_hand), 0) FROM sku_warehouse_stock WHERE warehouse_id = $1 AND on_hand > 0`,
			w.ID).Scan(&skus, &units); err != nil {
			return fmt.Errorf("seller: warehouse stock: %w", err)
		}
		if units > 0 {
			return holdsStock(w, skus, units)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sku_warehouse_stock WHERE warehouse_id = $1 AND on_hand = 0`, w.ID); err != nil {
			return fmt.Errorf("seller: empty warehouse stock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM warehouses WHERE id = $1`, w.ID); err != nil {
			if db.IsForeignKeyViolation(err) { // a unit arrived after all: the database's last word
				return ErrWarehouseHoldsStock.With("%s holds units: move them to another warehouse first", w.Name)
			}
			return fmt.Errorf("seller: remove warehouse: %w", err)
		}
		return logAction(ctx, tx, shop.ID, "warehouse_removed", shop.Status, shop.Status, warehouseNote(w), actor.AccountID, now)
	})
	if err != nil {
		return Warehouse{}, err
	}
	return w, nil
}

func holdsStock(w Warehouse, skus, units int64) error {
	what := fmt.Sprintf("%d units", units)
	if units == 1 {
		what = "1 unit"
	}
	if skus > 1 {
		what += fmt.Sprintf(" of %d SKUs", skus)
	}
	return ErrWarehouseHoldsStock.With("%s holds %s: move them to another warehouse first (on each product's stock page, raise another warehouse's quantity and set this one's to 0), then remove it", w.Name, what)
}

// lockWarehouse reads a warehouse of a shop and locks its row for a change that
// must not race stock moving into it (on SQLite the one writer already serialises).
func lockWarehouse(ctx context.Context, tx *db.Tx, shopID, warehouseID id.ID) (Warehouse, error) {
	var w Warehouse
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, shop_id, name, region, address, is_default, created_at FROM warehouses WHERE id = $1 AND shop_id = $2`+db.ForUpdate(tx),
		warehouseID, shopID).Scan(&w.ID, &w.ShopID, &w.Name, &w.Region, &w.Address, &w.Default, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Warehouse{}, ErrWarehouseNotFound.With("shop %s has no warehouse %s", shopID, warehouseID)
	}
	if err != nil {
		return Warehouse{}, fmt.Errorf("seller: lock warehouse: %w", err)
	}
	w.CreatedAt = db.Time(created)
	return w, nil
}

// HoldWarehouse keeps a warehouse from being removed until tx ends, for a
// transaction about to put units into it: on PostgreSQL it takes a key-share lock
// on the warehouse's row (which a removal's row lock waits for, and which renames
// and default changes do not). ErrWarehouseNotFound if it is gone.
func HoldWarehouse(ctx context.Context, tx *db.Tx, warehouseID id.ID) error {
	lock := ""
	if tx.Engine() == db.Postgres {
		lock = " FOR KEY SHARE"
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM warehouses WHERE id = $1`+lock, warehouseID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrWarehouseNotFound.With("warehouse %s does not exist (was it removed?)", warehouseID)
	}
	if err != nil {
		return fmt.Errorf("seller: hold warehouse: %w", err)
	}
	return nil
}

func warehouseNote(w Warehouse) string {
	note := w.Name
	if w.Region != "" {
		note += " (" + w.Region + ")"
	}
	return note
}

func (s *Service) handleWarehouses(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.managed(w, r)
	if !ok {
		return
	}
	whs, err := ShopWarehouses(r.Context(), s.db, sh.ID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"warehouses": whs})
}

func (s *Service) handleAddWarehouse(w http.ResponseWriter, r *http.Request) {
	var in WarehouseInput
	shopID, err := httpx.PathID(r, "id")
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var wh Warehouse
	if err == nil {
		wh, err = s.AddWarehouse(r.Context(), auth.From(r.Context()), shopID, in)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, wh)
}

func (s *Service) handleUpdateWarehouse(w http.ResponseWriter, r *http.Request) {
	var in WarehouseInput
	shopID, err := httpx.PathID(r, "id")
	var whID id.ID
	if err == nil {
		whID, err = httpx.PathID(r, "warehouse")
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	var wh Warehouse
	if err == nil {
		wh, err = s.UpdateWarehouse(r.Context(), auth.From(r.Context()), shopID, whID, in)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, wh)
}

func (s *Service) handleRemoveWarehouse(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	var whID id.ID
	if err == nil {
		whID, err = httpx.PathID(r, "warehouse")
	}
	if err == nil {
		_, err = s.RemoveWarehouse(r.Context(), auth.From(r.Context()), shopID, whID)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
