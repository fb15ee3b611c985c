package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
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
	videos, err := s.Content.Videos(ctx, content.VideoFeed{ProductID: p.ID, Limit: 6})
	if err != nil {
		s.fail(w, r, err)
		return
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
		Videos  []content.Video
		From    string
	}{p, shop, via, newKey(), payment.SandboxMethods, reviews, summary, videos, from})
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
	// Otherwise the shopper's last tap on a creator's link or in a video.
	if line.Attribution.CreatorID == 0 {
		if a, ok := s.cookieAttribution(r, p.ID); ok {
			line.Attribution = a
		}
	}
	// Otherwise the surface the product page was opened from (search, the Mall, a store page).
	if line.Attribution.Source == "" {
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

// cookieAttribution credits a purchase of a product to where the shopper last came to
// it from, as remembered in cookies: a creator's signed link (within the market's
// attribution window) or a shoppable video (its creator, at the showcase rate).
func (s *Server) cookieAttribution(r *http.Request, productID id.ID) (order.Attribution, bool) {
	ctx := r.Context()
	if c, err := r.Cookie(affiliateCookie(productID)); err == nil {
		if cid, bp, err := s.Creators.LinkAttribution(ctx, c.Value, productID); err == nil {
			return order.Attribution{Source: order.Source(creator.SourceAffiliateLink), CreatorID: cid, CommissionBP: bp}, true
		}
	}
	if cid, ok := s.videoAttribution(r, productID); ok {
		a := order.Attribution{Source: order.SourceVideo}
		if cid != 0 {
			if bp, err := s.Creators.CommissionFor(ctx, cid, productID); err == nil {
				a.CreatorID, a.CommissionBP = cid, bp
			}
		}
		return a, true
	}
	return order.Attribution{}, false
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
	videos, err := s.Content.Videos(ctx, content.VideoFeed{CreatorID: c.ID, Limit: 12})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var live []roomCard
	if ss, err := s.Content.List(ctx, contentLiveOf(c.AccountID)); err == nil {
		live = s.cards(ctx, ss)
	}
	s.render(w, r, "creator_profile", c.DisplayName, "home", struct {
		Creator   creator.Creator
		Showcase  []creator.ShowcaseItem
		Following bool
		Live      []roomCard
		Videos    []content.Video
	}{c, items, following, live, videos})
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
