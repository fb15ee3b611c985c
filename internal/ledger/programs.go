package ledger

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Money that moves outside orders: a shop's flat fee to a creator for a
// collaboration, ad credit the platform grants a shop, a shop's ad spend, and the
// rewards of incentive programmes. Each is a pure rule (a table test writes its cents
// out) and a service method that posts it once per idempotency key; operators call
// them through the API until the programmes that cause them post them themselves.

// CollaborationFee books a target plan's flat fee: the shop pays the creator out of
// its available balance (which may go negative: its next settlements pay it back),
// and the creator can withdraw it at once.
func CollaborationFee(key string, planID, shopID, creatorID id.ID, fee money.Money) TransferInput {
	return TransferInput{
		IdempotencyKey: key, Kind: "collaboration_fee", Reference: "plan:" + planID.String(),
		Memo: "flat collaboration fee",
		Postings: []Posting{
			{Shop(SellerAvailable, shopID, fee.Currency), fee.Amount},
			{Creator(CreatorAvailable, creatorID, fee.Currency), -fee.Amount},
		},
	}
}

// AdCreditGranted books ad credit the platform gives a shop: an incentive expense,
// held in the shop's ad credit account until spent on ads.
func AdCreditGranted(key string, shopID id.ID, credit money.Money, memo string) TransferInput {
	return TransferInput{
		IdempotencyKey: key, Kind: "ad_credit_granted", Reference: "shop:" + shopID.String(), Memo: memo,
		Postings: []Posting{
			{Platform(IncentiveExpense, credit.Currency), credit.Amount},
			{Shop(AdCredit, shopID, credit.Currency), -credit.Amount},
		},
	}
}

// AdSpend books what a shop's ads cost: paid from its ad credit first (up to
// creditLeft, what the credit account holds), the rest from its available balance;
// all of it is the platform's ad revenue.
func AdSpend(key string, shopID id.ID, spend money.Money, creditLeft int64, campaign string) TransferInput {
	fromCredit := min(spend.Amount, max(creditLeft, 0))
	return TransferInput{
		IdempotencyKey: key, Kind: "ad_spend", Reference: "shop:" + shopID.String(), Memo: "ad spend: " + campaign,
		Postings: nonZero(
			Posting{Shop(AdCredit, shopID, spend.Currency), fromCredit},
			Posting{Shop(SellerAvailable, shopID, spend.Currency), spend.Amount - fromCredit},
			Posting{Platform(PlatformAdRevenue, spend.Currency), -spend.Amount},
		),
	}
}

// IncentiveReward books an incentive programme's reward to a shop or a creator: an
// incentive expense, available to withdraw at once.
func IncentiveReward(key, ownerKind string, ownerID id.ID, reward money.Money, program string) TransferInput {
	return TransferInput{
		IdempotencyKey: key, Kind: "incentive_reward", Reference: "program:" + program, Memo: "incentive reward: " + program,
		Postings: []Posting{
			{Platform(IncentiveExpense, reward.Currency), reward.Amount},
			{ref(ownerKind, availableOf(ownerKind), ownerID, reward.Currency), -reward.Amount},
		},
	}
}

func nonZero(ps ...Posting) []Posting {
	out := ps[:0]
	for _, p := range ps {
		if p.Amount != 0 {
			out = append(out, p)
		}
	}
	return out
}

// ProgramInput is an operator's request to book one of the programme rules.
type ProgramInput struct {
	// IdempotencyKey makes a retry safe: the same key and content books once.
	IdempotencyKey string      `json:"idempotency_key"`
	ShopID         id.ID       `json:"shop_id,omitempty"`
	CreatorID      id.ID       `json:"creator_id,omitempty"`
	PlanID         id.ID       `json:"plan_id,omitempty"`    // collaboration fees
	OwnerKind      string      `json:"owner_kind,omitempty"` // incentives: shop or creator
	Market         string      `json:"market,omitempty"`     // incentives to creators
	Amount         money.Money `json:"amount"`
	Program        string      `json:"program,omitempty"`  // incentives
	Campaign       string      `json:"campaign,omitempty"` // ad spend
	Memo           string      `json:"memo,omitempty"`     // ad credit
}

// Program kinds.
const (
	ProgramCollaborationFee = "collaboration_fee"
	ProgramAdCredit         = "ad_credit"
	ProgramAdSpend          = "ad_spend"
	ProgramIncentive        = "incentive"
)

// BookProgram books a collaboration fee, ad credit, ad spend or incentive reward.
// Operators only. Bad input is refused naming its field, and nothing is written; a
// repeated key with the same content returns the first transfer.
func (s *Service) BookProgram(ctx context.Context, actor auth.Actor, kind string, in ProgramInput) (Transfer, error) {
	if err := actor.Require(auth.Operator); err != nil {
		return Transfer{}, err
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if in.IdempotencyKey == "" || len(in.IdempotencyKey) > 100 {
		return Transfer{}, ErrMissingKey.OnField("idempotency_key")
	}
	if in.Amount.Amount <= 0 {
		return Transfer{}, errs.Invalidf("amount", "an amount above zero, in minor units")
	}
	// The market whose currency the money is in: the shop's, or the one given.
	market := in.Market
	ownerKind := OwnerShop
	if kind == ProgramIncentive {
		ownerKind = in.OwnerKind
		if ownerKind != OwnerShop && ownerKind != OwnerCreator {
			return Transfer{}, ErrBadOwner.With("an incentive goes to a shop or a creator").OnField("owner_kind")
		}
	}
	if kind == ProgramCollaborationFee || ownerKind == OwnerShop {
		if in.ShopID == 0 {
			return Transfer{}, errs.Invalidf("shop_id", "required")
		}
		shop, err := s.sellers.Shop(ctx, in.ShopID)
		if err != nil {
			return Transfer{}, errs.OnField(err, "shop_id")
		}
		market = shop.Market
	}
	if market == "" {
		return Transfer{}, errs.Invalidf("market", "say which market's currency the reward is in")
	}
	m, err := s.markets.Market(ctx, market)
	if err != nil {
		return Transfer{}, errs.OnField(err, "market")
	}
	if in.Amount.Currency != m.Currency {
		return Transfer{}, ErrCurrencyMismatch.With("%s pays in %s, not %q", m.Code, m.Currency, in.Amount.Currency).OnField("amount.currency")
	}
	key := kind + "/" + in.IdempotencyKey
	var rule func(tx *db.Tx) (TransferInput, error)
	switch kind {
	case ProgramCollaborationFee:
		if in.CreatorID == 0 {
			return Transfer{}, errs.Invalidf("creator_id", "required")
		}
		if in.PlanID == 0 {
			return Transfer{}, errs.Invalidf("plan_id", "required")
		}
		rule = func(*db.Tx) (TransferInput, error) {
			return CollaborationFee(key, in.PlanID, in.ShopID, in.CreatorID, in.Amount), nil
		}
	case ProgramAdCredit:
		memo := strings.TrimSpace(in.Memo)
		if memo == "" {
			memo = "ad credit granted"
		}
		if len(memo) > 200 {
			return Transfer{}, errs.Invalidf("memo", "at most 200 characters")
		}
		rule = func(*db.Tx) (TransferInput, error) { return AdCreditGranted(key, in.ShopID, in.Amount, memo), nil }
	case ProgramAdSpend:
		campaign := strings.TrimSpace(in.Campaign)
		if campaign == "" || len(campaign) > 100 {
			return Transfer{}, errs.Invalidf("campaign", "name the campaign, at most 100 characters")
		}
		rule = func(tx *db.Tx) (TransferInput, error) {
			// A retry is answered by what the first request booked: the split between
			// credit and balance depends on the credit left then, not now.
			if t, found, err := s.transferByKey(ctx, tx, key); err != nil || found {
				if err == nil && !sameAdSpend(t, in.ShopID, in.Amount, campaign) {
					err = ErrIdempotencyConflict.With("idempotency key %q was used for a different ad spend", in.IdempotencyKey).OnField("idempotency_key")
				}
				return TransferInput{}, errReplayed{t, err}
			}
			// The credit left, read (locked on PostgreSQL) in the transaction that spends it.
			var balance, held int64
			err := tx.QueryRowContext(ctx, `SELECT balance, pending_debit FROM ledger_accounts WHERE code = $1`+db.ForUpdate(tx),
				Shop(AdCredit, in.ShopID, m.Currency).Code()).Scan(&balance, &held)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return TransferInput{}, err
			}
			return AdSpend(key, in.ShopID, in.Amount, -(balance + held), campaign), nil
		}
	case ProgramIncentive:
		program := strings.TrimSpace(in.Program)
		if program == "" || len(program) > 64 {
			return Transfer{}, errs.Invalidf("program", "name the programme, at most 64 characters")
		}
		owner := in.ShopID
		if ownerKind == OwnerCreator {
			if owner = in.CreatorID; owner == 0 {
				return Transfer{}, errs.Invalidf("creator_id", "required")
			}
		}
		rule = func(*db.Tx) (TransferInput, error) {
			return IncentiveReward(key, ownerKind, owner, in.Amount, program), nil
		}
	default:
		return Transfer{}, errs.Invalidf("kind", "a collaboration fee, ad credit, ad spend or incentive")
	}
	var t Transfer
	err = s.db.RunInTx(ctx, func(tx *db.Tx) error {
		ti, err := rule(tx)
		if r, ok := err.(errReplayed); ok {
			t = r.t
			return r.err
		}
		if err != nil {
			return err
		}
		t, err = s.Post(ctx, tx, ti)
		return err
	})
	return t, err
}

// errReplayed carries a transfer booked before under the same key out of a rule.
type errReplayed struct {
	t   Transfer
	err error
}

func (e errReplayed) Error() string { return "replayed" }

// transferByKey finds the transfer booked under an idempotency key.
func (s *Service) transferByKey(ctx context.Context, tx *db.Tx, key string) (Transfer, bool, error) {
	var existing id.ID
	err := tx.QueryRowContext(ctx, `SELECT id FROM ledger_transfers WHERE idempotency_key = $1`, key).Scan(&existing)
	if errors.Is(err, sql.ErrNoRows) {
		return Transfer{}, false, nil
	}
	if err != nil {
		return Transfer{}, false, err
	}
	t, err := s.transfer(ctx, tx, existing)
	return t, err == nil, err
}

// sameAdSpend says whether a booked transfer is the ad spend asked for.
func sameAdSpend(t Transfer, shopID id.ID, spend money.Money, campaign string) bool {
	want := AdSpend("", shopID, spend, 0, campaign)
	if t.Kind != want.Kind || t.Reference != want.Reference || t.Memo != want.Memo {
		return false
	}
	revenue := Platform(PlatformAdRevenue, spend.Currency).Code()
	for _, p := range t.Postings {
		if p.AccountCode == revenue {
			return p.Amount == -spend.Amount
		}
	}
	return false
}
