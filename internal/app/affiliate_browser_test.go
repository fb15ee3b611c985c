package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// A seller opens a collaboration that needs approval and invites a small creator to
// a target plan; the creator, in her pilot, accepts, fills her showcase from the
// plan, applies to the open one and asks for a sample (giving her address); the
// seller approves it, which makes a zero-price order, ships that order and writes to
// her, and the sample arrives; a shopper buys through her signed link and both sides
// see the commission; a forged link is refused; operators see no one late.
func TestBrowserAffiliateCollaboration(t *testing.T) {
	ctx := browser(t)
	s := start(t, false)
	w := seedShop(t, s)
	bg := context.Background()
	p, _ := s.Markets.Policy(bg, "US", time.Now())
	p.Creators.MinFollowers, p.Creators.PilotBelowFollowers = 2, 5
	if _, err := s.Markets.SetPolicy(bg, w.opsA, "US", time.Now(), p, "browser test: small creators"); err != nil {
		t.Fatal(err)
	}
	mia, err := s.Identity.Provision(bg, "mia@creator.test", "Mia", pw, auth.Creator)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Creators.CreateProfile(bg, mia.Actor(), creator.ProfileInput{Handle: "mia.glow", Market: "US", BirthDate: "1998-03-02", Categories: []string{"beauty"}})
	if err != nil {
		t.Fatal(err)
	}
	var fans []identity.ProvisionInput
	for _, e := range []string{"f1@fans.test", "f2@fans.test", "f3@fans.test"} {
		fans = append(fans, identity.ProvisionInput{Email: e, DisplayName: "Fan"})
	}
	accts, _ := s.Identity.ProvisionMany(bg, fans)
	var ids []id.ID
	for _, a := range accts {
		ids = append(ids, a.ID)
	}
	if err := s.Identity.FollowMany(bg, ids, identity.FollowCreator, c.ID); err != nil {
		t.Fatal(err)
	}
	aff := s.URL + "/seller/shops/" + w.shop.ID.String() + "/affiliate"

	err = chromedp.Do(ctx,
		login(s, "grace@shop.test"),
		chromedp.Navigate(aff),
		// Bad input first: 90% is outside 1-80%, and nothing is saved.
		chromedp.SetValue(chromedp.ID("op-product"), w.tint.ID.String()),
		chromedp.SetValue(chromedp.ID("op-commission"), "90"),
		chromedp.Click(chromedp.CSS("#open-plan-form button")),
		waitText(".flash", "commission must be 1%-80%"),
		waitText("#open-plans", "not offered to creators"),
		chromedp.SetValue(chromedp.ID("op-product"), w.tint.ID.String()),
		chromedp.SetValue(chromedp.ID("op-commission"), "12"),
		chromedp.SetValue(chromedp.ID("op-category"), "beauty"),
		chromedp.Click(chromedp.ID("op-approval")),
		chromedp.Click(chromedp.ID("op-samples")),
		chromedp.Click(chromedp.CSS("#open-plan-form button")),
		waitText(".flash", "Open collaboration saved"),
		waitText("#open-plans", "12%"),
		// A target plan for the serum, for Mia.
		chromedp.SetValue(chromedp.ID("tp-name"), "Holiday glow"),
		chromedp.SetValue(chromedp.ID("tp-commission"), "25"),
		chromedp.SetValue(chromedp.ID("tp-creators"), "@mia.glow"),
		chromedp.Click(chromedp.CSS(`#plan-form input[name=product_id][value="`+w.serum.ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS("#plan-form button")),
		waitText(".flash", "Invitations sent"),
		waitText("#target-plans", "@mia.glow invited"),
		waitText("#recommended", "@mia.glow"),
		logout(),

		login(s, "mia@creator.test"),
		chromedp.Navigate(s.URL+"/creator"),
		waitText("#pilot", "0/3"),
		waitText("#invitations", "Holiday glow"),
		chromedp.Click(chromedp.CSS(`#invitations button[value=accept]`)),
		waitText(".flash", "Invitation accepted"),
		chromedp.Click(chromedp.CSS(`#invitations button[value=showcase]`)),
		waitText(".flash", "in your showcase"),
		waitText("#showcase", "Glass Skin Serum"),
		waitText("#showcase", "25% · plan"),
		// The tint needs the seller's approval: Apply, not Add.
		chromedp.Click(chromedp.CSS(`#open-offers button[formaction="/creator/apply"]`)),
		waitText(".flash", "Application sent"),
		// A sample needs an address first; then it can be asked for.
		chromedp.Click(chromedp.CSS(`#showcase form[action="/creator/samples"] button`)),
		waitText(".flash", "add your sample address"),
		chromedp.SetValue(chromedp.CSS(`#sample-address input[name=name]`), "Mia Glow"),
		chromedp.SetValue(chromedp.CSS(`#sample-address input[name=line1]`), "200 Sunset Blvd"),
		chromedp.SetValue(chromedp.CSS(`#sample-address input[name=city]`), "Los Angeles"),
		chromedp.SetValue(chromedp.CSS(`#sample-address input[name=postal_code]`), "90028"),
		chromedp.Click(chromedp.CSS(`#sample-address button`)),
		waitText(".flash", "Sample address saved"),
		chromedp.Click(chromedp.CSS(`#showcase form[action="/creator/samples"] button`)),
		waitText(".flash", "Sample requested"),
		waitText("#my-samples", "requested"),
		logout(),

		login(s, "grace@shop.test"),
		chromedp.Navigate(aff),
		waitText("#applications", "@mia.glow"),
		chromedp.Click(chromedp.CSS(`#applications button[value=approve]`)),
		waitText(".flash", "Answered"),
		// Approval places the sample's zero-price order; the seller ships it as any
		// order (the sandbox carrier) and the sample follows it.
		chromedp.SetValue(chromedp.CSS(`#samples input[name=content_days]`), "10"),
		chromedp.Click(chromedp.CSS(`#samples button[value=approve]`)),
		waitText(".flash", "Sample approved"),
		waitText("#samples", "10 days after delivery"),
		chromedp.Click(chromedp.CSS(`#samples form.sample-ship button`)),
		waitText(".flash", "shipped with sandbox"),
		chromedp.Navigate(aff),
		waitText("#samples", "sandbox"),
		chromedp.Click(chromedp.CSS(`#target-plans a[href*="messages"]`)),
		chromedp.SetValue(chromedp.ID("body"), "Could you go live with it on Friday?"),
		chromedp.Click(chromedp.CSS("#message-form button")),
		waitText("#messages", "Could you go live"),
		logout(),

		login(s, "mia@creator.test"),
		chromedp.Navigate(s.URL+"/creator"),
		waitText("#creator-unread", "1 unread"),
		waitText("#my-samples", "delivered"),
		waitText("#my-samples", "content due"),
		// Her sample's order, as a buyer sees any order: free, marked as a sample.
		chromedp.Click(chromedp.CSS(`#my-samples a[href^="/orders/"]`)),
		waitText("#sample-order", "free sample"),
		waitText("#order-status", "Delivered"),
		chromedp.Navigate(s.URL+"/creator"),
	)
	if err != nil {
		t.Fatal(err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#showcase a.link`), "href"))
	link := attr.Value
	if err != nil || !strings.HasPrefix(link, "/l/") {
		t.Fatalf("showcase link %q %v", link, err)
	}
	err = chromedp.Do(ctx,
		logout(),
		login(s, "bea@shopper.test"),
		chromedp.Navigate(s.URL+"/l/not-a-real-link"),
		waitText("main", "not valid"),
		chromedp.Navigate(s.URL+link),
		chromedp.WaitVisible(chromedp.ID("buy-form")),
		chromedp.SetValue(chromedp.ID("line1"), "1 Main St"),
		chromedp.SetValue(chromedp.ID("city"), "Austin"),
		chromedp.Submit(chromedp.ID("city")),
		waitText(".flash", "Thank you"),
		logout(),
		login(s, "grace@shop.test"),
		chromedp.Navigate(aff),
		waitText("#affiliate-orders", "AFFILIATE_LINK"),
		waitText("#affiliate-orders", "25%"),
		// Promoting Mia's serum video in the shop's own ads: an ad link for it; a
		// creator who does not promote the product gets none.
		chromedp.SetValue(chromedp.ID("ad-creator"), "@nobody.here"),
		chromedp.Click(chromedp.CSS("#ad-link-form button")),
		waitText(".flash", "no creator @nobody.here"),
		chromedp.SetValue(chromedp.ID("ad-creator"), "@mia.glow"),
		chromedp.SetValue(chromedp.ID("ad-product"), w.serum.ID.String()),
		chromedp.Click(chromedp.CSS("#ad-link-form button")),
		waitText(".flash", "Ad link for @mia.glow: "+s.URL+"/l/"),
		logout(),
		login(s, "olive@ops.test"),
		chromedp.Navigate(s.URL+"/ops/affiliate"),
		waitText("#overdue-shops", "No seller is late"),
		// An operator suspends Mia's selling rights; her Creator Center says why.
		chromedp.SetValue(chromedp.ID("sus-handle"), "@mia.glow"),
		chromedp.SetValue(chromedp.ID("sus-reason"), "undisclosed paid promotion"),
		chromedp.Click(chromedp.CSS("#suspend-form button")),
		waitText(".flash", "may not sell"),
		waitText("#suspended", "undisclosed paid promotion"),
		logout(),
		login(s, "mia@creator.test"),
		chromedp.Navigate(s.URL+"/creator"),
		waitText("#can-sell", "Not yet"),
		waitText(".kpis", "suspended until an operator lifts it (undisclosed paid promotion)"),
	)
	if err != nil {
		t.Fatal(err)
	}
}
