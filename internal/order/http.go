package order

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Routes registers the order JSON API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/checkout", s.handleCheckout)
	mux.HandleFunc("GET /api/v1/orders", s.handleMine)
	mux.HandleFunc("GET /api/v1/orders/{id}", s.handleGet)
	mux.HandleFunc("POST /api/v1/orders/{id}/cancel", s.handleCancel)
	mux.HandleFunc("POST /api/v1/orders/{id}/ship", s.handleShip)
	mux.HandleFunc("POST /api/v1/orders/{id}/confirm-receipt", s.handleConfirm)
	mux.HandleFunc("POST /api/v1/orders/{id}/carrier-events", s.handleCarrierEvent)
	mux.HandleFunc("GET /api/v1/shops/{id}/orders", s.handleShopOrders)
}

func (s *Service) handleCheckout(w http.ResponseWriter, r *http.Request) {
	var in CheckoutInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	}
	res, err := s.Checkout(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, res)
}

func (s *Service) handleMine(w http.ResponseWriter, r *http.Request) {
	os, err := s.BuyerOrders(r.Context(), auth.From(r.Context()), httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"orders": os})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	s.withOrder(w, r, func(oid id.ID) (Order, error) { return s.Get(r.Context(), auth.From(r.Context()), oid) })
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	s.withOrder(w, r, func(oid id.ID) (Order, error) { return s.Cancel(r.Context(), auth.From(r.Context()), oid, in.Reason) })
}

func (s *Service) handleShip(w http.ResponseWriter, r *http.Request) {
	var in ShipInput
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	s.withOrder(w, r, func(oid id.ID) (Order, error) { return s.Ship(r.Context(), auth.From(r.Context()), oid, in) })
}

func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request) {
	s.withOrder(w, r, func(oid id.ID) (Order, error) { return s.ConfirmReceipt(r.Context(), auth.From(r.Context()), oid) })
}

func (s *Service) handleCarrierEvent(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Event string `json:"event"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.withOrder(w, r, func(oid id.ID) (Order, error) {
		return s.CarrierEvent(r.Context(), auth.From(r.Context()), oid, in.Event)
	})
}

func (s *Service) handleShopOrders(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	os, err := s.ShopOrders(r.Context(), auth.From(r.Context()), shopID, Status(r.URL.Query().Get("status")), httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"orders": os})
}

// withOrder parses the order id, runs fn and writes its order or error.
func (s *Service) withOrder(w http.ResponseWriter, r *http.Request, fn func(id.ID) (Order, error)) {
	oid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	o, err := fn(oid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}
