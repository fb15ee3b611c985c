// Package money represents amounts as int64 minor units of an ISO 4217 currency and
// does the arithmetic liveshop needs on them: basis-point fees with explicit rounding,
// parsing of decimal input and display in each currency's convention. There is no
// float anywhere on the path of an amount.
package money

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/errs"
)

// Money is an amount in the minor units of a currency (cents for USD, yen for JPY).
type Money struct {
	Amount   int64  `json:"amount"`   // minor units
	Currency string `json:"currency"` // ISO 4217 code, upper case
}

// Currency describes how a currency is counted and shown.
type Currency struct {
	Code string
	// Exponent is the ISO 4217 minor unit: the number of decimal places an amount is
	// stored with. JPY and VND have none.
	Exponent int
	// DisplayExponent is how many decimals people are shown. IDR has an ISO exponent of
	// 2 but prices are conventionally shown in whole rupiah.
	DisplayExponent int
	Symbol          string
	SymbolAfter     bool   // "150.000 ₫" rather than "₫150.000"
	Group           string // thousands separator
	Decimal         string // decimal separator
}

// currencies lists every currency a liveshop market uses, plus CNY for the articles' figures.
var currencies = map[string]Currency{
	"USD": {Code: "USD", Exponent: 2, DisplayExponent: 2, Symbol: "$", Group: ",", Decimal: "."},
	"GBP": {Code: "GBP", Exponent: 2, DisplayExponent: 2, Symbol: "£", Group: ",", Decimal: "."},
	"EUR": {Code: "EUR", Exponent: 2, DisplayExponent: 2, Symbol: "€", Group: ".", Decimal: ","},
	"IDR": {Code: "IDR", Exponent: 2, DisplayExponent: 0, Symbol: "Rp", Group: ".", Decimal: ","},
	"THB": {Code: "THB", Exponent: 2, DisplayExponent: 2, Symbol: "฿", Group: ",", Decimal: "."},
	"VND": {Code: "VND", Exponent: 0, DisplayExponent: 0, Symbol: "₫", SymbolAfter: true, Group: ".", Decimal: ","},
	"MYR": {Code: "MYR", Exponent: 2, DisplayExponent: 2, Symbol: "RM", Group: ",", Decimal: "."},
	"PHP": {Code: "PHP", Exponent: 2, DisplayExponent: 2, Symbol: "₱", Group: ",", Decimal: "."},
	"SGD": {Code: "SGD", Exponent: 2, DisplayExponent: 2, Symbol: "S$", Group: ",", Decimal: "."},
	"MXN": {Code: "MXN", Exponent: 2, DisplayExponent: 2, Symbol: "MX$", Group: ",", Decimal: "."},
	"JPY": {Code: "JPY", Exponent: 0, DisplayExponent: 0, Symbol: "¥", Group: ",", Decimal: "."},
	"BRL": {Code: "BRL", Exponent: 2, DisplayExponent: 2, Symbol: "R$", Group: ".", Decimal: ","},
	"CNY": {Code: "CNY", Exponent: 2, DisplayExponent: 2, Symbol: "CN¥", Group: ",", Decimal: "."},
}

// Errors returned for bad amounts and currencies.
var (
	ErrUnknownCurrency  = errs.New(errs.Invalid, "unknown_currency", "unknown currency")
	ErrCurrencyMismatch = errs.New(errs.Invalid, "currency_mismatch", "amounts are in different currencies")
	ErrBadAmount        = errs.New(errs.Invalid, "invalid_amount", "not a valid amount")
	ErrOverflow         = errs.New(errs.Invalid, "amount_overflow", "amount is too large")
)

// Lookup returns the currency with the given ISO code.
func Lookup(code string) (Currency, bool) {
	c, ok := currencies[code]
	return c, ok
}

// New returns an amount of minor units in a currency.
func New(amount int64, currency string) Money { return Money{Amount: amount, Currency: currency} }

// Zero returns nothing of a currency.
func Zero(currency string) Money { return Money{Currency: currency} }

// Validate reports whether the currency is one liveshop knows.
func (m Money) Validate() error {
	if _, ok := currencies[m.Currency]; !ok {
		return ErrUnknownCurrency.With("unknown currency %q", m.Currency)
	}
	return nil
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount == 0 }

// Add returns m + o. Both must be in the same currency; overflow is an error, not a wrap.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, ErrCurrencyMismatch.With("cannot add %s to %s", o.Currency, m.Currency)
	}
	s, ok := AddInt(m.Amount, o.Amount)
	if !ok {
		return Money{}, ErrOverflow
	}
	return Money{Amount: s, Currency: m.Currency}, nil
}

// Sub returns m - o under the same rules as Add.
func (m Money) Sub(o Money) (Money, error) {
	if o.Amount == math.MinInt64 {
		return Money{}, ErrOverflow
	}
	return m.Add(Money{Amount: -o.Amount, Currency: o.Currency})
}

// Neg returns -m.
func (m Money) Neg() Money { return Money{Amount: -m.Amount, Currency: m.Currency} }

// AddInt adds two amounts, reporting false on overflow.
func AddInt(a, b int64) (int64, bool) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return 0, false
	}
	return s, true
}

// MulInt multiplies an amount by a count (a unit price by a quantity), reporting false on overflow.
func MulInt(a, n int64) (int64, bool) {
	if a == 0 || n == 0 {
		return 0, true
	}
	p := a * n
	if p/n != a || (a == -1 && n == math.MinInt64) || (n == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

// BP is a rate in basis points: 600 is 6%, 10000 is 100%.
type BP int64

// Percent renders the rate for people ("6%", "12.5%").
func (bp BP) Percent() string {
	s := strconv.FormatFloat(float64(bp)/100, 'f', -1, 64) // display only, never arithmetic
	return s + "%"
}

// ApplyBP returns amount × bp / 10000 rounded half away from zero, the rounding
// liveshop uses for every fee, commission and discount. It works in 128 bits, so any
// int64 amount and any rate up to 100% is exact.
func ApplyBP(amount int64, bp BP) int64 {
	if amount == 0 || bp == 0 {
		return 0
	}
	neg := (amount < 0) != (bp < 0)
	a, b := abs64(amount), abs64(int64(bp))
	hi, lo := bits.Mul64(a, b)
	if hi >= 10000 {
		panic("money: ApplyBP overflow") // only reachable with a rate far above 100%
	}
	q, r := bits.Div64(hi, lo, 10000)
	if r*2 >= 10000 {
		q++
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// MulBP returns m × bp / 10000 under ApplyBP's rounding.
func (m Money) MulBP(bp BP) Money { return Money{Amount: ApplyBP(m.Amount, bp), Currency: m.Currency} }

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// Parse reads a decimal amount in major units ("12.34", "150000", "-3.5") of the
// currency and returns it in minor units. It accepts at most the currency's ISO number
// of decimals and no separators, so "1,000" and "1.005 USD" are refused rather than guessed.
func Parse(s, currency string) (Money, error) {
	c, ok := currencies[currency]
	if !ok {
		return Money{}, ErrUnknownCurrency.With("unknown currency %q", currency)
	}
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > c.Exponent || !digits(whole) || !digits(frac) {
		if len(frac) > c.Exponent && digits(frac) && digits(whole) {
			return Money{}, ErrBadAmount.With("%s takes at most %d decimal places", currency, c.Exponent)
		}
		return Money{}, ErrBadAmount.With("%q is not an amount like 12.34", s)
	}
	frac += strings.Repeat("0", c.Exponent-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return Money{}, ErrOverflow
	}
	if neg {
		v = -v
	}
	return Money{Amount: v, Currency: currency}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Decimal renders the amount in major units with the ISO number of decimals and no
// symbol or grouping ("12.34", "150000.00", "1500"): the form APIs exchange.
func (m Money) Decimal() string {
	c, ok := currencies[m.Currency]
	if !ok {
		return strconv.FormatInt(m.Amount, 10)
	}
	return decimal(m.Amount, c.Exponent, c.Exponent, "", ".")
}

// Format renders the amount for people in the currency's convention: "$1,234.50",
// "Rp150.000", "150.000 ₫", "€12,50". Amounts shown with fewer decimals than they are
// stored with are rounded half away from zero.
func (m Money) Format() string {
	c, ok := currencies[m.Currency]
	if !ok {
		return m.String()
	}
	num := decimal(m.Amount, c.Exponent, c.DisplayExponent, c.Group, c.Decimal)
	sign := ""
	if strings.HasPrefix(num, "-") {
		sign, num = "-", num[1:]
	}
	if c.SymbolAfter {
		return sign + num + " " + c.Symbol
	}
	return sign + c.Symbol + num
}

// String renders the amount for logs: "12.34 USD".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// decimal renders minor units stored with exp decimals, shown with show decimals.
func decimal(amount int64, exp, show int, group, dec string) string {
	neg := amount < 0
	u := abs64(amount)
	if show < exp {
		div := pow10(exp - show)
		q, r := u/div, u%div
		if r*2 >= div {
			q++
		}
		u, exp = q, show
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= exp {
		s = strings.Repeat("0", exp-len(s)+1) + s
	}
	whole, frac := s[:len(s)-exp], s[len(s)-exp:]
	if group != "" {
		var b strings.Builder
		for i, ch := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(ch)
		}
		whole = b.String()
	}
	out := whole
	if exp > 0 {
		out += dec + frac
	}
	if neg && strings.Trim(out, "0.,"+group) != "" {
		out = "-" + out
	}
	return out
}

func pow10(n int) uint64 {
	p := uint64(1)
	for i := 0; i < n; i++ {
		p *= 10
	}
	return p
}

// Sum adds amounts of one currency, failing on mixed currencies or overflow.
func Sum(currency string, ms ...Money) (Money, error) {
	total := Zero(currency)
	for _, m := range ms {
		var err error
		if total, err = total.Add(m); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}

// GoString helps test failure messages.
func (m Money) GoString() string { return fmt.Sprintf("money.New(%d, %q)", m.Amount, m.Currency) }

// Portion returns the share of amount that belongs to k more units of a line of total
// units when done units were already taken: floor(amount*(done+k)/total) -
// floor(amount*done/total). Taking every unit, in any number of steps, sums to exactly
// amount, so refunds of a line in parts never lose or invent a cent.
func Portion(amount, done, k, total int64) int64 {
	if total <= 0 || k <= 0 {
		return 0
	}
	return mulDiv(amount, done+k, total) - mulDiv(amount, done, total)
}

// mulDiv returns floor(a*b/c) for b, c > 0, exact in 128 bits.
func mulDiv(a, b, c int64) int64 {
	neg := a < 0
	hi, lo := bits.Mul64(abs64(a), uint64(b))
	q, r := bits.Div64(hi%uint64(c), lo, uint64(c))
	if hi >= uint64(c) {
		panic("money: mulDiv overflow")
	}
	if neg {
		if r != 0 {
			q++ // floor of a negative quotient rounds away from zero
		}
		return -int64(q)
	}
	return int64(q)
}

// Allocate splits amount across weights in proportion, by largest remainder, so the
// parts sum to exactly amount (an order-level discount spread over its lines). Zero
// weights get nothing; all-zero weights split evenly.
func Allocate(amount int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 0 {
		return out
	}
	var total int64
	for _, w := range weights {
		total += max(w, 0)
	}
	if total == 0 {
		weights = make([]int64, len(out))
		for i := range weights {
			weights[i] = 1
		}
		total = int64(len(weights))
	}
	type rem struct {
		i int
		r uint64
	}
	rems := make([]rem, len(weights))
	var given int64
	neg := amount < 0
	a := abs64(amount)
	for i, w := range weights {
		w = max(w, 0)
		hi, lo := bits.Mul64(a, uint64(w))
		q, r := bits.Div64(hi, lo, uint64(total))
		out[i] = int64(q)
		given += int64(q)
		rems[i] = rem{i, r}
	}
	// Hand the leftover units to the largest remainders, earliest first on ties.
	left := int64(a) - given
	sort.SliceStable(rems, func(x, y int) bool { return rems[x].r > rems[y].r })
	for j := 0; j < int(left); j++ {
		out[rems[j%len(rems)].i]++
	}
	if neg {
		for i := range out {
			out[i] = -out[i]
		}
	}
	return out
}

// Ratio returns amount × num / den rounded half away from zero, exact in 128 bits
// (num and den positive): the tax inside a VAT-inclusive price is Ratio(gross, rate,
// 10000+rate).
func Ratio(amount, num, den int64) int64 {
	if amount == 0 || num == 0 {
		return 0
	}
	neg := amount < 0
	hi, lo := bits.Mul64(abs64(amount), uint64(num))
	if hi >= uint64(den) {
		panic("money: Ratio overflow")
	}
	q, r := bits.Div64(hi, lo, uint64(den))
	if r*2 >= uint64(den) {
		q++
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}
