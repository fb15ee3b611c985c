package openapi

import (
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// The LIVE endpoints of TikTok's affiliate family, backed by package content, for the
// authorizing seller as host: the room is the seller's live session on air now, else
// the next one scheduled, else the last one that ended.

// hostRoom finds the seller's current (or next, or last) live session.
func (s *Service) hostRoom(c *call) (content.Session, error) {
	for _, st := range []content.Status{content.Live, content.Scheduled, content.Ended} {
		ss, err := s.Content.List(c.ctx, content.Listing{Status: st, HostID: c.actor.AccountID, Limit: 1})
		if err != nil {
			return content.Session{}, err
		}
		if len(ss) > 0 {
			return s.Content.Session(c.ctx, ss[0].ID)
		}
	}
	return content.Session{}, fail(http.StatusNotFound, CodeNotFound, "the seller has no live session")
}

// onAir finds the seller's live session on air, which pins act on.
func (s *Service) onAir(c *call) (content.Session, error) {
	ss, err := s.Content.List(c.ctx, content.Listing{Status: content.Live, HostID: c.actor.AccountID, Limit: 1})
	if err != nil {
		return content.Session{}, err
	}
	if len(ss) == 0 {
		return content.Session{}, fail(http.StatusConflict, CodeConflict, "the seller has no live session on air; pins need a live room")
	}
	return s.Content.Session(c.ctx, ss[0].ID)
}

// GET /affiliate/202309/live_rooms
func (s *Service) liveRoom(c *call) (any, error) {
	sess, err := s.hostRoom(c)
	if err != nil {
		return nil, err
	}
	start := sess.StartedAt
	if start.IsZero() {
		start = sess.ScheduledAt
	}
	return map[string]any{"id": sess.ID.String(), "title": sess.Title, "status": strings.ToUpper(string(sess.Status)), "start_time": start.Unix()}, nil
}

// GET /affiliate/202309/live_rooms/products
func (s *Service) liveProducts(c *call) (any, error) {
	sess, err := s.hostRoom(c)
	if err != nil {
		return nil, err
	}
	ps, err := s.Catalog.ProductsByID(c.ctx, sess.ProductIDs)
	if err != nil {
		return nil, err
	}
	names := map[id.ID]string{}
	type product struct {
		ID          string         `json:"id"`
		Title       string         `json:"title"`
		ShopName    string         `json:"shop_name"`
		SaleRegions []string       `json:"sale_regions"`
		Price       map[string]any `json:"price"`
		Status      map[string]any `json:"status"`
		MainImages  []any          `json:"main_images"`
	}
	out := []product{}
	for _, p := range ps {
		if _, ok := names[p.ShopID]; !ok {
			sh, err := s.Sellers.Shop(c.ctx, p.ShopID)
			if err != nil {
				return nil, err
			}
			names[p.ShopID] = sh.Name
		}
		low, high := priceRange(p)
		inventory := "OUT_OF_STOCK"
		if p.InStock() {
			inventory = "IN_STOCK"
		}
		out = append(out, product{ID: p.ID.String(), Title: p.Title, ShopName: names[p.ShopID], SaleRegions: []string{p.Market},
			Price:      map[string]any{"original_price": map[string]any{"currency": low.Currency, "lowest_amount": low.Decimal(), "highest_amount": high.Decimal()}},
			Status:     map[string]any{"added_status": "ADDED", "inventory_status": inventory, "review_status": productStatus(p.Status)},
			MainImages: []any{}})
	}
	pinned := ""
	if sess.PinnedProductID != 0 {
		pinned = sess.PinnedProductID.String()
	}
	return map[string]any{"products": out, "pinned_product_id": pinned}, nil
}

func priceRange(p catalog.Product) (low, high money.Money) {
	for i, k := range p.SKUs {
		if i == 0 || k.Price.Amount < low.Amount {
			low = k.Price
		}
		if i == 0 || k.Price.Amount > high.Amount {
			high = k.Price
		}
	}
	return low, high
}

// POST /affiliate/202309/live_rooms/products/{product_id}/pin
func (s *Service) pinProduct(c *call) (any, error) {
	pid, err := c.pathID("product_id")
	if err != nil {
		return nil, err
	}
	sess, err := s.onAir(c)
	if err != nil {
		return nil, err
	}
	if _, err := s.Content.Pin(c.ctx, c.actor, sess.ID, pid); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// POST /affiliate/202309/live_rooms/products/{product_id}/unpin
func (s *Service) unpinProduct(c *call) (any, error) {
	pid, err := c.pathID("product_id")
	if err != nil {
		return nil, err
	}
	sess, err := s.onAir(c)
	if err != nil {
		return nil, err
	}
	if _, err := s.Content.Unpin(c.ctx, c.actor, sess.ID, pid); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
