package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

// world is a ledger with a clock the test moves, real shops, and events fed to the
// consumer as the relay would.
type world struct {
	t     *testing.T
	k     *testkit.Kit
	s     *Service
	clock time.Time
	shops []id.ID
}

func newWorld(t *testing.T, d *db.DB, shops int) *world {
	k := testkit.New(t, d)
	sellers := seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log)
	w := &world{t: t, k: k, s: NewService(d, k.Markets, sellers, k.Log), clock: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	w.s.now = func() time.Time { return w.clock }
	for i := range shops {
		owner := k.Actor(t, "owner"+string(rune('a'+i)), auth.Seller)
		shop, err := sellers.Register(context.Background(), owner, seller.RegisterInput{Market: "US", Name: "Shop " + string(rune('A'+i))})
		if err != nil {
			t.Fatal(err)
		}
		w.shops = append(w.shops, shop.ID)
	}
	return w
}

// filled gives an order the ids the order service always sets (JSON refuses zero ids).
func filled(o events.Order) events.Order {
	o.CheckoutID, o.BuyerID = 1, 2
	o.Lines = append([]events.OrderLine(nil), o.Lines...)
	for i := range o.Lines {
		o.Lines[i].ProductID, o.Lines[i].SKUID = 3, 4
	}
	return o
}

func (w *world) emit(ev events.Event) {
	w.t.Helper()
	switch e := ev.(type) {
	case events.OrderPaid:
		e.Order = filled(e.Order)
		ev = e
	case events.OrderDelivered:
		e.Order = filled(e.Order)
		ev = e
	case events.OrderCompleted:
		e.Order = filled(e.Order)
		ev = e
	case events.OrderCancelled:
		e.Order = filled(e.Order)
		ev = e
	case events.OrderRefunded:
		e.Order = filled(e.Order)
		ev = e
	}
	b, err := json.Marshal(ev)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.s.handle(context.Background(), bus.Event{ID: id.New(), Topic: ev.Topic(), At: w.clock, Payload: b}); err != nil {
		w.t.Fatalf("%s: %v", ev.Topic(), err)
	}
}

func (w *world) balance(r AccountRef) int64 {
	w.t.Helper()
	a, err := w.s.Account(context.Background(), r)
	if err != nil {
		w.t.Fatal(err)
	}
	return a.Normalised().Amount
}

// A 25.99 order with a 2.60 commission: the shop's 21.83 waits seven days after
// delivery and for the order to settle, the creator's commission is available when
// the order settles and due seven days later; payouts respect the minimum, a failed
// one gives the money back, a refund after release takes it back from available.
func TestSettlementReleaseAndPayouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, 1)
		ctx := context.Background()
		shop, creator := w.shops[0], id.ID(900)
		o := events.Order{OrderID: id.New(), ShopID: shop, Market: "US", Currency: "USD", Total: 2599, PaidAt: w.clock, Lines: []events.OrderLine{
			{LineID: 1, Quantity: 1, Total: 2599, Paid: 2599, CreatorID: creator, Commission: 260},
		}}
		w.emit(events.OrderPaid{Order: o, At: w.clock})
		w.clock = w.clock.Add(24 * time.Hour)
		delivered := w.clock
		w.emit(events.OrderDelivered{Order: o, At: delivered})
		release := func() int {
			n, err := w.s.Release(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A new shop is in probation: its money waits 15 days after delivery, not 7.
		sts, err := w.s.Settlements(ctx, OwnerShop, shop, 10)
		if err != nil || len(sts) != 1 || sts[0].DelayDays != 15 || sts[0].DelayReason != seller.DelayProbation || !sts[0].AvailableAt.Equal(delivered.AddDate(0, 0, 15)) {
			t.Fatalf("the shop's schedule: %+v %v", sts, err)
		}
		// An order that has not settled releases nothing, even past its day.
		o2 := events.Order{OrderID: id.New(), ShopID: shop, Market: "US", Currency: "USD", Total: 5000, PaidAt: w.clock, Lines: []events.OrderLine{{LineID: 2, Quantity: 1, Total: 5000, Paid: 5000}}}
		w.emit(events.OrderPaid{Order: o2, At: w.clock})
		w.emit(events.OrderDelivered{Order: o2, At: delivered})

		w.clock = delivered.AddDate(0, 0, 2)
		o.Status = "COMPLETED"
		w.emit(events.OrderCompleted{Order: o, At: w.clock})
		// The creator's share is available at settlement; the shop's only on its day.
		if n := release(); n != 1 {
			t.Fatalf("released %d shares at settlement, want the creator's", n)
		}
		w.clock = delivered.AddDate(0, 0, 15).Add(-time.Minute)
		if n := release(); n != 0 {
			t.Fatalf("released %d shares before the shop's day", n)
		}
		if got := w.balance(Shop(SellerAvailable, shop, "USD")); got != 0 {
			t.Fatalf("shop available %d before its day", got)
		}
		w.clock = delivered.AddDate(0, 0, 16)
		if n := release(); n != 1 {
			t.Fatalf("released %d on the shop's day, want the settled order's only", n)
		}
		if a, p := w.balance(Shop(SellerAvailable, shop, "USD")), w.balance(Shop(SellerPayable, shop, "USD")); a != 2599-156-260 || p != 0 {
			t.Fatalf("shop available %d payable %d", a, p)
		}
		if got := w.balance(Creator(CreatorAvailable, creator, "USD")); got != 260 {
			t.Fatalf("creator available %d", got)
		}

		// Payouts: none without a bank account; the creator's 2.60 is under the 10.00
		// minimum; the shop's 21.83 fails at the bank, then is paid.
		if _, err := w.s.PayOut(ctx, OwnerShop, shop, "US"); !errors.Is(err, ErrNoDestination) {
			t.Fatalf("no bank account: %v", err)
		}
		if err := w.s.SetPayoutDestination(ctx, OwnerCreator, creator, "GB29NWBK60161331926819"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.PayOut(ctx, OwnerCreator, creator, "US"); !errors.Is(err, ErrBelowMinimum) {
			t.Fatalf("below the minimum: %v", err)
		}
		if err := w.s.SetPayoutDestination(ctx, OwnerShop, shop, "US-BANK-000000"); err != nil {
			t.Fatal(err)
		}
		failed, err := w.s.PayOut(ctx, OwnerShop, shop, "US")
		if err != nil || failed.Status != PayoutFailed || failed.Amount != 2183 || failed.Failure == "" {
			t.Fatalf("payout to a closed account: %+v %v", failed, err)
		}
		if got := w.balance(Shop(SellerAvailable, shop, "USD")); got != 2183 {
			t.Fatalf("after the failed payout the shop has %d available, want it all back", got)
		}
		if again, err := w.s.PayDue(ctx); err != nil || len(again) != 0 {
			t.Fatalf("the scheduled run retried the refusing bank: %+v %v", again, err)
		}
		if err := w.s.SetPayoutDestination(ctx, OwnerShop, shop, "US-BANK-123456"); err != nil {
			t.Fatal(err)
		}
		paid, err := w.s.PayDue(ctx)
		if err != nil || len(paid) != 1 || paid[0].Status != PayoutPaid || paid[0].Amount != 2183 || paid[0].OwnerKind != OwnerShop {
			t.Fatalf("scheduled payouts: %+v %v", paid, err)
		}
		if got := w.balance(Shop(SellerAvailable, shop, "USD")); got != 0 {
			t.Fatalf("after the payout %d available", got)
		}
		pos, err := w.s.Payouts(ctx, OwnerShop, shop, 10)
		if err != nil || len(pos) != 2 || pos[0].Status != PayoutPaid || pos[0].Destination != "••••3456" {
			t.Fatalf("payouts %+v %v", pos, err)
		}

		// A refund after release and payout: the shop owes it, the creator gives back
		// the commission; the next sweep releases nothing more (the order nets zero).
		o.Refunded = 2599
		o.Lines[0].RefundedQuantity = 1
		w.emit(events.OrderRefunded{Order: o, ReturnID: 77, Kind: "refund_only", Refund: 2599,
			Lines: []events.RefundedLine{{LineID: 1, Quantity: 1, Amount: 2599}}})
		release()
		if got := w.balance(Shop(SellerAvailable, shop, "USD")); got != -2183-0 {
			// The whole 21.83 went out and the order now nets zero for the shop: it owes 21.83.
			t.Fatalf("shop available after the refund %d, want -2183", got)
		}
		if p := w.balance(Shop(SellerPayable, shop, "USD")); p != 0 {
			t.Fatalf("shop payable after the refund %d", p)
		}
		if got := w.balance(Creator(CreatorAvailable, creator, "USD")); got != 0 {
			t.Fatalf("creator available after the clawback %d", got)
		}
		if err := w.s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A commission due and unpaid is flagged to the creator and to the shop: soon due
// two days before, overdue after.
func TestOverdueCommissionsAreFlagged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, 1)
		ctx := context.Background()
		shop, creator := w.shops[0], id.ID(901)
		o := events.Order{OrderID: id.New(), ShopID: shop, Market: "US", Currency: "USD", Total: 10000, PaidAt: w.clock, Status: "COMPLETED",
			Lines: []events.OrderLine{{LineID: 1, Quantity: 1, Total: 10000, Paid: 10000, CreatorID: creator, Commission: 1500}}}
		w.emit(events.OrderPaid{Order: o, At: w.clock})
		w.emit(events.OrderDelivered{Order: o, At: w.clock})
		settled := w.clock
		w.emit(events.OrderCompleted{Order: o, At: settled})
		if _, err := w.s.Release(ctx); err != nil {
			t.Fatal(err)
		}
		check := func(at time.Time, overdue, soon int, owed int64) {
			t.Helper()
			w.clock = at
			e, err := w.s.CreatorEarnings(ctx, creator, "USD")
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Overdue) != overdue || len(e.DueSoon) != soon || e.OverdueAmount != owed {
				t.Fatalf("at %v: %d overdue (%d), %d soon; want %d (%d), %d", at, len(e.Overdue), e.OverdueAmount, len(e.DueSoon), overdue, owed, soon)
			}
			so, ss, err := w.s.CommissionsDueOnShop(ctx, shop)
			if err != nil || len(so) != overdue || len(ss) != soon {
				t.Fatalf("shop sees %d overdue %d soon: %v", len(so), len(ss), err)
			}
		}
		check(settled.AddDate(0, 0, 1), 0, 0, 0)
		check(settled.AddDate(0, 0, 6), 0, 1, 0)
		check(settled.AddDate(0, 0, 8), 1, 0, 1500)
		if err := w.s.SetPayoutDestination(ctx, OwnerCreator, creator, "TH-BANK-998877"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.PayDue(ctx); err != nil {
			t.Fatal(err)
		}
		check(settled.AddDate(0, 0, 8), 0, 0, 0)
		e, _ := w.s.CreatorEarnings(ctx, creator, "USD")
		if e.Paid != 1500 || e.Payable != 0 || e.Pending != 0 {
			t.Fatalf("earnings %+v", e)
		}
	})
}

// With a 10% reserve for 10 days, a shop's released share is 90% available and 10%
// held; the reserve becomes available after 10 days. A refund before that takes both
// parts back; one after takes it from available.
func TestReservesHoldBackPartOfTheRelease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, 1)
		w.k.SetPolicy(t, "US", func(p *market.Policy) {
			p.Settlement.DelayDays, p.Settlement.ProbationDelayDays = 0, 0
			p.Settlement.ReserveBP, p.Settlement.ReserveDays = 1000, 10
		})
		w.clock = time.Now().Add(time.Minute)
		ctx := context.Background()
		shop := w.shops[0]
		order := func(total int64) events.Order {
			o := events.Order{OrderID: id.New(), ShopID: shop, Market: "US", Currency: "USD", Total: total, PaidAt: w.clock,
				Lines: []events.OrderLine{{LineID: id.New(), Quantity: 1, Total: total, Paid: total}}}
			w.emit(events.OrderPaid{Order: o, At: w.clock})
			w.emit(events.OrderDelivered{Order: o, At: w.clock})
			o.Status = "COMPLETED"
			w.emit(events.OrderCompleted{Order: o, At: w.clock})
			return o
		}
		release := func() {
			if _, err := w.s.Release(ctx); err != nil {
				t.Fatal(err)
			}
		}
		expect := func(what string, available, reserve int64) {
			t.Helper()
			if a, r := w.balance(Shop(SellerAvailable, shop, "USD")), w.balance(Shop(SellerReserve, shop, "USD")); a != available || r != reserve {
				t.Fatalf("%s: available %d reserve %d, want %d and %d", what, a, r, available, reserve)
			}
		}
		// 100.00 paid; the default 6% fee leaves 94.00: 84.60 available, 9.40 held.
		a := order(10000)
		release()
		expect("after release", 8460, 940)
		sts, _ := w.s.Settlements(ctx, OwnerShop, shop, 10)
		if len(sts) != 1 || sts[0].Reserved != 940 || !sts[0].ReserveUntil.Equal(w.clock.AddDate(0, 0, 10).Truncate(time.Microsecond)) {
			t.Fatalf("schedule %+v", sts)
		}
		w.clock = w.clock.AddDate(0, 0, 10).Add(-time.Minute)
		release()
		expect("a minute before the reserve's day", 8460, 940)
		w.clock = w.clock.Add(time.Minute)
		release()
		expect("on the reserve's day", 9400, 0)

		// A second order refunded in full while its reserve is held: both parts go back.
		b := order(5000)
		release()
		expect("second order released", 9400+4230, 470)
		b.Refunded = 5000
		b.Lines[0].RefundedQuantity = 1
		w.emit(events.OrderRefunded{Order: b, ReturnID: id.New(), Kind: "refund_only", Refund: 5000,
			Lines: []events.RefundedLine{{LineID: b.Lines[0].LineID, Quantity: 1, Amount: 5000}}})
		release()
		// The shop keeps the first order's 94.00 (no administration fee on this
		// refund); nothing of the second is held or available any more.
		expect("after the refund", 9400, 0)
		if p := w.balance(Shop(SellerPayable, shop, "USD")); p != 0 {
			t.Fatalf("payable after the refund %d", p)
		}
		w.clock = w.clock.AddDate(0, 0, 11)
		release()
		expect("after the second reserve's day", 9400, 0)
		_ = a
		if err := w.s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A process that stops between holding a payout's money and hearing from the bank
// leaves the payout pending and the money held, not lost; the scheduled run a minute
// later asks the provider again and finishes it, paying once.
func TestStuckPayoutIsResumed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, 1)
		ctx := context.Background()
		shop := w.shops[0]
		if _, err := post(t, w.s, sale("seed", 100000)); err != nil {
			t.Fatal(err)
		}
		if _, err := post(t, w.s, TransferInput{IdempotencyKey: "earned", Kind: "test", Reference: "order:1", Postings: []Posting{
			{Platform(BuyerPaymentsClearing, "USD"), 5000}, {Shop(SellerAvailable, shop, "USD"), -5000}}}); err != nil {
			t.Fatal(err)
		}
		if err := w.s.SetPayoutDestination(ctx, OwnerShop, shop, "US-BANK-123456"); err != nil {
			t.Fatal(err)
		}
		held, err := w.s.holdPayout(ctx, OwnerShop, shop, "US") // and then the process dies
		if err != nil {
			t.Fatal(err)
		}
		a, _ := w.s.Account(ctx, Shop(SellerAvailable, shop, "USD"))
		if a.Normalised().Amount != 5000 || a.Available().Amount != 0 {
			t.Fatalf("while held: balance %v available %v", a.Normalised(), a.Available())
		}
		if got, err := w.s.PayDue(ctx); err != nil || len(got) != 0 {
			t.Fatalf("a payout pending for seconds was touched: %+v %v", got, err)
		}
		w.clock = w.clock.Add(2 * time.Minute)
		got, err := w.s.PayDue(ctx)
		if err != nil || len(got) != 1 || got[0].ID != held.ID || got[0].Status != PayoutPaid {
			t.Fatalf("resumed: %+v %v", got, err)
		}
		if again, err := w.s.PayDue(ctx); err != nil || len(again) != 0 {
			t.Fatalf("paid twice: %+v %v", again, err)
		}
		a, _ = w.s.Account(ctx, Shop(SellerAvailable, shop, "USD"))
		if a.Balance != 0 || a.PendingDebit != 0 {
			t.Fatalf("after the resumed payout: %+v", a)
		}
		if err := w.s.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
