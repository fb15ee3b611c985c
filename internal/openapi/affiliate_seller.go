package openapi

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The affiliate-for-sellers family, backed by package creator: the shop's open
// collaborations (one per product: liveshop's open plan, its id the product's id)
// and target collaborations (target plans), as the seller's affiliate pages list
// them. Commission rates are basis points, as TikTok's rate is (3000 = 30%).

// affiliateProduct is TikTok's product block of an open collaboration.
func affiliateProduct(p catalog.Product) map[string]any {
	status := "LIVE"
	var stock int64
	lo, hi := int64(-1), int64(0)
	cur := ""
	for _, k := range p.SKUs {
		stock += k.Stock
		cur = k.Price.Currency
		if lo < 0 || k.Price.Amount < lo {
			lo = k.Price.Amount
		}
		hi = max(hi, k.Price.Amount)
	}
	lo = max(lo, 0)
	switch productStatus(p.Status) {
	case "ACTIVATE":
		if stock == 0 {
			status = "OUT_OF_STOCK"
		}
	case "PLATFORM_DEACTIVATED":
		status = "PLATFORM_DEACTIVATE"
	default:
		status = "SELLER_DEACTIVATE"
	}
	return map[string]any{"id": p.ID.String(), "title": p.Title, "status": status, "inventory": stock,
		"original_price": map[string]any{"currency": cur, "minimum_amount": dec(lo, cur), "maximum_amount": dec(hi, cur)}}
}

// keywordMatch applies TikTok's keyword search (by product name or id) to products.
func keywordMatch(kind, keyword string, p catalog.Product) (bool, error) {
	if keyword == "" {
		return true, nil
	}
	switch kind {
	case "", "PRODUCT_NAME":
		return strings.Contains(strings.ToLower(p.Title), strings.ToLower(keyword)), nil
	case "PRODUCT_ID":
		return p.ID.String() == keyword, nil
	}
	return false, invalid("keyword_type", `must be "PRODUCT_NAME" or "PRODUCT_ID"`)
}

// POST /affiliate_seller/202412/open_collaborations/search
func (s *Service) searchOpenCollaborations(c *call) (any, error) {
	size, err := pageSize(c, 100)
	if err != nil {
		return nil, err
	}
	off, err := offsetToken(c)
	if err != nil {
		return nil, err
	}
	desc, err := sortOrderDefault(c, true)
	if err != nil {
		return nil, err
	}
	field := c.query.Get("sort_field")
	if field != "" && field != "product_original_price" {
		return nil, invalid("sort_field", `only "product_original_price" is supported (the default is creation time)`)
	}
	var b struct {
		Keyword     string `json:"keyword"`
		KeywordType string `json:"keyword_type"`
		Category    string `json:"top_level_category_id"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if _, err := keywordMatch(b.KeywordType, "", catalog.Product{}); err != nil {
		return nil, err
	}
	if b.Category != "" {
		if err := s.checkCategoryID(c, b.Category); err != nil {
			return nil, invalid("top_level_category_id", "there is no category %q", b.Category)
		}
	}
	offers, err := s.Creators.ShopOffers(c.ctx, c.actor, c.shopID)
	if err != nil {
		return nil, err
	}
	var ids []id.ID
	for _, o := range offers {
		if o.Active && (b.Category == "" || o.Category == b.Category) {
			ids = append(ids, o.ProductID)
		}
	}
	products := map[id.ID]catalog.Product{}
	if len(ids) > 0 {
		ps, err := s.Catalog.ProductsByID(c.ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			products[p.ID] = p
		}
	}
	type row struct {
		offer creator.Offer
		p     catalog.Product
	}
	var rows []row
	for _, o := range offers {
		p, ok := products[o.ProductID]
		if !ok || p.ShopID != c.shopID {
			continue
		}
		match, err := keywordMatch(b.KeywordType, b.Keyword, p)
		if err != nil {
			return nil, err
		}
		if match {
			rows = append(rows, row{o, p})
		}
	}
	// ShopOffers lists the latest first; sort by price or, by default, that order.
	if field == "product_original_price" {
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i].p.FromPrice().Amount, rows[j].p.FromPrice().Amount
			if desc {
				return a > b
			}
			return a < b
		})
	} else if !desc {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	page, next := pageOf(rows, off, size)
	pids := make([]id.ID, len(page))
	for i, r := range page {
		pids[i] = r.p.ID
	}
	counts, err := s.Creators.ShowcaseCounts(c.ctx, pids)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(page))
	for _, r := range page {
		out = append(out, map[string]any{"id": r.p.ID.String(), "status": "NORMAL", "product": affiliateProduct(r.p),
			"current_commission":     map[string]any{"rate": int64(r.offer.CommissionBP), "start_time": r.offer.UpdatedAt.Unix()},
			"showcase_creator_count": counts[r.p.ID]})
	}
	return map[string]any{"open_collaborations": out, "total_count": len(rows), "next_page_token": next}, nil
}

// POST /affiliate_seller/202508/target_collaborations/search
func (s *Service) searchTargetCollaborations(c *call) (any, error) {
	size, err := optionalPageSize(c, 20, 100)
	if err != nil {
		return nil, err
	}
	off, err := offsetToken(c)
	if err != nil {
		return nil, err
	}
	var b struct {
		Status      string `json:"collaboration_status"`
		Accept      string `json:"creator_accept_status"`
		FreeSample  string `json:"free_sample_setting"`
		CreatorID   string `json:"creator_user_open_id"`
		SearchParam struct {
			Keyword     string `json:"keyword"`
			KeywordType string `json:"keyword_type"`
		} `json:"search_param"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	now := s.now()
	week := 7 * 24 * time.Hour
	keep := map[string]func(creator.TargetPlan) bool{
		"":          func(creator.TargetPlan) bool { return true },
		"ONGOING":   func(p creator.TargetPlan) bool { return p.ExpiresAt.Sub(now) > week },
		"EXPIRING":  func(p creator.TargetPlan) bool { return !p.Expired(now) && p.ExpiresAt.Sub(now) <= week },
		"VALID":     func(p creator.TargetPlan) bool { return !p.Expired(now) },
		"CANCELING": func(creator.TargetPlan) bool { return false }, // liveshop plans are not cancelled
		"COMPLETED": func(p creator.TargetPlan) bool { return p.Expired(now) },
	}[b.Status]
	if keep == nil {
		return nil, invalid("collaboration_status", "must be ONGOING, EXPIRING, VALID, CANCELING or COMPLETED")
	}
	if b.Accept != "" && b.Accept != "ALL" && b.Accept != "ACCEPT" {
		return nil, invalid("creator_accept_status", `must be "ACCEPT" or "ALL"`)
	}
	if b.FreeSample != "" && b.FreeSample != "ALL" && b.FreeSample != "WITH_FREE_SAMPLE" {
		return nil, invalid("free_sample_setting", `must be "WITH_FREE_SAMPLE" or "ALL"`)
	}
	var creatorID id.ID
	if b.CreatorID != "" {
		if creatorID, err = id.Parse(b.CreatorID); err != nil {
			return nil, invalid("creator_user_open_id", "%q is not a creator id", b.CreatorID)
		}
	}
	if _, err := keywordMatch(b.SearchParam.KeywordType, "", catalog.Product{}); err != nil {
		return nil, invalid("search_param.keyword_type", `must be "PRODUCT_NAME" or "PRODUCT_ID"`)
	}
	plans, err := s.Creators.ShopPlans(c.ctx, c.actor, c.shopID)
	if err != nil {
		return nil, err
	}
	var products map[id.ID]catalog.Product
	if b.SearchParam.Keyword != "" {
		var ids []id.ID
		for _, p := range plans {
			ids = append(ids, p.Products...)
		}
		products = map[id.ID]catalog.Product{}
		if len(ids) > 0 {
			ps, err := s.Catalog.ProductsByID(c.ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				products[p.ID] = p
			}
		}
	}
	var kept []creator.TargetPlan
	for _, p := range plans {
		accepted, invited := 0, false
		for _, pc := range p.Creators {
			if pc.Status == creator.InvitationAccepted {
				accepted++
			}
			invited = invited || pc.CreatorID == creatorID
		}
		if !keep(p) || (b.Accept == "ACCEPT" && accepted == 0) || b.FreeSample == "WITH_FREE_SAMPLE" || (creatorID != 0 && !invited) {
			continue // target plans offer no free samples
		}
		if b.SearchParam.Keyword != "" {
			match := false
			for _, pid := range p.Products {
				if m, _ := keywordMatch(b.SearchParam.KeywordType, b.SearchParam.Keyword, products[pid]); m && products[pid].ID != 0 {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		kept = append(kept, p)
	}
	page, next := pageOf(kept, off, size)
	out := make([]map[string]any, 0, len(page))
	for _, p := range page {
		accepted := 0
		for _, pc := range p.Creators {
			if pc.Status == creator.InvitationAccepted {
				accepted++
			}
		}
		out = append(out, map[string]any{"id": p.ID.String(), "name": p.Name, "message": p.Message, "type": "STANDARD",
			"start_time": p.CreatedAt.Unix(), "end_time": p.ExpiresAt.Unix(), "update_time": p.CreatedAt.Unix(),
			"product_count": len(p.Products), "creator_inivited_count": len(p.Creators), "showcase_creator_count": accepted,
			"free_sample_rule": map[string]any{"has_free_sample": false, "is_sample_approval_exempt": false}})
	}
	return map[string]any{"target_collaborations": out, "total_count": len(kept), "next_page_token": next}, nil
}

// POST /affiliate_seller/202412/open_collaborations: opens (or changes the rate of)
// the open collaboration on one of the shop's products, through creator.SetOffer as
// the seller's affiliate page does; its other terms (approval, samples) stay. The
// rate is basis points and must lie in the market's commission range.
func (s *Service) createOpenCollaboration(c *call) (any, error) {
	var b struct {
		ProductID      string `json:"product_id"`
		CommissionRate *int64 `json:"commission_rate"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(b.ProductID) == "" {
		return nil, invalid("product_id", "required: the product to open to creators")
	}
	if b.CommissionRate == nil {
		return nil, invalid("commission_rate", "required: basis points (1000 = 10%%)")
	}
	p, err := s.bodyProduct(c, "product_id", b.ProductID)
	if err != nil {
		return nil, err
	}
	o, err := s.Creators.SetOffer(c.ctx, c.actor, p.ID, money.BP(*b.CommissionRate), true)
	if err != nil {
		return nil, renameField(err, func(f string) string {
			if f == "commission_bp" {
				return "commission_rate"
			}
			return ""
		})
	}
	return map[string]any{"open_collaboration": map[string]any{"id": p.ID.String(), "product_id": p.ID.String(), "effective_time": o.UpdatedAt.Unix()}}, nil
}

// bodyProduct loads a product of the call's shop named by a body field; another
// shop's, or an id that is not one, is not found.
func (s *Service) bodyProduct(c *call, field, raw string) (catalog.Product, error) {
	notFound := fail(http.StatusNotFound, CodeNotFound, "%s: product %s does not exist in this shop", field, raw)
	pid, err := id.Parse(strings.TrimSpace(raw))
	if err != nil {
		return catalog.Product{}, notFound
	}
	p, err := s.Catalog.Product(c.ctx, pid)
	if err != nil {
		if toAPIError(err).Code == CodeNotFound {
			return catalog.Product{}, notFound
		}
		return catalog.Product{}, err
	}
	if p.ShopID != c.shopID {
		return catalog.Product{}, notFound
	}
	return p, nil
}

// POST /affiliate_seller/202508/target_collaborations: invites creators to sell some
// of the shop's products on a commission, through creator.CreateTargetPlan as the
// seller's affiliate page does. A liveshop target plan has one rate for all its
// products, no free samples and no separate ads rate: products with different
// target_commission_rate values, has_free_sample or shop_ads_commission_rate are
// refused. creator_user_open_ids are creator ids (the ids the target collaboration
// search filters on); end_time is Unix seconds within the next year.
func (s *Service) createTargetCollaboration(c *call) (any, error) {
	return s.targetCollaboration(c, "creator_user_open_ids")
}

// createTargetCollaboration202405 is the 202405 version, which names the creators
// creator_user_ids; otherwise the same.
func (s *Service) createTargetCollaboration202405(c *call) (any, error) {
	return s.targetCollaboration(c, "creator_user_ids")
}

// targetCollaboration creates a target collaboration; creatorsField is the body
// field naming the creators in the endpoint's version.
func (s *Service) targetCollaboration(c *call, creatorsField string) (any, error) {
	var b struct {
		Name        string   `json:"name"`
		Message     string   `json:"message"`
		EndTime     string   `json:"end_time"`
		Creators    []string `json:"creator_user_open_ids"`
		Creators405 []string `json:"creator_user_ids"`
		Products    []struct {
			ID          string `json:"id"`
			TargetRate  *int64 `json:"target_commission_rate"`
			ShopAdsRate *int64 `json:"shop_ads_commission_rate"`
		} `json:"products"`
		FreeSampleRule struct {
			HasFreeSample bool `json:"has_free_sample"`
		} `json:"free_sample_rule"`
	}
	if err := decodeBody(c.body, &b); err != nil {
		return nil, err
	}
	if len(b.Products) == 0 {
		return nil, invalid("products", "required: at least one product")
	}
	in := creator.TargetPlanInput{ShopID: c.shopID, Name: b.Name, Message: b.Message}
	for i, p := range b.Products {
		if p.TargetRate == nil {
			return nil, invalid(fmt.Sprintf("products[%d].target_commission_rate", i), "required: basis points (1000 = 10%%)")
		}
		if *p.TargetRate != *b.Products[0].TargetRate {
			return nil, invalid(fmt.Sprintf("products[%d].target_commission_rate", i), "liveshop gives one rate to every product of a target collaboration")
		}
		if p.ShopAdsRate != nil {
			return nil, invalid(fmt.Sprintf("products[%d].shop_ads_commission_rate", i), "target collaborations have no separate ads rate in liveshop")
		}
		pid, err := id.Parse(strings.TrimSpace(p.ID))
		if err != nil {
			return nil, fail(http.StatusNotFound, CodeNotFound, "products[%d].id: product %s does not exist in this shop", i, p.ID)
		}
		in.ProductIDs = append(in.ProductIDs, pid)
	}
	in.CommissionBP = money.BP(*b.Products[0].TargetRate)
	if b.FreeSampleRule.HasFreeSample {
		return nil, invalid("free_sample_rule.has_free_sample", "target collaborations offer no free samples in liveshop")
	}
	creators := b.Creators
	if creatorsField == "creator_user_ids" {
		creators = b.Creators405
	}
	for i, raw := range creators {
		cid, err := id.Parse(strings.TrimSpace(raw))
		if err != nil {
			return nil, fail(http.StatusNotFound, CodeNotFound, "%s[%d]: creator %s does not exist", creatorsField, i, raw)
		}
		in.CreatorIDs = append(in.CreatorIDs, cid)
	}
	end, err := strconv.ParseInt(strings.TrimSpace(b.EndTime), 10, 64)
	if err != nil {
		return nil, invalid("end_time", "required: Unix seconds, as a string")
	}
	in.ExpiresAt = time.Unix(end, 0)
	plan, err := s.Creators.CreateTargetPlan(c.ctx, c.actor, in)
	if err != nil {
		return nil, renameField(err, func(f string) string { return targetPlanField(f, creatorsField) })
	}
	return map[string]any{"target_collaboration": map[string]any{"id": plan.ID.String()}, "target_collaboration_conflicts": []any{}}, nil
}

// targetPlanField names TikTok's field for a creator.TargetPlanInput field.
func targetPlanField(f, creatorsField string) string {
	var i int
	switch {
	case f == "commission_bp":
		return "products[0].target_commission_rate"
	case f == "expires_at":
		return "end_time"
	case f == "product_ids":
		return "products"
	case f == "creator_ids":
		return creatorsField
	case f == "shop_id":
		return "shop_cipher"
	}
	if _, err := fmt.Sscanf(f, "product_ids[%d]", &i); err == nil {
		return fmt.Sprintf("products[%d].id", i)
	}
	if _, err := fmt.Sscanf(f, "creator_ids[%d]", &i); err == nil {
		return fmt.Sprintf("%s[%d]", creatorsField, i)
	}
	return ""
}
