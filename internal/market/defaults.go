package market

import "time"

// The seed data: the sixteen markets of the source articles and their starting
// policies. Operators change both afterwards; these are only the first versions.
// Dates are the articles' (to the month where they give no day).

var seedMarkets = []Market{
	{Code: "US", Name: "United States", Currency: "USD", TimeZone: "America/Los_Angeles", Languages: []string{"en", "es"}, LaunchState: Live, LaunchDate: "2023-09-12"},
	{Code: "GB", Name: "United Kingdom", Currency: "GBP", TimeZone: "Europe/London", Languages: []string{"en"}, LaunchState: Live, LaunchDate: "2021-04-01"},
	{Code: "ID", Name: "Indonesia", Currency: "IDR", TimeZone: "Asia/Jakarta", Languages: []string{"id"}, LaunchState: Live, LaunchDate: "2021-04-01"},
	{Code: "TH", Name: "Thailand", Currency: "THB", TimeZone: "Asia/Bangkok", Languages: []string{"th"}, LaunchState: Live, LaunchDate: "2022-02-01"},
	{Code: "VN", Name: "Vietnam", Currency: "VND", TimeZone: "Asia/Ho_Chi_Minh", Languages: []string{"vi"}, LaunchState: Live, LaunchDate: "2022-04-01"},
	{Code: "MY", Name: "Malaysia", Currency: "MYR", TimeZone: "Asia/Kuala_Lumpur", Languages: []string{"ms", "en", "zh"}, LaunchState: Live, LaunchDate: "2022-04-01"},
	{Code: "PH", Name: "Philippines", Currency: "PHP", TimeZone: "Asia/Manila", Languages: []string{"en", "fil"}, LaunchState: Live, LaunchDate: "2022-04-01"},
	{Code: "SG", Name: "Singapore", Currency: "SGD", TimeZone: "Asia/Singapore", Languages: []string{"en", "zh"}, LaunchState: Live, LaunchDate: "2022-04-01"},
	{Code: "MX", Name: "Mexico", Currency: "MXN", TimeZone: "America/Mexico_City", Languages: []string{"es"}, LaunchState: Live, LaunchDate: "2025-02-01"},
	{Code: "ES", Name: "Spain", Currency: "EUR", TimeZone: "Europe/Madrid", Languages: []string{"es"}, LaunchState: Live, LaunchDate: "2024-10-01"},
	{Code: "IE", Name: "Ireland", Currency: "EUR", TimeZone: "Europe/Dublin", Languages: []string{"en"}, LaunchState: Live, LaunchDate: "2024-10-01"},
	{Code: "DE", Name: "Germany", Currency: "EUR", TimeZone: "Europe/Berlin", Languages: []string{"de"}, LaunchState: Live, LaunchDate: "2025-03-31"},
	{Code: "FR", Name: "France", Currency: "EUR", TimeZone: "Europe/Paris", Languages: []string{"fr"}, LaunchState: Live, LaunchDate: "2025-03-31"},
	{Code: "IT", Name: "Italy", Currency: "EUR", TimeZone: "Europe/Rome", Languages: []string{"it"}, LaunchState: Live, LaunchDate: "2025-03-31"},
	{Code: "JP", Name: "Japan", Currency: "JPY", TimeZone: "Asia/Tokyo", Languages: []string{"ja"}, LaunchState: Planned, LaunchDate: "2025-06-30"},
	{Code: "BR", Name: "Brazil", Currency: "BRL", TimeZone: "America/Sao_Paulo", Languages: []string{"pt"}, LaunchState: Planned, LaunchDate: "2025-05-01"},
}

// minorPerUSD approximates one US dollar in each currency's minor units, only to
// scale the seed policies' amounts (fee caps, minimum payouts, ad budgets) to a sensible
// local size. Reporting in USD uses the operators' FX table, never this.
var minorPerUSD = map[string]int64{
	"USD": 100, "GBP": 80, "EUR": 90, "IDR": 1_600_000, "THB": 3_500, "VND": 25_000,
	"MYR": 450, "PHP": 5_700, "SGD": 135, "MXN": 1_800, "JPY": 150, "BRL": 550,
}

// usd scales an amount in US cents to roughly the same value in currency's minor units.
func usd(cents int64, currency string) int64 { return cents * minorPerUSD[currency] / 100 }

// taxes are each market's standard consumption tax as the seed policies apply it:
// VAT or GST inside prices where the market has one, US sales tax (which depends on
// the state) left for operators to set, "added" on top of prices.
var taxes = map[string]struct {
	mode string
	bp   int
}{
	"US": {TaxAdded, 0}, "GB": {TaxIncluded, 2000}, "DE": {TaxIncluded, 1900}, "FR": {TaxIncluded, 2000},
	"IT": {TaxIncluded, 2200}, "ES": {TaxIncluded, 2100}, "IE": {TaxIncluded, 2300}, "ID": {TaxIncluded, 1100},
	"TH": {TaxIncluded, 700}, "VN": {TaxIncluded, 1000}, "MY": {TaxNone, 0}, "PH": {TaxIncluded, 1200},
	"SG": {TaxIncluded, 900}, "MX": {TaxIncluded, 1600}, "JP": {TaxIncluded, 1000}, "BR": {TaxNone, 0},
}

// usTiers are the US onboarding tiers (Beginner 50 orders/100 listings, Standard
// 100/200, Premium 200/1000, Pro unlimited), with graduation requirements.
var usTiers = []Tier{
	{Name: "Beginner", DailyOrderCap: 50, ListingCap: 100},
	{Name: "Standard", DailyOrderCap: 100, ListingCap: 200, MinDaysActive: 15, MinDeliveredOrders: 50, MinUniqueBuyers: 30, MaxViolationPoints: 12},
	{Name: "Premium", DailyOrderCap: 200, ListingCap: 1000, MinDaysActive: 30, MinDeliveredOrders: 500, MinUniqueBuyers: 200, MinRatingX100: 400, MaxViolationPoints: 8},
	{Name: "Pro", DailyOrderCap: 0, ListingCap: 0, MinDaysActive: 60, MinDeliveredOrders: 2000, MinUniqueBuyers: 1000, MinRatingX100: 420, MaxViolationPoints: 4},
}

// thTiers are Thailand's (100/1000, 200/2000, 300/3000); the other Southeast Asian
// markets start from the same shape.
var thTiers = []Tier{
	{Name: "Tier 1", DailyOrderCap: 100, ListingCap: 1000},
	{Name: "Tier 2", DailyOrderCap: 200, ListingCap: 2000, MinDaysActive: 15, MinDeliveredOrders: 100, MinUniqueBuyers: 60, MaxViolationPoints: 12},
	{Name: "Tier 3", DailyOrderCap: 300, ListingCap: 3000, MinDaysActive: 30, MinDeliveredOrders: 500, MinUniqueBuyers: 250, MinRatingX100: 400, MaxViolationPoints: 8},
}

// basePolicy is the policy every market starts from, scaled to its currency.
func basePolicy(m Market) Policy {
	cur := m.Currency
	tiers := usTiers
	switch m.Code {
	case "TH", "ID", "VN", "MY", "PH", "SG":
		tiers = thTiers
	}
	return Policy{
		Shops:     ShopPolicy{CrossBorderAllowed: true},
		Probation: ProbationPolicy{Days: 30, RequiredOrders: 500, MaxBadReviewRateBP: 40},
		Tiers:     append([]Tier(nil), tiers...),
		Performance: PerformancePolicy{
			MinDeliveredOrders: 30, ScoreWindowDays: 90, NegativeReviewDays: 60, DispatchBusinessDays: 2,
			LateDispatchTargetBP: 400, LateDispatchEnforceBP: 1000, SellerCancelMaxBP: 250,
			DeliveryBusinessDays: 7, OnTimeDeliveryMinBP: 9500, ResponseHours: 24, ResponseRateMinBP: 8000,
			Scoring: defaultSPSScoring(),
		},
		Enforcement: defaultEnforcement(),
		Mall:        MallPolicy{MinSPSX100: 350, MinProducts: 5, MinFreeShippingCoverageBP: 7000, ReturnWindowDays: 7, OfficialShopReturnWindowDays: 7},
		Creators: CreatorPolicy{
			MinFollowers: 1000, MinAge: 18, PilotBelowFollowers: 5000, PilotDays: 30, PilotLivesPerWeek: 3, PilotVideosPerWeek: 5,
			MinCommissionBP: 100, MaxCommissionBP: 8000, TargetMaxCreators: 50, TargetMaxProducts: 100,
			AttributionWindowDays: 7, CommissionDueDays: 7,
		},
		Orders:     OrderPolicy{UnpaidTimeoutMinutes: 30, OnHoldMinutes: 60, AutoCompleteDays: 7, CartTTLDays: 30, TaxMode: taxes[m.Code].mode, TaxBP: taxes[m.Code].bp},
		Returns:    ReturnPolicy{StandardWindowDays: 7, SellerResponseHours: 48, BuyerShipBackDays: 7, SellerReceiptDays: 5, DisputeDays: 7},
		Shipping:   ShippingPolicy{StandardFee: usd(599, cur)},
		Calendar:   CalendarPolicy{WeekendDays: []int{0, 6}},
		Reviews:    ReviewPolicy{WindowDays: 90, MaxPhotos: 5, MaxRunes: 2000},
		Fees:       FeePolicy{ReferralFeeBP: 600, RefundAdminFeeBP: 2000, RefundAdminFeeCapPerSKU: usd(500, cur)},
		Settlement: SettlementPolicy{DelayDays: 7, ProbationDelayDays: 15, EnforcementDelayDays: 30, MinPayout: usd(1000, cur)},
		Promotions: PromotionPolicy{PriceFloorLookbackDays: 30, MaxBuyMoreTiers: 2},
		Live: LivePolicy{
			EventMinMinutes: 30, EventMaxMinutes: 13 * 60, MaxProducts: 100,
			FlashCountdownMinSec: 10, FlashCountdownMaxSec: 300, FlashDurationMinMin: 1, FlashDurationMaxMin: 20,
			ChatMaxRunes: 150, ChatMinIntervalMillis: 1000,
		},
		Ads: AdsPolicy{MaxDeliveryMinDailyBudget: usd(1000, cur), ROIProtectionFloorBP: 9000, ROIProtectionMinOrders: 20, MaxProducts: 50},
	}
}

// seedVersion is one seeded policy version.
type seedVersion struct {
	from   time.Time
	note   string
	policy Policy
}

// policyEpoch is when every market's first policy version takes effect: before any
// launch, so a market has rules from the day sellers may register, whatever its date.
var policyEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// seedPolicies returns the versions a market starts with: one in force from
// policyEpoch, and for the US the changes the articles record, so the history shows
// effective dating at work.
func seedPolicies(m Market) []seedVersion {
	launch := policyEpoch
	p := basePolicy(m)
	switch m.Code {
	case "US":
		// At launch: 90-day probation, 1000 orders, 0.6% bad-review standard; cross-border
		// POP stores needed 2 M USD of annual GMV elsewhere.
		atLaunch := p
		atLaunch.Probation = ProbationPolicy{Days: 90, RequiredOrders: 1000, MaxBadReviewRateBP: 60}
		atLaunch.Shops.CrossBorderMinAnnualGMV = 2_000_000_00
		atLaunch.Mall.OfficialShopReturnWindowDays = 30
		atLaunch.Returns.StandardWindowDays = 30
		jul := atLaunch
		jul.Probation = ProbationPolicy{Days: 30, RequiredOrders: 500, MaxBadReviewRateBP: 40}
		jul.Shops.CrossBorderMinAnnualGMV = 0
		aug := jul
		aug.Shipping.Programs = []ShippingProgram{{
			Code: "cofunded_free_shipping", Name: "Co-funded free shipping", Enrolment: "automatic",
			MinOrderValue: 2500, ShippingFee: 599, PlatformShare: 300, SellerShare: 299,
		}}
		return []seedVersion{
			{launch, "US launch policy: 90-day probation, 1000 orders, 0.6% bad-review rate", atLaunch},
			{date("2024-07-01", m), "Probation cut to 30 days and 500 orders; bad-review standard 0.4%; CB POP GMV minimum relaxed", jul},
			{date("2024-08-26", m), "Co-funded free shipping: platform and seller share each qualifying order's shipping", aug},
		}
	case "ID", "TH":
		p.Mall.ReturnWindowDays = 15 // Mall shops here give 15 days
	}
	return []seedVersion{{launch, m.Name + " launch policy", p}}
}

func date(s string, m Market) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, m.Location())
	return t
}
