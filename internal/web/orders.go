package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

func contentLiveOf(host id.ID) content.Listing {
	return content.Listing{Status: content.Live, HostID: host, Limit: 5}
}

func (s *Server) myOrders(w http.ResponseWriter, r *http.Request) {
	os, err := s.Orders.BuyerOrders(r.Context(), auth.From(r.Context()), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "orders", "My orders", "orders", os)
}

func (s *Server) orderPage(w http.ResponseWriter, r *http.Request) {
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := auth.From(r.Context())
	o, err := s.Orders.Get(r.Context(), actor, oid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, _ := s.Sellers.Shop(r.Context(), o.ShopID)
	s.render(w, r, "order", "Order "+o.ID.String(), "orders", struct {
		Order    order.Order
		ShopName string
		IsBuyer  bool
	}{o, shop.Name, o.BuyerID == actor.AccountID})
}

func (s *Server) confirmReceipt(w http.ResponseWriter, r *http.Request) {
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Orders.ConfirmReceipt(r.Context(), auth.From(r.Context()), oid); err != nil {
		s.back(w, r, "/orders/"+oid.String(), err)
		return
	}
	done(w, r, "/orders/"+oid.String(), "Thanks for confirming. The order is complete.")
}

func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request) {
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Orders.Cancel(r.Context(), auth.From(r.Context()), oid, r.PostFormValue("reason")); err != nil {
		s.back(w, r, "/orders/"+oid.String(), err)
		return
	}
	done(w, r, "/orders/"+oid.String(), "The order is cancelled.")
}
