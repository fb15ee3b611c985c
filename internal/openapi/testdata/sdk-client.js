// Drives a public TikTok Shop SDK, unmodified, against liveshop, as an integrator's
// program would: exchange an authorization code, find the shop and its cipher, and
// read products and orders, answer and create through it. It prints one JSON document of what came back; the Go
// test (sdk_test.go) checks it against the data it created.
//
//   SDK_DIR=... LIVESHOP_URL=http://127.0.0.1:PORT APP_KEY=... APP_SECRET=... \
//   AUTH_CODE=... PRODUCT_ID=... ORDER_ID=... CANCEL_ID=... CANCEL_ORDER_ID=... \
//   SETTLED_ORDER_ID=... CREATOR_ID=... node sdk-client.js
'use strict';
const path = require('path');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env('LIVESHOP_URL');

// The base URL. tiktok-shop-sdk 1.0.3 has no option for it: its hosts are constants
// (open-api.tiktokglobalshop.com for calls, auth.tiktok-shops.com for tokens) handed
// to the global fetch. Pointing those origins at liveshop is the whole change; the
// SDK's paths, queries, headers, bodies and signatures go out exactly as it makes them.
const tiktokOrigins = ['https://open-api.tiktokglobalshop.com', 'https://auth.tiktok-shops.com'];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  let url = String(input);
  for (const origin of tiktokOrigins) {
    if (url.startsWith(origin + '/')) url = base + url.slice(origin.length);
  }
  return realFetch(url, init);
};

const { TikTokShopSDK, TikTokAPIError } = require(path.join(env('SDK_DIR'), 'node_modules', 'tiktok-shop-sdk'));

async function main() {
  const sdk = new TikTokShopSDK({ appKey: env('APP_KEY'), appSecret: env('APP_SECRET') });
  const out = {};

  const token = await sdk.auth.getAccessToken({ auth_code: env('AUTH_CODE'), grant_type: 'authorized_code' });
  out.token = { code: token.code, seller_name: token.data.seller_name, expires: token.data.access_token_expire_in };
  sdk.setAccessToken(token.data.access_token);

  const shops = await sdk.shop.getAuthorizedShops();
  out.shops = shops.data.shops;
  sdk.setShopCipher(shops.data.shops[0].cipher);

  const products = await sdk.product.searchProducts({ query: { page_size: 10 }, body: { status: 'ACTIVATE' } });
  out.searched_products = products.data.products.map((p) => ({ id: p.id, title: p.title }));

  const product = await sdk.product.getProduct({ product_id: env('PRODUCT_ID') });
  out.product = { id: product.data.id, title: product.data.title, skus: product.data.skus.map((s) => ({ seller_sku: s.seller_sku, price: s.price })) };

  const orders = await sdk.order.getOrderList({ query: { page_size: 20, sort_field: 'create_time', sort_order: 'DESC' }, body: {} });
  out.searched_orders = orders.data.orders.map((o) => ({ id: o.id, status: o.status, total: o.payment && o.payment.total_amount }));

  const detail = await sdk.order.getOrderDetail({ ids: [env('ORDER_ID')] });
  out.order = detail.data.orders.map((o) => ({ id: o.id, status: o.status, line_items: o.line_items.length }));

  // Writes: refuse a buyer's cancellation with a reason the API lists, cancel an
  // order as the seller, open a collaboration; and read an order's settlement.
  const reasons = await sdk.return_refund.getRejectReasons({ return_or_cancel_id: env('CANCEL_ID') });
  out.reject_reasons = reasons.data.reasons.map((r) => r.name);
  await sdk.return_refund.rejectCancellation({ cancel_id: env('CANCEL_ID'), body: { reject_reason: out.reject_reasons[0], comment: 'packed already' } });
  const eligibility = await sdk.return_refund.getAftersaleEligibility({ order_id: env('CANCEL_ORDER_ID'), query: { initiate_aftersale_user: 'SELLER' } });
  out.can_cancel = eligibility.data.sku_eligibility[0].line_item_eligibility.find((e) => e.request_type === 'CANCEL').eligible;
  const cancelled = await sdk.return_refund.cancelOrder({ order_id: env('CANCEL_ORDER_ID'), cancel_reason: 'seller_cancel_reason_out_of_stock' });
  out.cancelled = cancelled.data;
  const opened = await sdk.affiliateSeller.createOpenCollaboration({ product_id: env('PRODUCT_ID'), commission_rate: 1500 });
  out.opened = opened.data.open_collaboration;
  const target = await sdk.affiliateSeller.createTargetCollaboration({
    name: 'SDK plan', message: 'Hello from an ERP', end_time: String(Math.floor(Date.now() / 1000) + 7 * 86400),
    creator_user_ids: [env('CREATOR_ID')], products: [{ id: env('PRODUCT_ID'), target_commission_rate: 2000 }],
    free_sample_rule: { has_free_sample: false },
  });
  out.target = target.data.target_collaboration;
  // Change the plan, read it back, then remove it and the open collaboration.
  await sdk.affiliateSeller.updateTargetCollaboration({
    target_collaboration_id: out.target.id,
    body: { name: 'SDK plan, renamed', products: [{ id: env('PRODUCT_ID'), commission_rate: 2200 }] },
  });
  const planDetail = await sdk.affiliateSeller.queryTargetCollaborationDetail(out.target.id);
  const tc = planDetail.data.target_collaboration;
  out.target_detail = { name: tc.name, rate: tc.products[0].commission.rate, creators: tc.creators.length };
  await sdk.affiliateSeller.removeTargetCollaboration(out.target.id);
  const removed = await sdk.affiliateSeller.removeOpenCollaboration(env('PRODUCT_ID'));
  out.open_terminated = removed.data.terminated_effective_time;
  const txns = await sdk.finance.getTransactionsByOrder(env('SETTLED_ORDER_ID'));
  out.transactions = { order_id: txns.data.order_id, settlement: txns.data.settlement_amount, entries: txns.data.sku_transactions.length };

  // A refusal comes back as the SDK's typed error with TikTok's code.
  try {
    await sdk.product.getProduct({ product_id: '1' });
    out.missing = 'no error';
  } catch (err) {
    out.missing = err instanceof TikTokAPIError ? { code: err.code } : String(err);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  const detail = err instanceof TikTokAPIError ? ` (code ${err.code})` : '';
  process.stderr.write(`sdk-client: ${err.stack || err}${detail}\n`);
  process.exit(1);
});
