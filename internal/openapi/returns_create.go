package openapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Requests the seller starts through the return_refund family: cancelling an order
// (order.Service.SellerCancel) and opening a refund or return for the buyer
// (order.Service.OpenReturnForBuyer), each with TikTok's coded reasons.

// sellerCancelReasons are the reasons a seller may cancel an order for, through
// POST /return_refund/202309/cancellations. The order keeps the text.
var sellerCancelReasons = []reason{
	{"seller_cancel_reason_out_of_stock", "Out of stock"},
	{"seller_cancel_reason_wrong_price", "Pricing error"},
	{"seller_cancel_paid_reason_address_not_deliver", "Unable to deliver to the buyer's address"},
	{"seller_cancel_paid_reason_buyer_canceled", "The buyer asked to cancel"},
}

// POST /return_refund/202309/cancellations: the seller cancels an order before
// shipping it, through order.Service.SellerCancel as the orders page does. liveshop
// cancels whole orders: line items or SKUs, if given, must name every unit not yet
// shipped. The cancellation takes effect at once (CANCELLATION_REQUEST_COMPLETE) and
// the buyer is refunded; its cancel_id is the order's id.
func (s *Service) cancelOrder(c *call) (any, error) {
	var b struct {
		OrderID          string   `json:"order_id"`
		CancelReason     string   `json:"cancel_reason"`
		OrderLineItemIDs []string `json:"order_line_item_ids"`
		SKUs             []struct {
			SKUID    string `json:"sku_id"`
			Quantity int64  `json:"quantity"`
		} `json:"skus"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.OrderID) == "" {
		return nil, invalid("order_id", "required: the order to cancel")
	}
	var text string
	for _, rs := range sellerCancelReasons {
		if rs.Name == strings.TrimSpace(b.CancelReason) {
			text = rs.Text
		}
	}
	if text == "" {
		names := make([]string, len(sellerCancelReasons))
		for i, rs := range sellerCancelReasons {
			names[i] = rs.Name
		}
		return nil, invalid("cancel_reason", "%q is not a seller cancel reason (%s)", b.CancelReason, strings.Join(names, ", "))
	}
	oid, err := id.Parse(strings.TrimSpace(b.OrderID))
	if err != nil {
		return nil, fail(http.StatusNotFound, CodeNotFound, "order %s does not exist in this shop", b.OrderID)
	}
	os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, []id.ID{oid})
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, fail(http.StatusNotFound, CodeNotFound, "order %s does not exist in this shop", b.OrderID)
	}
	o := os[0].Order
	if len(b.OrderLineItemIDs) > 0 {
		want := map[string]bool{}
		for _, l := range o.Lines {
			for k := l.ShippedQuantity + 1; k <= l.Quantity; k++ {
				want[unitID(l.ID, k)] = true
			}
		}
		got := map[string]bool{}
		for i, u := range b.OrderLineItemIDs {
			if !want[u] {
				return nil, invalid(fmt.Sprintf("order_line_item_ids[%d]", i), "%q is not an unshipped line item of order %s", u, o.ID)
			}
			got[u] = true
		}
		if len(got) != len(want) {
			return nil, invalid("order_line_item_ids", "liveshop cancels whole orders: name every line item, or none")
		}
	}
	if len(b.SKUs) > 0 {
		want := map[string]int64{}
		for _, l := range o.Lines {
			want[l.SKUID.String()] += l.Quantity - l.ShippedQuantity
		}
		got := map[string]int64{}
		for i, k := range b.SKUs {
			if _, ok := want[k.SKUID]; !ok || k.Quantity <= 0 {
				return nil, invalid(fmt.Sprintf("skus[%d]", i), "SKU %q with quantity %d is not in order %s", k.SKUID, k.Quantity, o.ID)
			}
			got[k.SKUID] += k.Quantity
		}
		for sku, n := range want {
			if got[sku] != n {
				return nil, invalid("skus", "liveshop cancels whole orders: name every SKU with its whole quantity, or none")
			}
		}
	}
	if _, err := s.Orders.SellerCancel(c.ctx, c.actor, o.ID, text); err != nil {
		return nil, err
	}
	return map[string]any{"cancel_id": o.ID.String(), "cancel_status": "CANCELLATION_REQUEST_COMPLETE"}, nil
}

// sellerReturnReasons are the reasons a seller may open a request on the buyer's
// behalf for, by TikTok return_type. The request keeps the text.
var sellerReturnReasons = map[string][]reason{
	"REFUND": {
		{"ecom_order_delivered_refund_reason_missing_product_seller", "Package or item missing"},
		{"ecom_order_delivered_refund_reason_damaged_product_seller", "Item arrived damaged"},
		{"ecom_order_delivered_refund_reason_agreed_with_buyer_seller", "Agreed with the buyer"},
	},
	"RETURN_AND_REFUND": {
		{"ecom_order_delivered_refund_and_return_reason_wrong_product_seller", "Wrong item sent"},
		{"ecom_order_delivered_refund_and_return_reason_damaged_product_seller", "Item arrived damaged"},
		{"ecom_order_delivered_refund_and_return_reason_agreed_with_buyer_seller", "Agreed with the buyer"},
	},
}

// POST /return_refund/202309/returns: the seller opens a refund (REFUND) or return
// (RETURN_AND_REFUND) request on the buyer's behalf, through
// order.Service.OpenReturnForBuyer. Units are chosen by order_line_item_ids or skus
// (default: every unit not yet refunded); refund_total and currency, if given, must
// be what liveshop refunds for those units, since it refunds a request in full.
func (s *Service) createReturn(c *call) (any, error) {
	var b struct {
		OrderID          string   `json:"order_id"`
		ReturnType       string   `json:"return_type"`
		ReturnReason     string   `json:"return_reason"`
		OrderLineItemIDs []string `json:"order_line_item_ids"`
		SKUs             []struct {
			SKUID    string `json:"sku_id"`
			Quantity int64  `json:"quantity"`
		} `json:"skus"`
		RefundTotal  string `json:"refund_total"`
		Currency     string `json:"currency"`
		ShipmentType string `json:"shipment_type"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.OrderID) == "" {
		return nil, invalid("order_id", "required: the delivered order to refund")
	}
	kinds := map[string]order.ReturnKind{"REFUND": order.ReturnRefundOnly, "RETURN_AND_REFUND": order.ReturnAndRefund}
	kind, ok := kinds[b.ReturnType]
	if !ok {
		return nil, invalid("return_type", `must be "REFUND" or "RETURN_AND_REFUND"`)
	}
	var text string
	names := []string{}
	for _, rs := range sellerReturnReasons[b.ReturnType] {
		names = append(names, rs.Name)
		if rs.Name == strings.TrimSpace(b.ReturnReason) {
			text = rs.Text
		}
	}
	if text == "" {
		return nil, invalid("return_reason", "%q is not a reason to open a %s request (%s)", b.ReturnReason, b.ReturnType, strings.Join(names, ", "))
	}
	if b.ShipmentType != "" && b.ShipmentType != "BUYER_ARRANGE" {
		return nil, invalid("shipment_type", "buyers send returns themselves in liveshop (BUYER_ARRANGE)")
	}
	if len(b.OrderLineItemIDs) > 0 && len(b.SKUs) > 0 {
		return nil, invalid("skus", "choose units by order_line_item_ids or by skus, not both")
	}
	oid, err := id.Parse(strings.TrimSpace(b.OrderID))
	if err != nil {
		return nil, fail(http.StatusNotFound, CodeNotFound, "order %s does not exist in this shop", b.OrderID)
	}
	os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, []id.ID{oid})
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, fail(http.StatusNotFound, CodeNotFound, "order %s does not exist in this shop", b.OrderID)
	}
	o := os[0].Order
	in := order.ReturnInput{Kind: kind, Reason: text}
	counts := map[id.ID]int64{}
	if len(b.OrderLineItemIDs) > 0 {
		units := map[string]id.ID{}
		for _, l := range o.Lines {
			for k := int64(1); k <= l.Quantity; k++ {
				units[unitID(l.ID, k)] = l.ID
			}
		}
		seen := map[string]bool{}
		for i, u := range b.OrderLineItemIDs {
			line, ok := units[u]
			if !ok || seen[u] {
				return nil, invalid(fmt.Sprintf("order_line_item_ids[%d]", i), "%q is not a line item of order %s, or is named twice", u, o.ID)
			}
			seen[u] = true
			counts[line]++
		}
	}
	for i, k := range b.SKUs {
		var line id.ID
		for _, l := range o.Lines {
			if l.SKUID.String() == k.SKUID && line == 0 {
				line = l.ID
			}
		}
		if line == 0 || k.Quantity <= 0 {
			return nil, invalid(fmt.Sprintf("skus[%d]", i), "SKU %q with quantity %d is not in order %s", k.SKUID, k.Quantity, o.ID)
		}
		counts[line] += k.Quantity
	}
	for _, l := range o.Lines { // in the order's line order, so refusals name lines stably
		if n := counts[l.ID]; n > 0 {
			in.Lines = append(in.Lines, order.ReturnLineInput{LineID: l.ID, Quantity: n})
		}
	}
	if b.Currency != "" && b.Currency != o.Total.Currency {
		return nil, invalid("currency", "the order is in %s", o.Total.Currency)
	}
	var expect *money.Money
	if b.RefundTotal != "" {
		m, err := money.Parse(b.RefundTotal, o.Total.Currency)
		if err != nil {
			return nil, invalid("refund_total", "%q is not an amount like 12.34", b.RefundTotal)
		}
		expect = &m
	}
	r, err := s.Orders.OpenReturnForBuyer(c.ctx, c.actor, o.ID, in, expect)
	if err != nil {
		return nil, renameField(err, func(f string) string {
			var i int
			if _, err := fmt.Sscanf(f, "lines[%d]", &i); err == nil || f == "lines" {
				if len(b.SKUs) > 0 {
					return "skus"
				}
				return "order_line_item_ids"
			}
			if f == "kind" {
				return "return_type"
			}
			return ""
		})
	}
	return map[string]any{"return_id": r.ID.String(), "return_status": returnStatusOf(r)}, nil
}
