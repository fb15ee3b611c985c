package identity

import (
	"context"
	"fmt"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// The follow graph lives here, but identity does not know creators or shops: the
// creator and seller domains check that a target exists before calling Follow, and
// read follower counts back through Followers.

func (k FollowKind) valid() bool { return k == FollowCreator || k == FollowShop }

// Follow makes actor follow a creator or shop. Following twice is a no-op.
func (s *Service) Follow(ctx context.Context, actor auth.Actor, kind FollowKind, target id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	return s.FollowMany(ctx, []id.ID{actor.AccountID}, kind, target)
}

// FollowMany records follows by many accounts at once (imports and the demo's audiences),
// in one transaction.
func (s *Service) FollowMany(ctx context.Context, followers []id.ID, kind FollowKind, target id.ID) error {
	if !kind.valid() {
		return ErrCannotFollowKind
	}
	now := db.Micros(s.now())
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		added := int64(0)
		for _, f := range followers {
			res, err := tx.ExecContext(ctx, `INSERT INTO follows (follower_id, target_kind, target_id, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, f, string(kind), target, now)
			if db.IsForeignKeyViolation(err) {
				return ErrAccountNotFound
			}
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += n
		}
		return bumpFollowers(ctx, tx, kind, target, added)
	})
}

// Unfollow removes actor's follow. Unfollowing what one does not follow is a no-op.
func (s *Service) Unfollow(ctx context.Context, actor auth.Actor, kind FollowKind, target id.ID) error {
	if err := actor.RequireLogin(); err != nil {
		return err
	}
	if !kind.valid() {
		return ErrCannotFollowKind
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM follows WHERE follower_id = $1 AND target_kind = $2 AND target_id = $3`,
			actor.AccountID, string(kind), target)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return bumpFollowers(ctx, tx, kind, target, -n)
	})
}

// bumpFollowers keeps the count in step with the follows table in the same
// transaction, so reading a follower count never scans the graph.
func bumpFollowers(ctx context.Context, tx *db.Tx, kind FollowKind, target id.ID, delta int64) error {
	if delta == 0 {
		return nil
	}
	if delta < 0 {
		// A decrement only follows a deleted follow, so the row exists; an upsert would
		// try to insert a negative count first and trip the CHECK.
		_, err := tx.ExecContext(ctx, `UPDATE follower_counts SET followers = followers + $1 WHERE target_kind = $2 AND target_id = $3`,
			delta, string(kind), target)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO follower_counts (target_kind, target_id, followers) VALUES ($1, $2, $3)
		ON CONFLICT (target_kind, target_id) DO UPDATE SET followers = follower_counts.followers + $3`, string(kind), target, delta)
	if err != nil {
		return fmt.Errorf("identity: count followers: %w", err)
	}
	return nil
}

// Followers returns how many accounts follow a creator or shop.
func (s *Service) Followers(ctx context.Context, kind FollowKind, target id.ID) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(followers), 0) FROM follower_counts WHERE target_kind = $1 AND target_id = $2`,
		string(kind), target).Scan(&n)
	return n, err
}

// IsFollowing reports whether actor follows the target.
func (s *Service) IsFollowing(ctx context.Context, actor auth.Actor, kind FollowKind, target id.ID) (bool, error) {
	if actor.Anonymous() {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND target_kind = $2 AND target_id = $3`,
		actor.AccountID, string(kind), target).Scan(&n)
	return n > 0, err
}
