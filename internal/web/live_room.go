package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/identity"
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
	canModerate, err := s.Content.CanModerate(ctx, actor, sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reminded, reminders, err := s.Content.Reminded(ctx, actor, sess.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var moderators []identity.Account
	if sess.HostAccountID == actor.AccountID {
		ids, err := s.Content.Moderators(ctx, sess.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, a := range ids {
			if acct, err := s.Identity.Account(ctx, a); err == nil {
				moderators = append(moderators, acct)
			}
		}
	}
	s.render(w, r, "live_room", sess.Title, "home", struct {
		Session                                                           content.Session
		Host                                                              string
		Market                                                            string
		Products                                                          []catalog.Product
		Pinned                                                            *catalog.Product
		IsHost, CanFlash, HasVideo                                        bool
		Flash                                                             *live.FlashState
		FlashCountdown, FlashCountdownMax, FlashMaxMinutes, FlashLookback int
		Methods                                                           []string
		CanModerate, Reminded                                             bool
		Reminders                                                         int
		Moderators                                                        []identity.Account
	}{sess, s.hostName(ctx, sess), mk.Name, products, pinned, sess.HostAccountID == actor.AccountID, canFlash, s.Hub.HasVideo(), flash,
		pol.Live.FlashCountdownMinSec, pol.Live.FlashCountdownMaxSec, pol.Live.FlashDurationMaxMin, pol.Promotions.PriceFloorLookbackDays,
		payment.SandboxMethods, canModerate, reminded, reminders, moderators})
}

// remindLive and cancelReminder answer the room's "Remind me" button.
func (s *Server) remindLive(w http.ResponseWriter, r *http.Request) {
	s.roomAction(w, r, "You will be notified when it starts.", func(sid id.ID) error {
		return s.Content.Remind(r.Context(), auth.From(r.Context()), sid)
	})
}

func (s *Server) cancelReminder(w http.ResponseWriter, r *http.Request) {
	s.roomAction(w, r, "Reminder cancelled.", func(sid id.ID) error {
		return s.Content.CancelReminder(r.Context(), auth.From(r.Context()), sid)
	})
}

// addModerator appoints a moderator by email or @handle.
func (s *Server) addModerator(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who := strings.TrimSpace(r.PostFormValue("who"))
	s.roomAction(w, r, who+" now moderates this live's chat.", func(sid id.ID) error {
		var accountID id.ID
		if handle, ok := strings.CutPrefix(who, "@"); ok {
			c, err := s.Creators.ByHandle(ctx, handle)
			if err != nil {
				return errs.OnField(err, "who")
			}
			accountID = c.AccountID
		} else {
			acct, err := s.Identity.AccountByEmail(ctx, who)
			if err != nil {
				return errs.Invalidf("who", "no account has the email %q; give an email or a creator's @handle", who)
			}
			accountID = acct.ID
		}
		return errs.OnField(s.Content.AddModerator(ctx, auth.From(ctx), sid, accountID), "who")
	})
}

func (s *Server) removeModerator(w http.ResponseWriter, r *http.Request) {
	acct, err := httpx.PathID(r, "account")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.roomAction(w, r, "Moderator removed.", func(sid id.ID) error {
		return s.Content.RemoveModerator(r.Context(), auth.From(r.Context()), sid, acct)
	})
}

// roomAction runs a form's action on the path's live and returns to its room.
func (s *Server) roomAction(w http.ResponseWriter, r *http.Request, ok string, fn func(id.ID) error) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room := "/live/" + sid.String()
	if err := fn(sid); err != nil {
		s.back(w, r, room, err)
		return
	}
	done(w, r, room, ok)
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
