package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// shopMessageRoutes: buyers write to a shop from /shops/{id}/messages; the shop
// answers from its Messages tab. Answering in time is the SPS response rate.
func (s *Server) shopMessageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /shops/{id}/messages", s.buyerShopMessages)
	mux.HandleFunc("POST /shops/{id}/messages", s.buyerSendShopMessage)
	mux.HandleFunc("GET /seller/shops/{id}/messages", s.sellerMessages)
	mux.HandleFunc("POST /seller/shops/{id}/messages/{buyer}", s.sellerReply)
}

// buyerShopMessages is a buyer's conversation with a shop and the form to write.
func (s *Server) buyerShopMessages(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
		return
	}
	shopID, err := httpx.PathID(r, "id")
	var shop seller.Shop
	if err == nil {
		shop, err = s.Sellers.Shop(ctx, shopID)
	}
	var ms []seller.ShopMessage
	if err == nil {
		ms, err = s.Sellers.Messages(ctx, actor, shopID, actor.AccountID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "shop_messages", "Message "+shop.Name, "orders", struct {
		Shop     seller.Shop
		Messages []seller.ShopMessage
	}{shop, ms})
}

func (s *Server) buyerSendShopMessage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shopID, err := httpx.PathID(r, "id")
	back := "/shops/" + shopID.String() + "/messages"
	if err == nil {
		_, err = s.Sellers.MessageShop(ctx, auth.From(ctx), shopID, r.PostFormValue("body"))
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Message sent.")
}

// sellerMessages lists the shop's conversations (waiting ones first) and shows the
// one picked with ?buyer=, with the reply form.
func (s *Server) sellerMessages(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	actor := auth.From(ctx)
	cs, err := s.Sellers.Conversations(ctx, actor, shop.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buyer id.ID
	if v := r.URL.Query().Get("buyer"); v != "" {
		if buyer, err = id.Parse(v); err != nil {
			s.fail(w, r, errs.Invalidf("buyer", "no such conversation"))
			return
		}
	} else if len(cs) > 0 {
		buyer = cs[0].BuyerID
	}
	var ms []seller.ShopMessage
	var current seller.Conversation
	if buyer != 0 {
		if ms, err = s.Sellers.Messages(ctx, actor, shop.ID, buyer); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range cs {
			if c.BuyerID == buyer {
				current = c
			}
		}
	}
	s.render(w, r, "seller_messages", shop.Name+" · messages", "seller", struct {
		ShopHeader
		Conversations []seller.Conversation
		Current       seller.Conversation
		Messages      []seller.ShopMessage
	}{header(shop, m, "/messages"), cs, current, ms})
}

func (s *Server) sellerReply(w http.ResponseWriter, r *http.Request) {
	shop, _, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	buyer, err := httpx.PathID(r, "buyer")
	back := "/seller/shops/" + shop.ID.String() + "/messages"
	if err == nil {
		back += "?buyer=" + buyer.String()
		_, err = s.Sellers.ReplyToBuyer(ctx, auth.From(ctx), shop.ID, buyer, r.PostFormValue("body"))
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Reply sent.")
}
