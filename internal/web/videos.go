package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/creator"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/seller"
)

// Shoppable videos: the storefront's vertical feed, one video's page (the link a
// share passes on), the anchor click that opens a product with the video credited,
// and the studio where creators and shops post and moderate their videos.

func (s *Server) videoRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /videos", s.videoFeed)
	mux.HandleFunc("GET /videos/{id}", s.videoPage)
	mux.HandleFunc("GET /videos/{id}/products/{product}", s.videoAnchor)
	mux.HandleFunc("POST /videos/{id}/remove", s.removeVideo)
	mux.HandleFunc("GET /studio/videos", s.videoStudio)
	mux.HandleFunc("GET /seller/shops/{id}/videos", s.shopVideos)
	mux.HandleFunc("POST /studio/comments/{id}/{action}", s.moderateVideoComment)
}

// videoCard is a video with what its player shows beside it.
type videoCard struct {
	content.Video
	Author    string
	AuthorURL string
	Products  []catalog.Product
	Liked     bool
}

// videoCards resolves the authors and anchored products of videos for display.
func (s *Server) videoCards(ctx context.Context, actor auth.Actor, vs []content.Video) ([]videoCard, error) {
	var ids, products []id.ID
	for _, v := range vs {
		ids = append(ids, v.ID)
		for _, a := range v.Anchors {
			products = append(products, a.ProductID)
		}
	}
	ps, err := s.Catalog.ProductsByID(ctx, products)
	if err != nil {
		return nil, err
	}
	byID := map[id.ID]catalog.Product{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	liked, err := s.Content.LikedVideos(ctx, actor, ids)
	if err != nil {
		return nil, err
	}
	out := make([]videoCard, 0, len(vs))
	for _, v := range vs {
		c := videoCard{Video: v, Liked: liked[v.ID]}
		if v.CreatorID != 0 {
			if cr, err := s.Creators.Creator(ctx, v.CreatorID); err == nil {
				c.Author, c.AuthorURL = "@"+cr.Handle, "/creators/"+cr.Handle
			}
		} else if shop, err := s.Sellers.Shop(ctx, v.ShopID); err == nil {
			c.Author = shop.Name
		}
		for _, a := range v.Anchors {
			if p, ok := byID[a.ProductID]; ok {
				c.Products = append(c.Products, p)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Server) videoFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m := s.market(r)
	f := content.VideoFeed{Market: m, Limit: 10}
	if raw := r.URL.Query().Get("before"); raw != "" {
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			f.Before = t
		}
	}
	vs, err := s.Content.Videos(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards, err := s.videoCards(ctx, auth.From(ctx), vs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if len(vs) == f.Limit {
		next = vs[len(vs)-1].PublishedAt.Format(time.RFC3339Nano)
	}
	mk, _ := s.Markets.Market(ctx, m)
	s.render(w, r, "videos", "Videos", "videos", struct {
		Market, Name, Next string
		Videos             []videoCard
		Single             bool
	}{m, mk.Name, next, cards, false})
}

func (s *Server) videoPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := auth.From(ctx)
	v, err := s.Content.VisibleVideo(ctx, actor, vid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards, err := s.videoCards(ctx, actor, []content.Video{v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "videos", v.Caption, "videos", struct {
		Market, Name, Next string
		Videos             []videoCard
		Single             bool
	}{v.Market, "", "", cards, true})
}

// videoCookie remembers, per product, the video a shopper opened it from, so a buy
// within the window is credited to the video (and its creator's commission).
func videoCookie(productID id.ID) string { return "ls_vid_" + productID.String() }

// videoAttributionWindow is how long an anchor tap credits the video.
const videoAttributionWindow = 7 * 24 * time.Hour

func (s *Server) videoAnchor(w http.ResponseWriter, r *http.Request) {
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pid, err := httpx.PathID(r, "product")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Content.RecordProductClick(r.Context(), vid, pid); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: videoCookie(pid), Value: vid.String(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(videoAttributionWindow.Seconds())})
	http.Redirect(w, r, "/products/"+pid.String(), http.StatusSeeOther)
}

// videoAttribution credits a purchase to the video the shopper tapped the product
// in: to its creator at the showcase rate when a creator posted it, to the video
// alone when a shop did.
func (s *Server) videoAttribution(r *http.Request, productID id.ID) (creatorID id.ID, ok bool) {
	c, err := r.Cookie(videoCookie(productID))
	if err != nil {
		return 0, false
	}
	vid, err := id.Parse(c.Value)
	if err != nil {
		return 0, false
	}
	v, err := s.Content.Video(r.Context(), vid)
	if err != nil {
		return 0, false
	}
	for _, a := range v.Anchors {
		if a.ProductID == productID {
			return v.CreatorID, true
		}
	}
	return 0, false
}

func (s *Server) removeVideo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back != "/studio/videos" {
		back = "/videos/" + vid.String()
	}
	if _, err := s.Content.RemoveVideo(ctx, auth.From(ctx), vid, r.PostFormValue("reason")); err != nil {
		s.back(w, r, back, err)
		return
	}
	if back == "/studio/videos" {
		done(w, r, back, "The video is removed.")
		return
	}
	done(w, r, "/videos", "The video is removed; its author sees your reason.")
}

// studioVideo is one of the author's videos with the comments waiting for them.
type studioVideo struct {
	videoCard
	Held []content.Comment
}

func (s *Server) videoStudio(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := auth.From(ctx)
	if err := actor.RequireLogin(); err != nil {
		s.fail(w, r, err)
		return
	}
	// Who can post: the actor's creator profile (with its showcase) and shops.
	var asCreator *creator.Creator
	var showcase []creator.ShowcaseItem
	if c, err := s.Creators.ByAccount(ctx, actor.AccountID); err == nil {
		asCreator = &c
		if showcase, err = s.Creators.Showcase(ctx, c.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if !errors.Is(err, creator.ErrNoProfile) {
		s.fail(w, r, err)
		return
	}
	shops, err := s.Sellers.ShopsOf(ctx, actor.AccountID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type shopProducts struct {
		Shop     seller.Shop
		Products []catalog.Product
	}
	var sp []shopProducts
	for _, sh := range shops {
		ps, err := s.Catalog.ProductsOfShop(ctx, sh.ID, 200)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var live []catalog.Product
		for _, p := range ps {
			if p.Status == catalog.Live {
				live = append(live, p)
			}
		}
		sp = append(sp, shopProducts{sh, live})
	}
	vs, err := s.Content.Videos(ctx, content.VideoFeed{AuthorID: actor.AccountID, Limit: 50})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards, err := s.videoCards(ctx, actor, vs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mine := make([]studioVideo, 0, len(cards))
	for _, c := range cards {
		sv := studioVideo{videoCard: c}
		if c.State == content.VideoPublished {
			cs, err := s.Content.Comments(ctx, actor, c.ID, 200)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, cm := range cs {
				if cm.State == content.CommentHeld {
					sv.Held = append(sv.Held, cm)
				}
			}
		}
		mine = append(mine, sv)
	}
	s.render(w, r, "video_studio", "My videos", "creator", struct {
		Creator  *creator.Creator
		Showcase []creator.ShowcaseItem
		Shops    []shopProducts
		Videos   []studioVideo
		MaxMB    int
		Anchors  int
		As       string // the shop to post as, from the Seller Center's Videos tab
	}{asCreator, showcase, sp, mine, content.MaxVideoBytes >> 20, content.MaxVideoAnchors, r.URL.Query().Get("as")})
}

// shopVideos is the Seller Center's Videos tab: the studio, posting as the shop.
func (s *Server) shopVideos(w http.ResponseWriter, r *http.Request) {
	shopID, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/studio/videos?as="+shopID.String(), http.StatusSeeOther)
}

func (s *Server) moderateVideoComment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Content.ModerateComment(ctx, auth.From(ctx), cid, content.CommentAction(r.PathValue("action"))); err != nil {
		s.back(w, r, "/studio/videos", err)
		return
	}
	done(w, r, "/studio/videos", "Comment "+map[string]string{"approve": "approved", "hide": "hidden", "delete": "deleted"}[r.PathValue("action")]+".")
}
