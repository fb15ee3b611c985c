package order

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Routes registers the order JSON API on mux: cart, checkout, orders, packages,
// returns, reviews and the payment provider's webhooks.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/cart", s.handleCart)
	mux.HandleFunc("PUT /api/v1/cart/items/{sku}", s.handleSetCartItem)
	mux.HandleFunc("POST /api/v1/checkout/preview", s.handlePreview)
	mux.HandleFunc("POST /api/v1/checkout", s.handleCheckout)
	mux.HandleFunc("GET /api/v1/orders", s.handleMine)
	mux.HandleFunc("GET /api/v1/orders/{id}", s.handleGet)
	mux.HandleFunc("POST /api/v1/orders/{id}/cancel", s.handleCancel)
	mux.HandleFunc("POST /api/v1/orders/{id}/seller-cancel", s.handleSellerCancel)
	mux.HandleFunc("POST /api/v1/orders/{id}/ship", s.handleShip)
	mux.HandleFunc("POST /api/v1/packages", s.handleShipPackage)
	mux.HandleFunc("POST /api/v1/orders/{id}/confirm-receipt", s.handleConfirm)
	mux.HandleFunc("POST /api/v1/orders/{id}/carrier-events", s.handleCarrierEvent)
	mux.HandleFunc("GET /api/v1/shops/{id}/orders", s.handleShopOrders)

	mux.HandleFunc("POST /api/v1/orders/{id}/returns", s.handleRequestReturn)
	mux.HandleFunc("GET /api/v1/orders/{id}/returns", s.handleReturnsOfOrder)
	mux.HandleFunc("GET /api/v1/returns", s.handleMyReturns)
	mux.HandleFunc("GET /api/v1/returns/{id}", s.handleGetReturn)
	mux.HandleFunc("POST /api/v1/returns/{id}/respond", s.handleRespondReturn)
	mux.HandleFunc("POST /api/v1/returns/{id}/ship", s.handleShipReturn)
	mux.HandleFunc("POST /api/v1/returns/{id}/escalate", s.handleEscalateReturn)
	mux.HandleFunc("POST /api/v1/returns/{id}/withdraw", s.handleWithdrawReturn)
	mux.HandleFunc("POST /api/v1/returns/{id}/resolve", s.handleResolveReturn)
	mux.HandleFunc("GET /api/v1/shops/{id}/returns", s.handleShopReturns)
	mux.HandleFunc("GET /api/v1/disputes", s.handleDisputes)

	mux.HandleFunc("POST /api/v1/order-lines/{id}/reviews", s.handleCreateReview)
	mux.HandleFunc("GET /api/v1/products/{id}/reviews", s.handleProductReviews)
	mux.HandleFunc("GET /api/v1/shops/{id}/reviews", s.handleShopReviews)
	mux.HandleFunc("POST /api/v1/reviews/{id}/reply", s.handleReplyReview)
	mux.HandleFunc("POST /api/v1/reviews/{id}/moderate", s.handleModerateReview)

	mux.HandleFunc("POST /api/v1/payments/webhooks/{provider}", s.handlePaymentWebhook)
}

// serve decodes a JSON body into in (when there is one; optional bodies may be
// empty), reads the path id, runs fn and writes its result with status.
func serve[In, Out any](w http.ResponseWriter, r *http.Request, status int, bodyRequired bool, fn func(a auth.Actor, pathID id.ID, in In) (Out, error)) {
	var in In
	if bodyRequired || r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	var pathID id.ID
	if r.PathValue("id") != "" {
		var err error
		if pathID, err = httpx.PathID(r, "id"); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	out, err := fn(auth.From(r.Context()), pathID, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, out)
}

type none struct{}

type reasonInput struct {
	Reason string `json:"reason"`
}

type noteInput struct {
	Note string `json:"note"`
}

func (s *Service) handleCart(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, _ id.ID, _ none) (Cart, error) {
		return s.Cart(r.Context(), a, r.URL.Query().Get("market"), splitList(r.URL.Query().Get("coupons")))
	})
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Service) handleSetCartItem(w http.ResponseWriter, r *http.Request) {
	skuID, err := httpx.PathID(r, "sku")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serve(w, r, http.StatusOK, true, func(a auth.Actor, _ id.ID, in struct {
		Quantity int64 `json:"quantity"`
	}) (map[string]any, error) {
		if err := s.SetCartItem(r.Context(), a, skuID, in.Quantity); err != nil {
			return nil, err
		}
		return map[string]any{"sku_id": skuID, "quantity": in.Quantity}, nil
	})
}

func (s *Service) handlePreview(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, _ id.ID, in CheckoutInput) (any, error) {
		if in.FromCart {
			return s.Cart(r.Context(), a, in.Market, in.Coupons)
		}
		return s.Preview(r.Context(), a, in.Market, in.Lines, in.Coupons)
	})
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
	serve(w, r, http.StatusOK, false, func(a auth.Actor, _ id.ID, _ none) (map[string]any, error) {
		os, err := s.BuyerOrders(r.Context(), a, httpx.Limit(r))
		return map[string]any{"orders": os}, err
	})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, oid id.ID, _ none) (Order, error) { return s.Get(r.Context(), a, oid) })
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, oid id.ID, in reasonInput) (Order, error) {
		return s.Cancel(r.Context(), a, oid, in.Reason)
	})
}

func (s *Service) handleSellerCancel(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, oid id.ID, in reasonInput) (Order, error) {
		return s.SellerCancel(r.Context(), a, oid, in.Reason)
	})
}

func (s *Service) handleShip(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, oid id.ID, in ShipInput) (Order, error) { return s.Ship(r.Context(), a, oid, in) })
}

func (s *Service) handleShipPackage(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusCreated, true, func(a auth.Actor, _ id.ID, in ShipInput) (Package, error) {
		return s.ShipPackage(r.Context(), a, in)
	})
}

func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, oid id.ID, _ none) (Order, error) { return s.ConfirmReceipt(r.Context(), a, oid) })
}

func (s *Service) handleCarrierEvent(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, oid id.ID, in struct {
		Event string `json:"event"`
	}) (Order, error) {
		return s.CarrierEvent(r.Context(), a, oid, in.Event)
	})
}

func (s *Service) handleShopOrders(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, shopID id.ID, _ none) (map[string]any, error) {
		os, err := s.ShopOrders(r.Context(), a, shopID, Status(r.URL.Query().Get("status")), httpx.Limit(r))
		return map[string]any{"orders": os}, err
	})
}

func (s *Service) handleRequestReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusCreated, true, func(a auth.Actor, oid id.ID, in ReturnInput) (Return, error) {
		return s.RequestReturn(r.Context(), a, oid, in)
	})
}

func (s *Service) handleReturnsOfOrder(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, oid id.ID, _ none) (map[string]any, error) {
		rs, err := s.ReturnsOfOrder(r.Context(), a, oid)
		return map[string]any{"returns": rs}, err
	})
}

func (s *Service) handleMyReturns(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, _ id.ID, _ none) (map[string]any, error) {
		rs, err := s.BuyerReturns(r.Context(), a, httpx.Limit(r))
		return map[string]any{"returns": rs}, err
	})
}

func (s *Service) handleGetReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, rid id.ID, _ none) (Return, error) { return s.GetReturn(r.Context(), a, rid) })
}

func (s *Service) handleRespondReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in SellerResponse) (Return, error) {
		return s.RespondToReturn(r.Context(), a, rid, in)
	})
}

func (s *Service) handleShipReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in struct {
		TrackingNumber string `json:"tracking_number"`
	}) (Return, error) {
		return s.ShipReturn(r.Context(), a, rid, in.TrackingNumber)
	})
}

func (s *Service) handleEscalateReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in noteInput) (Return, error) {
		return s.EscalateReturn(r.Context(), a, rid, in.Note)
	})
}

func (s *Service) handleWithdrawReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, rid id.ID, _ none) (Return, error) { return s.WithdrawReturn(r.Context(), a, rid) })
}

func (s *Service) handleResolveReturn(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in Resolution) (Return, error) {
		return s.ResolveDispute(r.Context(), a, rid, in)
	})
}

func (s *Service) handleShopReturns(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, shopID id.ID, _ none) (map[string]any, error) {
		rs, err := s.ShopReturns(r.Context(), a, shopID, ReturnStatus(r.URL.Query().Get("status")), httpx.Limit(r))
		return map[string]any{"returns": rs}, err
	})
}

func (s *Service) handleDisputes(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, _ id.ID, _ none) (map[string]any, error) {
		rs, err := s.Disputes(r.Context(), a, httpx.Limit(r))
		return map[string]any{"returns": rs}, err
	})
}

func (s *Service) handleCreateReview(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusCreated, true, func(a auth.Actor, lineID id.ID, in ReviewInput) (Review, error) {
		return s.CreateReview(r.Context(), a, lineID, in)
	})
}

func (s *Service) handleProductReviews(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(_ auth.Actor, productID id.ID, _ none) (map[string]any, error) {
		rs, sum, err := s.ProductReviews(r.Context(), productID, httpx.Limit(r))
		return map[string]any{"reviews": rs, "summary": sum}, err
	})
}

func (s *Service) handleShopReviews(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, false, func(a auth.Actor, shopID id.ID, _ none) (map[string]any, error) {
		rs, err := s.ShopReviews(r.Context(), a, shopID, httpx.Limit(r))
		return map[string]any{"reviews": rs}, err
	})
}

func (s *Service) handleReplyReview(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in struct {
		Reply string `json:"reply"`
	}) (Review, error) {
		return s.ReplyToReview(r.Context(), a, rid, in.Reply)
	})
}

func (s *Service) handleModerateReview(w http.ResponseWriter, r *http.Request) {
	serve(w, r, http.StatusOK, true, func(a auth.Actor, rid id.ID, in struct {
		Status ReviewStatus `json:"status"`
		Note   string       `json:"note"`
	}) (Review, error) {
		return s.ModerateReview(r.Context(), a, rid, in.Status, in.Note)
	})
}

// maxWebhookBody bounds a provider webhook; Stripe's events are a few kilobytes.
const maxWebhookBody = 256 << 10

func (s *Service) handlePaymentWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		httpx.WriteError(w, r, errs.New(errs.Invalid, "body_too_large", "a webhook body is at most "+strconv.Itoa(maxWebhookBody)+" bytes"))
		return
	}
	replayed, err := s.PaymentWebhook(r.Context(), r.PathValue("provider"), body, r.Header)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"received": true, "replayed": replayed})
}
