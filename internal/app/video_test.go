package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

const rtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

// An encoder publishes an ffmpeg test pattern with the host's stream key to nginx with
// the RTMP module; nginx asks liveshop (on_publish), which accepts the key and renames
// the stream to the session; the room tells its viewers, and the room page plays the
// HLS in Chromium. A forged key is refused.
func TestVideoFromRTMPToTheRoomPage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx, ffmpeg and Chromium")
	}
	if _, err := exec.LookPath("nginx"); err != nil {
		dbtest.Missing(t, "video", "nginx is not installed (apt-get install nginx libnginx-mod-rtmp ffmpeg)")
	}
	if _, err := os.Stat(rtmpModule); err != nil {
		dbtest.Missing(t, "video", "nginx's RTMP module is not installed (apt-get install libnginx-mod-rtmp)")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		dbtest.Missing(t, "video", "ffmpeg is not installed (apt-get install ffmpeg)")
	}
	vendor := t.TempDir()
	script, _ := filepath.Abs("../../scripts/fetch-player.sh")
	if out, err := exec.Command("bash", script, vendor).CombinedOutput(); err != nil {
		dbtest.Missing(t, "video", "could not fetch hls.js from npm: "+strings.TrimSpace(string(out)))
	}
	ctx := context.Background()
	dir := t.TempDir()
	rtmpPort, httpPort := freePort(t), freePort(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := app.New(ctx, app.Config{DataDir: t.TempDir(), TimerInterval: time.Hour, ShutdownTimeout: time.Second,
		RTMPURL: fmt.Sprintf("rtmp://127.0.0.1:%d/live", rtmpPort), HLSURL: fmt.Sprintf("http://127.0.0.1:%d/hls", httpPort), VendorDir: vendor}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	t.Cleanup(func() { stop(); <-served; a.Close() })

	// A shop's own live, and its stream key.
	owner, _ := a.Identity.Provision(ctx, "host@video.test", "Host", "", auth.Seller)
	shop, err := a.Sellers.Register(ctx, owner.Actor(), seller.RegisterInput{Market: "US", Name: "Video Shop"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Catalog.CreateProduct(ctx, owner.Actor(), shop.ID, catalog.ProductInput{Title: "On-camera gloss",
		SKUs: []catalog.SKUInput{{Price: money.New(1500, "USD"), Stock: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := a.Content.Schedule(ctx, owner.Actor(), content.ScheduleInput{Title: "On camera", ProductIDs: []id.ID{p.ID}, ShopID: shop.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Content.Start(ctx, owner.Actor(), sess.ID); err != nil {
		t.Fatal(err)
	}
	info, err := a.Hub.StreamKey(ctx, owner.Actor(), sess.ID, true)
	if err != nil || info.StreamKey == "" {
		t.Fatalf("stream key: %+v %v", info, err)
	}

	// A forged key is refused.
	resp, err := http.PostForm(base+"/api/v1/live/rtmp/on_publish", url.Values{"name": {sess.ID.String()}, "key": {"forged"}, "app": {"live"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a forged key: %d", resp.StatusCode)
	}

	conf := filepath.Join(dir, "nginx.conf")
	os.MkdirAll(filepath.Join(dir, "hls"), 0o755)
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	// Started as root, nginx's workers would drop to www-data, which cannot write into
	// the test's private directory: keep them as the user running the test.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`load_module %s;
`+user+`
daemon off;
pid %s/nginx.pid;
error_log %s/logs/error.log info;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:%d;
    application live {
      live on;
      record off;
      hls on;
      hls_path %s/hls;
      hls_fragment 1s;
      hls_playlist_length 6s;
      on_publish %s/api/v1/live/rtmp/on_publish;
      on_publish_done %s/api/v1/live/rtmp/on_publish_done;
    }
  }
}
http {
  access_log off;
  client_body_temp_path %s/tmp;
  server {
    listen 127.0.0.1:%d;
    location /hls {
      types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
      root %s;
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }
  }
}
`, rtmpModule, dir, dir, rtmpPort, dir, base, base, dir, httpPort, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	nginx := exec.Command("nginx", "-p", dir, "-c", conf)
	nginx.Stderr = os.Stderr
	if err := nginx.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM lets the master take its workers down; SIGKILL would orphan them.
	t.Cleanup(func() { _ = nginx.Process.Signal(syscall.SIGTERM); _ = nginx.Wait() })
	waitPort(t, rtmpPort)

	ffmpeg := exec.Command("ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
		"-f", "flv", fmt.Sprintf("rtmp://127.0.0.1:%d/live/%s", rtmpPort, info.StreamKey))
	if err := ffmpeg.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ffmpeg.Process.Kill(); _ = ffmpeg.Wait() })

	// liveshop marks the room's video live and nginx writes HLS under the session's name.
	playlist := filepath.Join(dir, "hls", sess.ID.String()+".m3u8")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		got, _ := a.Hub.StreamKey(ctx, owner.Actor(), sess.ID, false)
		b, _ := os.ReadFile(playlist)
		if got.VideoStatus == "live" && strings.Count(string(b), ".ts") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			errs, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
			files, _ := filepath.Glob(filepath.Join(dir, "hls", "*"))
			t.Fatalf("no live HLS: status %q, playlist %q, files %v; nginx says:\n%s", got.VideoStatus, b, files, errs)
		}
	}
	secret := strings.SplitN(info.StreamKey, "key=", 2)[1]
	if files, _ := filepath.Glob(filepath.Join(dir, "hls", "*"+secret+"*")); len(files) > 0 {
		t.Fatalf("the HLS files carry the secret key: %v", files)
	}

	// The room page plays it in Chromium.
	bctx := browser(t)
	var playing bool
	err = chromedp.Do(bctx, chromedp.Navigate(base+"/live/"+sess.ID.String()), chromedp.WaitVisible(chromedp.ID("video")))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !playing; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => { const v = document.getElementById('video'); return JSON.stringify({t: v.currentTime, rs: v.readyState, err: v.error && v.error.message, src: v.currentSrc, hls: !!window.Hls}); })()`))
			t.Fatalf("the room's video never played: %s", state)
		}
		if playing, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`document.getElementById('video').currentTime > 0.5`)); err != nil {
			t.Fatal(err)
		}
	}

	// The encoder stops: the room's video goes offline.
	_ = ffmpeg.Process.Kill()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if got, _ := a.Hub.StreamKey(ctx, owner.Actor(), sess.ID, false); got.VideoStatus == "offline" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the video never went offline after the encoder stopped")
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %d", port)
}
