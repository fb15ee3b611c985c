package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/content"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
	"github.com/liveshop/liveshop/internal/seller"
)

type fanoutOpts struct {
	viewers, chatPerSec, likesPerSec int
	seconds                          int
	// The load generator runs in a child process (the same binary), so the server's
	// memory per connection is the server's alone.
	clientURL, clientTokens string
}

var fanoutScenario = Scenario{
	Name: "fanout",
	Summary: "one live room, N WebSocket viewers on loopback (in a separate load-generator process), chat and likes pouring in: " +
		"frames delivered per second, publish-to-receive latency, server memory per connection, viewers dropped",
	Flags: func(fs *flag.FlagSet) any {
		o := &fanoutOpts{}
		fs.IntVar(&o.viewers, "viewers", 10000, "WebSocket viewers in the room")
		fs.IntVar(&o.chatPerSec, "chat", 500, "chat messages sent into the room per second")
		fs.IntVar(&o.likesPerSec, "likes", 5000, "likes sent into the room per second")
		fs.IntVar(&o.seconds, "seconds", 10, "length of the measured window")
		fs.StringVar(&o.clientURL, "load-generator-for", "", "internal: run as the load generator against this room URL")
		fs.StringVar(&o.clientTokens, "load-generator-tokens", "", "internal: file of bearer tokens for the load generator's senders")
		return o
	},
	Run: runFanout,
}

// fanoutReport is what the load generator reports on its stdout.
type fanoutReport struct {
	Connected  int     `json:"connected"`
	Frames     int64   `json:"frames"`
	Seconds    float64 `json:"seconds"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	Samples    int     `json:"samples"`
	Dropped    int64   `json:"dropped"`
	ChatSent   int64   `json:"chat_sent"`
	LikesSent  int64   `json:"likes_sent"`
	ConnectErr string  `json:"connect_error,omitempty"`
}

func runFanout(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*fanoutOpts)
	if o.clientURL != "" {
		return loadGenerator(ctx, o, out)
	}
	if o.viewers < 1 || o.seconds < 1 || o.chatPerSec < 0 || o.likesPerSec < 0 {
		return errors.New("--viewers and --seconds must be at least 1; --chat and --likes not negative")
	}
	raiseFileLimit()
	cfg, cleanup, err := freshConfig(ctx, "")
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer a.Close()
	senders := o.chatPerSec*6/5 + o.likesPerSec/50 + 1 // each chats at most once a second; likes go 50 a message
	sessionID, tokens, err := fanoutWorld(ctx, a, min(senders, o.viewers))
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	tokFile, err := os.CreateTemp("", "liveshop-fanout-*")
	if err != nil {
		return err
	}
	defer os.Remove(tokFile.Name())
	fmt.Fprintln(tokFile, strings.Join(tokens, "\n"))
	tokFile.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()

	heap0, stack0 := serverMemory()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	url := "ws://" + ln.Addr().String() + "/api/v1/live/sessions/" + sessionID.String() + "/ws"
	cmd := exec.CommandContext(ctx, exe, "bench", "fanout", "--load-generator-for", url, "--load-generator-tokens", tokFile.Name(),
		"--viewers", strconv.Itoa(o.viewers), "--chat", strconv.Itoa(o.chatPerSec), "--likes", strconv.Itoa(o.likesPerSec), "--seconds", strconv.Itoa(o.seconds))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// The generator says "connected N" once every viewer is in, then measures; the
	// server's memory is read at that moment, with every connection open and idle.
	var rep fanoutReport
	var perConn float64
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "connected "):
			n, _ := strconv.Atoi(strings.TrimPrefix(line, "connected "))
			heap1, stack1 := serverMemory()
			grown := float64(heap1+stack1) - float64(heap0+stack0)
			if n > 0 {
				perConn = grown / float64(n)
			}
			fmt.Fprintf(out, "  %d viewers connected; server memory %.1f MiB more: %.1f KB per connection (heap %.1f KB, goroutine stacks %.1f KB); measuring %d s\n",
				n, grown/(1<<20), perConn/1000, (float64(heap1)-float64(heap0))/float64(max(n, 1))/1000, (float64(stack1)-float64(stack0))/float64(max(n, 1))/1000, o.seconds)
		case strings.HasPrefix(line, "{"):
			if err := json.Unmarshal([]byte(line), &rep); err != nil {
				return fmt.Errorf("load generator report: %w", err)
			}
		default:
			fmt.Fprintln(out, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("load generator: %w", err)
	}
	// Both processes share the machine: say who used the CPU.
	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	cpu := func(r *syscall.Rusage) float64 {
		return float64(r.Utime.Sec+r.Stime.Sec) + float64(r.Utime.Usec+r.Stime.Usec)/1e6
	}
	if child, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		fmt.Fprintf(out, "  CPU used: server process %.1f s, load generator %.1f s (the whole run, set-up included)\n", cpu(&self), cpu(child))
	}
	if rep.ConnectErr != "" {
		return fmt.Errorf("load generator: %s", rep.ConnectErr)
	}
	perSec := float64(rep.Frames) / rep.Seconds
	fmt.Fprintf(out, "  %d frames in %.1f s: %.0f frames/s delivered; chat publish-to-receive p50 %.1f ms, p99 %.1f ms (%d samples); %d viewers dropped; sent %d chat, %d likes\n",
		rep.Frames, rep.Seconds, perSec, rep.P50, rep.P99, rep.Samples, rep.Dropped, rep.ChatSent, rep.LikesSent)
	result(out, "fanout", "viewers", rep.Connected, "deliveries_per_s", fmt.Sprintf("%.0f", perSec), "p50_ms", fmt.Sprintf("%.1f", rep.P50),
		"p99_ms", fmt.Sprintf("%.1f", rep.P99), "bytes_per_conn", fmt.Sprintf("%.0f", perConn), "dropped", rep.Dropped,
		"chat_per_s", o.chatPerSec, "likes_per_s", o.likesPerSec)
	return nil
}

// serverMemory is the live heap and goroutine stacks after a collection: what the
// connections hold, without garbage.
func serverMemory() (heap, stacks uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}

func raiseFileLimit() {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && r.Cur < r.Max {
		r.Cur = r.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
}

// fanoutWorld is a shop's self-broadcast live on air and senders with bearer tokens.
func fanoutWorld(ctx context.Context, a *app.App, senders int) (id.ID, []string, error) {
	ownerAcct, err := a.Identity.Provision(ctx, "owner@fanout.test", "Fanout Seller", "", auth.Seller)
	if err != nil {
		return 0, nil, err
	}
	owner := ownerAcct.Actor()
	shop, err := a.Sellers.Register(ctx, owner, seller.RegisterInput{Market: "US", Name: "Fanout Shop"})
	if err != nil {
		return 0, nil, err
	}
	p, err := a.Catalog.CreateProduct(ctx, owner, shop.ID, catalog.ProductInput{Title: "Fanout gloss",
		SKUs: []catalog.SKUInput{{Price: money.New(1999, "USD"), Stock: 100}}})
	if err != nil {
		return 0, nil, err
	}
	sess, err := a.Content.Schedule(ctx, owner, content.ScheduleInput{Title: "Fanout live", ProductIDs: []id.ID{p.ID}, ShopID: shop.ID})
	if err != nil {
		return 0, nil, err
	}
	if _, err := a.Content.Start(ctx, owner, sess.ID); err != nil {
		return 0, nil, err
	}
	in := make([]identity.ProvisionInput, senders)
	for i := range in {
		in[i] = identity.ProvisionInput{Email: fmt.Sprintf("sender%d@fanout.test", i), DisplayName: fmt.Sprintf("Sender %d", i)}
	}
	accts, err := a.Identity.ProvisionMany(ctx, in)
	if err != nil {
		return 0, nil, err
	}
	tokens := make([]string, len(accts))
	for i, acct := range accts {
		t, err := a.Identity.IssueTokenFor(ctx, acct.ID, "fanout bench")
		if err != nil {
			return 0, nil, err
		}
		tokens[i] = t.Token
	}
	return sess.ID, tokens, nil
}

// loadGenerator is the child process: it opens the viewers (the first ones logged in,
// as senders), reports "connected N", sends chat and likes at the asked rates for the
// window while every viewer reads, and prints its report as one JSON line.
func loadGenerator(ctx context.Context, o *fanoutOpts, out io.Writer) error {
	raiseFileLimit()
	report := func(r fanoutReport) error {
		b, _ := json.Marshal(r)
		_, err := fmt.Fprintln(out, string(b))
		return err
	}
	raw, err := os.ReadFile(o.clientTokens)
	if err != nil {
		return err
	}
	tokens := strings.Fields(string(raw))
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, o.viewers)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	sem := make(chan struct{}, 64)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			h := http.Header{}
			if i < len(tokens) {
				h.Set("Authorization", "Bearer "+tokens[i])
			}
			c, _, err := dialer.DialContext(ctx, o.clientURL, h)
			if err != nil {
				dialErr.CompareAndSwap(nil, err.Error())
				return
			}
			conns[i] = c
		}()
		if (i+1)%(max(o.viewers/10, 1)) == 0 {
			fmt.Fprintf(out, "  dialing %d%% (%d/%d)\n", (i+1)*100/o.viewers, i+1, o.viewers)
		}
	}
	wg.Wait()
	if e := dialErr.Load(); e != nil {
		return report(fanoutReport{ConnectErr: e.(string)})
	}

	var measuring, closing atomic.Bool
	var frames, dropped atomic.Int64
	var latMu sync.Mutex
	var lat latencies
	var readers sync.WaitGroup
	// Each reader counts into its own variables and hands them over when its
	// connection ends, and reads every frame into one reused buffer: the generator
	// shares the server's two cores, and a shared lock or an allocation per frame
	// (170,000 a second) would be measured as the server's latency.
	chatMark := []byte(`"text":"t=`)
	for _, c := range conns {
		readers.Go(func() {
			var n int64
			var mine latencies
			var buf bytes.Buffer
			defer func() {
				frames.Add(n)
				latMu.Lock()
				lat = append(lat, mine...)
				latMu.Unlock()
			}()
			for {
				_, r, err := c.NextReader()
				if err == nil {
					buf.Reset()
					_, err = buf.ReadFrom(r)
				}
				if err != nil {
					if !closing.Load() {
						dropped.Add(1) // the server let this viewer go
					}
					return
				}
				if !measuring.Load() {
					continue
				}
				n++
				// Chat text carries the sender's clock: "t=<unix nanos>".
				data := buf.Bytes()
				if i := bytes.Index(data, chatMark); i >= 0 {
					rest := data[i+len(chatMark):]
					if j := bytes.IndexByte(rest, '"'); j > 0 {
						if ns, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
							mine = append(mine, time.Since(time.Unix(0, ns)))
						}
					}
				}
			}
		})
	}
	fmt.Fprintf(out, "connected %d\n", len(conns))
	time.Sleep(500 * time.Millisecond) // the server reads its memory now

	nChat := min(o.chatPerSec*6/5, len(tokens))
	nLike := min(len(tokens)-nChat, o.likesPerSec/50+1)
	var chatSent, likesSent atomic.Int64
	stop := make(chan struct{})
	var senders sync.WaitGroup
	// Each chatting viewer sends once per interval (the market lets a viewer chat once
	// a second), staggered so the room sees a steady o.chatPerSec.
	if o.chatPerSec > 0 && nChat > 0 {
		interval := time.Duration(float64(time.Second) * float64(nChat) / float64(o.chatPerSec))
		for i := range nChat {
			c := conns[i]
			senders.Go(func() {
				time.Sleep(time.Duration(i) * interval / time.Duration(nChat))
				t := time.NewTicker(interval)
				defer t.Stop()
				for {
					msg := fmt.Sprintf(`{"type":"chat","text":"t=%d"}`, time.Now().UnixNano())
					if c.WriteMessage(websocket.TextMessage, []byte(msg)) == nil {
						chatSent.Add(1)
					}
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			})
		}
	}
	if o.likesPerSec > 0 && nLike > 0 {
		perMsg := min(50, max(1, o.likesPerSec/nLike))
		for i := range nLike {
			c := conns[nChat+i]
			senders.Go(func() {
				t := time.NewTicker(time.Second * time.Duration(perMsg*nLike) / time.Duration(o.likesPerSec))
				defer t.Stop()
				for {
					if c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"type":"like","count":%d}`, perMsg)) == nil {
						likesSent.Add(int64(perMsg))
					}
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			})
		}
	}
	time.Sleep(time.Second) // warm up
	measuring.Store(true)
	start := time.Now()
	time.Sleep(time.Duration(o.seconds) * time.Second)
	measuring.Store(false)
	took := time.Since(start).Seconds()
	close(stop)
	senders.Wait()
	closing.Store(true)
	for _, c := range conns {
		c.Close()
	}
	readers.Wait()
	latMu.Lock()
	defer latMu.Unlock()
	r := fanoutReport{Connected: len(conns), Frames: frames.Load(), Seconds: took, Samples: len(lat), ChatSent: chatSent.Load(), LikesSent: likesSent.Load(),
		Dropped: dropped.Load()}
	r.P50 = float64(lat.pct(0.50)) / float64(time.Millisecond)
	r.P99 = float64(lat.pct(0.99)) / float64(time.Millisecond)
	return report(r)
}
