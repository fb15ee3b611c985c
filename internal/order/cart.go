package order

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/promo"
)

// A buyer's cart holds SKUs from any shops of a market until checkout. Items nobody
// touched for the market's cart lifetime expire: they stay visible, marked, and a
// checkout of the cart refuses them until the buyer looks again.

// CartItem is a SKU in a cart.
type CartItem struct {
	SKUID     id.ID     `json:"sku_id"`
	Quantity  int64     `json:"quantity"`
	Market    string    `json:"market"`
	UpdatedAt time.Time `json:"updated_at"`
	Expired   bool      `json:"expired"`
	// Unavailable says why the item cannot be bought now (its product is no longer
	// live, its shop cannot sell); such an item stays in the cart, unpriced, until the
	// buyer removes it or it can be bought again.
	Unavailable string          `json:"unavailable,omitempty"`
	Product     catalog.Product `json:"product"`
}

// Cart is a buyer's cart in a market, priced as it would check out now.
type Cart struct {
	Market string       `json:"market"`
	Items  []CartItem   `json:"items"`
	Quote  *promo.Quote `json:"quote,omitempty"`
}

// SetCartItem puts quantity of a SKU in the actor's cart; 0 removes it.
func (s *Service) SetCartItem(ctx context.Context, actor auth.Actor, skuID id.ID, quantity int64) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	if quantity < 0 || quantity > MaxQuantity {
		return errs.Invalidf("quantity", "quantity must be 0-%d (0 removes the item)", MaxQuantity)
	}
	if quantity == 0 {
		_, err := s.db.ExecContext(ctx, `DELETE FROM cart_items WHERE buyer_id = $1 AND sku_id = $2`, actor.AccountID, skuID)
		return err
	}
	it, err := s.catalog.ItemForSale(ctx, s.db, skuID)
	if err != nil {
		return errs.OnField(err, "sku_id")
	}
	now := db.Micros(s.now())
	_, err = s.db.ExecContext(ctx, `INSERT INTO cart_items (buyer_id, sku_id, market, quantity, added_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (buyer_id, sku_id) DO UPDATE SET quantity = $4, updated_at = $5`, actor.AccountID, skuID, it.Market, quantity, now)
	return err
}

// Cart returns the actor's cart in a market, priced (when it can be) as a checkout
// with the given coupons would be.
func (s *Service) Cart(ctx context.Context, actor auth.Actor, marketCode string, coupons []string) (Cart, error) {
	if err := actor.RequireLogin(); err != nil {
		return Cart{}, err
	}
	m, err := s.markets.Market(ctx, marketCode)
	if err != nil {
		return Cart{}, errs.OnField(err, "market")
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, m.Code, now)
	if err != nil {
		return Cart{}, err
	}
	items, err := s.cartItems(ctx, actor.AccountID, m.Code, pol, now)
	if err != nil {
		return Cart{}, err
	}
	c := Cart{Market: m.Code, Items: items}
	skus := make([]id.ID, len(items))
	for i, it := range items {
		skus[i] = it.SKUID
	}
	forSale, refused, err := s.catalog.ItemsForSale(ctx, s.db, skus)
	if err != nil {
		return Cart{}, err
	}
	var lines []LineInput
	var priced []catalog.Item
	for i := range c.Items {
		it := &c.Items[i]
		if e := errs.As(refused[i]); e != nil {
			it.Unavailable = e.Message
		} else if refused[i] != nil {
			return Cart{}, refused[i]
		}
		if !it.Expired && it.Unavailable == "" {
			lines = append(lines, LineInput{SKUID: it.SKUID, Quantity: it.Quantity})
			priced = append(priced, forSale[i])
		}
	}
	if len(lines) > 0 {
		q, err := s.quoteItems(ctx, actor, m, pol, now, lines, priced, coupons)
		if err != nil {
			return c, err
		}
		c.Quote = &q
	}
	return c, nil
}

func (s *Service) cartItems(ctx context.Context, buyer id.ID, marketCode string, pol market.Policy, now time.Time) ([]CartItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sku_id, quantity, updated_at FROM cart_items WHERE buyer_id = $1 AND market = $2 ORDER BY added_at`, buyer, marketCode)
	if err != nil {
		return nil, fmt.Errorf("order: load cart: %w", err)
	}
	var out []CartItem
	expiry := now.AddDate(0, 0, -pol.Orders.CartTTLDays)
	for rows.Next() {
		it := CartItem{Market: marketCode}
		var updated int64
		if err := rows.Scan(&it.SKUID, &it.Quantity, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		it.UpdatedAt = db.Time(updated)
		it.Expired = it.UpdatedAt.Before(expiry)
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		p, err := s.catalog.ProductOfSKU(ctx, out[i].SKUID)
		if err != nil {
			return nil, err
		}
		out[i].Product = p
	}
	return out, nil
}

// cartLines turns the cart into checkout lines, refusing an empty or expired cart.
func (s *Service) cartLines(ctx context.Context, buyer id.ID, marketCode string, pol market.Policy, now time.Time, attr map[id.ID]Attribution) ([]LineInput, error) {
	items, err := s.cartItems(ctx, buyer, marketCode, pol, now)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ErrCartEmpty
	}
	var lines []LineInput
	for _, it := range items {
		if it.Expired {
			return nil, ErrCartExpired.With("%q has been in your cart since %s, longer than %d days; review the cart and check out again",
				it.Product.Title, it.UpdatedAt.Format("2 Jan"), pol.Orders.CartTTLDays)
		}
		lines = append(lines, LineInput{SKUID: it.SKUID, Quantity: it.Quantity, Attribution: attr[it.Product.ID]})
	}
	if len(lines) > MaxLines {
		return nil, errs.Invalidf("cart", "a checkout has at most %d lines", MaxLines)
	}
	return lines, nil
}

// Preview prices lines as a checkout would, without placing anything.
func (s *Service) Preview(ctx context.Context, actor auth.Actor, marketCode string, lines []LineInput, coupons []string) (promo.Quote, error) {
	m, err := s.markets.Market(ctx, marketCode)
	if err != nil {
		return promo.Quote{}, errs.OnField(err, "market")
	}
	now := s.now().UTC()
	pol, err := s.markets.Policy(ctx, m.Code, now)
	if err != nil {
		return promo.Quote{}, err
	}
	skus := make([]id.ID, len(lines))
	for i, li := range lines {
		if li.Quantity < 1 || li.Quantity > MaxQuantity {
			return promo.Quote{}, errs.Invalidf(fmt.Sprintf("lines[%d].quantity", i), "quantity must be 1-%d", MaxQuantity)
		}
		skus[i] = li.SKUID
	}
	items, refused, err := s.catalog.ItemsForSale(ctx, s.db, skus)
	if err != nil {
		return promo.Quote{}, err
	}
	for i := range lines {
		if refused[i] != nil {
			return promo.Quote{}, errs.OnField(refused[i], fmt.Sprintf("lines[%d].sku_id", i))
		}
	}
	return s.quoteItems(ctx, actor, m, pol, now, lines, items, coupons)
}

// quoteItems prices lines whose SKUs were read for sale as items (items[i] is
// lines[i]'s), as a checkout in market m would at now.
func (s *Service) quoteItems(ctx context.Context, actor auth.Actor, m market.Market, pol market.Policy, now time.Time, lines []LineInput, items []catalog.Item,
	coupons []string) (promo.Quote, error) {
	byShop := map[id.ID]int{}
	var shops []promo.ShopLines
	for i, li := range lines {
		it := items[i]
		if it.Market != m.Code {
			return promo.Quote{}, ErrWrongMarket.OnField(fmt.Sprintf("lines[%d].sku_id", i))
		}
		k, ok := byShop[it.ShopID]
		if !ok {
			k = len(shops)
			byShop[it.ShopID] = k
			shops = append(shops, promo.ShopLines{ShopID: it.ShopID})
		}
		shops[k].Lines = append(shops[k].Lines, promo.LineIn{SKUID: it.ID, ProductID: it.ProductID, UnitPrice: it.Price.Amount, Quantity: li.Quantity})
	}
	return s.promos.Quote(ctx, s.db, promo.QuoteInput{Market: m.Code, Currency: m.Currency, Policy: pol, At: now, BuyerID: actor.AccountID, Shops: shops, Coupons: coupons})
}
