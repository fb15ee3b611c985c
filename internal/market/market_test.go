package market

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
)

var operator = auth.Actor{AccountID: 1, Roles: []auth.Role{auth.Operator}}

func seeded(t *testing.T, d *db.DB) *Service {
	t.Helper()
	s := NewService(d, slog.New(slog.DiscardHandler))
	if err := s.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedHasSixteenMarketsAndIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		if err := s.Seed(context.Background()); err != nil { // a restart seeds again
			t.Fatal(err)
		}
		ms, err := s.Markets(context.Background())
		if err != nil || len(ms) != 16 {
			t.Fatalf("%d markets, %v", len(ms), err)
		}
		hist, _ := s.History(context.Background(), "US")
		if len(hist) != 3 {
			t.Fatalf("US has %d seeded versions, want 3", len(hist))
		}
		want := map[string]string{"US": "USD", "GB": "GBP", "ID": "IDR", "VN": "VND", "JP": "JPY", "DE": "EUR", "BR": "BRL", "MX": "MXN"}
		for code, cur := range want {
			m, err := s.Market(context.Background(), code)
			if err != nil || m.Currency != cur {
				t.Errorf("%s: %+v %v", code, m, err)
			}
		}
		jp, _ := s.Market(context.Background(), "JP")
		us, _ := s.Market(context.Background(), "US")
		if jp.AcceptsSellers() || !us.AcceptsSellers() {
			t.Error("JP is planned and must not accept sellers; US is live and must")
		}
	})
}

// The US probation change of July 2024 is data: the same call answers differently
// either side of its effective date.
func TestPolicyIsEffectiveDated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		ctx := context.Background()
		la, _ := time.LoadLocation("America/Los_Angeles")
		tests := []struct {
			at                  time.Time
			days, orders, badBP int
			cofundedShipping    bool
		}{
			{time.Date(2024, 6, 30, 23, 59, 0, 0, la), 90, 1000, 60, false},
			{time.Date(2024, 7, 1, 0, 0, 0, 0, la), 30, 500, 40, false},
			{time.Date(2024, 8, 26, 12, 0, 0, 0, la), 30, 500, 40, true},
		}
		for _, tt := range tests {
			p, err := s.Policy(ctx, "US", tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if p.Probation.Days != tt.days || p.Probation.RequiredOrders != tt.orders || p.Probation.MaxBadReviewRateBP != tt.badBP {
				t.Errorf("at %v: probation %+v", tt.at, p.Probation)
			}
			if got := len(p.Shipping.Programs) > 0; got != tt.cofundedShipping {
				t.Errorf("at %v: co-funded shipping %v, want %v", tt.at, got, tt.cofundedShipping)
			}
		}
		p, _ := s.Policy(ctx, "US", time.Now())
		if beginner, _ := p.TierFor("Beginner"); beginner.DailyOrderCap != 50 || beginner.ListingCap != 100 {
			t.Errorf("US Beginner tier %+v", beginner)
		}
		if p.Creators.MinFollowers != 1000 || p.Fees.ReferralFeeBP != 600 || p.Fees.RefundAdminFeeCapPerSKU != 500 {
			t.Errorf("US creators %+v fees %+v", p.Creators, p.Fees)
		}
		th, _ := s.Policy(ctx, "TH", time.Now())
		if th.Tiers[2].DailyOrderCap != 300 || th.Tiers[2].ListingCap != 3000 || th.Mall.ReturnWindowDays != 15 {
			t.Errorf("TH tiers %+v mall %+v", th.Tiers, th.Mall)
		}
		if _, err := s.Policy(ctx, "US", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrPolicyNotFound) {
			t.Errorf("before any policy: %v", err)
		}
		if _, err := s.Policy(ctx, "XX", time.Now()); !errors.Is(err, ErrMarketNotFound) {
			t.Errorf("unknown market: %v", err)
		}
	})
}

func TestOperatorSchedulesPolicyChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		ctx := context.Background()
		p, _ := s.Policy(ctx, "US", time.Now())
		p.Creators.MinFollowers = 500
		from := time.Now().Add(time.Hour)
		if _, err := s.SetPolicy(ctx, operator, "US", from, p, "lower threshold for small creators"); err != nil {
			t.Fatal(err)
		}
		now, _ := s.Policy(ctx, "US", time.Now())
		later, _ := s.Policy(ctx, "US", from.Add(time.Second))
		if now.Creators.MinFollowers != 1000 || later.Creators.MinFollowers != 500 {
			t.Fatalf("now %d, later %d", now.Creators.MinFollowers, later.Creators.MinFollowers)
		}
		// A second service (another node) sees the change from the database.
		other := NewService(d, slog.New(slog.DiscardHandler))
		if p2, _ := other.Policy(ctx, "US", from.Add(time.Second)); p2.Creators.MinFollowers != 500 {
			t.Fatalf("other node sees %d", p2.Creators.MinFollowers)
		}
	})
}

func TestSetPolicyRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		ctx := context.Background()
		good, _ := s.Policy(ctx, "US", time.Now())
		bad := good
		bad.Fees.ReferralFeeBP = 12000
		noTiers := good
		noTiers.Tiers = nil
		seller := auth.Actor{AccountID: 2, Roles: []auth.Role{auth.Seller}}
		tests := []struct {
			name      string
			actor     auth.Actor
			market    string
			from      time.Time
			p         Policy
			wantKind  errs.Kind
			wantField string
		}{
			{"not an operator", seller, "US", time.Now(), good, errs.Forbidden, ""},
			{"anonymous", auth.Actor{}, "US", time.Now(), good, errs.Unauthenticated, ""},
			{"unknown market", operator, "XX", time.Now(), good, errs.NotFound, ""},
			{"backdated", operator, "US", time.Now().Add(-24 * time.Hour), good, errs.Rule, "effective_from"},
			{"fee over 100%", operator, "US", time.Now(), bad, errs.Invalid, "fees.referral_fee_bp"},
			{"no tiers", operator, "US", time.Now(), noTiers, errs.Invalid, "tiers"},
		}
		before, _ := s.History(ctx, "US")
		for _, tt := range tests {
			_, err := s.SetPolicy(ctx, tt.actor, tt.market, tt.from, tt.p, "")
			e := errs.As(err)
			if e == nil || e.Kind != tt.wantKind || e.Field != tt.wantField {
				t.Errorf("%s: got %v, want kind %s field %q", tt.name, err, tt.wantKind, tt.wantField)
			}
		}
		after, _ := s.History(ctx, "US")
		if len(after) != len(before) {
			t.Fatalf("refused changes were stored: %d versions, was %d", len(after), len(before))
		}
	})
}

func TestSetLaunch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		ctx := context.Background()
		m, err := s.SetLaunch(ctx, operator, "JP", Registration, "2026-12-01")
		if err != nil || !m.AcceptsSellers() || m.Selling() {
			t.Fatalf("%+v %v", m, err)
		}
		if _, err := s.SetLaunch(ctx, operator, "JP", "open", "2026-12-01"); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("bad state: %v", err)
		}
		if _, err := s.SetLaunch(ctx, operator, "JP", Live, "soon"); errs.As(err) == nil || errs.As(err).Field != "launch_date" {
			t.Fatalf("bad date: %v", err)
		}
	})
}

func TestDayUsesMarketTimeZone(t *testing.T) {
	us := Market{TimeZone: "America/Los_Angeles"}
	vn := Market{TimeZone: "Asia/Ho_Chi_Minh"}
	at := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) // evening of the 20th in LA, morning of the 21st in Vietnam
	if us.Day(at) != "2026-11-20" || vn.Day(at) != "2026-11-21" {
		t.Fatalf("US %s, VN %s", us.Day(at), vn.Day(at))
	}
	if got := us.DayStart(at); !got.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("US day start %v", got)
	}
}

func TestAddBusinessDays(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	cal := CalendarPolicy{WeekendDays: []int{0, 6}, Holidays: []string{"2026-11-26"}} // Thanksgiving
	tests := []struct {
		paid time.Time
		n    int
		want string // end of this day in LA
	}{
		{time.Date(2026, 11, 20, 18, 0, 0, 0, la), 2, "2026-11-24"}, // Friday evening: Monday, Tuesday
		{time.Date(2026, 11, 24, 9, 0, 0, 0, la), 2, "2026-11-27"},  // Tuesday: Wednesday, (Thanksgiving) Friday
		{time.Date(2026, 11, 21, 9, 0, 0, 0, la), 1, "2026-11-23"},  // Saturday: Monday
	}
	for _, tt := range tests {
		got := cal.AddBusinessDays(tt.paid, tt.n, la)
		end, _ := time.ParseInLocation(time.DateOnly, tt.want, la)
		end = end.AddDate(0, 0, 1).Add(-time.Microsecond)
		if !got.Equal(end) {
			t.Errorf("%v + %d business days = %v, want end of %s", tt.paid, tt.n, got.In(la), tt.want)
		}
	}
}

// A policy version stored before a field existed reads with the field's default.
func TestOldPolicyDocumentsReadWithDefaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO market_policies (id, market, effective_from, document, note, created_at)
			VALUES (1, 'DE', $1, '{"fees": {"referral_fee_bp": 700}}', 'old shape', 0)`, db.Micros(time.Now().Add(-time.Minute))); err != nil {
			t.Fatal(err)
		}
		s = NewService(d, s.log)
		p, err := s.Policy(ctx, "DE", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if p.Fees.ReferralFeeBP != 700 || p.Orders.TaxMode != TaxIncluded || p.Orders.TaxBP != 1900 || p.Orders.CartTTLDays != 30 || p.Validate() != nil {
			t.Fatalf("old document read as %+v %+v (%v)", p.Fees, p.Orders, p.Validate())
		}
	})
}
