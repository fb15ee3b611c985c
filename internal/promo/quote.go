package promo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// QuoteInput is a checkout to price. Policy is the market's policy in force, read by
// the caller before any transaction (see the transaction rule in docs/ARCHITECTURE.md).
type QuoteInput struct {
	Market   string
	Currency string
	Policy   market.Policy
	At       time.Time
	BuyerID  id.ID
	Shops    []ShopLines
	Coupons  []string
	// Room names a room-only promotion (a live flash sale) to price with, besides the
	// shops' active ones: only the room that opened it passes it.
	Room id.ID
}

// ShopLines is one shop's lines.
type ShopLines struct {
	ShopID id.ID
	Lines  []LineIn
}

// Quote is a priced checkout with the coupons it used.
type Quote struct {
	Result
	Coupons []Coupon `json:"-"`
}

// Errors raised when a deal priced a moment ago is gone by the time it is taken.
var (
	ErrDealSoldOut = errs.New(errs.Conflict, "deal_sold_out", "the deal just sold out; check the new price and try again")
	ErrDealLimit   = errs.New(errs.Rule, "deal_limit_reached", "you have bought as many as this deal allows")
)

// Quote prices a checkout through q, which may be the caller's transaction: it
// resolves and checks the coupons, loads each shop's active promotions and shipping
// enrolments, and applies the pricing rules. Coupon refusals name the coupon's field
// ("coupons[1]").
func (s *Service) Quote(ctx context.Context, q db.Querier, in QuoteInput) (Quote, error) {
	inp := Input{Currency: in.Currency, At: in.At, Policy: in.Policy, Bought: map[id.ID]int64{}}
	field := map[string]string{}
	var used []Coupon
	sellerCoupons := map[id.ID]*Coupon{}
	for i, code := range in.Coupons {
		f := fmt.Sprintf("coupons[%d]", i)
		c, err := couponByCode(ctx, q, in.Market, code)
		if err != nil {
			return Quote{}, errs.OnField(err, f)
		}
		if err := s.usable(ctx, q, c, in.BuyerID, in.At); err != nil {
			return Quote{}, errs.OnField(err, f)
		}
		field[c.Code] = f
		if c.Funder == Platform {
			if inp.PlatformCoupon != nil {
				return Quote{}, ErrCouponsStack.With("one platform coupon per order; %s and %s both are", inp.PlatformCoupon.Code, c.Code).OnField(f)
			}
			inp.PlatformCoupon = &c
		} else {
			found := false
			for _, sh := range in.Shops {
				found = found || sh.ShopID == c.ShopID
			}
			if !found {
				return Quote{}, ErrCouponNotValid.With("coupon %s is for a shop that is not in this order", c.Code).OnField(f)
			}
			if prev := sellerCoupons[c.ShopID]; prev != nil {
				return Quote{}, ErrCouponsStack.With("one coupon per shop; %s and %s are for the same shop", prev.Code, c.Code).OnField(f)
			}
			sellerCoupons[c.ShopID] = &c
		}
		used = append(used, c)
	}
	// Every shop's promotions and shipping enrolments in one query each, whatever the
	// number of shops: checkout prices on the hot path.
	shopIDs := make([]id.ID, len(in.Shops))
	for i, sh := range in.Shops {
		shopIDs[i] = sh.ShopID
	}
	pricing, err := s.pricingOf(ctx, q, shopIDs, in.At, in.Room)
	if err != nil {
		return Quote{}, err
	}
	byShop := map[id.ID][]Promotion{}
	enrolled := map[id.ID]map[string]bool{}
	for _, sh := range shopIDs {
		enrolled[sh] = pricing[sh].enrolled
		for _, p := range pricing[sh].promotions {
			// Only the quoting room's own sale is read besides the active ones.
			if !p.ActiveAt(in.At) {
				continue
			}
			// The cached promotion is shared: this quote gets its own items.
			p.Items = slices.Clone(p.Items)
			if p.ID == in.Room {
				// The room prices its sale once, whatever is sold: its gate and the
				// writer's conditional update count the units.
				for k := range p.Items {
					p.Items[k].Sold = 0
				}
			}
			if p.PerBuyerLimit > 0 && in.BuyerID != 0 {
				if inp.Bought[p.ID], err = boughtUnder(ctx, q, p.ID, in.BuyerID); err != nil {
					return Quote{}, err
				}
			}
			byShop[sh] = append(byShop[sh], p)
		}
	}
	for _, sh := range in.Shops {
		en := enrolled[sh.ShopID]
		if en == nil {
			en = map[string]bool{}
		}
		inp.Orders = append(inp.Orders, OrderIn{ShopID: sh.ShopID, Lines: sh.Lines, Promotions: byShop[sh.ShopID], Coupon: sellerCoupons[sh.ShopID], Enrolment: en, SPSX100: -1})
	}
	res, err := Compute(inp)
	var ce *CouponError
	if errors.As(err, &ce) {
		return Quote{}, errs.OnField(ce.Err, field[ce.Code])
	}
	if err != nil {
		return Quote{}, err
	}
	return Quote{Result: res, Coupons: used}, nil
}

// usable checks a coupon can be used by the buyer now.
func (s *Service) usable(ctx context.Context, q db.Querier, c Coupon, buyer id.ID, at time.Time) error {
	switch {
	case c.Status != StatusActive:
		return ErrCouponNotValid.With("coupon %s has been withdrawn", c.Code)
	case at.Before(c.StartsAt):
		return ErrCouponNotValid.With("coupon %s starts %s", c.Code, c.StartsAt.Format("2 Jan 15:04 UTC"))
	case !at.Before(c.EndsAt):
		return ErrCouponNotValid.With("coupon %s has expired", c.Code)
	case c.Total > 0 && c.Used >= c.Total:
		return ErrCouponNotValid.With("coupon %s has run out", c.Code)
	}
	if c.PerBuyerLimit > 0 && buyer != 0 {
		n, err := countRedemptions(ctx, q, c.ID, buyer)
		if err != nil {
			return err
		}
		if n >= c.PerBuyerLimit {
			return ErrCouponNotValid.With("you have already used coupon %s", c.Code)
		}
	}
	return nil
}

// Redeem takes what a priced checkout uses, in the caller's transaction: flash-sale
// units (never past their quantity), per-buyer deal allowances, and coupon uses. It
// fails, changing nothing once the transaction rolls back, if a deal sold out or a
// coupon ran out since the quote. orderIDs match q.Orders.
func (s *Service) Redeem(ctx context.Context, tx *db.Tx, checkoutID, buyer id.ID, q Quote, orderIDs []id.ID) error {
	limits := map[id.ID]int64{}
	for i, o := range q.Orders {
		for _, l := range o.Lines {
			if l.DealKind != FlashSale {
				continue
			}
			if err := s.TakeDealUnits(ctx, tx, l.DealPromotionID, l.ProductID, l.dealSKU, l.Quantity); err != nil {
				return err
			}
			if err := s.RecordPurchase(ctx, tx, DealPurchase{PromotionID: l.DealPromotionID, OrderID: orderIDs[i], SKUID: l.SKUID,
				ItemSKUID: l.dealSKU, ProductID: l.ProductID, BuyerID: buyer, Quantity: l.Quantity}); err != nil {
				return err
			}
			limits[l.DealPromotionID] = 0
		}
	}
	// Per-buyer limits are checked again inside the transaction, against what is now recorded.
	for pid := range limits {
		var limit int64
		if err := tx.QueryRowContext(ctx, `SELECT per_buyer_limit FROM promotions WHERE id = $1`, pid).Scan(&limit); err != nil {
			return err
		}
		if limit == 0 {
			continue
		}
		bought, err := boughtUnder(ctx, tx, pid, buyer)
		if err != nil {
			return err
		}
		if bought > limit {
			return ErrDealLimit.With("this deal allows %d per buyer", limit)
		}
	}
	for _, c := range q.Coupons {
		res, err := tx.ExecContext(ctx, `UPDATE coupons SET used = used + 1 WHERE id = $1 AND (total = 0 OR used < total)`, c.ID)
		if err != nil {
			return fmt.Errorf("promo: use coupon: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrCouponNotValid.With("coupon %s has just run out", c.Code)
		}
		if c.PerBuyerLimit > 0 {
			n, err := countRedemptions(ctx, tx, c.ID, buyer)
			if err != nil {
				return err
			}
			if n >= c.PerBuyerLimit {
				return ErrCouponNotValid.With("you have already used coupon %s", c.Code)
			}
		}
		for i, o := range q.Orders {
			for _, a := range o.Applied {
				if a.Source == "coupon" && a.ID == c.ID {
					if _, err := tx.ExecContext(ctx, `INSERT INTO coupon_redemptions (coupon_id, checkout_id, order_id, buyer_id, amount) VALUES ($1, $2, $3, $4, $5)
						ON CONFLICT (coupon_id, order_id) DO UPDATE SET amount = coupon_redemptions.amount + $5`, c.ID, checkoutID, orderIDs[i], buyer, a.Amount); err != nil {
						return fmt.Errorf("promo: record coupon use: %w", err)
					}
				}
			}
		}
	}
	return nil
}

// Release gives back what a cancelled order took, in the caller's transaction: its
// flash-sale units return to the deal, its per-buyer allowance is freed, and a coupon
// is usable again once every order of the checkout that used it is released.
func (s *Service) Release(ctx context.Context, tx *db.Tx, orderID id.ID) error {
	rows, err := tx.QueryContext(ctx, `SELECT promotion_id, product_id, item_sku_id, quantity FROM promotion_purchases WHERE order_id = $1`, orderID)
	if err != nil {
		return err
	}
	type unit struct {
		promo, product, sku id.ID
		qty                 int64
	}
	var units []unit
	for rows.Next() {
		var u unit
		if err := rows.Scan(&u.promo, &u.product, &u.sku, &u.qty); err != nil {
			rows.Close()
			return err
		}
		units = append(units, u)
	}
	rows.Close()
	for _, u := range units {
		if _, err := tx.ExecContext(ctx, `UPDATE promotion_items SET sold = sold - $1 WHERE promotion_id = $2 AND product_id = $3 AND sku_id = $4`,
			u.qty, u.promo, u.product, u.sku); err != nil {
			return fmt.Errorf("promo: return deal units: %w", err)
		}
		s.dealChanged(tx, u.promo)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM promotion_purchases WHERE order_id = $1`, orderID); err != nil {
		return err
	}
	crows, err := tx.QueryContext(ctx, `SELECT coupon_id, checkout_id FROM coupon_redemptions WHERE order_id = $1 AND released = FALSE`, orderID)
	if err != nil {
		return err
	}
	type use struct{ coupon, checkout id.ID }
	var uses []use
	for crows.Next() {
		var u use
		if err := crows.Scan(&u.coupon, &u.checkout); err != nil {
			crows.Close()
			return err
		}
		uses = append(uses, u)
	}
	crows.Close()
	for _, u := range uses {
		if _, err := tx.ExecContext(ctx, `UPDATE coupon_redemptions SET released = TRUE WHERE coupon_id = $1 AND order_id = $2`, u.coupon, orderID); err != nil {
			return err
		}
		var still int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coupon_redemptions WHERE coupon_id = $1 AND checkout_id = $2 AND released = FALSE`, u.coupon, u.checkout).Scan(&still); err != nil {
			return err
		}
		if still == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE coupons SET used = used - 1 WHERE id = $1 AND used > 0`, u.coupon); err != nil {
				return err
			}
		}
	}
	return nil
}
