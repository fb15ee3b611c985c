package order

import (
	"context"
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// ShippingLine is one paid order's shipping: what the label cost and who paid it.
type ShippingLine struct {
	OrderID      id.ID       `json:"order_id"`
	CreatedAt    time.Time   `json:"created_at"`
	Status       Status      `json:"status"`
	Program      string      `json:"program,omitempty"`
	Fee          money.Money `json:"fee"`
	BuyerPaid    money.Money `json:"buyer_paid"`
	PlatformPaid money.Money `json:"platform_paid"`
	SellerPaid   money.Money `json:"seller_paid"`
}

// ShippingReport shows a seller what shipping cost them, order by order, and what a
// shipping programme changed: the buyer's saving is the platform's and the seller's
// shares together.
type ShippingReport struct {
	Days         int            `json:"days"`
	Orders       []ShippingLine `json:"orders"`
	InProgramme  int            `json:"in_programme"`
	Fee          money.Money    `json:"fee"`
	BuyerPaid    money.Money    `json:"buyer_paid"`
	PlatformPaid money.Money    `json:"platform_paid"`
	SellerPaid   money.Money    `json:"seller_paid"`
}

// ShippingReport lists a shop's paid orders of the last days with who paid their
// shipping, newest first, for the seller who manages the shop.
func (s *Service) ShippingReport(ctx context.Context, actor auth.Actor, shopID id.ID, days int) (ShippingReport, error) {
	shop, err := s.sellers.Manage(ctx, actor, shopID)
	if err != nil {
		return ShippingReport{}, err
	}
	if days < 1 || days > 365 {
		days = 30
	}
	m, err := s.markets.Market(ctx, shop.Market)
	if err != nil {
		return ShippingReport{}, err
	}
	cur := func(v int64) money.Money { return money.New(v, m.Currency) }
	rep := ShippingReport{Days: days, Fee: cur(0), BuyerPaid: cur(0), PlatformPaid: cur(0), SellerPaid: cur(0)}
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_at, status, shipping_program, shipping_fee, buyer_shipping, shipping_platform_discount,
		shipping_seller_discount FROM orders WHERE shop_id = $1 AND paid_at > 0 AND status <> 'CANCELLED' AND created_at >= $2
		ORDER BY id DESC LIMIT 500`, shopID, db.Micros(s.now().AddDate(0, 0, -days)))
	if err != nil {
		return ShippingReport{}, fmt.Errorf("order: shipping report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l ShippingLine
		var created, fee, buyer, platform, seller int64
		if err := rows.Scan(&l.OrderID, &created, &l.Status, &l.Program, &fee, &buyer, &platform, &seller); err != nil {
			return ShippingReport{}, err
		}
		l.CreatedAt, l.Fee, l.BuyerPaid, l.PlatformPaid, l.SellerPaid = db.Time(created), cur(fee), cur(buyer), cur(platform), cur(seller)
		rep.Orders = append(rep.Orders, l)
		if l.Program != "" {
			rep.InProgramme++
		}
		rep.Fee.Amount += fee
		rep.BuyerPaid.Amount += buyer
		rep.PlatformPaid.Amount += platform
		rep.SellerPaid.Amount += seller
	}
	return rep, rows.Err()
}
