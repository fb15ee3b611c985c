package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Partner tools (the Open API) edit a product in one request (title, description and
// any SKUs' prices and stock together) and page through a shop's catalogue with
// filters. Both are for the seller who manages the shop.

// ProductEdit changes a product. Nil fields stay as they are; every change in it
// applies together or not at all.
type ProductEdit struct {
	Title       *string
	Description *string
	SKUs        []SKUEdit
	// Category moves the product to another category of the tree.
	Category *string
}

// SKUEdit changes one SKU of the product.
type SKUEdit struct {
	ID    id.ID
	Price *money.Money
	Stock *int64 // sellable stock, through the default warehouse (SetStock)
	// Warehouses sets the units available to sell from named warehouses, as
	// Availability reads them (setAvailable): not what they hold.
	Warehouses []WarehouseQuantity
}

// WarehouseQuantity is a number of units of a SKU in one warehouse.
type WarehouseQuantity struct {
	WarehouseID id.ID
	Quantity    int64
}

// EditProduct applies edit to a product of a shop the actor manages. Errors name the
// field at fault ("skus[1].price.amount") and change nothing.
func (s *Service) EditProduct(ctx context.Context, actor auth.Actor, productID id.ID, edit ProductEdit) (Product, error) {
	p, err := s.Product(ctx, productID)
	if err != nil {
		return Product{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, p.ShopID); err != nil {
		return Product{}, err
	}
	if edit.Title != nil {
		t := strings.TrimSpace(*edit.Title)
		if n := utf8.RuneCountInString(t); n < 2 || n > 255 {
			return Product{}, errs.Invalidf("title", "a title is 2-255 characters")
		}
		edit.Title = &t
	}
	if edit.Description != nil && utf8.RuneCountInString(*edit.Description) > 10000 {
		return Product{}, errs.Invalidf("description", "a description is at most 10,000 characters")
	}
	if edit.Category != nil {
		code := strings.TrimSpace(*edit.Category)
		if code == "" {
			return Product{}, ErrCategoryNotFound.With("name the category to move the product to")
		}
		if err := s.checkCategory(ctx, code); err != nil {
			return Product{}, err
		}
		edit.Category = &code
	}
	skus := map[id.ID]SKU{}
	for _, k := range p.SKUs {
		skus[k.ID] = k
	}
	seen := map[id.ID]bool{}
	for i, e := range edit.SKUs {
		f := fmt.Sprintf("skus[%d]", i)
		k, ok := skus[e.ID]
		if !ok {
			return Product{}, ErrSKUNotFound.With("SKU %s is not a SKU of this product", e.ID).OnField(f + ".id")
		}
		if seen[e.ID] {
			return Product{}, errs.Invalidf(f+".id", "each SKU once")
		}
		seen[e.ID] = true
		if e.Price != nil {
			if e.Price.Currency != k.Price.Currency {
				return Product{}, ErrWrongCurrency.With("price is in %q but this SKU sells in %s", e.Price.Currency, k.Price.Currency).OnField(f + ".price.currency")
			}
			if e.Price.Amount <= 0 {
				return Product{}, errs.Invalidf(f+".price.amount", "a price must be more than zero")
			}
		}
		if e.Stock != nil && (*e.Stock < 0 || *e.Stock > MaxStock) {
			return Product{}, errs.Invalidf(f+".stock", "stock must be 0-%d", MaxStock)
		}
		for j, w := range e.Warehouses {
			if w.Quantity < 0 || w.Quantity > MaxStock {
				return Product{}, errs.Invalidf(fmt.Sprintf("%s.inventory[%d].quantity", f, j), "quantity must be 0-%d", MaxStock)
			}
		}
	}
	now := s.now().UTC()
	// Edited text goes through product review again (review.go: rescreen).
	status, note := p.Status, p.ReviewNote
	if edit.Title != nil || edit.Description != nil {
		title, desc := p.Title, p.Description
		if edit.Title != nil {
			title = *edit.Title
		}
		if edit.Description != nil {
			desc = *edit.Description
		}
		edit.Title, edit.Description = &title, &desc
		if status, note, err = s.rescreen(ctx, p, title, desc); err != nil {
			return Product{}, err
		}
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if edit.Title != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE products SET title = $1, description = $2, status = $3, review_note = $4, updated_at = $5 WHERE id = $6`,
				*edit.Title, *edit.Description, string(status), note, db.Micros(now), p.ID); err != nil {
				return err
			}
			if err := s.statusChanged(ctx, tx, p, status, note, now); err != nil {
				return err
			}
		}
		if edit.Category != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE products SET category = $1, updated_at = $2 WHERE id = $3`, *edit.Category, db.Micros(now), p.ID); err != nil {
				return err
			}
		}
		for i, e := range edit.SKUs {
			f := fmt.Sprintf("skus[%d]", i)
			if e.Price != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE skus SET price = $1, updated_at = $2 WHERE id = $3`, e.Price.Amount, db.Micros(now), e.ID); err != nil {
					return err
				}
				if err := recordPrice(ctx, tx, e.ID, e.Price.Amount, now); err != nil {
					return err
				}
			}
			if e.Stock != nil {
				if err := setSellable(ctx, tx, p.ShopID, e.ID, *e.Stock, actor.AccountID, now); err != nil {
					return errs.OnField(err, f+".stock")
				}
			}
			if len(e.Warehouses) > 0 {
				if err := setAvailable(ctx, tx, p.ShopID, e.ID, e.Warehouses, f+".inventory", actor.AccountID, now); err != nil {
					return err
				}
			}
		}
		if len(edit.SKUs) > 0 && edit.Title == nil && edit.Description == nil {
			_, err := tx.ExecContext(ctx, `UPDATE products SET updated_at = $1 WHERE id = $2`, db.Micros(now), p.ID)
			return err
		}
		return nil
	})
	if err != nil {
		return Product{}, fmt.Errorf("catalog: edit product: %w", err)
	}
	return s.Product(ctx, p.ID)
}

// ProductSearch selects a shop's products. Time bounds are inclusive, as TikTok
// Shop's product search has them.
type ProductSearch struct {
	ShopID       id.ID
	Status       Status   // optional
	SellerSKUs   []string // optional: products with any of these seller SKUs
	CreatedFrom  time.Time
	CreatedUntil time.Time
	UpdatedFrom  time.Time
	UpdatedUntil time.Time
	AfterID      id.ID // continues after the page that ended with this product
	Limit        int
}

// ProductPage is one page of a product search, newest first.
type ProductPage struct {
	Products []Product
	// NextAfter continues the search; zero when this page is the last.
	NextAfter id.ID
	Total     int64
}

// SearchProducts returns a page of a shop's products for the seller who manages it.
func (s *Service) SearchProducts(ctx context.Context, actor auth.Actor, q ProductSearch) (ProductPage, error) {
	if _, err := s.sellers.Manage(ctx, actor, q.ShopID); err != nil {
		return ProductPage{}, err
	}
	if q.Limit < 1 || q.Limit > 100 {
		return ProductPage{}, errs.Invalidf("page_size", "page_size is 1-100")
	}
	switch q.Status {
	case "", Draft, PendingReview, Live, Rejected, Suspended:
	default:
		return ProductPage{}, errs.Invalidf("status", "unknown product status %q", q.Status)
	}
	if len(q.SellerSKUs) > 100 {
		return ProductPage{}, errs.Invalidf("seller_skus", "at most 100 seller SKUs")
	}
	where := []string{"p.shop_id = $1"}
	args := []any{q.ShopID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.Status != "" {
		add("p.status = $%d", string(q.Status))
	}
	if !q.CreatedFrom.IsZero() {
		add("p.created_at >= $%d", db.Micros(q.CreatedFrom))
	}
	if !q.CreatedUntil.IsZero() {
		add("p.created_at <= $%d", db.Micros(q.CreatedUntil))
	}
	if !q.UpdatedFrom.IsZero() {
		add("p.updated_at >= $%d", db.Micros(q.UpdatedFrom))
	}
	if !q.UpdatedUntil.IsZero() {
		add("p.updated_at <= $%d", db.Micros(q.UpdatedUntil))
	}
	if len(q.SellerSKUs) > 0 {
		ph := make([]string, len(q.SellerSKUs))
		for i, v := range q.SellerSKUs {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "p.id IN (SELECT product_id FROM skus WHERE seller_sku IN ("+strings.Join(ph, ",")+"))")
	}
	filter := strings.Join(where, " AND ")
	var page ProductPage
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products p WHERE `+filter, args...).Scan(&page.Total); err != nil {
		return ProductPage{}, fmt.Errorf("catalog: count products: %w", err)
	}
	if q.AfterID != 0 {
		add("p.id < $%d", q.AfterID)
	}
	args = append(args, q.Limit+1)
	ps, err := s.products(ctx, `WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY p.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return ProductPage{}, err
	}
	if len(ps) > q.Limit {
		ps = ps[:q.Limit]
		page.NextAfter = ps[len(ps)-1].ID
	}
	page.Products = ps
	return page, nil
}
