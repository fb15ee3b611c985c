package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/seller"
)

// Service manages products, SKUs and stock.
type Service struct {
	db      *db.DB
	markets *market.Service
	sellers *seller.Service
	outbox  *outbox.Outbox
	log     *slog.Logger
	now     func() time.Time
	// Images keeps product pictures; nil until the app sets it (AddImage refuses then).
	Images ImageStore
	// RankWindow is how many of the newest matches a search by relevance ranks.
	RankWindow int
}

// NewService returns a catalog service. It registers with the seller service to
// keep its products' copy of their shop's Mall standing (see SetShopMall).
func NewService(d *db.DB, markets *market.Service, sellers *seller.Service, ob *outbox.Outbox, log *slog.Logger) *Service {
	s := &Service{db: d, markets: markets, sellers: sellers, outbox: ob, log: log, now: time.Now, RankWindow: DefaultRankWindow}
	sellers.UseMallListings(s)
	return s
}

// SetShopMall copies a shop's Mall standing onto its products, in the transaction
// changing the shop's badge (seller.MallListings): search indexes it with the text.
func (s *Service) SetShopMall(ctx context.Context, tx *db.Tx, shopID id.ID, mall bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE products SET mall = $1 WHERE shop_id = $2 AND mall <> $1`, mall, shopID)
	if err != nil {
		return fmt.Errorf("catalog: products' mall standing: %w", err)
	}
	return nil
}

// CreateProduct lists a product in a shop the actor manages, priced in the shop's
// market currency. It goes live at once (product review arrives with the Seller Center).
func (s *Service) CreateProduct(ctx context.Context, actor auth.Actor, shopID id.ID, in ProductInput) (Product, error) {
	shop, err := s.sellers.ManageForSale(ctx, actor, shopID)
	if err != nil {
		return Product{}, err
	}
	m, err := s.markets.Market(ctx, shop.Market)
	if err != nil {
		return Product{}, err
	}
	if err := in.validate(m.Currency); err != nil {
		return Product{}, err
	}
	now := s.now().UTC()
	if err := s.checkCategory(ctx, in.Category); err != nil {
		return Product{}, err
	}
	if err := s.checkListingCap(ctx, shop, now); err != nil {
		return Product{}, err
	}
	note, err := s.screen(ctx, shop.Market, in)
	if err != nil {
		return Product{}, err
	}
	p := Product{ID: id.New(), ShopID: shop.ID, Market: shop.Market, Title: in.Title, Description: in.Description,
		Category: in.Category, Attributes: in.Attributes, Status: Live, ReviewNote: note, CreatedAt: now, UpdatedAt: now}
	attrs, err := json.Marshal(in.Attributes)
	if err != nil || len(in.Attributes) == 0 {
		attrs = []byte("{}")
	}
	if note != "" {
		p.Status = PendingReview
	}
	for _, si := range in.SKUs {
		p.SKUs = append(p.SKUs, SKU{ID: id.New(), ProductID: p.ID, SellerSKU: si.SellerSKU, Name: si.Name, Price: si.Price, Stock: si.Stock})
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		// New stock is on hand in the shop's default warehouse.
		wh, err := defaultWarehouse(ctx, tx, shop.ID)
		if err != nil {
			return err
		}
		// The product copies its shop's Mall standing, read under a share lock so a
		// badge changing meanwhile waits for this product (and then updates it too).
		var badge string
		if err := tx.QueryRowContext(ctx, `SELECT badge FROM shops WHERE id = $1`+db.ForShare(tx), shop.ID).Scan(&badge); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO products (id, shop_id, market, title, description, status, created_at, updated_at, category, review_note, attributes, mall)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, p.ID, p.ShopID, p.Market, p.Title, p.Description, string(p.Status),
			db.Micros(now), db.Micros(now), p.Category, p.ReviewNote, string(attrs), seller.Badge(badge).InMall()); err != nil {
			return err
		}
		for _, k := range p.SKUs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO skus (id, product_id, seller_sku, name, price, currency, stock, reserved, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`, k.ID, p.ID, k.SellerSKU, k.Name, k.Price.Amount, k.Price.Currency,
				k.Stock, db.Micros(now), db.Micros(now)); err != nil {
				return err
			}
			if err := recordPrice(ctx, tx, k.ID, k.Price.Amount, now); err != nil {
				return err
			}
			if err := putOnHand(ctx, tx, k.ID, wh.ID, k.Stock, k.Stock, "set", 0, actor.AccountID, now); err != nil {
				return err
			}
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("product", p.ID), events.ProductCreated{
			ProductID: p.ID, ShopID: p.ShopID, Market: p.Market, Title: p.Title, Status: string(p.Status), At: now})
	})
	if err != nil {
		return Product{}, fmt.Errorf("catalog: create product: %w", err)
	}
	return p, nil
}

// Product returns a product with its SKUs. Products are public.
func (s *Service) Product(ctx context.Context, productID id.ID) (Product, error) {
	ps, err := s.products(ctx, `WHERE p.id = $1`, productID)
	if err != nil {
		return Product{}, err
	}
	if len(ps) == 0 {
		return Product{}, ErrProductNotFound
	}
	ps[0].Images, err = s.ImagesOf(ctx, productID)
	return ps[0], err
}

// ProductsOfShop lists a shop's products, newest first.
func (s *Service) ProductsOfShop(ctx context.Context, shopID id.ID, limit int) ([]Product, error) {
	return s.products(ctx, `WHERE p.shop_id = $1 ORDER BY p.id DESC LIMIT $2`, shopID, limit)
}

// LiveProducts lists products for sale in a market, newest first.
func (s *Service) LiveProducts(ctx context.Context, marketCode string, limit int) ([]Product, error) {
	return s.products(ctx, `WHERE p.market = $1 AND p.status = 'live' ORDER BY p.id DESC LIMIT $2`, marketCode, limit)
}

// ProductsByID returns the products with the given ids that exist, in the order asked.
func (s *Service) ProductsByID(ctx context.Context, ids []id.ID) ([]Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, v := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), v
	}
	ps, err := s.products(ctx, `WHERE p.id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := map[id.ID]Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]Product, 0, len(ps))
	for _, v := range ids {
		if p, ok := byID[v]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// products loads products matching where (with its ORDER BY and LIMIT) and their SKUs.
func (s *Service) products(ctx context.Context, where string, args ...any) ([]Product, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.shop_id, p.market, p.title, p.description, p.status, p.created_at, p.updated_at, p.category, p.review_note, p.attributes
		FROM products p `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list products: %w", err)
	}
	var out []Product
	index := map[id.ID]int{}
	for rows.Next() {
		var p Product
		var created, updated int64
		var attrs string
		if err := rows.Scan(&p.ID, &p.ShopID, &p.Market, &p.Title, &p.Description, &p.Status, &created, &updated, &p.Category, &p.ReviewNote, &attrs); err != nil {
			rows.Close()
			return nil, err
		}
		if attrs != "{}" && attrs != "" {
			if err := json.Unmarshal([]byte(attrs), &p.Attributes); err != nil {
				rows.Close()
				return nil, fmt.Errorf("catalog: product %s attributes: %w", p.ID, err)
			}
		}
		p.CreatedAt, p.UpdatedAt = db.Time(created), db.Time(updated)
		index[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ph := make([]string, 0, len(out))
	skuArgs := make([]any, 0, len(out))
	for i, p := range out {
		ph = append(ph, fmt.Sprintf("$%d", i+1))
		skuArgs = append(skuArgs, p.ID)
	}
	srows, err := s.db.QueryContext(ctx, `SELECT id, product_id, seller_sku, name, price, currency, stock, reserved FROM skus
		WHERE product_id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, skuArgs...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list skus: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var k SKU
		if err := srows.Scan(&k.ID, &k.ProductID, &k.SellerSKU, &k.Name, &k.Price.Amount, &k.Price.Currency, &k.Stock, &k.Reserved); err != nil {
			return nil, err
		}
		p := &out[index[k.ProductID]]
		p.SKUs = append(p.SKUs, k)
	}
	return out, srows.Err()
}

// Item is a SKU as checkout sees it: with its product, shop and market.
type Item struct {
	SKU
	Title  string
	ShopID id.ID
	Market string
	Status Status
}

// ItemForSale reads a SKU and checks that it can be bought: the product is live and
// its shop can sell.
// Stock is checked by Reserve.
func (s *Service) ItemForSale(ctx context.Context, q db.Querier, skuID id.ID) (Item, error) {
	items, refused, err := s.ItemsForSale(ctx, q, []id.ID{skuID})
	if err != nil {
		return Item{}, err
	}
	return items[0], refused[0]
}

// ItemsForSale reads several SKUs in one query (a checkout's lines) and checks each
// can be bought. refused[i] says why skuIDs[i] cannot (ErrSKUNotFound,
// ErrNotForSale, seller.ErrShopNotActive); err is a failure to read at all.
func (s *Service) ItemsForSale(ctx context.Context, q db.Querier, skuIDs []id.ID) (items []Item, refused []error, err error) {
	if len(skuIDs) == 0 {
		return nil, nil, nil
	}
	ph := make([]string, len(skuIDs))
	args := make([]any, len(skuIDs))
	for i, k := range skuIDs {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), k
	}
	rows, err := q.QueryContext(ctx, `SELECT k.id, k.product_id, k.seller_sku, k.name, k.price, k.currency, k.stock, k.reserved,
		p.title, p.shop_id, p.market, p.status, s.name, s.status FROM skus k JOIN products p ON p.id = k.product_id JOIN shops s ON s.id = p.shop_id
		WHERE k.id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: load skus: %w", err)
	}
	defer rows.Close()
	type row struct {
		Item
		shop seller.Shop
	}
	found := make(map[id.ID]row, len(skuIDs))
	for rows.Next() {
		var r row
		it := &r.Item
		if err := rows.Scan(&it.ID, &it.ProductID, &it.SellerSKU, &it.Name, &it.Price.Amount, &it.Price.Currency, &it.Stock, &it.Reserved,
			&it.Title, &it.ShopID, &it.Market, &it.Status, &r.shop.Name, &r.shop.Status); err != nil {
			return nil, nil, fmt.Errorf("catalog: load skus: %w", err)
		}
		found[it.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("catalog: load skus: %w", err)
	}
	items, refused = make([]Item, len(skuIDs)), make([]error, len(skuIDs))
	for i, k := range skuIDs {
		r, ok := found[k]
		switch {
		case !ok:
			refused[i] = ErrSKUNotFound.With("SKU %s does not exist", k)
		case r.Status != Live:
			refused[i] = ErrNotForSale.With("%q is %s and cannot be bought", r.Title, r.Status)
		case !r.shop.CanSell():
			refused[i] = seller.ErrShopNotActive.With("%s is not taking orders right now", r.shop.Name)
		default:
			items[i] = r.Item
		}
	}
	return items, refused, nil
}

func (s *Service) itemAnyStatus(ctx context.Context, skuID id.ID) (Item, error) {
	var it Item
	err := s.db.QueryRowContext(ctx, `SELECT k.id, k.product_id, k.seller_sku, k.name, k.price, k.currency, k.stock, k.reserved, p.shop_id
		FROM skus k JOIN products p ON p.id = k.product_id WHERE k.id = $1`, skuID).
		Scan(&it.ID, &it.ProductID, &it.SellerSKU, &it.Name, &it.Price.Amount, &it.Price.Currency, &it.Stock, &it.Reserved, &it.ShopID)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrSKUNotFound
	}
	return it, err
}

// Reserve takes qty units of a SKU's stock for an order awaiting payment, in the
// caller's transaction. It fails with ErrOutOfStock, changing nothing, if fewer remain,
// or ErrNotForSale if the product was taken off sale since it was read.
func (s *Service) Reserve(ctx context.Context, tx *db.Tx, skuID id.ID, qty int64) error {
	r, err := s.ReserveEach(ctx, tx, [][]Want{{{SKUID: skuID, Quantity: qty}}})
	if err != nil {
		return err
	}
	return r[0].Err
}

// Release returns reserved units to stock (an order cancelled before payment).
func (s *Service) Release(ctx context.Context, tx *db.Tx, skuID id.ID, qty int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE skus SET stock = stock + $1, reserved = reserved - $1 WHERE id = $2`, qty, skuID)
	if err != nil {
		return fmt.Errorf("catalog: release: %w", err)
	}
	return nil
}

// Commit turns reserved units into sold ones (an order paid).
func (s *Service) Commit(ctx context.Context, tx *db.Tx, skuID id.ID, qty int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE skus SET reserved = reserved - $1 WHERE id = $2`, qty, skuID)
	if err != nil {
		return fmt.Errorf("catalog: commit stock: %w", err)
	}
	return nil
}

// ProductOfSKU returns the product a SKU belongs to.
func (s *Service) ProductOfSKU(ctx context.Context, skuID id.ID) (Product, error) {
	var pid id.ID
	err := s.db.QueryRowContext(ctx, `SELECT product_id FROM skus WHERE id = $1`, skuID).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, ErrSKUNotFound.With("SKU %s does not exist", skuID)
	}
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, pid)
}

// Restock puts units that were sold back on sale (a paid order cancelled before it
// shipped, or a returned parcel received).
func (s *Service) Restock(ctx context.Context, tx *db.Tx, skuID id.ID, qty int64) error {
	if qty <= 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE skus SET stock = stock + $1 WHERE id = $2`, qty, skuID)
	if err != nil {
		return fmt.Errorf("catalog: restock: %w", err)
	}
	return nil
}
