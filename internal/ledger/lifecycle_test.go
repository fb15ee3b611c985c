package ledger

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

type timed struct {
	at time.Time
	ev events.Event
}

// lifecycle makes one random order's events: paid; then cancelled, or delivered,
// refunded in parts before and after it settles, and settled.
func lifecycle(rng *rand.Rand, shop id.ID, paid time.Time) []timed {
	o := randomOrder(rng)
	o.OrderID, o.ShopID, o.Market, o.PaidAt = id.New(), shop, "US", paid
	out := []timed{{paid, events.OrderPaid{Order: o, At: paid}}}
	if rng.IntN(8) == 0 {
		at := paid.Add(2 * time.Hour)
		return append(out, timed{at, events.OrderCancelled{Order: o, WasPaid: true, Refund: o.Total, Reason: "buyer changed their mind", At: at}})
	}
	delivered := paid.Add(time.Duration(20+rng.IntN(60)) * time.Hour)
	out = append(out, timed{delivered, events.OrderDelivered{Order: o, At: delivered}})
	refunds := randomRefunds(rng, &o)
	split := rng.IntN(len(refunds) + 1)
	completed := delivered.Add(time.Duration(48+rng.IntN(100)) * time.Hour)
	final := o
	for i, r := range refunds {
		r.ReturnID = id.New()
		r.Kind = []string{"return_refund", "refund_only"}[rng.IntN(2)]
		if i < split {
			r.Order.Status = "DELIVERED"
			r.At = delivered.Add(time.Duration(1+i) * time.Hour)
			final = r.Order
		} else {
			r.Order.Status = "COMPLETED"
			// Some after the shop's money is released (15 days in probation).
			r.At = completed.Add(time.Duration(1+rng.IntN(30*24)) * time.Hour)
		}
		out = append(out, timed{r.At, r})
	}
	final.Status = "COMPLETED"
	return append(out, timed{completed, events.OrderCompleted{Order: final, At: completed}})
}

// Random order lifecycles on a real database, with the settlement and payout runs
// between them: every currency sums to zero, no protected account is past zero, the
// clearing account ends empty, and every payee's statements equal the movements of
// their payable account day by day and add up to what they hold and were paid.
func TestRandomLifecyclesKeepTheBooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orders := 40
		if d.Engine() == db.Postgres {
			orders = 20
		}
		w := newWorld(t, d, 3)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(11, uint64(orders)))
		start := w.clock
		// The platform's own float at the payment provider, so payouts and refunds never
		// wait for new captures.
		if _, err := post(t, w.s, TransferInput{IdempotencyKey: "float", Kind: "test", Reference: "float", Postings: []Posting{
			{Platform(ProviderReceivable, "USD"), 100_000_000}, {Platform(PlatformReferralRevenue, "USD"), -100_000_000}}}); err != nil {
			t.Fatal(err)
		}
		for i, shop := range w.shops {
			dest := "US-BANK-12345" + string(rune('0'+i))
			if i == 2 {
				dest = "US-BANK-990000" // the bank refuses: its payouts fail and return
			}
			if err := w.s.SetPayoutDestination(ctx, OwnerShop, shop, dest); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.s.SetPayoutDestination(ctx, OwnerCreator, 100, "TH-BANK-100100"); err != nil {
			t.Fatal(err)
		}

		var all []timed
		for range orders {
			all = append(all, lifecycle(rng, w.shops[rng.IntN(len(w.shops))], start.Add(time.Duration(rng.IntN(6*24))*time.Hour))...)
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
		sweep := func() {
			if _, err := w.s.Release(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := w.s.PayDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		last := start
		for _, e := range all {
			for last.Add(24 * time.Hour).Before(e.at) {
				last = last.Add(24 * time.Hour)
				w.clock = last
				sweep()
			}
			w.clock = e.at
			w.emit(e.ev)
		}
		end := all[len(all)-1].at.AddDate(0, 0, 20)
		w.clock = end
		sweep()

		if err := w.s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		accts, err := w.s.Accounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accts {
			if a.NoOverdraft && a.Available().Amount < 0 {
				t.Errorf("%s is past zero: %v available", a.Code, a.Available())
			}
		}
		if c := w.balance(Platform(BuyerPaymentsClearing, "USD")); c != 0 {
			t.Errorf("clearing holds %d with every order settled or cancelled", c)
		}

		m, err := w.s.markets.Market(ctx, "US")
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(m.TimeZone)
		payees := []struct {
			kind string
			id   id.ID
		}{{OwnerCreator, 100}, {OwnerCreator, 101}}
		for _, s := range w.shops {
			payees = append(payees, struct {
				kind string
				id   id.ID
			}{OwnerShop, s})
		}
		for _, p := range payees {
			var earned, movement, released, reopened int64
			for day := start.In(loc).AddDate(0, 0, -1); day.Before(end.In(loc).AddDate(0, 0, 1)); day = day.AddDate(0, 0, 1) {
				st, err := w.s.Statement(ctx, p.kind, p.id, "US", day.Format("2006-01-02"))
				if err != nil {
					t.Fatal(err)
				}
				if st.Totals.Net-st.Released+st.Reopened != st.PayableMovement {
					t.Fatalf("%s %d on %s: statement nets %d - %d released + %d reopened, the payable moved %d", p.kind, p.id, st.Day,
						st.Totals.Net, st.Released, st.Reopened, st.PayableMovement)
				}
				for _, l := range st.Lines {
					if l.Sales+l.Subsidies+l.Fees+l.Commissions+l.Shipping+l.Tax+l.Refunds+l.Adjustments != l.Net {
						t.Fatalf("%s %d: line %+v does not add up", p.kind, p.id, l)
					}
				}
				earned += st.Totals.Net
				movement += st.PayableMovement
				released += st.Released
				reopened += st.Reopened
			}
			payable := w.balance(ref(p.kind, payableOf(p.kind), p.id, "USD"))
			available := w.balance(ref(p.kind, availableOf(p.kind), p.id, "USD"))
			var paid int64
			pos, err := w.s.Payouts(ctx, p.kind, p.id, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, po := range pos {
				if po.Status == PayoutPaid {
					paid += po.Amount
				}
				if p.id == w.shops[2] && po.Status != PayoutFailed {
					t.Errorf("a payout to the refusing bank is %s", po.Status)
				}
			}
			if movement != payable || earned != payable+available+paid || released-reopened != available+paid {
				t.Errorf("%s %d: statements earned %d (payable moved %d, released %d, reopened %d); ledger payable %d, available %d, paid %d",
					p.kind, p.id, earned, movement, released, reopened, payable, available, paid)
			}
			t.Logf("%s %d: earned %d, payable %d, available %d, paid %d in %d payouts", p.kind, p.id, earned, payable, available, paid, len(pos))
		}
	})
}
