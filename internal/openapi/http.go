package openapi

import "net/http"

// endpoints lists every Partner API endpoint liveshop serves, at TikTok Shop's
// official method, path and version. docs/OPENAPI.md has the same table for people;
// the contract tests check each against TikTok's OpenAPI description.
func (s *Service) endpoints() []route {
	return []route{
		// Authorization and shops.
		{Method: "GET", Path: "/authorization/202309/shops", handle: s.authorizedShops},
		{Method: "DELETE", Path: "/authorization/202403/shops", Shop: true, Mutates: true, handle: s.deauthorizeShop},
		{Method: "GET", Path: "/seller/202309/shops", Scope: "seller.shop.info", handle: s.activeShops},

		// Products.
		{Method: "GET", Path: "/product/202309/categories", Scope: "seller.product.basic", Shop: true, handle: s.categories},
		{Method: "POST", Path: "/product/202309/products", Scope: "seller.product.write", Shop: true, Mutates: true, handle: s.createProduct},
		{Method: "GET", Path: "/product/202309/products/{product_id}", Scope: "seller.product.basic", Shop: true, handle: s.getProduct},
		{Method: "PUT", Path: "/product/202309/products/{product_id}", Scope: "seller.product.write", Shop: true, Mutates: true, handle: s.editProduct},
		{Method: "POST", Path: "/product/202309/products/search", Scope: "seller.product.basic", Shop: true, handle: s.searchProducts},
		{Method: "POST", Path: "/product/202502/products/search", Scope: "seller.product.basic", Shop: true, handle: s.searchProducts202502},
		{Method: "POST", Path: "/product/202309/products/{product_id}/inventory/update", Scope: "seller.product.write", Shop: true, Mutates: true, handle: s.updateInventory},
		{Method: "POST", Path: "/product/202309/products/{product_id}/prices/update", Scope: "seller.product.write", Shop: true, Mutates: true, handle: s.updatePrices},

		// Orders.
		{Method: "POST", Path: "/order/202309/orders/search", Scope: "seller.order.info", Shop: true, handle: s.searchOrders},
		{Method: "GET", Path: "/order/202309/orders", Scope: "seller.order.info", Shop: true, handle: s.orderDetail},
		{Method: "GET", Path: "/order/202407/orders/{order_id}/price_detail", Scope: "seller.order.info", Shop: true, handle: s.priceDetail},

		// Fulfillment.
		{Method: "POST", Path: "/fulfillment/202309/orders/{order_id}/packages", Scope: "seller.fulfillment.basic", Shop: true, Mutates: true, handle: s.markShipped},
		{Method: "GET", Path: "/fulfillment/202309/orders/{order_id}/tracking", Scope: "seller.fulfillment.basic", Shop: true, handle: s.tracking},

		// Live rooms (the affiliate family's LIVE endpoints, for the seller as host).
		{Method: "GET", Path: "/affiliate/202309/live_rooms", Scope: "seller.live.manage", handle: s.liveRoom},
		{Method: "GET", Path: "/affiliate/202309/live_rooms/products", Scope: "seller.live.manage", handle: s.liveProducts},
		{Method: "POST", Path: "/affiliate/202309/live_rooms/products/{product_id}/pin", Scope: "seller.live.manage", Mutates: true, handle: s.pinProduct},
		{Method: "POST", Path: "/affiliate/202309/live_rooms/products/{product_id}/unpin", Scope: "seller.live.manage", Mutates: true, handle: s.unpinProduct},

		// Returns and cancellations.
		{Method: "POST", Path: "/return_refund/202309/returns", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.createReturn},
		{Method: "POST", Path: "/return_refund/202309/returns/search", Scope: "seller.return_refund.basic", Shop: true, handle: s.searchReturns},
		{Method: "POST", Path: "/return_refund/202309/returns/{return_id}/approve", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.approveReturn},
		{Method: "POST", Path: "/return_refund/202309/returns/{return_id}/reject", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.rejectReturn},
		{Method: "POST", Path: "/return_refund/202309/cancellations/search", Scope: "seller.return_refund.basic", Shop: true, handle: s.searchCancellations},
		{Method: "POST", Path: "/return_refund/202309/cancellations/{cancel_id}/approve", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.approveCancellation},
		{Method: "POST", Path: "/return_refund/202309/cancellations/{cancel_id}/reject", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.rejectCancellation},
		{Method: "POST", Path: "/return_refund/202309/cancellations", Scope: "seller.return_refund.basic", Shop: true, Mutates: true, handle: s.cancelOrder},
		{Method: "GET", Path: "/return_refund/202309/orders/{order_id}/aftersale_eligibility", Scope: "seller.return_refund.basic", Shop: true, handle: s.aftersaleEligibility},
		{Method: "GET", Path: "/return_refund/202309/reject_reasons", Scope: "seller.return_refund.basic", Shop: true, handle: s.rejectReasons},

		// Finance.
		{Method: "GET", Path: "/finance/202309/statements", Scope: "seller.finance.info", Shop: true, handle: s.statements},
		{Method: "GET", Path: "/finance/202309/payments", Scope: "seller.finance.info", Shop: true, handle: s.payments},
		{Method: "GET", Path: "/finance/202309/orders/{order_id}/statement_transactions", Scope: "seller.finance.info", Shop: true, handle: s.orderStatementTransactions},
		{Method: "GET", Path: "/finance/202309/statements/{statement_id}/statement_transactions", Scope: "seller.finance.info", Shop: true, handle: s.statementTransactions202309},
		{Method: "GET", Path: "/finance/202501/orders/{order_id}/statement_transactions", Scope: "seller.finance.info", Shop: true, handle: s.orderTransactions202501},
		{Method: "GET", Path: "/finance/202501/statements/{statement_id}/statement_transactions", Scope: "seller.finance.info", Shop: true, handle: s.statementTransactions202501},

		// Analytics.
		{Method: "GET", Path: "/analytics/202509/shop_lives/performance", Scope: "data.shop_analytics.public.read", Shop: true, handle: s.livePerformance},
		{Method: "GET", Path: "/analytics/202510/shop_lives/{live_id}/performance_per_minutes", Scope: "data.shop_analytics.public.read", Shop: true, handle: s.livePerMinute},
		{Method: "GET", Path: "/analytics/202509/shop_products/performance", Scope: "data.shop_analytics.public.read", Shop: true, handle: s.productPerformance},

		// Affiliate for sellers: collaborations.
		{Method: "POST", Path: "/affiliate_seller/202412/open_collaborations/search", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.searchOpenCollaborations},
		{Method: "POST", Path: "/affiliate_seller/202508/target_collaborations/search", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.searchTargetCollaborations},
		{Method: "POST", Path: "/affiliate_seller/202412/open_collaborations", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.createOpenCollaboration},
		{Method: "POST", Path: "/affiliate_seller/202405/target_collaborations", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.createTargetCollaboration202405},
		{Method: "POST", Path: "/affiliate_seller/202508/target_collaborations", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.createTargetCollaboration},
		{Method: "DELETE", Path: "/affiliate_seller/202409/open_collaborations/products/{product_id}", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.removeOpenCollaboration},
		{Method: "DELETE", Path: "/affiliate_seller/202409/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.removeTargetCollaboration},
		{Method: "PUT", Path: "/affiliate_seller/202409/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.updateTargetCollaboration202409},
		{Method: "PUT", Path: "/affiliate_seller/202508/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.updateTargetCollaboration},
		{Method: "GET", Path: "/affiliate_seller/202410/open_collaborations/sample_rules", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.openCollaborationSampleRules},
		{Method: "POST", Path: "/affiliate_seller/202410/open_collaborations/sample_rules", Scope: "seller.affiliate_collaboration.write", Shop: true, Mutates: true, handle: s.editOpenCollaborationSampleRule},
		{Method: "GET", Path: "/affiliate_seller/202409/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.targetCollaborationDetail},
		{Method: "GET", Path: "/affiliate_seller/202412/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.targetCollaborationDetail},
		{Method: "GET", Path: "/affiliate_seller/202508/target_collaborations/{target_collaboration_id}", Scope: "seller.affiliate_collaboration.read", Shop: true, handle: s.targetCollaborationDetail},

		// Webhook subscriptions.
		{Method: "GET", Path: "/event/202309/webhooks", Scope: "seller.event.webhook", Shop: true, handle: s.getWebhooks},
		{Method: "PUT", Path: "/event/202309/webhooks", Scope: "seller.event.webhook", Shop: true, Mutates: true, handle: s.putWebhook},
		{Method: "DELETE", Path: "/event/202309/webhooks", Scope: "seller.event.webhook", Shop: true, Mutates: true, handle: s.deleteWebhook},
	}
}

// Endpoints returns the method and path of every endpoint served, for the contract
// tests and the docs.
func (s *Service) Endpoints() [][2]string {
	out := make([][2]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = [2]string{rt.Method, rt.Path}
	}
	return out
}

// unservedFamilies are TikTok Shop API families whose paths answer "not implemented"
// in the envelope rather than a web page. Families served in part are listed too, so
// a version or endpoint liveshop lacks gets the same clear answer.
var unservedFamilies = []string{
	"/authorization/", "/product/", "/order/", "/fulfillment/", "/affiliate/", "/event/",
	"/affiliate_seller/", "/affiliate_creator/", "/affiliate_partner/", "/analytics/", "/finance/",
	"/return_refund/", "/promotion/", "/logistics/", "/customer_service/", "/customer_engagement/",
	"/review_rating/", "/fbt/", "/supply_chain/", "/data_reconciliation/", "/epharmacy/",
	"/gs_full_service_commodity/", "/gs_full_service_inventory/", "/gs_full_service_shipment/",
}

// Routes registers the Partner API on mux: the token endpoints, every endpoint at its
// official path, and a "not implemented" answer for the rest of TikTok's families.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v2/token/get", s.handleTokenGet)
	mux.HandleFunc("POST /api/v2/token/get", s.handleTokenGet)
	mux.HandleFunc("GET /api/v2/token/refresh", s.handleTokenRefresh)
	mux.HandleFunc("POST /api/v2/token/refresh", s.handleTokenRefresh)
	for _, rt := range s.routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, s.serve(rt))
	}
	for _, prefix := range unservedFamilies {
		mux.HandleFunc(prefix, s.notImplemented)
	}
}
