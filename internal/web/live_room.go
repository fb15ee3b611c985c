package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/live"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// liveRoom renders the room's shell; the room itself arrives over the WebSocket.
func (s *Server) liveRoom(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.Content.Session(ctx, sid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	products, err := s.Catalog.ProductsByID(ctx, sess.ProductIDs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pinned *catalog.Product
	for i := range products {
		if products[i].ID == sess.PinnedProductID {
			pinned = &products[i]
		}
	}
	mk, _ := s.Markets.Market(ctx, sess.Market)
	actor := auth.From(ctx)
	// A flash sale discounts the shop's money: the controls are for whoever manages the
	// shop of the room's products (the host of a self-broadcast, the seller beside a creator).
	canFlash := false
	if !actor.Anonymous() && s.FlashSales != nil {
		for _, p := range products {
			if _, err := s.Sellers.Manage(ctx, actor, p.ShopID); err == nil {
				canFlash = true
				break
			}
		}
	}
	var flash *live.FlashState
	if s.FlashSales != nil {
		if sales, err := s.FlashSales.Sales(ctx, sess.ID); err == nil && len(sales) > 0 {
			flash = &sales[0]
		}
	}
	pol, _ := s.Markets.Policy(ctx, sess.Market, time.Now())
	s.render(w, r, "live_room", sess.Title, "home", struct {
		Session                                                           content.Session
		Host                                                              string
		Market                                                            string
		Products                                                          []catalog.Product
		Pinned                                                            *catalog.Product
		IsHost, CanFlash                                                  bool
		Flash                                                             *live.FlashState
		FlashCountdown, FlashCountdownMax, FlashMaxMinutes, FlashLookback int
		Methods                                                           []string
	}{sess, s.hostName(ctx, sess), mk.Name, products, pinned, sess.HostAccountID == actor.AccountID, canFlash, flash,
		pol.Live.FlashCountdownMinSec, pol.Live.FlashCountdownMaxSec, pol.Live.FlashDurationMaxMin, pol.Promotions.PriceFloorLookbackDays,
		payment.SandboxMethods})
}

// startFlashSale is the flash-sale form in the room: the price as people write it
// ("9.99"), the duration in minutes.
func (s *Server) startFlashSale(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room := "/live/" + sid.String()
	in, err := s.flashForm(r, sid)
	if err == nil {
		_, err = s.FlashSales.Start(ctx, auth.From(ctx), sid, in)
	}
	if err != nil {
		s.back(w, r, room, err)
		return
	}
	done(w, r, room, "Flash sale on: buyers see the countdown now.")
}

func (s *Server) flashForm(r *http.Request, sid id.ID) (live.FlashSaleInput, error) {
	var in live.FlashSaleInput
	var err error
	if in.SKUID, err = id.Parse(r.PostFormValue("sku_id")); err != nil {
		return in, errs.Invalidf("sku_id", "choose a SKU")
	}
	sess, err := s.Content.Session(r.Context(), sid)
	if err != nil {
		return in, err
	}
	mk, err := s.Markets.Market(r.Context(), sess.Market)
	if err != nil {
		return in, err
	}
	price, err := money.Parse(r.PostFormValue("deal_price"), mk.Currency)
	if err != nil {
		return in, errs.OnField(err, "deal_price")
	}
	in.DealPrice = price.Amount
	ints := []struct {
		field string
		dst   *int64
	}{{"quantity", &in.Quantity}, {"per_buyer_limit", &in.PerBuyerLimit}}
	for _, f := range ints {
		if *f.dst, err = strconv.ParseInt(strings.TrimSpace(r.PostFormValue(f.field)), 10, 64); err != nil {
			return in, errs.Invalidf(f.field, "a whole number")
		}
	}
	if in.CountdownSeconds, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("countdown_seconds"))); err != nil {
		return in, errs.Invalidf("countdown_seconds", "a whole number of seconds")
	}
	minutes, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("duration_minutes")))
	if err != nil {
		return in, errs.Invalidf("duration_minutes", "a whole number of minutes")
	}
	in.DurationSeconds = minutes * 60
	return in, nil
}

func (s *Server) endFlashSale(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sale, err := httpx.PathID(r, "sale")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room := "/live/" + sid.String()
	if _, err := s.FlashSales.End(ctx, auth.From(ctx), sid, sale); err != nil {
		s.back(w, r, room, err)
		return
	}
	done(w, r, room, "The flash sale has ended.")
}
