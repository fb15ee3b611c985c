package openapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The fulfillment family, backed by order.Service.Ship: marking units shipped puts
// them in a package with a carrier and tracking number. shipping_provider_id names a
// carrier liveshop knows: "sandbox" (the built-in simulated carrier, which issues its
// own tracking number) or "manual" (booked elsewhere; tracking_number required). When
// it is empty, a tracking number means manual and none means sandbox.

// POST /fulfillment/202309/orders/{order_id}/packages
func (s *Service) markShipped(c *call) (any, error) {
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	var b struct {
		OrderLineItemIDs   []string `json:"order_line_item_ids"`
		ShippingProviderID string   `json:"shipping_provider_id"`
		TrackingNumber     string   `json:"tracking_number"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	o := so.Order
	in := order.ShipInput{Carrier: strings.TrimSpace(b.ShippingProviderID), TrackingNumber: strings.TrimSpace(b.TrackingNumber)}
	if in.Carrier == "" {
		in.Carrier = order.SandboxCarrierName
		if in.TrackingNumber != "" {
			in.Carrier = order.ManualCarrier
		}
	}
	lines := map[id.ID]order.Line{}
	for _, l := range o.Lines {
		lines[l.ID] = l
	}
	units := map[id.ID]int64{}
	seen := map[string]bool{}
	for i, uid := range b.OrderLineItemIDs {
		f := fmt.Sprintf("order_line_item_ids[%d]", i)
		line, k, ok := parseUnitID(uid)
		l, known := lines[line]
		if !ok || !known || k > l.Quantity {
			return nil, invalid(f, "%q is not a line item of order %s", uid, o.ID)
		}
		if seen[uid] {
			return nil, invalid(f, "%q is listed twice", uid)
		}
		// Units ship in order: a line's first ShippedQuantity units are in packages.
		if k <= l.ShippedQuantity {
			return nil, fail(http.StatusConflict, CodeConflict, "%s: line item %q of %q is already shipped", f, uid, l.Title)
		}
		seen[uid] = true
		units[line]++
	}
	for lineID, n := range units {
		l := lines[lineID]
		if l.ShippedQuantity+n > l.Quantity {
			return nil, fail(http.StatusConflict, CodeConflict, "line items of %q already shipped: %d of %d units are in packages", l.Title, l.ShippedQuantity, l.Quantity)
		}
		in.Items = append(in.Items, order.PackageItem{OrderID: o.ID, LineID: lineID, Quantity: n})
	}
	sort.Slice(in.Items, func(i, j int) bool { return in.Items[i].LineID < in.Items[j].LineID })
	before := map[id.ID]bool{}
	for _, p := range o.Packages {
		before[p.ID] = true
	}
	shipped, err := s.Orders.Ship(c.ctx, c.actor, o.ID, in)
	if err != nil {
		return nil, err
	}
	var pkg order.Package
	for _, p := range shipped.Packages {
		if !before[p.ID] && p.ID > pkg.ID {
			pkg = p
		}
	}
	// The units now in the new package, as TikTok line item ids.
	shippedIDs := []string{}
	packed := unitPackages(shipped)
	for _, l := range shipped.Lines {
		for k := int64(1); k <= l.Quantity; k++ {
			if p, ok := packed[unitID(l.ID, k)]; ok && p.ID == pkg.ID {
				shippedIDs = append(shippedIDs, unitID(l.ID, k))
			}
		}
	}
	out := map[string]any{"order_id": o.ID.String(), "order_line_item_ids": shippedIDs, "package_id": ""}
	if pkg.ID != 0 {
		out["package_id"] = pkg.ID.String()
	}
	return out, nil
}

// GET /fulfillment/202309/orders/{order_id}/tracking: every tracking event of the
// order's packages, newest first.
func (s *Service) tracking(c *call) (any, error) {
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	type event struct {
		Description      string `json:"description"`
		UpdateTimeMillis int64  `json:"update_time_millis"`
	}
	out := []event{}
	for _, p := range so.Packages {
		for _, e := range p.Events {
			desc := e.Note
			if desc == "" {
				desc = packageStatus(e.Status)
			}
			if len(so.Packages) > 1 {
				desc = fmt.Sprintf("package %s: %s", p.ID, desc)
			}
			out = append(out, event{Description: desc, UpdateTimeMillis: e.At.UnixMilli()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].UpdateTimeMillis > out[j].UpdateTimeMillis })
	return map[string]any{"tracking": out}, nil
}
