package demo

import (
	"context"
	"time"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// collaborations gives the affiliate pages something to show: Glow Lab invites Mia
// and Dan to a holiday plan; Mia accepts, asks for a sample, which Glow Lab approves
// and ships, and they talk about a live; Dan has not answered yet.
func (s *seeder) collaborations(ctx context.Context) error {
	glow := s.shops["glow"]
	owner, err := s.ownerOf(ctx, glow.ID)
	if err != nil {
		return err
	}
	mia, err := s.a.Creators.ByHandle(ctx, "mia.makeup")
	if err != nil {
		return err
	}
	dan, err := s.a.Creators.ByHandle(ctx, "chef.dan")
	if err != nil {
		return err
	}
	var products []id.ID
	for _, p := range s.products["glow"][:2] {
		products = append(products, p.ID)
	}
	plan, err := s.a.Creators.CreateTargetPlan(ctx, owner, creator.TargetPlanInput{ShopID: glow.ID, Name: "Holiday glow", CommissionBP: 2000, FlatFee: 5000,
		ProductIDs: products, CreatorIDs: []id.ID{mia.ID, dan.ID}, FlashSaleRequested: true,
		Message: "We'd love a holiday live with a flash sale on the tints.", ExpiresAt: time.Now().AddDate(0, 0, 21)})
	if err != nil {
		return err
	}
	acct, err := s.a.Identity.AccountByEmail(ctx, "creator@liveshop.demo")
	if err != nil {
		return err
	}
	miaActor := acct.Actor()
	if err := s.a.Creators.RespondToInvitation(ctx, miaActor, plan.ID, true); err != nil {
		return err
	}
	for _, pid := range products {
		if err := s.a.Creators.AddToShowcase(ctx, miaActor, pid); err != nil {
			return err
		}
	}
	if _, err := s.a.Creators.SetSampleAddress(ctx, miaActor, order.Address{Name: "Mia Glow", Line1: "200 Sunset Blvd", City: "Los Angeles",
		Region: "CA", PostalCode: "90028", Country: "US"}); err != nil {
		return err
	}
	smp, err := s.a.Creators.RequestSample(ctx, miaActor, creator.SampleInput{ProductID: products[0], Note: "For a try-on before the holiday live."})
	if err != nil {
		return err
	}
	// The sample ships as a zero-price order, through the shop's usual fulfilment.
	if smp, err = s.a.Creators.DecideSample(ctx, owner, smp.ID, creator.SampleDecision{Approve: true, ContentDays: 14}); err != nil {
		return err
	}
	if _, err := s.a.Orders.Ship(ctx, owner, smp.OrderID, order.ShipInput{}); err != nil {
		return err
	}
	thread := creator.Thread{ShopID: glow.ID, CreatorID: mia.ID, PlanID: plan.ID}
	if _, err := s.a.Creators.Send(ctx, owner, thread, "Thanks for joining! Could you go live on the 12th?"); err != nil {
		return err
	}
	_, err = s.a.Creators.Send(ctx, miaActor, thread, "Yes! 8pm works. Sample should land before then.")
	return err
}
