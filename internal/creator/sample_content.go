package creator

import (
	"context"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

const sampleConsumer = "creator.samples"

// sampleContent tracks the content a sample is for: when a creator publishes a
// shoppable video featuring a product, or goes live selling it, each of their
// samples of that product still waiting for content (approved, shipped or delivered)
// is fulfilled with a link to it. Content delivered before its due date is what the
// marketplace's reliability figure counts; creators no longer have to report it.
func (s *Service) sampleContent(ctx context.Context, e bus.Event) error {
	var creatorID id.ID
	var products []id.ID
	var ref string
	switch e.Topic {
	case events.TopicVideoPublished:
		ev, err := bus.Decode[events.VideoPublished](e)
		if err != nil {
			return err
		}
		creatorID, products, ref = ev.CreatorID, ev.ProductIDs, "/videos/"+ev.VideoID.String()
	case events.TopicLiveStarted:
		ev, err := bus.Decode[events.LiveStarted](e)
		if err != nil {
			return err
		}
		creatorID, products, ref = ev.CreatorID, ev.ProductIDs, "/live/"+ev.SessionID.String()
	default:
		return nil
	}
	if creatorID == 0 || len(products) == 0 {
		return nil // a shop's own content
	}
	now := db.Micros(s.now())
	return outbox.Consume(ctx, s.db, sampleConsumer, e, func(tx *db.Tx) error {
		for _, p := range products {
			if _, err := tx.ExecContext(ctx, `UPDATE samples SET status = $1, fulfilled_at = $2, content_ref = $3,
				delivered_at = CASE WHEN delivered_at IS NULL OR delivered_at = 0 THEN $2 ELSE delivered_at END
				WHERE creator_id = $4 AND product_id = $5 AND status IN ($6, $7, $8)`,
				SampleFulfilled, now, ref, creatorID, p, SampleApproved, SampleShipped, SampleDelivered); err != nil {
				return err
			}
		}
		return nil
	})
}
