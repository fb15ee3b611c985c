package openapi_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/openapi"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

type productView struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"`
	CreateTime  int64  `json:"create_time"`
	Chains      []struct {
		ID     string `json:"id"`
		IsLeaf bool   `json:"is_leaf"`
	} `json:"category_chains"`
	UpdateTime int64 `json:"update_time"`
	SKUs       []struct {
		ID        string `json:"id"`
		SellerSKU string `json:"seller_sku"`
		Price     struct {
			Currency  string `json:"currency"`
			SalePrice string `json:"sale_price"`
		} `json:"price"`
		Inventory []struct {
			Quantity    int64  `json:"quantity"`
			WarehouseID string `json:"warehouse_id"`
		} `json:"inventory"`
	} `json:"skus"`
}

func TestProductFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("gus")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)

		// Categories are the catalogue's tree: roots have parent "0".
		var cats struct {
			Categories []struct {
				ID        string `json:"id"`
				ParentID  string `json:"parent_id"`
				LocalName string `json:"local_name"`
				IsLeaf    bool   `json:"is_leaf"`
			} `json:"categories"`
		}
		ok(t, c, "GET", "/product/202309/categories", nil, nil, &cats)
		tree, err := e.Catalog.Categories(e.ctx)
		if err != nil || len(tree) == 0 || len(cats.Categories) != len(tree) {
			t.Fatalf("categories %+v, tree %d %v", cats, len(tree), err)
		}
		found := map[string]bool{}
		for _, cat := range cats.Categories {
			found[cat.ID+"<"+cat.ParentID] = cat.IsLeaf
		}
		if leaf, ok := found["beauty<0"]; !ok || leaf {
			t.Fatalf("beauty is a root with children: %+v", cats)
		}
		if leaf, ok := found["skincare<beauty"]; !ok || !leaf {
			t.Fatalf("skincare is a leaf under beauty: %+v", cats)
		}
		ok(t, c, "GET", "/product/202309/categories", url.Values{"keyword": {"lip"}}, nil, &cats)
		if len(cats.Categories) != 1 || cats.Categories[0].ID != "lips" || cats.Categories[0].LocalName != "Lips" {
			t.Fatalf("keyword %+v", cats)
		}
		// An unknown category is refused and creates nothing.
		refused(t, call(t, c, "POST", "/product/202309/products", nil, map[string]any{"title": "Nope", "category_id": "600001",
			"skus": []map[string]any{{"seller_sku": "N-1", "price": map[string]string{"amount": "1", "currency": "USD"}, "inventory": []map[string]any{{"quantity": 1}}}}}),
			400, openapi.CodeInvalidParam)

		// Create, in TikTok's shape: decimal prices, one inventory entry per SKU.
		var created struct {
			ProductID string `json:"product_id"`
			SKUs      []struct {
				ID        string `json:"id"`
				SellerSKU string `json:"seller_sku"`
			} `json:"skus"`
		}
		ok(t, c, "POST", "/product/202309/products", nil, map[string]any{
			"title": "Dewy Serum", "description": "Glow.", "category_id": "skincare", "brand_id": "7000",
			"main_images": []map[string]string{{"uri": "tos-img"}},
			"skus": []map[string]any{
				{"seller_sku": "SER-30", "sales_attributes": []map[string]string{{"name": "Size", "value_name": "30 ml"}},
					"price": map[string]string{"amount": "24.50", "currency": "USD"}, "inventory": []map[string]any{{"quantity": 40}}},
				{"seller_sku": "SER-50", "sales_attributes": []map[string]string{{"name": "Size", "value_name": "50 ml"}},
					"price": map[string]string{"amount": "32", "currency": "USD"}, "inventory": []map[string]any{{"quantity": 10, "warehouse_id": s.shop.ID.String()}}},
			}}, &created)
		if created.ProductID == "" || len(created.SKUs) != 2 || created.SKUs[0].SellerSKU != "SER-30" {
			t.Fatalf("created %+v", created)
		}
		pid, _ := id.Parse(created.ProductID)
		p, err := e.Catalog.Product(e.ctx, pid)
		if err != nil || p.ShopID != s.shop.ID || p.SKUs[0].Price.Amount != 2450 || p.SKUs[1].Price.Amount != 3200 || p.SKUs[1].Stock != 10 || p.SKUs[0].Name != "30 ml" || p.Category != "skincare" {
			t.Fatalf("stored %+v %v", p, err)
		}

		var got productView
		ok(t, c, "GET", "/product/202309/products/"+created.ProductID, nil, nil, &got)
		if got.Title != "Dewy Serum" || got.Status != "ACTIVATE" || len(got.SKUs) != 2 || got.SKUs[0].Price.SalePrice != "24.50" ||
			got.SKUs[0].Inventory[0].Quantity != 40 || got.SKUs[0].Inventory[0].WarehouseID != s.shop.ID.String() ||
			len(got.Chains) != 2 || got.Chains[0].ID != "beauty" || got.Chains[1].ID != "skincare" || !got.Chains[1].IsLeaf {
			t.Fatalf("get %+v", got)
		}

		// Inventory and price updates, and an edit.
		ok(t, c, "POST", "/product/202309/products/"+created.ProductID+"/inventory/update", nil, map[string]any{
			"skus": []map[string]any{{"id": created.SKUs[0].ID, "inventory": []map[string]any{{"warehouse_id": s.shop.ID.String(), "quantity": 7}}}}}, nil)
		ok(t, c, "POST", "/product/202309/products/"+created.ProductID+"/prices/update", nil, map[string]any{
			"skus": []map[string]any{{"id": created.SKUs[1].ID, "price": map[string]string{"amount": "29.99", "currency": "USD"}}}}, nil)
		ok(t, c, "PUT", "/product/202309/products/"+created.ProductID, nil, map[string]any{"title": "Dewy Serum Plus", "description": "More glow.",
			"skus": []map[string]any{{"id": created.SKUs[0].ID}, {"seller_sku": "SER-50", "price": map[string]string{"amount": "30.00", "currency": "USD"}}}}, nil)
		p, _ = e.Catalog.Product(e.ctx, pid)
		if p.Title != "Dewy Serum Plus" || p.Description != "More glow." || p.SKUs[0].Stock != 7 || p.SKUs[1].Price.Amount != 3000 {
			t.Fatalf("after updates %+v", p)
		}
		low, err := e.Catalog.LowestPrice(e.ctx, e.DB, p.SKUs[1].ID, time.Now().Add(-time.Hour))
		if err != nil || low != 2999 {
			t.Fatalf("price history keeps the 29.99: %d %v", low, err)
		}
		// An edit that leaves a SKU out would remove it: refused, nothing changed.
		refused(t, call(t, c, "PUT", "/product/202309/products/"+created.ProductID, nil, map[string]any{"title": "X y",
			"skus": []map[string]any{{"id": created.SKUs[0].ID}}}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/product/202309/products/"+created.ProductID+"/inventory/update", nil, map[string]any{
			"skus": []map[string]any{{"id": created.SKUs[0].ID, "inventory": []map[string]any{{"warehouse_id": "elsewhere", "quantity": 1}}}}}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/product/202309/products/"+created.ProductID+"/inventory/update", nil, map[string]any{
			"skus": []map[string]any{{"id": "1", "inventory": []map[string]any{{"quantity": 1}}}}}), 404, openapi.CodeNotFound)
		// A different category_id moves the product, with the rest of the edit; an
		// unknown one is refused and changes nothing.
		refused(t, call(t, c, "PUT", "/product/202309/products/"+created.ProductID, nil, map[string]any{"title": "Dewy Lip Serum", "category_id": "600001",
			"skus": []map[string]any{{"id": created.SKUs[0].ID}, {"id": created.SKUs[1].ID}}}), 400, openapi.CodeInvalidParam)
		if q, _ := e.Catalog.Product(e.ctx, pid); q.Title != "Dewy Serum Plus" || q.SKUs[0].Stock != 7 || q.Category != "skincare" {
			t.Fatalf("refusals changed the product %+v", q)
		}
		ok(t, c, "PUT", "/product/202309/products/"+created.ProductID, nil, map[string]any{"title": "Dewy Lip Serum", "category_id": "lips",
			"skus": []map[string]any{{"id": created.SKUs[0].ID}, {"id": created.SKUs[1].ID}}}, nil)
		ok(t, c, "GET", "/product/202309/products/"+created.ProductID, nil, nil, &got)
		if q, _ := e.Catalog.Product(e.ctx, pid); q.Title != "Dewy Lip Serum" || q.Category != "lips" || len(got.Chains) != 3 ||
			got.Chains[0].ID != "beauty" || got.Chains[1].ID != "makeup" || got.Chains[2].ID != "lips" {
			t.Fatalf("moved to lips: %+v, chains %+v", q, got.Chains)
		}

		// Search pages through the shop's products, newest first, with the total.
		for i := 0; i < 3; i++ {
			ok(t, c, "POST", "/product/202309/products", nil, map[string]any{"title": "Balm " + string(rune('A'+i)),
				"skus": []map[string]any{{"seller_sku": "BALM", "price": map[string]string{"amount": "5"}, "inventory": []map[string]any{{"quantity": 1}}}}}, nil)
		}
		type page struct {
			Products []productView `json:"products"`
			Total    int           `json:"total_count"`
			Next     string        `json:"next_page_token"`
		}
		var p1, p2, p3 page
		ok(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"2"}}, map[string]any{"status": "ACTIVATE"}, &p1)
		ok(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"2"}, "page_token": {p1.Next}}, map[string]any{"status": "ACTIVATE"}, &p2)
		ok(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"2"}, "page_token": {p2.Next}}, map[string]any{"status": "ACTIVATE"}, &p3)
		if p1.Total != 5 || len(p1.Products) != 2 || p1.Products[0].Title != "Balm C" || len(p2.Products) != 2 || len(p3.Products) != 1 || p3.Next != "" {
			t.Fatalf("pages %+v | %+v | %+v", p1, p2, p3)
		}
		var bySKU page
		ok(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"20"}}, map[string]any{"seller_skus": []string{"SER-50"}}, &bySKU)
		if bySKU.Total != 1 || bySKU.Products[0].ID != created.ProductID {
			t.Fatalf("by seller SKU %+v", bySKU)
		}
		var none page
		ok(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"20"}}, map[string]any{"status": "DELETED"}, &none)
		if none.Total != 0 || len(none.Products) != 0 {
			t.Fatalf("deleted products %+v", none)
		}
		// 202502 adds audit_status (one at a time) and each product's audit status.
		type audited struct {
			Products []struct {
				ID    string `json:"id"`
				Audit struct {
					Status string `json:"status"`
				} `json:"audit"`
			} `json:"products"`
			Total int `json:"total_count"`
		}
		for _, tc := range []struct {
			body  map[string]any
			total int
		}{
			{map[string]any{"audit_status": []string{"APPROVED"}}, 5},
			{map[string]any{"status": "ALL", "audit_status": []string{"APPROVED"}, "listing_platforms": []string{"TIKTOK_SHOP"}}, 5},
			{map[string]any{"audit_status": []string{"AUDITING"}}, 0},
			{map[string]any{"status": "ACTIVATE", "audit_status": []string{"FAILED", "APPROVED"}}, 5},
			{map[string]any{"status": "ACTIVATE", "audit_status": []string{"FAILED"}}, 0},
			{map[string]any{"listing_platforms": []string{"TOKOPEDIA"}}, 0},
		} {
			var got audited
			ok(t, c, "POST", "/product/202502/products/search", url.Values{"page_size": {"20"}}, tc.body, &got)
			if got.Total != tc.total || len(got.Products) != tc.total || (tc.total > 0 && got.Products[0].Audit.Status != "APPROVED") {
				t.Fatalf("202502 search %v: %+v", tc.body, got)
			}
		}
		for _, body := range []map[string]any{
			{"audit_status": []string{"AUDITING", "APPROVED"}},
			{"audit_status": []string{"PRE_APPROVED"}},
			{"sku_ids": []string{created.SKUs[0].ID}},
			{"listing_quality_tiers": []string{"GOOD"}},
		} {
			refused(t, call(t, c, "POST", "/product/202502/products/search", url.Values{"page_size": {"20"}}, body), 400, openapi.CodeInvalidParam)
		}
		refused(t, call(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"0"}}, nil), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/product/202309/products/search", url.Values{"page_size": {"10"}, "page_token": {"garbage!"}}, nil), 400, openapi.CodeInvalidParam)
	})
}

type orderPage struct {
	Orders []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		UpdateTime int64  `json:"update_time"`
		Payment    struct {
			Currency    string `json:"currency"`
			SubTotal    string `json:"sub_total"`
			TotalAmount string `json:"total_amount"`
		} `json:"payment"`
		LineItems []struct {
			ID            string `json:"id"`
			SKUID         string `json:"sku_id"`
			SalePrice     string `json:"sale_price"`
			DisplayStatus string `json:"display_status"`
			PackageID     string `json:"package_id"`
		} `json:"line_items"`
		RecipientAddress struct {
			Name       string `json:"name"`
			RegionCode string `json:"region_code"`
		} `json:"recipient_address"`
	} `json:"orders"`
	Total int    `json:"total_count"`
	Next  string `json:"next_page_token"`
}

func TestOrderAndFulfillmentFamilies(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		s := e.seller("hal")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		var orders []order.Order
		for i := 0; i < 5; i++ {
			orders = append(orders, e.buy(s.product.SKUs[i%2].ID, int64(1+i%3)))
		}
		shippable := e.release(orders[1])

		// Search: newest first by default, paged, with the total.
		var p1, p2 orderPage
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"3"}}, map[string]any{}, &p1)
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"3"}, "page_token": {p1.Next}}, map[string]any{}, &p2)
		if p1.Total != 5 || len(p1.Orders) != 3 || p1.Orders[0].ID != orders[4].ID.String() || len(p2.Orders) != 2 || p2.Next != "" ||
			p2.Orders[1].ID != orders[0].ID.String() {
			t.Fatalf("pages %+v | %+v", p1, p2)
		}
		// Oldest first, by update time, and by status.
		var asc, byStatus orderPage
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}, "sort_order": {"ASC"}, "sort_field": {"update_time"}}, map[string]any{}, &asc)
		if len(asc.Orders) != 5 || asc.Orders[4].ID != orders[1].ID.String() {
			t.Fatalf("by update time, the released order last: %+v", asc)
		}
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}}, map[string]any{"order_status": "AWAITING_SHIPMENT"}, &byStatus)
		if byStatus.Total != 1 || byStatus.Orders[0].ID != shippable.ID.String() {
			t.Fatalf("by status %+v", byStatus)
		}
		var future orderPage
		ok(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}}, map[string]any{"create_time_ge": time.Now().Add(time.Hour).Unix()}, &future)
		if future.Total != 0 {
			t.Fatalf("orders from the future %+v", future)
		}
		refused(t, call(t, c, "POST", "/order/202309/orders/search", url.Values{"page_size": {"10"}}, map[string]any{"order_status": "SHIPPED_TO_MARS"}), 400, openapi.CodeInvalidParam)
		refused(t, call(t, c, "POST", "/order/202309/orders/search", nil, map[string]any{}), 400, openapi.CodeInvalidParam)

		// Detail: one line item per unit.
		var detail orderPage
		ok(t, c, "GET", "/order/202309/orders", url.Values{"ids": {shippable.ID.String() + "," + orders[0].ID.String()}}, nil, &detail)
		if len(detail.Orders) != 2 || detail.Orders[0].ID != shippable.ID.String() || len(detail.Orders[0].LineItems) != 2 ||
			detail.Orders[0].Payment.TotalAmount != shippable.Total.Decimal() || detail.Orders[0].RecipientAddress.Name != "Bea Buyer" ||
			detail.Orders[0].LineItems[1].ID != shippable.Lines[0].ID.String()+"-2" {
			t.Fatalf("detail %+v", detail)
		}

		var price map[string]any
		ok(t, c, "GET", "/order/202407/orders/"+shippable.ID.String()+"/price_detail", nil, nil, &price)
		if price["currency"] != "USD" || price["total"] != shippable.Total.Decimal() || price["sku_list_price"] != shippable.Subtotal.Decimal() ||
			len(price["line_items"].([]any)) != 2 {
			t.Fatalf("price detail %+v", price)
		}

		// Ship one unit with a tracking number, then the rest with the sandbox carrier.
		unit := shippable.Lines[0].ID.String()
		var shipped struct {
			OrderID          string   `json:"order_id"`
			PackageID        string   `json:"package_id"`
			OrderLineItemIDs []string `json:"order_line_item_ids"`
		}
		ok(t, c, "POST", "/fulfillment/202309/orders/"+shippable.ID.String()+"/packages", nil,
			map[string]any{"order_line_item_ids": []string{unit}, "tracking_number": "1Z999", "shipping_provider_id": "manual"}, &shipped)
		if shipped.PackageID == "" || len(shipped.OrderLineItemIDs) != 1 || shipped.OrderLineItemIDs[0] != unit {
			t.Fatalf("shipped %+v", shipped)
		}
		refused(t, call(t, c, "POST", "/fulfillment/202309/orders/"+shippable.ID.String()+"/packages", nil,
			map[string]any{"order_line_item_ids": []string{unit}, "tracking_number": "1Z999"}), 409, openapi.CodeConflict)
		refused(t, call(t, c, "POST", "/fulfillment/202309/orders/"+shippable.ID.String()+"/packages", nil,
			map[string]any{"order_line_item_ids": []string{"123-9"}}), 400, openapi.CodeInvalidParam)
		ok(t, c, "GET", "/order/202309/orders", url.Values{"ids": {shippable.ID.String()}}, nil, &detail)
		if detail.Orders[0].Status != "PARTIALLY_SHIPPING" || detail.Orders[0].LineItems[0].PackageID != shipped.PackageID ||
			detail.Orders[0].LineItems[1].DisplayStatus != "AWAITING_SHIPMENT" {
			t.Fatalf("partly shipped %+v", detail.Orders[0])
		}
		var rest struct {
			PackageID        string   `json:"package_id"`
			OrderLineItemIDs []string `json:"order_line_item_ids"`
		}
		ok(t, c, "POST", "/fulfillment/202309/orders/"+shippable.ID.String()+"/packages", nil, map[string]any{}, &rest)
		if rest.PackageID == "" || rest.PackageID == shipped.PackageID || len(rest.OrderLineItemIDs) != 1 {
			t.Fatalf("rest %+v", rest)
		}
		var tracking struct {
			Tracking []struct {
				Description      string `json:"description"`
				UpdateTimeMillis int64  `json:"update_time_millis"`
			} `json:"tracking"`
		}
		ok(t, c, "GET", "/fulfillment/202309/orders/"+shippable.ID.String()+"/tracking", nil, nil, &tracking)
		if len(tracking.Tracking) < 2 || tracking.Tracking[0].UpdateTimeMillis < tracking.Tracking[len(tracking.Tracking)-1].UpdateTimeMillis {
			t.Fatalf("tracking %+v", tracking)
		}
		got, _ := e.Orders.Get(e.ctx, s.actor, shippable.ID)
		if got.Status != order.AwaitingCollection || len(got.Packages) != 2 {
			t.Fatalf("order after shipping %s, %d packages", got.Status, len(got.Packages))
		}
	})
}

func TestLiveRoomFamily(t *testing.T) {
	each(t, nil, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := e.seller("ivy")
		a, secret := e.developer()
		c, _ := e.client(a, secret, s.actor, s.shop.ID)
		refused(t, call(t, c, "GET", "/affiliate/202309/live_rooms", nil, nil), 404, openapi.CodeNotFound)
		sess, err := e.Content.Schedule(ctx, s.actor, content.ScheduleInput{Title: "Ivy live", ShopID: s.shop.ID, ProductIDs: []id.ID{s.product.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var room map[string]any
		ok(t, c, "GET", "/affiliate/202309/live_rooms", nil, nil, &room)
		if room["id"] != sess.ID.String() || room["status"] != "SCHEDULED" {
			t.Fatalf("room %+v", room)
		}
		path := "/affiliate/202309/live_rooms/products/" + s.product.ID.String()
		refused(t, call(t, c, "POST", path+"/pin", nil, nil), 409, openapi.CodeConflict)
		if _, err := e.Content.Start(ctx, s.actor, sess.ID); err != nil {
			t.Fatal(err)
		}
		ok(t, c, "POST", path+"/pin", nil, nil, nil)
		var products struct {
			Pinned   string `json:"pinned_product_id"`
			Products []struct {
				ID    string `json:"id"`
				Price struct {
					Original struct {
						Low  string `json:"lowest_amount"`
						High string `json:"highest_amount"`
					} `json:"original_price"`
				} `json:"price"`
			} `json:"products"`
		}
		ok(t, c, "GET", "/affiliate/202309/live_rooms/products", nil, nil, &products)
		if products.Pinned != s.product.ID.String() || len(products.Products) != 1 || products.Products[0].Price.Original.Low != "12.99" ||
			products.Products[0].Price.Original.High != "14.99" {
			t.Fatalf("live products %+v", products)
		}
		ok(t, c, "POST", path+"/unpin", nil, nil, nil)
		got, _ := e.Content.Session(ctx, sess.ID)
		if got.PinnedProductID != 0 {
			t.Fatalf("still pinned %+v", got)
		}
		// The same signed request again is a replay; signed afresh, it is refused as nothing is pinned.
		refused(t, call(t, c, "POST", path+"/unpin", nil, nil), 401, openapi.CodeReplayed)
		later := *c
		later.Now = func() time.Time { return time.Now().Add(2 * time.Second) }
		refused(t, call(t, &later, "POST", path+"/unpin", nil, nil), 409, openapi.CodeConflict)
		other := e.seller("jo")
		refused(t, call(t, c, "POST", "/affiliate/202309/live_rooms/products/"+other.product.ID.String()+"/pin", nil, nil), 422, openapi.CodeConflict)
	})
}
