// Package creator owns creators and the affiliate side of selling: creator profiles,
// who may sell (followers, age, pilot limits and suspensions, against market policy),
// sellers' open and target collaborations, samples, each creator's showcase, signed
// affiliate links, the commissions earned on attributed orders (kept from order
// events, with due dates), the creator marketplace and its recommender, and the
// conversations between sellers and creators.
package creator

import (
	"regexp"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Kind is what a creator account is for.
type Kind string

// Creator kinds.
const (
	Affiliate     Kind = "affiliate"      // sells other shops' products for commission
	ShopAccount   Kind = "shop_account"   // a shop's own account, for self-broadcast
	MarketingOnly Kind = "marketing_only" // makes content, does not sell
)

// Creator is a creator's public profile.
type Creator struct {
	ID          id.ID     `json:"id"`
	AccountID   id.ID     `json:"account_id"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	Market      string    `json:"market"`
	Kind        Kind      `json:"kind"`
	Followers   int64     `json:"followers"`
	Categories  []string  `json:"categories"`
	CreatedAt   time.Time `json:"created_at"`
	// SellingSince is when the creator was first allowed to sell; the pilot runs from it.
	SellingSince time.Time `json:"selling_since,omitzero"`
	// Suspension, when set, withdraws the right to sell.
	Suspension *Suspension `json:"suspension,omitempty"`
	birthDate  string
}

// Suspension is a withdrawal of a creator's selling rights after violations.
type Suspension struct {
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until,omitzero"` // zero: until an operator lifts it
}

// Eligibility says whether a creator may sell, and why not.
type Eligibility struct {
	CanSell      bool     `json:"can_sell"`
	Followers    int64    `json:"followers"`
	MinFollowers int      `json:"min_followers"`
	Age          int      `json:"age"`
	MinAge       int      `json:"min_age"`
	Reasons      []string `json:"reasons,omitempty"`
	// InPilot is true for sellers below the pilot ceiling, whose weekly live and video
	// counts are limited while the pilot lasts.
	InPilot            bool      `json:"in_pilot"`
	PilotEndsAt        time.Time `json:"pilot_ends_at,omitzero"`
	PilotLivesPerWeek  int       `json:"pilot_lives_per_week,omitempty"`
	PilotVideosPerWeek int       `json:"pilot_videos_per_week,omitempty"`
	LivesThisWeek      int       `json:"lives_this_week"`  // selling lives in the last 7 days
	VideosThisWeek     int       `json:"videos_this_week"` // shoppable videos in the last 7 days
	Suspended          bool      `json:"suspended"`
}

// Offer is a seller's open collaboration: commission on a product to any eligible
// creator, optionally only to creators the seller approves, with its own rate for
// orders that came through ads and free samples on request.
type Offer struct {
	ProductID        id.ID     `json:"product_id"`
	ShopID           id.ID     `json:"shop_id"`
	Market           string    `json:"market"`
	CommissionBP     money.BP  `json:"commission_bp"`
	AdsCommissionBP  money.BP  `json:"ads_commission_bp"` // 0: ads orders earn the open rate
	RequiresApproval bool      `json:"requires_approval"`
	FreeSamples      bool      `json:"free_samples"`
	Category         string    `json:"category"`
	Active           bool      `json:"active"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Commission is what a creator earns on one order line.
type Commission struct {
	OrderLineID id.ID            `json:"order_line_id"`
	OrderID     id.ID            `json:"order_id"`
	CreatorID   id.ID            `json:"creator_id"`
	ShopID      id.ID            `json:"shop_id"`
	Base        money.Money      `json:"base"`
	RateBP      money.BP         `json:"rate_bp"`
	Amount      money.Money      `json:"amount"`
	Status      CommissionStatus `json:"status"`
	Source      string           `json:"source"`
	ProductID   id.ID            `json:"product_id"`
	CreatedAt   time.Time        `json:"created_at"`
	PayableAt   time.Time        `json:"payable_at,omitzero"`
	// DueAt is when the creator must have the money: CommissionDueDays after the order
	// completes. Zero until then.
	DueAt  time.Time `json:"due_at,omitzero"`
	PaidAt time.Time `json:"paid_at,omitzero"`
	// DueSoon and Overdue flag an unpaid payable commission close to or past DueAt.
	DueSoon bool `json:"due_soon"`
	Overdue bool `json:"overdue"`
}

// CommissionStatus is where a commission stands.
type CommissionStatus string

// Commission states: pending once the buyer pays, accrued on delivery, payable once
// the order completes (past its return window), reversed if the order is cancelled.
const (
	CommissionPending  CommissionStatus = "pending"
	CommissionAccrued  CommissionStatus = "accrued"
	CommissionPayable  CommissionStatus = "payable"
	CommissionReversed CommissionStatus = "reversed"
	CommissionPaid     CommissionStatus = "paid"
)

// DueSoonWindow is how long before its due date an unpaid commission is flagged to
// both sides, so a late payment is seen before it is late.
const DueSoonWindow = 48 * time.Hour

// Errors of the creator domain.
var (
	ErrCreatorNotFound  = errs.New(errs.NotFound, "creator_not_found", "no such creator")
	ErrNoProfile        = errs.New(errs.Rule, "no_creator_profile", "set up your creator profile first")
	ErrProfileExists    = errs.New(errs.Conflict, "creator_profile_exists", "you already have a creator profile")
	ErrHandleTaken      = errs.New(errs.Conflict, "handle_taken", "this handle is taken; choose another").OnField("handle")
	ErrNotEligible      = errs.New(errs.Rule, "creator_not_eligible", "you cannot sell yet")
	ErrNoOffer          = errs.New(errs.Rule, "no_affiliate_offer", "the seller does not offer this product to creators")
	ErrNotInShowcase    = errs.New(errs.Rule, "not_in_showcase", "this product is not in the creator's showcase")
	ErrWrongMarket      = errs.New(errs.Rule, "wrong_market", "this product is sold in another market").OnField("product_id")
	ErrCommissionRange  = errs.New(errs.Invalid, "commission_out_of_range", "commission is out of the market's range").OnField("commission_bp")
	ErrNotSellingKind   = errs.New(errs.Rule, "creator_cannot_sell", "marketing-only creators do not sell")
	ErrSuspended        = errs.New(errs.Rule, "selling_suspended", "your selling rights are suspended")
	ErrPilotLimit       = errs.New(errs.Rule, "pilot_limit_reached", "the pilot's weekly limit is reached")
	ErrNotInPlan        = errs.New(errs.Rule, "not_in_plan", "you are not in a collaboration that offers this product").OnField("product_id")
	ErrAwaitingApproval = errs.New(errs.Rule, "awaiting_approval", "the seller approves creators for this product first").OnField("product_id")
	ErrPlanNotFound     = errs.New(errs.NotFound, "plan_not_found", "no such collaboration")
	ErrInvitationClosed = errs.New(errs.Rule, "invitation_closed", "this invitation is no longer open")
	ErrSampleNotFound   = errs.New(errs.NotFound, "sample_not_found", "no such sample request")
	ErrSampleState      = errs.New(errs.Rule, "sample_state", "the sample request is not in a state that allows this")
	ErrForgedLink       = errs.New(errs.Invalid, "invalid_affiliate_link", "this affiliate link is not valid").OnField("link")
	ErrLinkExpired      = errs.New(errs.Rule, "affiliate_link_expired", "this affiliate link's attribution window has passed").OnField("link")
	errBadKind          = errs.New(errs.Invalid, "invalid_creator_kind", `kind must be "affiliate", "shop_account" or "marketing_only"`).OnField("kind")
)

var handleRE = regexp.MustCompile(`^[a-z0-9_.]{3,30}$`)

// age returns the completed years between a YYYY-MM-DD birth date and at.
func age(birth string, at time.Time) (int, bool) {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return 0, false
	}
	years := at.Year() - b.Year()
	if at.Month() < b.Month() || (at.Month() == b.Month() && at.Day() < b.Day()) {
		years--
	}
	return years, true
}
