package openapi

import (
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/events"
)

// productStatusNotice is the PRODUCT_STATUS_CHANGE webhook for a later change of a
// product's status (its first status goes out with product.created): the status as
// the product family reports it, and for a product the review failed, the reviewer's
// reason as suspended_reason.
func productStatusNotice(ev events.ProductStatusChanged) notice {
	st := productStatus(catalog.Status(ev.Status))
	data := map[string]any{"product_id": ev.ProductID.String(), "status": st, "update_time": ev.At.Unix()}
	if st == "FAILED" || st == "PLATFORM_DEACTIVATED" {
		data["suspended_reason"] = ev.Reason
	}
	return notice{EventProductStatusChange, data}
}
