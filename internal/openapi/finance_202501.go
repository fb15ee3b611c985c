package openapi

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The finance family's 202501 versions: an order's transactions and a statement's
// transactions, in TikTok's 2025 shape (revenue, fee and tax, shipping cost and
// adjustment, each with a breakdown). Both read the same ledger lines as 202309:
// one transaction per ledger transfer that moved the shop's payable account.

// txnAmounts is one ledger line in the 202501 shape, shared by both endpoints.
func txnAmounts(l ledger.StatementLine, cur string) map[string]any {
	d := func(v int64) string { return dec(v, cur) }
	return map[string]any{
		"revenue_amount": d(l.Sales + l.Subsidies + l.Refunds),
		"revenue_breakdown": map[string]any{
			"subtotal_before_discount_amount":        d(max(l.Sales, 0) + l.Subsidies),
			"refund_subtotal_before_discount_amount": d(l.Refunds),
		},
		"fee_tax_amount": d(l.Fees + l.Commissions + l.Tax),
		"fee_tax_breakdown": map[string]any{
			"fee": map[string]any{"referral_fee_amount": d(l.Fees), "affiliate_commission_amount": d(l.Commissions)},
			"tax": map[string]any{},
		},
		"shipping_cost_amount":    d(l.Shipping),
		"shipping_cost_breakdown": map[string]any{"actual_shipping_fee_amount": d(l.Shipping)},
		"settlement_amount":       d(l.Net),
	}
}

// txnType is TikTok's transaction type of a ledger line: ORDER for an order's, else
// the adjustment's kind (GMV_PAYMENT_FOR_ADS for ad spend, otherwise liveshop's
// ledger kind in capitals, such as COLLABORATION_FEE).
func txnType(l ledger.StatementLine) string {
	switch {
	case l.OrderID != 0:
		return "ORDER"
	case l.Kind == "ad_spend":
		return "GMV_PAYMENT_FOR_ADS"
	}
	return strings.ToUpper(l.Kind)
}

// GET /finance/202501/orders/{order_id}/statement_transactions: the order's totals
// and one sku_transactions entry per ledger transfer (the sale, each refund), with
// its statement. The ledger books orders, not SKUs: an entry names the SKU only when
// the order has one.
func (s *Service) orderTransactions202501(c *call) (any, error) {
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	lines, loc, err := s.orderLedgerLines(c, so.Order)
	if err != nil {
		return nil, err
	}
	cur := so.Total.Currency
	var total ledger.StatementLine
	txns := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		total.Sales += l.Sales
		total.Subsidies += l.Subsidies
		total.Refunds += l.Refunds
		total.Fees += l.Fees
		total.Commissions += l.Commissions
		total.Tax += l.Tax
		total.Shipping += l.Shipping
		total.Net += l.Net
		v := txnAmounts(l, cur)
		v["statement_id"] = statementID(c.shopID, dayOf(l.At, loc).Format("2006-01-02"))
		if len(so.Lines) == 1 {
			ln := so.Lines[0]
			v["sku_id"], v["sku_name"], v["product_name"] = ln.SKUID.String(), ln.SKUName, ln.Title
			v["quantity"] = strconv.FormatInt(ln.Quantity, 10)
		}
		txns = append(txns, v)
	}
	t := txnAmounts(total, cur)
	return map[string]any{"order_id": so.ID.String(), "order_create_time": so.CreatedAt.Unix(), "currency": cur,
		"revenue_amount": t["revenue_amount"], "fee_and_tax_amount": t["fee_tax_amount"], "shipping_cost_amount": t["shipping_cost_amount"],
		"settlement_amount": t["settlement_amount"], "sku_transactions": txns, "total_count": len(txns)}, nil
}

// orderLedgerLines are the order's ledger lines that statements show (not the
// release to the available balance), with the market's time zone.
func (s *Service) orderLedgerLines(c *call, o order.Order) ([]ledger.StatementLine, *time.Location, error) {
	market, err := s.financeShop(c)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.Markets.Market(c.ctx, market)
	if err != nil {
		return nil, nil, err
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.Ledger.OrderBreakdown(c.ctx, c.shopID, o.ID)
	if err != nil {
		return nil, nil, err
	}
	var out []ledger.StatementLine
	for _, l := range all {
		if l.Kind == "settlement_released" || l.Kind == "settlement_reopened" || l.Kind == "reserve_released" {
			continue
		}
		out = append(out, l)
	}
	return out, loc, nil
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	d := t.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// statementPage is one page of a statement's transactions, for both versions.
type statementPage struct {
	st    ledger.Statement
	start time.Time
	rows  []statementRow
	total int
	next  string
}

// statementRow is a ledger line with its sort key: its order's creation time, or
// for an adjustment its own time.
type statementRow struct {
	key  int64
	line ledger.StatementLine
}

// statementLines reads the statement named by the path and pages through its
// ledger lines sorted by order_create_time (required), sort_order ASC by default,
// page_size 1-100 (20).
func (s *Service) statementLines(c *call) (statementPage, error) {
	if err := requireSort(c, "order_create_time"); err != nil {
		return statementPage{}, err
	}
	desc, err := sortOrder(c)
	if err != nil {
		return statementPage{}, err
	}
	size, err := optionalPageSize(c, 20, 100)
	if err != nil {
		return statementPage{}, err
	}
	var afterKey int64
	var afterID id.ID
	if tok := c.query.Get("page_token"); tok != "" {
		if afterKey, afterID, err = decodeToken(tok); err != nil {
			return statementPage{}, err
		}
	}
	raw := c.r.PathValue("statement_id")
	notFound := fail(http.StatusNotFound, CodeNotFound, "statement %s does not exist in this shop", raw)
	shopPart, dayPart, okID := strings.Cut(raw, "-")
	if !okID || shopPart != c.shopID.String() || len(dayPart) != 8 {
		return statementPage{}, notFound
	}
	day := dayPart[:4] + "-" + dayPart[4:6] + "-" + dayPart[6:]
	market, err := s.financeShop(c)
	if err != nil {
		return statementPage{}, err
	}
	start, _, err := s.Ledger.DayBounds(c.ctx, market, day)
	if err != nil {
		return statementPage{}, notFound
	}
	st, err := s.Ledger.Statement(c.ctx, ledger.OwnerShop, c.shopID, market, day)
	if err != nil {
		return statementPage{}, err
	}
	if len(st.Lines) == 0 {
		return statementPage{}, notFound
	}
	created, err := s.orderCreateTimes(c, st.Lines)
	if err != nil {
		return statementPage{}, err
	}
	rows := make([]statementRow, len(st.Lines))
	for i, l := range st.Lines {
		k := l.At.Unix()
		if t, ok := created[l.OrderID]; ok {
			k = t
		}
		rows[i] = statementRow{k, l}
	}
	compare := func(a, b statementRow) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.line.TransferID, b.line.TransferID)
	}
	slices.SortFunc(rows, func(a, b statementRow) int {
		if desc {
			return compare(b, a)
		}
		return compare(a, b)
	})
	page := statementPage{st: st, start: start, total: len(rows)}
	for _, r := range rows {
		if afterID != 0 {
			past := compare(r, statementRow{afterKey, ledger.StatementLine{TransferID: afterID}})
			if (!desc && past <= 0) || (desc && past >= 0) {
				continue
			}
		}
		if len(page.rows) == size {
			last := page.rows[len(page.rows)-1]
			page.next = encodeToken(last.key, last.line.TransferID)
			break
		}
		page.rows = append(page.rows, r)
	}
	return page, nil
}

// GET /finance/202501/statements/{statement_id}/statement_transactions: the
// statement's transactions (ledger.Statement's lines), paged, with its totals.
func (s *Service) statementTransactions202501(c *call) (any, error) {
	page, err := s.statementLines(c)
	if err != nil {
		return nil, err
	}
	cur := page.st.Currency
	txns := make([]map[string]any, 0, len(page.rows))
	for _, r := range page.rows {
		v := txnAmounts(r.line, cur)
		v["id"], v["type"], v["adjustment_amount"] = r.line.TransferID.String(), txnType(r.line), dec(r.line.Adjustments, cur)
		if r.line.OrderID != 0 {
			v["order_id"], v["order_create_time"] = r.line.OrderID.String(), r.key
		}
		v["supplementary_component"] = map[string]any{"customer_payment_amount": dec(max(r.line.Sales, 0), cur),
			"customer_refund_amount": dec(r.line.Refunds, cur), "platform_discount_amount": dec(r.line.Subsidies, cur),
			"sales_tax_amount": dec(r.line.Tax, cur)}
		txns = append(txns, v)
	}
	t := page.st.Totals
	return map[string]any{"id": statementID(c.shopID, page.st.Day), "create_time": page.start.Unix(), "status": "SETTLED", "currency": cur,
		"total_settlement_amount": dec(t.Net, cur), "payable_amount": dec(t.Net, cur),
		"total_settlement_breakdown": map[string]any{"total_revenue_amount": dec(t.Sales+t.Subsidies+t.Refunds, cur),
			"total_fee_tax_amount": dec(t.Fees+t.Commissions+t.Tax, cur), "total_shipping_cost_amount": dec(t.Shipping, cur),
			"total_adjustment_amount": dec(t.Adjustments, cur)},
		"transactions": txns, "total_count": page.total, "next_page_token": page.next}, nil
}

// GET /finance/202309/statements/{statement_id}/statement_transactions: the same
// transactions in the 202309 shape, the statement's amounts at the top as
// GET /finance/202309/statements shows them.
func (s *Service) statementTransactions202309(c *call) (any, error) {
	page, err := s.statementLines(c)
	if err != nil {
		return nil, err
	}
	cur := page.st.Currency
	txns := make([]map[string]any, 0, len(page.rows))
	for _, r := range page.rows {
		v := transaction202309(r.line, cur)
		v["type"] = txnType(r.line)
		if r.line.OrderID != 0 {
			v["order_id"], v["order_create_time"] = r.line.OrderID.String(), r.key
		}
		txns = append(txns, v)
	}
	sv := viewStatement(c.shopID, page.st, page.start.Unix())
	return map[string]any{"statement_id": sv.ID, "statement_time": sv.StatementTime, "currency": cur,
		"revenue_amount": sv.RevenueAmount, "net_sales_amount": sv.NetSalesAmount, "fee_amount": sv.FeeAmount,
		"shipping_cost_amount": sv.ShippingCostAmount, "adjustment_amount": sv.AdjustmentAmount, "settlement_amount": sv.SettlementAmount,
		"statement_transactions": txns, "total_count": page.total, "next_page_token": page.next}, nil
}

// orderCreateTimes reads the creation time of each order the lines name, 50 at a time.
func (s *Service) orderCreateTimes(c *call, lines []ledger.StatementLine) (map[id.ID]int64, error) {
	var ids []id.ID
	seen := map[id.ID]bool{}
	for _, l := range lines {
		if l.OrderID != 0 && !seen[l.OrderID] {
			seen[l.OrderID] = true
			ids = append(ids, l.OrderID)
		}
	}
	out := make(map[id.ID]int64, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 50)
		os, err := s.Orders.ShopOrdersByID(c.ctx, c.actor, c.shopID, ids[:n])
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			out[o.ID] = o.CreatedAt.Unix()
		}
		ids = ids[n:]
	}
	return out, nil
}
