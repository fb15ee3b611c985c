// Package demo seeds a believable marketplace and keeps it alive: shops and creators in
// six markets, rooms on air with simulated viewers who chat, like and buy, sellers who
// ship and buyers who confirm receipt. Everything goes through the platform's own
// services, so the demo runs exactly the code production runs.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

// Password is every demo login's password.
const Password = "liveshop-demo"

// Login is a demo account to try.
type Login struct{ Role, Email, What string }

// Logins are the accounts printed when the demo starts.
var Logins = []Login{
	{"operator", "ops@liveshop.demo", "Ops console: markets, policies, GMV, ledger"},
	{"seller", "seller@liveshop.demo", "Seller Center for Glow Lab (US)"},
	{"creator", "creator@liveshop.demo", "Creator Center for @mia.makeup, live now"},
	{"creator", "newbie@liveshop.demo", "a creator below the 1,000-follower threshold"},
	{"shopper", "shopper@liveshop.demo", "watch, chat and buy"},
}

const markerKey = "demo.seeded"

// Seed fills an empty database with the demo world, printing progress to out. On a
// database it seeded before it does nothing, so a restart keeps everything.
func Seed(ctx context.Context, a *app.App, out io.Writer) ([]Login, error) {
	seeded, err := marker(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	if seeded {
		fmt.Fprintln(out, "Demo data found; carrying on where it left off.")
		return Logins, nil
	}
	if _, err := a.Identity.AccountByEmail(ctx, "ops@liveshop.demo"); err == nil {
		return nil, errors.New("an earlier demo seeding was interrupted; delete the data directory (--data) and run the demo again")
	}
	s := &seeder{a: a, out: out, shops: map[string]seller.Shop{}, products: map[string][]catalog.Product{}, audience: map[string][]auth.Actor{}}
	start := time.Now()
	fmt.Fprintln(out, "Seeding the demo marketplace (once; later runs reuse it)...")
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"accounts", s.accounts},
		{"shops and products", s.shopsAndProducts},
		{"audiences", s.audiences},
		{"creators and showcases", s.creators},
		{"affiliate collaborations", s.collaborations},
		{"live rooms", s.selfBroadcasts},
		{"the shopper's reminder", s.shopperReminder},
		{"shoppable videos", s.shoppableVideos},
		{"demo rules", s.holdWindow(0, "demo seeding: paid orders ship at once")},
		{"deals", s.deals},
		{"first orders", s.firstOrders},
		{"reviews and returns", s.afterSales},
		{"demo pace", s.holdWindow(1, "demo pace: buyers have one minute to cancel after paying (production markets use an hour)")},
		{"a year of GMV history", s.history},
	}
	for i, st := range steps {
		s.bar(st.name, i, len(steps))
		if err := st.fn(ctx); err != nil {
			fmt.Fprintln(out)
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
	}
	s.bar("done", len(steps), len(steps))
	fmt.Fprintf(out, "\nSeeded in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return Logins, setMarker(ctx, a.DB)
}

type seeder struct {
	a        *app.App
	out      io.Writer
	operator auth.Actor
	shopper  auth.Actor
	shops    map[string]seller.Shop
	owners   map[string]auth.Actor
	products map[string][]catalog.Product
	audience map[string][]auth.Actor
	onAir    []content.Session
}

// bar draws a progress bar, redrawn in place on a terminal.
func (s *seeder) bar(label string, done, total int) {
	const width = 30
	filled := width * done / total
	line := fmt.Sprintf("  [%s%s] %3d%%  %-24s", strings.Repeat("#", filled), strings.Repeat("-", width-filled), 100*done/total, label)
	if f, ok := s.out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(s.out, "\r"+line)
			return
		}
	}
	fmt.Fprintln(s.out, line)
}

func (s *seeder) login(ctx context.Context, email, name string, roles ...auth.Role) (auth.Actor, error) {
	acct, err := s.a.Identity.Provision(ctx, email, name, Password, roles...)
	if err != nil {
		return auth.Actor{}, err
	}
	return acct.Actor(), nil
}

func (s *seeder) accounts(ctx context.Context) error {
	var err error
	if s.operator, err = s.login(ctx, "ops@liveshop.demo", "Olive Operator", auth.Operator); err != nil {
		return err
	}
	s.shopper, err = s.login(ctx, "shopper@liveshop.demo", "Sam Shopper")
	return err
}

// shopperReminder has the demo shopper ask to be told when @chef.dan's next live starts.
func (s *seeder) shopperReminder(ctx context.Context) error {
	c, err := s.a.Creators.ByHandle(ctx, "chef.dan")
	if err != nil {
		return err
	}
	upcoming, err := s.a.Content.List(ctx, content.Listing{Status: content.Scheduled, HostID: c.AccountID, Limit: 1})
	if err != nil {
		return err
	}
	for _, sess := range upcoming {
		if err := s.a.Content.Remind(ctx, s.shopper, sess.ID); err != nil {
			return err
		}
	}
	return nil
}

// holdWindow publishes, for every demo market, the market's rules with the hold
// window after payment set to minutes: none while the first orders are walked to
// completion, then a short one so visitors see orders wait ON_HOLD before shipping.
func (s *seeder) holdWindow(minutes int, note string) func(context.Context) error {
	return func(ctx context.Context) error {
		done := map[string]bool{}
		for _, spec := range shops {
			if done[spec.Market] {
				continue
			}
			done[spec.Market] = true
			p, err := s.a.Markets.Policy(ctx, spec.Market, time.Now())
			if err != nil {
				return err
			}
			p.Orders.OnHoldMinutes = minutes
			if _, err := s.a.Markets.SetPolicy(ctx, s.operator, spec.Market, time.Now(), p, note); err != nil {
				return err
			}
		}
		return nil
	}
}

func (s *seeder) shopsAndProducts(ctx context.Context) error {
	s.owners = map[string]auth.Actor{}
	for _, spec := range shops {
		owner, err := s.login(ctx, spec.OwnerEmail, spec.OwnerName, auth.Seller)
		if err != nil {
			return err
		}
		shop, err := s.a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: spec.Market, Name: spec.Name})
		if err != nil {
			return err
		}
		m, err := s.a.Markets.Market(ctx, spec.Market)
		if err != nil {
			return err
		}
		if spec.Badge != seller.NoBadge {
			if shop, err = s.a.Sellers.SetBadge(ctx, s.operator, shop.ID, spec.Badge); err != nil {
				return err
			}
		}
		s.shops[spec.Key], s.owners[spec.Key] = shop, owner
		for i, ps := range spec.Products {
			price, err := money.Parse(ps.Price, m.Currency)
			if err != nil {
				return err
			}
			p, err := s.a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: ps.Title, Description: ps.Description, Category: productCategories[ps.Title],
				SKUs: []catalog.SKUInput{{SellerSKU: fmt.Sprintf("%s-%02d", strings.ToUpper(spec.Key), i+1), Name: "Standard", Price: price, Stock: ps.Stock}}})
			if err != nil {
				return err
			}
			if ps.Commission != "" {
				pct, err := money.Parse(ps.Commission, "USD") // percent with two decimals, read as basis points
				if err != nil {
					return err
				}
				if _, err := s.a.Creators.SetOffer(ctx, owner, p.ID, money.BP(pct.Amount), true); err != nil {
					return err
				}
			}
			s.products[spec.Key] = append(s.products[spec.Key], p)
		}
	}
	return nil
}

// audiences creates each market's viewers: passwordless accounts that follow
// creators and fill rooms.
func (s *seeder) audiences(ctx context.Context) error {
	for _, m := range []string{"US", "GB", "ID", "TH", "VN", "MX"} {
		n := audience[m]
		firsts, lasts := firstNames[m], lastNames[m]
		const chunk = 500
		for from := 0; from < n; from += chunk {
			var in []identity.ProvisionInput
			for i := from; i < min(from+chunk, n); i++ {
				in = append(in, identity.ProvisionInput{
					Email:       fmt.Sprintf("viewer%04d.%s@audience.liveshop.demo", i, strings.ToLower(m)),
					DisplayName: firsts[i%len(firsts)] + " " + lasts[(i/len(firsts))%len(lasts)],
				})
			}
			accts, err := s.a.Identity.ProvisionMany(ctx, in)
			if err != nil {
				return err
			}
			for _, acct := range accts {
				s.audience[m] = append(s.audience[m], acct.Actor())
			}
		}
	}
	return nil
}

func (s *seeder) creators(ctx context.Context) error {
	for _, spec := range creators {
		actor, err := s.login(ctx, spec.Email, spec.Name, auth.Creator)
		if err != nil {
			return err
		}
		c, err := s.a.Creators.CreateProfile(ctx, actor, creator.ProfileInput{Handle: spec.Handle, DisplayName: spec.Name, Bio: spec.Bio, Market: spec.Market, BirthDate: "1996-05-14"})
		if err != nil {
			return err
		}
		fans := s.audience[spec.Market][:spec.Followers]
		ids := make([]id.ID, len(fans))
		for i, f := range fans {
			ids[i] = f.AccountID
		}
		if err := s.a.Identity.FollowMany(ctx, ids, identity.FollowCreator, c.ID); err != nil {
			return err
		}
		// The demo shopper follows two creators before they schedule, so the inbox
		// fills as their lives are announced and start.
		if spec.Handle == "mia.makeup" || spec.Handle == "chef.dan" {
			if err := s.a.Identity.Follow(ctx, s.shopper, identity.FollowCreator, c.ID); err != nil {
				return err
			}
		}
		for _, key := range spec.Showcase {
			for i, p := range s.products[key] {
				if shopSpecOf(key).Products[i].Commission == "" {
					continue
				}
				if err := s.a.Creators.AddToShowcase(ctx, actor, p.ID); err != nil {
					return err
				}
			}
		}
		for _, l := range spec.Lives {
			if err := s.live(ctx, actor, 0, l); err != nil {
				return err
			}
		}
	}
	return nil
}

func shopSpecOf(key string) shopSpec {
	for _, s := range shops {
		if s.Key == key {
			return s
		}
	}
	return shopSpec{}
}

func (s *seeder) selfBroadcasts(ctx context.Context) error {
	for _, l := range selfBroadcasts {
		if err := s.live(ctx, s.owners[l.Shop], s.shops[l.Shop].ID, l); err != nil {
			return err
		}
	}
	return nil
}

// live schedules a live, and if it is on air starts it and pins its first product.
func (s *seeder) live(ctx context.Context, host auth.Actor, shopID id.ID, l liveSpec) error {
	var ids []id.ID
	for _, p := range s.products[l.Shop][:l.Products] {
		ids = append(ids, p.ID)
	}
	at := time.Now()
	if !l.OnAir {
		at = at.Add(time.Duration(l.InHours) * time.Hour)
	}
	sess, err := s.a.Content.Schedule(ctx, host, content.ScheduleInput{Title: l.Title, ScheduledAt: at, ProductIDs: ids, ShopID: shopID})
	if err != nil {
		return err
	}
	if l.OnAir {
		if sess, err = s.a.Content.Start(ctx, host, sess.ID); err != nil {
			return err
		}
		if sess, err = s.a.Content.Pin(ctx, host, sess.ID, ids[0]); err != nil {
			return err
		}
		s.onAir = append(s.onAir, sess)
	}
	return nil
}

// firstOrders buys a few things in every room on air and walks some of the orders
// all the way to completion, so the ledger and GMV have something to show at once.
func (s *seeder) firstOrders(ctx context.Context) error {
	for _, sess := range s.onAir {
		buyers := s.audience[sess.Market]
		for i := 0; i < 6; i++ {
			b := buyers[len(buyers)-1-i]
			p, err := s.a.Catalog.Product(ctx, sess.ProductIDs[i%len(sess.ProductIDs)])
			if err != nil {
				return err
			}
			res, err := s.a.Hub.Buy(ctx, b, sess.ID, live.BuyInput{SKUID: p.SKUs[0].ID, Quantity: int64(1 + i%2), IdempotencyKey: fmt.Sprintf("seed-%s-%d", sess.ID, i),
				ShippingAddress: addressFor(sess.Market, b.Name, i), PaymentMethod: "pm_card_visa"})
			if err != nil {
				return err
			}
			if i%2 == 1 {
				continue // some stay to be shipped by the simulated seller
			}
			o := res.Orders[0]
			owner, err := s.ownerOf(ctx, o.ShopID)
			if err != nil {
				return err
			}
			if _, err := s.a.Orders.Ship(ctx, owner, o.ID, order.ShipInput{}); err != nil {
				return err
			}
			// The carrier reports the delivery, unless the sandbox carrier got there first.
			if _, err := s.a.Orders.CarrierEvent(ctx, s.operator, o.ID, order.CarrierDelivered); err != nil && !errors.Is(err, order.ErrBadTransition) {
				return err
			}
			if _, err := s.a.Orders.ConfirmReceipt(ctx, b, o.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// deals gives Glow Lab a running percent-off deal, buy-more-save-more and a coupon,
// and the platform a coupon, so the cart shows a price detail with every funder.
func (s *seeder) deals(ctx context.Context) error {
	owner, shop, ps := s.owners["glow"], s.shops["glow"], s.products["glow"]
	end := time.Now().AddDate(0, 0, 30)
	if _, err := s.a.Promos.CreatePromotion(ctx, owner, shop.ID, promo.PromotionInput{Kind: promo.PercentOff, Title: "Serum week",
		EndsAt: end, Items: []promo.Item{{ProductID: ps[1].ID, DiscountBP: 2000}}}); err != nil {
		return err
	}
	if _, err := s.a.Promos.CreatePromotion(ctx, owner, shop.ID, promo.PromotionInput{Kind: promo.BuyMore, Title: "Stock up",
		EndsAt: end, AllProducts: true, Tiers: []promo.Tier{{MinQuantity: 3, DiscountBP: 500}, {MinQuantity: 5, DiscountBP: 1000}}}); err != nil {
		return err
	}
	if _, err := s.a.Promos.CreateCoupon(ctx, owner, promo.CouponInput{Code: "GLOW5", ShopID: shop.ID, Kind: promo.CouponAmount, Amount: 500,
		MinSpend: 3000, EndsAt: end, PerBuyerLimit: 1}); err != nil {
		return err
	}
	_, err := s.a.Promos.CreateCoupon(ctx, s.operator, promo.CouponInput{Code: "LIVESHOP3", Market: "US", Kind: promo.CouponAmount, Amount: 300,
		MinSpend: 2000, EndsAt: end, PerBuyerLimit: 1})
	return err
}

// afterSales has buyers of the first completed orders review them, one unhappily,
// and one of them ask for a refund the seller has yet to answer.
func (s *seeder) afterSales(ctx context.Context) error {
	notes := []struct {
		rating int
		body   string
	}{{5, "Exactly as shown in the live, arrived fast."}, {4, "Lovely colour, a bit small."}, {2, "Arrived with a cracked lid."}}
	n := 0
	for _, sess := range s.onAir {
		for _, b := range s.audience[sess.Market] {
			os, err := s.a.Orders.BuyerOrders(ctx, b, 5)
			if err != nil {
				return err
			}
			for _, o := range os {
				if o.Status != order.Completed || n >= len(notes) {
					continue
				}
				if _, err := s.a.Orders.CreateReview(ctx, b, o.Lines[0].ID, order.ReviewInput{Rating: notes[n].rating, Body: notes[n].body}); err != nil {
					return err
				}
				if notes[n].rating <= 2 {
					if _, err := s.a.Orders.RequestReturn(ctx, b, o.ID, order.ReturnInput{Kind: order.ReturnRefundOnly, Reason: "cracked lid, photo attached"}); err != nil {
						return err
					}
				}
				n++
			}
			if n >= len(notes) {
				return nil
			}
		}
	}
	return nil
}

func (s *seeder) ownerOf(ctx context.Context, shopID id.ID) (auth.Actor, error) {
	for key, sh := range s.shops {
		if sh.ID == shopID {
			return s.owners[key], nil
		}
	}
	return auth.Actor{}, fmt.Errorf("no demo owner for shop %s", shopID)
}

func addressFor(market, name string, n int) order.Address {
	cs := cities[market]
	return order.Address{Name: name, Line1: fmt.Sprintf("%d Market Street", 10+n), City: cs[n%len(cs)], PostalCode: fmt.Sprintf("%05d", 10000+n*37), Country: market}
}

func marker(ctx context.Context, d *db.DB) (bool, error) {
	var v string
	err := d.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, markerKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func setMarker(ctx context.Context, d *db.DB) error {
	_, err := d.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, markerKey, time.Now().UTC().Format(time.RFC3339), db.Micros(time.Now()))
	return err
}
