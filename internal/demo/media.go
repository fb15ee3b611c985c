package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/content"
)

// The demo's rooms show video when the machine has the tools: nginx with the RTMP
// module as the media server and ffmpeg as the hosts' "cameras", each pushing a test
// pattern with the room's stream key, exactly as a host's OBS would (docs/VIDEO.md).
// Without them the rooms show their poster and say why in the terminal.

const rtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

// Media is the demo's media server.
type Media struct {
	RTMPURL, HLSURL string
	dir             string
	nginx           *exec.Cmd
	log             *slog.Logger
}

// StartMedia starts nginx with the RTMP module on free loopback ports, its hooks
// pointing at liveshop on addr, or says why it cannot (nil, reason).
func StartMedia(ctx context.Context, dataDir, addr string, log *slog.Logger) (*Media, string) {
	if _, err := exec.LookPath("nginx"); err != nil {
		return nil, "nginx is not installed (apt-get install nginx libnginx-mod-rtmp ffmpeg)"
	}
	if _, err := os.Stat(rtmpModule); err != nil {
		return nil, "nginx's RTMP module is not installed (apt-get install libnginx-mod-rtmp)"
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, "ffmpeg is not installed (apt-get install ffmpeg)"
	}
	dir, err := filepath.Abs(filepath.Join(dataDir, "media"))
	if err != nil {
		return nil, err.Error()
	}
	for _, d := range []string{"hls", "logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err.Error()
		}
	}
	rtmpPort, httpPort := freePort(), freePort()
	if rtmpPort == 0 || httpPort == 0 {
		return nil, "no free port for the media server"
	}
	_, port, _ := net.SplitHostPort(addr)
	hooks := "http://127.0.0.1:" + port + "/api/v1/live/rtmp"
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers stay the user who owns the data directory
	}
	conf := fmt.Sprintf(`load_module %s;
%s
daemon off;
pid %s/nginx.pid;
error_log %s/logs/error.log warn;
events { worker_connections 512; }
rtmp {
  server {
    listen 127.0.0.1:%d;
    application live {
      live on;
      record off;
      hls on;
      hls_path %s/hls;
      hls_fragment 2s;
      hls_playlist_length 10s;
      on_publish %s/on_publish;
      on_publish_done %s/on_publish_done;
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
`, rtmpModule, user, dir, dir, rtmpPort, dir, hooks, hooks, dir, httpPort, dir)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err.Error()
	}
	cmd := exec.CommandContext(ctx, "nginx", "-p", dir, "-c", path)
	// SIGTERM lets the master take its workers down; SIGKILL would orphan them.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, "nginx did not start: " + err.Error()
	}
	m := &Media{RTMPURL: fmt.Sprintf("rtmp://127.0.0.1:%d/live", rtmpPort), HLSURL: fmt.Sprintf("http://127.0.0.1:%d/hls", httpPort),
		dir: dir, nginx: cmd, log: log}
	go func() { _ = cmd.Wait() }()
	return m, ""
}

// Cameras pushes a test pattern into up to n of the demo hosts' live rooms, for as
// long as ctx lasts, restarting a camera that stops.
func (m *Media) Cameras(ctx context.Context, a *app.App, n int) {
	sessions, err := a.Content.List(ctx, content.Listing{Status: content.Live, Limit: 20})
	if err != nil {
		m.log.Warn("demo video: list lives", "err", err)
		return
	}
	started := 0
	for _, sess := range sessions {
		if started == n {
			break
		}
		host, err := a.Identity.Account(ctx, sess.HostAccountID)
		if err != nil || !strings.HasSuffix(host.Email, "@liveshop.demo") {
			continue // a person's own live: they bring their own camera
		}
		info, err := a.Hub.StreamKey(ctx, host.Actor(), sess.ID, true)
		if err != nil {
			m.log.Warn("demo video: stream key", "live", sess.ID, "err", err)
			continue
		}
		started++
		go m.camera(ctx, info.IngestURL+"/"+info.StreamKey, sess.Title)
	}
}

// camera runs ffmpeg with a small, cheap test pattern until ctx ends.
func (m *Media) camera(ctx context.Context, target, title string) {
	for ctx.Err() == nil {
		cmd := exec.CommandContext(ctx, "ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=15",
			"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-f", "flv", target)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Run(); err != nil && ctx.Err() == nil {
			m.log.Warn("demo video: camera stopped; restarting", "live", title, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// EnsurePlayer fetches hls.js into vendorDir with scripts/fetch-player.sh (npm) unless
// it is there already; the demo runs from a checkout, where the script lives.
func EnsurePlayer(ctx context.Context, vendorDir string) error {
	if _, err := os.Stat(filepath.Join(vendorDir, "hls.min.js")); err == nil {
		return nil
	}
	script := filepath.Join("scripts", "fetch-player.sh")
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("%s not found (run the demo from the repository)", script)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "bash", script, vendorDir).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
