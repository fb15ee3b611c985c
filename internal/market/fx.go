package market

// The FX table: operator-maintained, effective-dated exchange rates to the US dollar,
// which GMV reporting uses to add markets together. A rate is stored as an integer
// (millionths of a major unit per dollar) and conversion is integer arithmetic with
// one rounding, so no amount ever passes through a float.

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/bits"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// ReferenceCurrency is the currency every rate is quoted against.
const ReferenceCurrency = "USD"

// rateScale is the fixed-point scale of a rate: PerUSDMicros is major units per US
// dollar times a million, enough for six decimals of GBP and whole dong alike.
const rateScale = 1_000_000

// maxPerUSDMicros bounds a rate at a billion units per dollar: far beyond any
// currency in use, and small enough that conversion cannot overflow.
const maxPerUSDMicros = 1_000_000_000 * rateScale

// Rate is one exchange rate: from EffectiveFrom on, one US dollar buys PerUSDMicros
// millionths of a major unit of Currency (25,400 dong is 25_400_000_000).
type Rate struct {
	ID            id.ID     `json:"id"`
	Currency      string    `json:"currency"`
	EffectiveFrom time.Time `json:"effective_from"`
	PerUSDMicros  int64     `json:"per_usd_micros"`
	Note          string    `json:"note"`
	CreatedBy     id.ID     `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// PerUSD renders the rate for people and forms: "25400", "0.79".
func (r Rate) PerUSD() string { return FormatPerUSD(r.PerUSDMicros) }

// FormatPerUSD renders a rate in millionths as a decimal without trailing zeros.
func FormatPerUSD(micros int64) string {
	whole, frac := micros/rateScale, micros%rateScale
	if frac == 0 {
		return strconv.FormatInt(whole, 10)
	}
	return strconv.FormatInt(whole, 10) + "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
}

// ParsePerUSD reads a rate such as "25400" or "0.79" (at most six decimals, greater
// than zero) into millionths. The error names the field per_usd.
func ParsePerUSD(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 6 || !isDigits(whole) || !isDigits(frac) || len(whole) > 10 {
		return 0, errs.Invalidf("per_usd", "give the rate as how many units one US dollar buys, such as 25400 or 0.79, with at most six decimals")
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	v := w*rateScale + f
	if neg && v != 0 {
		v = -v
	}
	if v <= 0 {
		return 0, ErrFXRateNotPositive
	}
	if v > maxPerUSDMicros {
		return 0, errs.Invalidf("per_usd", "a rate above a billion units per dollar is not a real exchange rate")
	}
	return v, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Errors of the FX table.
var (
	ErrFXRateNotPositive = errs.New(errs.Invalid, "fx_rate_not_positive", "an exchange rate must be greater than zero").OnField("per_usd")
	ErrFXReference       = errs.New(errs.Invalid, "fx_reference_currency", "USD is the reference currency: its rate is always 1").OnField("currency")
	ErrFXBackdated       = errs.New(errs.Rule, "fx_rate_backdated", "a rate cannot take effect in the past: amounts already converted would disagree with it; pick now or later").OnField("effective_from")
	ErrFXRateExists      = errs.New(errs.Conflict, "fx_rate_exists", "a rate for this currency already takes effect at that exact time; pick another time").OnField("effective_from")
	ErrFXRateMissing     = errs.New(errs.Rule, "fx_rate_missing", "no exchange rate is in force for this currency at that time")
	ErrFXOverflow        = errs.New(errs.Invalid, "amount_overflow", "the amount is too large to convert")
)

// FX reads and maintains the exchange rates. Rates are few and read for every GMV
// fact, so it holds them in memory: a local change reloads at once, other nodes see
// it within cacheTTL.
type FX struct {
	db  *db.DB
	log *slog.Logger
	now func() time.Time

	mu       sync.RWMutex
	rates    Rates
	loadedAt time.Time
}

// NewFX returns the FX table over d.
func NewFX(d *db.DB, log *slog.Logger) *FX {
	return &FX{db: d, log: log, now: time.Now}
}

// seedRates are the rates liveshop starts with (late 2024 market rates, rounded), in
// force from policyEpoch so that history can be converted; operators keep them current.
var seedRates = map[string]string{
	"GBP": "0.79", "EUR": "0.92", "IDR": "16250", "THB": "34.6", "VND": "25400", "MYR": "4.45",
	"PHP": "58.2", "SGD": "1.34", "MXN": "19.6", "JPY": "151.5", "BRL": "5.65", "CNY": "7.25",
}

// Seed inserts a starting rate for every currency that has none. It never touches a
// currency an operator has rates for, so it runs at every start.
func (f *FX) Seed(ctx context.Context) error {
	now := f.now()
	err := f.db.RunInTx(ctx, func(tx *db.Tx) error {
		for _, cur := range slices.Sorted(maps.Keys(seedRates)) {
			micros, err := ParsePerUSD(seedRates[cur])
			if err != nil {
				return fmt.Errorf("market: seed rate for %s: %w", cur, err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM fx_rates WHERE currency = $1`, cur).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			r := Rate{ID: id.New(), Currency: cur, EffectiveFrom: policyEpoch, PerUSDMicros: micros, Note: "starting rate; keep it current", CreatedAt: now}
			if err := insertRate(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return f.reload(ctx)
}

func insertRate(ctx context.Context, tx *db.Tx, r Rate) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fx_rates (id, currency, effective_from, per_usd_micros, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.Currency, db.Micros(r.EffectiveFrom), r.PerUSDMicros, r.Note, r.CreatedBy, db.Micros(r.CreatedAt))
	return err
}

func (f *FX) reload(ctx context.Context) error {
	rows, err := f.db.QueryContext(ctx, `SELECT id, currency, effective_from, per_usd_micros, note, created_by, created_at
		FROM fx_rates ORDER BY currency, effective_from`)
	if err != nil {
		return fmt.Errorf("market: load fx rates: %w", err)
	}
	defer rows.Close()
	byCur := map[string][]Rate{}
	for rows.Next() {
		var r Rate
		var from, created int64
		if err := rows.Scan(&r.ID, &r.Currency, &from, &r.PerUSDMicros, &r.Note, &r.CreatedBy, &created); err != nil {
			return err
		}
		r.EffectiveFrom, r.CreatedAt = db.Time(from), db.Time(created)
		byCur[r.Currency] = append(byCur[r.Currency], r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.rates, f.loadedAt = Rates{byCurrency: byCur}, time.Now()
	f.mu.Unlock()
	return nil
}

// Rates returns the table as it stands: an immutable snapshot to convert many
// amounts with (an import converts millions through one snapshot).
func (f *FX) Rates(ctx context.Context) (Rates, error) {
	f.mu.RLock()
	r, fresh := f.rates, time.Since(f.loadedAt) < cacheTTL
	f.mu.RUnlock()
	if fresh && r.byCurrency != nil {
		return r, nil
	}
	if err := f.reload(ctx); err != nil {
		if r.byCurrency != nil {
			f.log.Warn("market: fx reload failed, serving cached rates", "err", err)
			return r, nil
		}
		return Rates{}, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.rates, nil
}

// ToUSD converts an amount to US dollars at the rate in force at time at.
func (f *FX) ToUSD(ctx context.Context, m money.Money, at time.Time) (money.Money, error) {
	r, err := f.Rates(ctx)
	if err != nil {
		return money.Money{}, err
	}
	return r.ToUSD(m, at)
}

// Rates is a snapshot of the FX table.
type Rates struct {
	byCurrency map[string][]Rate // oldest first
}

// At returns the rate of currency in force at time at.
func (r Rates) At(currency string, at time.Time) (Rate, error) {
	if currency == ReferenceCurrency {
		return Rate{Currency: ReferenceCurrency, PerUSDMicros: rateScale}, nil
	}
	vs := r.byCurrency[currency]
	i := sort.Search(len(vs), func(i int) bool { return vs[i].EffectiveFrom.After(at) })
	if i == 0 {
		return Rate{}, ErrFXRateMissing.With("no %s rate is in force at %s; add one in the Ops console", currency, at.UTC().Format(time.RFC3339))
	}
	return vs[i-1], nil
}

// ToUSD converts m to US dollars at the rate in force at time at.
func (r Rates) ToUSD(m money.Money, at time.Time) (money.Money, error) {
	rate, err := r.At(m.Currency, at)
	if err != nil {
		return money.Money{}, err
	}
	cents, err := ConvertToUSD(m.Amount, m.Currency, rate.PerUSDMicros)
	return money.New(cents, ReferenceCurrency), err
}

// Current returns the rate in force now for every currency that has one, by code.
func (r Rates) Current(now time.Time) []Rate {
	var out []Rate
	for _, cur := range slices.Sorted(maps.Keys(r.byCurrency)) {
		if rate, err := r.At(cur, now); err == nil {
			out = append(out, rate)
		}
	}
	return out
}

// History returns every rate of a currency, newest first, scheduled ones included.
func (r Rates) History(currency string) []Rate {
	out := slices.Clone(r.byCurrency[currency])
	slices.Reverse(out)
	return out
}

// ConvertToUSD converts amount minor units of currency to US cents when one dollar
// buys perUSDMicros millionths of a major unit: cents = amount × 10^8 /
// (10^exponent × perUSDMicros), rounded half away from zero, exact in 128 bits.
func ConvertToUSD(amount int64, currency string, perUSDMicros int64) (int64, error) {
	c, ok := money.Lookup(currency)
	if !ok {
		return 0, money.ErrUnknownCurrency.With("unknown currency %q", currency)
	}
	usd, _ := money.Lookup(ReferenceCurrency)
	if perUSDMicros <= 0 || perUSDMicros > maxPerUSDMicros {
		return 0, ErrFXRateNotPositive
	}
	if amount == 0 {
		return 0, nil
	}
	// num/den = 10^usd.Exponent × rateScale / (10^c.Exponent × perUSDMicros).
	num := pow10(usd.Exponent) * rateScale
	den := pow10(c.Exponent) * uint64(perUSDMicros)
	neg := amount < 0
	a := uint64(amount)
	if neg {
		a = uint64(-amount)
	}
	hi, lo := bits.Mul64(a, num)
	if hi >= den {
		return 0, ErrFXOverflow
	}
	q, rem := bits.Div64(hi, lo, den)
	if rem >= den-rem { // rem*2 >= den without overflowing
		q++
	}
	if q > 1<<63-1 {
		return 0, ErrFXOverflow
	}
	if neg {
		return -int64(q), nil
	}
	return int64(q), nil
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// RateInput is an operator's new rate.
type RateInput struct {
	Currency string `json:"currency"`
	// PerUSD is how many units of the currency one US dollar buys, as a decimal string.
	PerUSD string `json:"per_usd"`
	// EffectiveFrom is when the rate takes effect: now or later (zero means now).
	EffectiveFrom time.Time `json:"effective_from"`
	Note          string    `json:"note"`
}

// SetRate records a new rate for a currency, in force from in.EffectiveFrom (now or
// later: a rate never rewrites how past amounts were converted). Operators only.
func (f *FX) SetRate(ctx context.Context, actor auth.Actor, in RateInput) (Rate, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Rate{}, err
	}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if cur == ReferenceCurrency {
		return Rate{}, ErrFXReference
	}
	if _, ok := money.Lookup(cur); !ok {
		return Rate{}, money.ErrUnknownCurrency.With("unknown currency %q; use an ISO 4217 code a market uses, such as VND", in.Currency).OnField("currency")
	}
	micros, err := ParsePerUSD(in.PerUSD)
	if err != nil {
		return Rate{}, err
	}
	if len(in.Note) > 500 {
		return Rate{}, errs.Invalidf("note", "a note is at most 500 characters")
	}
	now := f.now()
	from := in.EffectiveFrom
	if from.IsZero() {
		from = now
	}
	// A minute of grace lets "effective now" survive a slow form submission.
	if from.Before(now.Add(-time.Minute)) {
		return Rate{}, ErrFXBackdated
	}
	r := Rate{ID: id.New(), Currency: cur, EffectiveFrom: from.UTC().Truncate(time.Microsecond), PerUSDMicros: micros, Note: in.Note,
		CreatedBy: actor.AccountID, CreatedAt: now}
	err = f.db.RunInTx(ctx, func(tx *db.Tx) error { return insertRate(ctx, tx, r) })
	if db.IsUniqueViolation(err) {
		return Rate{}, ErrFXRateExists
	}
	if err != nil {
		return Rate{}, err
	}
	f.log.Info("fx rate set", "currency", cur, "per_usd", r.PerUSD(), "effective_from", r.EffectiveFrom, "by", actor.AccountID)
	return r, f.reload(ctx)
}

// Routes registers the FX JSON API on mux.
func (f *FX) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/fx/rates", f.handleRates)
	mux.HandleFunc("POST /api/v1/fx/rates", f.handleSetRate)
}

// rateJSON is a rate as the API shows it, with the decimal form beside the integer.
type rateJSON struct {
	Rate
	PerUSD string `json:"per_usd"`
}

func (f *FX) handleRates(w http.ResponseWriter, r *http.Request) {
	rates, err := f.Rates(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var list []Rate
	if cur := r.URL.Query().Get("currency"); cur != "" {
		if _, ok := money.Lookup(cur); !ok {
			httpx.WriteError(w, r, money.ErrUnknownCurrency.With("unknown currency %q", cur).OnField("currency"))
			return
		}
		list = rates.History(cur)
	} else {
		list = rates.Current(f.now())
	}
	out := make([]rateJSON, 0, len(list))
	for _, x := range list {
		out = append(out, rateJSON{Rate: x, PerUSD: x.PerUSD()})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"reference": ReferenceCurrency, "rates": out})
}

func (f *FX) handleSetRate(w http.ResponseWriter, r *http.Request) {
	var in RateInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rate, err := f.SetRate(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, rateJSON{Rate: rate, PerUSD: rate.PerUSD()})
}
