package live

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// liveshop owns stream keys and whether a room's video is on; existing media tools
// carry the video. The host's encoder (OBS, ffmpeg) publishes RTMP to nginx with the
// RTMP module under the stream key "<session id>?key=<secret>": nginx names the stream
// (and the HLS files every viewer fetches) by the part before "?", so the secret never
// appears in a playback URL, and passes the key to liveshop's on_publish hook, which
// accepts the stream only if it matches. The room then tells its viewers where to
// play; on_publish_done turns the video off again.

// VideoConfig says where encoders publish and where players fetch.
type VideoConfig struct {
	IngestURL string // rtmp://host:1935/live, shown to hosts
	HLSURL    string // http(s)://host/hls, where nginx serves the HLS files
	// HookSecret, when set, must come as ?secret= on the hooks; without it the hooks
	// answer loopback callers only.
	HookSecret string
}

// Video is a room's video as viewers see it.
type Video struct {
	Status      string `json:"status"` // offline or live
	PlaybackURL string `json:"playback_url,omitempty"`
}

// StreamInfo is what a host pastes into the encoder.
type StreamInfo struct {
	IngestURL   string `json:"ingest_url"`
	StreamKey   string `json:"stream_key,omitempty"` // shown when created or rotated only
	VideoStatus string `json:"video_status"`
	PlaybackURL string `json:"playback_url"`
}

// Errors of the video hooks.
var (
	ErrBadStreamKey = errs.New(errs.Forbidden, "bad_stream_key", "this stream key is not valid; copy it again from the live's page")
	ErrHookCaller   = errs.New(errs.Forbidden, "hook_forbidden", "only the media server may call this hook")
	ErrVideoOff     = errs.New(errs.Unavailable, "video_not_configured", "this node has no media server configured (--rtmp-url, --hls-url)")
)

// cmdVideo tells a room its video changed.
type cmdVideo struct{ v Video }

// EnableVideo configures stream keys and the media server hooks.
func (h *Hub) EnableVideo(d *db.DB, cfg VideoConfig) {
	h.videoDB, h.video = d, cfg
}

// HasVideo reports whether this node has a media server.
func (h *Hub) HasVideo() bool { return h.videoDB != nil && h.video.IngestURL != "" }

func (h *Hub) playbackURL(sessionID id.ID) string {
	return strings.TrimRight(h.video.HLSURL, "/") + "/" + sessionID.String() + ".m3u8"
}

// StreamKey returns the host's ingest settings, creating a key the first time or a
// fresh one when rotate is set (the old one stops working). The key itself is shown
// only then; liveshop keeps its hash.
func (h *Hub) StreamKey(ctx context.Context, actor auth.Actor, sessionID id.ID, rotate bool) (StreamInfo, error) {
	if h.videoDB == nil || h.video.IngestURL == "" {
		return StreamInfo{}, ErrVideoOff
	}
	if err := actor.RequireLogin(); err != nil {
		return StreamInfo{}, err
	}
	sess, err := h.sessions.Session(ctx, sessionID)
	if err != nil {
		return StreamInfo{}, err
	}
	if sess.HostAccountID != actor.AccountID {
		return StreamInfo{}, content.ErrNotHost
	}
	info := StreamInfo{IngestURL: h.video.IngestURL, PlaybackURL: h.playbackURL(sessionID), VideoStatus: "offline"}
	var status string
	err = h.videoDB.QueryRowContext(ctx, `SELECT video FROM live_streams WHERE session_id = $1`, sessionID).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		rotate = true
	case err != nil:
		return StreamInfo{}, err
	default:
		info.VideoStatus = status
	}
	if !rotate {
		return info, nil
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return StreamInfo{}, err
	}
	secret := hex.EncodeToString(raw)
	if _, err := h.videoDB.ExecContext(ctx, `INSERT INTO live_streams (session_id, key_hash, video, updated_at) VALUES ($1, $2, 'offline', $3)
		ON CONFLICT (session_id) DO UPDATE SET key_hash = excluded.key_hash, updated_at = excluded.updated_at`,
		sessionID, hashKey(secret), db.Micros(time.Now())); err != nil {
		return StreamInfo{}, err
	}
	info.StreamKey = sessionID.String() + "?key=" + secret
	return info, nil
}

func hashKey(k string) string {
	s := sha256.Sum256([]byte(k))
	return hex.EncodeToString(s[:])
}

// hookAllowed checks the caller is the media server.
func (h *Hub) hookAllowed(r *http.Request) bool {
	if h.video.HookSecret != "" {
		return subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("secret")), []byte(h.video.HookSecret)) == 1
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// handleOnPublish is nginx-rtmp's on_publish: 2xx accepts the stream, 403 refuses it.
func (h *Hub) handleOnPublish(w http.ResponseWriter, r *http.Request) {
	if h.videoDB == nil {
		httpx.WriteError(w, r, ErrVideoOff)
		return
	}
	if !h.hookAllowed(r) {
		httpx.WriteError(w, r, ErrHookCaller)
		return
	}
	_ = r.ParseForm()
	sessionID, err := id.Parse(r.Form.Get("name"))
	var want string
	if err == nil {
		err = h.videoDB.QueryRowContext(r.Context(), `SELECT key_hash FROM live_streams WHERE session_id = $1`, sessionID).Scan(&want)
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(hashKey(r.Form.Get("key"))), []byte(want)) != 1 {
		h.log.Warn("live: refused a stream", "name", r.Form.Get("name"), "addr", r.Form.Get("addr"))
		httpx.WriteError(w, r, ErrBadStreamKey)
		return
	}
	sess, err := h.sessions.Session(r.Context(), sessionID)
	if err != nil || sess.Status == content.Ended {
		httpx.WriteError(w, r, ErrRoomEnded)
		return
	}
	if err := h.setVideo(r.Context(), sessionID, "live"); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.log.Info("live video started", "session", sessionID)
	w.WriteHeader(http.StatusOK)
}

// handleOnPublishDone is nginx-rtmp's on_publish_done: the encoder stopped.
func (h *Hub) handleOnPublishDone(w http.ResponseWriter, r *http.Request) {
	if h.videoDB == nil || !h.hookAllowed(r) {
		httpx.WriteError(w, r, ErrHookCaller)
		return
	}
	_ = r.ParseForm()
	sessionID, err := id.Parse(r.Form.Get("name"))
	if err != nil {
		w.WriteHeader(http.StatusOK) // nothing of ours
		return
	}
	if err := h.setVideo(r.Context(), sessionID, "offline"); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Hub) setVideo(ctx context.Context, sessionID id.ID, status string) error {
	if _, err := h.videoDB.ExecContext(ctx, `UPDATE live_streams SET video = $1, updated_at = $2 WHERE session_id = $3`,
		status, db.Micros(time.Now()), sessionID); err != nil {
		return err
	}
	v := Video{Status: status}
	if status == "live" {
		v.PlaybackURL = h.playbackURL(sessionID)
	}
	if r := h.existing(sessionID); r != nil {
		h.tell(r, cmdVideo{v})
	}
	h.toPeers(peerMsg{SessionID: sessionID, Video: &v})
	return nil
}

// videoOf reads a room's video for its state when it opens.
func (h *Hub) videoOf(ctx context.Context, sessionID id.ID) *Video {
	if h.videoDB == nil {
		return nil
	}
	var status string
	if err := h.videoDB.QueryRowContext(ctx, `SELECT video FROM live_streams WHERE session_id = $1`, sessionID).Scan(&status); err != nil {
		return nil
	}
	v := &Video{Status: status}
	if status == "live" {
		v.PlaybackURL = h.playbackURL(sessionID)
	}
	return v
}

func (h *Hub) handleStreamKey(w http.ResponseWriter, r *http.Request) {
	sid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	info, err := h.StreamKey(r.Context(), auth.From(r.Context()), sid, r.Method == http.MethodPost)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, info)
}
