package order

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func insertOrder(ctx context.Context, tx *db.Tx, o *Order) error {
	return insertOrders(ctx, tx, []*Order{o})
}

// insertOrders writes new orders with their lines and first history step, a few
// multi-row statements for the lot (the flash-sale writer inserts hundreds at once).
func insertOrders(ctx context.Context, tx *db.Tx, orders []*Order) error {
	var orderArgs, lineArgs, stepArgs []any
	for _, o := range orders {
		addr, err := json.Marshal(o.ShippingAddress)
		if err != nil {
			return err
		}
		applied := ""
		if len(o.Applied) > 0 {
			b, _ := json.Marshal(o.Applied)
			applied = string(b)
		}
		now := db.Micros(o.CreatedAt)
		orderArgs = append(orderArgs, o.ID, o.CheckoutID, o.BuyerID, o.ShopID, o.Market, o.Total.Currency, string(o.Status), o.Subtotal.Amount,
			o.ShippingFee.Amount, o.Total.Amount, string(addr), now, now, o.SellerDiscount.Amount, o.PlatformDiscount.Amount,
			o.ShippingSellerDiscount.Amount, o.ShippingPlatformDiscount.Amount, o.BuyerShipping.Amount, o.Tax.Amount, o.ShippingProgram,
			o.ProgramPlatformShare.Amount, o.ProgramSellerShare.Amount, applied)
		for _, l := range o.Lines {
			lineArgs = append(lineArgs, l.ID, o.ID, l.ProductID, l.SKUID, l.Title, l.SKUName, l.Quantity, l.UnitPrice.Amount, l.Total.Amount,
				string(l.Source), db.NullID(l.CreatorID), db.NullID(l.LiveSessionID), int64(l.CommissionBP), l.Commission.Amount,
				l.SellerDiscount.Amount, l.PlatformDiscount.Amount, l.Tax.Amount, l.TaxIncluded, l.Paid.Amount, l.DealPromotionID)
		}
		stepArgs = append(stepArgs, id.New(), o.ID, string(o.Status), o.BuyerID, "order placed", now)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO orders (id, checkout_id, buyer_id, shop_id, market, currency, status, subtotal, shipping_fee, total,
		shipping_address, created_at, updated_at, seller_discount, platform_discount, shipping_seller_discount, shipping_platform_discount,
		buyer_shipping, tax, shipping_program, program_platform_share, program_seller_share, applied) VALUES `, 23, orderArgs, ""); err != nil {
		return fmt.Errorf("order: insert order: %w", err)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO order_lines (id, order_id, product_id, sku_id, title, sku_name, quantity, unit_price, total,
		source, creator_id, live_session_id, commission_bp, commission, seller_discount, platform_discount, tax, tax_included, paid, deal_promotion_id) VALUES `,
		20, lineArgs, ""); err != nil {
		return fmt.Errorf("order: insert line: %w", err)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO order_history (id, order_id, status, actor_id, note, at) VALUES `, 6, stepArgs, ""); err != nil {
		return fmt.Errorf("order: insert history: %w", err)
	}
	return nil
}

func addStep(ctx context.Context, tx *db.Tx, orderID id.ID, s Step) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO order_history (id, order_id, status, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id.New(), orderID, string(s.Status), s.ActorID, s.Note, db.Micros(s.At))
	return err
}

// statusTime names the column stamped when an order enters a status.
var statusTime = map[Status]string{
	OnHold:             "paid_at",
	AwaitingCollection: "shipped_at",
	Delivered:          "delivered_at",
	Completed:          "completed_at",
	Cancelled:          "cancelled_at",
}

// moveStatus changes an order's status only if it is still in the status the caller
// read, so two concurrent actions cannot both succeed.
func moveStatus(ctx context.Context, tx *db.Tx, o *Order, to Status, at time.Time, extra string, extraArgs ...any) error {
	if !CanTransition(o.Status, to) {
		return ErrBadTransition.With("the order is %s; it cannot become %s", o.Status.Label(), to.Label())
	}
	set := "status = $1, updated_at = $2"
	col, ok := statusTime[to]
	if to == AwaitingShipment && o.Status == Unpaid {
		col, ok = "paid_at", true // paid with no hold window
	}
	if ok {
		set += ", " + col + " = $2"
	}
	if extra != "" {
		set += ", " + extra
	}
	args := append([]any{string(to), db.Micros(at), o.ID, string(o.Status)}, extraArgs...)
	res, err := tx.ExecContext(ctx, `UPDATE orders SET `+set+` WHERE id = $3 AND status = $4`, args...)
	if err != nil {
		return fmt.Errorf("order: move status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConcurrentChange
	}
	if ok {
		switch col {
		case "paid_at":
			o.PaidAt = at
		case "shipped_at":
			o.ShippedAt = at
		case "delivered_at":
			o.DeliveredAt = at
		case "completed_at":
			o.CompletedAt = at
		case "cancelled_at":
			o.CancelledAt = at
		}
	}
	o.Status = to
	return nil
}

const orderColumns = `o.id, o.checkout_id, o.buyer_id, o.shop_id, o.market, o.currency, o.status, o.subtotal, o.shipping_fee, o.total,
	o.shipping_address, o.carrier, o.tracking_number, o.cancel_reason, o.created_at, o.paid_at, o.shipped_at, o.delivered_at,
	o.completed_at, o.cancelled_at, o.seller_discount, o.platform_discount, o.shipping_seller_discount, o.shipping_platform_discount,
	o.buyer_shipping, o.tax, o.shipping_program, o.program_platform_share, o.program_seller_share, o.applied, o.hold_until,
	o.dispatch_due_at, o.late_dispatch, o.cancel_fault, o.refunded`

// loadOrders reads orders matching where (with ORDER BY/LIMIT) with their lines; with
// detail true it adds each order's timeline and packages.
func loadOrders(ctx context.Context, q db.Querier, detail bool, where string, args ...any) ([]Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders o `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("order: load: %w", err)
	}
	var out []Order
	index := map[id.ID]int{}
	for rows.Next() {
		var o Order
		var cur, addr, applied string
		var sub, ship, total, created, paid, shipped, delivered, completed, cancelled int64
		var sd, pd, ssd, spd, bship, tax, pps, pss, hold, due, refunded int64
		if err := rows.Scan(&o.ID, &o.CheckoutID, &o.BuyerID, &o.ShopID, &o.Market, &cur, &o.Status, &sub, &ship, &total,
			&addr, &o.Carrier, &o.TrackingNumber, &o.CancelReason, &created, &paid, &shipped, &delivered, &completed, &cancelled,
			&sd, &pd, &ssd, &spd, &bship, &tax, &o.ShippingProgram, &pps, &pss, &applied, &hold, &due, &o.LateDispatch, &o.CancelFault, &refunded); err != nil {
			rows.Close()
			return nil, err
		}
		m := func(v int64) money.Money { return money.New(v, cur) }
		o.Subtotal, o.ShippingFee, o.Total = m(sub), m(ship), m(total)
		o.SellerDiscount, o.PlatformDiscount, o.ShippingSellerDiscount, o.ShippingPlatformDiscount = m(sd), m(pd), m(ssd), m(spd)
		o.BuyerShipping, o.Tax, o.ProgramPlatformShare, o.ProgramSellerShare, o.Refunded = m(bship), m(tax), m(pps), m(pss), m(refunded)
		o.PlatformFunded = m(pd + spd)
		_ = json.Unmarshal([]byte(addr), &o.ShippingAddress)
		if applied != "" {
			_ = json.Unmarshal([]byte(applied), &o.Applied)
		}
		o.CreatedAt, o.PaidAt, o.ShippedAt = db.Time(created), db.Time(paid), db.Time(shipped)
		o.DeliveredAt, o.CompletedAt, o.CancelledAt = db.Time(delivered), db.Time(completed), db.Time(cancelled)
		o.HoldUntil, o.DispatchDueAt = db.Time(hold), db.Time(due)
		index[o.ID] = len(out)
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ph := make([]string, len(out))
	ids := make([]any, len(out))
	for i, o := range out {
		ph[i], ids[i] = fmt.Sprintf("$%d", i+1), o.ID
	}
	in := strings.Join(ph, ",")
	lrows, err := q.QueryContext(ctx, `SELECT id, order_id, product_id, sku_id, title, sku_name, quantity, unit_price, total, source,
		COALESCE(creator_id, 0), COALESCE(live_session_id, 0), commission_bp, commission, seller_discount, platform_discount, tax,
		tax_included, paid, deal_promotion_id, shipped_qty, refunded_qty FROM order_lines WHERE order_id IN (`+in+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("order: load lines: %w", err)
	}
	for lrows.Next() {
		var l Line
		var orderID id.ID
		var unit, total, commission, sd, pd, tax, paid int64
		if err := lrows.Scan(&l.ID, &orderID, &l.ProductID, &l.SKUID, &l.Title, &l.SKUName, &l.Quantity, &unit, &total, &l.Source,
			&l.CreatorID, &l.LiveSessionID, &l.CommissionBP, &commission, &sd, &pd, &tax, &l.TaxIncluded, &paid, &l.DealPromotionID,
			&l.ShippedQuantity, &l.RefundedQuantity); err != nil {
			lrows.Close()
			return nil, err
		}
		o := &out[index[orderID]]
		cur := o.Total.Currency
		m := func(v int64) money.Money { return money.New(v, cur) }
		l.UnitPrice, l.Total, l.Commission = m(unit), m(total), m(commission)
		l.SellerDiscount, l.PlatformDiscount, l.Tax, l.Paid = m(sd), m(pd), m(tax), m(paid)
		o.Lines = append(o.Lines, l)
	}
	lrows.Close()
	if err := lrows.Err(); err != nil || !detail {
		return out, err
	}
	hrows, err := q.QueryContext(ctx, `SELECT order_id, status, actor_id, note, at FROM order_history WHERE order_id IN (`+in+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("order: load history: %w", err)
	}
	for hrows.Next() {
		var s Step
		var orderID id.ID
		var at int64
		if err := hrows.Scan(&orderID, &s.Status, &s.ActorID, &s.Note, &at); err != nil {
			hrows.Close()
			return nil, err
		}
		s.At = db.Time(at)
		out[index[orderID]].History = append(out[index[orderID]].History, s)
	}
	hrows.Close()
	if err := hrows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Packages, err = packagesOf(ctx, q, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadOrder(ctx context.Context, q db.Querier, orderID id.ID, detail bool) (Order, error) {
	os, err := loadOrders(ctx, q, detail, `WHERE o.id = $1`, orderID)
	if err != nil {
		return Order{}, err
	}
	if len(os) == 0 {
		return Order{}, ErrOrderNotFound
	}
	return os[0], nil
}

// checkoutRow is the idempotency record of a checkout.
type checkoutRow struct {
	ID          id.ID
	RequestHash string
	Status      string
}

func findCheckout(ctx context.Context, q db.Querier, buyer id.ID, key string) (checkoutRow, bool, error) {
	var c checkoutRow
	err := q.QueryRowContext(ctx, `SELECT id, request_hash, status FROM checkouts WHERE buyer_id = $1 AND idempotency_key = $2`, buyer, key).
		Scan(&c.ID, &c.RequestHash, &c.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return checkoutRow{}, false, nil
	}
	return c, err == nil, err
}
