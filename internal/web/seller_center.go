package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

func (s *Server) sellerCenter(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		s.fail(w, r, err)
		return
	}
	shops, err := s.Sellers.ShopsOf(ctx, actor.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Markets.Markets(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var open []market.Market
	for _, m := range ms {
		if m.AcceptsSellers() {
			open = append(open, m)
		}
	}
	s.render(w, r, "seller_center", "Seller Center", "seller", struct {
		Shops []seller.Shop
		Open  []market.Market
	}{shops, open})
}

func (s *Server) registerShop(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	// Opening a shop is how a shopper becomes a seller.
	if !actor.Anonymous() && !actor.Has(auth.Seller) {
		if err := s.Identity.AddRole(ctx, actor, auth.Seller); err != nil {
			s.back(w, r, "/seller", err)
			return
		}
		actor.Roles = append(actor.Roles, auth.Seller)
	}
	currency := "USD"
	if m, err := s.Markets.Market(ctx, r.PostFormValue("market")); err == nil {
		currency = m.Currency
	}
	in, err := businessDetails(r, currency)
	if err != nil {
		s.back(w, r, "/seller", err)
		return
	}
	in.Market, in.Name, in.Kind = r.PostFormValue("market"), r.PostFormValue("name"), seller.Kind(r.PostFormValue("kind"))
	shop, err := s.Sellers.Register(ctx, actor, in)
	if err != nil {
		s.back(w, r, "/seller", err)
		return
	}
	if shop.Status == seller.Pending {
		done(w, r, "/seller/shops/"+shop.ID.String()+"/onboarding", shop.Name+" is registered in "+shop.Market+" and waiting for review.")
		return
	}
	done(w, r, "/seller/shops/"+shop.ID.String(), shop.Name+" is open in "+shop.Market+". List your first product.")
}

// shopProduct is a product row in Seller Center with its affiliate offer.
type shopProduct struct {
	catalog.Product
	Offer    creator.Offer
	HasOffer bool
}

func (s *Server) shopPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, err := s.Sellers.Manage(ctx, auth.From(ctx), shopID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, err := s.Catalog.ProductsOfShop(ctx, shop.ID, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]shopProduct, 0, len(ps))
	for _, p := range ps {
		o, found, err := s.Creators.Offer(ctx, p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows = append(rows, shopProduct{Product: p, Offer: o, HasOffer: found})
	}
	filter := order.Status(r.URL.Query().Get("status"))
	orders, err := s.Orders.ShopOrders(ctx, auth.From(ctx), shop.ID, filter, 30)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toShipOrders, err := s.Orders.ShopOrders(ctx, auth.From(ctx), shop.ID, order.AwaitingShipment, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, _ := s.Markets.Market(ctx, shop.Market)
	payable, err := s.Ledger.Account(ctx, ledger.Shop(ledger.SellerPayable, shop.ID, m.Currency))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toShip := len(toShipOrders)
	s.render(w, r, "shop", shop.Name, "seller", struct {
		Header   ShopHeader
		Shop     seller.Shop
		Market   market.Market
		Products []shopProduct
		Orders   []order.Order
		ToShip   int
		Payable  money.Money
		Filter   order.Status
		Tabs     []order.Status
	}{header(shop, m, ""), shop, m, rows, orders, toShip, payable.Normalised(), filter,
		[]order.Status{order.AwaitingShipment, order.AwaitingCollection, order.InTransit, order.Delivered, order.Completed, order.Cancelled}})
}

func (s *Server) addProduct(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + shopID.String()
	shop, err := s.Sellers.Manage(ctx, auth.From(ctx), shopID)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	m, _ := s.Markets.Market(ctx, shop.Market)
	price, err := money.Parse(r.PostFormValue("price"), m.Currency)
	if err != nil {
		s.back(w, r, back, errs.As(err).OnField("price"))
		return
	}
	stock, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("stock")), 10, 64)
	if err != nil {
		s.back(w, r, back, errs.Invalidf("stock", "stock is a whole number"))
		return
	}
	p, err := s.Catalog.CreateProduct(ctx, auth.From(ctx), shopID, catalog.ProductInput{
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		SKUs: []catalog.SKUInput{{SellerSKU: r.PostFormValue("seller_sku"), Name: r.PostFormValue("sku_name"), Price: price, Stock: stock}},
	})
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	if p.Status == catalog.PendingReview {
		done(w, r, back, "“"+p.Title+"” is waiting for review: it "+p.ReviewNote+".")
		return
	}
	done(w, r, back, "“"+p.Title+"” is live. Offer creators a commission to have them sell it.")
}

// parsePercent reads a percentage such as "12.5" as basis points; field names the
// form field in the refusal.
func parsePercent(field, v string) (money.BP, error) {
	m, err := money.Parse(strings.TrimSuffix(strings.TrimSpace(v), "%"), "USD") // two decimals, no float
	if err != nil {
		return 0, errs.Invalidf(field, "give a percentage such as 10 or 12.5")
	}
	return money.BP(m.Amount), nil
}

func (s *Server) setOffer(w http.ResponseWriter, r *http.Request) {
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
	back := "/seller/shops/" + p.ShopID.String()
	bp, err := parsePercent("commission", r.PostFormValue("commission"))
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	active := r.PostFormValue("active") != "off"
	if _, err := s.Creators.SetOffer(ctx, auth.From(ctx), pid, bp, active); err != nil {
		s.back(w, r, back, err)
		return
	}
	if !active {
		done(w, r, back, "Creators can no longer add “"+p.Title+"”.")
		return
	}
	done(w, r, back, "Creators earn "+bp.Percent()+" on “"+p.Title+"”.")
}

func (s *Server) setStock(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	skuID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	stock, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("stock")), 10, 64)
	if err != nil {
		s.back(w, r, back, errs.Invalidf("stock", "stock is a whole number"))
		return
	}
	if _, err := s.Catalog.SetStock(ctx, auth.From(ctx), skuID, stock); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Stock updated.")
}

func (s *Server) shipOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("back"))
	warehouse, err := shipWarehouse(r)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	o, err := s.Orders.Ship(ctx, auth.From(ctx), oid, order.ShipInput{Carrier: r.PostFormValue("carrier"), TrackingNumber: r.PostFormValue("tracking_number"), WarehouseID: warehouse})
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Order "+o.ID.String()+" shipped with "+o.Carrier+", tracking "+o.TrackingNumber+".")
}
