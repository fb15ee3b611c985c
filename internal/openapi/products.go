package openapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

// The product family, backed by package catalog. A shop keeps its stock in
// warehouses (seller.Warehouse; the first has the shop's id). Reads report a SKU's
// inventory as one entry per warehouse stocking it, the default first, whose quantity
// is what TikTok means by it: the units available to sell from that warehouse, i.e.
// on hand less the units sold and waiting for dispatch charged to it
// (catalog.Service.Availability), so the entries add up to the SKU's sellable stock.
// Updates whose entries name warehouses set the same number: the units available
// there (a warehouse then holds quantity + the waiting units charged to it, by the
// same rule the reads use), so writing back what was read changes nothing; one entry
// without a warehouse id sets the sellable stock; a create takes one entry (the
// default warehouse, named or not). Categories are the
// catalogue's category tree (catalog.Service.Categories): a category's id is its code
// ("lips"), its parent_id the parent's code or "0" at the top, as TikTok marks roots.
// category_id on create must be one of them (or absent); an edit may not move a
// product to another category yet.

// productStatus is TikTok's name for a catalogue status.
func productStatus(st catalog.Status) string {
	switch st {
	case catalog.Draft:
		return "DRAFT"
	case catalog.PendingReview:
		return "PENDING"
	case catalog.Live:
		return "ACTIVATE"
	case catalog.Rejected:
		return "FAILED"
	case catalog.Suspended:
		return "PLATFORM_DEACTIVATED"
	}
	return strings.ToUpper(string(st))
}

// catalogStatus reads a TikTok status filter. ok is false for statuses liveshop has
// no products in (SELLER_DEACTIVATED, FREEZE, DELETED), so the search finds none.
func catalogStatus(v string) (st catalog.Status, ok bool, err error) {
	switch v {
	case "", "ALL":
		return "", true, nil
	case "DRAFT":
		return catalog.Draft, true, nil
	case "PENDING":
		return catalog.PendingReview, true, nil
	case "ACTIVATE":
		return catalog.Live, true, nil
	case "FAILED":
		return catalog.Rejected, true, nil
	case "PLATFORM_DEACTIVATED":
		return catalog.Suspended, true, nil
	case "SELLER_DEACTIVATED", "FREEZE", "DELETED":
		return "", false, nil
	}
	return "", false, invalid("status", "unknown product status %q", v)
}

type priceBody struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

type inventoryBody struct {
	WarehouseID string `json:"warehouse_id"`
	Quantity    int64  `json:"quantity"`
}

type salesAttributeBody struct {
	Name      string `json:"name"`
	ValueName string `json:"value_name"`
}

type skuBody struct {
	ID              string               `json:"id"`
	SellerSKU       string               `json:"seller_sku"`
	SalesAttributes []salesAttributeBody `json:"sales_attributes"`
	Price           *priceBody           `json:"price"`
	Inventory       []inventoryBody      `json:"inventory"`
}

type productBody struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	CategoryID  string    `json:"category_id"`
	SKUs        []skuBody `json:"skus"`
}

// stockOf reads the one inventory entry of a new SKU, or of an update naming no
// warehouse: the sellable stock, which goes into (or comes out of) the shop's default
// warehouse. On create the entry may name that warehouse (defaultID), none other: a
// product's first units are always in the default.
func stockOf(field string, inv []inventoryBody, defaultID id.ID) (int64, error) {
	if len(inv) != 1 && defaultID != 0 {
		return 0, invalid(field, "send exactly one inventory entry: a new product's units go into the shop's default warehouse %s", defaultID)
	}
	if len(inv) != 1 {
		return 0, invalid(field, "send exactly one inventory entry without warehouse_id (the sellable stock, kept in the shop's default warehouse), or name each warehouse whose quantity you set")
	}
	if w := inv[0].WarehouseID; w != "" && w != defaultID.String() {
		return 0, invalid(field+"[0].warehouse_id", "a new product's units go into the shop's default warehouse %s, not %q; set other warehouses' quantities with the inventory update", defaultID, w)
	}
	if q := inv[0].Quantity; q < 0 || q > catalog.MaxStock {
		return 0, invalid(field+"[0].quantity", "quantity must be 0-%d", catalog.MaxStock)
	}
	return inv[0].Quantity, nil
}

// inventoryOf reads a SKU's inventory entries for an update. Entries naming a
// warehouse set the units available to sell from it, as reads report them (the
// catalogue works out what it must hold); one entry without a warehouse id sets the
// sellable stock, as before shops had warehouses. The shop's first warehouse has the
// shop's id.
func inventoryOf(field string, inv []inventoryBody) (*int64, []catalog.WarehouseQuantity, error) {
	named := false
	for _, e := range inv {
		named = named || e.WarehouseID != ""
	}
	if !named {
		stock, err := stockOf(field, inv, 0) // no entry names a warehouse
		return &stock, nil, err
	}
	var out []catalog.WarehouseQuantity
	seen := map[id.ID]bool{}
	for j, e := range inv {
		f := fmt.Sprintf("%s[%d]", field, j)
		wid, err := id.Parse(e.WarehouseID)
		if err != nil {
			return nil, nil, invalid(f+".warehouse_id", "unknown warehouse %q; give each entry a warehouse id of this shop (the shop's own id is its first warehouse)", e.WarehouseID)
		}
		if seen[wid] {
			return nil, nil, invalid(f+".warehouse_id", "each warehouse once")
		}
		seen[wid] = true
		if e.Quantity < 0 || e.Quantity > catalog.MaxStock {
			return nil, nil, invalid(f+".quantity", "quantity must be 0-%d", catalog.MaxStock)
		}
		out = append(out, catalog.WarehouseQuantity{WarehouseID: wid, Quantity: e.Quantity})
	}
	return nil, out, nil
}

// priceOf reads a decimal price in the shop's currency.
func priceOf(field string, p *priceBody, currency string) (money.Money, error) {
	if p == nil || p.Amount == "" {
		return money.Money{}, invalid(field+".amount", "required")
	}
	cur := p.Currency
	if cur == "" {
		cur = currency
	}
	if cur != currency {
		return money.Money{}, invalid(field+".currency", "this shop sells in %s, not %q", currency, cur)
	}
	m, err := money.Parse(p.Amount, cur)
	if err != nil {
		return money.Money{}, invalid(field+".amount", "%q is not an amount like 12.34", p.Amount)
	}
	if m.Amount <= 0 {
		return money.Money{}, invalid(field+".amount", "a price must be more than zero")
	}
	return m, nil
}

func skuName(attrs []salesAttributeBody) string {
	var parts []string
	for _, a := range attrs {
		if v := strings.TrimSpace(a.ValueName); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " / ")
}

// shopCurrency is the currency of the call's shop's market.
func (s *Service) shopCurrency(c *call) (string, error) {
	sh, err := c.Shop()
	if err != nil {
		return "", err
	}
	m, err := s.Markets.Market(c.ctx, sh.Market)
	if err != nil {
		return "", err
	}
	return m.Currency, nil
}

// GET /product/202309/categories
func (s *Service) categories(c *call) (any, error) {
	switch v := c.query.Get("category_version"); v {
	case "", "v1", "v2":
	default:
		return nil, invalid("category_version", `must be "v1" or "v2", not %q`, v)
	}
	tree, err := s.Catalog.Categories(c.ctx)
	if err != nil {
		return nil, err
	}
	keyword := strings.ToLower(strings.TrimSpace(c.query.Get("keyword")))
	out := []map[string]any{}
	for _, cat := range tree {
		if keyword != "" && !strings.Contains(strings.ToLower(cat.Name), keyword) && !strings.Contains(cat.Code, keyword) {
			continue
		}
		out = append(out, categoryView(cat, tree))
	}
	return map[string]any{"categories": out}, nil
}

func categoryView(cat catalog.Category, tree []catalog.Category) map[string]any {
	leaf := true
	for _, o := range tree {
		if o.Parent == cat.Code {
			leaf = false
			break
		}
	}
	parent := cat.Parent
	if parent == "" {
		parent = "0"
	}
	return map[string]any{"id": cat.Code, "parent_id": parent, "local_name": cat.Name, "is_leaf": leaf, "permission_statuses": []string{"AVAILABLE"}}
}

// categoryChain is a product's category and its ancestors, root first.
func (s *Service) categoryChain(c *call, code string) ([]map[string]any, error) {
	out := []map[string]any{}
	if code == "" {
		return out, nil
	}
	tree, err := s.Catalog.Categories(c.ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]catalog.Category{}
	for _, cat := range tree {
		byCode[cat.Code] = cat
	}
	cat, ok := byCode[code]
	if !ok {
		return out, nil
	}
	for _, part := range strings.Split(cat.Path, "/") {
		if p, ok := byCode[part]; ok {
			v := categoryView(p, tree)
			delete(v, "permission_statuses")
			out = append(out, v)
		}
	}
	return out, nil
}

// checkCategoryID reads category_id against the tree.
func (s *Service) checkCategoryID(c *call, code string) error {
	if code == "" {
		return nil
	}
	tree, err := s.Catalog.Categories(c.ctx)
	if err != nil {
		return err
	}
	for _, cat := range tree {
		if cat.Code == code {
			return nil
		}
	}
	return invalid("category_id", "there is no category %q (GET /product/202309/categories lists them)", code)
}

// POST /product/202309/products
func (s *Service) createProduct(c *call) (any, error) {
	var b productBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	cur, err := s.shopCurrency(c)
	if err != nil {
		return nil, err
	}
	if err := s.checkCategoryID(c, b.CategoryID); err != nil {
		return nil, err
	}
	whs, err := seller.ShopWarehouses(c.ctx, s.DB, c.shopID)
	if err != nil {
		return nil, err
	}
	var defaultID id.ID
	if len(whs) > 0 && whs[0].Default {
		defaultID = whs[0].ID
	}
	in := catalog.ProductInput{Category: b.CategoryID}
	if b.Title != nil {
		in.Title = *b.Title
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if len(b.SKUs) == 0 {
		return nil, invalid("skus", "a product has 1-100 SKUs")
	}
	for i, k := range b.SKUs {
		f := fmt.Sprintf("skus[%d]", i)
		price, err := priceOf(f+".price", k.Price, cur)
		if err != nil {
			return nil, err
		}
		stock, err := stockOf(f+".inventory", k.Inventory, defaultID)
		if err != nil {
			return nil, err
		}
		in.SKUs = append(in.SKUs, catalog.SKUInput{SellerSKU: k.SellerSKU, Name: skuName(k.SalesAttributes), Price: price, Stock: stock})
	}
	p, err := s.Catalog.CreateProduct(c.ctx, c.actor, c.shopID, in)
	if err != nil {
		return nil, err
	}
	return productWriteResult(p), nil
}

type skuRef struct {
	ID              string           `json:"id"`
	SellerSKU       string           `json:"seller_sku"`
	SalesAttributes []map[string]any `json:"sales_attributes"`
}

func productWriteResult(p catalog.Product) map[string]any {
	skus := make([]skuRef, len(p.SKUs))
	for i, k := range p.SKUs {
		skus[i] = skuRef{ID: k.ID.String(), SellerSKU: k.SellerSKU, SalesAttributes: []map[string]any{}}
	}
	return map[string]any{"product_id": p.ID.String(), "skus": skus, "warnings": []any{}}
}

// shopProduct loads a product of the call's shop; other shops' products do not exist.
func (s *Service) shopProduct(c *call) (catalog.Product, error) {
	pid, err := c.pathID("product_id")
	if err != nil {
		return catalog.Product{}, err
	}
	p, err := s.Catalog.Product(c.ctx, pid)
	if err != nil || p.ShopID != c.shopID {
		return catalog.Product{}, fail(http.StatusNotFound, CodeNotFound, "product %s does not exist in this shop", pid)
	}
	return p, nil
}

type skuView struct {
	ID              string           `json:"id"`
	SellerSKU       string           `json:"seller_sku"`
	Price           map[string]any   `json:"price"`
	Inventory       []map[string]any `json:"inventory"`
	SalesAttributes []map[string]any `json:"sales_attributes"`
}

// skuViews shows a product's SKUs with their inventory per warehouse (avail, from
// catalog.Service.Availability).
func skuViews(p catalog.Product, avail map[id.ID][]catalog.WarehouseAvailable) []skuView {
	out := make([]skuView, len(p.SKUs))
	for i, k := range p.SKUs {
		var attrs []map[string]any
		if k.Name != "" && k.Name != "Default" {
			attrs = append(attrs, map[string]any{"name": "Variant", "value_name": k.Name})
		}
		if attrs == nil {
			attrs = []map[string]any{}
		}
		out[i] = skuView{ID: k.ID.String(), SellerSKU: k.SellerSKU,
			Price:           map[string]any{"currency": k.Price.Currency, "sale_price": k.Price.Decimal(), "tax_exclusive_price": k.Price.Decimal()},
			Inventory:       inventoryView(avail[k.ID]),
			SalesAttributes: attrs}
	}
	return out
}

func inventoryView(whs []catalog.WarehouseAvailable) []map[string]any {
	out := make([]map[string]any, len(whs))
	for i, w := range whs {
		out[i] = map[string]any{"quantity": w.Available, "warehouse_id": w.WarehouseID.String()}
	}
	return out
}

// GET /product/202309/products/{product_id}
func (s *Service) getProduct(c *call) (any, error) {
	p, err := s.shopProduct(c)
	if err != nil {
		return nil, err
	}
	avail, err := s.Catalog.Availability(c.ctx, []catalog.Product{p})
	if err != nil {
		return nil, err
	}
	chain, err := s.categoryChain(c, p.Category)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": p.ID.String(), "title": p.Title, "description": p.Description, "status": productStatus(p.Status),
		"create_time": p.CreatedAt.Unix(), "update_time": p.UpdatedAt.Unix(), "skus": skuViews(p, avail),
		"category_chains": chain, "main_images": []any{}, "is_cod_allowed": false,
	}, nil
}

// PUT /product/202309/products/{product_id}: an edit names every SKU the product has
// (by id or seller SKU); liveshop cannot add or remove SKUs of a listed product yet.
func (s *Service) editProduct(c *call) (any, error) {
	p, err := s.shopProduct(c)
	if err != nil {
		return nil, err
	}
	var b productBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	edit := catalog.ProductEdit{Title: b.Title, Description: b.Description}
	// A different category_id moves the product, in the same edit as the rest.
	if b.CategoryID != "" && b.CategoryID != p.Category {
		if err := s.checkCategoryID(c, b.CategoryID); err != nil {
			return nil, err
		}
		edit.Category = &b.CategoryID
	}
	if len(b.SKUs) > 0 {
		skus, err := s.skuEdits(c, p, b.SKUs, true, true)
		if err != nil {
			return nil, err
		}
		if len(skus) != len(p.SKUs) {
			return nil, invalid("skus", "list all %d SKUs of the product: liveshop cannot remove SKUs of a listed product", len(p.SKUs))
		}
		edit.SKUs = skus
	}
	out, err := s.Catalog.EditProduct(c.ctx, c.actor, p.ID, edit)
	if err != nil {
		return nil, err
	}
	return productWriteResult(out), nil
}

// skuEdits matches a body's SKUs to the product's by id or seller SKU and reads the
// prices and stock they set.
func (s *Service) skuEdits(c *call, p catalog.Product, in []skuBody, withPrice, withStock bool) ([]catalog.SKUEdit, error) {
	cur := ""
	if len(p.SKUs) > 0 {
		cur = p.SKUs[0].Price.Currency
	}
	var out []catalog.SKUEdit
	for i, k := range in {
		f := fmt.Sprintf("skus[%d]", i)
		var sku *catalog.SKU
		for j := range p.SKUs {
			if (k.ID != "" && p.SKUs[j].ID.String() == k.ID) || (k.ID == "" && k.SellerSKU != "" && p.SKUs[j].SellerSKU == k.SellerSKU) {
				sku = &p.SKUs[j]
			}
		}
		if sku == nil {
			return nil, fail(http.StatusNotFound, CodeNotFound, "%s.id: SKU %q is not a SKU of product %s", f, k.ID+k.SellerSKU, p.ID)
		}
		e := catalog.SKUEdit{ID: sku.ID}
		if withPrice && k.Price != nil {
			price, err := priceOf(f+".price", k.Price, cur)
			if err != nil {
				return nil, err
			}
			e.Price = &price
		}
		if withStock && k.Inventory != nil {
			stock, whs, err := inventoryOf(f+".inventory", k.Inventory)
			if err != nil {
				return nil, err
			}
			e.Stock, e.Warehouses = stock, whs
		}
		out = append(out, e)
	}
	return out, nil
}

// POST /product/202309/products/{product_id}/inventory/update
func (s *Service) updateInventory(c *call) (any, error) {
	p, err := s.shopProduct(c)
	if err != nil {
		return nil, err
	}
	var b struct {
		SKUs []skuBody `json:"skus"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if len(b.SKUs) == 0 {
		return nil, invalid("skus", "required")
	}
	for i, k := range b.SKUs {
		if k.Inventory == nil {
			return nil, invalid(fmt.Sprintf("skus[%d].inventory", i), "required")
		}
	}
	edits, err := s.skuEdits(c, p, b.SKUs, false, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.Catalog.EditProduct(c.ctx, c.actor, p.ID, catalog.ProductEdit{SKUs: edits}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// POST /product/202309/products/{product_id}/prices/update
func (s *Service) updatePrices(c *call) (any, error) {
	p, err := s.shopProduct(c)
	if err != nil {
		return nil, err
	}
	var b struct {
		SKUs []skuBody `json:"skus"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if len(b.SKUs) == 0 {
		return nil, invalid("skus", "required")
	}
	for i, k := range b.SKUs {
		if k.Price == nil {
			return nil, invalid(fmt.Sprintf("skus[%d].price", i), "required")
		}
	}
	edits, err := s.skuEdits(c, p, b.SKUs, true, false)
	if err != nil {
		return nil, err
	}
	if _, err := s.Catalog.EditProduct(c.ctx, c.actor, p.ID, catalog.ProductEdit{SKUs: edits}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// POST /product/202309/products/search
func (s *Service) searchProducts(c *call) (any, error) { return s.productSearch(c, false) }

// searchProducts202502 is the 202502 version: the same search, plus the audit_status
// filter and each product's audit status.
func (s *Service) searchProducts202502(c *call) (any, error) { return s.productSearch(c, true) }

// auditStatuses maps 202502's audit_status filter onto liveshop's review states.
var auditStatuses = map[string]catalog.Status{"AUDITING": catalog.PendingReview, "FAILED": catalog.Rejected, "APPROVED": catalog.Live}

// productAudit is the 202502 audit status of a product in status st.
func productAudit(st catalog.Status) string {
	for k, v := range auditStatuses {
		if v == st {
			return k
		}
	}
	return "NONE"
}

func (s *Service) productSearch(c *call, v202502 bool) (any, error) {
	size, err := pageSize(c, 100)
	if err != nil {
		return nil, err
	}
	var b struct {
		Status              string   `json:"status"`
		SellerSKUs          []string `json:"seller_skus"`
		CreateTimeGE        int64    `json:"create_time_ge"`
		CreateTimeLE        int64    `json:"create_time_le"`
		UpdateTimeGE        int64    `json:"update_time_ge"`
		UpdateTimeLE        int64    `json:"update_time_le"`
		AuditStatus         []string `json:"audit_status"`
		SKUIDs              []string `json:"sku_ids"`
		ListingPlatforms    []string `json:"listing_platforms"`
		ListingQualityTiers []string `json:"listing_quality_tiers"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	st, any_, err := catalogStatus(b.Status)
	if err != nil {
		return nil, err
	}
	if v202502 {
		if any_, err = narrowByAudit(&st, any_, b.AuditStatus); err != nil {
			return nil, err
		}
		// liveshop lists every product on its one platform, TikTok Shop's equivalent.
		if len(b.ListingPlatforms) > 0 && !slices.Contains(b.ListingPlatforms, "TIKTOK_SHOP") {
			any_ = false
		}
		// Filters liveshop cannot apply are refused rather than ignored, so a caller
		// never takes a wider answer for the one it asked.
		if len(b.SKUIDs) > 0 {
			return nil, invalid("sku_ids", "liveshop does not filter products by SKU id; use seller_skus")
		}
		if len(b.ListingQualityTiers) > 0 {
			return nil, invalid("listing_quality_tiers", "liveshop does not grade listing quality")
		}
	}
	after, err := decodeProductToken(c.query.Get("page_token"))
	if err != nil {
		return nil, err
	}
	type audit struct {
		Status string `json:"status"`
	}
	type row struct {
		ID           string    `json:"id"`
		Title        string    `json:"title"`
		Status       string    `json:"status"`
		SKUs         []skuView `json:"skus"`
		SalesRegions []string  `json:"sales_regions"`
		CreateTime   int64     `json:"create_time"`
		UpdateTime   int64     `json:"update_time"`
		Audit        *audit    `json:"audit,omitempty"`
	}
	out := map[string]any{"products": []row{}, "total_count": 0, "next_page_token": ""}
	if !any_ {
		return out, nil
	}
	page, err := s.Catalog.SearchProducts(c.ctx, c.actor, catalog.ProductSearch{ShopID: c.shopID, Status: st, SellerSKUs: b.SellerSKUs,
		CreatedFrom: unixOrZero(b.CreateTimeGE), CreatedUntil: endOfSecond(b.CreateTimeLE),
		UpdatedFrom: unixOrZero(b.UpdateTimeGE), UpdatedUntil: endOfSecond(b.UpdateTimeLE), AfterID: after, Limit: size})
	if err != nil {
		return nil, err
	}
	avail, err := s.Catalog.Availability(c.ctx, page.Products)
	if err != nil {
		return nil, err
	}
	rows := make([]row, len(page.Products))
	for i, p := range page.Products {
		rows[i] = row{ID: p.ID.String(), Title: p.Title, Status: productStatus(p.Status), SKUs: skuViews(p, avail), SalesRegions: []string{p.Market},
			CreateTime: p.CreatedAt.Unix(), UpdateTime: p.UpdatedAt.Unix()}
		if v202502 {
			rows[i].Audit = &audit{Status: productAudit(p.Status)}
		}
	}
	out["products"], out["total_count"] = rows, page.Total
	if page.NextAfter != 0 {
		out["next_page_token"] = encodeToken(int64(page.NextAfter), page.NextAfter)
	}
	return out, nil
}

// narrowByAudit intersects the status filter st with the audit_status filter. The
// product search filters on one status, so several audit statuses without a status
// that picks one of them are refused.
func narrowByAudit(st *catalog.Status, any_ bool, audits []string) (bool, error) {
	if len(audits) == 0 || !any_ {
		return any_, nil
	}
	var allowed []catalog.Status
	for i, a := range audits {
		v, ok := auditStatuses[a]
		if !ok {
			return false, invalid(fmt.Sprintf("audit_status[%d]", i), "unknown audit status %q (AUDITING, FAILED or APPROVED)", a)
		}
		allowed = append(allowed, v)
	}
	if *st != "" {
		return slices.Contains(allowed, *st), nil
	}
	slices.Sort(allowed)
	if allowed = slices.Compact(allowed); len(allowed) > 1 {
		return false, invalid("audit_status", "liveshop filters on one audit status at a time")
	}
	*st = allowed[0]
	return true, nil
}

func decodeProductToken(tok string) (id.ID, error) {
	if tok == "" {
		return 0, nil
	}
	_, v, err := decodeToken(tok)
	return v, err
}

// unixOrZero turns a Unix-seconds filter into a time; 0 means no bound.
func unixOrZero(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// endOfSecond turns an inclusive Unix-seconds bound into the last microsecond of that
// second, since liveshop keeps times to the microsecond; 0 means no bound.
func endOfSecond(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC().Add(time.Second - time.Microsecond)
}
