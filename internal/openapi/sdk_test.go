package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
)

// tiktokSDK installs (once per cache) the public TikTok Shop SDK the compatibility
// test drives, with testdata/fetch-sdk.sh, and returns the directory holding its
// node_modules. Without node and npm it skips, as the contract tests do.
func tiktokSDK(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("LIVESHOP_TTS_SDK_DIR"); dir != "" {
		return dir
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			dbtest.Missing(t, "npm", tool+" is not in PATH; the SDK test installs and runs TikTok Shop's Node SDK with it (apt-get install npm)")
		}
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "fetch-sdk.sh"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, filepath.Join(root, ".cache", "tts-sdk"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		dbtest.Missing(t, "npm", "could not install tiktok-shop-sdk from the npm registry: "+strings.TrimSpace(stderr.String()+" "+err.Error()))
	}
	return strings.TrimSpace(string(out))
}

// TestUnmodifiedTikTokSDK points a public TikTok Shop SDK (tiktok-shop-sdk on npm,
// unmodified) at a liveshop node by changing only its base URL, app key and secret,
// and checks that the token exchange, the shop list, product search and detail, and
// order search and detail bring back the shop's real data: the SDK signs, sends and
// parses exactly as it would against TikTok Shop.
func TestUnmodifiedTikTokSDK(t *testing.T) {
	sdk := tiktokSDK(t)
	script, _ := filepath.Abs(filepath.Join("testdata", "sdk-client.js"))
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("sdk")
		o := e.release(e.buy(s.product.SKUs[0].ID, 2)) // past the cancellation window: AWAITING_SHIPMENT
		cr := e.requestReturn(e.release(e.buy(s.product.SKUs[1].ID, 1)), order.ReturnCancel)
		toCancel := e.release(e.buy(s.product.SKUs[1].ID, 1))
		settled := e.settledAndPaid(s, 1)
		cr8 := e.creator()
		a, secret := e.developer()
		code := e.authorize(a, s.actor, s.shop.ID)

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", script)
		cmd.Env = append(os.Environ(), "SDK_DIR="+sdk, "LIVESHOP_URL="+e.URL, "APP_KEY="+a.Key, "APP_SECRET="+secret,
			"AUTH_CODE="+code, "PRODUCT_ID="+s.product.ID.String(), "ORDER_ID="+o.ID.String(),
			"CANCEL_ID="+cr.ID.String(), "CANCEL_ORDER_ID="+toCancel.ID.String(), "SETTLED_ORDER_ID="+settled.ID.String(), "CREATOR_ID="+cr8.ID.String())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		raw, err := cmd.Output()
		if err != nil {
			t.Fatalf("the SDK program failed: %v\n%s", err, stderr.String())
		}
		var got struct {
			Token struct {
				Code       int    `json:"code"`
				SellerName string `json:"seller_name"`
				Expires    int64  `json:"expires"`
			} `json:"token"`
			Shops []struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Cipher string `json:"cipher"`
				Region string `json:"region"`
			} `json:"shops"`
			SearchedProducts []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"searched_products"`
			Product struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				SKUs  []struct {
					SellerSKU string `json:"seller_sku"`
					Price     struct {
						Amount   string `json:"sale_price"`
						Currency string `json:"currency"`
					} `json:"price"`
				} `json:"skus"`
			} `json:"product"`
			SearchedOrders []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Total  string `json:"total"`
			} `json:"searched_orders"`
			Order []struct {
				ID        string `json:"id"`
				Status    string `json:"status"`
				LineItems int    `json:"line_items"`
			} `json:"order"`
			Missing struct {
				Code int `json:"code"`
			} `json:"missing"`
			RejectReasons []string `json:"reject_reasons"`
			CanCancel     bool     `json:"can_cancel"`
			Cancelled     struct {
				CancelID     string `json:"cancel_id"`
				CancelStatus string `json:"cancel_status"`
			} `json:"cancelled"`
			Opened struct {
				ID string `json:"id"`
			} `json:"opened"`
			Target struct {
				ID string `json:"id"`
			} `json:"target"`
			TargetDetail struct {
				Name     string `json:"name"`
				Rate     int64  `json:"rate"`
				Creators int    `json:"creators"`
			} `json:"target_detail"`
			OpenTerminated int64 `json:"open_terminated"`
			Transactions   struct {
				OrderID    string `json:"order_id"`
				Settlement string `json:"settlement"`
				Entries    int    `json:"entries"`
			} `json:"transactions"`
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("the SDK program printed %q: %v", raw, err)
		}
		if got.Token.Code != 0 || got.Token.Expires <= time.Now().Unix() {
			t.Errorf("token exchange through the SDK: %+v", got.Token)
		}
		if len(got.Shops) != 1 || got.Shops[0].ID != s.shop.ID.String() || got.Shops[0].Name != s.shop.Name || got.Shops[0].Cipher == "" || got.Shops[0].Region != "US" {
			t.Errorf("authorized shops through the SDK: %+v, want %s %q", got.Shops, s.shop.ID, s.shop.Name)
		}
		if len(got.SearchedProducts) != 1 || got.SearchedProducts[0].ID != s.product.ID.String() || got.SearchedProducts[0].Title != s.product.Title {
			t.Errorf("product search through the SDK: %+v", got.SearchedProducts)
		}
		if got.Product.ID != s.product.ID.String() || got.Product.Title != s.product.Title || len(got.Product.SKUs) != 2 ||
			got.Product.SKUs[0].SellerSKU != "TINT-RED" || got.Product.SKUs[0].Price.Amount != "12.99" || got.Product.SKUs[0].Price.Currency != "USD" {
			t.Errorf("product detail through the SDK: %+v", got.Product)
		}
		found := false
		for _, so := range got.SearchedOrders {
			found = found || (so.ID == o.ID.String() && so.Status == "AWAITING_SHIPMENT" && so.Total == "25.98")
		}
		if len(got.SearchedOrders) != 4 || !found {
			t.Errorf("order search through the SDK: %+v, want %s among 4", got.SearchedOrders, o.ID)
		}
		if len(got.Order) != 1 || got.Order[0].ID != o.ID.String() || got.Order[0].LineItems != 2 {
			t.Errorf("order detail through the SDK: %+v", got.Order)
		}
		if got.Missing.Code != 36009005 {
			t.Errorf("a missing product through the SDK: %s", raw)
		}

		// What the SDK wrote is in the shop's records.
		if r, err := e.Orders.GetReturn(e.ctx, s.actor, cr.ID); err != nil || len(got.RejectReasons) == 0 || r.Status != order.ReturnRejected ||
			!strings.HasSuffix(r.SellerNote, ": packed already") {
			t.Errorf("cancellation refused through the SDK: reasons %v, request %s %q %v", got.RejectReasons, r.Status, r.SellerNote, err)
		}
		if !got.CanCancel {
			t.Errorf("aftersale eligibility through the SDK: the seller may cancel an order awaiting shipment")
		}
		if oc, err := e.Orders.Get(e.ctx, s.actor, toCancel.ID); err != nil || oc.Status != order.Cancelled ||
			got.Cancelled.CancelID != toCancel.ID.String() || got.Cancelled.CancelStatus != "CANCELLATION_REQUEST_COMPLETE" {
			t.Errorf("seller cancellation through the SDK: %+v, order %s %v", got.Cancelled, oc.Status, err)
		}
		// Opened, then removed: on record, inactive, at the rate it was opened with.
		if offer, found, err := e.Creators.Offer(e.ctx, s.product.ID); err != nil || !found || offer.CommissionBP != 1500 || offer.Active ||
			got.Opened.ID != s.product.ID.String() || got.OpenTerminated != offer.UpdatedAt.Unix() {
			t.Errorf("open collaboration through the SDK: %+v (terminated %d), offer %+v %v", got.Opened, got.OpenTerminated, offer, err)
		}
		// Created, renamed at a new rate, read back, removed.
		if plans, err := e.Creators.ShopPlans(e.ctx, s.actor, s.shop.ID); err != nil || len(plans) != 1 || plans[0].ID.String() != got.Target.ID ||
			plans[0].Name != "SDK plan, renamed" || plans[0].CommissionBP != 2200 || len(plans[0].Creators) != 1 || plans[0].Creators[0].CreatorID != cr8.ID ||
			!plans[0].Expired(time.Now()) || got.TargetDetail.Name != "SDK plan, renamed" || got.TargetDetail.Rate != 2200 || got.TargetDetail.Creators != 1 {
			t.Errorf("target collaboration through the SDK: %+v %+v, plans %+v %v", got.Target, got.TargetDetail, plans, err)
		}
		lines, err := e.Ledger.OrderBreakdown(e.ctx, s.shop.ID, settled.ID)
		if err != nil || len(lines) == 0 || got.Transactions.OrderID != settled.ID.String() || got.Transactions.Entries != 1 || got.Transactions.Settlement != decimal(lines[0].Net) {
			t.Errorf("order transactions through the SDK: %+v, ledger %+v %v", got.Transactions, lines, err)
		}
	})
}
