// Package seller owns shops: registration in a market, their state, and the question
// every other domain asks before a seller touches anything: does this actor manage
// this shop? (Onboarding tiers, performance scores and enforcement grow here.)
package seller

import (
	"time"
	"unicode/utf8"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Kind says where a shop is based relative to its market.
type Kind string

// Shop kinds.
const (
	Local       Kind = "local"
	CrossBorder Kind = "cross_border"
)

// Status is a shop's state.
type Status string

// Shop states.
const (
	Pending     Status = "pending" // waiting for an operator's review
	Active      Status = "active"
	Restricted  Status = "restricted"
	Suspended   Status = "suspended"
	Deactivated Status = "deactivated"
)

// Shop is a seller's shop in one market.
type Shop struct {
	ID          id.ID     `json:"id"`
	OwnerID     id.ID     `json:"owner_id"`
	Market      string    `json:"market"`
	Name        string    `json:"name"`
	Kind        Kind      `json:"kind"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	Followers   int64     `json:"followers"`
	// Badge marks a Mall shop or an Official Shop, which give longer return windows.
	Badge Badge `json:"badge,omitempty"`

	// Business details given at registration (and again when operators ask for more).
	LegalName          string `json:"legal_name,omitempty"`
	RegistrationNumber string `json:"registration_number,omitempty"`
	// AnnualGMVElsewhere is what a cross-border seller declares it sells elsewhere in a
	// year, in the market currency's minor units, against the policy's minimum.
	AnnualGMVElsewhere int64  `json:"annual_gmv_elsewhere,omitempty"`
	Documents          string `json:"documents,omitempty"` // document references, one per line
	// ReviewState is where the operator review stands; StatusReason says why the shop
	// is in its state (a rejection, a request for more, a suspension).
	ReviewState  ReviewState `json:"review_state,omitempty"`
	StatusReason string      `json:"status_reason,omitempty"`
	// TierRank indexes the market policy's tiers: 0 is the entry tier.
	TierRank int `json:"tier_rank"`
	// MallReturnDays is the return window the seller has committed to offer as a
	// Mall shop (Mall eligibility asks for the policy's mall.return_window_days).
	MallReturnDays int `json:"mall_return_days,omitempty"`
}

// ReviewState is the progress of a shop's operator review.
type ReviewState string

// Review states.
const (
	NotReviewed   ReviewState = ""
	Submitted     ReviewState = "submitted"      // in the queue
	InfoRequested ReviewState = "info_requested" // back with the seller
	Approved      ReviewState = "approved"
	RejectedShop  ReviewState = "rejected"
)

// Badge is a shop's standing beyond a plain shop.
type Badge string

// InMall reports whether the badge puts the shop's products in the Mall section
// (and its Mall-only searches): Mall and Official shops both.
func (b Badge) InMall() bool { return b == Mall || b == Official }

// Badges.
const (
	NoBadge  Badge = ""
	Mall     Badge = "mall"
	Official Badge = "official"
)

// CanSell reports whether the shop may list products and take orders.
func (s Shop) CanSell() bool { return s.Status == Active || s.Status == Restricted }

// Errors of the seller domain.
var (
	ErrShopNotFound    = errs.New(errs.NotFound, "shop_not_found", "no such shop")
	ErrNotYourShop     = errs.New(errs.Forbidden, "not_your_shop", "you do not manage this shop")
	ErrShopNameTaken   = errs.New(errs.Conflict, "shop_name_taken", "a shop with this name already exists in this market; choose another name").OnField("name")
	ErrShopNotActive   = errs.New(errs.Rule, "shop_not_active", "this shop cannot sell right now")
	ErrNoCrossBorder   = errs.New(errs.Rule, "cross_border_closed", "this market does not accept cross-border shops").OnField("kind")
	ErrUnknownShopKind = errs.New(errs.Invalid, "invalid_shop_kind", `kind must be "local" or "cross_border"`).OnField("kind")
	ErrCrossBorderGMV  = errs.New(errs.Rule, "cross_border_ineligible", "this market asks cross-border shops for more annual GMV elsewhere").OnField("annual_gmv_elsewhere")
	ErrNotInReview     = errs.New(errs.Conflict, "shop_not_in_review", "this shop is not waiting for a review decision")
	ErrReasonRequired  = errs.New(errs.Invalid, "reason_required", "say why, so the seller knows what to do").OnField("reason")
	ErrBadTransition   = errs.New(errs.Conflict, "bad_shop_transition", "the shop cannot move to that state from where it is").OnField("status")
	ErrDailyOrderCap   = errs.New(errs.Rule, "daily_order_cap_reached", "this shop has taken all the orders its tier allows today; try again tomorrow")
)

func checkShopName(s string) error {
	if n := utf8.RuneCountInString(s); n < 2 || n > 60 {
		return errs.Invalidf("name", "a shop name is 2-60 characters")
	}
	return nil
}
