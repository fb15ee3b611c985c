package money

import (
	"errors"
	"fmt"
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

func TestPortionSumsToTheWholeInAnySteps(t *testing.T) {
	tests := []struct {
		amount, total int64
		steps         []int64
	}{
		{1000, 3, []int64{1, 1, 1}},
		{1000, 3, []int64{2, 1}},
		{7, 5, []int64{1, 3, 1}},
		{-1001, 7, []int64{3, 4}},
		{0, 4, []int64{4}},
		{math.MaxInt64 / 2, 9, []int64{4, 5}},
	}
	for _, tt := range tests {
		var done, sum int64
		for _, k := range tt.steps {
			sum += Portion(tt.amount, done, k, tt.total)
			done += k
		}
		if sum != tt.amount {
			t.Errorf("Portion(%d over %d in %v) sums to %d", tt.amount, tt.total, tt.steps, sum)
		}
	}
	if got := Portion(1000, 0, 1, 3); got != 333 {
		t.Errorf("first third of 10.00 = %d, want 333", got)
	}
	if got := Portion(1000, 2, 1, 3); got != 334 {
		t.Errorf("last third of 10.00 = %d, want 334", got)
	}
}

func TestAllocateIsExactAndProportional(t *testing.T) {
	tests := []struct {
		amount  int64
		weights []int64
		want    []int64
	}{
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{500, []int64{2599, 1299}, []int64{333, 167}},
		{-100, []int64{1, 3}, []int64{-25, -75}},
		{10, []int64{0, 0}, []int64{5, 5}},
		{7, []int64{0, 5}, []int64{0, 7}},
		{0, []int64{3, 4}, []int64{0, 0}},
	}
	for _, tt := range tests {
		got := Allocate(tt.amount, tt.weights)
		var sum int64
		for _, v := range got {
			sum += v
		}
		if sum != tt.amount || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Allocate(%d, %v) = %v (sum %d), want %v", tt.amount, tt.weights, got, sum, tt.want)
		}
	}
}

func FuzzAllocateSumsExactly(f *testing.F) {
	f.Add(int64(12345), int64(3), int64(5), int64(7))
	f.Fuzz(func(t *testing.T, amount, a, b, c int64) {
		if a < 0 || b < 0 || c < 0 || a > 1<<40 || b > 1<<40 || c > 1<<40 || amount > 1<<50 || amount < -(1<<50) {
			return
		}
		var sum int64
		for _, v := range Allocate(amount, []int64{a, b, c}) {
			sum += v
		}
		if sum != amount {
			t.Fatalf("Allocate(%d, %d %d %d) sums to %d", amount, a, b, c, sum)
		}
	})
}
