package market

import (
	"fmt"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Policy is every rule a market applies, as in force from one moment until the next
// version. Amounts are minor units of the market's currency, rates are basis points
// (600 = 6%), durations are whole days, hours or minutes as named.
//
// A version is a whole document, not a diff: reading the policy at any time is one
// lookup, and the history shows exactly what applied when.
type Policy struct {
	Shops       ShopPolicy        `json:"shops"`
	Probation   ProbationPolicy   `json:"probation"`
	Tiers       []Tier            `json:"tiers"`
	Performance PerformancePolicy `json:"performance"`
	Mall        MallPolicy        `json:"mall"`
	Creators    CreatorPolicy     `json:"creators"`
	Orders      OrderPolicy       `json:"orders"`
	Returns     ReturnPolicy      `json:"returns"`
	Fees        FeePolicy         `json:"fees"`
	Settlement  SettlementPolicy  `json:"settlement"`
	Shipping    ShippingPolicy    `json:"shipping"`
	Promotions  PromotionPolicy   `json:"promotions"`
	Live        LivePolicy        `json:"live"`
	Ads         AdsPolicy         `json:"ads"`
	Calendar    CalendarPolicy    `json:"calendar"`
	Reviews     ReviewPolicy      `json:"reviews"`
	Enforcement EnforcementPolicy `json:"enforcement"`
}

// ShopPolicy governs who may open a shop.
type ShopPolicy struct {
	// CrossBorderAllowed says whether shops based outside the market may register.
	CrossBorderAllowed bool `json:"cross_border_allowed"`
	// CrossBorderMinAnnualGMV is the GMV a cross-border seller must show elsewhere
	// (once 2 M USD on Amazon for US POP stores); 0 means no minimum.
	CrossBorderMinAnnualGMV int64 `json:"cross_border_min_annual_gmv"`
	// ReviewRequired makes new shops wait for an operator's approval.
	ReviewRequired bool `json:"review_required"`
}

// ProbationPolicy is the new-shop observation period.
type ProbationPolicy struct {
	Days               int `json:"days"`
	RequiredOrders     int `json:"required_orders"`
	MaxBadReviewRateBP int `json:"max_bad_review_rate_bp"` // 40 = 0.4%
}

// Tier is an onboarding tier with its caps and what it takes to reach it. A cap of 0
// means unlimited. Tiers are ordered from the entry tier upward.
type Tier struct {
	Name               string `json:"name"`
	DailyOrderCap      int    `json:"daily_order_cap"`
	ListingCap         int    `json:"listing_cap"`
	MinDaysActive      int    `json:"min_days_active"`
	MinDeliveredOrders int    `json:"min_delivered_orders"`
	MinUniqueBuyers    int    `json:"min_unique_buyers"`
	MinRatingX100      int    `json:"min_rating_x100"` // store rating or SPS × 100; 0 = none
	MaxViolationPoints int    `json:"max_violation_points"`
}

// PerformancePolicy parameterises the Shop Performance Score.
type PerformancePolicy struct {
	MinDeliveredOrders    int `json:"min_delivered_orders"` // to be scored at all
	ScoreWindowDays       int `json:"score_window_days"`
	NegativeReviewDays    int `json:"negative_review_days"`
	DispatchBusinessDays  int `json:"dispatch_business_days"`
	LateDispatchTargetBP  int `json:"late_dispatch_target_bp"`  // recommended ceiling
	LateDispatchEnforceBP int `json:"late_dispatch_enforce_bp"` // enforcement above this
	SellerCancelMaxBP     int `json:"seller_cancel_max_bp"`
	// DeliveryBusinessDays is the delivery promise: business days after payment
	// (dispatch included) by which an order should be delivered.
	DeliveryBusinessDays int `json:"delivery_business_days"`
	OnTimeDeliveryMinBP  int `json:"on_time_delivery_min_bp"` // benchmark: at least this share on time
	// ResponseHours is how long a shop has to answer a buyer's message.
	ResponseHours     int `json:"response_hours"`
	ResponseRateMinBP int `json:"response_rate_min_bp"` // benchmark: at least this share answered in time
	// Scoring weighs the metrics and shapes their sub-scores (sps_policy.go).
	Scoring SPSScoring `json:"scoring"`
}

// MallPolicy sets Mall / Official Shop eligibility and return windows.
type MallPolicy struct {
	MinSPSX100                   int `json:"min_sps_x100"`
	MinProducts                  int `json:"min_products"`
	MinFreeShippingCoverageBP    int `json:"min_free_shipping_coverage_bp"`
	ReturnWindowDays             int `json:"return_window_days"`
	OfficialShopReturnWindowDays int `json:"official_shop_return_window_days"`
}

// CreatorPolicy sets who may sell as a creator and the pilot for small creators.
type CreatorPolicy struct {
	MinFollowers          int `json:"min_followers"`
	MinAge                int `json:"min_age"`
	PilotBelowFollowers   int `json:"pilot_below_followers"`
	PilotDays             int `json:"pilot_days"`
	PilotLivesPerWeek     int `json:"pilot_lives_per_week"`
	PilotVideosPerWeek    int `json:"pilot_videos_per_week"`
	MinCommissionBP       int `json:"min_commission_bp"`
	MaxCommissionBP       int `json:"max_commission_bp"`
	TargetMaxCreators     int `json:"target_max_creators"`
	TargetMaxProducts     int `json:"target_max_products"`
	AttributionWindowDays int `json:"attribution_window_days"`
	CommissionDueDays     int `json:"commission_due_days"` // after the order completes
}

// OrderPolicy sets the order clock and how orders are taxed.
type OrderPolicy struct {
	UnpaidTimeoutMinutes int `json:"unpaid_timeout_minutes"`
	// OnHoldMinutes is the window after payment in which the buyer may still cancel
	// and the seller may not ship yet; 0 sends paid orders straight to shipment.
	OnHoldMinutes    int `json:"on_hold_minutes"`
	AutoCompleteDays int `json:"auto_complete_days"` // after delivery
	CartTTLDays      int `json:"cart_ttl_days"`      // an untouched cart expires after this
	// TaxMode is "none", "added" (sales tax on top of prices, as in the US) or
	// "included" (VAT inside prices, as in the EU and Southeast Asia), at TaxBP.
	TaxMode string `json:"tax_mode"`
	TaxBP   int    `json:"tax_bp"`
}

// Tax modes.
const (
	TaxNone     = "none"
	TaxAdded    = "added"
	TaxIncluded = "included"
)

// CalendarPolicy is the market's business calendar, for deadlines counted in
// business days (dispatch within 2 business days).
type CalendarPolicy struct {
	WeekendDays []int    `json:"weekend_days"` // 0 = Sunday ... 6 = Saturday
	Holidays    []string `json:"holidays,omitempty"`
}

// ReviewPolicy governs product reviews.
type ReviewPolicy struct {
	WindowDays int `json:"window_days"` // after delivery
	MaxPhotos  int `json:"max_photos"`
	MaxRunes   int `json:"max_runes"`
}

// ReturnPolicy sets return windows and deadlines. Mall and Official Shop windows are
// in MallPolicy.
type ReturnPolicy struct {
	StandardWindowDays  int `json:"standard_window_days"`
	SellerResponseHours int `json:"seller_response_hours"`
	BuyerShipBackDays   int `json:"buyer_ship_back_days"`
	// SellerReceiptDays is how long a seller has to confirm a returned parcel
	// arrived before the refund goes ahead anyway.
	SellerReceiptDays int `json:"seller_receipt_days"`
	// DisputeDays is how long a buyer may escalate a refused request to operators.
	DisputeDays int `json:"dispute_days"`
}

// FeePolicy sets the platform's fees.
type FeePolicy struct {
	// ReferralFeeBP applies to buyer payment + platform discount - tax.
	ReferralFeeBP int `json:"referral_fee_bp"`
	// CategoryReferralFeeBP overrides ReferralFeeBP per category code.
	CategoryReferralFeeBP map[string]int `json:"category_referral_fee_bp,omitempty"`
	// RefundAdminFeeBP is charged on refunds, as a share of the referral fee.
	RefundAdminFeeBP int `json:"refund_admin_fee_bp"`
	// RefundAdminFeeCapPerSKU caps that charge per SKU refunded.
	RefundAdminFeeCapPerSKU int64 `json:"refund_admin_fee_cap_per_sku"`
}

// SettlementPolicy sets when sellers' and creators' money becomes available.
type SettlementPolicy struct {
	DelayDays            int   `json:"delay_days"`             // after delivery
	ProbationDelayDays   int   `json:"probation_delay_days"`   // during probation
	EnforcementDelayDays int   `json:"enforcement_delay_days"` // under a settlement-delay action
	ReserveBP            int   `json:"reserve_bp"`             // share of a shop's released money held back
	ReserveDays          int   `json:"reserve_days"`           // how long, after the release
	MinPayout            int64 `json:"min_payout"`
}

// ShippingPolicy sets what shipping costs and lists shipping programs.
type ShippingPolicy struct {
	// StandardFee is the cost of shipping one order (the label), charged to the buyer
	// unless a program or promotion pays part of it.
	StandardFee int64             `json:"standard_fee"`
	Programs    []ShippingProgram `json:"programs"`
}

// ShippingProgram is a shipping fee programme such as co-funded free shipping: the
// platform pays a share of each qualifying order's shipping and the seller the rest.
type ShippingProgram struct {
	Code              string `json:"code"`
	Name              string `json:"name"`
	Enrolment         string `json:"enrolment"` // "automatic" or "opt_in"
	MinOrderValue     int64  `json:"min_order_value"`
	MinSPSX100        int    `json:"min_sps_x100"`
	ShippingFee       int64  `json:"shipping_fee"`            // what the buyer would otherwise pay per order
	PlatformShare     int64  `json:"platform_share"`          // paid by the platform per order
	PlatformShareItem int64  `json:"platform_share_per_item"` // or per item
	SellerShare       int64  `json:"seller_share"`            // paid by the seller per order
}

// PromotionPolicy constrains promotions.
type PromotionPolicy struct {
	PriceFloorLookbackDays int `json:"price_floor_lookback_days"` // flash price must beat this many days' low
	MaxBuyMoreTiers        int `json:"max_buy_more_tiers"`
}

// LivePolicy constrains live events, flash sales and chat.
type LivePolicy struct {
	EventMinMinutes       int      `json:"event_min_minutes"`
	EventMaxMinutes       int      `json:"event_max_minutes"`
	MaxProducts           int      `json:"max_products"`
	FlashCountdownMinSec  int      `json:"flash_countdown_min_seconds"`
	FlashCountdownMaxSec  int      `json:"flash_countdown_max_seconds"`
	FlashDurationMinMin   int      `json:"flash_duration_min_minutes"`
	FlashDurationMaxMin   int      `json:"flash_duration_max_minutes"`
	ChatMaxRunes          int      `json:"chat_max_runes"`
	ChatMinIntervalMillis int      `json:"chat_min_interval_millis"` // per viewer
	BannedWords           []string `json:"banned_words,omitempty"`
}

// AdsPolicy parameterises GMV Max.
type AdsPolicy struct {
	MaxDeliveryMinDailyBudget int64 `json:"max_delivery_min_daily_budget"`
	ROIProtectionFloorBP      int   `json:"roi_protection_floor_bp"` // of target ROI
	ROIProtectionMinOrders    int   `json:"roi_protection_min_orders"`
	MaxProducts               int   `json:"max_products"`
}

// TierFor returns the tier with the given name.
func (p Policy) TierFor(name string) (Tier, bool) {
	for _, t := range p.Tiers {
		if t.Name == name {
			return t, true
		}
	}
	return Tier{}, false
}

// ReferralFeeFor returns the referral fee rate for a category, falling back to the
// market's rate.
func (p Policy) ReferralFeeFor(category string) money.BP {
	if bp, ok := p.Fees.CategoryReferralFeeBP[category]; ok {
		return money.BP(bp)
	}
	return money.BP(p.Fees.ReferralFeeBP)
}

// Version is a policy as stored: the document and when it takes effect.
type Version struct {
	ID            id.ID     `json:"id"`
	Market        string    `json:"market"`
	EffectiveFrom time.Time `json:"effective_from"`
	Note          string    `json:"note"`
	CreatedBy     id.ID     `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	Policy        Policy    `json:"policy"`
}

// Validate checks every value is within sense; the error names the field by its
// JSON path, such as "creators.min_followers".
func (p Policy) Validate() error {
	var firstErr error
	check := func(field string, ok bool, format string, args ...any) {
		if !ok && firstErr == nil {
			firstErr = errs.Invalidf(field, format, args...)
		}
	}
	nonNeg := func(field string, v int) { check(field, v >= 0, "must not be negative") }
	bp := func(field string, v int) { check(field, v >= 0 && v <= 10000, "must be 0-10000 basis points") }

	nonNeg("shops.cross_border_min_annual_gmv", int(min(p.Shops.CrossBorderMinAnnualGMV, 1)))
	nonNeg("probation.days", p.Probation.Days)
	nonNeg("probation.required_orders", p.Probation.RequiredOrders)
	bp("probation.max_bad_review_rate_bp", p.Probation.MaxBadReviewRateBP)

	check("tiers", len(p.Tiers) > 0, "a market needs at least one tier")
	seen := map[string]bool{}
	for i, t := range p.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		check(f+".name", t.Name != "", "every tier needs a name")
		check(f+".name", !seen[t.Name], "tier %q appears twice", t.Name)
		seen[t.Name] = true
		nonNeg(f+".daily_order_cap", t.DailyOrderCap)
		nonNeg(f+".listing_cap", t.ListingCap)
		nonNeg(f+".min_days_active", t.MinDaysActive)
		nonNeg(f+".min_delivered_orders", t.MinDeliveredOrders)
		nonNeg(f+".min_unique_buyers", t.MinUniqueBuyers)
		check(f+".min_rating_x100", t.MinRatingX100 >= 0 && t.MinRatingX100 <= 500, "must be 0-500 (a rating of 0-5 times 100)")
		nonNeg(f+".max_violation_points", t.MaxViolationPoints)
	}

	check("performance.min_delivered_orders", p.Performance.MinDeliveredOrders >= 0, "must not be negative")
	check("performance.score_window_days", p.Performance.ScoreWindowDays > 0, "must be at least 1")
	check("performance.negative_review_days", p.Performance.NegativeReviewDays > 0, "must be at least 1")
	check("performance.dispatch_business_days", p.Performance.DispatchBusinessDays > 0, "must be at least 1")
	bp("performance.late_dispatch_target_bp", p.Performance.LateDispatchTargetBP)
	bp("performance.late_dispatch_enforce_bp", p.Performance.LateDispatchEnforceBP)
	bp("performance.seller_cancel_max_bp", p.Performance.SellerCancelMaxBP)
	check("performance.delivery_business_days", p.Performance.DeliveryBusinessDays > 0, "must be at least 1")
	bp("performance.on_time_delivery_min_bp", p.Performance.OnTimeDeliveryMinBP)
	check("performance.response_hours", p.Performance.ResponseHours > 0, "must be at least 1")
	bp("performance.response_rate_min_bp", p.Performance.ResponseRateMinBP)
	if f, problem := p.Performance.Scoring.validate(); f != "" {
		check(f, false, "%s", problem)
	}
	if f, problem := p.Enforcement.validate(); f != "" {
		check(f, false, "%s", problem)
	}

	check("mall.min_sps_x100", p.Mall.MinSPSX100 >= 0 && p.Mall.MinSPSX100 <= 500, "must be 0-500")
	nonNeg("mall.min_products", p.Mall.MinProducts)
	bp("mall.min_free_shipping_coverage_bp", p.Mall.MinFreeShippingCoverageBP)
	nonNeg("mall.return_window_days", p.Mall.ReturnWindowDays)
	nonNeg("mall.official_shop_return_window_days", p.Mall.OfficialShopReturnWindowDays)

	c := p.Creators
	nonNeg("creators.min_followers", c.MinFollowers)
	check("creators.min_age", c.MinAge >= 13 && c.MinAge <= 99, "must be 13-99")
	nonNeg("creators.pilot_below_followers", c.PilotBelowFollowers)
	nonNeg("creators.pilot_days", c.PilotDays)
	nonNeg("creators.pilot_lives_per_week", c.PilotLivesPerWeek)
	nonNeg("creators.pilot_videos_per_week", c.PilotVideosPerWeek)
	check("creators.min_commission_bp", c.MinCommissionBP >= 1 && c.MinCommissionBP <= 10000, "must be 1-10000")
	check("creators.max_commission_bp", c.MaxCommissionBP >= c.MinCommissionBP && c.MaxCommissionBP <= 10000, "must be between min_commission_bp and 10000")
	check("creators.target_max_creators", c.TargetMaxCreators > 0, "must be at least 1")
	check("creators.target_max_products", c.TargetMaxProducts > 0, "must be at least 1")
	check("creators.attribution_window_days", c.AttributionWindowDays > 0, "must be at least 1")
	nonNeg("creators.commission_due_days", c.CommissionDueDays)

	check("orders.unpaid_timeout_minutes", p.Orders.UnpaidTimeoutMinutes > 0, "must be at least 1")
	nonNeg("orders.on_hold_minutes", p.Orders.OnHoldMinutes)
	nonNeg("orders.auto_complete_days", p.Orders.AutoCompleteDays)
	check("orders.cart_ttl_days", p.Orders.CartTTLDays > 0, "must be at least 1")
	check("orders.tax_mode", p.Orders.TaxMode == TaxNone || p.Orders.TaxMode == TaxAdded || p.Orders.TaxMode == TaxIncluded, `must be "none", "added" or "included"`)
	bp("orders.tax_bp", p.Orders.TaxBP)

	nonNeg("returns.standard_window_days", p.Returns.StandardWindowDays)
	check("returns.seller_response_hours", p.Returns.SellerResponseHours > 0, "must be at least 1")
	check("returns.buyer_ship_back_days", p.Returns.BuyerShipBackDays > 0, "must be at least 1")
	check("returns.seller_receipt_days", p.Returns.SellerReceiptDays > 0, "must be at least 1")
	check("returns.dispute_days", p.Returns.DisputeDays > 0, "must be at least 1")

	check("shipping.standard_fee", p.Shipping.StandardFee >= 0, "must not be negative")
	check("calendar.weekend_days", len(p.Calendar.WeekendDays) < 7, "a week needs at least one business day")
	for i, d := range p.Calendar.WeekendDays {
		check(fmt.Sprintf("calendar.weekend_days[%d]", i), d >= 0 && d <= 6, "days are 0 (Sunday) to 6 (Saturday)")
	}
	for i, h := range p.Calendar.Holidays {
		_, err := time.Parse(time.DateOnly, h)
		check(fmt.Sprintf("calendar.holidays[%d]", i), err == nil, "holidays are dates like 2026-12-25")
	}
	check("reviews.window_days", p.Reviews.WindowDays > 0, "must be at least 1")
	nonNeg("reviews.max_photos", p.Reviews.MaxPhotos)
	check("reviews.max_runes", p.Reviews.MaxRunes > 0, "must be at least 1")

	bp("fees.referral_fee_bp", p.Fees.ReferralFeeBP)
	for cat, v := range p.Fees.CategoryReferralFeeBP {
		bp("fees.category_referral_fee_bp."+cat, v)
	}
	bp("fees.refund_admin_fee_bp", p.Fees.RefundAdminFeeBP)
	check("fees.refund_admin_fee_cap_per_sku", p.Fees.RefundAdminFeeCapPerSKU >= 0, "must not be negative")

	nonNeg("settlement.delay_days", p.Settlement.DelayDays)
	nonNeg("settlement.probation_delay_days", p.Settlement.ProbationDelayDays)
	nonNeg("settlement.enforcement_delay_days", p.Settlement.EnforcementDelayDays)
	bp("settlement.reserve_bp", p.Settlement.ReserveBP)
	check("settlement.min_payout", p.Settlement.MinPayout >= 0, "must not be negative")

	codes := map[string]bool{}
	for i, sp := range p.Shipping.Programs {
		f := fmt.Sprintf("shipping.programs[%d]", i)
		check(f+".code", sp.Code != "", "every program needs a code")
		check(f+".code", !codes[sp.Code], "program %q appears twice", sp.Code)
		codes[sp.Code] = true
		check(f+".enrolment", sp.Enrolment == "automatic" || sp.Enrolment == "opt_in", `must be "automatic" or "opt_in"`)
		check(f+".min_order_value", sp.MinOrderValue >= 0, "must not be negative")
		check(f+".min_sps_x100", sp.MinSPSX100 >= 0 && sp.MinSPSX100 <= 500, "must be 0-500")
		check(f+".shipping_fee", sp.ShippingFee >= 0, "must not be negative")
		check(f+".platform_share", sp.PlatformShare >= 0, "must not be negative")
		check(f+".platform_share_per_item", sp.PlatformShareItem >= 0, "must not be negative")
		check(f+".seller_share", sp.SellerShare >= 0, "must not be negative")
	}

	check("promotions.price_floor_lookback_days", p.Promotions.PriceFloorLookbackDays >= 14 && p.Promotions.PriceFloorLookbackDays <= 30, "must be 14-30 days")
	check("promotions.max_buy_more_tiers", p.Promotions.MaxBuyMoreTiers >= 1, "must be at least 1")

	l := p.Live
	check("live.event_min_minutes", l.EventMinMinutes > 0, "must be at least 1")
	check("live.event_max_minutes", l.EventMaxMinutes >= l.EventMinMinutes, "must be at least event_min_minutes")
	check("live.max_products", l.MaxProducts > 0, "must be at least 1")
	check("live.flash_countdown_min_seconds", l.FlashCountdownMinSec >= 0, "must not be negative")
	check("live.flash_countdown_max_seconds", l.FlashCountdownMaxSec >= l.FlashCountdownMinSec, "must be at least flash_countdown_min_seconds")
	check("live.flash_duration_min_minutes", l.FlashDurationMinMin > 0, "must be at least 1")
	check("live.flash_duration_max_minutes", l.FlashDurationMaxMin >= l.FlashDurationMinMin, "must be at least flash_duration_min_minutes")
	check("live.chat_max_runes", l.ChatMaxRunes > 0 && l.ChatMaxRunes <= 2000, "must be 1-2000")
	nonNeg("live.chat_min_interval_millis", l.ChatMinIntervalMillis)

	check("ads.max_delivery_min_daily_budget", p.Ads.MaxDeliveryMinDailyBudget >= 0, "must not be negative")
	bp("ads.roi_protection_floor_bp", p.Ads.ROIProtectionFloorBP)
	nonNeg("ads.roi_protection_min_orders", p.Ads.ROIProtectionMinOrders)
	check("ads.max_products", p.Ads.MaxProducts > 0, "must be at least 1")
	return firstErr
}

// IsBusinessDay reports whether the day (in the market's calendar) is a working day.
func (c CalendarPolicy) IsBusinessDay(day time.Time) bool {
	for _, w := range c.WeekendDays {
		if int(day.Weekday()) == w {
			return false
		}
	}
	d := day.Format(time.DateOnly)
	for _, h := range c.Holidays {
		if h == d {
			return false
		}
	}
	return true
}

// AddBusinessDays returns the end of the nth business day after t, in loc: a parcel
// paid on Friday evening with two business days to ship is due by the end of Tuesday.
func (c CalendarPolicy) AddBusinessDays(t time.Time, n int, loc *time.Location) time.Time {
	l := t.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	for added := 0; added < n; {
		day = day.AddDate(0, 0, 1)
		if c.IsBusinessDay(day) {
			added++
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Microsecond).UTC()
}
