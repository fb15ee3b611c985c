package openapi

import (
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// A reason is one of TikTok's coded reasons a seller gives, with its English text,
// which is what the buyer reads.
type reason struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Reasons a seller may give to refuse a request, by the step the request is at:
// a buyer's cancellation request, a refund or return request, and a returned parcel.
// GET /return_refund/202309/reject_reasons lists those of a request's current step,
// and the reject endpoints accept only those.
var (
	agreedWithBuyer     = reason{"seller_reject_apply_you_have_reached_an_agreement_with_the_buyer", "You have reached an agreement with the buyer"}
	cancelRejectReasons = []reason{
		{"seller_reject_apply_product_has_been_packed", "The product has been packed"},
		agreedWithBuyer,
	}
	requestRejectReasons = []reason{
		{"seller_reject_apply_product_damaged", "The product was used or damaged by the buyer"},
		{"seller_reject_apply_product_matches_description", "The product matches its description"},
		{"seller_reject_apply_insufficient_evidence", "The buyer gave too little evidence"},
		agreedWithBuyer,
	}
	packageRejectReasons = []reason{
		{"seller_reject_receive_package_not_received", "The returned package has not arrived"},
		{"seller_reject_receive_package_wrong_item", "The package holds another item than the one sold"},
		{"seller_reject_receive_package_damaged", "The returned item is used or damaged"},
	}
)

// rejectReasonsFor are the reasons that may refuse the request at its current step;
// none when it is not waiting for the seller.
func rejectReasonsFor(r order.Return) []reason {
	switch {
	case r.Status == order.ReturnRequested && r.Kind == order.ReturnCancel:
		return cancelRejectReasons
	case r.Status == order.ReturnRequested:
		return requestRejectReasons
	case r.Status == order.ReturnBuyerShipped:
		return packageRejectReasons
	}
	return nil
}

// checkRejectReason finds the reason b names among those of r's current step and
// returns the note the buyer reads: the reason's text, then the seller's comment.
func checkRejectReason(b rejectBody, r order.Return) (string, error) {
	allowed := rejectReasonsFor(r)
	if len(allowed) == 0 {
		return "", fail(http.StatusConflict, CodeConflict, "the request is not waiting for the seller")
	}
	name := strings.TrimSpace(b.RejectReason)
	for _, rs := range allowed {
		if rs.Name == name {
			if c := strings.TrimSpace(b.Comment); c != "" {
				return rs.Text + ": " + c, nil
			}
			return rs.Text, nil
		}
	}
	return "", invalid("reject_reason", "%q is not a reason to refuse this request now; GET /return_refund/202309/reject_reasons lists them", name)
}

// GET /return_refund/202309/reject_reasons?return_or_cancel_id=
func (s *Service) rejectReasons(c *call) (any, error) {
	raw := strings.TrimSpace(c.query.Get("return_or_cancel_id"))
	if raw == "" {
		return nil, invalid("return_or_cancel_id", "required: the return or cancellation to refuse")
	}
	rid, err := id.Parse(raw)
	if err != nil {
		return nil, fail(http.StatusNotFound, CodeNotFound, "return or cancellation %s does not exist in this shop", raw)
	}
	r, err := s.Orders.ShopReturn(c.ctx, c.actor, c.shopID, rid)
	if err != nil {
		if ae := toAPIError(err); ae.Code == CodeNotFound {
			return nil, fail(http.StatusNotFound, CodeNotFound, "return or cancellation %s does not exist in this shop", raw)
		}
		return nil, err
	}
	out := rejectReasonsFor(r)
	if out == nil {
		out = []reason{}
	}
	return map[string]any{"reasons": out}, nil
}
