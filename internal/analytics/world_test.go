package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/analytics"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// world is a small marketplace made through the real services, so dashboards can
// name what they rank: two US shops and a Vietnamese one, products, two creators.
type world struct {
	operator, owner, rival, host, vnHost auth.Actor
	shop, rivalShop, vnShop              seller.Shop
	tint, serum, kettle, ao              catalog.Product
	mia, lan                             creator.Creator
}

func newWorld(t *testing.T, f fixture) world {
	t.Helper()
	ctx := context.Background()
	var w world
	w.operator = f.Operator(t)
	w.owner, w.rival = f.Actor(t, "grace", auth.Seller), f.Actor(t, "omar", auth.Seller)
	vnOwner := f.Actor(t, "lan.shop", auth.Seller)
	w.host, w.vnHost = f.Actor(t, "mia", auth.Creator), f.Actor(t, "lan", auth.Creator)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.shop, err = f.Sellers.Register(ctx, w.owner, seller.RegisterInput{Market: "US", Name: "Glow Lab"})
	must(err)
	w.rivalShop, err = f.Sellers.Register(ctx, w.rival, seller.RegisterInput{Market: "US", Name: "Kitchen Hero"})
	must(err)
	w.vnShop, err = f.Sellers.Register(ctx, vnOwner, seller.RegisterInput{Market: "VN", Name: "Sài Gòn Style"})
	must(err)
	product := func(owner auth.Actor, shop seller.Shop, title string, price money.Money) catalog.Product {
		p, err := f.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: title, SKUs: []catalog.SKUInput{{Price: price, Stock: 100}}})
		must(err)
		return p
	}
	w.tint = product(w.owner, w.shop, "Velvet Lip Tint", money.New(1299, "USD"))
	w.serum = product(w.owner, w.shop, "Glass Skin Serum", money.New(2499, "USD"))
	w.kettle = product(w.rival, w.rivalShop, "Pro Air Fryer", money.New(8999, "USD"))
	w.ao = product(vnOwner, w.vnShop, "Áo thun cotton", money.New(159_000, "VND"))
	w.mia, err = f.creators.CreateProfile(ctx, w.host, creator.ProfileInput{Handle: "mia.makeup", Market: "US", BirthDate: "1996-05-14"})
	must(err)
	w.lan, err = f.creators.CreateProfile(ctx, w.vnHost, creator.ProfileInput{Handle: "lan.live", Market: "VN", BirthDate: "1995-01-02"})
	must(err)
	return w
}

// line makes an order line of qty units totalling total, from a channel.
func line(p catalog.Product, source string, creatorID, sessionID id.ID, qty, total int64) events.OrderLine {
	return events.OrderLine{LineID: id.New(), ProductID: p.ID, SKUID: p.SKUs[0].ID, Title: p.Title, Quantity: qty, UnitPrice: total / qty, Total: total,
		Source: source, CreatorID: creatorID, LiveSessionID: sessionID}
}

// paidOrder makes a past paid order for history imports.
func paidOrder(shop seller.Shop, currency string, at time.Time, lines ...events.OrderLine) events.OrderPaid {
	o := events.Order{OrderID: id.New(), CheckoutID: id.New(), BuyerID: id.New(), ShopID: shop.ID, Market: shop.Market, Currency: currency,
		Status: "COMPLETED", Lines: lines, PaidAt: at}
	for _, l := range lines {
		o.Subtotal += l.Total
	}
	o.Total = o.Subtotal
	return events.OrderPaid{Order: o, BuyerName: "Imported", At: at}
}

func (f fixture) importHistory(t *testing.T, actor auth.Actor, in analytics.HistoryImport) analytics.ImportResult {
	t.Helper()
	res, err := f.gmv.ImportHistory(context.Background(), actor, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// noon returns noon on a day in a time zone: safely inside that market's day.
func noon(day string, zone string) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

const (
	laZone     = "America/Los_Angeles"
	saigonZone = "Asia/Ho_Chi_Minh"
)
