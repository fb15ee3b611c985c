package market

import (
	"fmt"
	"slices"
)

// EnforcementPolicy turns violation points into a shop's health rating and into
// actions. Points of violations recorded in the last PointsWindowDays (and not yet
// expired or overturned) count; the rating is the last band whose MinPoints the total
// reaches; every threshold the total reaches applies its action once.
type EnforcementPolicy struct {
	PointsWindowDays int                    `json:"points_window_days"`
	HealthBands      []HealthBand           `json:"health_bands"`
	Thresholds       []EnforcementThreshold `json:"thresholds"`
	// LateDispatchActions are applied when a shop's late dispatch rate is above
	// performance.late_dispatch_enforce_bp (internal/seller, enforcement.go).
	LateDispatchActions []LateDispatchAction `json:"late_dispatch_actions"`
}

// LateDispatchAction is an action the late-dispatch rule applies, for Days (0: until
// an operator lifts it or an appeal succeeds).
type LateDispatchAction struct {
	Action string `json:"action"`
	Days   int    `json:"days"`
}

// HealthBand names a shop's health from a number of points upward.
type HealthBand struct {
	Name      string `json:"name"`
	MinPoints int    `json:"min_points"`
}

// EnforcementThreshold applies Action when a shop's points reach Points, for Days
// (0: until an operator lifts it or an appeal succeeds).
type EnforcementThreshold struct {
	Points int    `json:"points"`
	Action string `json:"action"`
	Days   int    `json:"days"`
}

// Enforcement actions, from the mildest.
const (
	ActionWarning            = "warning"
	ActionListingRestriction = "listing_restriction"
	ActionOrderRestriction   = "order_restriction"
	ActionSettlementDelay    = "settlement_delay"
	ActionSuspension         = "suspension"
	ActionDeactivation       = "deactivation"
)

// EnforcementActions lists every action kind, from the mildest.
var EnforcementActions = []string{ActionWarning, ActionListingRestriction, ActionOrderRestriction,
	ActionSettlementDelay, ActionSuspension, ActionDeactivation}

// defaultEnforcement is every market's starting ladder.
func defaultEnforcement() EnforcementPolicy {
	return EnforcementPolicy{
		PointsWindowDays: 90,
		HealthBands: []HealthBand{
			{Name: "Excellent", MinPoints: 0}, {Name: "Good", MinPoints: 1}, {Name: "Fair", MinPoints: 4},
			{Name: "Poor", MinPoints: 8}, {Name: "At risk", MinPoints: 12},
		},
		Thresholds: []EnforcementThreshold{
			{Points: 4, Action: ActionWarning},
			{Points: 8, Action: ActionListingRestriction, Days: 14},
			{Points: 12, Action: ActionOrderRestriction, Days: 7},
			{Points: 12, Action: ActionSettlementDelay, Days: 30},
			{Points: 24, Action: ActionSuspension},
			{Points: 48, Action: ActionDeactivation},
		},
		// What a late-dispatch restriction always did: no new listings, payouts wait.
		LateDispatchActions: []LateDispatchAction{{Action: ActionListingRestriction}, {Action: ActionSettlementDelay}},
	}
}

// validate returns the first problem, naming the field.
func (e EnforcementPolicy) validate() (field, problem string) {
	if e.PointsWindowDays < 1 {
		return "enforcement.points_window_days", "must be at least 1"
	}
	if len(e.HealthBands) == 0 || e.HealthBands[0].MinPoints != 0 {
		return "enforcement.health_bands", "the first band starts at 0 points"
	}
	for i, b := range e.HealthBands {
		f := fmt.Sprintf("enforcement.health_bands[%d]", i)
		if b.Name == "" {
			return f + ".name", "every band needs a name"
		}
		if i > 0 && b.MinPoints <= e.HealthBands[i-1].MinPoints {
			return f + ".min_points", "bands go up in points"
		}
	}
	for i, t := range e.Thresholds {
		f := fmt.Sprintf("enforcement.thresholds[%d]", i)
		known := false
		for _, a := range EnforcementActions {
			known = known || a == t.Action
		}
		switch {
		case !known:
			return f + ".action", fmt.Sprintf("must be one of %v", EnforcementActions)
		case t.Points < 1:
			return f + ".points", "must be at least 1"
		case t.Days < 0:
			return f + ".days", "must not be negative"
		}
	}
	seen := map[string]bool{}
	for i, a := range e.LateDispatchActions {
		f := fmt.Sprintf("enforcement.late_dispatch_actions[%d]", i)
		switch {
		case !slices.Contains(EnforcementActions, a.Action):
			return f + ".action", fmt.Sprintf("must be one of %v", EnforcementActions)
		case seen[a.Action]:
			return f + ".action", "each action once"
		case a.Days < 0:
			return f + ".days", "must not be negative"
		}
		seen[a.Action] = true
	}
	return "", ""
}

// Health is the band a number of points falls in.
func (e EnforcementPolicy) Health(points int) string {
	name := ""
	for _, b := range e.HealthBands {
		if points >= b.MinPoints {
			name = b.Name
		}
	}
	return name
}
