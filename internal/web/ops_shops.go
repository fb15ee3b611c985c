package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// opsShops is the shop review queue: shops waiting for a decision (and, below, those
// waiting for their seller's answer), with their business details.
func (s *Server) opsShops(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mk := r.URL.Query().Get("market")
	queue, err := s.Sellers.ReviewQueue(ctx, auth.From(ctx), mk, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var waiting, withSeller []seller.Shop
	for _, sh := range queue {
		if sh.ReviewState == seller.InfoRequested {
			withSeller = append(withSeller, sh)
		} else {
			waiting = append(waiting, sh)
		}
	}
	s.render(w, r, "ops_shops", "Shop review", "ops", struct {
		Market     string
		Waiting    []seller.Shop
		WithSeller []seller.Shop
	}{mk, waiting, withSeller})
}

func (s *Server) opsShopForm(w http.ResponseWriter, r *http.Request, act func(shopID id.ID) (seller.Shop, error), msg string) {
	back := r.PostFormValue("back")
	if back == "" || back[0] != '/' {
		back = "/ops/shops"
	}
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	sh, err := act(shopID)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, sh.Name+": "+msg)
}

func (s *Server) opsDecideShop(w http.ResponseWriter, r *http.Request) {
	d := r.PostFormValue("decision")
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.Decide(r.Context(), auth.From(r.Context()), shopID, d, r.PostFormValue("reason"))
	}, map[string]string{seller.Approve: "approved", seller.Reject: "rejected", seller.RequestInfo: "more information requested"}[d])
}

func (s *Server) opsShopStatus(w http.ResponseWriter, r *http.Request) {
	to := seller.Status(r.PostFormValue("status"))
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.SetStatus(r.Context(), auth.From(r.Context()), shopID, to, r.PostFormValue("reason"))
	}, "now "+string(to))
}

func (s *Server) opsShopTier(w http.ResponseWriter, r *http.Request) {
	tier := r.PostFormValue("tier")
	s.opsShopForm(w, r, func(shopID id.ID) (seller.Shop, error) {
		return s.Sellers.SetTier(r.Context(), auth.From(r.Context()), shopID, tier, r.PostFormValue("reason"))
	}, "tier set to "+tier)
}
