package openapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// buyerOf returns the actor of an order's buyer.
func (e *env) buyerOf(o order.Order) auth.Actor {
	e.t.Helper()
	acct, err := e.Identity.Account(e.ctx, o.BuyerID)
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Actor()
}

// delivered buys qty units, ships them with the sandbox carrier and has it deliver.
func (e *env) delivered(s sellerWorld, qty int64) order.Order {
	e.t.Helper()
	o := e.release(e.buy(s.product.SKUs[0].ID, qty))
	if _, err := e.Orders.Ship(e.ctx, s.actor, o.ID, order.ShipInput{}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.Orders.Sweep(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	got, err := e.Orders.Get(e.ctx, e.buyerOf(o), o.ID)
	if err == nil && got.Status != order.Delivered {
		n := seq.Add(1)
		op, perr := e.Identity.Provision(e.ctx, fmt.Sprintf("ops%d@ops.test", n), "Ops", "", auth.Operator)
		if perr != nil {
			e.t.Fatal(perr)
		}
		got, err = e.Orders.CarrierEvent(e.ctx, op.Actor(), o.ID, order.CarrierDelivered)
	}
	if err != nil || got.Status != order.Delivered {
		e.t.Fatalf("delivered: %s %v", got.Status, err)
	}
	return got
}

// requestReturn has the order's buyer open an after-sales request.
func (e *env) requestReturn(o order.Order, kind order.ReturnKind) order.Return {
	e.t.Helper()
	r, err := e.Orders.RequestReturn(e.ctx, e.buyerOf(o), o.ID, order.ReturnInput{Kind: kind, Reason: "changed my mind"})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

type returnsPage struct {
	ReturnOrders []struct {
		ReturnID     string `json:"return_id"`
		OrderID      string `json:"order_id"`
		ReturnType   string `json:"return_type"`
		ReturnStatus string `json:"return_status"`
		RefundAmount struct {
			RefundTotal string `json:"refund_total"`
		} `json:"refund_amount"`
		LineItems []struct {
			OrderLineItemID string `json:"order_line_item_id"`
		} `json:"return_line_items"`
		NextAction []struct {
			Action string `json:"action"`
		} `json:"seller_next_action_response"`
	} `json:"return_orders"`
	Total int    `json:"total_count"`
	Next  string `json:"next_page_token"`
}

type cancelsPage struct {
	Cancellations []struct {
		CancelID     string `json:"cancel_id"`
		OrderID      string `json:"order_id"`
		CancelType   string `json:"cancel_type"`
		CancelStatus string `json:"cancel_status"`
		LineItems    []struct {
			OrderLineItemID string `json:"order_line_item_id"`
		} `json:"cancel_line_items"`
	} `json:"cancellations"`
	Total int    `json:"total_count"`
	Next  string `json:"next_page_token"`
}

func TestReturnRefundFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("rita")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)

		// A buyer asks to cancel an order awaiting shipment; two others ask for refunds.
		toCancel := e.release(e.buy(s.product.SKUs[0].ID, 2))
		cr := e.requestReturn(toCancel, order.ReturnCancel)
		refundOnly := e.requestReturn(e.delivered(s, 1), order.ReturnRefundOnly)
		withReturn := e.requestReturn(e.delivered(s, 3), order.ReturnAndRefund)

		var cp cancelsPage
		ok(t, c, "POST", "/return_refund/202309/cancellations/search", nil, map[string]any{"cancel_status": []string{"CANCELLATION_REQUEST_PENDING"}}, &cp)
		if cp.Total != 1 || len(cp.Cancellations) != 1 || cp.Cancellations[0].CancelID != cr.ID.String() || cp.Cancellations[0].CancelType != "BUYER_CANCEL" ||
			len(cp.Cancellations[0].LineItems) != 2 {
			t.Fatalf("cancellations %+v", cp)
		}
		// Paging, oldest first by default, then newest first.
		var rp returnsPage
		ok(t, c, "POST", "/return_refund/202309/returns/search", url.Values{"page_size": {"1"}}, map[string]any{}, &rp)
		if rp.Total != 2 || len(rp.ReturnOrders) != 1 || rp.ReturnOrders[0].ReturnID != refundOnly.ID.String() || rp.Next == "" ||
			rp.ReturnOrders[0].ReturnType != "REFUND" || rp.ReturnOrders[0].ReturnStatus != "RETURN_OR_REFUND_REQUEST_PENDING" ||
			rp.ReturnOrders[0].NextAction[0].Action != "SELLER_RESPOND_REFUND" {
			t.Fatalf("first page %+v", rp)
		}
		ok(t, c, "POST", "/return_refund/202309/returns/search", url.Values{"page_size": {"1"}, "page_token": {rp.Next}}, map[string]any{}, &rp)
		if len(rp.ReturnOrders) != 1 || rp.ReturnOrders[0].ReturnID != withReturn.ID.String() || rp.Next != "" ||
			rp.ReturnOrders[0].ReturnType != "RETURN_AND_REFUND" || len(rp.ReturnOrders[0].LineItems) != 3 || rp.ReturnOrders[0].RefundAmount.RefundTotal != "38.97" {
			t.Fatalf("second page %+v", rp)
		}
		ok(t, c, "POST", "/return_refund/202309/returns/search", url.Values{"sort_order": {"DESC"}, "sort_field": {"update_time"}},
			map[string]any{"return_types": []string{"RETURN_AND_REFUND"}, "order_ids": []string{withReturn.OrderID.String()}}, &rp)
		if rp.Total != 1 || rp.ReturnOrders[0].ReturnID != withReturn.ID.String() {
			t.Fatalf("filtered %+v", rp)
		}
		ok(t, c, "POST", "/return_refund/202309/returns/search", nil, map[string]any{"return_types": []string{"REPLACEMENT"}}, &rp)
		if rp.Total != 0 || len(rp.ReturnOrders) != 0 {
			t.Fatalf("replacements %+v", rp)
		}

		// Answers go through the order service: the cancellation cancels and refunds.
		ok(t, c, "POST", "/return_refund/202309/cancellations/"+cr.ID.String()+"/approve", nil, nil, nil)
		got, err := e.Orders.GetReturn(e.ctx, s.actor, cr.ID)
		if err != nil || got.Status != order.ReturnRefunded {
			t.Fatalf("approved cancellation %s %v", got.Status, err)
		}
		if o, _ := e.Orders.Get(e.ctx, s.actor, toCancel.ID); o.Status != order.Cancelled {
			t.Fatalf("order after approved cancellation: %s", o.Status)
		}
		ok(t, c, "POST", "/return_refund/202309/cancellations/search", nil, map[string]any{"order_ids": []string{toCancel.ID.String()}}, &cp)
		if cp.Cancellations[0].CancelStatus != "CANCELLATION_REQUEST_COMPLETE" {
			t.Fatalf("after approval %+v", cp)
		}

		// A decision that does not fit the request's state changes nothing.
		refused(t, call(t, c, "POST", "/return_refund/202309/returns/"+refundOnly.ID.String()+"/approve", nil,
			map[string]any{"decision": "APPROVE_RECEIVED_PACKAGE"}), 409, openapi.CodeConflict)
		refused(t, call(t, c, "POST", "/return_refund/202309/returns/"+refundOnly.ID.String()+"/approve", nil,
			map[string]any{"decision": "APPROVE_EVERYTHING"}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/return_refund/202309/returns/"+withReturn.ID.String()+"/reject", nil,
			map[string]any{"decision": "REJECT_RETURN"}), 400, openapi.CodeInvalidParam)
		// A cancellation is not a return, and the other way round.
		refused(t, call(t, c, "POST", "/return_refund/202309/returns/"+cr.ID.String()+"/approve", nil, nil), 404, openapi.CodeNotFound)
		refused(t, call(t, c, "POST", "/return_refund/202309/cancellations/"+refundOnly.ID.String()+"/reject", nil,
			map[string]any{"reject_reason": "no"}), 404, openapi.CodeNotFound)
		if got, _ := e.Orders.GetReturn(e.ctx, s.actor, refundOnly.ID); got.Status != order.ReturnRequested {
			t.Fatalf("a refused call changed the request: %s", got.Status)
		}

		ok(t, c, "POST", "/return_refund/202309/returns/"+refundOnly.ID.String()+"/approve", nil, map[string]any{"decision": "APPROVE_REFUND"}, nil)
		if got, _ := e.Orders.GetReturn(e.ctx, s.actor, refundOnly.ID); got.Status != order.ReturnRefunded {
			t.Fatalf("approved refund: %s", got.Status)
		}
		ok(t, c, "POST", "/return_refund/202309/returns/"+withReturn.ID.String()+"/reject", nil,
			map[string]any{"decision": "REJECT_RETURN", "reject_reason": "seller_reject_apply_product_damaged", "comment": "opened and used"}, nil)
		got, _ = e.Orders.GetReturn(e.ctx, s.actor, withReturn.ID)
		if got.Status != order.ReturnRejected || got.SellerNote != "The product was used or damaged by the buyer: opened and used" {
			t.Fatalf("rejected return %+v", got)
		}
		ok(t, c, "POST", "/return_refund/202309/returns/search", nil, map[string]any{"return_status": []string{"REFUND_OR_RETURN_REQUEST_REJECT"}}, &rp)
		if rp.Total != 1 || rp.ReturnOrders[0].ReturnID != withReturn.ID.String() {
			t.Fatalf("rejected filter %+v", rp)
		}

		// Another seller's app never sees or answers this shop's requests.
		other := e.seller("otto")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, other.actor, other.shop.ID)
		ok(t, oc, "POST", "/return_refund/202309/returns/search", nil, map[string]any{}, &rp)
		if rp.Total != 0 {
			t.Fatalf("another shop sees %+v", rp)
		}
		third := e.requestReturn(e.delivered(s, 1), order.ReturnRefundOnly)
		refused(t, call(t, oc, "POST", "/return_refund/202309/returns/"+third.ID.String()+"/approve", nil, nil), 404, openapi.CodeNotFound)
		if got, _ := e.Orders.GetReturn(e.ctx, s.actor, third.ID); got.Status != order.ReturnRequested {
			t.Fatalf("another app answered the request: %s", got.Status)
		}

		// Webhooks carry the same statuses the searches show.
		hooked, hsecret, err := e.OpenAPI.RegisterApp(e.ctx, devOf(t, e, a.ID), openapi.AppInput{Name: "Hooked ERP",
			RedirectURLs: []string{"https://erp.example.com/callback"}, Scopes: openapi.ScopeNames(), WebhookURL: "http://127.0.0.1:9/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		e.client(hooked, hsecret, s.actor, s.shop.ID)
		fourth := e.requestReturn(e.delivered(s, 1), order.ReturnRefundOnly)
		want := `"return_status":"RETURN_OR_REFUND_REQUEST_PENDING"`
		deadline := time.Now().Add(10 * time.Second)
		for {
			ds, err := e.OpenAPI.Deliveries(e.ctx, devOf(t, e, hooked.ID), hooked.ID, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range ds {
				if d.EventType == "RETURN_STATUS_CHANGE" && strings.Contains(d.Payload, fourth.ID.String()) {
					if !strings.Contains(d.Payload, want) || !strings.Contains(d.Payload, `"return_type":"REFUND"`) {
						t.Fatalf("webhook payload %s", d.Payload)
					}
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no RETURN_STATUS_CHANGE webhook for the request: %+v", ds)
			}
			time.Sleep(20 * time.Millisecond)
		}

		// The family needs its scope.
		na, nsecret := e.developer("seller.order.info")
		nc, _ := e.client(na, nsecret, s.actor, s.shop.ID)
		refused(t, call(t, nc, "POST", "/return_refund/202309/returns/search", nil, map[string]any{}), 403, openapi.CodeScopeMissing)
	})
}

func TestSellerCancelsAndRejectReasons(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("cleo")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		sku := s.product.SKUs[0]
		stock := func() int64 {
			t.Helper()
			p, err := e.Catalog.Product(e.ctx, s.product.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p.SKUs[0].Stock
		}

		// Seller cancellation: bad calls are refused and change nothing.
		o := e.release(e.buy(sku.ID, 2))
		before := stock()
		other := e.seller("olga")
		theirs := e.release(e.buy(other.product.SKUs[0].ID, 1))
		line := o.Lines[0].ID.String()
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   int
		}{
			{"no order", map[string]any{"cancel_reason": "seller_cancel_reason_out_of_stock"}, 400, openapi.CodeInvalidParam},
			{"no reason", map[string]any{"order_id": o.ID.String()}, 400, openapi.CodeInvalidParam},
			{"unknown reason", map[string]any{"order_id": o.ID.String(), "cancel_reason": "felt like it"}, 400, openapi.CodeInvalidParam},
			{"one unit of two", map[string]any{"order_id": o.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock",
				"order_line_item_ids": []string{line}}, 400, openapi.CodeInvalidParam},
			{"a unit of another order", map[string]any{"order_id": o.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock",
				"order_line_item_ids": []string{line, line + "-2", theirs.Lines[0].ID.String()}}, 400, openapi.CodeInvalidParam},
			{"part of a SKU's quantity", map[string]any{"order_id": o.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock",
				"skus": []map[string]any{{"sku_id": sku.ID.String(), "quantity": 1}}}, 400, openapi.CodeInvalidParam},
			{"order_id of the wrong type", map[string]any{"order_id": 12, "cancel_reason": "seller_cancel_reason_out_of_stock"}, 400, openapi.CodeInvalidParam},
			{"another shop's order", map[string]any{"order_id": theirs.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock"}, 404, openapi.CodeNotFound},
			{"not an order id", map[string]any{"order_id": "abc", "cancel_reason": "seller_cancel_reason_out_of_stock"}, 404, openapi.CodeNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				refused(t, call(t, c, "POST", "/return_refund/202309/cancellations", nil, tc.body), tc.status, tc.code)
			})
		}
		if got, _ := e.Orders.Get(e.ctx, s.actor, o.ID); got.Status != order.AwaitingShipment || stock() != before {
			t.Fatalf("refused cancellations changed the order: %s, stock %d -> %d", got.Status, before, stock())
		}
		if got, _ := e.Orders.Get(e.ctx, other.actor, theirs.ID); got.Status != order.AwaitingShipment {
			t.Fatalf("another shop's order changed: %s", got.Status)
		}
		delivered := e.delivered(s, 1)
		refused(t, call(t, c, "POST", "/return_refund/202309/cancellations", nil,
			map[string]any{"order_id": delivered.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock"}), 409, openapi.CodeConflict)
		before = stock() // less the delivered order's unit

		// Naming every unit (or none) cancels the order, refunds the buyer and restocks.
		var done struct {
			CancelID     string `json:"cancel_id"`
			CancelStatus string `json:"cancel_status"`
		}
		ok(t, c, "POST", "/return_refund/202309/cancellations", nil, map[string]any{"order_id": o.ID.String(),
			"cancel_reason": "seller_cancel_reason_out_of_stock", "order_line_item_ids": []string{line, line + "-2"}}, &done)
		got, err := e.Orders.Get(e.ctx, s.actor, o.ID)
		if err != nil || done.CancelID != o.ID.String() || done.CancelStatus != "CANCELLATION_REQUEST_COMPLETE" || got.Status != order.Cancelled ||
			!strings.Contains(got.CancelReason, "Out of stock") || got.Refunded.Amount != got.Total.Amount || stock() != before+2 {
			t.Fatalf("cancelled %+v: %s %q refunded %d of %d, stock %d (was %d) %v", done, got.Status, got.CancelReason, got.Refunded.Amount, got.Total.Amount, stock(), before, err)
		}
		o2 := e.release(e.buy(sku.ID, 1))
		ok(t, c, "POST", "/return_refund/202309/cancellations", nil, map[string]any{"order_id": o2.ID.String(),
			"cancel_reason": "seller_cancel_paid_reason_address_not_deliver", "skus": []map[string]any{{"sku_id": sku.ID.String(), "quantity": 1}}}, &done)
		if got, _ := e.Orders.Get(e.ctx, s.actor, o2.ID); got.Status != order.Cancelled {
			t.Fatalf("cancelled by SKUs: %s", got.Status)
		}
		refused(t, call(t, c, "POST", "/return_refund/202309/cancellations", nil,
			map[string]any{"order_id": o2.ID.String(), "cancel_reason": "seller_cancel_reason_out_of_stock"}), 409, openapi.CodeConflict)

		// Reject reasons follow the request's step, and the reject endpoints take only those.
		type reasons struct {
			Reasons []struct {
				Name string `json:"name"`
				Text string `json:"text"`
			} `json:"reasons"`
		}
		names := func(id string) []string {
			t.Helper()
			var rs reasons
			ok(t, c, "GET", "/return_refund/202309/reject_reasons", url.Values{"return_or_cancel_id": {id}, "locale": {"en-US"}}, nil, &rs)
			out := []string{}
			for _, r := range rs.Reasons {
				if r.Text == "" {
					t.Fatalf("reason without text: %+v", rs)
				}
				out = append(out, r.Name)
			}
			return out
		}
		cr := e.requestReturn(e.release(e.buy(sku.ID, 1)), order.ReturnCancel)
		rr := e.requestReturn(e.delivered(s, 1), order.ReturnRefundOnly)
		if got := names(cr.ID.String()); !slices.Contains(got, "seller_reject_apply_product_has_been_packed") || slices.Contains(got, "seller_reject_apply_product_damaged") {
			t.Fatalf("cancellation reasons %v", got)
		}
		if got := names(rr.ID.String()); !slices.Contains(got, "seller_reject_apply_product_damaged") || slices.Contains(got, "seller_reject_apply_product_has_been_packed") {
			t.Fatalf("refund reasons %v", got)
		}
		refused(t, call(t, c, "GET", "/return_refund/202309/reject_reasons", nil, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "GET", "/return_refund/202309/reject_reasons", url.Values{"return_or_cancel_id": {"1"}}, nil), 404, openapi.CodeNotFound)
		refused(t, call(t, c, "POST", "/return_refund/202309/cancellations/"+cr.ID.String()+"/reject", nil,
			map[string]any{"reject_reason": "seller_reject_apply_product_damaged"}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/return_refund/202309/returns/"+rr.ID.String()+"/reject", nil,
			map[string]any{"reject_reason": "seller_reject_apply_product_has_been_packed"}), 400, openapi.CodeInvalidParam)
		for _, rid := range []id.ID{cr.ID, rr.ID} {
			if got, _ := e.Orders.GetReturn(e.ctx, s.actor, rid); got.Status != order.ReturnRequested {
				t.Fatalf("a refused reject changed the request: %s", got.Status)
			}
		}
		ok(t, c, "POST", "/return_refund/202309/cancellations/"+cr.ID.String()+"/reject", nil,
			map[string]any{"reject_reason": "seller_reject_apply_product_has_been_packed", "comment": "boxed"}, nil)
		if got, _ := e.Orders.GetReturn(e.ctx, s.actor, cr.ID); got.Status != order.ReturnRejected || got.SellerNote != "The product has been packed: boxed" {
			t.Fatalf("rejected cancellation %s %q", got.Status, got.SellerNote)
		}
		if got := names(cr.ID.String()); len(got) != 0 {
			t.Fatalf("a request no longer waiting has no reasons: %v", got)
		}
	})
}

func TestSellerOpensReturnsForBuyers(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("rosa")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		o := e.delivered(s, 2)
		line := o.Lines[0].ID.String()
		sku := s.product.SKUs[0].ID.String()
		waiting := e.release(e.buy(s.product.SKUs[0].ID, 1))
		other := e.seller("ross")
		theirs := e.delivered(other, 1)
		refund := func(extra map[string]any) map[string]any {
			b := map[string]any{"order_id": o.ID.String(), "return_type": "REFUND", "return_reason": "ecom_order_delivered_refund_reason_missing_product_seller"}
			for k, v := range extra {
				b[k] = v
			}
			return b
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   int
			field  string
		}{
			{"no order", map[string]any{"return_type": "REFUND", "return_reason": "ecom_order_delivered_refund_reason_missing_product_seller"}, 400, openapi.CodeInvalidParam, "order_id"},
			{"unknown type", refund(map[string]any{"return_type": "REPLACEMENT"}), 400, openapi.CodeInvalidParam, "return_type"},
			{"no reason", refund(map[string]any{"return_reason": ""}), 400, openapi.CodeInvalidParam, "return_reason"},
			{"a return reason for a refund", refund(map[string]any{"return_reason": "ecom_order_delivered_refund_and_return_reason_wrong_product_seller"}), 400, openapi.CodeInvalidParam, "return_reason"},
			{"platform shipping", refund(map[string]any{"return_type": "RETURN_AND_REFUND", "return_reason": "ecom_order_delivered_refund_and_return_reason_wrong_product_seller",
				"shipment_type": "PLATFORM"}), 400, openapi.CodeInvalidParam, "shipment_type"},
			{"a unit of another order", refund(map[string]any{"order_line_item_ids": []string{theirs.Lines[0].ID.String()}}), 400, openapi.CodeInvalidParam, "order_line_item_ids[0]"},
			{"a unit twice", refund(map[string]any{"order_line_item_ids": []string{line, line}}), 400, openapi.CodeInvalidParam, "order_line_item_ids[1]"},
			{"more units than bought", refund(map[string]any{"skus": []map[string]any{{"sku_id": sku, "quantity": 3}}}), 400, openapi.CodeInvalidParam, "skus"},
			{"units both ways", refund(map[string]any{"order_line_item_ids": []string{line}, "skus": []map[string]any{{"sku_id": sku, "quantity": 1}}}), 400, openapi.CodeInvalidParam, "skus"},
			{"another currency", refund(map[string]any{"currency": "EUR"}), 400, openapi.CodeInvalidParam, "currency"},
			{"a refund_total that is not an amount", refund(map[string]any{"refund_total": "lots"}), 400, openapi.CodeInvalidParam, "refund_total"},
			{"another refund_total", refund(map[string]any{"order_line_item_ids": []string{line}, "refund_total": "20.00"}), 400, openapi.CodeInvalidParam, "refund_total"},
			{"an order not delivered", refund(map[string]any{"order_id": waiting.ID.String()}), 422, openapi.CodeConflict, ""},
			{"another shop's order", refund(map[string]any{"order_id": theirs.ID.String()}), 404, openapi.CodeNotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, c, "POST", "/return_refund/202309/returns", nil, tc.body)
				refused(t, r, tc.status, tc.code)
				if !strings.HasPrefix(r.Message, tc.field) {
					t.Fatalf("the message names %q: %s", tc.field, r.Message)
				}
			})
		}
		for _, ord := range []order.Order{o, waiting, theirs} {
			if rs, err := e.Orders.ReturnsOfOrder(e.ctx, e.buyerOf(ord), ord.ID); err != nil || len(rs) != 0 {
				t.Fatalf("a refused call opened a request on %s: %+v %v", ord.ID, rs, err)
			}
		}

		// One unit of two, with the refund the seller expects: a pending request the
		// seller then answers like any other.
		var created struct {
			ReturnID     string `json:"return_id"`
			ReturnStatus string `json:"return_status"`
		}
		ok(t, c, "POST", "/return_refund/202309/returns", nil, refund(map[string]any{"order_line_item_ids": []string{line + "-2"}, "refund_total": "12.99", "currency": "USD"}), &created)
		rid, _ := id.Parse(created.ReturnID)
		r, err := e.Orders.GetReturn(e.ctx, s.actor, rid)
		if err != nil || created.ReturnStatus != "RETURN_OR_REFUND_REQUEST_PENDING" || r.Kind != order.ReturnRefundOnly || r.BuyerID != o.BuyerID ||
			r.Total().Amount != 1299 || len(r.Lines) != 1 || r.Lines[0].Quantity != 1 || r.Reason != "Package or item missing" || !strings.HasPrefix(r.Note, "Opened by the seller") {
			t.Fatalf("opened %+v: %+v %v", created, r, err)
		}
		if mine, err := e.Orders.GetReturn(e.ctx, e.buyerOf(o), rid); err != nil || mine.ID != rid {
			t.Fatalf("the buyer sees the request opened for them: %v", err)
		}
		// One request at a time per order.
		refused(t, call(t, c, "POST", "/return_refund/202309/returns", nil, refund(nil)), 409, openapi.CodeConflict)
		ok(t, c, "POST", "/return_refund/202309/returns/"+created.ReturnID+"/approve", nil, map[string]any{"decision": "APPROVE_REFUND"}, nil)
		if r, _ := e.Orders.GetReturn(e.ctx, s.actor, rid); r.Status != order.ReturnRefunded {
			t.Fatalf("approved: %s", r.Status)
		}

		// A return and refund of the rest, by SKU.
		ok(t, c, "POST", "/return_refund/202309/returns", nil, refund(map[string]any{"return_type": "RETURN_AND_REFUND",
			"return_reason": "ecom_order_delivered_refund_and_return_reason_wrong_product_seller", "shipment_type": "BUYER_ARRANGE",
			"skus": []map[string]any{{"sku_id": sku, "quantity": 1}}}), &created)
		rid, _ = id.Parse(created.ReturnID)
		if r, err := e.Orders.GetReturn(e.ctx, s.actor, rid); err != nil || r.Kind != order.ReturnAndRefund || r.Lines[0].Quantity != 1 {
			t.Fatalf("return and refund %+v %v", r, err)
		}
	})
}

func TestAftersaleEligibility(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("elia")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		type elig struct {
			SKUs []struct {
				SKUID string `json:"sku_id"`
				Lines []struct {
					Eligible bool     `json:"eligible"`
					Code     int      `json:"ineligible_code"`
					Units    []string `json:"order_line_items_ids"`
					Type     string   `json:"request_type"`
				} `json:"line_item_eligibility"`
			} `json:"sku_eligibility"`
		}
		// check asks for an order's eligibility and compares each request type's
		// answer: 0 for eligible with n units, else the ineligible code.
		check := func(o order.Order, who string, want map[string][2]int) {
			t.Helper()
			var got elig
			q := url.Values{}
			if who != "" {
				q.Set("initiate_aftersale_user", who)
			}
			ok(t, c, "GET", "/return_refund/202309/orders/"+o.ID.String()+"/aftersale_eligibility", q, nil, &got)
			if len(got.SKUs) != 1 || got.SKUs[0].SKUID != s.product.SKUs[0].ID.String() || len(got.SKUs[0].Lines) != 3 {
				t.Fatalf("eligibility %+v", got)
			}
			for _, l := range got.SKUs[0].Lines {
				w := want[l.Type]
				if (w[0] == 0) != l.Eligible || l.Code != w[0] || (w[0] == 0 && len(l.Units) != w[1]) {
					t.Fatalf("%s %s: %+v, want code %d with %d units", who, l.Type, l, w[0], w[1])
				}
			}
		}
		waiting := e.release(e.buy(s.product.SKUs[0].ID, 2))
		check(waiting, "", map[string][2]int{"CANCEL": {0, 2}, "REFUND": {25001001, 0}, "RETURN_AND_REFUND": {25001001, 0}})
		check(waiting, "SELLER", map[string][2]int{"CANCEL": {0, 2}, "REFUND": {25001001, 0}, "RETURN_AND_REFUND": {25001001, 0}})
		e.requestReturn(waiting, order.ReturnCancel)
		check(waiting, "BUYER", map[string][2]int{"CANCEL": {25001003, 0}, "REFUND": {25001001, 0}, "RETURN_AND_REFUND": {25001001, 0}})
		check(waiting, "SELLER", map[string][2]int{"CANCEL": {0, 2}, "REFUND": {25001001, 0}, "RETURN_AND_REFUND": {25001001, 0}})

		got := e.delivered(s, 3)
		check(got, "", map[string][2]int{"CANCEL": {25001001, 0}, "REFUND": {0, 3}, "RETURN_AND_REFUND": {0, 3}})
		r := e.requestReturn(got, order.ReturnRefundOnly)
		check(got, "", map[string][2]int{"CANCEL": {25001001, 0}, "REFUND": {25001003, 0}, "RETURN_AND_REFUND": {25001003, 0}})
		if _, err := e.Orders.RespondToReturn(e.ctx, s.actor, r.ID, order.SellerResponse{Approve: true}); err != nil {
			t.Fatal(err)
		}
		check(got, "", map[string][2]int{"CANCEL": {25001001, 0}, "REFUND": {25001004, 0}, "RETURN_AND_REFUND": {25001004, 0}})

		late := e.delivered(s, 1)
		if _, err := e.DB.ExecContext(e.ctx, `UPDATE orders SET delivered_at = $1 WHERE id = $2`, time.Now().AddDate(0, 0, -90).UnixMicro(), late.ID); err != nil {
			t.Fatal(err)
		}
		check(late, "SELLER", map[string][2]int{"CANCEL": {25001001, 0}, "REFUND": {25001002, 0}, "RETURN_AND_REFUND": {25001002, 0}})

		refused(t, call(t, c, "GET", "/return_refund/202309/orders/"+late.ID.String()+"/aftersale_eligibility", url.Values{"initiate_aftersale_user": {"ADMIN"}}, nil), 400, openapi.CodeInvalidParam)
		other := e.seller("elio")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, other.actor, other.shop.ID)
		refused(t, call(t, oc, "GET", "/return_refund/202309/orders/"+late.ID.String()+"/aftersale_eligibility", nil, nil), 404, openapi.CodeNotFound)
	})
}
