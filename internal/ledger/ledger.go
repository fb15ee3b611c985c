// Package ledger is liveshop's double-entry book of every cent: accounts per owner and
// currency, immutable transfers whose postings sum to zero per currency, balances kept
// with each transfer, and the posting rules that turn business events into transfers.
//
// Sign convention: a posting's amount is positive for a debit and negative for a
// credit, and an account's balance is the sum of its postings. Debit-normal accounts
// (assets, expenses) therefore carry positive balances, credit-normal ones (what the
// platform owes, its revenue) negative; Account.Normalised shows them the way an
// accountant would.
package ledger

import (
	"time"

	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// AccountType says what an account holds.
type AccountType string

// Account types.
const (
	SellerPayable            AccountType = "seller_payable"              // owed to a shop
	SellerReserve            AccountType = "seller_reserve"              // a shop's money held back
	CreatorCommissionPayable AccountType = "creator_commission_payable"  // owed to a creator
	PlatformReferralRevenue  AccountType = "platform_referral_revenue"   // the platform's fees
	PlatformSubsidyExpense   AccountType = "platform_subsidy_expense"    // discounts and shipping the platform funds
	BuyerPaymentsClearing    AccountType = "buyer_payments_clearing"     // buyers' money held until orders settle
	ProviderReceivable       AccountType = "payment_provider_receivable" // what the payment provider owes the platform
	RefundsPayable           AccountType = "refunds"                     // refunds owed to buyers
	CarrierPayable           AccountType = "carrier_payable"             // shipping labels owed to carriers
	TaxPayable               AccountType = "tax_payable"                 // tax collected, owed to tax authorities
	IncentiveExpense         AccountType = "incentive_expense"           // rewards paid by programmes
	AdCredit                 AccountType = "ad_credit"                   // ad credit granted to sellers
	PlatformAdRevenue        AccountType = "platform_ad_revenue"         // what shops spend on ads
	SellerAvailable          AccountType = "seller_available"            // a shop's settled money, ready to pay out
	CreatorAvailable         AccountType = "creator_available"           // a creator's settled commission, ready to pay out
)

// Normal is the side on which an account's balance normally sits.
type Normal string

// Sides.
const (
	Debit  Normal = "debit"
	Credit Normal = "credit"
)

type typeSpec struct {
	normal Normal
	// noOverdraft: the balance may never cross to the wrong side of zero. The platform
	// can owe a creator nothing less than nothing.
	noOverdraft bool
}

var types = map[AccountType]typeSpec{
	SellerPayable:            {Credit, false}, // may go negative: a seller can owe fees after refunds
	SellerReserve:            {Credit, true},
	CreatorCommissionPayable: {Credit, true},
	PlatformReferralRevenue:  {Credit, false},
	PlatformSubsidyExpense:   {Debit, false},
	BuyerPaymentsClearing:    {Credit, true},
	ProviderReceivable:       {Debit, true},
	RefundsPayable:           {Credit, true},
	CarrierPayable:           {Credit, false},
	TaxPayable:               {Credit, false},
	IncentiveExpense:         {Debit, false},
	AdCredit:                 {Credit, true},
	PlatformAdRevenue:        {Credit, false},
	// A refund after release can leave a shop or a creator owing: their next earnings
	// pay it back. Payouts never take more than is available (Payout checks).
	SellerAvailable:  {Credit, false},
	CreatorAvailable: {Credit, false},
}

// Owner kinds.
const (
	OwnerPlatform = "platform"
	OwnerShop     = "shop"
	OwnerCreator  = "creator"
)

// AccountRef names an account: there is exactly one per type, owner and currency, and
// it is opened on first use.
type AccountRef struct {
	Type      AccountType `json:"type"`
	OwnerKind string      `json:"owner_kind"`
	OwnerID   id.ID       `json:"owner_id"`
	Currency  string      `json:"currency"`
}

// Code is the account's unique name, such as "seller_payable/shop/123/USD".
func (r AccountRef) Code() string {
	return string(r.Type) + "/" + r.OwnerKind + "/" + r.OwnerID.String() + "/" + r.Currency
}

// Platform names a platform-owned account in a currency.
func Platform(t AccountType, currency string) AccountRef {
	return AccountRef{Type: t, OwnerKind: OwnerPlatform, Currency: currency}
}

// Shop names a shop's account.
func Shop(t AccountType, shop id.ID, currency string) AccountRef {
	return AccountRef{Type: t, OwnerKind: OwnerShop, OwnerID: shop, Currency: currency}
}

// Creator names a creator's account.
func Creator(t AccountType, creator id.ID, currency string) AccountRef {
	return AccountRef{Type: t, OwnerKind: OwnerCreator, OwnerID: creator, Currency: currency}
}

// Account is an account with its balance.
type Account struct {
	ID id.ID `json:"id"`
	AccountRef
	Code        string `json:"code"`
	Normal      Normal `json:"normal"`
	NoOverdraft bool   `json:"no_overdraft"`
	Balance     int64  `json:"balance"` // debit-positive sum of posted postings
	// Held amounts of open pending transfers: debits (>= 0) and credits (<= 0). They
	// are not in Balance; a protected account's balance net of the holds against it
	// (Available) stays on its side of zero.
	PendingDebit  int64 `json:"pending_debit"`
	PendingCredit int64 `json:"pending_credit"`
}

// Available is the normalised balance less what open holds take from it: for a
// credit-normal account, the credit balance less held debits; for a debit-normal one,
// the debit balance less held credits.
func (a Account) Available() money.Money {
	if a.Normal == Credit {
		return money.New(-(a.Balance + a.PendingDebit), a.Currency)
	}
	return money.New(a.Balance+a.PendingCredit, a.Currency)
}

// Normalised returns the balance on the account's normal side: what a shop is owed is
// positive on its payable account.
func (a Account) Normalised() money.Money {
	if a.Normal == Credit {
		return money.New(-a.Balance, a.Currency)
	}
	return money.New(a.Balance, a.Currency)
}

// Posting moves Amount into (debit, positive) or out of (credit, negative) an account.
type Posting struct {
	Account AccountRef `json:"account"`
	Amount  int64      `json:"amount"`
}

// TransferInput asks to record a transfer.
type TransferInput struct {
	// IdempotencyKey makes posting the same transfer twice harmless: the second time
	// returns the first. The same key with different content is refused.
	IdempotencyKey string
	Kind           string // what happened: "payment_captured", "order_settled"
	Reference      string // what it is about: "order:123"
	Memo           string
	Postings       []Posting
	// Pending makes the transfer a hold: its amounts are reserved on the accounts
	// (counted against protected ones) but not in their balances until Resolve posts
	// it; voiding it releases them.
	Pending bool
}

// Transfer is a recorded transfer.
type Transfer struct {
	ID             id.ID           `json:"id"`
	IdempotencyKey string          `json:"idempotency_key"`
	Kind           string          `json:"kind"`
	Reference      string          `json:"reference"`
	Memo           string          `json:"memo"`
	CreatedAt      time.Time       `json:"created_at"`
	Postings       []PostedPosting `json:"postings"`
	// Pending: a hold. PendingID and Resolution: the hold this transfer posted
	// ("post") or voided ("void"); a void moves nothing and has no postings.
	Pending    bool   `json:"pending,omitempty"`
	PendingID  id.ID  `json:"pending_id,omitempty"`
	Resolution string `json:"resolution,omitempty"`
}

// PostedPosting is a posting as recorded.
type PostedPosting struct {
	AccountCode string `json:"account"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
}

// Errors of the ledger.
var (
	ErrUnbalanced          = errs.New(errs.Invalid, "transfer_unbalanced", "a transfer's postings must sum to zero in each currency")
	ErrTooFewPostings      = errs.New(errs.Invalid, "transfer_too_few_postings", "a transfer needs at least two postings")
	ErrZeroPosting         = errs.New(errs.Invalid, "posting_zero", "a posting must move a non-zero amount")
	ErrUnknownAccountType  = errs.New(errs.Invalid, "unknown_account_type", "unknown account type")
	ErrCurrencyMismatch    = errs.New(errs.Invalid, "currency_mismatch", "a posting's currency must be its account's")
	ErrIdempotencyConflict = errs.New(errs.Conflict, "idempotency_conflict", "this idempotency key was used for a different transfer")
	ErrOverdraft           = errs.New(errs.Rule, "overdraft", "the transfer would take a protected account past zero")
	ErrMissingKey          = errs.New(errs.Invalid, "idempotency_key_required", "a transfer needs an idempotency key")
	ErrHoldNotFound        = errs.New(errs.NotFound, "hold_not_found", "no pending transfer with this id")
	ErrHoldResolved        = errs.New(errs.Conflict, "hold_resolved", "this pending transfer was already posted or voided")
)
