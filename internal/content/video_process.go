package content

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

// Video processing turns a posted video into a published one. It is a loop over the
// videos table rather than an in-memory queue, so a node that dies mid-way loses
// nothing: the claim (claimed_until) lapses and any node picks the video up again.
// Where ffprobe and ffmpeg are installed an upload is probed (a file without a video
// track fails with the reason shown to its author) and given a poster frame; without
// them the type sniffed at upload is all that is checked. A URL is fetched once, its
// first bytes only, to check it answers with a video.

// kickProcessor wakes the processing loop after a post.
func (s *Service) kickProcessor() {
	select {
	case s.videoKick <- struct{}{}:
	default:
	}
}

// RunVideoProcessing processes videos until ctx ends: at once when one is posted on
// this node and every few seconds for those posted on others or left by a crash.
func (s *Service) RunVideoProcessing(ctx context.Context) {
	t := time.NewTicker(3 * time.Second)
	defer t.Stop()
	for {
		if _, err := s.ProcessVideos(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("process videos", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.videoKick:
		}
	}
}

// ProcessVideos processes every video waiting and returns how many it finished
// (published or failed).
func (s *Service) ProcessVideos(ctx context.Context) (int, error) {
	done := 0
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM videos WHERE state = 'processing' AND claimed_until < $1 ORDER BY created_at LIMIT 20`,
			db.Micros(s.now()))
		if err != nil {
			return done, err
		}
		var ids []id.ID
		for rows.Next() {
			var v id.ID
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return done, err
			}
			ids = append(ids, v)
		}
		if err := rows.Close(); err != nil {
			return done, err
		}
		if len(ids) == 0 {
			return done, nil
		}
		claimed := 0
		for _, vid := range ids {
			ok, err := s.processVideo(ctx, vid)
			if err != nil {
				return done, err
			}
			if ok {
				claimed++
				done++
			}
		}
		if claimed == 0 { // every one was taken by another node meanwhile
			return done, nil
		}
	}
}

// processVideo claims one video and takes it to published or failed. It reports
// false when another node holds the claim.
func (s *Service) processVideo(ctx context.Context, videoID id.ID) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE videos SET claimed_until = $1, attempts = attempts + 1 WHERE id = $2 AND state = 'processing' AND claimed_until < $3`,
		db.Micros(now.Add(videoProcessLease)), videoID, db.Micros(now))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	v, err := s.Video(ctx, videoID)
	if err != nil {
		return false, err
	}
	var attempts int
	if err := s.db.QueryRowContext(ctx, `SELECT attempts FROM videos WHERE id = $1`, videoID).Scan(&attempts); err != nil {
		return false, err
	}
	var probe videoProbe
	var reason string
	switch v.Source {
	case SourceUpload:
		probe, reason, err = s.probeUpload(ctx, v)
	case SourceURL:
		reason, err = s.probeURL(ctx, v.sourceURL)
	}
	if err != nil { // our fault (storage, ffmpeg crashed): retry on a later pass, a few times
		s.log.Warn("video processing failed; will retry", "video", v.ID, "attempt", attempts, "err", err)
		if attempts < maxProcessAttempts {
			_, uerr := s.db.ExecContext(ctx, `UPDATE videos SET claimed_until = $1 WHERE id = $2`, db.Micros(s.now().Add(time.Duration(attempts)*5*time.Second)), v.ID)
			return true, uerr
		}
		reason = "processing failed repeatedly; post the video again"
	}
	if reason != "" {
		_, err := s.db.ExecContext(ctx, `UPDATE videos SET state = 'failed', state_reason = $1 WHERE id = $2 AND state = 'processing'`, reason, v.ID)
		return true, err
	}
	at := s.now().UTC()
	return true, s.db.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE videos SET state = 'published', published_at = $1, duration_ms = $2, width = $3, height = $4, poster_key = $5
			WHERE id = $6 AND state = 'processing'`, db.Micros(at), probe.DurationMS, probe.Width, probe.Height, probe.PosterKey, v.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // removed while processing
		}
		products := make([]id.ID, 0, len(v.Anchors))
		for _, a := range v.Anchors {
			products = append(products, a.ProductID)
		}
		return s.outbox.Add(ctx, tx, outbox.Aggregate("video", v.ID), events.VideoPublished{VideoID: v.ID, Market: v.Market,
			CreatorID: v.CreatorID, ShopID: v.ShopID, ProductIDs: products, At: at})
	})
}

// videoProbe is what processing learnt of a file.
type videoProbe struct {
	DurationMS    int64
	Width, Height int
	PosterKey     string
}

// probeUpload checks an uploaded file with ffprobe and cuts a poster with ffmpeg,
// when they are installed. A non-empty reason means the file is refused; an error
// means processing could not run.
func (s *Service) probeUpload(ctx context.Context, v Video) (videoProbe, string, error) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		return videoProbe{}, "", nil // sniffed at upload; that is all we can check here
	}
	rc, err := s.VideoFiles.Open(ctx, v.storeKey)
	if err != nil {
		return videoProbe{}, "", fmt.Errorf("open upload: %w", err)
	}
	defer rc.Close()
	// ffprobe needs a seekable file (an MP4's index may sit at its end). A local
	// blob store hands us one; an object store's stream is copied to a temporary file.
	path := ""
	if f, ok := rc.(*os.File); ok {
		path = f.Name()
	} else {
		tmp, err := os.CreateTemp("", "liveshop-video-*")
		if err != nil {
			return videoProbe{}, "", err
		}
		defer os.Remove(tmp.Name())
		_, err = io.Copy(tmp, rc)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return videoProbe{}, "", err
		}
		path = tmp.Name()
	}
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(pctx, ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && pctx.Err() == nil {
			return videoProbe{}, "not a playable video: " + firstLine(stderr.String()), nil
		}
		return videoProbe{}, "", fmt.Errorf("ffprobe: %w", err)
	}
	var info struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			CodecType string `json:"codec_type"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return videoProbe{}, "", fmt.Errorf("ffprobe output: %w", err)
	}
	var p videoProbe
	for _, st := range info.Streams {
		if st.CodecType == "video" {
			p.Width, p.Height = st.Width, st.Height
			break
		}
	}
	if p.Width == 0 {
		return videoProbe{}, "the file has no video track", nil
	}
	if secs, err := strconv.ParseFloat(info.Format.Duration, 64); err == nil {
		p.DurationMS = int64(secs * 1000)
	}
	if p.DurationMS <= 0 {
		return videoProbe{}, "the video's length could not be read", nil
	}
	if poster := s.cutPoster(pctx, path, p.DurationMS); len(poster) > 0 {
		key := fmt.Sprintf("videos/%s/poster.jpg", v.ID)
		if _, err := s.VideoFiles.Put(ctx, key, bytes.NewReader(poster)); err != nil {
			return videoProbe{}, "", fmt.Errorf("store poster: %w", err)
		}
		p.PosterKey = key
	}
	return p, "", nil
}

// cutPoster grabs one frame, a second in (or halfway through a shorter video), as a
// JPEG 360 pixels wide. A failure only means no poster.
func (s *Service) cutPoster(ctx context.Context, path string, durationMS int64) []byte {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil
	}
	at := min(1000, durationMS/2)
	out, err := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-ss", fmt.Sprintf("%.3f", float64(at)/1000), "-i", path,
		"-frames:v", "1", "-vf", "scale=360:-2", "-f", "image2", "-c:v", "mjpeg", "pipe:1").Output()
	if err != nil {
		s.log.Warn("cut video poster", "err", err)
		return nil
	}
	return out
}

// probeURL asks a URL for its first bytes and checks they are a video (or an HLS
// playlist). The reason says what the author should fix.
func (s *Service) probeURL(ctx context.Context, raw string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return "the URL is not valid", nil
	}
	req.Header.Set("Range", "bytes=0-511")
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return "the URL did not answer: " + firstLine(err.Error()), nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return fmt.Sprintf("the URL answered %s", resp.Status), nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	ct := strings.ToLower(strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0]))
	switch {
	case strings.HasPrefix(ct, "video/"), ct == "application/vnd.apple.mpegurl", ct == "application/x-mpegurl":
		return "", nil
	case bytes.HasPrefix(head, []byte("#EXTM3U")):
		return "", nil
	}
	if _, ok := videoTypes[http.DetectContentType(head)]; ok {
		return "", nil
	}
	return fmt.Sprintf("the URL is not a video (it answered %s)", ct), nil
}

func (s *Service) httpClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return http.DefaultClient
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
