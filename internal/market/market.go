// Package market owns the country markets liveshop runs (currency, time zone, launch
// state) and their policies: every threshold, cap, fee and window the other domains
// apply, stored as effective-dated data and read through Service.Policy. No rule
// elsewhere hard-codes a number that belongs here.
package market

import (
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
)

// LaunchState is where a market is in its life.
type LaunchState string

// Launch states. Sellers may register in markets that are open for registration or live.
const (
	Planned      LaunchState = "planned"
	Registration LaunchState = "registration" // open for seller registration, not yet selling
	Live         LaunchState = "live"
	Paused       LaunchState = "paused" // postponed or suspended
)

var launchStates = []LaunchState{Planned, Registration, Live, Paused}

// Valid reports whether s is a known launch state.
func (s LaunchState) Valid() bool {
	for _, v := range launchStates {
		if v == s {
			return true
		}
	}
	return false
}

// Market is one country market.
type Market struct {
	Code        string      `json:"code"` // ISO 3166-1 alpha-2, as TikTok Shop's site codes
	Name        string      `json:"name"`
	Currency    string      `json:"currency"`
	TimeZone    string      `json:"time_zone"`
	Languages   []string    `json:"languages"`
	LaunchState LaunchState `json:"launch_state"`
	// LaunchDate is the day the market opened, or is planned to, in its own time zone.
	LaunchDate string `json:"launch_date"`
}

// AcceptsSellers reports whether sellers may register shops in the market.
func (m Market) AcceptsSellers() bool { return m.LaunchState == Registration || m.LaunchState == Live }

// Selling reports whether buyers can buy in the market.
func (m Market) Selling() bool { return m.LaunchState == Live }

// Location returns the market's time zone. Daily caps, business days and reports use
// it; everything stored is UTC.
func (m Market) Location() *time.Location {
	if loc, ok := locations.Load(m.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return time.UTC // validated on write; unreachable with seeded data
	}
	locations.Store(m.TimeZone, loc)
	return loc
}

// locations caches time zones by name: time.LoadLocation reads the zone database
// on every call, and deadlines are computed on every paid order.
var locations sync.Map

// Day returns the calendar day t falls on in the market, as YYYY-MM-DD.
func (m Market) Day(t time.Time) string { return t.In(m.Location()).Format(time.DateOnly) }

// DayStart returns the start of the market's calendar day containing t, in UTC.
func (m Market) DayStart(t time.Time) time.Time {
	l := t.In(m.Location())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, l.Location()).UTC()
}

// Errors of the market domain.
var (
	ErrMarketNotFound  = errs.New(errs.NotFound, "market_not_found", "no such market")
	ErrMarketClosed    = errs.New(errs.Rule, "market_closed", "this market is not open")
	ErrPolicyNotFound  = errs.New(errs.NotFound, "policy_not_found", "the market has no policy in force at that time")
	ErrPolicyBackdated = errs.New(errs.Rule, "policy_backdated", "a policy change cannot take effect in the past; pick now or a later time").OnField("effective_from")
	ErrPolicyExists    = errs.New(errs.Conflict, "policy_version_exists", "a policy version already takes effect at that exact time; pick another time").OnField("effective_from")
	ErrInvalidState    = errs.New(errs.Invalid, "invalid_launch_state", "launch state must be planned, registration, live or paused").OnField("launch_state")
)

func notFound(code string) error {
	return ErrMarketNotFound.With("no market %q; markets are two-letter codes such as US, GB, ID", code)
}

func checkDate(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errs.Invalidf("launch_date", "launch date must look like 2025-03-31")
	}
	return nil
}
