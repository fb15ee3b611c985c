package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// newKey makes an idempotency key for a form: rendered once, so submitting the same
// form twice places one order.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) productPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Catalog.Product(ctx, pid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, err := s.Sellers.Shop(ctx, p.ShopID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Arriving from a creator's showcase credits the creator, if the product really is there.
	var via *creator.Creator
	if cid, err := id.Parse(r.URL.Query().Get("creator")); err == nil {
		if _, err := s.Creators.CommissionFor(ctx, cid, p.ID); err == nil {
			if c, err := s.Creators.Creator(ctx, cid); err == nil {
				via = &c
			}
		}
	}
	reviews, summary, err := s.Orders.ProductReviews(ctx, p.ID, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Where the buyer found the product (search, the Mall, a store page) goes with the
	// purchase, so its GMV is reported under that surface.
	from := r.URL.Query().Get("from")
	if order.SurfaceSource(from, true) == order.SourceProductCard {
		from = ""
	}
	s.render(w, r, "product", p.Title, "home", struct {
		Product catalog.Product
		Shop    seller.Shop
		Via     *creator.Creator
		Key     string
		Methods []string
		Reviews []order.Review
		Rating  order.RatingSummary
		From    string
	}{p, shop, via, newKey(), payment.SandboxMethods, reviews, summary, from})
}

func (s *Server) buyProduct(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/products/" + pid.String()
	p, err := s.Catalog.Product(ctx, pid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	skuID, err := id.Parse(r.PostFormValue("sku_id"))
	if err != nil {
		s.back(w, r, back, catalog.ErrSKUNotFound.OnField("sku_id"))
		return
	}
	qty, _ := strconv.ParseInt(r.PostFormValue("quantity"), 10, 64)
	line := order.LineInput{SKUID: skuID, Quantity: qty}
	if cid, err := id.Parse(r.PostFormValue("creator_id")); err == nil {
		if bp, err := s.Creators.CommissionFor(ctx, cid, p.ID); err == nil {
			line.Attribution = order.Attribution{Source: order.SourceShowcase, CreatorID: cid, CommissionBP: bp}
			back += "?creator=" + cid.String()
		}
	}
	// Otherwise the shopper's last click on a creator's signed link to this product
	// credits the creator, within the market's attribution window.
	if c, err := r.Cookie(affiliateCookie(p.ID)); err == nil && line.Attribution.CreatorID == 0 {
		if cid, bp, err := s.Creators.LinkAttribution(ctx, c.Value, p.ID); err == nil {
			line.Attribution = order.Attribution{Source: order.Source(creator.SourceAffiliateLink), CreatorID: cid, CommissionBP: bp}
		}
	}
	if line.Attribution.CreatorID == 0 {
		shop, err := s.Sellers.Shop(ctx, p.ShopID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		line.Attribution.Source = order.SurfaceSource(r.PostFormValue("from"), shop.Badge == seller.Mall || shop.Badge == seller.Official)
		if line.Attribution.Source != order.SourceProductCard {
			back += "?from=" + url.QueryEscape(r.PostFormValue("from")) // a retry after an error keeps the surface
		}
	}
	res, err := s.Orders.Checkout(ctx, auth.From(ctx), order.CheckoutInput{
		IdempotencyKey: r.PostFormValue("idempotency_key"), Market: p.Market, Lines: []order.LineInput{line},
		ShippingAddress: addressFrom(r, p.Market), PaymentMethod: r.PostFormValue("payment_method"),
	})
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, "/orders/"+res.Orders[0].ID.String(), "Thank you! Your order is placed and paid.")
}

func addressFrom(r *http.Request, market string) order.Address {
	return order.Address{Name: r.PostFormValue("name"), Line1: r.PostFormValue("line1"), City: r.PostFormValue("city"),
		PostalCode: r.PostFormValue("postal_code"), Country: market}
}

func (s *Server) creatorProfile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.Creators.ByHandle(ctx, r.PathValue("handle"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.Creators.Showcase(ctx, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	following, _ := s.Identity.IsFollowing(ctx, auth.From(ctx), "creator", c.ID)
	var live []roomCard
	if ss, err := s.Content.List(ctx, contentLiveOf(c.AccountID)); err == nil {
		live = s.cards(ctx, ss)
	}
	s.render(w, r, "creator_profile", c.DisplayName, "home", struct {
		Creator   creator.Creator
		Showcase  []creator.ShowcaseItem
		Following bool
		Live      []roomCard
	}{c, items, following, live})
}

func (s *Server) followCreator(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Creators.Creator(ctx, cid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Creators.Follow(ctx, auth.From(ctx), cid); err != nil {
		s.back(w, r, "/creators/"+c.Handle, err)
		return
	}
	done(w, r, "/creators/"+c.Handle, "You follow @"+c.Handle+".")
}
