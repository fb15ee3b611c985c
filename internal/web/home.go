package web

import (
	"context"
	"net/http"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
)

// roomCard is a live session as a tile.
type roomCard struct {
	content.Session
	Host string
}

func (s *Server) hostName(ctx context.Context, sess content.Session) string {
	if sess.CreatorID != 0 {
		if c, err := s.Creators.Creator(ctx, sess.CreatorID); err == nil {
			return "@" + c.Handle
		}
	}
	if sess.ShopID != 0 {
		if sh, err := s.Sellers.Shop(ctx, sess.ShopID); err == nil {
			return sh.Name
		}
	}
	return "liveshop"
}

func (s *Server) cards(ctx context.Context, ss []content.Session) []roomCard {
	out := make([]roomCard, 0, len(ss))
	for _, sess := range ss {
		out = append(out, roomCard{Session: sess, Host: s.hostName(ctx, sess)})
	}
	return out
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m := s.market(r)
	if r.URL.Query().Get("market") == m {
		http.SetCookie(w, &http.Cookie{Name: "liveshop_market", Value: m, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	}
	live, err := s.Content.List(ctx, content.Listing{Status: content.Live, Market: m, Limit: 24})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	everywhere, err := s.Content.List(ctx, content.Listing{Status: content.Live, Limit: 24})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var elsewhere []content.Session
	for _, sess := range everywhere {
		if sess.Market != m {
			elsewhere = append(elsewhere, sess)
		}
	}
	upcoming, err := s.Content.List(ctx, content.Listing{Status: content.Scheduled, Market: m, Limit: 8})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	products, err := s.Catalog.LiveProducts(ctx, m, 24)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	creators, err := s.Creators.TopCreators(ctx, m, 8)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mk, _ := s.Markets.Market(ctx, m)
	s.render(w, r, "home", "Watch & shop", "home", struct {
		Market    string
		Name      string
		Live      []roomCard
		Elsewhere []roomCard
		Upcoming  []roomCard
		Products  []catalog.Product
		Creators  []creator.Creator
	}{m, mk.Name, s.cards(ctx, live), s.cards(ctx, elsewhere), s.cards(ctx, upcoming), products, creators})
}
