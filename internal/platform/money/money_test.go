package money

import (
	"errors"
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{New(123450, "USD"), "$1,234.50"},
		{New(5, "USD"), "$0.05"},
		{New(-199, "USD"), "-$1.99"},
		{New(15000000, "IDR"), "Rp150.000"}, // stored in sen, shown in whole rupiah
		{New(15000050, "IDR"), "Rp150.001"}, // half a rupiah rounds up for display
		{New(150000, "VND"), "150.000 ₫"},
		{New(1500, "JPY"), "¥1,500"},
		{New(1250, "EUR"), "€12,50"},
		{New(51700, "THB"), "฿517.00"},
		{New(0, "GBP"), "£0.00"},
		{New(100000000, "BRL"), "R$1.000.000,00"},
	}
	for _, tt := range tests {
		if got := tt.m.Format(); got != tt.want {
			t.Errorf("%#v.Format() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{New(1234, "USD"), "12.34"},
		{New(-5, "USD"), "-0.05"},
		{New(15000000, "IDR"), "150000.00"},
		{New(1500, "JPY"), "1500"},
	}
	for _, tt := range tests {
		if got := tt.m.Decimal(); got != tt.want {
			t.Errorf("%#v.Decimal() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		wantErr error
	}{
		{"12.34", "USD", 1234, nil},
		{"12.3", "USD", 1230, nil},
		{"12", "USD", 1200, nil},
		{"-0.05", "USD", -5, nil},
		{"150000", "IDR", 15000000, nil},
		{"1500", "JPY", 1500, nil},
		{"1500.5", "JPY", 0, ErrBadAmount},
		{"1.005", "USD", 0, ErrBadAmount},
		{"1,000", "USD", 0, ErrBadAmount},
		{"", "USD", 0, ErrBadAmount},
		{"12.", "USD", 0, ErrBadAmount},
		{"abc", "USD", 0, ErrBadAmount},
		{"1", "XXX", 0, ErrUnknownCurrency},
		{"99999999999999999999", "USD", 0, ErrOverflow},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.cur)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%q, %s) error = %v, want %v", tt.in, tt.cur, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Amount != tt.want || got.Currency != tt.cur {
			t.Errorf("Parse(%q, %s) = %#v, %v; want %d", tt.in, tt.cur, got, err, tt.want)
		}
	}
}

func TestApplyBP(t *testing.T) {
	tests := []struct {
		amount int64
		bp     BP
		want   int64
	}{
		{10000, 600, 600}, // 6% of $100.00 is $6.00
		{1999, 600, 120},  // 119.94 rounds to 120
		{1991, 600, 119},  // 119.46 rounds to 119
		{25, 200, 1},      // exactly half a cent rounds away from zero
		{-25, 200, -1},    // and so does a negative half
		{1, 4999, 0},      // below half rounds down
		{math.MaxInt64, 10000, math.MaxInt64},
		{math.MaxInt64, 5000, 4611686018427387904}, // no 64-bit overflow in the middle
		{0, 600, 0},
		{600, 2000, 120}, // 20% of a $6.00 referral fee
	}
	for _, tt := range tests {
		if got := ApplyBP(tt.amount, tt.bp); got != tt.want {
			t.Errorf("ApplyBP(%d, %d) = %d, want %d", tt.amount, tt.bp, got, tt.want)
		}
	}
}

func TestAddRefusesMixedCurrenciesAndOverflow(t *testing.T) {
	if _, err := New(1, "USD").Add(New(1, "EUR")); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("mixed add: %v", err)
	}
	if _, err := New(math.MaxInt64, "USD").Add(New(1, "USD")); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow add: %v", err)
	}
	if s, err := Sum("USD", New(1, "USD"), New(2, "USD")); err != nil || s.Amount != 3 {
		t.Fatalf("Sum = %v, %v", s, err)
	}
	if _, ok := MulInt(math.MaxInt64/2+1, 2); ok {
		t.Fatal("MulInt overflow not detected")
	}
	if p, ok := MulInt(1999, 3); !ok || p != 5997 {
		t.Fatalf("MulInt = %d %v", p, ok)
	}
}

func TestPercent(t *testing.T) {
	if got := BP(600).Percent(); got != "6%" {
		t.Errorf("got %q", got)
	}
	if got := BP(1250).Percent(); got != "12.5%" {
		t.Errorf("got %q", got)
	}
}

func FuzzParseDecimalRoundTrip(f *testing.F) {
	for _, s := range []string{"12.34", "0.01", "-7", "150000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for code := range currencies {
			m, err := Parse(s, code)
			if err != nil {
				continue
			}
			back, err := Parse(m.Decimal(), code)
			if err != nil || back != m {
				t.Fatalf("%s %q -> %#v -> %q -> %#v, %v", code, s, m, m.Decimal(), back, err)
			}
		}
	})
}
