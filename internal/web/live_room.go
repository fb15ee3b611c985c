package web

import (
	"net/http"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
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
	s.render(w, r, "live_room", sess.Title, "home", struct {
		Session  content.Session
		Host     string
		Market   string
		Products []catalog.Product
		Pinned   *catalog.Product
		IsHost   bool
		Methods  []string
	}{sess, s.hostName(ctx, sess), mk.Name, products, pinned, sess.HostAccountID == auth.From(ctx).AccountID, payment.SandboxMethods})
}
