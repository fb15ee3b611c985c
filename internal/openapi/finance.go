package openapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The finance family, backed by package ledger: the same statements, order
// breakdowns and payouts the seller's finance page shows. A TikTok statement is a
// shop's settlement day; liveshop's is ledger.Statement of that day in the market's
// time zone, its id "<shop id>-<YYYYMMDD>" and its statement_time the day's start.
// Amounts are from the shop's side (fees negative) and add up:
// revenue + fee + shipping cost + adjustment = settlement.

// queryUnix reads an optional Unix-seconds query parameter.
func queryUnix(c *call, name string) (time.Time, error) {
	v := c.query.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, invalid(name, "must be Unix seconds, not %q", v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// sortOrder reads sort_order, ascending unless DESC.
func sortOrder(c *call) (desc bool, err error) {
	switch strings.ToUpper(c.query.Get("sort_order")) {
	case "", "ASC":
		return false, nil
	case "DESC":
		return true, nil
	}
	return false, invalid("sort_order", `must be "ASC" or "DESC"`)
}

// requireSort checks the required sort_field, which supports one value.
func requireSort(c *call, only string) error {
	if v := c.query.Get("sort_field"); v != only {
		return invalid("sort_field", "required; only %q is supported", only)
	}
	return nil
}

// financeShop is the call's shop, checked to be still managed by the seller.
func (s *Service) financeShop(c *call) (market string, err error) {
	sh, err := s.Sellers.Manage(c.ctx, c.actor, c.shopID)
	if err != nil {
		return "", err
	}
	return sh.Market, nil
}

func statementID(shop id.ID, day string) string {
	return shop.String() + "-" + strings.ReplaceAll(day, "-", "")
}

type statementView struct {
	ID                 string `json:"id"`
	StatementTime      int64  `json:"statement_time"`
	Currency           string `json:"currency"`
	RevenueAmount      string `json:"revenue_amount"`
	NetSalesAmount     string `json:"net_sales_amount"`
	FeeAmount          string `json:"fee_amount"`
	ShippingCostAmount string `json:"shipping_cost_amount"`
	AdjustmentAmount   string `json:"adjustment_amount"`
	SettlementAmount   string `json:"settlement_amount"`
	PaymentStatus      string `json:"payment_status"`
	PaymentID          string `json:"payment_id,omitempty"`
	PaymentTime        int64  `json:"payment_time,omitempty"`
}

// GET /finance/202309/statements
func (s *Service) statements(c *call) (any, error) {
	if err := requireSort(c, "statement_time"); err != nil {
		return nil, err
	}
	desc, err := sortOrder(c)
	if err != nil {
		return nil, err
	}
	size, err := optionalPageSize(c, 20, 100)
	if err != nil {
		return nil, err
	}
	from, err := queryUnix(c, "statement_time_ge")
	if err != nil {
		return nil, err
	}
	to, err := queryUnix(c, "statement_time_lt")
	if err != nil {
		return nil, err
	}
	status := c.query.Get("payment_status")
	if status != "" && status != "PAID" && status != "FAILED" && status != "PROCESSING" {
		return nil, invalid("payment_status", `must be "PAID", "FAILED" or "PROCESSING"`)
	}
	var after int64
	if tok := c.query.Get("page_token"); tok != "" {
		if after, _, err = decodeToken(tok); err != nil {
			return nil, err
		}
	}
	market, err := s.financeShop(c)
	if err != nil {
		return nil, err
	}
	if to.IsZero() {
		to = s.now().Add(24 * time.Hour)
	}
	days, err := s.Ledger.StatementDays(c.ctx, ledger.OwnerShop, c.shopID, market, from, to)
	if err != nil {
		return nil, err
	}
	if desc {
		for i, j := 0, len(days)-1; i < j; i, j = i+1, j-1 {
			days[i], days[j] = days[j], days[i]
		}
	}
	out := []statementView{}
	next := ""
	for _, day := range days {
		start, _, err := s.Ledger.DayBounds(c.ctx, market, day)
		if err != nil {
			return nil, err
		}
		// A day starting before the range's start belongs to it when its
		// transfers fall inside; statements are listed by their day's start.
		key := start.Unix()
		if after != 0 && ((!desc && key <= after) || (desc && key >= after)) {
			continue
		}
		if len(out) == size {
			next = encodeToken(out[len(out)-1].StatementTime, id.ID(max(out[len(out)-1].StatementTime, 1)))
			break
		}
		st, err := s.Ledger.Statement(c.ctx, ledger.OwnerShop, c.shopID, market, day)
		if err != nil {
			return nil, err
		}
		v := viewStatement(c.shopID, st, key)
		var orders []id.ID
		for _, l := range st.Lines {
			if l.OrderID != 0 {
				orders = append(orders, l.OrderID)
			}
		}
		v.PaymentStatus = "PROCESSING"
		if po, found, err := s.Ledger.PayoutCovering(c.ctx, ledger.OwnerShop, c.shopID, orders); err != nil {
			return nil, err
		} else if found {
			v.PaymentStatus, v.PaymentID, v.PaymentTime = "PAID", po.ID.String(), unixOf(po.SettledAt)
		}
		if status != "" && v.PaymentStatus != status {
			continue
		}
		out = append(out, v)
	}
	return map[string]any{"statements": out, "next_page_token": next}, nil
}

func viewStatement(shop id.ID, st ledger.Statement, start int64) statementView {
	cur := st.Currency
	t := st.Totals
	return statementView{ID: statementID(shop, st.Day), StatementTime: start, Currency: cur,
		RevenueAmount: dec(t.Sales+t.Subsidies+t.Refunds, cur), NetSalesAmount: dec(t.Sales+t.Refunds, cur),
		FeeAmount: dec(t.Fees+t.Commissions+t.Tax, cur), ShippingCostAmount: dec(t.Shipping, cur),
		AdjustmentAmount: dec(t.Adjustments, cur), SettlementAmount: dec(t.Net, cur)}
}

type amountView struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// paymentStatus is TikTok's name for a payout's state.
func paymentStatus(st string) string {
	switch st {
	case ledger.PayoutPaid:
		return "PAID"
	case ledger.PayoutFailed:
		return "FAILED"
	}
	return "PROCESSING"
}

// GET /finance/202309/payments
func (s *Service) payments(c *call) (any, error) {
	if err := requireSort(c, "create_time"); err != nil {
		return nil, err
	}
	desc, err := sortOrder(c)
	if err != nil {
		return nil, err
	}
	size, err := optionalPageSize(c, 20, 100)
	if err != nil {
		return nil, err
	}
	q := ledger.PayoutPage{OwnerKind: ledger.OwnerShop, OwnerID: c.shopID, Descending: desc, Limit: size}
	if q.From, err = queryUnix(c, "create_time_ge"); err != nil {
		return nil, err
	}
	if q.Before, err = queryUnix(c, "create_time_lt"); err != nil {
		return nil, err
	}
	if tok := c.query.Get("page_token"); tok != "" {
		if _, q.After, err = decodeToken(tok); err != nil {
			return nil, err
		}
	}
	if _, err := s.financeShop(c); err != nil {
		return nil, err
	}
	ps, err := s.Ledger.PayoutsPage(c.ctx, q)
	if err != nil {
		return nil, err
	}
	next := ""
	if len(ps) > size {
		ps = ps[:size]
		last := ps[len(ps)-1]
		next = encodeToken(last.CreatedAt.Unix(), last.ID)
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		amt := amountView{Value: dec(p.Amount, p.Currency), Currency: p.Currency}
		v := map[string]any{"id": p.ID.String(), "create_time": p.CreatedAt.Unix(), "status": paymentStatus(p.Status),
			"amount": amt, "settlement_amount": amt, "payment_amount_before_exchange": amt, "exchange_rate": "1",
			"bank_account": p.Destination}
		if p.Status == ledger.PayoutPaid {
			v["paid_time"] = unixOf(p.SettledAt)
		}
		out = append(out, v)
	}
	return map[string]any{"payments": out, "next_page_token": next}, nil
}

// GET /finance/202309/orders/{order_id}/statement_transactions
func (s *Service) orderStatementTransactions(c *call) (any, error) {
	so, err := s.shopOrder(c)
	if err != nil {
		return nil, err
	}
	market, err := s.financeShop(c)
	if err != nil {
		return nil, err
	}
	lines, err := s.Ledger.OrderBreakdown(c.ctx, c.shopID, so.ID)
	if err != nil {
		return nil, err
	}
	cur := so.Total.Currency
	m, err := s.Markets.Market(c.ctx, market)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		if l.Kind == "settlement_released" || l.Kind == "settlement_reopened" || l.Kind == "reserve_released" {
			continue // the shop's money moving to its available account, as statements leave it out
		}
		day := l.At.In(loc)
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
		v := transaction202309(l, cur)
		v["statement_id"], v["statement_time"], v["status"], v["sku_statement_transactions"] =
			statementID(c.shopID, start.Format("2006-01-02")), start.Unix(), "SETTLED", []any{}
		out = append(out, v)
	}
	return map[string]any{"order_id": so.ID.String(), "order_create_time": so.CreatedAt.Unix(), "statement_transactions": out}, nil
}

// transaction202309 is a ledger line in the 202309 statement transaction shape.
func transaction202309(l ledger.StatementLine, cur string) map[string]any {
	d := func(v int64) string { return dec(v, cur) }
	return map[string]any{
		"id": l.TransferID.String(), "currency": cur,
		"revenue_amount": d(l.Sales + l.Subsidies + l.Refunds), "net_sales_amount": d(l.Sales + l.Refunds),
		"gross_sales_amount": d(max(l.Sales, 0)), "customer_refund_amount": d(l.Refunds), "platform_discount_amount": d(l.Subsidies),
		"fee_amount": d(l.Fees + l.Commissions + l.Tax), "referral_fee_amount": d(l.Fees), "affiliate_commission_amount": d(l.Commissions),
		"sales_tax_amount": d(l.Tax), "shipping_cost_amount": d(l.Shipping), "adjustment_amount": d(l.Adjustments),
		"settlement_amount": d(l.Net),
	}
}
