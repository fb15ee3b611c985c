package openapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The order family, backed by package order. TikTok Shop lists an order's items one
// unit per line item; a liveshop line of quantity 3 appears as three line items whose
// ids are the line's id, then "<line id>-2" and "<line id>-3". Amounts are decimal
// strings in the order's currency; times are Unix seconds.

type paymentView struct {
	Currency                    string `json:"currency"`
	OriginalTotalProductPrice   string `json:"original_total_product_price"`
	SellerDiscount              string `json:"seller_discount"`
	PlatformDiscount            string `json:"platform_discount"`
	SubTotal                    string `json:"sub_total"`
	OriginalShippingFee         string `json:"original_shipping_fee"`
	ShippingFeeSellerDiscount   string `json:"shipping_fee_seller_discount"`
	ShippingFeePlatformDiscount string `json:"shipping_fee_platform_discount"`
	ShippingFee                 string `json:"shipping_fee"`
	Tax                         string `json:"tax"`
	TotalAmount                 string `json:"total_amount"`
}

type addressView struct {
	Name         string `json:"name"`
	PhoneNumber  string `json:"phone_number"`
	AddressLine1 string `json:"address_line1"`
	AddressLine2 string `json:"address_line2"`
	PostalCode   string `json:"postal_code"`
	RegionCode   string `json:"region_code"`
	FullAddress  string `json:"full_address"`
}

type lineItemView struct {
	ID                   string `json:"id"`
	ProductID            string `json:"product_id"`
	ProductName          string `json:"product_name"`
	SKUID                string `json:"sku_id"`
	SKUName              string `json:"sku_name"`
	Currency             string `json:"currency"`
	OriginalPrice        string `json:"original_price"`
	SalePrice            string `json:"sale_price"`
	SellerDiscount       string `json:"seller_discount"`
	PlatformDiscount     string `json:"platform_discount"`
	DisplayStatus        string `json:"display_status"`
	PackageID            string `json:"package_id,omitempty"`
	PackageStatus        string `json:"package_status,omitempty"`
	TrackingNumber       string `json:"tracking_number,omitempty"`
	ShippingProviderName string `json:"shipping_provider_name,omitempty"`
}

type orderView struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	UserID           string         `json:"user_id"`
	CreateTime       int64          `json:"create_time"`
	UpdateTime       int64          `json:"update_time"`
	PaidTime         int64          `json:"paid_time,omitempty"`
	RTSTime          int64          `json:"rts_time,omitempty"`
	DeliveryTime     int64          `json:"delivery_time,omitempty"`
	CancelTime       int64          `json:"cancel_time,omitempty"`
	CancelReason     string         `json:"cancel_reason,omitempty"`
	ShippingDueTime  int64          `json:"shipping_due_time,omitempty"`
	IsOnHoldOrder    bool           `json:"is_on_hold_order"`
	IsCOD            bool           `json:"is_cod"`
	OrderType        string         `json:"order_type"`
	DeliveryType     string         `json:"delivery_type"`
	FulfillmentType  string         `json:"fulfillment_type"`
	ShippingType     string         `json:"shipping_type"`
	ShippingProvider string         `json:"shipping_provider,omitempty"`
	TrackingNumber   string         `json:"tracking_number,omitempty"`
	Payment          paymentView    `json:"payment"`
	RecipientAddress addressView    `json:"recipient_address"`
	LineItems        []lineItemView `json:"line_items"`
	Packages         []packageRef   `json:"packages"`
}

type packageRef struct {
	ID string `json:"id"`
}

func unixOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func dec(amount int64, currency string) string { return money.New(amount, currency).Decimal() }

// unitID is the line item id of the k-th unit (1-based) of a line.
func unitID(line id.ID, k int64) string {
	if k == 1 {
		return line.String()
	}
	return fmt.Sprintf("%s-%d", line, k)
}

// parseUnitID reads a line item id back into the line and unit.
func parseUnitID(s string) (id.ID, int64, bool) {
	l, k, found := strings.Cut(s, "-")
	line, err := id.Parse(l)
	if err != nil {
		return 0, 0, false
	}
	if !found {
		return line, 1, true
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil || n < 2 {
		return 0, 0, false
	}
	return line, n, true
}

// packageStatus is TikTok's name for a package state.
func packageStatus(st string) string {
	switch st {
	case order.PackageAwaitingCollection:
		return "AWAITING_COLLECTION"
	case order.PackageInTransit:
		return "IN_TRANSIT"
	case order.PackageDelivered:
		return "DELIVERED"
	}
	return strings.ToUpper(st)
}

// unitPackages assigns each shipped unit of each line to the package holding it.
func unitPackages(o order.Order) map[string]order.Package {
	out := map[string]order.Package{}
	next := map[id.ID]int64{}
	for _, p := range o.Packages {
		for _, it := range p.Items {
			if it.OrderID != o.ID {
				continue
			}
			for range it.Quantity {
				next[it.LineID]++
				out[unitID(it.LineID, next[it.LineID])] = p
			}
		}
	}
	return out
}

func viewOrder(o order.Order, updated time.Time) orderView {
	cur := o.Total.Currency
	v := orderView{ID: o.ID.String(), Status: string(o.Status), UserID: o.BuyerID.String(), CreateTime: o.CreatedAt.Unix(),
		UpdateTime: unixOf(updated), PaidTime: unixOf(o.PaidAt), RTSTime: unixOf(o.ShippedAt), DeliveryTime: unixOf(o.DeliveredAt),
		CancelTime: unixOf(o.CancelledAt), CancelReason: o.CancelReason, ShippingDueTime: unixOf(o.DispatchDueAt),
		IsOnHoldOrder: o.Status == order.OnHold, OrderType: "NORMAL", DeliveryType: "HOME_DELIVERY",
		FulfillmentType: "FULFILLMENT_BY_SELLER", ShippingType: "SELLER", ShippingProvider: o.Carrier, TrackingNumber: o.TrackingNumber,
		Packages: []packageRef{}, LineItems: []lineItemView{}}
	v.Payment = paymentView{Currency: cur,
		OriginalTotalProductPrice: o.Subtotal.Decimal(), SellerDiscount: o.SellerDiscount.Decimal(), PlatformDiscount: o.PlatformDiscount.Decimal(),
		SubTotal:            dec(o.Subtotal.Amount-o.SellerDiscount.Amount-o.PlatformDiscount.Amount, cur),
		OriginalShippingFee: o.ShippingFee.Decimal(), ShippingFeeSellerDiscount: o.ShippingSellerDiscount.Decimal(),
		ShippingFeePlatformDiscount: o.ShippingPlatformDiscount.Decimal(), ShippingFee: o.BuyerShipping.Decimal(),
		Tax: o.Tax.Decimal(), TotalAmount: o.Total.Decimal()}
	a := o.ShippingAddress
	full := strings.Join(nonEmpty(a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country), ", ")
	v.RecipientAddress = addressView{Name: a.Name, PhoneNumber: a.Phone, AddressLine1: a.Line1, AddressLine2: a.Line2,
		PostalCode: a.PostalCode, RegionCode: a.Country, FullAddress: full}
	for _, p := range o.Packages {
		v.Packages = append(v.Packages, packageRef{ID: p.ID.String()})
	}
	packed := unitPackages(o)
	for _, l := range o.Lines {
		for k := int64(1); k <= l.Quantity; k++ {
			uid := unitID(l.ID, k)
			sd := money.Portion(l.SellerDiscount.Amount, k-1, 1, l.Quantity)
			pd := money.Portion(l.PlatformDiscount.Amount, k-1, 1, l.Quantity)
			li := lineItemView{ID: uid, ProductID: l.ProductID.String(), ProductName: l.Title, SKUID: l.SKUID.String(), SKUName: l.SKUName,
				Currency: cur, OriginalPrice: l.UnitPrice.Decimal(), SalePrice: dec(l.UnitPrice.Amount-sd-pd, cur),
				SellerDiscount: dec(sd, cur), PlatformDiscount: dec(pd, cur), DisplayStatus: string(o.Status)}
			if p, ok := packed[uid]; ok {
				li.PackageID, li.PackageStatus = p.ID.String(), packageStatus(p.Status)
				li.TrackingNumber, li.ShippingProviderName = p.TrackingNumber, p.Carrier
				if o.Status == order.PartiallyShipping {
					li.DisplayStatus = packageStatus(p.Status)
				}
			} else if o.Status == order.PartiallyShipping {
				li.DisplayStatus = string(order.AwaitingShipment)
			}
			v.LineItems = append(v.LineItems, li)
		}
	}
	return v
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// POST /order/202309/orders/search
func (s *Service) searchOrders(c *call) (any, error) {
	size, err := pageSize(c, order.MaxSearchPage)
	if err != nil {
		return nil, err
	}
	var b struct {
		OrderStatus  string `json:"order_status"`
		BuyerUserID  string `json:"buyer_user_id"`
		CreateTimeGE int64  `json:"create_time_ge"`
		CreateTimeLT int64  `json:"create_time_lt"`
		UpdateTimeGE int64  `json:"update_time_ge"`
		UpdateTimeLT int64  `json:"update_time_lt"`
		ShippingType string `json:"shipping_type"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	q := order.ShopOrderSearch{ShopID: c.shopID, Status: order.Status(b.OrderStatus), Limit: size,
		CreatedFrom: unixOrZero(b.CreateTimeGE), CreatedBefore: unixOrZero(b.CreateTimeLT),
		UpdatedFrom: unixOrZero(b.UpdateTimeGE), UpdatedBefore: unixOrZero(b.UpdateTimeLT),
		SortBy: c.query.Get("sort_field")}
	switch strings.ToUpper(c.query.Get("sort_order")) {
	case "", "DESC":
	case "ASC":
		q.Ascending = true
	default:
		return nil, invalid("sort_order", `must be "ASC" or "DESC"`)
	}
	if b.BuyerUserID != "" {
		if q.BuyerID, err = id.Parse(b.BuyerUserID); err != nil {
			return nil, invalid("buyer_user_id", "not a user id")
		}
	}
	if b.ShippingType != "" && b.ShippingType != "SELLER" {
		// Every liveshop order ships by the seller; TikTok-shipped orders do not exist.
		return map[string]any{"orders": []orderView{}, "total_count": 0, "next_page_token": ""}, nil
	}
	if tok := c.query.Get("page_token"); tok != "" {
		key, last, err := decodeToken(tok)
		if err != nil {
			return nil, err
		}
		q.After = order.SearchCursor{Key: key, ID: last}
	}
	page, err := s.Orders.SearchShopOrders(c.ctx, c.actor, q)
	if err != nil {
		return nil, err
	}
	out := make([]orderView, len(page.Orders))
	for i, o := range page.Orders {
		out[i] = viewOrder(o.Order, o.UpdatedAt)
	}
	next := ""
	if !page.Next.IsZero() {
		next = encodeToken(page.Next.Key, page.Next.ID)
	}
	return map[string]any{"orders": out, "total_count": page.Total, "next_page_token": next}, nil
}

// orderIDs reads the ids query parameter: repeated, comma-separated, or both.
func orderIDs(c *call) ([]id.ID, error) {
	var out []id.ID
	for _, v := range c.query["ids"] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			oid, err := id.Parse(part)
			if err != nil {
				return nil, invalid("ids", "%q is not an order id", part)
			}
			out = append(out, oid)
		}
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, invalid("ids", "give 1-50 order ids")
	}
	return out, nil
}

// GET /order/202309/orders?ids=
func (s *Service) orderDetail(c *call) (any, error) {
	ids, err := orderIDs(c)
	if err != nil {
		return nil, err
	}
	os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]orderView, len(os))
	for i, o := range os {
		out[i] = viewOrder(o.Order, o.UpdatedAt)
	}
	return map[string]any{"orders": out}, nil
}

// shopOrder loads one order of the call's shop, with its packages and timeline.
func (s *Service) shopOrder(c *call) (order.SearchedOrder, error) {
	oid, err := c.pathID("order_id")
	if err != nil {
		return order.SearchedOrder{}, err
	}
	os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, []id.ID{oid})
	if err != nil {
		return order.SearchedOrder{}, err
	}
	if len(os) == 0 {
		return order.SearchedOrder{}, fail(http.StatusNotFound, CodeNotFound, "order %s does not exist in this shop", oid)
	}
	return os[0], nil
}

// GET /order/202407/orders/{order_id}/price_detail
func (s *Service) priceDetail(c *call) (any, error) {
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	o := so.Order
	cur := o.Total.Currency
	d := func(v int64) string { return dec(v, cur) }
	shippingSale := o.ShippingFee.Amount - o.ShippingSellerDiscount.Amount
	out := map[string]any{
		"currency":                        cur,
		"sku_list_price":                  d(o.Subtotal.Amount),
		"sku_sale_price":                  d(o.Subtotal.Amount - o.SellerDiscount.Amount),
		"subtotal_deduction_seller":       d(o.SellerDiscount.Amount),
		"subtotal_deduction_platform":     d(o.PlatformDiscount.Amount),
		"subtotal":                        d(o.Subtotal.Amount - o.SellerDiscount.Amount - o.PlatformDiscount.Amount),
		"shipping_list_price":             d(o.ShippingFee.Amount),
		"shipping_sale_price":             d(shippingSale),
		"shipping_fee_deduction_seller":   d(o.ShippingSellerDiscount.Amount),
		"shipping_fee_deduction_platform": d(o.ShippingPlatformDiscount.Amount),
		"tax_amount":                      d(o.Tax.Amount),
		"total":                           d(o.Total.Amount),
		"payment":                         d(o.Total.Amount),
	}
	var items []map[string]string
	for _, l := range o.Lines {
		for k := int64(1); k <= l.Quantity; k++ {
			part := func(v int64) int64 { return money.Portion(v, k-1, 1, l.Quantity) }
			sd, pd, tax, paid := part(l.SellerDiscount.Amount), part(l.PlatformDiscount.Amount), part(l.Tax.Amount), part(l.Paid.Amount)
			items = append(items, map[string]string{
				"id": unitID(l.ID, k), "currency": cur,
				"sku_list_price": d(l.UnitPrice.Amount), "sku_sale_price": d(l.UnitPrice.Amount - sd),
				"subtotal_deduction_seller": d(sd), "subtotal_deduction_platform": d(pd),
				"subtotal": d(l.UnitPrice.Amount - sd - pd), "tax_amount": d(tax), "total": d(paid), "payment": d(paid),
			})
		}
	}
	if items == nil {
		items = []map[string]string{}
	}
	out["line_items"] = items
	return out, nil
}
