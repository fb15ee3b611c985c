package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

// Seller Center's order-side pages: the orders queue with bulk shipping, the returns
// queue, reviews, promotions and coupons, and shipping programmes.

// managedShop reads the shop in the path for the seller who manages it.
func (s *Server) managedShop(w http.ResponseWriter, r *http.Request) (seller.Shop, market.Market, bool) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return seller.Shop{}, market.Market{}, false
	}
	shop, err := s.Sellers.Manage(ctx, auth.From(ctx), shopID)
	if err != nil {
		s.fail(w, r, err)
		return seller.Shop{}, market.Market{}, false
	}
	m, err := s.Markets.Market(ctx, shop.Market)
	if err != nil {
		s.fail(w, r, err)
		return seller.Shop{}, market.Market{}, false
	}
	return shop, m, true
}

// shopTabs are Seller Center's sections of a shop.
var shopTabs = []struct{ Path, Label string }{
	{"", "Overview"}, {"/orders", "Orders"}, {"/returns", "Returns"}, {"/reviews", "Reviews"},
	{"/promotions", "Promotions"}, {"/shipping", "Shipping"}, {"/onboarding", "Tier & onboarding"}, {"/performance", "Performance"}, {"/health", "Account health"}, {"/messages", "Messages"}, {"/videos", "Videos"}, {"/import", "Bulk import"}, {"/mall", "Mall"}, {"/warehouses", "Warehouses"}, {"/finance", "Finance"}, {"/affiliate", "Affiliate"},
}

// ShopHeader is what every shop section page shows at the top.
type ShopHeader struct {
	Shop   seller.Shop
	Market market.Market
	Tab    string
	Tabs   []struct{ Path, Label string }
}

func header(shop seller.Shop, m market.Market, tab string) ShopHeader {
	return ShopHeader{Shop: shop, Market: m, Tab: tab, Tabs: shopTabs}
}

func (s *Server) sellerOrders(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	filter := order.Status(r.URL.Query().Get("status"))
	if filter == "" {
		filter = order.AwaitingShipment
	}
	if filter == "ALL" {
		filter = ""
	}
	os, err := s.Orders.ShopOrders(ctx, auth.From(ctx), shop.ID, filter, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	whs, err := s.Sellers.Warehouses(ctx, auth.From(ctx), shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now()
	late := 0
	for _, o := range os {
		if o.Status == order.AwaitingShipment && !o.DispatchDueAt.IsZero() && now.After(o.DispatchDueAt) {
			late++
		}
	}
	s.render(w, r, "seller_orders", shop.Name+" · orders", "seller", struct {
		ShopHeader
		Orders []order.Order
		Filter order.Status
		States []order.Status
		Late   int
		Now    time.Time
		// Warehouses lets the seller pick where a parcel leaves from.
		Warehouses []seller.Warehouse
	}{header(shop, m, "/orders"), os, filter,
		[]order.Status{order.OnHold, order.AwaitingShipment, order.PartiallyShipping, order.AwaitingCollection, order.InTransit, order.Delivered, order.Completed, order.Cancelled},
		late, now, whs})
}

// bulkShip ships the chosen orders, each in its own parcel, or, when asked and they
// are one buyer's, all in one parcel.
func (s *Server) bulkShip(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/orders"
	if err := r.ParseForm(); err != nil {
		s.back(w, r, back, err)
		return
	}
	var ids []id.ID
	for _, v := range r.PostForm["order"] {
		oid, err := id.Parse(v)
		if err != nil {
			s.back(w, r, back, errs.Invalidf("order", "no such order %q", v))
			return
		}
		ids = append(ids, oid)
	}
	if len(ids) == 0 {
		s.back(w, r, back, errs.Invalidf("order", "tick the orders to ship"))
		return
	}
	actor := auth.From(ctx)
	carrier, tracking := r.PostFormValue("carrier"), r.PostFormValue("tracking_number")
	warehouse, err := shipWarehouse(r)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	if r.PostFormValue("combine") == "on" {
		in := order.ShipInput{Carrier: carrier, TrackingNumber: tracking, WarehouseID: warehouse}
		for _, oid := range ids {
			o, err := s.Orders.Get(ctx, actor, oid)
			if err != nil {
				s.back(w, r, back, err)
				return
			}
			for _, l := range o.Lines {
				if left := l.Quantity - l.ShippedQuantity; left > 0 {
					in.Items = append(in.Items, order.PackageItem{OrderID: oid, LineID: l.ID, Quantity: left})
				}
			}
		}
		p, err := s.Orders.ShipPackage(ctx, actor, in)
		if err != nil {
			s.back(w, r, back, err)
			return
		}
		done(w, r, back, fmt.Sprintf("%d orders shipped together in one parcel, tracking %s.", len(ids), p.TrackingNumber))
		return
	}
	shipped := 0
	for _, oid := range ids {
		if _, err := s.Orders.Ship(ctx, actor, oid, order.ShipInput{Carrier: carrier, TrackingNumber: tracking, WarehouseID: warehouse}); err != nil {
			e := httpx.Public(err)
			s.back(w, r, back, e.With("order %s: %s (%d of %d shipped before it)", oid, e.Message, shipped, len(ids)))
			return
		}
		shipped++
	}
	done(w, r, back, fmt.Sprintf("%d orders shipped.", shipped))
}

func (s *Server) sellerCancel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/orders"
	oid, err := id.Parse(r.PostFormValue("order"))
	if err != nil {
		s.back(w, r, back, errs.Invalidf("order", "choose the order to cancel"))
		return
	}
	if _, err := s.Orders.SellerCancel(ctx, auth.From(ctx), oid, r.PostFormValue("reason")); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Order "+oid.String()+" cancelled and refunded. Seller cancellations count against your shop's performance.")
}

func (s *Server) sellerReturns(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	filter := order.ReturnStatus(r.URL.Query().Get("status"))
	rs, err := s.Orders.ShopReturns(ctx, auth.From(ctx), shop.ID, filter, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_returns", shop.Name+" · returns", "seller", struct {
		ShopHeader
		Returns []order.Return
		Filter  order.ReturnStatus
		States  []order.ReturnStatus
	}{header(shop, m, "/returns"), rs, filter, []order.ReturnStatus{order.ReturnRefunded, order.ReturnRejected, order.ReturnClosed, order.ReturnWithdrawn}})
}

func (s *Server) respondReturn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	approve := r.PostFormValue("decision") == "approve"
	rt, err := s.Orders.RespondToReturn(ctx, auth.From(ctx), rid, order.SellerResponse{Approve: approve, Note: r.PostFormValue("note")})
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, rt.Kind.Label()+" "+strings.ToLower(rt.Status.Label())+".")
}

func (s *Server) sellerReviews(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rs, err := s.Orders.ShopReviews(ctx, auth.From(ctx), shop.ID, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_reviews", shop.Name+" · reviews", "seller", struct {
		ShopHeader
		Reviews []order.Review
	}{header(shop, m, "/reviews"), rs})
}

func (s *Server) replyReview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	if _, err := s.Orders.ReplyToReview(ctx, auth.From(ctx), rid, r.PostFormValue("reply")); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Your reply is public on the product page.")
}

func (s *Server) sellerPromotions(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	ps, err := s.Promos.Promotions(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs, err := s.Promos.ShopCoupons(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	products, err := s.Catalog.ProductsOfShop(ctx, shop.ID, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	titles := map[id.ID]string{}
	for _, p := range products {
		titles[p.ID] = p.Title
	}
	pol, _ := s.Markets.Policy(ctx, shop.Market, time.Now())
	s.render(w, r, "seller_promotions", shop.Name+" · promotions", "seller", struct {
		ShopHeader
		Promotions []promo.Promotion
		Coupons    []promo.Coupon
		Products   []catalog.Product
		Titles     map[id.ID]string
		Policy     market.PromotionPolicy
		Now        time.Time
	}{header(shop, m, "/promotions"), ps, cs, products, titles, pol.Promotions, time.Now()})
}

// formTime reads a datetime-local field in UTC; empty gives def.
func formTime(r *http.Request, field string, def time.Time) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return def, nil
	}
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return time.Time{}, errs.Invalidf(field, "give a date and time such as 2026-12-01T18:00 (UTC)")
	}
	return t.UTC(), nil
}

// formAmount reads money in the market's currency; empty is zero.
func formAmount(r *http.Request, field, currency string) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, nil
	}
	m, err := money.Parse(v, currency)
	if err != nil {
		return 0, errs.Invalidf(field, "give an amount in %s such as 4.99", currency)
	}
	return m.Amount, nil
}

func formInt(r *http.Request, field string) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errs.Invalidf(field, "give a whole number")
	}
	return n, nil
}

// promotionFrom reads the promotion form. Item promotions take one product with its
// deal; buy-more takes two tiers; shipping discounts a spend and an amount.
func promotionFrom(r *http.Request, currency string) (promo.PromotionInput, error) {
	in := promo.PromotionInput{Kind: promo.Kind(r.PostFormValue("kind")), Title: r.PostFormValue("title"), Exclusive: r.PostFormValue("exclusive") == "on"}
	var err error
	now := time.Now().UTC()
	if in.StartsAt, err = formTime(r, "starts_at", time.Time{}); err != nil {
		return in, err
	}
	if in.EndsAt, err = formTime(r, "ends_at", now.AddDate(0, 0, 7)); err != nil {
		return in, err
	}
	if in.PerBuyerLimit, err = formInt(r, "per_buyer_limit"); err != nil {
		return in, err
	}
	switch in.Kind {
	case promo.FixedPrice, promo.PercentOff, promo.FlashSale:
		pid, err := id.Parse(r.PostFormValue("product_id"))
		if err != nil {
			return in, errs.Invalidf("product_id", "choose a product")
		}
		it := promo.Item{ProductID: pid}
		if in.Kind == promo.PercentOff {
			if it.DiscountBP, err = parsePercent("discount", r.PostFormValue("discount")); err != nil {
				return in, err
			}
		} else if it.DealPrice, err = formAmount(r, "deal_price", currency); err != nil {
			return in, err
		}
		if it.Quantity, err = formInt(r, "quantity"); err != nil {
			return in, err
		}
		in.Items = []promo.Item{it}
	case promo.BuyMore:
		in.AllProducts = true
		for i := 1; i <= 2; i++ {
			min, err := formInt(r, fmt.Sprintf("tier%d_min", i))
			if err != nil {
				return in, err
			}
			if min == 0 {
				continue
			}
			bp, err := parsePercent(fmt.Sprintf("tier%d_discount", i), r.PostFormValue(fmt.Sprintf("tier%d_discount", i)))
			if err != nil {
				return in, err
			}
			in.Tiers = append(in.Tiers, promo.Tier{MinQuantity: min, DiscountBP: bp})
		}
	case promo.ShippingDiscount:
		in.AllProducts = true
		if in.MinSpend, err = formAmount(r, "min_spend", currency); err != nil {
			return in, err
		}
		if in.DiscountAmount, err = formAmount(r, "discount_amount", currency); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (s *Server) createPromotion(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	back := "/seller/shops/" + shop.ID.String() + "/promotions"
	in, err := promotionFrom(r, m.Currency)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	p, err := s.Promos.CreatePromotion(ctx, auth.From(ctx), shop.ID, in)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "“"+p.Title+"” runs until "+p.EndsAt.Format("2 Jan 15:04 UTC")+".")
}

func (s *Server) endPromotion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	if _, err := s.Promos.EndPromotion(ctx, auth.From(ctx), pid); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Promotion ended.")
}

func (s *Server) createCoupon(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	back := "/seller/shops/" + shop.ID.String() + "/promotions"
	in, err := couponFrom(r, m.Currency)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	in.ShopID = shop.ID
	c, err := s.Promos.CreateCoupon(ctx, auth.From(ctx), in)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Coupon "+c.Code+" is live until "+c.EndsAt.Format("2 Jan 15:04 UTC")+".")
}

func couponFrom(r *http.Request, currency string) (promo.CouponInput, error) {
	in := promo.CouponInput{Code: r.PostFormValue("code"), Kind: promo.CouponKind(r.PostFormValue("coupon_kind"))}
	var err error
	if in.EndsAt, err = formTime(r, "coupon_ends_at", time.Now().UTC().AddDate(0, 0, 30)); err != nil {
		return in, err
	}
	if in.Kind == promo.CouponPercent {
		if in.DiscountBP, err = parsePercent("coupon_value", r.PostFormValue("coupon_value")); err != nil {
			return in, err
		}
	} else if in.Amount, err = formAmount(r, "coupon_value", currency); err != nil {
		return in, err
	}
	if in.MinSpend, err = formAmount(r, "coupon_min_spend", currency); err != nil {
		return in, err
	}
	if in.Total, err = formInt(r, "coupon_total"); err != nil {
		return in, err
	}
	if in.PerBuyerLimit, err = formInt(r, "coupon_per_buyer"); err != nil {
		return in, err
	}
	return in, nil
}

func (s *Server) endCoupon(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	if err := s.Promos.EndCoupon(ctx, auth.From(ctx), cid); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Coupon withdrawn.")
}

func (s *Server) sellerShipping(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	programs, err := s.Promos.Programs(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	rep, err := s.Orders.ShippingReport(ctx, actor, shop.ID, days)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "seller_shipping", shop.Name+" · shipping", "seller", struct {
		ShopHeader
		Programs []promo.Program
		Report   order.ShippingReport
	}{header(shop, m, "/shipping"), programs, rep})
}

func (s *Server) setEnrolment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String() + "/shipping"
	program, join := r.PostFormValue("program"), r.PostFormValue("enrol") == "on"
	if err := s.Promos.SetEnrolment(ctx, auth.From(ctx), shopID, program, join); err != nil {
		s.back(w, r, back, err)
		return
	}
	if join {
		done(w, r, back, "Your shop is in "+program+" from the next order.")
		return
	}
	done(w, r, back, "Your shop left "+program+".")
}
