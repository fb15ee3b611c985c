package openapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The return_refund family, backed by package order's after-sales requests, the same
// the seller's returns page answers. TikTok keeps a buyer's cancellation request apart
// from returns: a liveshop request of kind "cancel" is a cancellation (cancel_type
// BUYER_CANCEL), "refund_only" a return of type REFUND and "return_refund" one of type
// RETURN_AND_REFUND. Approving and rejecting go through order.Service.RespondToReturn,
// so deadlines, refunds, restocking and webhooks follow as on the page.

// returnStatusOf is TikTok's return_status of a request.
func returnStatusOf(r order.Return) string {
	switch r.Status {
	case order.ReturnRequested:
		return "RETURN_OR_REFUND_REQUEST_PENDING"
	case order.ReturnApproved:
		return "AWAITING_BUYER_SHIP"
	case order.ReturnBuyerShipped:
		return "BUYER_SHIPPED_ITEM"
	case order.ReturnRejected, order.ReturnEscalated:
		return "REFUND_OR_RETURN_REQUEST_REJECT"
	case order.ReturnRefunded:
		return "RETURN_OR_REFUND_REQUEST_COMPLETE"
	case order.ReturnWithdrawn, order.ReturnClosed:
		return "RETURN_OR_REFUND_REQUEST_CANCEL"
	}
	return strings.ToUpper(string(r.Status))
}

// returnStatusFilter maps TikTok's return_status values to liveshop's states; states
// liveshop has no equivalent for (replacements, partial refund offers) select nothing.
var returnStatusFilter = map[string][]order.ReturnStatus{
	"RETURN_OR_REFUND_REQUEST_PENDING":   {order.ReturnRequested},
	"REFUND_OR_RETURN_REQUEST_REJECT":    {order.ReturnRejected, order.ReturnEscalated},
	"AWAITING_BUYER_SHIP":                {order.ReturnApproved},
	"BUYER_SHIPPED_ITEM":                 {order.ReturnBuyerShipped},
	"REJECT_RECEIVE_PACKAGE":             nil,
	"RETURN_OR_REFUND_REQUEST_SUCCESS":   nil,
	"RETURN_OR_REFUND_REQUEST_CANCEL":    {order.ReturnWithdrawn, order.ReturnClosed},
	"RETURN_OR_REFUND_REQUEST_COMPLETE":  {order.ReturnRefunded},
	"REPLACEMENT_REQUEST_PENDING":        nil,
	"REPLACEMENT_REQUEST_REJECT":         nil,
	"REPLACEMENT_REQUEST_REFUND_SUCCESS": nil,
	"REPLACEMENT_REQUEST_CANCEL":         nil,
	"REPLACEMENT_REQUEST_COMPLETE":       nil,
	"AWAITING_BUYER_RESPONSE":            nil,
}

// cancelStatusOf is TikTok's cancel_status of a cancellation request.
func cancelStatusOf(r order.Return) string {
	switch r.Status {
	case order.ReturnRequested, order.ReturnEscalated:
		return "CANCELLATION_REQUEST_PENDING"
	case order.ReturnApproved:
		return "CANCELLATION_REQUEST_SUCCESS"
	case order.ReturnRefunded:
		return "CANCELLATION_REQUEST_COMPLETE"
	}
	return "CANCELLATION_REQUEST_CANCEL"
}

var cancelStatusFilter = map[string][]order.ReturnStatus{
	"CANCELLATION_REQUEST_PENDING":   {order.ReturnRequested, order.ReturnEscalated},
	"CANCELLATION_REQUEST_SUCCESS":   {order.ReturnApproved},
	"CANCELLATION_REQUEST_CANCEL":    {order.ReturnRejected, order.ReturnWithdrawn, order.ReturnClosed},
	"CANCELLATION_REQUEST_CANCELLED": {order.ReturnRejected, order.ReturnWithdrawn, order.ReturnClosed},
	"CANCELLATION_REQUEST_COMPLETE":  {order.ReturnRefunded},
}

var returnTypeFilter = map[string][]order.ReturnKind{
	"REFUND":            {order.ReturnRefundOnly},
	"RETURN_AND_REFUND": {order.ReturnAndRefund},
	"REPLACEMENT":       nil,
}

var arbitrationFilter = map[string]order.Arbitration{
	"IN_PROGRESS":    order.ArbitrationInProgress,
	"SUPPORT_BUYER":  order.ArbitrationSupportBuyer,
	"SUPPORT_SELLER": order.ArbitrationSupportSeller,
	"CLOSED":         order.ArbitrationClosed,
}

// arbitrationOf is TikTok's arbitration_status: set once the buyer escalated.
func arbitrationOf(r order.Return) string {
	escalated := false
	for _, h := range r.History {
		if h.Status == order.ReturnEscalated {
			escalated = true
		}
	}
	if !escalated {
		return ""
	}
	switch r.Status {
	case order.ReturnEscalated:
		return "IN_PROGRESS"
	case order.ReturnRefunded:
		return "SUPPORT_BUYER"
	case order.ReturnClosed:
		return "SUPPORT_SELLER"
	}
	return "CLOSED"
}

type refundAmountView struct {
	Currency          string `json:"currency"`
	RefundSubtotal    string `json:"refund_subtotal"`
	RefundShippingFee string `json:"refund_shipping_fee"`
	RefundTotal       string `json:"refund_total"`
}

type nextActionView struct {
	Action   string `json:"action"`
	Deadline int64  `json:"deadline"`
}

type returnLineView struct {
	ReturnLineItemID string           `json:"return_line_item_id,omitempty"`
	CancelLineItemID string           `json:"cancel_line_item_id,omitempty"`
	OrderLineItemID  string           `json:"order_line_item_id"`
	ProductName      string           `json:"product_name"`
	SKUID            string           `json:"sku_id"`
	SKUName          string           `json:"sku_name"`
	RefundAmount     refundAmountView `json:"refund_amount"`
}

type returnView struct {
	ReturnID             string           `json:"return_id"`
	OrderID              string           `json:"order_id"`
	ReturnType           string           `json:"return_type"`
	ReturnStatus         string           `json:"return_status"`
	ArbitrationStatus    string           `json:"arbitration_status,omitempty"`
	Role                 string           `json:"role"`
	ReturnReason         string           `json:"return_reason"`
	ReturnReasonText     string           `json:"return_reason_text"`
	ReturnTrackingNumber string           `json:"return_tracking_number,omitempty"`
	RefundAmount         refundAmountView `json:"refund_amount"`
	LineItems            []returnLineView `json:"return_line_items"`
	NextAction           []nextActionView `json:"seller_next_action_response"`
	CreateTime           int64            `json:"create_time"`
	UpdateTime           int64            `json:"update_time"`
}

type cancelView struct {
	CancelID         string           `json:"cancel_id"`
	OrderID          string           `json:"order_id"`
	CancelType       string           `json:"cancel_type"`
	CancelStatus     string           `json:"cancel_status"`
	Role             string           `json:"role"`
	CancelReason     string           `json:"cancel_reason"`
	CancelReasonText string           `json:"cancel_reason_text"`
	RefundAmount     refundAmountView `json:"refund_amount"`
	LineItems        []returnLineView `json:"cancel_line_items"`
	NextAction       []nextActionView `json:"seller_next_action_response"`
	CreateTime       int64            `json:"create_time"`
	UpdateTime       int64            `json:"update_time"`
}

func refundView(sub, ship int64, cur string) refundAmountView {
	return refundAmountView{Currency: cur, RefundSubtotal: dec(sub, cur), RefundShippingFee: dec(ship, cur), RefundTotal: dec(sub+ship, cur)}
}

// requestUnits lists a request's units one line item each, as TikTok does. liveshop
// records how many units of a line a request covers, not which, so they are named as
// the line's first units.
func requestUnits(r order.Return, o order.Order, cancel bool) []returnLineView {
	cur := r.Refund.Currency
	lines := map[id.ID]order.Line{}
	for _, l := range o.Lines {
		lines[l.ID] = l
	}
	out := []returnLineView{}
	add := func(l order.Line, k, amount int64) {
		v := returnLineView{OrderLineItemID: unitID(l.ID, k), ProductName: l.Title, SKUID: l.SKUID.String(), SKUName: l.SKUName,
			RefundAmount: refundView(amount, 0, cur)}
		own := fmt.Sprintf("%s-%s", r.ID, unitID(l.ID, k))
		if cancel {
			v.CancelLineItemID = own
		} else {
			v.ReturnLineItemID = own
		}
		out = append(out, v)
	}
	if cancel {
		// A cancellation is of every unit not yet refunded, at what was paid for it.
		for _, l := range o.Lines {
			left := l.Quantity - l.RefundedQuantity
			if r.Status == order.ReturnRefunded {
				left = l.Quantity
			}
			for k := int64(1); k <= left; k++ {
				add(l, k, money.Portion(l.Paid.Amount, k-1, 1, l.Quantity))
			}
		}
		return out
	}
	for _, rl := range r.Lines {
		l, ok := lines[rl.LineID]
		if !ok {
			l = order.Line{ID: rl.LineID, Title: rl.Title}
		}
		for k := int64(1); k <= rl.Quantity; k++ {
			add(l, k, money.Portion(rl.Amount.Amount, k-1, 1, rl.Quantity))
		}
	}
	return out
}

func nextActions(r order.Return) []nextActionView {
	switch {
	case r.Status == order.ReturnRequested && r.Kind == order.ReturnCancel:
		return []nextActionView{{"SELLER_RESPOND_CANCEL", unixOf(r.SellerRespondBy)}}
	case r.Status == order.ReturnRequested && r.Kind == order.ReturnRefundOnly:
		return []nextActionView{{"SELLER_RESPOND_REFUND", unixOf(r.SellerRespondBy)}}
	case r.Status == order.ReturnRequested:
		return []nextActionView{{"SELLER_RESPOND_RETURN", unixOf(r.SellerRespondBy)}}
	case r.Status == order.ReturnBuyerShipped:
		return []nextActionView{{"SELLER_RESPOND_RECEIVE_PACKAGE", unixOf(r.SellerReceiveBy)}}
	}
	return []nextActionView{}
}

func viewReturn(r order.Return, o order.Order) returnView {
	typ := "REFUND"
	if r.Kind == order.ReturnAndRefund {
		typ = "RETURN_AND_REFUND"
	}
	cur := r.Refund.Currency
	return returnView{ReturnID: r.ID.String(), OrderID: r.OrderID.String(), ReturnType: typ, ReturnStatus: returnStatusOf(r),
		ArbitrationStatus: arbitrationOf(r), Role: "BUYER", ReturnReason: r.Reason, ReturnReasonText: r.Reason,
		ReturnTrackingNumber: r.ReturnTracking, RefundAmount: refundView(r.Refund.Amount, r.ShippingRefund.Amount, cur),
		LineItems: requestUnits(r, o, false), NextAction: nextActions(r), CreateTime: r.CreatedAt.Unix(), UpdateTime: r.UpdatedAt.Unix()}
}

func viewCancel(r order.Return, o order.Order) cancelView {
	cur := r.Refund.Currency
	return cancelView{CancelID: r.ID.String(), OrderID: r.OrderID.String(), CancelType: "BUYER_CANCEL", CancelStatus: cancelStatusOf(r),
		Role: "BUYER", CancelReason: r.Reason, CancelReasonText: r.Reason, RefundAmount: refundView(r.Refund.Amount, r.ShippingRefund.Amount, cur),
		LineItems: requestUnits(r, o, true), NextAction: nextActions(r), CreateTime: r.CreatedAt.Unix(), UpdateTime: r.UpdatedAt.Unix()}
}

// idList parses a body list of ids, naming the field at fault.
func idList(field string, vs []string) ([]id.ID, error) {
	if len(vs) > 100 {
		return nil, invalid(field, "at most 100 ids")
	}
	out := make([]id.ID, 0, len(vs))
	for i, v := range vs {
		n, err := id.Parse(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "%q is not an id", v)
		}
		out = append(out, n)
	}
	return out, nil
}

// optionalPageSize reads page_size, which these searches default (to 10).
func optionalPageSize(c *call, def, max int) (int, error) {
	if c.query.Get("page_size") == "" {
		return def, nil
	}
	return pageSize(c, max)
}

type requestSearchBody struct {
	OrderIDs     []string `json:"order_ids"`
	BuyerUserIDs []string `json:"buyer_user_ids"`
	CreateTimeGE int64    `json:"create_time_ge"`
	CreateTimeLT int64    `json:"create_time_lt"`
	UpdateTimeGE int64    `json:"update_time_ge"`
	UpdateTimeLT int64    `json:"update_time_lt"`
	// Returns.
	ReturnIDs         []string `json:"return_ids"`
	ReturnStatus      []string `json:"return_status"`
	ReturnTypes       []string `json:"return_types"`
	ArbitrationStatus []string `json:"arbitration_status"`
	SellerProposed    []string `json:"seller_proposed_return_type"`
	// Cancellations.
	CancelIDs    []string `json:"cancel_ids"`
	CancelStatus []string `json:"cancel_status"`
	CancelTypes  []string `json:"cancel_types"`
}

// searchRequests runs a return or cancellation search; nothing reports that the
// filters select nothing liveshop has (replacements, seller cancellations).
func (s *Service) searchRequests(c *call, cancellations bool) (page order.ShopReturnPage, nothing bool, err error) {
	size, err := optionalPageSize(c, 10, order.MaxReturnSearchPage)
	if err != nil {
		return page, false, err
	}
	var b requestSearchBody
	if err := decodeBody(c.body, &b); err != nil {
		return page, false, err
	}
	q := order.ShopReturnSearch{ShopID: c.shopID, Cancellations: cancellations, Limit: size,
		CreatedFrom: unixOrZero(b.CreateTimeGE), CreatedBefore: unixOrZero(b.CreateTimeLT),
		UpdatedFrom: unixOrZero(b.UpdateTimeGE), UpdatedBefore: unixOrZero(b.UpdateTimeLT),
		SortBy: c.query.Get("sort_field")}
	if q.SortBy != "" && q.SortBy != order.SortByCreateTime && q.SortBy != order.SortByUpdateTime {
		return page, false, invalid("sort_field", `must be "create_time" or "update_time"`)
	}
	switch strings.ToUpper(c.query.Get("sort_order")) {
	case "", "ASC":
	case "DESC":
		q.Descending = true
	default:
		return page, false, invalid("sort_order", `must be "ASC" or "DESC"`)
	}
	if q.OrderIDs, err = idList("order_ids", b.OrderIDs); err != nil {
		return page, false, err
	}
	if q.BuyerIDs, err = idList("buyer_user_ids", b.BuyerUserIDs); err != nil {
		return page, false, err
	}
	statuses := func(field string, vals []string, table map[string][]order.ReturnStatus) error {
		if len(vals) == 0 {
			return nil
		}
		q.Statuses = []order.ReturnStatus{}
		for i, v := range vals {
			sts, ok := table[v]
			if !ok {
				return invalid(fmt.Sprintf("%s[%d]", field, i), "unknown status %q", v)
			}
			q.Statuses = append(q.Statuses, sts...)
		}
		if len(q.Statuses) == 0 {
			nothing = true
		}
		return nil
	}
	if cancellations {
		if q.ReturnIDs, err = idList("cancel_ids", b.CancelIDs); err != nil {
			return page, false, err
		}
		if err := statuses("cancel_status", b.CancelStatus, cancelStatusFilter); err != nil {
			return page, false, err
		}
		if len(b.CancelTypes) > 0 {
			buyer := false
			for i, t := range b.CancelTypes {
				switch t {
				case "BUYER_CANCEL":
					buyer = true
				case "CANCEL":
				default:
					return page, false, invalid(fmt.Sprintf("cancel_types[%d]", i), `must be "CANCEL" or "BUYER_CANCEL"`)
				}
			}
			// Cancellations by the seller or the system are not requests in liveshop.
			nothing = nothing || !buyer
		}
	} else {
		if q.ReturnIDs, err = idList("return_ids", b.ReturnIDs); err != nil {
			return page, false, err
		}
		if err := statuses("return_status", b.ReturnStatus, returnStatusFilter); err != nil {
			return page, false, err
		}
		if len(b.ReturnTypes) > 0 {
			q.Kinds = []order.ReturnKind{}
			for i, t := range b.ReturnTypes {
				kinds, ok := returnTypeFilter[t]
				if !ok {
					return page, false, invalid(fmt.Sprintf("return_types[%d]", i), "unknown return type %q", t)
				}
				q.Kinds = append(q.Kinds, kinds...)
			}
			nothing = nothing || len(q.Kinds) == 0
		}
		for i, a := range b.ArbitrationStatus {
			v, ok := arbitrationFilter[a]
			if !ok {
				return page, false, invalid(fmt.Sprintf("arbitration_status[%d]", i), "unknown arbitration status %q", a)
			}
			q.Arbitration = append(q.Arbitration, v)
		}
		for i, p := range b.SellerProposed {
			if p != "PARTIAL_REFUND" {
				return page, false, invalid(fmt.Sprintf("seller_proposed_return_type[%d]", i), `must be "PARTIAL_REFUND"`)
			}
			// liveshop sellers do not propose partial refunds.
			nothing = true
		}
	}
	if tok := c.query.Get("page_token"); tok != "" {
		key, last, err := decodeToken(tok)
		if err != nil {
			return page, false, err
		}
		q.After = order.SearchCursor{Key: key, ID: last}
	}
	if nothing {
		return page, true, nil
	}
	page, err = s.Orders.SearchShopReturns(c.ctx, c.actor, q)
	return page, false, err
}

// ordersOf loads the orders of a page's requests (at most 50 distinct).
func (s *Service) ordersOf(c *call, rs []order.Return) (map[id.ID]order.Order, error) {
	out := map[id.ID]order.Order{}
	var ids []id.ID
	for _, r := range rs {
		if _, ok := out[r.OrderID]; !ok {
			out[r.OrderID] = order.Order{}
			ids = append(ids, r.OrderID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, ids)
	if err != nil {
		return nil, err
	}
	for _, o := range os {
		out[o.ID] = o.Order
	}
	return out, nil
}

func nextToken(p order.ShopReturnPage) string {
	if p.Next.IsZero() {
		return ""
	}
	return encodeToken(p.Next.Key, p.Next.ID)
}

// POST /return_refund/202309/returns/search
func (s *Service) searchReturns(c *call) (any, error) {
	return searchRequestPage(s, c, false, "return_orders", viewReturn)
}

// POST /return_refund/202309/cancellations/search
func (s *Service) searchCancellations(c *call) (any, error) {
	return searchRequestPage(s, c, true, "cancellations", viewCancel)
}

// searchRequestPage answers a returns or cancellations search: the page of the shop's
// requests, each in its family's view, under the family's list key.
func searchRequestPage[V any](s *Service, c *call, cancellations bool, key string, view func(order.Return, order.Order) V) (any, error) {
	page, nothing, err := s.searchRequests(c, cancellations)
	if err != nil {
		return nil, err
	}
	out := []V{}
	if nothing {
		return map[string]any{key: out, "total_count": 0, "next_page_token": ""}, nil
	}
	orders, err := s.ordersOf(c, page.Returns)
	if err != nil {
		return nil, err
	}
	for _, r := range page.Returns {
		out = append(out, view(r, orders[r.OrderID]))
	}
	return map[string]any{key: out, "total_count": page.Total, "next_page_token": nextToken(page)}, nil
}

// shopRequest loads the request named by the path parameter, of this shop and of the
// endpoint's kind (cancellation or return); any other is not found.
func (s *Service) shopRequest(c *call, param string, cancellation bool) (order.Return, error) {
	rid, err := c.pathID(param)
	if err != nil {
		return order.Return{}, err
	}
	r, err := s.Orders.ShopReturn(c.ctx, c.actor, c.shopID, rid)
	if err == nil && (r.Kind == order.ReturnCancel) != cancellation {
		err = order.ErrReturnNotFound
	}
	if err != nil {
		if ae := toAPIError(err); ae.Code == CodeNotFound {
			what := "return"
			if cancellation {
				what = "cancellation"
			}
			return order.Return{}, fail(http.StatusNotFound, CodeNotFound, "%s %s does not exist in this shop", what, rid)
		}
		return order.Return{}, err
	}
	return r, nil
}

// expectDecision checks a TikTok decision against what the request's state allows.
func expectDecision(field, got string, known []string, want string) error {
	if got == "" {
		return nil
	}
	for _, k := range known {
		if k == got {
			if got != want {
				if want == "" {
					return fail(http.StatusConflict, CodeConflict, "%s: the request is not waiting for the seller", field)
				}
				return fail(http.StatusConflict, CodeConflict, "%s: %s does not apply to this request now; it needs %s", field, got, want)
			}
			return nil
		}
	}
	return invalid(field, "unknown decision %q", got)
}

func approveDecision(r order.Return) string {
	switch {
	case r.Status == order.ReturnRequested && r.Kind == order.ReturnRefundOnly:
		return "APPROVE_REFUND"
	case r.Status == order.ReturnRequested:
		return "APPROVE_RETURN"
	case r.Status == order.ReturnBuyerShipped:
		return "APPROVE_RECEIVED_PACKAGE"
	}
	return ""
}

func rejectDecision(r order.Return) string {
	switch {
	case r.Status == order.ReturnRequested && r.Kind == order.ReturnRefundOnly:
		return "REJECT_REFUND"
	case r.Status == order.ReturnRequested:
		return "REJECT_RETURN"
	case r.Status == order.ReturnBuyerShipped:
		return "REJECT_RECEIVED_PACKAGE"
	}
	return ""
}

// POST /return_refund/202309/returns/{return_id}/approve
func (s *Service) approveReturn(c *call) (any, error) {
	var b struct {
		Decision      string `json:"decision"`
		BuyerKeepItem bool   `json:"buyer_keep_item"`
		PartialRefund *struct {
			Amount   string `json:"amount"`
			Currency string `json:"currency"`
		} `json:"partial_refund"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if b.PartialRefund != nil {
		return nil, invalid("partial_refund", "liveshop refunds a request in full; partial refunds are not offered")
	}
	r, err := s.shopRequest(c, "return_id", false)
	if err != nil {
		return nil, err
	}
	if b.BuyerKeepItem && r.Kind == order.ReturnAndRefund {
		return nil, invalid("buyer_keep_item", "a return and refund request is refunded once the items come back; the buyer cannot keep them")
	}
	if err := expectDecision("decision", b.Decision, []string{"APPROVE_REFUND", "APPROVE_RETURN", "APPROVE_RECEIVED_PACKAGE",
		"APPROVE_REPLACEMENT", "ISSUE_REPLACEMENT_REFUND", "OFFER_PARTIAL_REFUND"}, approveDecision(r)); err != nil {
		return nil, err
	}
	if _, err := s.Orders.RespondToReturn(c.ctx, c.actor, r.ID, order.SellerResponse{Approve: true, Note: "approved through " + c.app.Name}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

type rejectBody struct {
	Decision     string `json:"decision"`
	RejectReason string `json:"reject_reason"`
	Comment      string `json:"comment"`
}

// note is what the buyer reads: the reason code and the seller's comment.
func (b rejectBody) note() (string, error) {
	reason, comment := strings.TrimSpace(b.RejectReason), strings.TrimSpace(b.Comment)
	if reason == "" {
		return "", invalid("reject_reason", "required: say why you refuse; the buyer sees it")
	}
	if len(reason) > 200 {
		return "", invalid("reject_reason", "at most 200 characters")
	}
	if len([]rune(comment)) > 280 {
		return "", invalid("comment", "at most 280 characters")
	}
	if comment != "" {
		return reason + ": " + comment, nil
	}
	return reason, nil
}

// POST /return_refund/202309/returns/{return_id}/reject
func (s *Service) rejectReturn(c *call) (any, error) {
	var b rejectBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if _, err := b.note(); err != nil {
		return nil, err
	}
	r, err := s.shopRequest(c, "return_id", false)
	if err != nil {
		return nil, err
	}
	if err := expectDecision("decision", b.Decision, []string{"REJECT_REFUND", "REJECT_RETURN", "REJECT_RECEIVED_PACKAGE",
		"REJECT_REPLACEMENT"}, rejectDecision(r)); err != nil {
		return nil, err
	}
	note, err := checkRejectReason(b, r)
	if err != nil {
		return nil, err
	}
	if _, err := s.Orders.RespondToReturn(c.ctx, c.actor, r.ID, order.SellerResponse{Approve: false, Note: note}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// POST /return_refund/202309/cancellations/{cancel_id}/approve
func (s *Service) approveCancellation(c *call) (any, error) {
	if err := decodeBody(c.body, &struct{}{}); err != nil {
		return nil, err
	}
	r, err := s.shopRequest(c, "cancel_id", true)
	if err != nil {
		return nil, err
	}
	if _, err := s.Orders.RespondToReturn(c.ctx, c.actor, r.ID, order.SellerResponse{Approve: true, Note: "approved through " + c.app.Name}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// POST /return_refund/202309/cancellations/{cancel_id}/reject
func (s *Service) rejectCancellation(c *call) (any, error) {
	var b rejectBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if _, err := b.note(); err != nil {
		return nil, err
	}
	r, err := s.shopRequest(c, "cancel_id", true)
	if err != nil {
		return nil, err
	}
	note, err := checkRejectReason(b, r)
	if err != nil {
		return nil, err
	}
	if _, err := s.Orders.RespondToReturn(c.ctx, c.actor, r.ID, order.SellerResponse{Approve: false, Note: note}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
