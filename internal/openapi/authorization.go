package openapi

import (
	"fmt"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// The authorization family: which shops the token may act on, each with its cipher;
// giving a shop up; and the seller's active shops.

type authorizedShop struct {
	Cipher     string `json:"cipher"`
	Code       string `json:"code"`
	ID         string `json:"id"`
	Name       string `json:"name"`
	Region     string `json:"region"`
	SellerType string `json:"seller_type"`
}

// sellerType is TikTok's name for where a shop is based.
func sellerType(sh seller.Shop) string {
	if sh.Kind == seller.CrossBorder {
		return "CROSS_BORDER"
	}
	return "LOCAL"
}

// shopCode is the shop's code as Seller Center shows it: derived from its id, stable.
func shopCode(shopID id.ID) string { return fmt.Sprintf("LS%012X", uint64(shopID)&0xFFFFFFFFFFFF) }

// GET /authorization/202309/shops
func (s *Service) authorizedShops(c *call) (any, error) {
	gss, err := grantShops(c.ctx, s.DB, c.grant.ID, true)
	if err != nil {
		return nil, err
	}
	out := []authorizedShop{}
	for _, gs := range gss {
		sh, err := s.Sellers.Shop(c.ctx, gs.ShopID)
		if err != nil {
			return nil, err
		}
		out = append(out, authorizedShop{Cipher: gs.Cipher, Code: shopCode(sh.ID), ID: sh.ID.String(), Name: sh.Name,
			Region: sh.Market, SellerType: sellerType(sh)})
	}
	return map[string]any{"shops": out}, nil
}

// DELETE /authorization/202403/shops?shop_cipher=: the app gives up one shop. When it
// was the authorization's last shop, the tokens stop working too.
func (s *Service) deauthorizeShop(c *call) (any, error) {
	if c.query.Get("shop_cipher") == "" {
		return nil, invalid("shop_cipher", "required")
	}
	now := s.now().UTC()
	err := s.DB.RunInTx(c.ctx, func(tx *db.Tx) error {
		if err := s.revokeShop(c.ctx, tx, c.app, c.grant, c.shopID, "the app deauthorized the shop", now); err != nil {
			return err
		}
		left, err := grantShops(c.ctx, tx, c.grant.ID, true)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			return s.revokeGrant(c.ctx, tx, c.grant.ID, now)
		}
		return nil
	})
	s.cache.forget()
	if err != nil {
		return nil, err
	}
	s.Log.Info("partner app gave up a shop", "app", c.app.ID, "shop", c.shopID)
	return struct{}{}, nil
}

// GET /seller/202309/shops: the seller's active shops among those the app may use.
func (s *Service) activeShops(c *call) (any, error) {
	gss, err := grantShops(c.ctx, s.DB, c.grant.ID, true)
	if err != nil {
		return nil, err
	}
	type shop struct {
		ID     string `json:"id"`
		Region string `json:"region"`
	}
	out := []shop{}
	for _, gs := range gss {
		sh, err := s.Sellers.Shop(c.ctx, gs.ShopID)
		if err != nil {
			return nil, err
		}
		if sh.CanSell() {
			out = append(out, shop{ID: sh.ID.String(), Region: sh.Market})
		}
	}
	return map[string]any{"shops": out}, nil
}
