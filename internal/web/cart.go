package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
)

// commerceRoutes registers the buying, fulfilment and after-sales pages: cart and
// checkout, the sandbox bank's confirmation page, order detail actions, Seller Center
// orders, returns, promotions and shipping, and the Ops disputes and review queues.
func (s *Server) commerceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /cart", s.cartPage)
	mux.HandleFunc("POST /cart/items", s.setCartItem)
	mux.HandleFunc("POST /cart/checkout", s.checkoutCart)
	mux.HandleFunc("GET /payments/sandbox/{ref}", s.sandboxPayPage)
	mux.HandleFunc("POST /payments/sandbox/{ref}", s.sandboxPay)

	mux.HandleFunc("POST /orders/{id}/returns", s.requestReturn)
	mux.HandleFunc("POST /returns/{id}/ship", s.shipReturn)
	mux.HandleFunc("POST /returns/{id}/escalate", s.escalateReturn)
	mux.HandleFunc("POST /returns/{id}/withdraw", s.withdrawReturn)
	mux.HandleFunc("POST /order-lines/{id}/review", s.writeReview)

	mux.HandleFunc("GET /seller/shops/{id}/orders", s.sellerOrders)
	mux.HandleFunc("POST /seller/shops/{id}/ship", s.bulkShip)
	mux.HandleFunc("POST /seller/shops/{id}/cancel", s.sellerCancel)
	mux.HandleFunc("GET /seller/shops/{id}/returns", s.sellerReturns)
	mux.HandleFunc("POST /seller/returns/{id}/respond", s.respondReturn)
	mux.HandleFunc("GET /seller/shops/{id}/reviews", s.sellerReviews)
	mux.HandleFunc("POST /seller/reviews/{id}/reply", s.replyReview)
	mux.HandleFunc("GET /seller/shops/{id}/promotions", s.sellerPromotions)
	mux.HandleFunc("POST /seller/shops/{id}/promotions", s.createPromotion)
	mux.HandleFunc("POST /seller/promotions/{id}/end", s.endPromotion)
	mux.HandleFunc("POST /seller/shops/{id}/coupons", s.createCoupon)
	mux.HandleFunc("POST /seller/coupons/{id}/end", s.endCoupon)
	mux.HandleFunc("GET /seller/shops/{id}/shipping", s.sellerShipping)
	mux.HandleFunc("POST /seller/shops/{id}/shipping", s.setEnrolment)

	mux.HandleFunc("GET /ops/disputes", s.opsDisputes)
	mux.HandleFunc("POST /ops/disputes/{id}/resolve", s.opsResolve)
	mux.HandleFunc("GET /ops/reviews", s.opsReviews)
	mux.HandleFunc("POST /ops/reviews/{id}/moderate", s.opsModerate)
}

// cartRow is a cart item with its SKU's name and price.
type cartRow struct {
	order.CartItem
	SKUName string
	Price   money.Money
}

// cartShop is one shop's part of the cart, priced.
type cartShop struct {
	ShopName string
	Order    promo.OrderOut
	Titles   map[id.ID]string
}

func (s *Server) cartPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		s.fail(w, r, err)
		return
	}
	mk := s.market(r)
	coupons := splitCodes(r.URL.Query().Get("coupons"))
	c, err := s.Orders.Cart(ctx, actor, mk, coupons)
	couponErr := ""
	if err != nil && len(coupons) > 0 {
		// A coupon that does not apply is shown next to the coupon box; the cart is
		// still priced without it.
		pub := httpx.Public(err)
		couponErr = pub.Message
		c, err = s.Orders.Cart(ctx, actor, mk, nil)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, _ := s.Markets.Market(ctx, mk)
	titles := map[id.ID]string{}
	expired, unavailable := false, false
	var rows []cartRow
	for _, it := range c.Items {
		titles[it.SKUID] = it.Product.Title
		expired = expired || it.Expired
		unavailable = unavailable || it.Unavailable != ""
		row := cartRow{CartItem: it, Price: it.Product.FromPrice()}
		for _, k := range it.Product.SKUs {
			if k.ID == it.SKUID {
				row.SKUName, row.Price = k.Name, k.Price
			}
		}
		rows = append(rows, row)
	}
	var shops []cartShop
	if c.Quote != nil {
		for _, o := range c.Quote.Orders {
			sh, _ := s.Sellers.Shop(ctx, o.ShopID)
			shops = append(shops, cartShop{ShopName: sh.Name, Order: o, Titles: titles})
		}
	}
	s.render(w, r, "cart", "Cart", "cart", struct {
		Cart        order.Cart
		Rows        []cartRow
		Shops       []cartShop
		Currency    string
		Coupons     string
		CouponErr   string
		Expired     bool
		Unavailable bool
		Key         string
		Methods     []string
	}{c, rows, shops, m.Currency, strings.Join(coupons, ", "), couponErr, expired, unavailable, newKey(), payment.SandboxMethods})
}

func splitCodes(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.ToUpper(f))
	}
	return out
}

func (s *Server) setCartItem(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/cart"
	}
	skuID, err := id.Parse(r.PostFormValue("sku_id"))
	if err != nil {
		s.back(w, r, back, catalog.ErrSKUNotFound.OnField("sku_id"))
		return
	}
	qty, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("quantity")), 10, 64)
	if err != nil {
		qty = -1 // refused below with the field named
	}
	if err := s.Orders.SetCartItem(ctx, auth.From(ctx), skuID, qty); err != nil {
		s.back(w, r, back, err)
		return
	}
	msg := "Cart updated."
	if qty == 0 {
		msg = "Removed from your cart."
	} else if back != "/cart" {
		msg = "Added to your cart."
	}
	done(w, r, back, msg)
}

func (s *Server) checkoutCart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mk := r.PostFormValue("market")
	coupons := splitCodes(r.PostFormValue("coupons"))
	back := "/cart?market=" + url.QueryEscape(mk)
	if len(coupons) > 0 {
		back += "&coupons=" + url.QueryEscape(strings.Join(coupons, ","))
	}
	// Cart lines are credited as a single buy would be: to the creator's link or the
	// video the shopper last came to the product from.
	attr := map[id.ID]order.Attribution{}
	if cart, err := s.Orders.Cart(ctx, auth.From(ctx), mk, nil); err == nil {
		for _, it := range cart.Items {
			if a, ok := s.cookieAttribution(r, it.Product.ID); ok {
				attr[it.Product.ID] = a
			}
		}
	}
	res, err := s.Orders.Checkout(ctx, auth.From(ctx), order.CheckoutInput{IdempotencyKey: r.PostFormValue("idempotency_key"), Market: mk,
		FromCart: true, CartAttribution: attr, Coupons: coupons, ShippingAddress: addressFrom(r, mk), PaymentMethod: r.PostFormValue("payment_method")})
	switch {
	case err == nil && res.Status == "action_required":
		http.Redirect(w, r, res.NextAction, http.StatusSeeOther)
	case err != nil:
		s.back(w, r, back, err)
	case len(res.Orders) == 1:
		done(w, r, "/orders/"+res.Orders[0].ID.String(), "Thank you! Your order is placed and paid.")
	default:
		done(w, r, "/orders", "Thank you! Your "+strconv.Itoa(len(res.Orders))+" orders are placed and paid, one per shop.")
	}
}

func (s *Server) sandboxPayPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, os, err := s.Orders.PaymentToConfirm(ctx, auth.From(ctx), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "pay_sandbox", "Confirm your payment", "orders", struct {
		Payment payment.Payment
		Orders  []order.Order
	}{p, os})
}

func (s *Server) sandboxPay(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ref := r.PathValue("ref")
	approve := r.PostFormValue("decision") == "approve"
	os, err := s.Orders.ConfirmSandboxPayment(ctx, auth.From(ctx), ref, approve)
	if err != nil {
		s.back(w, r, "/orders", err)
		return
	}
	to := "/orders"
	if len(os) == 1 {
		to = "/orders/" + os[0].ID.String()
	}
	if !approve {
		s.back(w, r, to, payment.ErrDeclined.With("you did not confirm the payment, so the order is cancelled; buy again with another card"))
		return
	}
	done(w, r, to, "Payment confirmed. Your order is placed and paid.")
}
