package content

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// VideoState is where a shoppable video is in its life.
type VideoState string

// Video states. An upload is processing until its file has been checked (and, where
// ffmpeg is installed, probed for its length and given a poster frame); a URL is
// processing until the address has answered with a video. Published videos are in
// the feed; failed ones say why; removed ones (by their author or an operator) are
// gone from every listing and their file is deleted.
const (
	VideoProcessing VideoState = "processing"
	VideoPublished  VideoState = "published"
	VideoFailed     VideoState = "failed"
	VideoRemoved    VideoState = "removed"
)

// VideoSource says where a video's bytes live.
type VideoSource string

// Video sources.
const (
	SourceUpload VideoSource = "upload" // in liveshop's blob store
	SourceURL    VideoSource = "url"    // on the author's own media server or CDN
)

// Limits of shoppable videos. They are product limits rather than market policy:
// no market in DOMAIN.md varies them.
const (
	MaxVideoBytes      = 200 << 20
	MaxVideoAnchors    = 6
	MaxCaptionRunes    = 300
	MaxCommentRunes    = 300
	CommentsPerMinute  = 5                // per account per video: a flood is refused, not stored
	maxWatchPerBeacon  = 10 * time.Minute // when the length is unknown
	videoProcessLease  = 2 * time.Minute
	maxProcessAttempts = 5
)

// Video is a shoppable short video.
type Video struct {
	ID              id.ID       `json:"id"`
	Market          string      `json:"market"`
	AuthorAccountID id.ID       `json:"author_account_id"`
	CreatorID       id.ID       `json:"creator_id,omitempty"` // a creator's video
	ShopID          id.ID       `json:"shop_id,omitempty"`    // a shop's own video
	Caption         string      `json:"caption"`
	Source          VideoSource `json:"source"`
	// URL plays the video: /media/videos/... for uploads, the author's address otherwise.
	URL         string     `json:"url"`
	PosterURL   string     `json:"poster_url,omitempty"`
	ContentType string     `json:"content_type,omitempty"`
	Bytes       int64      `json:"bytes,omitempty"`
	DurationMS  int64      `json:"duration_ms,omitempty"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	State       VideoState `json:"state"`
	StateReason string     `json:"state_reason,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
	Counters    Counters   `json:"counters"`
	Anchors     []Anchor   `json:"anchors"`

	storeKey, posterKey, sourceURL string
}

// Counters are a video's engagement.
type Counters struct {
	Views         int64 `json:"views"`
	WatchMS       int64 `json:"watch_ms"`
	Likes         int64 `json:"likes"`
	Comments      int64 `json:"comments"`
	Shares        int64 `json:"shares"`
	ProductClicks int64 `json:"product_clicks"`
}

// AverageWatch is the mean watch time per view.
func (c Counters) AverageWatch() time.Duration {
	if c.Views == 0 {
		return 0
	}
	return time.Duration(c.WatchMS/c.Views) * time.Millisecond
}

// Anchor is a product linked from a video.
type Anchor struct {
	ProductID id.ID `json:"product_id"`
	Clicks    int64 `json:"clicks"`
}

// CommentState is a video comment's moderation state.
type CommentState string

// Comment states: held comments matched the market's banned words and wait for the
// video's author (or an operator) to approve or hide them; only their writer sees them.
const (
	CommentVisible CommentState = "visible"
	CommentHeld    CommentState = "held"
	CommentHidden  CommentState = "hidden"
	CommentDeleted CommentState = "deleted"
)

// Comment is a viewer's comment on a video.
type Comment struct {
	ID         id.ID        `json:"id"`
	VideoID    id.ID        `json:"video_id"`
	AccountID  id.ID        `json:"account_id"`
	AuthorName string       `json:"author_name"`
	Body       string       `json:"body"`
	State      CommentState `json:"state"`
	Reason     string       `json:"reason,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
}

// Errors of shoppable videos.
var (
	ErrVideoNotFound    = errs.New(errs.NotFound, "video_not_found", "no such video")
	ErrNotVideoAuthor   = errs.New(errs.Forbidden, "not_video_author", "only the video's author or an operator can do this")
	ErrVideoState       = errs.New(errs.Conflict, "video_state", "the video is not in a state that allows this")
	ErrVideoUnavailable = errs.New(errs.Unavailable, "video_storage_unavailable", "video storage is not configured")
	ErrCommentNotFound  = errs.New(errs.NotFound, "comment_not_found", "no such comment")
	ErrCommentFlood     = errs.New(errs.TooMany, "comment_rate_limited", "you are commenting too fast; wait a minute")
	ErrAnchorNotFound   = errs.New(errs.NotFound, "anchor_not_found", "this product is not anchored to the video").OnField("product_id")
)
