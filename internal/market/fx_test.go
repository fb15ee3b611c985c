package market

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func TestConvertToUSDInIntegers(t *testing.T) {
	for _, tt := range []struct {
		name     string
		amount   int64
		currency string
		perUSD   string
		want     int64
		err      error
	}{
		{"dollars stay dollars", 2599, "USD", "1", 2599, nil},
		{"10 GBP at 0.79 is 12.658 USD", 1000, "GBP", "0.79", 1266, nil},
		{"25,400 dong at 25,400 is a dollar", 25_400, "VND", "25400", 100, nil},
		{"IDR is stored in sen: 16,250 rupiah", 1_625_000, "IDR", "16250", 100, nil},
		{"151 yen at 151.5 is 99.67 cents", 151, "JPY", "151.5", 100, nil},
		{"1.73 THB at 34.6 is exactly 5 cents", 173, "THB", "34.6", 5, nil},
		{"half a cent rounds up", 127, "VND", "25400", 1, nil},
		{"a refund's half cent rounds away from zero", -127, "VND", "25400", -1, nil},
		{"just under half a cent rounds down", 126, "VND", "25400", 0, nil},
		{"a year of US GMV at scale", 8_000_000_000_00, "USD", "1", 8_000_000_000_00, nil},
		{"100 B VND, the 17-hour live", 100_000_000_000, "VND", "25400", 393_700_787, nil},
		{"zero is zero", 0, "EUR", "0.92", 0, nil},
		{"overflow is an error, not a wrap", 9_000_000_000_000_000_000, "VND", "0.000001", 0, ErrFXOverflow},
		{"a zero rate is refused", 100, "GBP", "0", 0, ErrFXRateNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			micros := int64(0)
			if tt.perUSD != "0" {
				var err error
				if micros, err = ParsePerUSD(tt.perUSD); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ConvertToUSD(tt.amount, tt.currency, micros)
			if !errors.Is(err, tt.err) || (tt.err == nil && got != tt.want) {
				t.Fatalf("ConvertToUSD(%d %s at %s) = %d, %v; want %d, %v", tt.amount, tt.currency, tt.perUSD, got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := ConvertToUSD(100, "XXX", 1_000_000); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Fatalf("unknown currency: %v", err)
	}
}

func TestParsePerUSD(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		code string
	}{
		{"25400", 25_400_000_000, ""},
		{"0.79", 790_000, ""},
		{" 1.5 ", 1_500_000, ""},
		{"0.000001", 1, ""},
		{"0", 0, "fx_rate_not_positive"},
		{"0.000", 0, "fx_rate_not_positive"},
		{"-1.2", 0, "fx_rate_not_positive"},
		{"0.0000001", 0, "invalid_field"},
		{"1,000", 0, "invalid_field"},
		{"abc", 0, "invalid_field"},
		{"", 0, "invalid_field"},
		{"1.", 0, "invalid_field"},
		{"2000000000", 0, "invalid_field"},
	} {
		got, err := ParsePerUSD(tt.in)
		code := ""
		if e := errs.As(err); e != nil {
			code = e.Code
			if e.Field != "per_usd" {
				t.Errorf("%q: field %q", tt.in, e.Field)
			}
		}
		if got != tt.want || code != tt.code {
			t.Errorf("ParsePerUSD(%q) = %d, %q; want %d, %q", tt.in, got, code, tt.want, tt.code)
		}
	}
	for micros, want := range map[int64]string{25_400_000_000: "25400", 790_000: "0.79", 1: "0.000001", 1_500_000: "1.5"} {
		if got := FormatPerUSD(micros); got != want {
			t.Errorf("FormatPerUSD(%d) = %q, want %q", micros, got, want)
		}
	}
}

func newFX(t *testing.T, d *db.DB) *FX {
	t.Helper()
	f := NewFX(d, slog.New(slog.DiscardHandler))
	if err := f.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func rateCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fx_rates`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Rates are effective-dated data: a new rate applies from its moment on, and amounts
// converted before keep the rate of their own time.
func TestFXRatesAreEffectiveDated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFX(t, d)
		seeded := rateCount(t, d)
		if seeded != len(seedRates) {
			t.Fatalf("%d seeded rates, want %d", seeded, len(seedRates))
		}
		if err := f.Seed(ctx); err != nil || rateCount(t, d) != seeded { // a restart
			t.Fatalf("seeding again: %v, %d rates", err, rateCount(t, d))
		}
		now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
		f.now = func() time.Time { return now }
		// History converts at the seed rate.
		old, err := f.ToUSD(ctx, money.New(25_400_000, "VND"), time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || old != money.New(100_000, "USD") {
			t.Fatalf("June 2024: %v %v", old, err)
		}
		next := now.Add(24 * time.Hour)
		r, err := f.SetRate(ctx, operator, RateInput{Currency: "vnd", PerUSD: "25000", EffectiveFrom: next, Note: "December rate"})
		if err != nil || r.Currency != "VND" || r.PerUSDMicros != 25_000_000_000 || r.PerUSD() != "25000" {
			t.Fatalf("set rate: %+v %v", r, err)
		}
		before, _ := f.ToUSD(ctx, money.New(25_000_000, "VND"), next.Add(-time.Second))
		after, _ := f.ToUSD(ctx, money.New(25_000_000, "VND"), next)
		if before != money.New(98_425, "USD") || after != money.New(100_000, "USD") {
			t.Fatalf("either side of the new rate: %v, %v", before, after)
		}
		rates, _ := f.Rates(ctx)
		if h := rates.History("VND"); len(h) != 2 || h[0].PerUSDMicros != 25_000_000_000 {
			t.Fatalf("history %+v", h)
		}
		if cur := rates.Current(now); len(cur) != len(seedRates) {
			t.Fatalf("%d current rates", len(cur))
		}
		usd, err := f.ToUSD(ctx, money.New(1234, "USD"), now)
		if err != nil || usd != money.New(1234, "USD") {
			t.Fatalf("USD: %v %v", usd, err)
		}
		if _, err := rates.At("GBP", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrFXRateMissing) {
			t.Fatalf("before any rate: %v", err)
		}
	})
}

func TestFXRefusesBadRatesAndChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFX(t, d)
		now := time.Now()
		before := rateCount(t, d)
		if _, err := f.SetRate(ctx, operator, RateInput{Currency: "EUR", PerUSD: "0.93", EffectiveFrom: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		before++
		seller := auth.Actor{AccountID: 2, Roles: []auth.Role{auth.Seller}}
		for _, tt := range []struct {
			name  string
			actor auth.Actor
			in    RateInput
			code  string
			field string
		}{
			{"zero", operator, RateInput{Currency: "VND", PerUSD: "0"}, "fx_rate_not_positive", "per_usd"},
			{"negative", operator, RateInput{Currency: "VND", PerUSD: "-25400"}, "fx_rate_not_positive", "per_usd"},
			{"not a number", operator, RateInput{Currency: "VND", PerUSD: "lots"}, "invalid_field", "per_usd"},
			{"USD", operator, RateInput{Currency: "USD", PerUSD: "1"}, "fx_reference_currency", "currency"},
			{"unknown currency", operator, RateInput{Currency: "XYZ", PerUSD: "3"}, "unknown_currency", "currency"},
			{"backdated", operator, RateInput{Currency: "VND", PerUSD: "25000", EffectiveFrom: now.Add(-time.Hour)}, "fx_rate_backdated", "effective_from"},
			{"same moment twice", operator, RateInput{Currency: "EUR", PerUSD: "0.95", EffectiveFrom: now.Add(time.Hour)}, "fx_rate_exists", "effective_from"},
			{"long note", operator, RateInput{Currency: "VND", PerUSD: "25000", Note: strings.Repeat("x", 501)}, "invalid_field", "note"},
			{"a seller", seller, RateInput{Currency: "VND", PerUSD: "25000"}, "forbidden", ""},
			{"anonymous", auth.Actor{}, RateInput{Currency: "VND", PerUSD: "25000"}, "unauthenticated", ""},
		} {
			_, err := f.SetRate(ctx, tt.actor, tt.in)
			if e := errs.As(err); e == nil || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.code, tt.field)
			}
		}
		if n := rateCount(t, d); n != before {
			t.Fatalf("refusals stored rates: %d, want %d", n, before)
		}
	})
}

func TestFXEndpoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFX(t, d)
		mux := http.NewServeMux()
		f.Routes(mux)
		call := func(a auth.Actor, method, path, body string, out any) int {
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req = req.WithContext(auth.With(req.Context(), a))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if out != nil {
				if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
					t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
				}
			}
			return rec.Code
		}
		var list struct {
			Reference string
			Rates     []struct {
				Currency     string
				PerUSD       string `json:"per_usd"`
				PerUSDMicros int64  `json:"per_usd_micros"`
			}
		}
		if code := call(auth.Actor{}, "GET", "/api/v1/fx/rates", "", &list); code != 200 || list.Reference != "USD" || len(list.Rates) != len(seedRates) {
			t.Fatalf("list: %d %+v", code, list)
		}
		for _, r := range list.Rates {
			if r.Currency == "VND" && (r.PerUSD != "25400" || r.PerUSDMicros != 25_400_000_000) {
				t.Fatalf("VND %+v", r)
			}
		}
		var e struct{ Code, Field string }
		if code := call(operator, "POST", "/api/v1/fx/rates", `{"currency":"THB","per_usd":"-3"}`, &e); code != 400 || e.Code != "fx_rate_not_positive" || e.Field != "per_usd" {
			t.Fatalf("negative rate: %d %+v", code, e)
		}
		if code := call(auth.Actor{AccountID: 5, Roles: []auth.Role{auth.Seller}}, "POST", "/api/v1/fx/rates", `{"currency":"THB","per_usd":"35"}`, &e); code != 403 {
			t.Fatalf("seller: %d", code)
		}
		var created struct {
			Currency string
			PerUSD   string `json:"per_usd"`
		}
		if code := call(operator, "POST", "/api/v1/fx/rates", `{"currency":"THB","per_usd":"35.1","note":"weekly update"}`, &created); code != 201 || created.PerUSD != "35.1" {
			t.Fatalf("set: %d %+v", code, created)
		}
		if code := call(auth.Actor{}, "GET", "/api/v1/fx/rates?currency=THB", "", &list); code != 200 || len(list.Rates) != 2 || list.Rates[0].PerUSD != "35.1" {
			t.Fatalf("THB history: %d %+v", code, list)
		}
		if code := call(auth.Actor{}, "GET", "/api/v1/fx/rates?currency=ABC", "", &e); code != 400 || e.Field != "currency" {
			t.Fatalf("unknown currency history: %d %+v", code, e)
		}
	})
}
