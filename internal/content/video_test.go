package content_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/blob"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// testMP4 returns a playable two-second MP4 made by ffmpeg, or, without ffmpeg, the
// first bytes of one (enough to pass the upload's type check, which is all that
// runs where ffprobe is missing too).
func testMP4(t *testing.T) (data []byte, real bool) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 600)...), false
	}
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x568:rate=10",
		"-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

func videoFixture(t *testing.T, d *db.DB) (fixture, string) {
	f := setup(t, d)
	dir := t.TempDir()
	f.content.VideoFiles = blob.Dir{Root: dir}
	return f, dir
}

func countRows(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVideoLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, dir := videoFixture(t, d)
		ctx := context.Background()
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Live.BannedWords = []string{"scam"} })
		clip, real := testMP4(t)

		v, err := f.content.PostVideo(ctx, f.host, content.VideoInput{Caption: "  My glow routine  ", ProductIDs: []id.ID{f.products[0].ID, f.products[1].ID}}, bytes.NewReader(clip))
		if err != nil {
			t.Fatal(err)
		}
		if v.State != content.VideoProcessing || v.Caption != "My glow routine" || v.CreatorID == 0 || v.Bytes != int64(len(clip)) || v.ContentType != "video/mp4" {
			t.Fatalf("posted %+v", v)
		}
		if !strings.HasPrefix(v.URL, "/media/videos/") {
			t.Fatalf("url %q", v.URL)
		}
		if feed, _ := f.content.Videos(ctx, content.VideoFeed{Market: "US"}); len(feed) != 0 {
			t.Fatal("a processing video is in the feed")
		}
		if _, err := f.content.VisibleVideo(ctx, f.Actor(t, "stranger"), v.ID); !errors.Is(err, content.ErrVideoNotFound) {
			t.Fatalf("a stranger sees a processing video: %v", err)
		}
		if n, err := f.content.ProcessVideos(ctx); err != nil || n != 1 {
			t.Fatalf("processed %d: %v", n, err)
		}
		v, _ = f.content.Video(ctx, v.ID)
		if v.State != content.VideoPublished || v.PublishedAt.IsZero() {
			t.Fatalf("after processing %+v", v)
		}
		if real && (v.DurationMS < 1500 || v.Width != 320 || v.Height != 568 || v.PosterURL == "") {
			t.Fatalf("ffprobe found %dms %dx%d poster %q", v.DurationMS, v.Width, v.Height, v.PosterURL)
		}
		feed, err := f.content.Videos(ctx, content.VideoFeed{Market: "US"})
		if err != nil || len(feed) != 1 || len(feed[0].Anchors) != 2 || feed[0].Anchors[0].ProductID != f.products[0].ID {
			t.Fatalf("feed %+v %v", feed, err)
		}
		if byProduct, _ := f.content.Videos(ctx, content.VideoFeed{ProductID: f.products[1].ID}); len(byProduct) != 1 {
			t.Fatal("the video is not listed under its product")
		}
		if other, _ := f.content.Videos(ctx, content.VideoFeed{Market: "GB"}); len(other) != 0 {
			t.Fatal("another market's feed shows the video")
		}

		// Counters.
		viewer, other := f.Actor(t, "viewer"), f.Actor(t, "other")
		for i := 0; i < 2; i++ {
			if err := f.content.RecordView(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.content.RecordWatch(ctx, v.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := f.content.RecordWatch(ctx, v.ID, -time.Second); errs.As(err) == nil || errs.As(err).Field != "watched_ms" {
			t.Fatalf("negative watch: %v", err)
		}
		if _, err := f.content.RecordShare(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.content.RecordProductClick(ctx, v.ID, f.products[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.content.RecordProductClick(ctx, v.ID, f.products[2].ID); !errors.Is(err, content.ErrAnchorNotFound) {
			t.Fatalf("click on a product the video does not link: %v", err)
		}
		for _, a := range []auth.Actor{viewer, viewer, other} {
			if _, err := f.content.Like(ctx, a, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := f.content.Unlike(ctx, other, v.ID); err != nil || n != 1 {
			t.Fatalf("after unlike %d %v", n, err)
		}
		if _, err := f.content.Like(ctx, auth.Actor{}, v.ID); errs.KindOf(err) != errs.Unauthenticated {
			t.Fatalf("anonymous like: %v", err)
		}
		liked, _ := f.content.LikedVideos(ctx, viewer, []id.ID{v.ID})
		if !liked[v.ID] {
			t.Fatal("the viewer's like is not remembered")
		}

		// Comments: a banned word is held for the author, the rest are visible.
		c1, err := f.content.PostComment(ctx, viewer, v.ID, "Love this shade")
		if err != nil || c1.State != content.CommentVisible {
			t.Fatalf("comment %+v %v", c1, err)
		}
		held, err := f.content.PostComment(ctx, other, v.ID, "total SCAM lol")
		if err != nil || held.State != content.CommentHeld {
			t.Fatalf("banned word %+v %v", held, err)
		}
		seen := func(a auth.Actor) string {
			cs, err := f.content.Comments(ctx, a, v.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, c.Body)
			}
			return strings.Join(out, "|")
		}
		if got := seen(viewer); got != "Love this shade" {
			t.Fatalf("a viewer sees %q", got)
		}
		if got := seen(other); got != "total SCAM lol|Love this shade" {
			t.Fatalf("the writer of a held comment sees %q", got)
		}
		if got := seen(f.host); got != "total SCAM lol|Love this shade" {
			t.Fatalf("the author sees %q", got)
		}
		if _, err := f.content.ModerateComment(ctx, viewer, held.ID, content.ApproveComment); !errors.Is(err, content.ErrNotVideoAuthor) {
			t.Fatalf("a viewer approves: %v", err)
		}
		if _, err := f.content.ModerateComment(ctx, f.host, held.ID, content.ApproveComment); err != nil {
			t.Fatal(err)
		}
		if _, err := f.content.ModerateComment(ctx, f.host, c1.ID, content.HideComment); err != nil {
			t.Fatal(err)
		}
		if _, err := f.content.ModerateComment(ctx, f.host, held.ID, content.DeleteComment); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("the author deletes someone's comment: %v", err)
		}
		if got := seen(viewer); got != "total SCAM lol" {
			t.Fatalf("after moderation a viewer sees %q", got)
		}
		// A flood from one account is refused before it is stored.
		for i := 0; i < content.CommentsPerMinute-1; i++ {
			if _, err := f.content.PostComment(ctx, viewer, v.ID, fmt.Sprint("again ", i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.content.PostComment(ctx, viewer, v.ID, "one too many"); !errors.Is(err, content.ErrCommentFlood) {
			t.Fatalf("flood: %v", err)
		}
		if _, err := f.content.PostComment(ctx, viewer, v.ID, strings.Repeat("x", content.MaxCommentRunes+1)); errs.As(err) == nil || errs.As(err).Field != "body" {
			t.Fatalf("long comment: %v", err)
		}

		v, _ = f.content.Video(ctx, v.ID)
		want := content.Counters{Views: 2, Likes: 1, Comments: 1 + content.CommentsPerMinute - 1, Shares: 1, ProductClicks: 1}
		got := v.Counters
		got.WatchMS = 0
		if got != want {
			t.Fatalf("counters %+v, want %+v", got, want)
		}
		if real && v.Counters.WatchMS != v.DurationMS {
			t.Fatalf("an hour's watch report counted %dms of a %dms video", v.Counters.WatchMS, v.DurationMS)
		}
		if !real && v.Counters.WatchMS != (10*time.Minute).Milliseconds() {
			t.Fatalf("watch of a video of unknown length counted %dms", v.Counters.WatchMS)
		}
		if v.Anchors[1].Clicks != 1 {
			t.Fatalf("anchor clicks %+v", v.Anchors)
		}

		// Removal: not by a stranger, by an operator only with a reason, by the author at will.
		if _, err := f.content.RemoveVideo(ctx, viewer, v.ID, ""); !errors.Is(err, content.ErrNotVideoAuthor) {
			t.Fatalf("a viewer removes: %v", err)
		}
		if _, err := f.content.RemoveVideo(ctx, f.Operator(t), v.ID, " "); errs.As(err) == nil || errs.As(err).Field != "reason" {
			t.Fatalf("an operator without a reason: %v", err)
		}
		if _, err := f.content.RemoveVideo(ctx, f.host, v.ID, ""); err != nil {
			t.Fatal(err)
		}
		if feed, _ := f.content.Videos(ctx, content.VideoFeed{Market: "US"}); len(feed) != 0 {
			t.Fatal("a removed video is in the feed")
		}
		if err := f.content.RecordView(ctx, v.ID); !errors.Is(err, content.ErrVideoNotFound) {
			t.Fatalf("a view of a removed video: %v", err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "videos", v.ID.String(), "*"))
		if len(files) != 0 {
			t.Fatalf("a removed video's files remain: %v", files)
		}
		var topics []string
		rows, _ := d.QueryContext(ctx, `SELECT topic FROM outbox WHERE topic LIKE 'video.%' ORDER BY id`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			topics = append(topics, s)
		}
		rows.Close()
		if fmt.Sprint(topics) != "[video.published video.removed]" {
			t.Fatalf("events %v", topics)
		}
	})
}

func TestPostVideoRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, dir := videoFixture(t, d)
		ctx := context.Background()
		clip, _ := testMP4(t)
		p0, p1, p2 := f.products[0].ID, f.products[1].ID, f.products[2].ID
		rival := f.Actor(t, "rival", auth.Seller)
		tests := []struct {
			name      string
			actor     auth.Actor
			in        content.VideoInput
			file      []byte
			wantCode  string
			wantField string
		}{
			{"neither file nor url", f.host, content.VideoInput{ProductIDs: []id.ID{p0}}, nil, "invalid_field", "file"},
			{"both file and url", f.host, content.VideoInput{ProductIDs: []id.ID{p0}, URL: "https://cdn.example/v.mp4"}, clip, "invalid_field", "url"},
			{"not http", f.host, content.VideoInput{ProductIDs: []id.ID{p0}, URL: "ftp://cdn.example/v.mp4"}, nil, "invalid_field", "url"},
			{"caption too long", f.host, content.VideoInput{Caption: strings.Repeat("a", 301), ProductIDs: []id.ID{p0}}, clip, "invalid_field", "caption"},
			{"no anchors", f.host, content.VideoInput{}, clip, "invalid_field", "product_ids"},
			{"too many anchors", f.host, content.VideoInput{ProductIDs: []id.ID{p0, p1, p2, 4, 5, 6, 7}}, clip, "invalid_field", "product_ids"},
			{"same product twice", f.host, content.VideoInput{ProductIDs: []id.ID{p0, p0}}, clip, "invalid_field", "product_ids[1]"},
			{"not in showcase", f.host, content.VideoInput{ProductIDs: []id.ID{p2}}, clip, "not_in_showcase", "product_ids[0]"},
			{"unknown product", f.host, content.VideoInput{ProductIDs: []id.ID{99}}, clip, "product_not_found", "product_ids[0]"},
			{"another seller's shop", rival, content.VideoInput{ShopID: f.shop.ID, ProductIDs: []id.ID{p0}}, clip, "not_your_shop", "shop_id"},
			{"not a video", f.host, content.VideoInput{ProductIDs: []id.ID{p0}}, []byte("<html><body>hi</body></html>"), "invalid_field", "file"},
			{"empty file", f.host, content.VideoInput{ProductIDs: []id.ID{p0}}, []byte{}, "invalid_field", "file"},
			{"anonymous", auth.Actor{}, content.VideoInput{ProductIDs: []id.ID{p0}}, clip, "unauthenticated", ""},
		}
		for _, tt := range tests {
			var body *bytes.Reader
			if tt.file != nil {
				body = bytes.NewReader(tt.file)
			}
			var err error
			if body != nil {
				_, err = f.content.PostVideo(ctx, tt.actor, tt.in, body)
			} else {
				_, err = f.content.PostVideo(ctx, tt.actor, tt.in, nil)
			}
			e := errs.As(err)
			if e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("%s: %v, want %s on %q", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		if n := countRows(t, d, "videos"); n != 0 {
			t.Fatalf("refused posts left %d videos", n)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "videos", "*", "*")); len(files) != 0 {
			t.Fatalf("refused posts left files %v", files)
		}
		// A shop posts its own products without a creator profile.
		v, err := f.content.PostVideo(ctx, f.owner, content.VideoInput{ShopID: f.shop.ID, ProductIDs: []id.ID{p2}}, bytes.NewReader(clip))
		if err != nil || v.ShopID != f.shop.ID || v.CreatorID != 0 {
			t.Fatalf("shop video %+v %v", v, err)
		}
	})
}

// A pilot creator (below the market's follower ceiling) posts at most the policy's
// number of videos in any seven days.
func TestVideoPilotAllowance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, _ := videoFixture(t, d)
		ctx := context.Background()
		f.SetPolicy(t, "US", func(p *market.Policy) { p.Creators.PilotVideosPerWeek = 2 })
		in := content.VideoInput{ProductIDs: []id.ID{f.products[0].ID}, URL: "https://cdn.example/v.mp4"}
		for i := 0; i < 2; i++ {
			if _, err := f.content.PostVideo(ctx, f.host, in, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.content.PostVideo(ctx, f.host, in, nil); errs.As(err) == nil || errs.As(err).Code != "pilot_limit_reached" {
			t.Fatalf("third video in a week: %v", err)
		}
		if n := countRows(t, d, "videos"); n != 2 {
			t.Fatalf("%d videos stored", n)
		}
	})
}

// A URL video is published once the address answers with a video, and fails, with
// the reason for its author, when it does not.
func TestURLVideoProcessing(t *testing.T) {
	clip, _ := testMP4(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.mp4":
			http.ServeContent(w, r, "ok.mp4", time.Time{}, bytes.NewReader(clip))
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html></html>"))
		case "/live.m3u8":
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			w.Write([]byte("#EXTM3U\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, _ := videoFixture(t, d)
		ctx := context.Background()
		post := func(path string) id.ID {
			v, err := f.content.PostVideo(ctx, f.owner, content.VideoInput{ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[2].ID}, URL: srv.URL + path}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return v.ID
		}
		cases := map[string]struct {
			state  content.VideoState
			reason string
		}{
			"/ok.mp4":    {content.VideoPublished, ""},
			"/live.m3u8": {content.VideoPublished, ""},
			"/page":      {content.VideoFailed, "the URL is not a video (it answered text/html)"},
			"/gone":      {content.VideoFailed, "the URL answered 404 Not Found"},
		}
		ids := map[string]id.ID{}
		for path := range cases {
			ids[path] = post(path)
		}
		if _, err := f.content.ProcessVideos(ctx); err != nil {
			t.Fatal(err)
		}
		for path, want := range cases {
			v, _ := f.content.Video(ctx, ids[path])
			if v.State != want.state || v.StateReason != want.reason {
				t.Errorf("%s: %s %q, want %s %q", path, v.State, v.StateReason, want.state, want.reason)
			}
			if v.URL != srv.URL+path {
				t.Errorf("%s: plays from %q", path, v.URL)
			}
		}
	})
}

// A video claimed by another node (or by this one before a crash) is left alone
// until the claim lapses, then processed.
func TestVideoProcessingClaim(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, _ := videoFixture(t, d)
		ctx := context.Background()
		clip, _ := testMP4(t)
		v, err := f.content.PostVideo(ctx, f.owner, content.VideoInput{ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[2].ID}}, bytes.NewReader(clip))
		if err != nil {
			t.Fatal(err)
		}
		future := db.Micros(time.Now().Add(time.Minute))
		if _, err := d.ExecContext(ctx, `UPDATE videos SET claimed_until = $1 WHERE id = $2`, future, v.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.content.ProcessVideos(ctx); n != 0 {
			t.Fatal("processed a video another node holds")
		}
		if _, err := d.ExecContext(ctx, `UPDATE videos SET claimed_until = $1 WHERE id = $2`, db.Micros(time.Now().Add(-time.Second)), v.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.content.ProcessVideos(ctx); n != 1 {
			t.Fatal("a lapsed claim was not taken over")
		}
		if got, _ := f.content.Video(ctx, v.ID); got.State != content.VideoPublished {
			t.Fatalf("state %s", got.State)
		}
	})
}

// With ffprobe installed, a file that only looks like an MP4 fails with a reason.
func TestBrokenUploadFails(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (apt-get install ffmpeg)")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f, _ := videoFixture(t, d)
		ctx := context.Background()
		fake := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 600)...)
		v, err := f.content.PostVideo(ctx, f.owner, content.VideoInput{ShopID: f.shop.ID, ProductIDs: []id.ID{f.products[2].ID}}, bytes.NewReader(fake))
		if err != nil {
			t.Fatal(err)
		}
		f.content.ProcessVideos(ctx)
		got, _ := f.content.Video(ctx, v.ID)
		if got.State != content.VideoFailed || !strings.HasPrefix(got.StateReason, "not a playable video") {
			t.Fatalf("%s %q", got.State, got.StateReason)
		}
	})
}
