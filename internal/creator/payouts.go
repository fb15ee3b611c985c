package creator

import (
	"context"

	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Payouts is what the creator domain asks the ledger, which pays creators: a
// creator's commissions that are overdue or soon due once its payouts (which cover
// the oldest first) are counted. ledger.Service answers it.
type Payouts interface {
	CreatorEarnings(ctx context.Context, creatorID id.ID, currency string) (ledger.Earnings, error)
}

// UsePayouts makes the ledger the judge of which commissions are paid. Without it
// (a creator service on its own, in tests) a commission is unpaid until an operator
// records it paid, and overdue after its due date.
func (s *Service) UsePayouts(p Payouts) { s.payouts = p }

type payKey struct {
	creator  id.ID
	currency string
}

// payState is the ledger's view of one creator's commissions in one currency.
type payState struct {
	overdue, dueSoon map[id.ID]bool // by order
}

func (s *Service) payStates(ctx context.Context, keys map[payKey]bool) (map[payKey]payState, error) {
	out := make(map[payKey]payState, len(keys))
	for k := range keys {
		e, err := s.payouts.CreatorEarnings(ctx, k.creator, k.currency)
		if err != nil {
			return nil, err
		}
		st := payState{overdue: map[id.ID]bool{}, dueSoon: map[id.ID]bool{}}
		for _, o := range e.Overdue {
			st.overdue[o.OrderID] = true
		}
		for _, o := range e.DueSoon {
			st.dueSoon[o.OrderID] = true
		}
		out[k] = st
	}
	return out, nil
}

// applyPayouts corrects the flags of payable commissions with the ledger's view: a
// commission past its due date that the ledger does not count overdue has been paid.
func (s *Service) applyPayouts(ctx context.Context, cs []Commission) error {
	if s.payouts == nil {
		return nil
	}
	keys := map[payKey]bool{}
	for _, c := range cs {
		if c.Status == CommissionPayable {
			keys[payKey{c.CreatorID, c.Amount.Currency}] = true
		}
	}
	states, err := s.payStates(ctx, keys)
	if err != nil {
		return err
	}
	now := s.now()
	for i := range cs {
		c := &cs[i]
		if c.Status != CommissionPayable {
			continue
		}
		st := states[payKey{c.CreatorID, c.Amount.Currency}]
		c.Overdue, c.DueSoon = st.overdue[c.OrderID], st.dueSoon[c.OrderID]
		if !c.Overdue && !c.DueSoon && !c.DueAt.IsZero() && now.After(c.DueAt) {
			c.Status = CommissionPaid
		}
	}
	return nil
}
