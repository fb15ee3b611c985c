package seller

import (
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/market"
)

func TestSettlementDelayIsLongerInProbation(t *testing.T) {
	p := market.Policy{Probation: market.ProbationPolicy{Days: 30}, Settlement: market.SettlementPolicy{DelayDays: 7, ProbationDelayDays: 15, EnforcementDelayDays: 30}}
	activated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		shop   Shop
		at     time.Time
		days   int
		reason string
	}{
		{"new shop", Shop{ActivatedAt: activated}, activated.AddDate(0, 0, 3), 15, DelayProbation},
		{"last day of probation", Shop{ActivatedAt: activated}, activated.AddDate(0, 0, 30).Add(-time.Second), 15, DelayProbation},
		{"after probation", Shop{ActivatedAt: activated}, activated.AddDate(0, 0, 30), 7, DelayStandard},
		{"never activated", Shop{}, activated, 7, DelayStandard},
		{"restricted", Shop{ActivatedAt: activated, Status: Restricted}, activated.AddDate(1, 0, 0), 30, DelayEnforcement},
		{"suspended in probation", Shop{ActivatedAt: activated, Status: Suspended}, activated.AddDate(0, 0, 3), 30, DelayEnforcement},
		{"active again", Shop{ActivatedAt: activated, Status: Active}, activated.AddDate(1, 0, 0), 7, DelayStandard},
	}
	for _, tt := range tests {
		days, reason, err := settlementDelay(tt.shop, p, tt.at, false)
		if err != nil || days != tt.days || reason != tt.reason {
			t.Errorf("%s: %d %s %v, want %d %s", tt.name, days, reason, err, tt.days, tt.reason)
		}
	}
}
