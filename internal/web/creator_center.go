package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

func (s *Server) creatorCenter(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Creators.ByAccount(ctx, actor.AccountID)
	if errors.Is(err, creator.ErrNoProfile) {
		ms, _ := s.Markets.Markets(ctx)
		var live []market.Market
		for _, m := range ms {
			if m.Selling() {
				live = append(live, m)
			}
		}
		cats, _ := s.Creators.Categories(ctx)
		s.render(w, r, "creator_setup", "Become a creator", "creator", struct {
			Markets    []market.Market
			Categories []string
		}{live, cats})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	elig, err := s.Creators.Eligibility(ctx, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	showcase, err := s.Creators.Showcase(ctx, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := map[id.ID]bool{}
	for _, it := range showcase {
		in[it.ID] = true
	}
	offers, err := s.Creators.OpenOffers(ctx, c.Market, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var addable []creator.OfferedProduct
	for _, o := range offers {
		if !in[o.ID] {
			addable = append(addable, o)
		}
	}
	var lives []content.Session
	for _, st := range []content.Status{content.Live, content.Scheduled, content.Ended} {
		ss, err := s.Content.List(ctx, content.Listing{Status: st, HostID: actor.AccountID, Limit: 10})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lives = append(lives, ss...)
	}
	commissions, err := s.Creators.Commissions(ctx, actor, 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	earnings, err := s.Creators.EarningsOf(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byStatus := map[string][]money.Money{}
	for st, ms := range earnings {
		byStatus[string(st)] = ms
	}
	progress := 100
	if elig.MinFollowers > 0 && elig.Followers < int64(elig.MinFollowers) {
		progress = int(elig.Followers * 100 / int64(elig.MinFollowers))
	}
	collabs, err := s.creatorCollaborations(ctx, c, showcase)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "creator_center", "Creator Center", "creator", struct {
		Creator     creator.Creator
		Eligibility creator.Eligibility
		Progress    int
		Showcase    []creator.ShowcaseItem
		Addable     []creator.OfferedProduct
		Lives       []content.Session
		Commissions []creator.Commission
		Earnings    map[string][]money.Money
		Collabs     creatorCollabs
	}{c, elig, progress, showcase, addable, lives, commissions, byStatus, collabs})
}

func (s *Server) createProfile(w http.ResponseWriter, r *http.Request) {
	_, err := s.Creators.CreateProfile(r.Context(), auth.From(r.Context()), creator.ProfileInput{
		Handle: r.PostFormValue("handle"), Market: r.PostFormValue("market"), BirthDate: r.PostFormValue("birth_date"), Bio: r.PostFormValue("bio"),
		Categories: r.PostForm["categories"],
	})
	if err != nil {
		s.back(w, r, "/creator", err)
		return
	}
	done(w, r, "/creator", "Your creator profile is ready.")
}

func (s *Server) addShowcase(w http.ResponseWriter, r *http.Request) {
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.back(w, r, "/creator", errs.Invalidf("product_id", "choose a product"))
		return
	}
	if err := s.Creators.AddToShowcase(r.Context(), auth.From(r.Context()), pid); err != nil {
		s.back(w, r, "/creator", err)
		return
	}
	done(w, r, "/creator", "Added to your showcase.")
}

func (s *Server) scheduleLive(w http.ResponseWriter, r *http.Request) {
	var ids []id.ID
	for _, v := range r.PostForm["product_id"] {
		if pid, err := id.Parse(v); err == nil {
			ids = append(ids, pid)
		}
	}
	in := content.ScheduleInput{Title: r.PostFormValue("title"), ProductIDs: ids}
	if v := r.PostFormValue("starts_at"); v != "" {
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			s.back(w, r, "/creator", errs.Invalidf("scheduled_at", "pick a date and time"))
			return
		}
		in.ScheduledAt = t
	}
	sess, err := s.Content.Schedule(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		s.back(w, r, "/creator", err)
		return
	}
	done(w, r, "/live/"+sess.ID.String(), "Scheduled. Go live when you are ready.")
}

func (s *Server) liveAction(w http.ResponseWriter, r *http.Request, act func(id.ID) (content.Session, error), msg string) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	room := "/live/" + sid.String()
	if _, err := act(sid); err != nil {
		s.back(w, r, room, err)
		return
	}
	done(w, r, room, msg)
}

func (s *Server) startLive(w http.ResponseWriter, r *http.Request) {
	s.liveAction(w, r, func(sid id.ID) (content.Session, error) {
		return s.Content.Start(r.Context(), auth.From(r.Context()), sid)
	}, "You are live.")
}

func (s *Server) endLive(w http.ResponseWriter, r *http.Request) {
	s.liveAction(w, r, func(sid id.ID) (content.Session, error) {
		return s.Content.End(r.Context(), auth.From(r.Context()), sid)
	}, "The live has ended.")
}

func (s *Server) pinProduct(w http.ResponseWriter, r *http.Request) {
	pid, err := id.Parse(r.PostFormValue("product_id"))
	if err != nil {
		s.back(w, r, "/creator", errs.Invalidf("product_id", "choose a product"))
		return
	}
	s.liveAction(w, r, func(sid id.ID) (content.Session, error) {
		return s.Content.Pin(r.Context(), auth.From(r.Context()), sid, pid)
	}, "Pinned.")
}
