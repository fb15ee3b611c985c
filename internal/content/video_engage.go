package content

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Engagement is counted where it happens: views, watch time, shares and product
// clicks are single-row increments (anyone may send them, logged in or not); likes
// and comments are rows of their own, so a like is once per account and a comment
// can be moderated, and their counters move in the same transaction as the row.

// published loads a video that takes engagement.
func (s *Service) published(ctx context.Context, videoID id.ID) (Video, error) {
	v, err := s.Video(ctx, videoID)
	if err != nil {
		return Video{}, err
	}
	if v.State != VideoPublished {
		return Video{}, ErrVideoNotFound
	}
	return v, nil
}

// RecordView counts one play of a published video.
func (s *Service) RecordView(ctx context.Context, videoID id.ID) error {
	return s.bump(ctx, videoID, "views = views + 1")
}

// RecordWatch adds watched time, which a player reports when the viewer moves on.
// One report counts at most the video's length (or ten minutes when the length is
// unknown), so a broken or hostile client cannot inflate it.
func (s *Service) RecordWatch(ctx context.Context, videoID id.ID, watched time.Duration) error {
	if watched <= 0 {
		return errs.Invalidf("watched_ms", "watched time is a positive number of milliseconds")
	}
	v, err := s.published(ctx, videoID)
	if err != nil {
		return err
	}
	limit := maxWatchPerBeacon
	if v.DurationMS > 0 {
		limit = time.Duration(v.DurationMS) * time.Millisecond
	}
	ms := min(watched, limit).Milliseconds()
	_, err = s.db.ExecContext(ctx, `UPDATE videos SET watch_ms = watch_ms + $1 WHERE id = $2`, ms, videoID)
	return err
}

// RecordShare counts a share and returns the link to pass on.
func (s *Service) RecordShare(ctx context.Context, videoID id.ID) (string, error) {
	if err := s.bump(ctx, videoID, "shares = shares + 1"); err != nil {
		return "", err
	}
	return "/videos/" + videoID.String(), nil
}

func (s *Service) bump(ctx context.Context, videoID id.ID, set string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE videos SET `+set+` WHERE id = $1 AND state = 'published'`, videoID)
	if err != nil {
		return fmt.Errorf("content: count video engagement: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrVideoNotFound
	}
	return nil
}

// RecordProductClick counts a tap on one of a video's product anchors.
func (s *Service) RecordProductClick(ctx context.Context, videoID, productID id.ID) error {
	if _, err := s.published(ctx, videoID); err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE video_products SET clicks = clicks + 1 WHERE video_id = $1 AND product_id = $2`, videoID, productID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAnchorNotFound
		}
		_, err = tx.ExecContext(ctx, `UPDATE videos SET product_clicks = product_clicks + 1 WHERE id = $1`, videoID)
		return err
	})
}

// Like records the actor's like (once per account) and returns the new count.
func (s *Service) Like(ctx context.Context, actor auth.Actor, videoID id.ID) (int64, error) {
	return s.setLike(ctx, actor, videoID, true)
}

// Unlike withdraws the actor's like and returns the new count.
func (s *Service) Unlike(ctx context.Context, actor auth.Actor, videoID id.ID) (int64, error) {
	return s.setLike(ctx, actor, videoID, false)
}

func (s *Service) setLike(ctx context.Context, actor auth.Actor, videoID id.ID, like bool) (int64, error) {
	if err := actor.RequireLogin(); err != nil {
		return 0, err
	}
	if _, err := s.published(ctx, videoID); err != nil {
		return 0, err
	}
	var likes int64
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var res interface{ RowsAffected() (int64, error) }
		var err error
		delta := "+ 1"
		if like {
			res, err = tx.ExecContext(ctx, `INSERT INTO video_likes (video_id, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				videoID, actor.AccountID, db.Micros(s.now()))
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM video_likes WHERE video_id = $1 AND account_id = $2`, videoID, actor.AccountID)
			delta = "- 1"
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE videos SET likes = likes `+delta+` WHERE id = $1`, videoID); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `SELECT likes FROM videos WHERE id = $1`, videoID).Scan(&likes)
	})
	if err != nil {
		return 0, fmt.Errorf("content: like video: %w", err)
	}
	return likes, nil
}

// LikedVideos reports which of the videos the actor has liked.
func (s *Service) LikedVideos(ctx context.Context, actor auth.Actor, videoIDs []id.ID) (map[id.ID]bool, error) {
	out := map[id.ID]bool{}
	if actor.Anonymous() || len(videoIDs) == 0 {
		return out, nil
	}
	ids := make([]string, len(videoIDs))
	for i, v := range videoIDs {
		ids[i] = v.String()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT video_id FROM video_likes WHERE account_id = $1 AND video_id IN (`+strings.Join(ids, ",")+`)`, actor.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v id.ID
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// PostComment adds a comment. A comment with one of the market's banned words is
// held for the video's author to approve; only its writer sees it meanwhile. More
// than CommentsPerMinute comments a minute from one account on one video are refused.
func (s *Service) PostComment(ctx context.Context, actor auth.Actor, videoID id.ID, body string) (Comment, error) {
	if err := actor.RequireLogin(); err != nil {
		return Comment{}, err
	}
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n == 0 || n > MaxCommentRunes {
		return Comment{}, errs.Invalidf("body", "a comment is 1-%d characters", MaxCommentRunes)
	}
	v, err := s.published(ctx, videoID)
	if err != nil {
		return Comment{}, err
	}
	now := s.now().UTC()
	c := Comment{ID: id.New(), VideoID: videoID, AccountID: actor.AccountID, AuthorName: actor.Name, Body: body, State: CommentVisible, CreatedAt: now}
	if c.AuthorName == "" {
		c.AuthorName = "viewer"
	}
	p, err := s.markets.Policy(ctx, v.Market, now)
	if err != nil {
		return Comment{}, err
	}
	lower := strings.ToLower(body)
	for _, w := range p.Live.BannedWords {
		if w != "" && strings.Contains(lower, strings.ToLower(w)) {
			c.State, c.Reason = CommentHeld, "held for review: it contains a word this market does not allow"
			break
		}
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		var recent int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM video_comments WHERE account_id = $1 AND video_id = $2 AND created_at > $3`,
			actor.AccountID, videoID, db.Micros(now.Add(-time.Minute))).Scan(&recent); err != nil {
			return err
		}
		if recent >= CommentsPerMinute {
			return ErrCommentFlood
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO video_comments (id, video_id, account_id, author_name, body, state, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, videoID, c.AccountID, c.AuthorName, c.Body, string(c.State), c.Reason, db.Micros(now)); err != nil {
			return err
		}
		if c.State == CommentVisible {
			_, err := tx.ExecContext(ctx, `UPDATE videos SET comments = comments + 1 WHERE id = $1`, videoID)
			return err
		}
		return nil
	})
	if err != nil {
		if errs.KindOf(err) != errs.Internal {
			return Comment{}, err
		}
		return Comment{}, fmt.Errorf("content: comment: %w", err)
	}
	return c, nil
}

// Comments lists a video's comments newest first as the actor may see them: the
// visible ones, the actor's own held ones, and, for the video's author and
// operators, every held one too, to approve or hide.
func (s *Service) Comments(ctx context.Context, actor auth.Actor, videoID id.ID, limit int) ([]Comment, error) {
	v, err := s.VisibleVideo(ctx, actor, videoID)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	cond := `state = 'visible' OR (state = 'held' AND account_id = $2)`
	if v.AuthorAccountID == actor.AccountID || actor.Has(auth.Operator) {
		cond = `state IN ('visible', 'held') OR (state = 'held' AND account_id = $2)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, video_id, account_id, author_name, body, state, reason, created_at FROM video_comments
		WHERE video_id = $1 AND (`+cond+`) ORDER BY created_at DESC, id DESC LIMIT $3`, videoID, actor.AccountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.VideoID, &c.AccountID, &c.AuthorName, &c.Body, &c.State, &c.Reason, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = db.Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommentAction is what moderation does to a comment.
type CommentAction string

// Comment actions: the video's author or an operator approves a held comment or
// hides any; a comment's writer deletes their own.
const (
	ApproveComment CommentAction = "approve"
	HideComment    CommentAction = "hide"
	DeleteComment  CommentAction = "delete"
)

// ModerateComment applies an action to a comment and keeps the video's comment
// count equal to its visible comments.
func (s *Service) ModerateComment(ctx context.Context, actor auth.Actor, commentID id.ID, action CommentAction) (Comment, error) {
	if err := actor.RequireLogin(); err != nil {
		return Comment{}, err
	}
	var c Comment
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT id, video_id, account_id, author_name, body, state, reason, created_at FROM video_comments WHERE id = $1`, commentID).
		Scan(&c.ID, &c.VideoID, &c.AccountID, &c.AuthorName, &c.Body, &c.State, &c.Reason, &at)
	if err != nil || c.State == CommentDeleted {
		return Comment{}, ErrCommentNotFound
	}
	c.CreatedAt = db.Time(at)
	v, err := s.Video(ctx, c.VideoID)
	if err != nil {
		return Comment{}, err
	}
	moderator := v.AuthorAccountID == actor.AccountID || actor.Has(auth.Operator)
	var to CommentState
	switch action {
	case ApproveComment:
		if !moderator {
			return Comment{}, ErrNotVideoAuthor
		}
		if c.State != CommentHeld {
			return Comment{}, errs.New(errs.Conflict, "comment_state", "only a held comment can be approved")
		}
		to = CommentVisible
	case HideComment:
		if !moderator {
			return Comment{}, ErrNotVideoAuthor
		}
		if c.State == CommentHidden {
			return c, nil
		}
		to = CommentHidden
	case DeleteComment:
		if c.AccountID != actor.AccountID {
			return Comment{}, errs.New(errs.Forbidden, "not_comment_author", "only the comment's writer can delete it; the video's author can hide it")
		}
		to = CommentDeleted
	default:
		return Comment{}, errs.Invalidf("action", `action is "approve", "hide" or "delete"`)
	}
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE video_comments SET state = $1, reason = '' WHERE id = $2 AND state = $3`, string(to), c.ID, string(c.State))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "comment_state", "the comment changed; reload")
		}
		delta := 0
		if c.State == CommentVisible {
			delta--
		}
		if to == CommentVisible {
			delta++
		}
		if delta != 0 {
			_, err = tx.ExecContext(ctx, `UPDATE videos SET comments = comments + $1 WHERE id = $2`, delta, c.VideoID)
		}
		return err
	})
	if err != nil {
		return Comment{}, err
	}
	c.State, c.Reason = to, ""
	return c, nil
}
