package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// VideoInput describes a shoppable video to post. Exactly one of URL and the upload
// body passed beside it gives the video.
type VideoInput struct {
	Caption    string  `json:"caption"`
	ProductIDs []id.ID `json:"product_ids"`
	// ShopID makes it the shop's own video; without it the actor posts as a creator.
	ShopID id.ID `json:"shop_id,omitempty"`
	// URL is an http(s) address of the video on the author's media server or CDN.
	URL string `json:"url,omitempty"`
}

// videoTypes are the containers browsers play in a <video> element, by sniffed type.
var videoTypes = map[string]string{"video/mp4": ".mp4", "video/webm": ".webm"}

// PostVideo creates a shoppable video in the processing state. An upload's bytes are
// stored before the row is written, so a video row never points at a missing file;
// if the row cannot be written the file is deleted again. A creator's video must
// anchor products from their showcase and counts toward a pilot creator's weekly
// allowance; a shop's video anchors the shop's own live products.
func (s *Service) PostVideo(ctx context.Context, actor auth.Actor, in VideoInput, upload io.Reader) (Video, error) {
	if err := actor.RequireLogin(); err != nil {
		return Video{}, err
	}
	in.Caption = strings.TrimSpace(in.Caption)
	if utf8.RuneCountInString(in.Caption) > MaxCaptionRunes {
		return Video{}, errs.Invalidf("caption", "a caption is at most %d characters", MaxCaptionRunes)
	}
	in.URL = strings.TrimSpace(in.URL)
	switch {
	case in.URL == "" && upload == nil:
		return Video{}, errs.Invalidf("file", "upload a video file or give its URL")
	case in.URL != "" && upload != nil:
		return Video{}, errs.Invalidf("url", "give either a file or a URL, not both")
	case in.URL != "":
		if err := checkVideoURL(in.URL); err != nil {
			return Video{}, err
		}
	}
	now := s.now().UTC()
	v := Video{ID: id.New(), AuthorAccountID: actor.AccountID, Caption: in.Caption, State: VideoProcessing, CreatedAt: now, Source: SourceUpload}
	if in.ShopID != 0 {
		shop, err := s.sellers.ManageForSale(ctx, actor, in.ShopID)
		if err != nil {
			return Video{}, errs.OnField(err, "shop_id")
		}
		v.ShopID, v.Market = shop.ID, shop.Market
	} else {
		c, err := s.creators.RequireSeller(ctx, actor)
		if err != nil {
			return Video{}, err
		}
		v.CreatorID, v.Market = c.ID, c.Market
	}
	if err := s.checkAnchors(ctx, v, in.ProductIDs); err != nil {
		return Video{}, err
	}
	for _, pid := range in.ProductIDs {
		v.Anchors = append(v.Anchors, Anchor{ProductID: pid})
	}
	if in.URL != "" {
		v.Source, v.sourceURL = SourceURL, in.URL
	} else {
		if s.VideoFiles == nil {
			return Video{}, ErrVideoUnavailable
		}
		if err := s.storeUpload(ctx, &v, upload); err != nil {
			return Video{}, err
		}
	}
	err := s.db.RunInTx(ctx, func(tx *db.Tx) error {
		if v.CreatorID != 0 {
			if err := s.creators.UsePilotAllowance(ctx, tx, v.CreatorID, creator.PilotVideo, v.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO videos (id, market, author_account_id, creator_id, shop_id, caption, source, store_key, source_url,
			content_type, bytes, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			v.ID, v.Market, v.AuthorAccountID, db.NullID(v.CreatorID), db.NullID(v.ShopID), v.Caption, string(v.Source), v.storeKey, v.sourceURL,
			v.ContentType, v.Bytes, string(v.State), db.Micros(now)); err != nil {
			return err
		}
		for i, a := range v.Anchors {
			if _, err := tx.ExecContext(ctx, `INSERT INTO video_products (video_id, product_id, position) VALUES ($1, $2, $3)`, v.ID, a.ProductID, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if v.storeKey != "" {
			_ = s.VideoFiles.Delete(context.WithoutCancel(ctx), v.storeKey)
		}
		if errs.KindOf(err) != errs.Internal {
			return Video{}, err
		}
		return Video{}, fmt.Errorf("content: post video: %w", err)
	}
	v.fill()
	s.kickProcessor()
	return v, nil
}

// checkAnchors validates the products a video links to, naming the bad one.
func (s *Service) checkAnchors(ctx context.Context, v Video, products []id.ID) error {
	if len(products) == 0 || len(products) > MaxVideoAnchors {
		return errs.Invalidf("product_ids", "a shoppable video links 1-%d products", MaxVideoAnchors)
	}
	seen := map[id.ID]bool{}
	for i, pid := range products {
		field := fmt.Sprintf("product_ids[%d]", i)
		if seen[pid] {
			return errs.Invalidf(field, "each product once")
		}
		seen[pid] = true
		p, err := s.catalog.Product(ctx, pid)
		if err != nil {
			return errs.OnField(err, field)
		}
		if p.Status != catalog.Live || p.Market != v.Market {
			return catalog.ErrNotForSale.With("%q cannot be sold in a %s video", p.Title, v.Market).OnField(field)
		}
		if v.ShopID != 0 && p.ShopID != v.ShopID {
			return errs.Invalidf(field, "a shop's video links the shop's own products")
		}
		if v.CreatorID != 0 {
			if _, err := s.creators.CommissionFor(ctx, v.CreatorID, pid); err != nil {
				return errs.OnField(errs.As(err).With("add %q to your showcase first", p.Title), field)
			}
		}
	}
	return nil
}

func checkVideoURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2048 {
		return errs.Invalidf("url", "a video URL is an http or https address of at most 2048 characters")
	}
	return nil
}

// storeUpload streams an upload into the blob store, checking its type from its
// first bytes and its size as it goes.
func (s *Service) storeUpload(ctx context.Context, v *Video, upload io.Reader) error {
	head := make([]byte, 512)
	n, err := io.ReadFull(upload, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return errs.Invalidf("file", "the upload could not be read: %v", err)
	}
	if n == 0 {
		return errs.Invalidf("file", "the file is empty")
	}
	ct := http.DetectContentType(head[:n])
	ext, ok := videoTypes[ct]
	if !ok {
		return errs.Invalidf("file", "videos are MP4 or WebM (this file is %s)", ct)
	}
	v.storeKey = fmt.Sprintf("videos/%s/source%s", v.ID, ext)
	body := io.LimitReader(io.MultiReader(bytes.NewReader(head[:n]), upload), MaxVideoBytes+1)
	size, err := s.VideoFiles.Put(ctx, v.storeKey, body)
	if err != nil {
		return fmt.Errorf("content: store video: %w", err)
	}
	if size > MaxVideoBytes {
		_ = s.VideoFiles.Delete(context.WithoutCancel(ctx), v.storeKey)
		return errs.New(errs.TooLarge, "video_too_large", fmt.Sprintf("a video is at most %d MB", MaxVideoBytes>>20)).OnField("file")
	}
	v.ContentType, v.Bytes = ct, size
	return nil
}

// fill derives the public URLs from the stored keys.
func (v *Video) fill() {
	switch v.Source {
	case SourceUpload:
		v.URL = "/media/" + v.storeKey
	case SourceURL:
		v.URL = v.sourceURL
	}
	if v.posterKey != "" {
		v.PosterURL = "/media/" + v.posterKey
	}
}

const videoColumns = `id, market, author_account_id, COALESCE(creator_id, 0), COALESCE(shop_id, 0), caption, source, store_key, source_url,
	content_type, bytes, duration_ms, width, height, poster_key, state, state_reason, created_at, published_at,
	views, watch_ms, likes, comments, shares, product_clicks`

// Video returns a video with its anchors, in any state.
func (s *Service) Video(ctx context.Context, videoID id.ID) (Video, error) {
	vs, err := s.videos(ctx, `WHERE id = $1`, videoID)
	if err != nil {
		return Video{}, err
	}
	if len(vs) == 0 {
		return Video{}, ErrVideoNotFound
	}
	return vs[0], nil
}

// VisibleVideo returns a video the actor may watch: published ones to everyone,
// the others only to their author and operators.
func (s *Service) VisibleVideo(ctx context.Context, actor auth.Actor, videoID id.ID) (Video, error) {
	v, err := s.Video(ctx, videoID)
	if err != nil {
		return Video{}, err
	}
	if v.State != VideoPublished && v.AuthorAccountID != actor.AccountID && !actor.Has(auth.Operator) {
		return Video{}, ErrVideoNotFound
	}
	return v, nil
}

// VideoFeed selects videos for a listing.
type VideoFeed struct {
	Market    string // the feed of one market's published videos
	AuthorID  id.ID  // or every video an account posted, in any state but removed
	CreatorID id.ID  // or a creator's published videos
	ShopID    id.ID  // or a shop's published videos
	ProductID id.ID  // or the published videos that link a product
	// Before pages backwards: videos published (or, for an author, created) before it.
	Before time.Time
	Limit  int
}

// Videos lists videos newest first.
func (s *Service) Videos(ctx context.Context, f VideoFeed) ([]Video, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	order := "published_at"
	switch {
	case f.AuthorID != 0:
		where = append(where, "author_account_id = "+arg(f.AuthorID), "state <> 'removed'")
		order = "created_at"
	case f.Market != "" || f.CreatorID != 0 || f.ShopID != 0 || f.ProductID != 0:
		where = append(where, "state = 'published'")
		if f.Market != "" {
			where = append(where, "market = "+arg(f.Market))
		}
		if f.CreatorID != 0 {
			where = append(where, "creator_id = "+arg(f.CreatorID))
		}
		if f.ShopID != 0 {
			where = append(where, "shop_id = "+arg(f.ShopID))
		}
		if f.ProductID != 0 {
			where = append(where, "id IN (SELECT video_id FROM video_products WHERE product_id = "+arg(f.ProductID)+")")
		}
	default:
		return nil, errs.Invalidf("market", "choose a market, an author, a creator, a shop or a product")
	}
	if !f.Before.IsZero() {
		where = append(where, order+" < "+arg(db.Micros(f.Before)))
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	return s.videos(ctx, "WHERE "+strings.Join(where, " AND ")+" ORDER BY "+order+" DESC, id DESC LIMIT "+arg(f.Limit), args...)
}

func (s *Service) videos(ctx context.Context, where string, args ...any) ([]Video, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+videoColumns+` FROM videos `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("content: load videos: %w", err)
	}
	var out []Video
	byID := map[id.ID]int{}
	for rows.Next() {
		var v Video
		var created, published int64
		c := &v.Counters
		if err := rows.Scan(&v.ID, &v.Market, &v.AuthorAccountID, &v.CreatorID, &v.ShopID, &v.Caption, &v.Source, &v.storeKey, &v.sourceURL,
			&v.ContentType, &v.Bytes, &v.DurationMS, &v.Width, &v.Height, &v.posterKey, &v.State, &v.StateReason, &created, &published,
			&c.Views, &c.WatchMS, &c.Likes, &c.Comments, &c.Shares, &c.ProductClicks); err != nil {
			rows.Close()
			return nil, err
		}
		v.CreatedAt, v.PublishedAt = db.Time(created), db.Time(published)
		v.fill()
		byID[v.ID] = len(out)
		out = append(out, v)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(out))
	for _, v := range out {
		ids = append(ids, v.ID.String())
	}
	// The ids are our own integers, so listing them inline is safe and keeps one query.
	arows, err := s.db.QueryContext(ctx, `SELECT video_id, product_id, clicks FROM video_products WHERE video_id IN (`+strings.Join(ids, ",")+`) ORDER BY video_id, position`)
	if err != nil {
		return nil, fmt.Errorf("content: load video anchors: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var vid id.ID
		var a Anchor
		if err := arows.Scan(&vid, &a.ProductID, &a.Clicks); err != nil {
			return nil, err
		}
		out[byID[vid]].Anchors = append(out[byID[vid]].Anchors, a)
	}
	return out, arows.Err()
}

// RemoveVideo takes a video down: its author (any reason) or an operator (a reason
// is required, and shown to the author). The file is deleted; the row stays so that
// orders attributed to the video still say where they came from.
func (s *Service) RemoveVideo(ctx context.Context, actor auth.Actor, videoID id.ID, reason string) (Video, error) {
	if err := actor.RequireLogin(); err != nil {
		return Video{}, err
	}
	v, err := s.Video(ctx, videoID)
	if err != nil {
		return Video{}, err
	}
	byOps := v.AuthorAccountID != actor.AccountID
	if byOps && !actor.Has(auth.Operator) {
		return Video{}, ErrNotVideoAuthor
	}
	reason = strings.TrimSpace(reason)
	if byOps && reason == "" {
		return Video{}, errs.Invalidf("reason", "say why the video is removed; its author sees it")
	}
	if utf8.RuneCountInString(reason) > 300 {
		return Video{}, errs.Invalidf("reason", "a reason is at most 300 characters")
	}
	if v.State == VideoRemoved {
		return Video{}, ErrVideoState.With("the video is already removed")
	}
	now := s.now().UTC()
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE videos SET state = 'removed', state_reason = $1, removed_at = $2 WHERE id = $3 AND state <> 'removed'`,
			reason, db.Micros(now), v.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrVideoState.With("the video is already removed")
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("video", v.ID), events.VideoRemoved{VideoID: v.ID, Market: v.Market, ByOps: byOps, Reason: reason, At: now})
	})
	if err != nil {
		return Video{}, err
	}
	if s.VideoFiles != nil {
		for _, key := range []string{v.storeKey, v.posterKey} {
			if key != "" {
				if err := s.VideoFiles.Delete(ctx, key); err != nil {
					s.log.Warn("delete removed video file", "video", v.ID, "key", key, "err", err)
				}
			}
		}
	}
	v.State, v.StateReason = VideoRemoved, reason
	return v, nil
}

// OpenVideoFile opens an uploaded video's file or poster by its key, with its
// content type. Only keys of videos that are not removed are served.
func (s *Service) OpenVideoFile(ctx context.Context, key string) (io.ReadCloser, string, error) {
	var ct, store, poster string
	err := s.db.QueryRowContext(ctx, `SELECT content_type, store_key, poster_key FROM videos WHERE (store_key = $1 OR poster_key = $1) AND state <> 'removed'`, key).
		Scan(&ct, &store, &poster)
	if err != nil || s.VideoFiles == nil {
		return nil, "", ErrVideoNotFound
	}
	if key == poster {
		ct = "image/jpeg"
	}
	rc, err := s.VideoFiles.Open(ctx, key)
	if err != nil {
		return nil, "", ErrVideoNotFound
	}
	return rc, ct, nil
}
