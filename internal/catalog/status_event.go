package catalog

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// statusChanged records, in the transaction that moves p to status to, that its
// status changed, so other domains (the Partner API's product status webhooks) hear
// of every change at least once. A "change" to the status it already has records
// nothing.
func (s *Service) statusChanged(ctx context.Context, tx *db.Tx, p Product, to Status, reason string, at time.Time) error {
	if p.Status == to {
		return nil
	}
	return s.outbox.Add(ctx, tx, outbox.Aggregate("product", p.ID), events.ProductStatusChanged{
		ProductID: p.ID, ShopID: p.ShopID, Market: p.Market, From: string(p.Status), Status: string(to), Reason: reason, At: at})
}
