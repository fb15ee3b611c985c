// Package content owns what creators and shops publish: live sessions (scheduled,
// live, ended) with the products they sell and the one pinned on screen, and
// shoppable videos (processing, published, removed) with their product anchors,
// counters, likes and moderated comments. The live room itself, with its viewers and
// chat, is package live.
package content

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Status is a live session's state.
type Status string

// Session states.
const (
	Scheduled Status = "scheduled"
	Live      Status = "live"
	Ended     Status = "ended"
)

// Session is a live session.
type Session struct {
	ID              id.ID     `json:"id"`
	Market          string    `json:"market"`
	HostAccountID   id.ID     `json:"host_account_id"`
	CreatorID       id.ID     `json:"creator_id,omitempty"` // set when a creator hosts
	ShopID          id.ID     `json:"shop_id,omitempty"`    // set when a shop self-broadcasts
	Title           string    `json:"title"`
	Status          Status    `json:"status"`
	ScheduledAt     time.Time `json:"scheduled_at"`
	StartedAt       time.Time `json:"started_at,omitzero"`
	EndedAt         time.Time `json:"ended_at,omitzero"`
	PinnedProductID id.ID     `json:"pinned_product_id,omitempty"`
	PlannedMinutes  int       `json:"planned_minutes"`
	Practice        bool      `json:"practice,omitempty"` // a rehearsal: unlisted, sells nothing
	ProductIDs      []id.ID   `json:"product_ids"`
}

// HasProduct reports whether the session sells a product.
func (s Session) HasProduct(p id.ID) bool {
	for _, v := range s.ProductIDs {
		if v == p {
			return true
		}
	}
	return false
}

// Errors of live sessions.
var (
	ErrSessionNotFound  = errs.New(errs.NotFound, "live_session_not_found", "no such live session")
	ErrNotHost          = errs.New(errs.Forbidden, "not_host", "only the host can do this")
	ErrSessionState     = errs.New(errs.Conflict, "live_session_state", "the live session is not in a state that allows this")
	ErrProductNotInLive = errs.New(errs.Rule, "product_not_in_live", "this product is not part of the live session").OnField("product_id")
)
