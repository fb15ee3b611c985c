package openapi_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
)

// settled delivers an order, has the buyer confirm it (the ledger settles it), then
// releases the shop's share and pays the shop out.
func (e *env) settledAndPaid(s sellerWorld, qty int64) order.Order {
	e.t.Helper()
	o := e.delivered(s, qty)
	if _, err := e.Orders.ConfirmReceipt(e.ctx, e.buyerOf(o), o.ID); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := e.DB.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM ledger_transfers WHERE reference = $1 AND kind = 'order_settled'`, "order:"+o.ID.String()).Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the ledger never settled the order")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return o
}

func (e *env) payShop(s sellerWorld) ledger.Payout {
	e.t.Helper()
	if _, err := e.DB.ExecContext(e.ctx, `UPDATE ledger_settlements SET available_at = 1 WHERE owner_kind = 'shop' AND owner_id = $1`, s.shop.ID); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.Ledger.Release(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	if err := e.Ledger.SetPayoutDestination(e.ctx, ledger.OwnerShop, s.shop.ID, "GB29NWBK60161331926819"); err != nil {
		e.t.Fatal(err)
	}
	po, err := e.Ledger.PayOut(e.ctx, ledger.OwnerShop, s.shop.ID, s.shop.Market)
	if err != nil || po.Status != ledger.PayoutPaid {
		e.t.Fatalf("payout %+v %v", po, err)
	}
	return po
}

type statementsPage struct {
	Statements []struct {
		ID               string `json:"id"`
		StatementTime    int64  `json:"statement_time"`
		Currency         string `json:"currency"`
		RevenueAmount    string `json:"revenue_amount"`
		FeeAmount        string `json:"fee_amount"`
		SettlementAmount string `json:"settlement_amount"`
		PaymentStatus    string `json:"payment_status"`
		PaymentID        string `json:"payment_id"`
	} `json:"statements"`
	Next string `json:"next_page_token"`
}

func TestFinanceFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("fina")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		sorted := url.Values{"sort_field": {"statement_time"}}

		var sp statementsPage
		ok(t, c, "GET", "/finance/202309/statements", sorted, nil, &sp)
		if len(sp.Statements) != 0 {
			t.Fatalf("a new shop has statements: %+v", sp)
		}
		o := e.settledAndPaid(s, 2)
		mk, err := e.Markets.Market(e.ctx, s.shop.Market)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := time.LoadLocation(mk.TimeZone)
		if err != nil {
			t.Fatal(err)
		}
		day := time.Now().In(loc).Format("2006-01-02")
		st, err := e.Ledger.Statement(e.ctx, ledger.OwnerShop, s.shop.ID, s.shop.Market, day)
		if err != nil || len(st.Lines) == 0 {
			t.Fatalf("ledger statement %+v %v", st, err)
		}
		ok(t, c, "GET", "/finance/202309/statements", sorted, nil, &sp)
		if len(sp.Statements) != 1 || sp.Statements[0].PaymentStatus != "PROCESSING" || sp.Statements[0].Currency != "USD" ||
			sp.Statements[0].SettlementAmount != decimal(st.Totals.Net) {
			t.Fatalf("statements before payout %+v (ledger net %d)", sp, st.Totals.Net)
		}
		po := e.payShop(s)
		ok(t, c, "GET", "/finance/202309/statements", url.Values{"sort_field": {"statement_time"}, "payment_status": {"PAID"}}, nil, &sp)
		if len(sp.Statements) != 1 || sp.Statements[0].PaymentID != po.ID.String() {
			t.Fatalf("paid statements %+v", sp)
		}
		ok(t, c, "GET", "/finance/202309/statements", url.Values{"sort_field": {"statement_time"}, "statement_time_lt": {"1000"}}, nil, &sp)
		if len(sp.Statements) != 0 {
			t.Fatalf("range %+v", sp)
		}

		var pays struct {
			Payments []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Amount struct {
					Value string `json:"value"`
				} `json:"amount"`
				BankAccount string `json:"bank_account"`
			} `json:"payments"`
		}
		ok(t, c, "GET", "/finance/202309/payments", url.Values{"sort_field": {"create_time"}, "sort_order": {"DESC"}}, nil, &pays)
		if len(pays.Payments) != 1 || pays.Payments[0].ID != po.ID.String() || pays.Payments[0].Status != "PAID" ||
			pays.Payments[0].Amount.Value != decimal(po.Amount) || pays.Payments[0].BankAccount == "GB29NWBK60161331926819" {
			t.Fatalf("payments %+v", pays)
		}

		var tx struct {
			OrderID      string `json:"order_id"`
			Transactions []struct {
				StatementID      string `json:"statement_id"`
				SettlementAmount string `json:"settlement_amount"`
				Status           string `json:"status"`
			} `json:"statement_transactions"`
		}
		ok(t, c, "GET", "/finance/202309/orders/"+o.ID.String()+"/statement_transactions", nil, nil, &tx)
		if tx.OrderID != o.ID.String() || len(tx.Transactions) != 1 || tx.Transactions[0].Status != "SETTLED" ||
			tx.Transactions[0].StatementID != sp2id(t, c) || tx.Transactions[0].SettlementAmount != decimal(st.Totals.Net) {
			t.Fatalf("order transactions %+v", tx)
		}

		// Bad input and other shops.
		refused(t, call(t, c, "GET", "/finance/202309/statements", nil, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "GET", "/finance/202309/statements", url.Values{"sort_field": {"statement_time"}, "statement_time_ge": {"yesterday"}}, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "GET", "/finance/202309/payments", url.Values{"sort_field": {"create_time"}, "page_size": {"0"}}, nil), 400, openapi.CodeInvalidParam)
		other := e.seller("fino")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, other.actor, other.shop.ID)
		refused(t, call(t, oc, "GET", "/finance/202309/orders/"+o.ID.String()+"/statement_transactions", nil, nil), 404, openapi.CodeNotFound)
		ok(t, oc, "GET", "/finance/202309/payments", url.Values{"sort_field": {"create_time"}}, nil, &pays)
		if len(pays.Payments) != 0 {
			t.Fatalf("another shop sees payouts %+v", pays)
		}
		na, nsecret := e.developer("seller.order.info")
		nc, _ := e.client(na, nsecret, s.actor, s.shop.ID)
		refused(t, call(t, nc, "GET", "/finance/202309/statements", sorted, nil), 403, openapi.CodeScopeMissing)
	})
}

func sp2id(t *testing.T, c *openapi.Client) string {
	t.Helper()
	var sp statementsPage
	ok(t, c, "GET", "/finance/202309/statements", url.Values{"sort_field": {"statement_time"}}, nil, &sp)
	if len(sp.Statements) != 1 {
		t.Fatalf("statements %+v", sp)
	}
	return sp.Statements[0].ID
}

func decimal(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

func TestFinance202501Transactions(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("fint")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		orders := []order.Order{e.settledAndPaid(s, 2), e.settledAndPaid(s, 1), e.settledAndPaid(s, 3)}
		sid := sp2id(t, c)
		mk, err := e.Markets.Market(e.ctx, s.shop.Market)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(mk.TimeZone)
		st, err := e.Ledger.Statement(e.ctx, ledger.OwnerShop, s.shop.ID, s.shop.Market, time.Now().In(loc).Format("2006-01-02"))
		if err != nil || len(st.Lines) != 3 {
			t.Fatalf("ledger statement %+v %v", st, err)
		}

		type txPage struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			Total        string `json:"total_settlement_amount"`
			Count        int    `json:"total_count"`
			Next         string `json:"next_page_token"`
			Transactions []struct {
				ID         string `json:"id"`
				Type       string `json:"type"`
				OrderID    string `json:"order_id"`
				Settlement string `json:"settlement_amount"`
				Revenue    string `json:"revenue_amount"`
			} `json:"transactions"`
		}
		path := "/finance/202501/statements/" + sid + "/statement_transactions"
		var p1, p2, rev txPage
		ok(t, c, "GET", path, url.Values{"sort_field": {"order_create_time"}, "page_size": {"2"}}, nil, &p1)
		ok(t, c, "GET", path, url.Values{"sort_field": {"order_create_time"}, "page_size": {"2"}, "page_token": {p1.Next}}, nil, &p2)
		if p1.ID != sid || p1.Status != "SETTLED" || p1.Count != 3 || p1.Total != decimal(st.Totals.Net) || len(p1.Transactions) != 2 || p1.Next == "" ||
			len(p2.Transactions) != 1 || p2.Next != "" {
			t.Fatalf("pages %+v | %+v", p1, p2)
		}
		all := append(p1.Transactions, p2.Transactions...)
		byTransfer := map[string]ledger.StatementLine{}
		for _, l := range st.Lines {
			byTransfer[l.TransferID.String()] = l
		}
		for i, tx := range all {
			l, found := byTransfer[tx.ID]
			if !found || tx.Type != "ORDER" || tx.OrderID != orders[i].ID.String() || tx.Settlement != decimal(l.Net) || tx.Revenue != decimal(l.Sales+l.Subsidies+l.Refunds) {
				t.Fatalf("transaction %d %+v, ledger %+v, want order %s", i, tx, l, orders[i].ID)
			}
		}
		ok(t, c, "GET", path, url.Values{"sort_field": {"order_create_time"}, "sort_order": {"DESC"}}, nil, &rev)
		if len(rev.Transactions) != 3 || rev.Transactions[0].OrderID != orders[2].ID.String() || rev.Transactions[2].OrderID != orders[0].ID.String() {
			t.Fatalf("descending %+v", rev)
		}

		// The 202309 version lists the same transactions with the statement's amounts.
		var old struct {
			StatementID  string `json:"statement_id"`
			Settlement   string `json:"settlement_amount"`
			Count        int    `json:"total_count"`
			Transactions []struct {
				ID         string `json:"id"`
				Type       string `json:"type"`
				OrderID    string `json:"order_id"`
				Settlement string `json:"settlement_amount"`
			} `json:"statement_transactions"`
		}
		ok(t, c, "GET", "/finance/202309/statements/"+sid+"/statement_transactions", url.Values{"sort_field": {"order_create_time"}}, nil, &old)
		if old.StatementID != sid || old.Settlement != decimal(st.Totals.Net) || old.Count != 3 || len(old.Transactions) != 3 {
			t.Fatalf("202309 statement transactions %+v", old)
		}
		for i, tx := range old.Transactions {
			if tx.ID != all[i].ID || tx.Type != "ORDER" || tx.OrderID != all[i].OrderID || tx.Settlement != all[i].Settlement {
				t.Fatalf("202309 transaction %d %+v, 202501 %+v", i, tx, all[i])
			}
		}
		refused(t, call(t, c, "GET", "/finance/202309/statements/"+sid+"/statement_transactions", nil, nil), 400, openapi.CodeInvalidParam)

		// An order's transactions: totals, and its SKU when the order has one.
		var ot struct {
			OrderID    string `json:"order_id"`
			Currency   string `json:"currency"`
			Settlement string `json:"settlement_amount"`
			Count      int    `json:"total_count"`
			SKUs       []struct {
				StatementID string `json:"statement_id"`
				SKUID       string `json:"sku_id"`
				Quantity    string `json:"quantity"`
				Settlement  string `json:"settlement_amount"`
			} `json:"sku_transactions"`
		}
		ok(t, c, "GET", "/finance/202501/orders/"+orders[0].ID.String()+"/statement_transactions", nil, nil, &ot)
		if ot.OrderID != orders[0].ID.String() || ot.Currency != "USD" || ot.Count != 1 || len(ot.SKUs) != 1 || ot.SKUs[0].StatementID != sid ||
			ot.SKUs[0].SKUID != s.product.SKUs[0].ID.String() || ot.SKUs[0].Quantity != "2" || ot.Settlement != ot.SKUs[0].Settlement ||
			ot.Settlement != all[0].Settlement {
			t.Fatalf("order transactions %+v", ot)
		}

		// Bad input and other shops.
		other := e.seller("fino")
		oa, osecret := e.developer()
		oc, _ := e.client(oa, osecret, other.actor, other.shop.ID)
		for _, tc := range []struct {
			c      *openapi.Client
			path   string
			q      url.Values
			status int
			code   int
		}{
			{c, path, nil, 400, openapi.CodeInvalidParam},
			{c, path, url.Values{"sort_field": {"statement_time"}}, 400, openapi.CodeInvalidParam},
			{c, path, url.Values{"sort_field": {"order_create_time"}, "page_size": {"101"}}, 400, openapi.CodeInvalidParam},
			{c, path, url.Values{"sort_field": {"order_create_time"}, "page_token": {"garbage!"}}, 400, openapi.CodeInvalidParam},
			{c, "/finance/202501/statements/" + s.shop.ID.String() + "-20000101/statement_transactions", url.Values{"sort_field": {"order_create_time"}}, 404, openapi.CodeNotFound},
			{c, "/finance/202501/statements/" + s.shop.ID.String() + "-2000AB01/statement_transactions", url.Values{"sort_field": {"order_create_time"}}, 404, openapi.CodeNotFound},
			{c, "/finance/202501/statements/nonsense/statement_transactions", url.Values{"sort_field": {"order_create_time"}}, 404, openapi.CodeNotFound},
			{oc, path, url.Values{"sort_field": {"order_create_time"}}, 404, openapi.CodeNotFound},
			{oc, "/finance/202501/orders/" + orders[0].ID.String() + "/statement_transactions", nil, 404, openapi.CodeNotFound},
		} {
			refused(t, call(t, tc.c, "GET", tc.path, tc.q, nil), tc.status, tc.code)
		}
		na, nsecret := e.developer("seller.order.info")
		nc, _ := e.client(na, nsecret, s.actor, s.shop.ID)
		refused(t, call(t, nc, "GET", path, url.Values{"sort_field": {"order_create_time"}}, nil), 403, openapi.CodeScopeMissing)
	})
}
