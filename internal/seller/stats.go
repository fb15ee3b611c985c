package seller

import (
	"context"
	"errors"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

const statsConsumer = "seller.stats"

// Subscribe keeps each shop's graduation figures from order and review events, and
// runs graduation for the shop after each one: the "on events" half of the job.
// It also keeps the Shop Performance Score's daily counts (performance.go).
func (s *Service) Subscribe(b bus.Bus) error {
	if err := b.Subscribe(statsConsumer, []string{events.TopicOrderDelivered, events.TopicReviewCreated, events.TopicReviewModerated}, s.handleStats); err != nil {
		return err
	}
	return s.subscribePerformance(b)
}

func (s *Service) handleStats(ctx context.Context, e bus.Event) error {
	var shopID id.ID
	var apply func(tx *db.Tx) error
	now := s.now().UTC()
	switch e.Topic {
	case events.TopicOrderDelivered:
		ev, err := bus.Decode[events.OrderDelivered](e)
		if err != nil {
			return err
		}
		shopID = ev.ShopID
		apply = func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO shop_buyers (shop_id, buyer_id, first_at) VALUES ($1, $2, $3)
				ON CONFLICT (shop_id, buyer_id) DO NOTHING`, ev.ShopID, ev.BuyerID, db.Micros(ev.At))
			if err != nil {
				return err
			}
			newBuyer, _ := res.RowsAffected()
			return bumpStats(ctx, tx, ev.ShopID, 1, newBuyer, 0, 0, now)
		}
	case events.TopicReviewCreated:
		ev, err := bus.Decode[events.ReviewCreated](e)
		if err != nil || !ev.First {
			return err // only a line's first review counts
		}
		shopID = ev.ShopID
		apply = func(tx *db.Tx) error { return bumpStats(ctx, tx, ev.ShopID, 0, 0, int64(ev.Rating), 1, now) }
	case events.TopicReviewModerated:
		ev, err := bus.Decode[events.ReviewModerated](e)
		if err != nil || !ev.First {
			return err
		}
		sign := int64(1)
		if ev.Hidden {
			sign = -1
		}
		shopID = ev.ShopID
		apply = func(tx *db.Tx) error {
			return bumpStats(ctx, tx, ev.ShopID, 0, 0, sign*int64(ev.Rating), sign, now)
		}
	default:
		return nil
	}
	if err := outbox.Consume(ctx, s.db, statsConsumer, e, apply); err != nil {
		return err
	}
	_, err := s.Graduate(ctx, shopID, now)
	if err != nil && !errors.Is(err, ErrShopNotFound) {
		return err
	}
	return nil
}

func bumpStats(ctx context.Context, tx *db.Tx, shopID id.ID, delivered, buyers, ratingSum, ratingCount int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO shop_stats (shop_id, delivered_orders, unique_buyers, rating_sum, rating_count, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (shop_id) DO UPDATE SET delivered_orders = shop_stats.delivered_orders + $2, unique_buyers = shop_stats.unique_buyers + $3,
			rating_sum = shop_stats.rating_sum + $4, rating_count = shop_stats.rating_count + $5, updated_at = $6`,
		shopID, delivered, buyers, ratingSum, ratingCount, db.Micros(now))
	return err
}
