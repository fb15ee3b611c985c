package content

import (
	"context"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Unpin takes the pinned product off screen. The host only, while live; productID must
// be the product pinned now, so a stale request cannot unpin a newer pin.
//
// The session row changes at once (a room opened from now on shows nothing pinned).
// Rooms already open keep showing the last pin until the room hub learns of unpins,
// which needs a live.product_unpinned event the live package does not consume yet.
func (s *Service) Unpin(ctx context.Context, actor auth.Actor, sessionID, productID id.ID) (Session, error) {
	sess, err := s.hosted(ctx, actor, sessionID, false)
	if err != nil {
		return Session{}, err
	}
	if sess.Status != Live {
		return Session{}, ErrSessionState.With("the live is %s; only a live session has a pinned product", sess.Status)
	}
	if !sess.HasProduct(productID) {
		return Session{}, ErrProductNotInLive
	}
	if sess.PinnedProductID != productID {
		return Session{}, ErrSessionState.With("product %s is not the pinned product", productID)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE live_sessions SET pinned_product_id = NULL WHERE id = $1 AND pinned_product_id = $2`, sess.ID, productID)
	if err != nil {
		return Session{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Session{}, ErrSessionState.With("the pinned product changed; reload")
	}
	sess.PinnedProductID = 0
	return sess, nil
}
