package events

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Topics of shoppable videos.
const (
	TopicVideoPublished = "video.published"
	TopicVideoRemoved   = "video.removed"
)

// VideoPublished: a shoppable video passed processing and is in the feed.
type VideoPublished struct {
	VideoID    id.ID     `json:"video_id"`
	Market     string    `json:"market"`
	CreatorID  id.ID     `json:"creator_id,omitempty"`
	ShopID     id.ID     `json:"shop_id,omitempty"`
	ProductIDs []id.ID   `json:"product_ids"`
	At         time.Time `json:"at"`
}

func (VideoPublished) Topic() string { return TopicVideoPublished }

// VideoRemoved: a video's author or an operator took it down.
type VideoRemoved struct {
	VideoID id.ID     `json:"video_id"`
	Market  string    `json:"market"`
	ByOps   bool      `json:"by_operator"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

func (VideoRemoved) Topic() string { return TopicVideoRemoved }
