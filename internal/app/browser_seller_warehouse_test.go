package app_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// A seller adds a warehouse on the Warehouses tab, stocks it from the product's
// stock page (what buyers can buy rises), cannot lower the default below what a
// buyer has bought, and ships the order: from the warehouse that is short it is
// refused, from the default choice the units leave the warehouses holding them.
// Removing the warehouse is refused while it holds units; once they are moved into
// the default it goes, and its movements stay in the stock page's history.
func TestBrowserWarehouseStock(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	noHold(t, s)
	bg := context.Background()
	owner, err := s.Identity.Provision(bg, "walt@seller.test", "Walt Seller", pw, auth.Seller)
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := s.Identity.Provision(bg, "bea@shopper.test", "Bea Buyer", pw)
	if err != nil {
		t.Fatal(err)
	}
	shop, err := s.Sellers.Register(bg, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Walt Home"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Catalog.CreateProduct(bg, owner.Actor(), shop.ID, catalog.ProductInput{Title: "Linen throw", SKUs: []catalog.SKUInput{{Price: money.New(4500, "USD"), Stock: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/seller/shops/" + shop.ID.String()
	stockPage := s.URL + "/seller/products/" + p.ID.String() + "/stock"
	err = doSteps(ctx,
		login(s, "walt@seller.test"),
		chromedp.Navigate(base),
		chromedp.Click(chromedp.CSS(`#shop-tabs a[href$="/warehouses"]`)),
		waitText("#warehouses .warehouse-default", "default"),
		chromedp.SetValue(chromedp.ID("wh-name"), "Dallas DC"),
		chromedp.SetValue(chromedp.ID("wh-region"), "Texas"),
		chromedp.Submit(chromedp.ID("wh-name")),
		waitText(".flash", "Dallas DC added"),
		chromedp.WaitVisible(chromedp.CSS("#warehouses tr:nth-child(3) input[name=region]")),

		chromedp.Navigate(base),
		chromedp.Click(chromedp.CSS(".stock-link")),
		waitText(".sku-sellable", "5"),
		waitText(".warehouse-stock tr:nth-child(3)", "Dallas DC"),
		chromedp.SetValue(chromedp.CSS(`.warehouse-stock tr:nth-child(3) input[name=quantity]`), "4"),
		chromedp.Click(chromedp.CSS(`.warehouse-stock tr:nth-child(3) button`)),
		waitText(".flash", "9 left to sell"),
		waitText(".sku-on-hand", "9"),
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Orders.Checkout(bg, buyer.Actor(), order.CheckoutInput{IdempotencyKey: "w1", Market: "US", PaymentMethod: "pm_card_visa",
		ShippingAddress: order.Address{Name: "Bea", Line1: "1 Main", City: "Austin", Country: "US"},
		Lines:           []order.LineInput{{SKUID: p.SKUs[0].ID, Quantity: 7}}})
	if err != nil {
		t.Fatal(err)
	}
	oid := res.Orders[0].ID.String()
	err = doSteps(ctx,
		chromedp.Navigate(stockPage),
		waitText(".sku-awaiting", "7"),
		waitText(".sku-sellable", "2"),
		chromedp.SetValue(chromedp.CSS(`.warehouse-stock tr:nth-child(2) input[name=quantity]`), "2"),
		chromedp.Click(chromedp.CSS(`.warehouse-stock tr:nth-child(2) button`)),
		waitText(".flash", "sold and wait for dispatch"),

		chromedp.Navigate(base+"/orders"),
		chromedp.Click(chromedp.CSS(`tr[data-order="`+oid+`"] input[name=order]`)),
		chromedp.SetValue(chromedp.ID("ship-warehouse"), shopWarehouse(t, s, shop.ID, "Dallas DC")),
		chromedp.Click(chromedp.ID("ship-selected")),
		waitText(".flash", "holds 4 of the 7"),
		chromedp.Click(chromedp.CSS(`tr[data-order="`+oid+`"] input[name=order]`)),
		chromedp.SetValue(chromedp.ID("ship-warehouse"), ""),
		chromedp.Click(chromedp.ID("ship-selected")),
		waitText(".flash", "1 orders shipped"),

		chromedp.Navigate(stockPage),
		waitText(".sku-awaiting", "0"),
		waitText(".warehouse-stock tr:nth-child(2) .wh-on-hand", "0"),
		waitText(".warehouse-stock tr:nth-child(3) .wh-on-hand", "2"),
		waitText(".sku-sellable", "2"),

		// Dallas still holds 2 units: removing it is refused and says so.
		chromedp.Navigate(base+"/warehouses"),
		chromedp.Click(chromedp.CSS("#warehouses tr:nth-child(3) .warehouse-remove summary")),
		waitText("#warehouses tr:nth-child(3) .warehouse-remove button", "Yes, remove Dallas DC"),
		chromedp.Click(chromedp.CSS("#warehouses tr:nth-child(3) .warehouse-remove button")),
		waitText(".flash", "Dallas DC holds 2 units: move them"),
		waitText("#warehouses tr:nth-child(3)", "Remove"),
		// Move them into the default, then remove Dallas.
		chromedp.Navigate(stockPage),
		chromedp.SetValue(chromedp.CSS(`.warehouse-stock tr:nth-child(2) input[name=quantity]`), "2"),
		chromedp.Click(chromedp.CSS(`.warehouse-stock tr:nth-child(2) button`)),
		waitText(".flash", "Stock saved"),
		chromedp.SetValue(chromedp.CSS(`.warehouse-stock tr:nth-child(3) input[name=quantity]`), "0"),
		chromedp.Click(chromedp.CSS(`.warehouse-stock tr:nth-child(3) button`)),
		waitText(".flash", "2 left to sell"),
		chromedp.Navigate(base+"/warehouses"),
		chromedp.Click(chromedp.CSS("#warehouses tr:nth-child(3) .warehouse-remove summary")),
		chromedp.Click(chromedp.CSS("#warehouses tr:nth-child(3) .warehouse-remove button")),
		waitText(".flash", "Dallas DC removed."),
		// Its movements stay in the stock page's history.
		chromedp.Navigate(stockPage),
		waitText(".sku-sellable", "2"),
		waitText(".warehouse-stock", "Main warehouse"),
		chromedp.Click(chromedp.CSS(".sku-stock details summary")),
		waitText(".movements", "(removed warehouse)"),
	)
	if err != nil {
		t.Fatal(err)
	}
	whs, err := seller.ShopWarehouses(bg, s.DB, shop.ID)
	if err != nil || len(whs) != 1 || !whs[0].Default {
		t.Fatalf("after removing Dallas DC: %+v %v", whs, err)
	}
}

func shopWarehouse(t *testing.T, s *server, shopID id.ID, name string) string {
	t.Helper()
	whs, err := seller.ShopWarehouses(context.Background(), s.DB, shopID)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range whs {
		if w.Name == name {
			return w.ID.String()
		}
	}
	t.Fatalf("no warehouse %q", name)
	return ""
}
