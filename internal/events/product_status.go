package events

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// TopicProductStatusChanged is the topic of ProductStatusChanged.
const TopicProductStatusChanged = "product.status_changed"

// ProductStatusChanged: a product already listed moved from one state to another (an
// operator approved or rejected it in review, an edit sent it back to review, ...).
// A product's first state is ProductCreated's Status; this event is every later one.
type ProductStatusChanged struct {
	ProductID id.ID  `json:"product_id"`
	ShopID    id.ID  `json:"shop_id"`
	Market    string `json:"market"`
	From      string `json:"from"`
	Status    string `json:"status"`
	// Reason is why, when someone gave one: the reviewer's reason for a rejection, or
	// the review note of a product sent back to review.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func (ProductStatusChanged) Topic() string { return TopicProductStatusChanged }
