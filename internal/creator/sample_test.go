package creator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
)

// withOrders wires an order service into the fixture's creators, as the app does,
// with the sandbox carrier; the creators' consumers follow the outbox.
func (f fixture) withOrders(t *testing.T) *order.Service {
	t.Helper()
	d := f.DB
	orders := order.NewService(d, f.Markets, f.Identity, f.sellers, f.catalog, promo.NewService(d, f.Markets, f.sellers, f.catalog, f.Log),
		payment.NewService(d, payment.Sandbox{}, f.Log), f.Outbox, f.Log)
	orders.Carriers[order.SandboxCarrierName] = &order.SandboxCarrier{}
	f.creators.UseOrders(orders)
	if err := f.creators.Subscribe(f.Bus); err != nil {
		t.Fatal(err)
	}
	return orders
}

var home = order.Address{Name: "Sam Pler", Line1: "1 Creator Way", City: "Austin", PostalCode: "78701", Country: "US"}

func stockOf(t *testing.T, d *db.DB, sku id.ID) (stock, reserved int64) {
	t.Helper()
	if err := d.QueryRowContext(context.Background(), `SELECT stock, reserved FROM skus WHERE id = $1`, sku).Scan(&stock, &reserved); err != nil {
		t.Fatal(err)
	}
	return stock, reserved
}

// A sample: requested with an address, approved into a zero-price order that takes
// the stock and waits in the shop's orders, shipped and delivered through the order's
// fulfilment (the sample following), content due days after delivery, fulfilled.
// Refusals change nothing; a rejection creates nothing; a cancelled order cancels it.
func TestSamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		orders := f.withOrders(t)
		actor, c := f.creator(t, "sampler", 3)
		sku := f.product.SKUs[0].ID
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, Active: true})
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID}); errs.As(err) == nil || errs.As(err).Code != "no_free_samples" {
			t.Fatalf("no samples offered: %v", err)
		}
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, FreeSamples: true, Active: true})
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, SKUID: 4242}); errs.As(err) == nil || errs.As(err).Field != "sku_id" {
			t.Fatalf("wrong sku: %v", err)
		}
		// Where it goes: none kept, one abroad, one without a city.
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID}); errs.As(err) == nil || errs.As(err).Code != "sample_address_missing" || errs.As(err).Field != "shipping_address" {
			t.Fatalf("no address: %v", err)
		}
		abroad := home
		abroad.Country = "GB"
		if _, err := f.creators.SetSampleAddress(ctx, actor, abroad); errs.As(err) == nil || errs.As(err).Field != "shipping_address.country" {
			t.Fatalf("address abroad: %v", err)
		}
		noCity := home
		noCity.City = " "
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, ShippingAddress: &noCity}); errs.As(err) == nil || errs.As(err).Field != "shipping_address.city" {
			t.Fatalf("address without a city: %v", err)
		}
		if count(t, d, "samples") != 0 {
			t.Fatal("refused requests stored")
		}
		if _, err := f.creators.SetSampleAddress(ctx, actor, home); err != nil {
			t.Fatal(err)
		}
		smp, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, Note: "for a try-on video"})
		if err != nil || smp.SKUID != sku || smp.Status != creator.SampleRequested || smp.ShipTo != home {
			t.Fatalf("request %+v %v", smp, err)
		}
		if _, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID}); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("second open request: %v", err)
		}
		// Only the shop's seller decides; approval needs content days, rejection a reason.
		if _, err := f.creators.DecideSample(ctx, f.Actor(t, "bo", auth.Seller), smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14}); err == nil {
			t.Fatal("another seller approved")
		}
		for _, days := range []int{0, -1, creator.MaxContentDays + 1} {
			if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: days}); errs.As(err) == nil || errs.As(err).Field != "content_days" {
				t.Fatalf("%d content days: %v", days, err)
			}
		}
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{}); errs.As(err) == nil || errs.As(err).Field != "reason" {
			t.Fatalf("no reason: %v", err)
		}
		// Out of stock: the approval is refused and the request waits, no order made.
		d.ExecContext(ctx, `UPDATE skus SET stock = 0 WHERE id = $1`, sku)
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14}); errs.As(err) == nil || errs.As(err).Field != "quantity" {
			t.Fatalf("approved without stock: %v", err)
		}
		if mine, _ := f.creators.MySamples(ctx, actor); mine[0].Status != creator.SampleRequested || mine[0].OrderID != 0 || count(t, d, "orders") != 0 {
			t.Fatalf("a refused approval changed things: %+v", mine[0])
		}
		d.ExecContext(ctx, `UPDATE skus SET stock = 10 WHERE id = $1`, sku)

		smp, err = f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14})
		if err != nil || smp.Status != creator.SampleApproved || smp.OrderID == 0 || smp.ContentDays != 14 || !smp.ContentDueAt.IsZero() {
			t.Fatalf("approve %+v %v", smp, err)
		}
		if _, err := f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14}); !errors.Is(err, creator.ErrSampleState) {
			t.Fatalf("approved twice: %v", err)
		}
		o, err := orders.Get(ctx, actor, smp.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if o.BuyerID != actor.AccountID || o.ShopID != f.product.ShopID || o.Status != order.AwaitingShipment || !o.IsSample() || o.Total.Amount != 0 ||
			o.Subtotal.Amount != 0 || o.ShippingFee.Amount != 0 || len(o.Lines) != 1 || o.Lines[0].SKUID != sku || o.Lines[0].UnitPrice.Amount != 0 ||
			o.Lines[0].Quantity != 1 || o.Lines[0].Source != order.SourceSample || o.Lines[0].CreatorID != 0 || o.Lines[0].Commission.Amount != 0 ||
			o.ShippingAddress != home || o.DispatchDueAt.IsZero() || o.PaidAt.IsZero() {
			t.Fatalf("sample order %+v", o)
		}
		if st, res := stockOf(t, d, sku); st != 9 || res != 0 {
			t.Fatalf("stock %d reserved %d after the sample order, want 9 and 0", st, res)
		}
		// No payment, and not one of the shop's daily order slots.
		if n := count(t, d, "payments"); n != 0 {
			t.Fatalf("%d payments for a sample", n)
		}
		if n := count(t, d, "shop_daily_orders"); n != 0 {
			t.Fatalf("a sample took a daily order slot")
		}
		shopOrders, err := orders.ShopOrders(ctx, f.owner, f.product.ShopID, order.AwaitingShipment, 10)
		if err != nil || len(shopOrders) != 1 || shopOrders[0].ID != o.ID {
			t.Fatalf("the seller's orders to ship: %+v %v", shopOrders, err)
		}
		f.RelayUntilIdle(t)

		// The seller ships it like any order; the sample follows.
		if _, err := orders.Ship(ctx, f.owner, o.ID, order.ShipInput{}); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		mine, _ := f.creators.MySamples(ctx, actor)
		if mine[0].Status != creator.SampleShipped || mine[0].Carrier != order.SandboxCarrierName || mine[0].TrackingNumber == "" || mine[0].ShippedAt.IsZero() || mine[0].ContentOverdue {
			t.Fatalf("after shipping: %+v", mine[0])
		}
		if _, err := orders.CarrierEvent(ctx, f.Operator(t), o.ID, order.CarrierDelivered); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		o, _ = orders.Get(ctx, actor, o.ID)
		mine, _ = f.creators.MySamples(ctx, actor)
		if o.Status != order.Delivered || mine[0].Status != creator.SampleDelivered || !mine[0].DeliveredAt.Equal(o.DeliveredAt) ||
			!mine[0].ContentDueAt.Equal(o.DeliveredAt.AddDate(0, 0, 14)) {
			t.Fatalf("after delivery: order %s at %v, sample %+v", o.Status, o.DeliveredAt, mine[0])
		}
		if _, err := f.creators.FulfilSample(ctx, f.Actor(t, "x"), smp.ID, "video:1"); !errors.Is(err, creator.ErrNoProfile) {
			t.Fatalf("a stranger fulfils: %v", err)
		}
		// Past the due date with no content, both sides see it overdue.
		d.ExecContext(ctx, `UPDATE samples SET content_due_at = $1`, db.Micros(time.Now().Add(-time.Hour)))
		shop, _ := f.creators.ShopSamples(ctx, f.owner, f.product.ShopID, "")
		mine, _ = f.creators.MySamples(ctx, actor)
		if len(shop) != 1 || !shop[0].ContentOverdue || len(mine) != 1 || !mine[0].ContentOverdue || mine[0].CreatorID != c.ID {
			t.Fatalf("overdue: %+v / %+v", shop, mine)
		}
		if _, err := f.creators.FulfilSample(ctx, actor, smp.ID, ""); errs.As(err) == nil || errs.As(err).Field != "content_ref" {
			t.Fatalf("no content: %v", err)
		}
		if smp, err = f.creators.FulfilSample(ctx, actor, smp.ID, "https://liveshop.example/v/123"); err != nil || smp.Status != creator.SampleFulfilled || smp.ContentOverdue {
			t.Fatalf("fulfil %+v %v", smp, err)
		}
		// A new request is allowed once the last one is done; a rejection says why
		// and creates nothing.
		ordersBefore := count(t, d, "orders")
		smp2, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID})
		if err != nil {
			t.Fatal(err)
		}
		if smp2, err = f.creators.DecideSample(ctx, f.owner, smp2.ID, creator.SampleDecision{Reason: "one sample per creator"}); err != nil || smp2.RejectReason != "one sample per creator" || smp2.OrderID != 0 {
			t.Fatalf("reject %+v %v", smp2, err)
		}
		if count(t, d, "orders") != ordersBefore {
			t.Fatal("a rejection made an order")
		}
		if st, _ := stockOf(t, d, sku); st != 9 {
			t.Fatalf("stock %d after a rejection, want 9", st)
		}
		// An approved sample whose order the seller cancels is cancelled, its stock back.
		smp3, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID})
		if err != nil {
			t.Fatal(err)
		}
		if smp3, err = f.creators.DecideSample(ctx, f.owner, smp3.ID, creator.SampleDecision{Approve: true, ContentDays: 7}); err != nil {
			t.Fatal(err)
		}
		if _, err := orders.SellerCancel(ctx, f.owner, smp3.OrderID, "out of samples this month"); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		if got, _ := f.creators.MySamples(ctx, actor); got[0].ID != smp3.ID || got[0].Status != creator.SampleCancelled {
			t.Fatalf("after the order was cancelled: %+v", got[0])
		}
		if st, _ := stockOf(t, d, sku); st != 9 {
			t.Fatalf("stock %d after the cancelled sample, want 9", st)
		}
		// No commission on samples.
		if n := count(t, d, "commissions"); n != 0 {
			t.Fatalf("%d commissions on sample orders", n)
		}
	})
}

// Publishing a video featuring the sampled product (or going live with it) fulfils
// the creator's waiting sample with a link to the content; another creator's content
// and a shop's own do not.
func TestSampleFulfilledByContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		smallRules(t, f)
		orders := f.withOrders(t)
		actor, c := f.creator(t, "sampler", 3)
		_, other := f.creator(t, "other", 3)
		f.creators.SetOpenPlan(ctx, f.owner, f.product.ID, creator.OpenPlanInput{CommissionBP: 1000, FreeSamples: true, Active: true})
		smp, err := f.creators.RequestSample(ctx, actor, creator.SampleInput{ProductID: f.product.ID, ShippingAddress: &home})
		if err != nil {
			t.Fatal(err)
		}
		if smp, err = f.creators.DecideSample(ctx, f.owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14}); err != nil {
			t.Fatal(err)
		}
		if _, err := orders.Ship(ctx, f.owner, smp.OrderID, order.ShipInput{Carrier: order.ManualCarrier, TrackingNumber: "1Z999AA10123456784"}); err != nil {
			t.Fatal(err)
		}
		f.RelayUntilIdle(t)
		publish := func(ev events.Event) {
			t.Helper()
			if err := d.RunInTx(ctx, func(tx *db.Tx) error { return f.Outbox.Add(ctx, tx, outbox.Aggregate("video", id.New()), ev) }); err != nil {
				t.Fatal(err)
			}
			f.RelayUntilIdle(t)
		}
		status := func() creator.Sample {
			mine, err := f.creators.MySamples(ctx, actor)
			if err != nil || len(mine) != 1 {
				t.Fatalf("samples %+v %v", mine, err)
			}
			return mine[0]
		}
		publish(events.VideoPublished{VideoID: 11, Market: "US", CreatorID: other.ID, ProductIDs: []id.ID{f.product.ID}})
		publish(events.VideoPublished{VideoID: 12, Market: "US", ShopID: f.product.ShopID, ProductIDs: []id.ID{f.product.ID}})
		if got := status(); got.Status != creator.SampleShipped {
			t.Fatalf("someone else's content fulfilled the sample: %+v", got)
		}
		publish(events.VideoPublished{VideoID: 13, Market: "US", CreatorID: c.ID, ProductIDs: []id.ID{f.product.ID}})
		if got := status(); got.Status != creator.SampleFulfilled || got.ContentRef != "/videos/13" || got.ContentOverdue {
			t.Fatalf("after the creator's video: %+v", got)
		}
	})
}
