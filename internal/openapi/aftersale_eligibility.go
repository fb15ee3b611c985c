package openapi

import (
	"strings"

	"github.com/liveshop/liveshop/internal/order"
)

// Aftersale eligibility: which after-sales requests the seller or the buyer may start
// on an order now, by SKU, from the same rules order.Service applies when one is
// started (order status, the shop's return window, one open request per order, units
// not yet refunded). The ineligible codes are liveshop's, in TikTok's 25001xxx style.
const (
	ineligibleStatus   = 25001001 // the order's status does not allow it
	ineligibleWindow   = 25001002 // the return window has closed
	ineligibleOpen     = 25001003 // another after-sales request is open
	ineligibleRefunded = 25001004 // every unit has been refunded
)

type eligibility struct {
	Eligible         bool     `json:"eligible"`
	IneligibleCode   int      `json:"ineligible_code,omitempty"`
	IneligibleReason string   `json:"ineligible_reason,omitempty"`
	OrderLineItemIDs []string `json:"order_line_items_ids"`
	RequestType      string   `json:"request_type"`
}

// GET /return_refund/202309/orders/{order_id}/aftersale_eligibility
func (s *Service) aftersaleEligibility(c *call) (any, error) {
	who := strings.ToUpper(strings.TrimSpace(c.query.Get("initiate_aftersale_user")))
	if who == "" {
		who = "BUYER"
	}
	if who != "BUYER" && who != "SELLER" {
		return nil, invalid("initiate_aftersale_user", `must be "BUYER" or "SELLER"`)
	}
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	o := so.Order
	open := false
	requests, err := s.Orders.ReturnsOfOrder(c.ctx, c.actor, o.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range requests {
		open = open || r.Status.Open()
	}
	now := s.now()
	windowClosed := false
	if !o.DeliveredAt.IsZero() {
		pol, err := s.Markets.Policy(c.ctx, o.Market, now)
		if err != nil {
			return nil, err
		}
		sh, err := c.Shop()
		if err != nil {
			return nil, err
		}
		windowClosed = !now.Before(o.DeliveredAt.AddDate(0, 0, order.ReturnWindow(pol, sh.Badge)))
	}

	// cancel: the seller cancels before shipping; the buyer cancels on hold, or asks
	// once the order awaits shipment.
	cancel := func(units []string) eligibility {
		e := eligibility{RequestType: "CANCEL", OrderLineItemIDs: units}
		switch {
		case o.Status != order.OnHold && o.Status != order.AwaitingShipment:
			e.IneligibleCode, e.IneligibleReason = ineligibleStatus, "the order is "+o.Status.Label()+"; orders are cancelled before they ship"
		case open && (who == "BUYER" && o.Status == order.AwaitingShipment):
			e.IneligibleCode, e.IneligibleReason = ineligibleOpen, "a request on this order is open"
		default:
			e.Eligible = true
		}
		return e
	}
	refund := func(kind string, units []string) eligibility {
		e := eligibility{RequestType: kind, OrderLineItemIDs: units}
		switch {
		case o.DeliveredAt.IsZero() || (o.Status != order.Delivered && o.Status != order.Completed):
			e.IneligibleCode, e.IneligibleReason = ineligibleStatus, "the order is "+o.Status.Label()+"; refunds are requested once it is delivered"
		case windowClosed:
			e.IneligibleCode, e.IneligibleReason = ineligibleWindow, "the return window has closed"
		case open:
			e.IneligibleCode, e.IneligibleReason = ineligibleOpen, "a request on this order is open"
		case len(units) == 0:
			e.IneligibleCode, e.IneligibleReason = ineligibleRefunded, "every unit has been refunded"
		default:
			e.Eligible = true
		}
		return e
	}

	type skuEligibility struct {
		SKUID string        `json:"sku_id"`
		Lines []eligibility `json:"line_item_eligibility"`
	}
	var out []skuEligibility
	index := map[string]int{}
	unshipped, refundable := map[string][]string{}, map[string][]string{}
	for _, l := range o.Lines {
		sku := l.SKUID.String()
		if _, ok := index[sku]; !ok {
			index[sku] = len(out)
			out = append(out, skuEligibility{SKUID: sku})
		}
		for k := l.ShippedQuantity + 1; k <= l.Quantity; k++ {
			unshipped[sku] = append(unshipped[sku], unitID(l.ID, k))
		}
		// Units are refunded in order, as the order's line items are named.
		for k := l.RefundedQuantity + 1; k <= l.Quantity; k++ {
			refundable[sku] = append(refundable[sku], unitID(l.ID, k))
		}
	}
	for i := range out {
		sku := out[i].SKUID
		out[i].Lines = []eligibility{cancel(nonNil(unshipped[sku])),
			refund("REFUND", nonNil(refundable[sku])), refund("RETURN_AND_REFUND", nonNil(refundable[sku]))}
	}
	if out == nil {
		out = []skuEligibility{}
	}
	return map[string]any{"sku_eligibility": out}, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
