// Package catalog owns what is for sale: products, their SKUs with a price in the
// market's currency, and stock. Stock changes only through Reserve, Release and
// Commit, each a single conditional UPDATE, so concurrent checkouts can never drive a
// SKU below zero (and a CHECK constraint says so again if code ever tried). Units on
// hand per warehouse (inventory.go) move only with the seller's edits, packages and
// returns, and keep that sellable stock in step.
package catalog

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Status is a product's state.
type Status string

// Product states. Review (pending_review, rejected) arrives with the Seller Center.
const (
	Draft         Status = "draft"
	PendingReview Status = "pending_review"
	Live          Status = "live"
	Rejected      Status = "rejected"
	Suspended     Status = "suspended"
)

// Product is a listing with one or more SKUs.
type Product struct {
	ID          id.ID   `json:"id"`
	ShopID      id.ID   `json:"shop_id"`
	Market      string  `json:"market"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Category    string  `json:"category,omitempty"`
	Status      Status  `json:"status"`
	ReviewNote  string  `json:"review_note,omitempty"` // why it waits for review, or the reviewer's reason
	SKUs        []SKU   `json:"skus"`
	Images      []Image `json:"images,omitempty"` // filled by Product (one product), not by lists
	// Attributes describe the product (material, size chart, origin), name to value.
	Attributes map[string]string `json:"attributes,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

// SKU is one purchasable variant.
type SKU struct {
	ID        id.ID       `json:"id"`
	ProductID id.ID       `json:"product_id"`
	SellerSKU string      `json:"seller_sku"`
	Name      string      `json:"name"`
	Price     money.Money `json:"price"`
	Stock     int64       `json:"stock"`    // available to sell
	Reserved  int64       `json:"reserved"` // held by orders awaiting payment
}

// FromPrice returns the lowest SKU price, for listings.
func (p Product) FromPrice() money.Money {
	var low money.Money
	for i, s := range p.SKUs {
		if i == 0 || s.Price.Amount < low.Amount {
			low = s.Price
		}
	}
	return low
}

// InStock reports whether any SKU has stock.
func (p Product) InStock() bool {
	for _, s := range p.SKUs {
		if s.Stock > 0 {
			return true
		}
	}
	return false
}

// Errors of the catalog domain.
var (
	ErrProductNotFound = errs.New(errs.NotFound, "product_not_found", "no such product")
	ErrSKUNotFound     = errs.New(errs.NotFound, "sku_not_found", "no such SKU")
	ErrWrongCurrency   = errs.New(errs.Invalid, "wrong_currency", "prices must be in the shop's market currency")
	ErrOutOfStock      = errs.New(errs.Conflict, "out_of_stock", "not enough stock left")
	ErrNotForSale      = errs.New(errs.Rule, "not_for_sale", "this product is not for sale")
	ErrDuplicateSKU    = errs.New(errs.Invalid, "duplicate_seller_sku", "each SKU of a product needs its own seller SKU")
)

// MaxAttributes bounds a product's attributes.
const MaxAttributes = 30

// MaxStock bounds stock so sums of stock cannot overflow.
const MaxStock = 1_000_000_000

// ProductInput is what a seller gives to list a product.
type ProductInput struct {
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Category    string            `json:"category"` // a code of the category tree; optional
	Attributes  map[string]string `json:"attributes"`
	SKUs        []SKUInput        `json:"skus"`
}

// SKUInput describes one SKU of a new product.
type SKUInput struct {
	SellerSKU string      `json:"seller_sku"`
	Name      string      `json:"name"`
	Price     money.Money `json:"price"`
	Stock     int64       `json:"stock"`
}

// validate checks the input for a shop in a market with the given currency; errors
// name the field by its JSON path ("skus[1].price.currency").
func (in *ProductInput) validate(currency string) error {
	in.Title = strings.TrimSpace(in.Title)
	if n := utf8.RuneCountInString(in.Title); n < 2 || n > 255 {
		return errs.Invalidf("title", "a title is 2-255 characters")
	}
	if utf8.RuneCountInString(in.Description) > 10000 {
		return errs.Invalidf("description", "a description is at most 10,000 characters")
	}
	if len(in.Attributes) > MaxAttributes {
		return errs.Invalidf("attributes", "a product has at most %d attributes", MaxAttributes)
	}
	if len(in.Attributes) > 0 {
		clean := make(map[string]string, len(in.Attributes))
		for name, v := range in.Attributes {
			name, v = strings.TrimSpace(name), strings.TrimSpace(v)
			if n := utf8.RuneCountInString(name); n < 1 || n > 40 {
				return errs.Invalidf("attributes", "an attribute name is 1-40 characters (%q)", name)
			}
			if utf8.RuneCountInString(v) > 200 {
				return errs.Invalidf("attributes."+name, "an attribute value is at most 200 characters")
			}
			clean[name] = v
		}
		in.Attributes = clean
	}
	if len(in.SKUs) < 1 || len(in.SKUs) > 100 {
		return errs.Invalidf("skus", "a product has 1-100 SKUs")
	}
	seen := map[string]bool{}
	for i := range in.SKUs {
		s := &in.SKUs[i]
		f := fmt.Sprintf("skus[%d]", i)
		s.SellerSKU, s.Name = strings.TrimSpace(s.SellerSKU), strings.TrimSpace(s.Name)
		if s.SellerSKU == "" {
			s.SellerSKU = fmt.Sprintf("SKU-%d", i+1)
		}
		if len(s.SellerSKU) > 64 {
			return errs.Invalidf(f+".seller_sku", "a seller SKU is at most 64 characters")
		}
		if seen[s.SellerSKU] {
			return ErrDuplicateSKU.OnField(f + ".seller_sku")
		}
		seen[s.SellerSKU] = true
		if s.Name == "" {
			s.Name = "Default"
		}
		if utf8.RuneCountInString(s.Name) > 100 {
			return errs.Invalidf(f+".name", "a SKU name is at most 100 characters")
		}
		if s.Price.Currency != currency {
			return ErrWrongCurrency.With("price is in %q but this shop sells in %s", s.Price.Currency, currency).OnField(f + ".price.currency")
		}
		if s.Price.Amount <= 0 {
			return errs.Invalidf(f+".price.amount", "a price must be more than zero (amounts are in minor units: 1999 is 19.99)")
		}
		if s.Stock < 0 || s.Stock > MaxStock {
			return errs.Invalidf(f+".stock", "stock must be 0-%d", MaxStock)
		}
	}
	return nil
}
