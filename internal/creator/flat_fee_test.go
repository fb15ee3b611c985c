package creator_test

import (
	"context"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// An accepted plan's flat fee is paid by the platform when it falls due: once, from
// the shop's balance to the creator's, and the fee is then paid, not overdue.
func TestFlatFeesAreBookedWhenDue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		books := ledger.NewService(d, f.Markets, f.sellers, f.Log)
		f.creators.UseFeePoster(books)
		star, starC := f.creator(t, "star", 3)
		_, declinerC := f.creator(t, "decliner", 3)
		plan, err := f.creators.CreateTargetPlan(ctx, f.owner, creator.TargetPlanInput{ShopID: f.product.ShopID, Name: "Launch", FlatFee: 15000,
			ProductIDs: []id.ID{f.product.ID}, CreatorIDs: []id.ID{starC.ID, declinerC.ID}, ExpiresAt: time.Now().Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.creators.RespondToInvitation(ctx, star, plan.ID, true); err != nil {
			t.Fatal(err)
		}
		balance := func(ref ledger.AccountRef) int64 {
			a, err := books.Account(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			return a.Balance
		}
		shopAcct := ledger.Shop(ledger.SellerAvailable, f.product.ShopID, "USD")
		starAcct := ledger.Creator(ledger.CreatorAvailable, starC.ID, "USD")

		// Not yet due: nothing moves.
		if n, err := f.creators.BookDueFees(ctx); err != nil || n != 0 || balance(starAcct) != 0 {
			t.Fatalf("before the due date: %d booked, %v, creator balance %d", n, err, balance(starAcct))
		}
		d.ExecContext(ctx, `UPDATE target_plan_creators SET fee_due_at = $1 WHERE status = 'accepted'`, db.Micros(time.Now().Add(-time.Minute)))
		if n, err := f.creators.BookDueFees(ctx); err != nil || n != 1 {
			t.Fatalf("due: %d booked, %v", n, err)
		}
		// Debit-positive balances: the shop paid 150.00, the creator holds it.
		if s, c := balance(shopAcct), balance(starAcct); s != 15000 || c != -15000 {
			t.Fatalf("shop %d creator %d, want 15000 and -15000", s, c)
		}
		if n, err := f.creators.BookDueFees(ctx); err != nil || n != 0 || balance(starAcct) != -15000 {
			t.Fatalf("second run: %d booked, %v, creator %d", n, err, balance(starAcct))
		}
		if shops, err := f.creators.OverdueShops(ctx, f.Operator(t)); err != nil || len(shops) != 0 {
			t.Fatalf("a paid fee is listed overdue: %+v %v", shops, err)
		}
		if err := books.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
