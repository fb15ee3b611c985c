package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
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
	ctx := r.Context()
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := auth.From(ctx)
	o, err := s.Orders.Get(ctx, actor, oid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shop, _ := s.Sellers.Shop(ctx, o.ShopID)
	returns, err := s.Orders.ReturnsOfOrder(ctx, actor, oid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reviews, err := s.Orders.ReviewsOfOrder(ctx, actor, oid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	titles := map[id.ID]string{}
	for _, l := range o.Lines {
		titles[l.ID] = l.Title
	}
	reviewed := map[id.ID]bool{}
	for _, rv := range reviews {
		reviewed[rv.LineID] = true
	}
	open := false
	for _, rt := range returns {
		open = open || rt.Status.Open()
	}
	_, manages := s.Sellers.Manage(ctx, actor, o.ShopID)
	delivered := o.Status == order.Delivered || o.Status == order.Completed
	s.render(w, r, "order", "Order "+o.ID.String(), "orders", struct {
		Order      order.Order
		ShopName   string
		IsBuyer    bool
		IsSeller   bool
		Returns    []order.Return
		Reviews    []order.Review
		Reviewed   map[id.ID]bool
		LineTitles map[id.ID]string
		OpenReturn bool
		Delivered  bool
		Now        time.Time
	}{o, shop.Name, o.BuyerID == actor.AccountID, manages == nil, returns, reviews, reviewed, titles, open, delivered, time.Now()})
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

func (s *Server) requestReturn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/orders/" + oid.String()
	if err := r.ParseForm(); err != nil {
		s.back(w, r, back, err)
		return
	}
	in := order.ReturnInput{Kind: order.ReturnKind(r.PostFormValue("kind")), Reason: r.PostFormValue("reason"), Note: r.PostFormValue("note")}
	// Each line has a quantity box; left at zero, the line is not part of the request.
	for _, v := range r.PostForm["line"] {
		lineID, err := id.Parse(v)
		if err != nil {
			continue
		}
		qty, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("qty_"+v)), 10, 64)
		if qty > 0 {
			in.Lines = append(in.Lines, order.ReturnLineInput{LineID: lineID, Quantity: qty})
		}
	}
	if len(r.PostForm["line"]) > 0 && len(in.Lines) == 0 && in.Kind != order.ReturnCancel {
		s.back(w, r, back, errs.Invalidf("lines", "choose how many of which items to send back or be refunded for"))
		return
	}
	rt, err := s.Orders.RequestReturn(ctx, auth.From(ctx), oid, in)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, rt.Kind.Label()+" requested. The shop has until "+rt.SellerRespondBy.UTC().Format("2 Jan 15:04 UTC")+" to answer, or it is approved for you.")
}

// returnAction runs a buyer's action on a request and goes back to its order.
func (s *Server) returnAction(w http.ResponseWriter, r *http.Request, msg string, act func(auth.Actor, id.ID) (order.Return, error)) {
	ctx := r.Context()
	rid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := auth.From(ctx)
	back := "/orders"
	if rt, err := s.Orders.GetReturn(ctx, actor, rid); err == nil {
		back = "/orders/" + rt.OrderID.String()
	}
	if _, err := act(actor, rid); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, msg)
}

func (s *Server) shipReturn(w http.ResponseWriter, r *http.Request) {
	s.returnAction(w, r, "Thanks. The shop confirms when the parcel arrives; your refund follows.", func(a auth.Actor, rid id.ID) (order.Return, error) {
		return s.Orders.ShipReturn(r.Context(), a, rid, r.PostFormValue("tracking_number"))
	})
}

func (s *Server) escalateReturn(w http.ResponseWriter, r *http.Request) {
	s.returnAction(w, r, "Sent to liveshop support. We will decide and let you know.", func(a auth.Actor, rid id.ID) (order.Return, error) {
		return s.Orders.EscalateReturn(r.Context(), a, rid, r.PostFormValue("note"))
	})
}

func (s *Server) withdrawReturn(w http.ResponseWriter, r *http.Request) {
	s.returnAction(w, r, "Request withdrawn.", func(a auth.Actor, rid id.ID) (order.Return, error) {
		return s.Orders.WithdrawReturn(r.Context(), a, rid)
	})
}

func (s *Server) writeReview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lineID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/orders/") {
		back = "/orders"
	}
	rating, _ := strconv.Atoi(r.PostFormValue("rating"))
	photos := strings.Fields(r.PostFormValue("photos"))
	if _, err := s.Orders.CreateReview(ctx, auth.From(ctx), lineID, order.ReviewInput{Rating: rating, Body: r.PostFormValue("body"), Photos: photos}); err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Thanks for your review.")
}
