package content

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// videoRoutes registers the shoppable video JSON API and the uploaded files.
func (s *Service) videoRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/videos", s.handlePostVideo)
	mux.HandleFunc("GET /api/v1/videos", s.handleListVideos)
	mux.HandleFunc("GET /api/v1/videos/mine", s.handleMyVideos)
	mux.HandleFunc("GET /api/v1/videos/{id}", s.handleGetVideo)
	mux.HandleFunc("POST /api/v1/videos/{id}/remove", s.handleRemoveVideo)
	mux.HandleFunc("POST /api/v1/videos/{id}/view", s.handleView)
	mux.HandleFunc("POST /api/v1/videos/{id}/watch", s.handleWatch)
	mux.HandleFunc("POST /api/v1/videos/{id}/share", s.handleShare)
	mux.HandleFunc("POST /api/v1/videos/{id}/like", s.handleLike)
	mux.HandleFunc("POST /api/v1/videos/{id}/unlike", s.handleUnlike)
	mux.HandleFunc("POST /api/v1/videos/{id}/products/{product}/click", s.handleClick)
	mux.HandleFunc("GET /api/v1/videos/{id}/comments", s.handleComments)
	mux.HandleFunc("POST /api/v1/videos/{id}/comments", s.handlePostComment)
	mux.HandleFunc("POST /api/v1/video-comments/{id}/{action}", s.handleModerateComment)
	mux.HandleFunc("GET /media/videos/{key...}", s.handleVideoFile)
}

// handlePostVideo takes JSON (a URL video) or multipart/form-data with the fields
// caption, product_ids (repeated, or comma-separated), shop_id, url and the file
// "file". The file is streamed to storage, never held whole in memory.
func (s *Service) handlePostVideo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var in VideoInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		v, err := s.PostVideo(ctx, auth.From(ctx), in, nil)
		writeVideo(w, r, http.StatusCreated, v, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxVideoBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		httpx.WriteError(w, r, errs.Invalidf("file", "the form could not be read: %v", err))
		return
	}
	in, file, err := readVideoForm(mr)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var upload io.Reader
	if file != nil {
		upload = file
	}
	v, err := s.PostVideo(ctx, auth.From(ctx), in, upload)
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		err = errs.New(errs.TooLarge, "video_too_large", "a video is at most 200 MB").OnField("file")
	}
	writeVideo(w, r, http.StatusCreated, v, err)
}

// readVideoForm reads the form's fields up to its file part, which must come last
// (browsers send parts in form order), and returns the file part unread.
func readVideoForm(mr *multipart.Reader) (VideoInput, *multipart.Part, error) {
	var in VideoInput
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil, nil
		}
		if err != nil {
			return in, nil, errs.Invalidf("file", "the form could not be read: %v", err)
		}
		name := part.FormName()
		if name == "file" {
			if part.FileName() == "" { // the file input left empty
				continue
			}
			return in, part, nil
		}
		b, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return in, nil, errs.Invalidf(name, "could not be read")
		}
		val := strings.TrimSpace(string(b))
		switch name {
		case "caption":
			in.Caption = val
		case "url":
			in.URL = val
		case "shop_id":
			if val != "" {
				if in.ShopID, err = id.Parse(val); err != nil {
					return in, nil, errs.Invalidf("shop_id", "not an id")
				}
			}
		case "product_ids", "product_id":
			for _, f := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ' ' }) {
				pid, err := id.Parse(f)
				if err != nil {
					return in, nil, errs.Invalidf("product_ids", "%q is not a product id", f)
				}
				in.ProductIDs = append(in.ProductIDs, pid)
			}
		}
	}
}

func writeVideo(w http.ResponseWriter, r *http.Request, status int, v Video, err error) {
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, v)
}

func (s *Service) handleListVideos(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := VideoFeed{Market: q.Get("market"), Limit: httpx.Limit(r)}
	for name, dst := range map[string]*id.ID{"creator_id": &f.CreatorID, "shop_id": &f.ShopID, "product_id": &f.ProductID} {
		if raw := q.Get(name); raw != "" {
			v, err := id.Parse(raw)
			if err != nil {
				httpx.WriteError(w, r, errs.Invalidf(name, "not an id"))
				return
			}
			*dst = v
		}
	}
	if raw := q.Get("before"); raw != "" {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			httpx.WriteError(w, r, errs.Invalidf("before", "an RFC 3339 time, as next_before gives it"))
			return
		}
		f.Before = t
	}
	vs, err := s.Videos(r.Context(), f)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	writeVideoPage(w, vs, f.Limit, func(v Video) time.Time { return v.PublishedAt })
}

func (s *Service) handleMyVideos(w http.ResponseWriter, r *http.Request) {
	actor := auth.From(r.Context())
	if err := actor.RequireLogin(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	vs, err := s.Videos(r.Context(), VideoFeed{AuthorID: actor.AccountID, Limit: httpx.Limit(r)})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	writeVideoPage(w, vs, httpx.Limit(r), func(v Video) time.Time { return v.CreatedAt })
}

// writeVideoPage answers a page of videos with the cursor of the next, if any.
func writeVideoPage(w http.ResponseWriter, vs []Video, limit int, key func(Video) time.Time) {
	out := map[string]any{"videos": vs}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if len(vs) == limit {
		out["next_before"] = key(vs[len(vs)-1]).Format(time.RFC3339Nano)
	}
	if vs == nil {
		out["videos"] = []Video{}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) handleGetVideo(w http.ResponseWriter, r *http.Request) {
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := s.VisibleVideo(r.Context(), auth.From(r.Context()), vid)
	writeVideo(w, r, http.StatusOK, v, err)
}

func (s *Service) handleRemoveVideo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := s.RemoveVideo(r.Context(), auth.From(r.Context()), vid, in.Reason)
	writeVideo(w, r, http.StatusOK, v, err)
}

func (s *Service) handleView(w http.ResponseWriter, r *http.Request) {
	s.counted(w, r, func(vid id.ID) (any, error) { return nil, s.RecordView(r.Context(), vid) })
}

func (s *Service) handleWatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WatchedMS int64 `json:"watched_ms"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.counted(w, r, func(vid id.ID) (any, error) {
		return nil, s.RecordWatch(r.Context(), vid, time.Duration(in.WatchedMS)*time.Millisecond)
	})
}

func (s *Service) handleShare(w http.ResponseWriter, r *http.Request) {
	s.counted(w, r, func(vid id.ID) (any, error) {
		link, err := s.RecordShare(r.Context(), vid)
		return map[string]string{"link": link}, err
	})
}

func (s *Service) handleLike(w http.ResponseWriter, r *http.Request) {
	s.counted(w, r, func(vid id.ID) (any, error) {
		n, err := s.Like(r.Context(), auth.From(r.Context()), vid)
		return map[string]any{"liked": true, "likes": n}, err
	})
}

func (s *Service) handleUnlike(w http.ResponseWriter, r *http.Request) {
	s.counted(w, r, func(vid id.ID) (any, error) {
		n, err := s.Unlike(r.Context(), auth.From(r.Context()), vid)
		return map[string]any{"liked": false, "likes": n}, err
	})
}

func (s *Service) handleClick(w http.ResponseWriter, r *http.Request) {
	pid, err := httpx.PathID(r, "product")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s.counted(w, r, func(vid id.ID) (any, error) { return nil, s.RecordProductClick(r.Context(), vid, pid) })
}

// counted runs an engagement call on the path's video: 204 when there is nothing to
// say, 200 with the result otherwise.
func (s *Service) counted(w http.ResponseWriter, r *http.Request, fn func(id.ID) (any, error)) {
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out, err := fn(vid)
	switch {
	case err != nil:
		httpx.WriteError(w, r, err)
	case out == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		httpx.WriteJSON(w, http.StatusOK, out)
	}
}

func (s *Service) handleComments(w http.ResponseWriter, r *http.Request) {
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	cs, err := s.Comments(r.Context(), auth.From(r.Context()), vid, httpx.Limit(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if cs == nil {
		cs = []Comment{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"comments": cs})
}

func (s *Service) handlePostComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	vid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := s.PostComment(r.Context(), auth.From(r.Context()), vid, in.Body)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) handleModerateComment(w http.ResponseWriter, r *http.Request) {
	cid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := s.ModerateComment(r.Context(), auth.From(r.Context()), cid, CommentAction(r.PathValue("action")))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

// handleVideoFile serves an uploaded video or poster. Range requests are answered
// (players seek with them) when the store's reader seeks, as the directory's does.
// In production a CDN in front of the blob store carries this traffic instead.
func (s *Service) handleVideoFile(w http.ResponseWriter, r *http.Request) {
	key := "videos/" + r.PathValue("key")
	rc, ct, err := s.OpenVideoFile(r.Context(), key)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", time.Time{}, rs)
		return
	}
	_, _ = io.Copy(w, rc)
}
