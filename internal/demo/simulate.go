package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// Simulator keeps the demo alive: viewers in every room on air (a person's own live
// included) who like, chat and buy at a steady pace; sellers who ship; buyers who
// confirm receipt so money settles. It acts only through the platform's services.
type Simulator struct {
	a    *app.App
	log  *slog.Logger
	pace pace

	mu    sync.Mutex
	rooms map[id.ID]bool
}

// pace is how fast the simulated people act.
type pace struct {
	scan     time.Duration // how often rooms and orders are looked at
	tick     time.Duration // how often a room's audience acts
	firstBuy time.Duration // a room's first purchase comes within this
	buyEvery time.Duration // later ones about this often
	ship     time.Duration // sellers ship orders paid this long ago
	confirm  time.Duration // buyers confirm deliveries this old
}

var demoPace = pace{scan: 5 * time.Second, tick: 400 * time.Millisecond, firstBuy: 12 * time.Second, buyEvery: 12 * time.Second,
	ship: 8 * time.Second, confirm: 10 * time.Second}

// NewSimulator returns a simulator for a seeded demo.
func NewSimulator(a *app.App, log *slog.Logger) *Simulator {
	return &Simulator{a: a, log: log.With("component", "demo"), pace: demoPace, rooms: map[id.ID]bool{}}
}

// Run simulates until ctx ends.
func (s *Simulator) Run(ctx context.Context) {
	scan := time.NewTicker(s.pace.scan)
	defer scan.Stop()
	for {
		s.fillRooms(ctx)
		s.fulfil(ctx)
		select {
		case <-ctx.Done():
			return
		case <-scan.C:
		}
	}
}

// fillRooms gives every live session an audience of its market's viewers.
func (s *Simulator) fillRooms(ctx context.Context) {
	lives, err := s.a.Content.List(ctx, content.Listing{Status: content.Live, Limit: 100})
	if err != nil {
		s.log.Warn("list lives", "err", err)
		return
	}
	for _, sess := range lives {
		s.mu.Lock()
		running := s.rooms[sess.ID]
		s.rooms[sess.ID] = true
		s.mu.Unlock()
		if !running {
			go func() {
				s.room(ctx, sess)
				s.mu.Lock()
				delete(s.rooms, sess.ID)
				s.mu.Unlock()
			}()
		}
	}
}

// viewer returns one of a market's demo audience.
func (s *Simulator) viewer(ctx context.Context, market string) (auth.Actor, bool) {
	n := audience[market]
	if n == 0 {
		n, market = audience["US"], "US"
	}
	email := fmt.Sprintf("viewer%04d.%s@audience.liveshop.demo", rand.IntN(n), strings.ToLower(market))
	acct, err := s.a.Identity.AccountByEmail(ctx, email)
	if err != nil {
		return auth.Actor{}, false
	}
	return acct.Actor(), true
}

type bot struct {
	actor auth.Actor
	v     *live.Viewer
}

// room runs one room's audience until the live ends.
func (s *Simulator) room(ctx context.Context, sess content.Session) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bots []bot
	join := func() {
		a, ok := s.viewer(ctx, sess.Market)
		if !ok {
			return
		}
		v, err := s.a.Hub.Watch(ctx, sess.ID, a)
		if err != nil {
			return
		}
		go func() { // a real viewer reads every frame; so do these
			for {
				if _, ok := v.Next(ctx); !ok {
					return
				}
			}
		}()
		bots = append(bots, bot{a, v})
	}
	for i := 0; i < 20+rand.IntN(40); i++ {
		join()
	}
	defer func() {
		for _, b := range bots {
			b.v.Leave()
		}
	}()
	s.log.Info("demo audience joined", "live", sess.ID, "title", sess.Title, "viewers", len(bots))

	lines := chatLines[sess.Market]
	if lines == nil {
		lines = chatLines["US"]
	}
	tick := time.NewTicker(s.pace.tick)
	defer tick.Stop()
	nextBuy := time.Now().Add(jitter(s.pace.firstBuy))
	nextPin := time.Now().Add(75 * time.Second)
	nextCheck := time.Now().Add(5 * time.Second)
	nextFlash := time.Now().Add(45*time.Second + jitter(30*time.Second))
	var flash *live.FlashState // the room's running flash sale, while bots rush it
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if len(bots) == 0 {
			return
		}
		b := bots[rand.IntN(len(bots))]
		if rand.IntN(10) < 6 {
			b.v.Like(1 + rand.IntN(5))
		}
		if rand.IntN(4) == 0 {
			_ = b.v.Chat(ctx, lines[rand.IntN(len(lines))])
		}
		now := time.Now()
		if now.After(nextBuy) {
			s.buy(ctx, sess.ID, b.actor)
			nextBuy = now.Add(s.pace.buyEvery/2 + jitter(s.pace.buyEvery))
		}
		if now.After(nextFlash) {
			flash = s.startFlash(ctx, sess.ID)
			nextFlash = now.Add(3*time.Minute + jitter(2*time.Minute))
		}
		if flash != nil && now.After(flash.StartsAt) {
			// The rush: a handful of viewers press Grab it every tick until it sells out or ends.
			for range 2 + rand.IntN(4) {
				s.grab(ctx, sess, *flash, bots[rand.IntN(len(bots))].actor)
			}
			if now.After(flash.EndsAt) || s.flashOver(ctx, sess.ID, flash.ID) {
				flash = nil
			}
		}
		if now.After(nextPin) && flash == nil {
			s.rotatePin(ctx, sess.ID)
			nextPin = now.Add(time.Duration(60+rand.IntN(60)) * time.Second)
		}
		if now.After(nextCheck) {
			cur, err := s.a.Content.Session(ctx, sess.ID)
			if err != nil || cur.Status != content.Live {
				s.log.Info("demo audience left", "live", sess.ID)
				return
			}
			if rand.IntN(3) == 0 && len(bots) > 10 { // viewers come and go
				i := rand.IntN(len(bots))
				bots[i].v.Leave()
				bots = append(bots[:i], bots[i+1:]...)
				join()
			}
			nextCheck = now.Add(5 * time.Second)
		}
	}
}

// buy buys the pinned product as a viewer, restocking it first if it ran low.
func (s *Simulator) buy(ctx context.Context, sessionID id.ID, buyer auth.Actor) {
	sess, err := s.a.Content.Session(ctx, sessionID)
	if err != nil || sess.PinnedProductID == 0 {
		return
	}
	p, err := s.a.Catalog.Product(ctx, sess.PinnedProductID)
	if err != nil || len(p.SKUs) == 0 {
		return
	}
	sku := p.SKUs[0]
	if sku.Stock < 5 {
		if owner, err := s.ownerActor(ctx, p.ShopID); err == nil {
			_, _ = s.a.Catalog.SetStock(ctx, owner, sku.ID, sku.Stock+200)
		}
	}
	_, err = s.a.Hub.Buy(ctx, buyer, sessionID, live.BuyInput{SKUID: sku.ID, Quantity: int64(1 + rand.IntN(2)), IdempotencyKey: id.New().String(),
		ShippingAddress: addressFor(sess.Market, buyer.Name, rand.IntN(100)), PaymentMethod: "pm_card_visa"})
	if err != nil {
		s.log.Debug("demo buy refused", "live", sessionID, "err", err)
	}
}

// startFlash has the shop of the pinned product run a flash sale in a demo host's
// room: 40% off, a couple of dozen units, one per buyer, after the market's shortest
// countdown. A person's own live is left alone.
func (s *Simulator) startFlash(ctx context.Context, sessionID id.ID) *live.FlashState {
	sess, err := s.a.Content.Session(ctx, sessionID)
	if err != nil || sess.PinnedProductID == 0 {
		return nil
	}
	host, err := s.a.Identity.Account(ctx, sess.HostAccountID)
	if err != nil || !strings.HasSuffix(host.Email, "@liveshop.demo") {
		return nil
	}
	p, err := s.a.Catalog.Product(ctx, sess.PinnedProductID)
	if err != nil || len(p.SKUs) == 0 {
		return nil
	}
	owner, err := s.ownerActor(ctx, p.ShopID)
	if err != nil {
		return nil
	}
	sku := p.SKUs[0]
	units := int64(15 + rand.IntN(20))
	if sku.Stock < units {
		if _, err := s.a.Catalog.SetStock(ctx, owner, sku.ID, sku.Stock+200); err != nil {
			return nil
		}
	}
	pol, err := s.a.Markets.Policy(ctx, sess.Market, time.Now())
	if err != nil {
		return nil
	}
	deal := sku.Price.Amount * 6 / 10
	if low, err := s.a.Catalog.LowestPrice(ctx, s.a.DB, sku.ID, time.Now().AddDate(0, 0, -pol.Promotions.PriceFloorLookbackDays)); err == nil && deal >= low {
		deal = low * 6 / 10
	}
	st, err := s.a.FlashSales.Start(ctx, owner, sessionID, live.FlashSaleInput{SKUID: sku.ID, DealPrice: max(deal, 1), Quantity: units, PerBuyerLimit: 1,
		CountdownSeconds: pol.Live.FlashCountdownMinSec, DurationSeconds: 2 * 60})
	if err != nil {
		s.log.Debug("demo flash sale", "live", sessionID, "err", err)
		return nil
	}
	s.log.Info("demo flash sale", "live", sessionID, "product", p.Title, "units", units, "price", st.DealDisplay)
	return &st
}

// grab presses the flash sale's button as a viewer.
func (s *Simulator) grab(ctx context.Context, sess content.Session, f live.FlashState, buyer auth.Actor) {
	_, err := s.a.Hub.Buy(ctx, buyer, sess.ID, live.BuyInput{SKUID: f.SKUID, Quantity: 1, IdempotencyKey: id.New().String(), FlashSaleID: f.ID,
		ShippingAddress: addressFor(sess.Market, buyer.Name, rand.IntN(100)), PaymentMethod: "pm_card_visa"})
	if err != nil {
		s.log.Debug("demo grab refused", "live", sess.ID, "err", err)
	}
}

// flashOver reports whether the room's sale has sold out or ended.
func (s *Simulator) flashOver(ctx context.Context, sessionID, saleID id.ID) bool {
	sales, err := s.a.FlashSales.Sales(ctx, sessionID)
	if err != nil {
		return true
	}
	for _, st := range sales {
		if st.ID == saleID {
			return st.Phase == "ended" || st.Phase == "sold_out"
		}
	}
	return true
}

// rotatePin moves the demo host on to the next product.
func (s *Simulator) rotatePin(ctx context.Context, sessionID id.ID) {
	sess, err := s.a.Content.Session(ctx, sessionID)
	if err != nil || len(sess.ProductIDs) < 2 {
		return
	}
	host, err := s.a.Identity.Account(ctx, sess.HostAccountID)
	if err != nil || !strings.HasSuffix(host.Email, "@liveshop.demo") {
		return // a person's own live: they pin
	}
	next := sess.ProductIDs[0]
	for i, p := range sess.ProductIDs {
		if p == sess.PinnedProductID {
			next = sess.ProductIDs[(i+1)%len(sess.ProductIDs)]
		}
	}
	if _, err := s.a.Content.Pin(ctx, host.Actor(), sessionID, next); err != nil {
		s.log.Debug("demo pin", "err", err)
	}
}

func (s *Simulator) ownerActor(ctx context.Context, shopID id.ID) (auth.Actor, error) {
	sh, err := s.a.Sellers.Shop(ctx, shopID)
	if err != nil {
		return auth.Actor{}, err
	}
	acct, err := s.a.Identity.Account(ctx, sh.OwnerID)
	if err != nil {
		return auth.Actor{}, err
	}
	return acct.Actor(), nil
}

// fulfil has demo sellers ship what was paid and demo buyers confirm what arrived.
func (s *Simulator) fulfil(ctx context.Context) {
	for _, spec := range shops {
		acct, err := s.a.Identity.AccountByEmail(ctx, spec.OwnerEmail)
		if err != nil {
			continue
		}
		owner := acct.Actor()
		mine, err := s.a.Sellers.ShopsOf(ctx, owner.AccountID)
		if err != nil {
			continue
		}
		for _, sh := range mine {
			s.ship(ctx, owner, sh)
			s.confirm(ctx, owner, sh)
		}
	}
}

func (s *Simulator) ship(ctx context.Context, owner auth.Actor, sh seller.Shop) {
	os, err := s.a.Orders.ShopOrders(ctx, owner, sh.ID, order.AwaitingShipment, 50)
	if err != nil {
		return
	}
	for _, o := range os {
		if time.Since(o.PaidAt) > s.pace.ship {
			_, _ = s.a.Orders.Ship(ctx, owner, o.ID, order.ShipInput{})
		}
	}
}

func (s *Simulator) confirm(ctx context.Context, owner auth.Actor, sh seller.Shop) {
	os, err := s.a.Orders.ShopOrders(ctx, owner, sh.ID, order.Delivered, 50)
	if err != nil {
		return
	}
	for _, o := range os {
		if time.Since(o.DeliveredAt) < s.pace.confirm {
			continue
		}
		buyer, err := s.a.Identity.Account(ctx, o.BuyerID)
		if err != nil || !strings.HasSuffix(buyer.Email, "@audience.liveshop.demo") {
			continue // real people confirm their own orders
		}
		_, _ = s.a.Orders.ConfirmReceipt(ctx, buyer.Actor(), o.ID)
	}
}

// jitter is a random duration up to d.
func jitter(d time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(d) + 1)) }
