package migrate

// Steps is the schema's history. Append only: never edit a step that has shipped.
// Versions increase through the list; each area numbers its later steps in its own
// range, so parallel work never collides:
//
//	1-99     foundation (the walking skeleton)
//	100-199  orders, promotions, shipping, payments, returns, reviews
//	200-299  seller center: tiers, performance, enforcement, Mall, catalog search
//	300-399  ledger, settlement, payouts, FX
//	400-499  creators and affiliates
//	500-599  live rooms, flash sales, video, analytics of lives
//	800-899  Partner Open API
//	900-999  GMV analytics and KPI
//
// Conventions: ids are BIGINT issued by package id; times are BIGINT microseconds since
// the Unix epoch (0 or NULL for "not yet"); money is BIGINT minor units beside a TEXT
// currency code; rates are INTEGER basis points. CHECK constraints back the invariants
// the code already enforces, so a bug becomes an error rather than bad data.
var Steps = []Step{
	{1, "outbox and consumed events", SQL(
		`CREATE TABLE outbox (
			id BIGINT PRIMARY KEY,
			topic TEXT NOT NULL,
			aggregate TEXT NOT NULL,
			payload TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			published_at BIGINT,
			attempts INTEGER NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			dead_at BIGINT
		)`,
		`CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL AND dead_at IS NULL`,
		`CREATE TABLE consumed_events (
			consumer TEXT NOT NULL,
			event_id BIGINT NOT NULL,
			consumed_at BIGINT NOT NULL,
			PRIMARY KEY (consumer, event_id)
		)`,
		`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
	)},
	{2, "markets and policies", SQL(
		`CREATE TABLE markets (
			code TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			currency TEXT NOT NULL,
			time_zone TEXT NOT NULL,
			languages TEXT NOT NULL,
			launch_state TEXT NOT NULL,
			launch_date TEXT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE TABLE market_policies (
			id BIGINT PRIMARY KEY,
			market TEXT NOT NULL REFERENCES markets (code),
			effective_from BIGINT NOT NULL,
			document TEXT NOT NULL,
			note TEXT NOT NULL,
			created_by BIGINT NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			UNIQUE (market, effective_from)
		)`,
	)},
	{3, "accounts, sessions, tokens, follows", SQL(
		`CREATE TABLE accounts (
			id BIGINT PRIMARY KEY,
			email TEXT NOT NULL UNIQUE,
			display_name TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE TABLE account_roles (
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			role TEXT NOT NULL,
			PRIMARY KEY (account_id, role)
		)`,
		`CREATE TABLE sessions (
			token_hash TEXT PRIMARY KEY,
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			csrf_token TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL
		)`,
		`CREATE INDEX sessions_account ON sessions (account_id)`,
		`CREATE TABLE api_tokens (
			id BIGINT PRIMARY KEY,
			token_hash TEXT NOT NULL UNIQUE,
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			name TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL
		)`,
		`CREATE TABLE follows (
			follower_id BIGINT NOT NULL REFERENCES accounts (id),
			target_kind TEXT NOT NULL,
			target_id BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (follower_id, target_kind, target_id)
		)`,
		`CREATE INDEX follows_target ON follows (target_kind, target_id)`,
		`CREATE TABLE follower_counts (
			target_kind TEXT NOT NULL,
			target_id BIGINT NOT NULL,
			followers BIGINT NOT NULL CHECK (followers >= 0),
			PRIMARY KEY (target_kind, target_id)
		)`,
	)},
	{4, "shops", SQL(
		`CREATE TABLE shops (
			id BIGINT PRIMARY KEY,
			owner_id BIGINT NOT NULL REFERENCES accounts (id),
			market TEXT NOT NULL REFERENCES markets (code),
			name TEXT NOT NULL,
			kind TEXT NOT NULL,
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			activated_at BIGINT NOT NULL DEFAULT 0,
			UNIQUE (market, name)
		)`,
		`CREATE INDEX shops_owner ON shops (owner_id)`,
	)},
	{5, "products and skus", SQL(
		`CREATE TABLE products (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL REFERENCES markets (code),
			title TEXT NOT NULL,
			description TEXT NOT NULL,
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX products_shop ON products (shop_id, id)`,
		`CREATE INDEX products_market ON products (market, status, id)`,
		`CREATE TABLE skus (
			id BIGINT PRIMARY KEY,
			product_id BIGINT NOT NULL REFERENCES products (id),
			seller_sku TEXT NOT NULL,
			name TEXT NOT NULL,
			price BIGINT NOT NULL CHECK (price > 0),
			currency TEXT NOT NULL,
			stock BIGINT NOT NULL CHECK (stock >= 0),
			reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX skus_product ON skus (product_id)`,
	)},
	{6, "creators, offers, showcases, commissions", SQL(
		`CREATE TABLE creators (
			id BIGINT PRIMARY KEY,
			account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
			handle TEXT NOT NULL UNIQUE,
			display_name TEXT NOT NULL,
			bio TEXT NOT NULL,
			market TEXT NOT NULL REFERENCES markets (code),
			kind TEXT NOT NULL,
			birth_date TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE TABLE affiliate_offers (
			product_id BIGINT PRIMARY KEY REFERENCES products (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL,
			commission_bp INTEGER NOT NULL CHECK (commission_bp BETWEEN 100 AND 8000),
			active BOOLEAN NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX affiliate_offers_market ON affiliate_offers (market, active)`,
		`CREATE TABLE showcase_items (
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			position INTEGER NOT NULL,
			added_at BIGINT NOT NULL,
			PRIMARY KEY (creator_id, product_id)
		)`,
		`CREATE TABLE commissions (
			order_line_id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL,
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL,
			currency TEXT NOT NULL,
			base_amount BIGINT NOT NULL,
			rate_bp INTEGER NOT NULL,
			amount BIGINT NOT NULL CHECK (amount >= 0),
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			accrued_at BIGINT NOT NULL DEFAULT 0,
			payable_at BIGINT NOT NULL DEFAULT 0,
			reversed_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX commissions_creator ON commissions (creator_id, order_line_id)`,
	)},
	{7, "live sessions", SQL(
		`CREATE TABLE live_sessions (
			id BIGINT PRIMARY KEY,
			market TEXT NOT NULL REFERENCES markets (code),
			host_account_id BIGINT NOT NULL REFERENCES accounts (id),
			creator_id BIGINT REFERENCES creators (id),
			shop_id BIGINT REFERENCES shops (id),
			title TEXT NOT NULL,
			status TEXT NOT NULL,
			scheduled_at BIGINT NOT NULL,
			started_at BIGINT NOT NULL DEFAULT 0,
			ended_at BIGINT NOT NULL DEFAULT 0,
			pinned_product_id BIGINT REFERENCES products (id),
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX live_sessions_status ON live_sessions (status, scheduled_at)`,
		`CREATE INDEX live_sessions_host ON live_sessions (host_account_id, id)`,
		`CREATE TABLE live_session_products (
			session_id BIGINT NOT NULL REFERENCES live_sessions (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			position INTEGER NOT NULL,
			PRIMARY KEY (session_id, product_id)
		)`,
	)},
	{8, "payments", SQL(
		`CREATE TABLE payments (
			id BIGINT PRIMARY KEY,
			reference TEXT NOT NULL UNIQUE,
			payer_id BIGINT NOT NULL REFERENCES accounts (id),
			provider TEXT NOT NULL,
			provider_ref TEXT NOT NULL,
			method TEXT NOT NULL,
			amount BIGINT NOT NULL CHECK (amount > 0),
			currency TEXT NOT NULL,
			status TEXT NOT NULL,
			failure_code TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
	)},
	{9, "checkouts and orders", SQL(
		`CREATE TABLE checkouts (
			id BIGINT PRIMARY KEY,
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			idempotency_key TEXT NOT NULL,
			request_hash TEXT NOT NULL,
			market TEXT NOT NULL REFERENCES markets (code),
			currency TEXT NOT NULL,
			total BIGINT NOT NULL,
			status TEXT NOT NULL,
			payment_id BIGINT,
			created_at BIGINT NOT NULL,
			UNIQUE (buyer_id, idempotency_key)
		)`,
		`CREATE TABLE orders (
			id BIGINT PRIMARY KEY,
			checkout_id BIGINT NOT NULL REFERENCES checkouts (id),
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL REFERENCES markets (code),
			currency TEXT NOT NULL,
			status TEXT NOT NULL,
			subtotal BIGINT NOT NULL CHECK (subtotal >= 0),
			shipping_fee BIGINT NOT NULL CHECK (shipping_fee >= 0),
			total BIGINT NOT NULL CHECK (total >= 0),
			shipping_address TEXT NOT NULL,
			carrier TEXT NOT NULL DEFAULT '',
			tracking_number TEXT NOT NULL DEFAULT '',
			cancel_reason TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			paid_at BIGINT NOT NULL DEFAULT 0,
			shipped_at BIGINT NOT NULL DEFAULT 0,
			delivered_at BIGINT NOT NULL DEFAULT 0,
			completed_at BIGINT NOT NULL DEFAULT 0,
			cancelled_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX orders_buyer ON orders (buyer_id, id)`,
		`CREATE INDEX orders_shop ON orders (shop_id, status, id)`,
		`CREATE INDEX orders_checkout ON orders (checkout_id)`,
		`CREATE TABLE order_lines (
			id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL REFERENCES orders (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			title TEXT NOT NULL,
			sku_name TEXT NOT NULL,
			quantity BIGINT NOT NULL CHECK (quantity > 0),
			unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
			total BIGINT NOT NULL CHECK (total >= 0),
			source TEXT NOT NULL,
			creator_id BIGINT REFERENCES creators (id),
			live_session_id BIGINT REFERENCES live_sessions (id),
			commission_bp INTEGER NOT NULL DEFAULT 0,
			commission BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX order_lines_order ON order_lines (order_id)`,
		`CREATE TABLE order_history (
			id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL REFERENCES orders (id),
			status TEXT NOT NULL,
			actor_id BIGINT NOT NULL DEFAULT 0,
			note TEXT NOT NULL,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX order_history_order ON order_history (order_id, id)`,
	)},
	{10, "ledger", SQL(
		`CREATE TABLE ledger_accounts (
			id BIGINT PRIMARY KEY,
			code TEXT NOT NULL UNIQUE,
			type TEXT NOT NULL,
			owner_kind TEXT NOT NULL,
			owner_id BIGINT NOT NULL,
			currency TEXT NOT NULL,
			normal TEXT NOT NULL CHECK (normal IN ('debit', 'credit')),
			no_overdraft BOOLEAN NOT NULL,
			balance BIGINT NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			CHECK (NOT no_overdraft OR (normal = 'debit' AND balance >= 0) OR (normal = 'credit' AND balance <= 0))
		)`,
		`CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_kind, owner_id)`,
		`CREATE TABLE ledger_transfers (
			id BIGINT PRIMARY KEY,
			idempotency_key TEXT NOT NULL UNIQUE,
			kind TEXT NOT NULL,
			reference TEXT NOT NULL,
			memo TEXT NOT NULL,
			content_hash TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference)`,
		`CREATE TABLE ledger_postings (
			id BIGINT PRIMARY KEY,
			transfer_id BIGINT NOT NULL REFERENCES ledger_transfers (id),
			account_id BIGINT NOT NULL REFERENCES ledger_accounts (id),
			amount BIGINT NOT NULL CHECK (amount <> 0),
			currency TEXT NOT NULL
		)`,
		`CREATE INDEX ledger_postings_transfer ON ledger_postings (transfer_id)`,
		`CREATE INDEX ledger_postings_account ON ledger_postings (account_id, id)`,
	)},
	{11, "gmv facts and daily rollup", SQL(
		`CREATE TABLE gmv_facts (
			id BIGINT PRIMARY KEY,
			event_id BIGINT NOT NULL,
			order_id BIGINT NOT NULL,
			order_line_id BIGINT NOT NULL,
			market TEXT NOT NULL,
			shop_id BIGINT NOT NULL,
			creator_id BIGINT NOT NULL DEFAULT 0,
			live_session_id BIGINT NOT NULL DEFAULT 0,
			channel TEXT NOT NULL,
			currency TEXT NOT NULL,
			amount BIGINT NOT NULL,
			units BIGINT NOT NULL,
			at BIGINT NOT NULL,
			UNIQUE (event_id, order_line_id)
		)`,
		`CREATE INDEX gmv_facts_market_at ON gmv_facts (market, at)`,
		`CREATE TABLE gmv_daily (
			market TEXT NOT NULL,
			day TEXT NOT NULL,
			currency TEXT NOT NULL,
			gmv BIGINT NOT NULL,
			orders BIGINT NOT NULL,
			units BIGINT NOT NULL,
			PRIMARY KEY (market, day)
		)`,
	)},
	{100, "sku price history", SQL(
		`CREATE TABLE sku_prices (
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			effective_from BIGINT NOT NULL,
			price BIGINT NOT NULL CHECK (price > 0),
			PRIMARY KEY (sku_id, effective_from)
		)`,
		`INSERT INTO sku_prices (sku_id, effective_from, price) SELECT id, created_at, price FROM skus`,
	)},
	{101, "promotions, coupons, shipping program enrolment", SQL(
		`CREATE TABLE promotions (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL REFERENCES markets (code),
			kind TEXT NOT NULL,
			title TEXT NOT NULL,
			starts_at BIGINT NOT NULL,
			ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
			status TEXT NOT NULL,
			exclusive BOOLEAN NOT NULL,
			per_buyer_limit BIGINT NOT NULL DEFAULT 0 CHECK (per_buyer_limit >= 0),
			tiers TEXT NOT NULL DEFAULT '',
			min_spend BIGINT NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
			discount_amount BIGINT NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
			all_products BOOLEAN NOT NULL DEFAULT FALSE,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX promotions_shop ON promotions (shop_id, status, ends_at)`,
		`CREATE TABLE promotion_items (
			promotion_id BIGINT NOT NULL REFERENCES promotions (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			sku_id BIGINT NOT NULL DEFAULT 0,
			deal_price BIGINT NOT NULL DEFAULT 0 CHECK (deal_price >= 0),
			discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
			quantity BIGINT NOT NULL DEFAULT 0 CHECK (quantity >= 0),
			sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
			PRIMARY KEY (promotion_id, product_id, sku_id),
			CHECK (quantity = 0 OR sold <= quantity)
		)`,
		`CREATE INDEX promotion_items_product ON promotion_items (product_id)`,
		`CREATE TABLE promotion_purchases (
			promotion_id BIGINT NOT NULL REFERENCES promotions (id),
			order_id BIGINT NOT NULL,
			sku_id BIGINT NOT NULL,
			item_sku_id BIGINT NOT NULL,
			product_id BIGINT NOT NULL,
			buyer_id BIGINT NOT NULL,
			quantity BIGINT NOT NULL CHECK (quantity > 0),
			PRIMARY KEY (promotion_id, order_id, sku_id)
		)`,
		`CREATE INDEX promotion_purchases_buyer ON promotion_purchases (promotion_id, buyer_id)`,
		`CREATE TABLE coupons (
			id BIGINT PRIMARY KEY,
			code TEXT NOT NULL,
			market TEXT NOT NULL REFERENCES markets (code),
			funder TEXT NOT NULL CHECK (funder IN ('seller', 'platform')),
			shop_id BIGINT REFERENCES shops (id),
			kind TEXT NOT NULL,
			amount BIGINT NOT NULL DEFAULT 0 CHECK (amount >= 0),
			discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
			min_spend BIGINT NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
			max_discount BIGINT NOT NULL DEFAULT 0 CHECK (max_discount >= 0),
			starts_at BIGINT NOT NULL,
			ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
			total BIGINT NOT NULL DEFAULT 0 CHECK (total >= 0),
			used BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0),
			per_buyer_limit BIGINT NOT NULL DEFAULT 1 CHECK (per_buyer_limit >= 0),
			status TEXT NOT NULL,
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			UNIQUE (market, code),
			CHECK (total = 0 OR used <= total)
		)`,
		`CREATE TABLE coupon_redemptions (
			coupon_id BIGINT NOT NULL REFERENCES coupons (id),
			checkout_id BIGINT NOT NULL,
			order_id BIGINT NOT NULL,
			buyer_id BIGINT NOT NULL,
			amount BIGINT NOT NULL,
			released BOOLEAN NOT NULL DEFAULT FALSE,
			PRIMARY KEY (coupon_id, order_id)
		)`,
		`CREATE INDEX coupon_redemptions_buyer ON coupon_redemptions (coupon_id, buyer_id)`,
		`CREATE INDEX coupon_redemptions_order ON coupon_redemptions (order_id)`,
		`CREATE INDEX promotion_purchases_order ON promotion_purchases (order_id)`,
		`CREATE TABLE shipping_enrolments (
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			program TEXT NOT NULL,
			enrolled BOOLEAN NOT NULL,
			changed_at BIGINT NOT NULL,
			changed_by BIGINT NOT NULL,
			PRIMARY KEY (shop_id, program)
		)`,
	)},
	{102, "price details, hold and dispatch deadlines, carts, packages, returns, refunds, reviews", SQL(
		`ALTER TABLE orders ADD COLUMN seller_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN platform_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN shipping_seller_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN shipping_platform_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN buyer_shipping BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN tax BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN shipping_program TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE orders ADD COLUMN program_platform_share BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN program_seller_share BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN applied TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE orders ADD COLUMN hold_until BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN dispatch_due_at BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE orders ADD COLUMN late_dispatch BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE orders ADD COLUMN cancel_fault TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE orders ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX orders_status_hold ON orders (status, hold_until)`,
		`ALTER TABLE order_lines ADD COLUMN seller_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE order_lines ADD COLUMN platform_discount BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE order_lines ADD COLUMN tax BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE order_lines ADD COLUMN tax_included BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE order_lines ADD COLUMN paid BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE order_lines ADD COLUMN deal_promotion_id BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE order_lines ADD COLUMN shipped_qty BIGINT NOT NULL DEFAULT 0 CHECK (shipped_qty >= 0)`,
		`ALTER TABLE order_lines ADD COLUMN refunded_qty BIGINT NOT NULL DEFAULT 0 CHECK (refunded_qty >= 0)`,
		`UPDATE order_lines SET paid = total`,
		`CREATE TABLE cart_items (
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			market TEXT NOT NULL,
			quantity BIGINT NOT NULL CHECK (quantity > 0),
			added_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (buyer_id, sku_id)
		)`,
		`CREATE TABLE packages (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			carrier TEXT NOT NULL,
			tracking_number TEXT NOT NULL,
			status TEXT NOT NULL,
			shipped_at BIGINT NOT NULL,
			picked_up_at BIGINT NOT NULL DEFAULT 0,
			delivered_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX packages_status ON packages (status, carrier, shipped_at)`,
		`CREATE INDEX packages_tracking ON packages (carrier, tracking_number)`,
		`CREATE TABLE package_items (
			package_id BIGINT NOT NULL REFERENCES packages (id),
			order_id BIGINT NOT NULL REFERENCES orders (id),
			order_line_id BIGINT NOT NULL REFERENCES order_lines (id),
			quantity BIGINT NOT NULL CHECK (quantity > 0),
			PRIMARY KEY (package_id, order_line_id)
		)`,
		`CREATE INDEX package_items_order ON package_items (order_id)`,
		`CREATE TABLE package_events (
			id BIGINT PRIMARY KEY,
			package_id BIGINT NOT NULL REFERENCES packages (id),
			status TEXT NOT NULL,
			note TEXT NOT NULL,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX package_events_package ON package_events (package_id, id)`,
		`CREATE TABLE returns (
			id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL REFERENCES orders (id),
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			kind TEXT NOT NULL,
			status TEXT NOT NULL,
			reason TEXT NOT NULL,
			note TEXT NOT NULL DEFAULT '',
			refund_amount BIGINT NOT NULL CHECK (refund_amount >= 0),
			shipping_refund BIGINT NOT NULL DEFAULT 0,
			seller_respond_by BIGINT NOT NULL DEFAULT 0,
			buyer_ship_by BIGINT NOT NULL DEFAULT 0,
			seller_receive_by BIGINT NOT NULL DEFAULT 0,
			dispute_by BIGINT NOT NULL DEFAULT 0,
			return_tracking TEXT NOT NULL DEFAULT '',
			seller_note TEXT NOT NULL DEFAULT '',
			resolution TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX returns_order ON returns (order_id)`,
		`CREATE INDEX returns_shop ON returns (shop_id, status, id)`,
		`CREATE INDEX returns_status ON returns (status, updated_at)`,
		`CREATE TABLE return_lines (
			return_id BIGINT NOT NULL REFERENCES returns (id),
			order_line_id BIGINT NOT NULL REFERENCES order_lines (id),
			quantity BIGINT NOT NULL CHECK (quantity > 0),
			amount BIGINT NOT NULL CHECK (amount >= 0),
			PRIMARY KEY (return_id, order_line_id)
		)`,
		`CREATE TABLE return_history (
			id BIGINT PRIMARY KEY,
			return_id BIGINT NOT NULL REFERENCES returns (id),
			status TEXT NOT NULL,
			actor_id BIGINT NOT NULL DEFAULT 0,
			note TEXT NOT NULL,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX return_history_return ON return_history (return_id, id)`,
		`ALTER TABLE payments ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0`,
		`CREATE TABLE payment_refunds (
			id BIGINT PRIMARY KEY,
			payment_id BIGINT NOT NULL REFERENCES payments (id),
			reference TEXT NOT NULL UNIQUE,
			amount BIGINT NOT NULL CHECK (amount > 0),
			provider_ref TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			failure TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE TABLE payment_events (
			provider TEXT NOT NULL,
			event_id TEXT NOT NULL,
			type TEXT NOT NULL,
			provider_ref TEXT NOT NULL,
			received_at BIGINT NOT NULL,
			PRIMARY KEY (provider, event_id)
		)`,
		`CREATE TABLE reviews (
			id BIGINT PRIMARY KEY,
			order_line_id BIGINT NOT NULL REFERENCES order_lines (id),
			order_id BIGINT NOT NULL REFERENCES orders (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			buyer_id BIGINT NOT NULL REFERENCES accounts (id),
			rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
			body TEXT NOT NULL,
			photos TEXT NOT NULL DEFAULT '',
			first BOOLEAN NOT NULL,
			status TEXT NOT NULL,
			seller_reply TEXT NOT NULL DEFAULT '',
			seller_replied_at BIGINT NOT NULL DEFAULT 0,
			moderation_note TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX reviews_product ON reviews (product_id, status, id)`,
		`CREATE INDEX reviews_line ON reviews (order_line_id)`,
		`CREATE INDEX reviews_shop ON reviews (shop_id, id)`,
	)},
	{200, "shop badges (Mall, Official Shop)", SQL(
		`ALTER TABLE shops ADD COLUMN badge TEXT NOT NULL DEFAULT ''`,
	)},
	{201, "shop review, business details, tiers, daily order counts, seller stats, violations", SQL(
		`ALTER TABLE shops ADD COLUMN legal_name TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE shops ADD COLUMN registration_number TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE shops ADD COLUMN annual_gmv_elsewhere BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE shops ADD COLUMN documents TEXT NOT NULL DEFAULT ''`,
		// review_state: '' (no review), submitted, info_requested, approved, rejected.
		`ALTER TABLE shops ADD COLUMN review_state TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE shops ADD COLUMN status_reason TEXT NOT NULL DEFAULT ''`,
		// tier_rank indexes the market policy's tiers (0 = entry tier).
		`ALTER TABLE shops ADD COLUMN tier_rank INTEGER NOT NULL DEFAULT 0 CHECK (tier_rank >= 0)`,
		`CREATE INDEX shops_queue ON shops (review_state, id)`,
		// Every change of a shop's state, review decision and tier, for the seller and audit.
		`CREATE TABLE shop_actions (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			action TEXT NOT NULL,
			from_status TEXT NOT NULL,
			to_status TEXT NOT NULL,
			reason TEXT NOT NULL,
			actor_id BIGINT NOT NULL DEFAULT 0,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX shop_actions_shop ON shop_actions (shop_id, id)`,
		// Orders placed per shop per market-local day, against the tier's daily cap.
		`CREATE TABLE shop_daily_orders (
			shop_id BIGINT NOT NULL,
			day TEXT NOT NULL,
			orders INTEGER NOT NULL CHECK (orders >= 0),
			PRIMARY KEY (shop_id, day)
		)`,
		// What graduation reads, kept from order and review events.
		`CREATE TABLE shop_stats (
			shop_id BIGINT PRIMARY KEY,
			delivered_orders BIGINT NOT NULL DEFAULT 0,
			unique_buyers BIGINT NOT NULL DEFAULT 0,
			rating_sum BIGINT NOT NULL DEFAULT 0,
			rating_count BIGINT NOT NULL DEFAULT 0,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE TABLE shop_buyers (
			shop_id BIGINT NOT NULL,
			buyer_id BIGINT NOT NULL,
			first_at BIGINT NOT NULL,
			PRIMARY KEY (shop_id, buyer_id)
		)`,
		`CREATE TABLE shop_violations (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			code TEXT NOT NULL,
			reason TEXT NOT NULL,
			points INTEGER NOT NULL CHECK (points >= 0),
			status TEXT NOT NULL,
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL
		)`,
		`CREATE INDEX shop_violations_shop ON shop_violations (shop_id, id)`,
	)},
	{202, "category tree, product categories, full-text product search", catalogSearch},
	{203, "violation appeals", SQL(
		`ALTER TABLE shop_violations ADD COLUMN appeal TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE shop_violations ADD COLUMN appealed_at BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE shop_violations ADD COLUMN decision TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE shop_violations ADD COLUMN decided_by BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE shop_violations ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX shop_violations_status ON shop_violations (status, id)`,
	)},
	{204, "shop performance daily counts", SQL(
		// One row per shop and market-local day, kept from order and review events;
		// the Shop Performance Score is computed from windows of these rows.
		`CREATE TABLE shop_perf_daily (
			shop_id BIGINT NOT NULL,
			day TEXT NOT NULL,
			paid INTEGER NOT NULL DEFAULT 0,
			shipped INTEGER NOT NULL DEFAULT 0,
			late_shipped INTEGER NOT NULL DEFAULT 0,
			seller_cancelled INTEGER NOT NULL DEFAULT 0,
			delivered INTEGER NOT NULL DEFAULT 0,
			negative_reviews INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (shop_id, day)
		)`,
	)},
	{205, "catalog csv import jobs", SQL(
		`CREATE TABLE import_jobs (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			actor_id BIGINT NOT NULL,
			status TEXT NOT NULL,
			total INTEGER NOT NULL,
			done INTEGER NOT NULL DEFAULT 0,
			imported INTEGER NOT NULL DEFAULT 0,
			failed INTEGER NOT NULL DEFAULT 0,
			errors TEXT NOT NULL DEFAULT '[]',
			created_at BIGINT NOT NULL,
			finished_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX import_jobs_shop ON import_jobs (shop_id, id)`,
	)},
	{206, "brand registry and brand authorisations", SQL(
		`CREATE TABLE brands (
			id BIGINT PRIMARY KEY,
			name TEXT NOT NULL,
			name_key TEXT NOT NULL UNIQUE,
			created_at BIGINT NOT NULL
		)`,
		// A shop's right to sell a brand: as its trademark owner or an authorised
		// reseller, with documents and an expiry, reviewed by operators.
		`CREATE TABLE brand_authorizations (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			brand_id BIGINT NOT NULL REFERENCES brands (id),
			kind TEXT NOT NULL CHECK (kind IN ('owner', 'reseller')),
			documents TEXT NOT NULL,
			expires_at BIGINT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
			reason TEXT NOT NULL DEFAULT '',
			reviewed_by BIGINT NOT NULL DEFAULT 0,
			reviewed_at BIGINT NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX brand_authorizations_shop ON brand_authorizations (shop_id, id)`,
		`CREATE INDEX brand_authorizations_status ON brand_authorizations (status, id)`,
	)},
	{207, "product review: prohibited keywords per market, review notes", SQL(
		`CREATE TABLE prohibited_keywords (
			market TEXT NOT NULL REFERENCES markets (code),
			keyword TEXT NOT NULL,
			reason TEXT NOT NULL,
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			PRIMARY KEY (market, keyword)
		)`,
		`ALTER TABLE products ADD COLUMN review_note TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX products_review ON products (status, id)`,
	)},
	{208, "product images", SQL(
		// The bytes live in the image store (a directory under the data directory by
		// default); the row says which product they belong to and in what order.
		`CREATE TABLE product_images (
			id BIGINT PRIMARY KEY,
			product_id BIGINT NOT NULL REFERENCES products (id),
			store_key TEXT NOT NULL UNIQUE,
			content_type TEXT NOT NULL,
			bytes BIGINT NOT NULL,
			position INTEGER NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX product_images_product ON product_images (product_id, position)`,
	)},
	{209, "product attributes", SQL(
		// Attributes as a JSON object of name to value ({"material": "silk"}).
		`ALTER TABLE products ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'`,
	)},
	{210, "enforcement actions, buyer messages, delivery and response metrics, mall return commitment, import heartbeats", SQL(
		// An action taken against a shop when its violation points reached a policy
		// threshold (or by an operator): what it blocks, until when, and its appeal.
		`CREATE TABLE shop_enforcement_actions (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			kind TEXT NOT NULL CHECK (kind IN ('warning', 'listing_restriction', 'order_restriction', 'settlement_delay', 'suspension', 'deactivation')),
			points INTEGER NOT NULL,
			threshold INTEGER NOT NULL,
			reason TEXT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('active', 'lifted', 'expired')),
			starts_at BIGINT NOT NULL,
			ends_at BIGINT NOT NULL DEFAULT 0,
			created_by BIGINT NOT NULL DEFAULT 0,
			appeal TEXT NOT NULL DEFAULT '',
			appealed_at BIGINT NOT NULL DEFAULT 0,
			appeal_status TEXT NOT NULL DEFAULT '' CHECK (appeal_status IN ('', 'pending', 'upheld', 'granted')),
			decision TEXT NOT NULL DEFAULT '',
			decided_by BIGINT NOT NULL DEFAULT 0,
			decided_at BIGINT NOT NULL DEFAULT 0,
			lifted_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX shop_enforcement_actions_shop ON shop_enforcement_actions (shop_id, kind, status)`,
		`CREATE INDEX shop_enforcement_actions_appeals ON shop_enforcement_actions (appeal_status, id)`,
		`CREATE INDEX shop_enforcement_actions_status ON shop_enforcement_actions (status, id)`,
		// Deliveries within the delivery promise, and paid orders the buyer paid no
		// shipping for (free-shipping coverage).
		`ALTER TABLE shop_perf_daily ADD COLUMN delivered_on_time INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE shop_perf_daily ADD COLUMN paid_free_shipping INTEGER NOT NULL DEFAULT 0`,
		// Buyer <-> shop messages; an inquiry is a buyer's message waiting for the
		// shop's answer (at most one open per conversation), for the response rate.
		`CREATE TABLE shop_messages (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			buyer_id BIGINT NOT NULL,
			from_shop INTEGER NOT NULL CHECK (from_shop IN (0, 1)),
			sender_id BIGINT NOT NULL,
			body TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX shop_messages_conversation ON shop_messages (shop_id, buyer_id, id)`,
		`CREATE INDEX shop_messages_buyer ON shop_messages (buyer_id, id)`,
		`CREATE TABLE shop_inquiries (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			buyer_id BIGINT NOT NULL,
			asked_at BIGINT NOT NULL,
			due_at BIGINT NOT NULL,
			answered_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX shop_inquiries_shop ON shop_inquiries (shop_id, asked_at)`,
		`CREATE UNIQUE INDEX shop_inquiries_open ON shop_inquiries (shop_id, buyer_id) WHERE answered_at = 0`,
		// The return window (days) a shop has committed to for the Mall.
		`ALTER TABLE shops ADD COLUMN mall_return_days INTEGER NOT NULL DEFAULT 0 CHECK (mall_return_days >= 0)`,
		// A running import's worker writes a heartbeat; a job whose heartbeat stops
		// (the process died) is marked failed by the next recovery pass.
		`ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX import_jobs_status ON import_jobs (status, heartbeat_at)`,
	)},
	{211, "shop warehouses and stock per warehouse", SQL(
		// A shop's warehouses; exactly one is its default. A shop's first warehouse has
		// the shop's id, so the Open API's one warehouse per shop keeps its id.
		`CREATE TABLE warehouses (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			name TEXT NOT NULL,
			region TEXT NOT NULL DEFAULT '',
			address TEXT NOT NULL DEFAULT '',
			is_default BOOLEAN NOT NULL DEFAULT FALSE,
			created_at BIGINT NOT NULL,
			UNIQUE (shop_id, name)
		)`,
		`CREATE UNIQUE INDEX warehouses_default ON warehouses (shop_id) WHERE is_default`,
		// Units physically on hand per SKU and warehouse. skus.stock (what checkout
		// takes from) stays sum(on_hand) minus the units sold or reserved and not yet
		// dispatched; a missing row is 0 on hand.
		`CREATE TABLE sku_warehouse_stock (
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
			on_hand BIGINT NOT NULL CHECK (on_hand >= 0),
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (sku_id, warehouse_id)
		)`,
		`CREATE INDEX sku_warehouse_stock_warehouse ON sku_warehouse_stock (warehouse_id)`,
		// Every change of a warehouse's quantity: set by the seller, dispatched in a
		// package, returned by a buyer.
		`CREATE TABLE stock_movements (
			id BIGINT PRIMARY KEY,
			sku_id BIGINT NOT NULL,
			warehouse_id BIGINT NOT NULL,
			delta BIGINT NOT NULL,
			on_hand BIGINT NOT NULL,
			reason TEXT NOT NULL,
			ref_id BIGINT NOT NULL DEFAULT 0,
			actor_id BIGINT NOT NULL DEFAULT 0,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX stock_movements_sku ON stock_movements (sku_id, id)`,
		`INSERT INTO warehouses (id, shop_id, name, region, address, is_default, created_at)
			SELECT id, id, 'Main warehouse', market, '', TRUE, created_at FROM shops`,
		// Existing stock moves into the default warehouse: what is sellable plus what is
		// reserved or paid and not yet shipped is on hand.
		`INSERT INTO sku_warehouse_stock (sku_id, warehouse_id, on_hand, updated_at)
			SELECT k.id, p.shop_id, k.stock + k.reserved + COALESCE((SELECT SUM(l.quantity - l.shipped_qty) FROM order_lines l
				JOIN orders o ON o.id = l.order_id WHERE l.sku_id = k.id AND o.status IN ('ON_HOLD', 'AWAITING_SHIPMENT', 'PARTIALLY_SHIPPING')), 0), k.updated_at
			FROM skus k JOIN products p ON p.id = k.product_id`,
	)},
	{212, "late-dispatch enforcement through enforcement actions", lateDispatchActions},
	{213, "product search document weighs titles above descriptions (PostgreSQL)", weightedSearch},
	{217, "products carry their shop's Mall standing, indexed with the search text", mallSearch},
	{300, "ledger: holds (pending transfers), their balances, settlement schedule, payouts", ledgerHolds},
	{301, "ledger: commission due dates, payout destinations", SQL(
		// When a creator's commission must have been paid (0 for a shop's share).
		`ALTER TABLE ledger_settlements ADD COLUMN due_at BIGINT NOT NULL DEFAULT 0`,
		`CREATE TABLE ledger_payout_destinations (
			owner_kind TEXT NOT NULL CHECK (owner_kind IN ('shop', 'creator')),
			owner_id BIGINT NOT NULL,
			destination TEXT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (owner_kind, owner_id)
		)`,
	)},
	{302, "ledger: reserves held back from released shop money", SQL(
		`ALTER TABLE ledger_settlements ADD COLUMN reserved BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE ledger_settlements ADD COLUMN reserve_until BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE ledger_settlements ADD COLUMN reserve_released_at BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX ledger_settlements_reserve_due ON ledger_settlements (reserve_released_at, reserve_until) WHERE reserved > 0`,
	)},
	{310, "ledger: each order line's category and referral fee rate, fixed when the buyer paid", SQL(
		`CREATE TABLE ledger_line_fees (
			order_line_id BIGINT PRIMARY KEY,
			order_id BIGINT NOT NULL,
			category TEXT NOT NULL,
			referral_bp INTEGER NOT NULL CHECK (referral_bp >= 0 AND referral_bp <= 10000)
		)`,
		`CREATE INDEX ledger_line_fees_order ON ledger_line_fees (order_id)`,
	)},
	{500, "live flash sales", SQL(
		// A live flash sale is a flash-sale promotion (price, quantity, window, per-buyer
		// limit, units sold) opened from a live room; this row ties it to the room.
		`CREATE TABLE live_flash_sales (
			promotion_id BIGINT PRIMARY KEY REFERENCES promotions (id),
			session_id BIGINT NOT NULL REFERENCES live_sessions (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX live_flash_sales_session ON live_flash_sales (session_id, created_at)`,
	)},
	{501, "live per-minute series", SQL(
		// viewer_minutes is in thousandths, so an average of viewers is kept exactly.
		`CREATE TABLE live_minutes (
			session_id BIGINT NOT NULL REFERENCES live_sessions (id),
			minute BIGINT NOT NULL,
			viewers INTEGER NOT NULL DEFAULT 0,
			peak_viewers INTEGER NOT NULL DEFAULT 0,
			new_viewers INTEGER NOT NULL DEFAULT 0,
			viewer_minutes BIGINT NOT NULL DEFAULT 0,
			likes BIGINT NOT NULL DEFAULT 0,
			comments BIGINT NOT NULL DEFAULT 0,
			orders BIGINT NOT NULL DEFAULT 0,
			units BIGINT NOT NULL DEFAULT 0,
			gmv BIGINT NOT NULL DEFAULT 0,
			currency TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (session_id, minute)
		)`,
	)},
	{502, "live stream keys and video state", SQL(
		`CREATE TABLE live_streams (
			session_id BIGINT PRIMARY KEY REFERENCES live_sessions (id),
			key_hash TEXT NOT NULL UNIQUE,
			video TEXT NOT NULL DEFAULT 'offline',
			updated_at BIGINT NOT NULL
		)`,
	)},
	{503, "live events: planned length, practice sessions", SQL(
		`ALTER TABLE live_sessions ADD COLUMN planned_minutes INTEGER NOT NULL DEFAULT 60`,
		`ALTER TABLE live_sessions ADD COLUMN practice BOOLEAN NOT NULL DEFAULT FALSE`,
	)},
	{504, "shoppable videos: anchors, likes, comments", SQL(
		`CREATE TABLE videos (
			id BIGINT PRIMARY KEY,
			market TEXT NOT NULL REFERENCES markets (code),
			author_account_id BIGINT NOT NULL REFERENCES accounts (id),
			creator_id BIGINT REFERENCES creators (id),
			shop_id BIGINT REFERENCES shops (id),
			caption TEXT NOT NULL,
			source TEXT NOT NULL CHECK (source IN ('upload', 'url')),
			store_key TEXT NOT NULL DEFAULT '',
			source_url TEXT NOT NULL DEFAULT '',
			content_type TEXT NOT NULL DEFAULT '',
			bytes BIGINT NOT NULL DEFAULT 0,
			duration_ms BIGINT NOT NULL DEFAULT 0,
			width INTEGER NOT NULL DEFAULT 0,
			height INTEGER NOT NULL DEFAULT 0,
			poster_key TEXT NOT NULL DEFAULT '',
			state TEXT NOT NULL CHECK (state IN ('processing', 'published', 'failed', 'removed')),
			state_reason TEXT NOT NULL DEFAULT '',
			claimed_until BIGINT NOT NULL DEFAULT 0,
			attempts INTEGER NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			published_at BIGINT NOT NULL DEFAULT 0,
			removed_at BIGINT NOT NULL DEFAULT 0,
			views BIGINT NOT NULL DEFAULT 0 CHECK (views >= 0),
			watch_ms BIGINT NOT NULL DEFAULT 0 CHECK (watch_ms >= 0),
			likes BIGINT NOT NULL DEFAULT 0 CHECK (likes >= 0),
			comments BIGINT NOT NULL DEFAULT 0 CHECK (comments >= 0),
			shares BIGINT NOT NULL DEFAULT 0 CHECK (shares >= 0),
			product_clicks BIGINT NOT NULL DEFAULT 0 CHECK (product_clicks >= 0),
			CHECK ((creator_id IS NULL) <> (shop_id IS NULL))
		)`,
		`CREATE INDEX videos_feed ON videos (market, state, published_at)`,
		`CREATE INDEX videos_author ON videos (author_account_id, created_at)`,
		`CREATE INDEX videos_processing ON videos (state, created_at)`,
		`CREATE TABLE video_products (
			video_id BIGINT NOT NULL REFERENCES videos (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			position INTEGER NOT NULL,
			clicks BIGINT NOT NULL DEFAULT 0 CHECK (clicks >= 0),
			PRIMARY KEY (video_id, product_id)
		)`,
		`CREATE TABLE video_likes (
			video_id BIGINT NOT NULL REFERENCES videos (id),
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			created_at BIGINT NOT NULL,
			PRIMARY KEY (video_id, account_id)
		)`,
		`CREATE TABLE video_comments (
			id BIGINT PRIMARY KEY,
			video_id BIGINT NOT NULL REFERENCES videos (id),
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			author_name TEXT NOT NULL,
			body TEXT NOT NULL,
			state TEXT NOT NULL CHECK (state IN ('visible', 'held', 'hidden', 'deleted')),
			reason TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX video_comments_by_video ON video_comments (video_id, created_at)`,
		`CREATE INDEX video_comments_by_account ON video_comments (account_id, created_at)`,
	)},
	{505, "live moderators and reminders; the notifications inbox", SQL(
		`CREATE TABLE live_moderators (
			session_id BIGINT NOT NULL REFERENCES live_sessions (id),
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			added_at BIGINT NOT NULL,
			PRIMARY KEY (session_id, account_id)
		)`,
		`CREATE TABLE live_reminders (
			session_id BIGINT NOT NULL REFERENCES live_sessions (id),
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			created_at BIGINT NOT NULL,
			PRIMARY KEY (session_id, account_id)
		)`,
		// One row per account per thing announced (ref), so a redelivered event
		// notifies nobody twice; written set-based from follows for big audiences.
		`CREATE TABLE notifications (
			account_id BIGINT NOT NULL REFERENCES accounts (id),
			ref TEXT NOT NULL,
			title TEXT NOT NULL,
			body TEXT NOT NULL DEFAULT '',
			link TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			read_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (account_id, ref)
		)`,
		`CREATE INDEX notifications_inbox ON notifications (account_id, created_at)`,
	)},
	{506, "flash-sale unit leases per node", SQL(
		// A node sells a flash sale from blocks of units it leases here; a lease whose
		// node stopped renewing it is ignored, so a dead node's units come back.
		`CREATE TABLE live_flash_leases (
			promotion_id BIGINT NOT NULL REFERENCES promotions (id),
			node TEXT NOT NULL,
			units BIGINT NOT NULL CHECK (units >= 0),
			renewed_at BIGINT NOT NULL,
			PRIMARY KEY (promotion_id, node)
		)`,
	)},
	{600, "creators: categories, pilot, suspension; open plan terms; target plans; samples; commission due dates; messages", SQL(
		`ALTER TABLE creators ADD COLUMN categories TEXT NOT NULL DEFAULT ''`,
		// selling_since starts the pilot: the first time the creator was allowed to sell.
		`ALTER TABLE creators ADD COLUMN selling_since BIGINT NOT NULL DEFAULT 0`,
		// suspended_at > 0 suspends selling rights until suspended_until (0: until lifted).
		`ALTER TABLE creators ADD COLUMN suspended_at BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE creators ADD COLUMN suspended_until BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE creators ADD COLUMN suspension_reason TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE affiliate_offers ADD COLUMN ads_commission_bp INTEGER NOT NULL DEFAULT 0 CHECK (ads_commission_bp BETWEEN 0 AND 8000)`,
		`ALTER TABLE affiliate_offers ADD COLUMN requires_approval BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE affiliate_offers ADD COLUMN free_samples BOOLEAN NOT NULL DEFAULT FALSE`,
		`ALTER TABLE affiliate_offers ADD COLUMN category TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE offer_approvals (
			product_id BIGINT NOT NULL REFERENCES products (id),
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			status TEXT NOT NULL,
			requested_at BIGINT NOT NULL,
			decided_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (product_id, creator_id)
		)`,
		`CREATE TABLE pilot_uses (
			kind TEXT NOT NULL,
			ref_id BIGINT NOT NULL,
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			used_at BIGINT NOT NULL,
			PRIMARY KEY (kind, ref_id)
		)`,
		`CREATE INDEX pilot_uses_creator ON pilot_uses (creator_id, kind, used_at)`,
		`CREATE TABLE target_plans (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			market TEXT NOT NULL,
			name TEXT NOT NULL,
			commission_bp INTEGER NOT NULL CHECK (commission_bp BETWEEN 0 AND 8000),
			flat_fee BIGINT NOT NULL CHECK (flat_fee >= 0),
			currency TEXT NOT NULL,
			flash_sale_requested BOOLEAN NOT NULL,
			message TEXT NOT NULL,
			expires_at BIGINT NOT NULL,
			created_by BIGINT NOT NULL REFERENCES accounts (id),
			created_at BIGINT NOT NULL,
			CHECK (commission_bp > 0 OR flat_fee > 0)
		)`,
		`CREATE INDEX target_plans_shop ON target_plans (shop_id, id)`,
		`CREATE TABLE target_plan_products (
			plan_id BIGINT NOT NULL REFERENCES target_plans (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			PRIMARY KEY (plan_id, product_id)
		)`,
		`CREATE INDEX target_plan_products_product ON target_plan_products (product_id)`,
		`CREATE TABLE target_plan_creators (
			plan_id BIGINT NOT NULL REFERENCES target_plans (id),
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			status TEXT NOT NULL,
			responded_at BIGINT NOT NULL DEFAULT 0,
			fee_due_at BIGINT NOT NULL DEFAULT 0,
			fee_paid_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (plan_id, creator_id)
		)`,
		`CREATE INDEX target_plan_creators_creator ON target_plan_creators (creator_id, status)`,
		`ALTER TABLE showcase_items ADD COLUMN plan_id BIGINT NOT NULL DEFAULT 0`,
		`CREATE TABLE samples (
			id BIGINT PRIMARY KEY,
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			sku_id BIGINT NOT NULL REFERENCES skus (id),
			status TEXT NOT NULL,
			note TEXT NOT NULL,
			reject_reason TEXT NOT NULL DEFAULT '',
			carrier TEXT NOT NULL DEFAULT '',
			tracking_number TEXT NOT NULL DEFAULT '',
			content_due_at BIGINT NOT NULL DEFAULT 0,
			content_ref TEXT NOT NULL DEFAULT '',
			requested_at BIGINT NOT NULL,
			decided_at BIGINT NOT NULL DEFAULT 0,
			shipped_at BIGINT NOT NULL DEFAULT 0,
			delivered_at BIGINT NOT NULL DEFAULT 0,
			fulfilled_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX samples_creator ON samples (creator_id, id)`,
		`CREATE INDEX samples_shop ON samples (shop_id, status, id)`,
		`ALTER TABLE commissions ADD COLUMN product_id BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE commissions ADD COLUMN source TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE commissions ADD COLUMN due_at BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE commissions ADD COLUMN paid_at BIGINT NOT NULL DEFAULT 0`,
		`CREATE INDEX commissions_shop ON commissions (shop_id, status, due_at)`,
		`CREATE TABLE affiliate_clicks (
			id BIGINT PRIMARY KEY,
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			product_id BIGINT NOT NULL REFERENCES products (id),
			clicked_at BIGINT NOT NULL
		)`,
		`CREATE INDEX affiliate_clicks_creator ON affiliate_clicks (creator_id, product_id)`,
		`CREATE TABLE collab_messages (
			id BIGINT PRIMARY KEY,
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			creator_id BIGINT NOT NULL REFERENCES creators (id),
			plan_id BIGINT NOT NULL,
			from_seller BOOLEAN NOT NULL,
			sender_id BIGINT NOT NULL REFERENCES accounts (id),
			body TEXT NOT NULL,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX collab_messages_thread ON collab_messages (shop_id, creator_id, plan_id, id)`,
		`CREATE TABLE collab_reads (
			shop_id BIGINT NOT NULL,
			creator_id BIGINT NOT NULL,
			plan_id BIGINT NOT NULL,
			seller_side BOOLEAN NOT NULL,
			last_read_id BIGINT NOT NULL,
			PRIMARY KEY (shop_id, creator_id, plan_id, seller_side)
		)`,
	)},
	{601, "samples ship as zero-price orders: the sample's order, where it goes, content days after delivery; a creator's sample address", SQL(
		`ALTER TABLE samples ADD COLUMN order_id BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE samples ADD COLUMN ship_to TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE samples ADD COLUMN content_days INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX samples_order ON samples (order_id)`,
		`ALTER TABLE creators ADD COLUMN sample_address TEXT NOT NULL DEFAULT ''`,
	)},
	{800, "partner open api: apps, grants, tokens, webhooks, deliveries, request log", SQL(
		`CREATE TABLE openapi_apps (
			id BIGINT PRIMARY KEY,
			owner_id BIGINT NOT NULL REFERENCES accounts (id),
			name TEXT NOT NULL,
			app_key TEXT NOT NULL UNIQUE,
			app_secret TEXT NOT NULL,
			redirect_urls TEXT NOT NULL,
			scopes TEXT NOT NULL,
			webhook_url TEXT NOT NULL DEFAULT '',
			rate_limit_qps INTEGER NOT NULL CHECK (rate_limit_qps > 0),
			created_at BIGINT NOT NULL,
			secret_rotated_at BIGINT NOT NULL
		)`,
		`CREATE INDEX openapi_apps_owner ON openapi_apps (owner_id, id)`,
		`CREATE TABLE openapi_grants (
			id BIGINT PRIMARY KEY,
			app_id BIGINT NOT NULL REFERENCES openapi_apps (id),
			seller_id BIGINT NOT NULL REFERENCES accounts (id),
			open_id TEXT NOT NULL UNIQUE,
			scopes TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			revoked_at BIGINT NOT NULL DEFAULT 0,
			UNIQUE (app_id, seller_id)
		)`,
		`CREATE INDEX openapi_grants_seller ON openapi_grants (seller_id)`,
		`CREATE TABLE openapi_grant_shops (
			grant_id BIGINT NOT NULL REFERENCES openapi_grants (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			cipher TEXT NOT NULL UNIQUE,
			authorized_at BIGINT NOT NULL,
			revoked_at BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (grant_id, shop_id)
		)`,
		`CREATE INDEX openapi_grant_shops_shop ON openapi_grant_shops (shop_id)`,
		`CREATE TABLE openapi_auth_codes (
			code_hash TEXT PRIMARY KEY,
			grant_id BIGINT NOT NULL REFERENCES openapi_grants (id),
			app_id BIGINT NOT NULL REFERENCES openapi_apps (id),
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			used_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE TABLE openapi_tokens (
			token_hash TEXT PRIMARY KEY,
			kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
			grant_id BIGINT NOT NULL REFERENCES openapi_grants (id),
			app_id BIGINT NOT NULL REFERENCES openapi_apps (id),
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			revoked_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX openapi_tokens_grant ON openapi_tokens (grant_id)`,
		`CREATE TABLE openapi_webhooks (
			grant_id BIGINT NOT NULL REFERENCES openapi_grants (id),
			shop_id BIGINT NOT NULL REFERENCES shops (id),
			event_type TEXT NOT NULL,
			address TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (grant_id, shop_id, event_type)
		)`,
		`CREATE TABLE openapi_deliveries (
			id BIGINT PRIMARY KEY,
			app_id BIGINT NOT NULL REFERENCES openapi_apps (id),
			shop_id BIGINT NOT NULL,
			event_type TEXT NOT NULL,
			address TEXT NOT NULL,
			payload TEXT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
			attempts INTEGER NOT NULL DEFAULT 0,
			next_attempt_at BIGINT NOT NULL,
			last_status INTEGER NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			delivered_at BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX openapi_deliveries_due ON openapi_deliveries (status, next_attempt_at)`,
		`CREATE INDEX openapi_deliveries_app ON openapi_deliveries (app_id, status, id)`,
		`CREATE TABLE openapi_used_signs (
			app_id BIGINT NOT NULL REFERENCES openapi_apps (id),
			sign TEXT NOT NULL,
			expires_at BIGINT NOT NULL,
			PRIMARY KEY (app_id, sign)
		)`,
		`CREATE TABLE openapi_request_log (
			id BIGINT PRIMARY KEY,
			app_id BIGINT NOT NULL,
			method TEXT NOT NULL,
			path TEXT NOT NULL,
			shop_id BIGINT NOT NULL DEFAULT 0,
			http_status INTEGER NOT NULL,
			code INTEGER NOT NULL,
			message TEXT NOT NULL,
			latency_us BIGINT NOT NULL,
			request_id TEXT NOT NULL,
			at BIGINT NOT NULL
		)`,
		`CREATE INDEX openapi_request_log_app ON openapi_request_log (app_id, id)`,
		// Partner tools page through a shop's orders by creation or update time; these
		// keep that an index range scan however many orders the shop has.
		`CREATE INDEX orders_shop_created ON orders (shop_id, id)`,
		`CREATE INDEX orders_shop_updated ON orders (shop_id, updated_at, id)`,
	)},
	{900, "gmv analytics: fx rates, richer facts, rollups per grain and dimension, live sessions, kpi targets", SQL(
		// Operator-maintained exchange rates: how many major units of a currency one US
		// dollar buys, times a million, from a moment on (USD itself is fixed at 1).
		`CREATE TABLE fx_rates (
			id BIGINT PRIMARY KEY,
			currency TEXT NOT NULL,
			effective_from BIGINT NOT NULL,
			per_usd_micros BIGINT NOT NULL CHECK (per_usd_micros > 0),
			note TEXT NOT NULL DEFAULT '',
			created_by BIGINT NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			UNIQUE (currency, effective_from)
		)`,
		// Facts gain what the rollups group by. kind says which event made the fact
		// (paid, cancelled, refunded), origin whether it came from an event or an import
		// of history, local_hour the market's own hour (YYYY-MM-DDTHH) the sale fell in,
		// and amount_usd the amount through the FX table (NULL for facts recorded before
		// the table existed; analytics fills them in and rebuilds the rollups at start).
		`ALTER TABLE gmv_facts ADD COLUMN kind TEXT NOT NULL DEFAULT 'paid'`,
		`UPDATE gmv_facts SET kind = 'cancelled' WHERE amount < 0`,
		`ALTER TABLE gmv_facts ADD COLUMN origin TEXT NOT NULL DEFAULT 'event'`,
		`ALTER TABLE gmv_facts ADD COLUMN product_id BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE gmv_facts ADD COLUMN surface TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE gmv_facts ADD COLUMN category TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE gmv_facts ADD COLUMN local_hour TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE gmv_facts ADD COLUMN amount_usd BIGINT`,
		// A showcase sale is a product-card sale made from a creator's showcase.
		`UPDATE gmv_facts SET channel = 'PRODUCT_CARD', surface = 'showcase' WHERE channel = 'SHOWCASE'`,
		`CREATE INDEX gmv_facts_session ON gmv_facts (live_session_id, at) WHERE live_session_id <> 0`,
		// One row per grain (hour, day, month), dimension (market, shop, creator,
		// channel, category, product), member of the dimension (ref) and market-local
		// period (2025-03-10T14, 2025-03-10, 2025-03), kept by the consumer in the
		// transaction that records the facts.
		`CREATE TABLE gmv_rollups (
			grain TEXT NOT NULL CHECK (grain IN ('hour', 'day', 'month')),
			dim TEXT NOT NULL,
			ref TEXT NOT NULL,
			market TEXT NOT NULL,
			period TEXT NOT NULL,
			currency TEXT NOT NULL,
			gmv BIGINT NOT NULL,
			gmv_usd BIGINT NOT NULL,
			orders BIGINT NOT NULL,
			units BIGINT NOT NULL,
			PRIMARY KEY (grain, dim, ref, market, period)
		)`,
		`CREATE INDEX gmv_rollups_board ON gmv_rollups (grain, dim, market, period)`,
		// Each live session's GMV (the "million-dollar live room"), with what live
		// events say about it; day is the market-local day it started (or first sold).
		`CREATE TABLE gmv_sessions (
			session_id BIGINT PRIMARY KEY,
			market TEXT NOT NULL,
			currency TEXT NOT NULL,
			creator_id BIGINT NOT NULL DEFAULT 0,
			shop_id BIGINT NOT NULL DEFAULT 0,
			title TEXT NOT NULL DEFAULT '',
			day TEXT NOT NULL,
			started_at BIGINT NOT NULL DEFAULT 0,
			ended_at BIGINT NOT NULL DEFAULT 0,
			first_sale_at BIGINT NOT NULL DEFAULT 0,
			last_sale_at BIGINT NOT NULL DEFAULT 0,
			gmv BIGINT NOT NULL DEFAULT 0,
			gmv_usd BIGINT NOT NULL DEFAULT 0,
			orders BIGINT NOT NULL DEFAULT 0,
			units BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX gmv_sessions_market_day ON gmv_sessions (market, day)`,
		// GMV targets: global (USD), per market (its currency) or per shop that opted in
		// (its market's currency), over an inclusive range of days: a year, quarter,
		// month or any range. Targets of one scope and kind of period never overlap.
		`CREATE TABLE kpi_targets (
			id BIGINT PRIMARY KEY,
			scope TEXT NOT NULL CHECK (scope IN ('global', 'market', 'shop')),
			market TEXT NOT NULL DEFAULT '',
			shop_id BIGINT NOT NULL DEFAULT 0,
			name TEXT NOT NULL,
			period_kind TEXT NOT NULL CHECK (period_kind IN ('year', 'quarter', 'month', 'days')),
			period_start TEXT NOT NULL,
			period_end TEXT NOT NULL,
			currency TEXT NOT NULL,
			amount BIGINT NOT NULL CHECK (amount > 0),
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			CHECK (period_start <= period_end)
		)`,
		`CREATE INDEX kpi_targets_scope ON kpi_targets (scope, market, shop_id, period_kind, period_start)`,
		`CREATE TABLE kpi_shop_optins (
			shop_id BIGINT PRIMARY KEY,
			market TEXT NOT NULL,
			opted_in_by BIGINT NOT NULL,
			opted_in_at BIGINT NOT NULL
		)`,
		// gmv_daily is now the day grain of gmv_rollups.
		`DROP TABLE gmv_daily`,
	)},
	{910, "gmv facts by order line: a refund or cancellation finds the category its payment was counted in", SQL(
		`CREATE INDEX gmv_facts_line ON gmv_facts (order_line_id)`,
	)},
	{911, "gmv rollups in rank order: a month's top members read from an index, not summed and sorted", SQL(
		`CREATE INDEX gmv_rollups_top ON gmv_rollups (grain, dim, market, period, gmv DESC, ref) WHERE grain = 'month'`,
		`CREATE INDEX gmv_rollups_top_usd ON gmv_rollups (grain, dim, period, gmv_usd DESC, ref, market) WHERE grain = 'month'`,
	)},
	{912, "gmv rollups per shop and category: emptied, so the next start rebuilds every rollup from the facts", SQL(
		// analytics.Prepare rebuilds the rollups (and the live sessions' sums) from
		// gmv_facts when there are facts and no rollup rows: the new shop_category
		// dimension then holds every fact recorded before it, and Check agrees.
		`DELETE FROM gmv_rollups`,
	)},
	{913, "gmv rollups per creator and category; facts without a category found by index: rollups emptied, so the next start backfills categories and rebuilds", SQL(
		// analytics.Prepare gives facts without a category their product's category
		// (this index finds them) and rebuilds every rollup from the facts, the new
		// creator_category dimension included.
		`CREATE INDEX gmv_facts_uncategorised ON gmv_facts (product_id) WHERE category = ''`,
		`DELETE FROM gmv_rollups`,
	)},
	{914, "gmv rollups of shops, creators and products by quarter and year, in rank order: a quarter's or a year's leaderboard reads its top from an index", SQL(
		// The grain's CHECK admits quarters and years. Rollups are derived from the
		// facts, so the table is made afresh (SQLite cannot change a CHECK in place)
		// and the next start rebuilds every rollup, the new grains included.
		`DROP TABLE gmv_rollups`,
		`CREATE TABLE gmv_rollups (
			grain TEXT NOT NULL CHECK (grain IN ('hour', 'day', 'month', 'quarter', 'year')),
			dim TEXT NOT NULL,
			ref TEXT NOT NULL,
			market TEXT NOT NULL,
			period TEXT NOT NULL,
			currency TEXT NOT NULL,
			gmv BIGINT NOT NULL,
			gmv_usd BIGINT NOT NULL,
			orders BIGINT NOT NULL,
			units BIGINT NOT NULL,
			PRIMARY KEY (grain, dim, ref, market, period)
		)`,
		`CREATE INDEX gmv_rollups_board ON gmv_rollups (grain, dim, market, period)`,
		`CREATE INDEX gmv_rollups_top ON gmv_rollups (grain, dim, market, period, gmv DESC, ref) WHERE grain = 'month'`,
		`CREATE INDEX gmv_rollups_top_usd ON gmv_rollups (grain, dim, period, gmv_usd DESC, ref, market) WHERE grain = 'month'`,
		`CREATE INDEX gmv_rollups_top_quarter ON gmv_rollups (grain, dim, market, period, gmv DESC, ref) WHERE grain = 'quarter'`,
		`CREATE INDEX gmv_rollups_top_usd_quarter ON gmv_rollups (grain, dim, period, gmv_usd DESC, ref, market) WHERE grain = 'quarter'`,
		`CREATE INDEX gmv_rollups_top_year ON gmv_rollups (grain, dim, market, period, gmv DESC, ref) WHERE grain = 'year'`,
		`CREATE INDEX gmv_rollups_top_usd_year ON gmv_rollups (grain, dim, period, gmv_usd DESC, ref, market) WHERE grain = 'year'`,
	)},
	{915, "live sessions in rank order (the world's in USD) and by creator: session leaderboards and a creator's lives read an index, not every session", SQL(
		`CREATE INDEX gmv_sessions_top ON gmv_sessions (market, gmv DESC, session_id)`,
		`CREATE INDEX gmv_sessions_top_usd ON gmv_sessions (gmv_usd DESC, session_id)`,
		`CREATE INDEX gmv_sessions_creator ON gmv_sessions (creator_id, day)`,
	)},
}
