package app_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/testkit"
)

// With the database gone, /healthz says so with a 503, naming the part that failed.
func TestHealthReportsADeadDatabase(t *testing.T) {
	a, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), TimerInterval: time.Hour}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthy node: %d %s", rec.Code, rec.Body)
	}
	a.Close()
	rec = httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	var h struct {
		Status   string
		Database struct{ Status, Error string }
	}
	json.Unmarshal(rec.Body.Bytes(), &h)
	if rec.Code != 503 || h.Status != "unavailable" || h.Database.Status != "down" || h.Database.Error == "" {
		t.Fatalf("dead database: %d %s", rec.Code, rec.Body)
	}
}

// Cancelling the context (SIGINT/SIGTERM in main) stops the node gracefully: live
// viewers are told, in-flight requests finish, Serve returns nil promptly.
func TestGracefulShutdown(t *testing.T) {
	a, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), TimerInterval: time.Hour, ShutdownTimeout: 5 * time.Second}, testkit.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s := &server{App: a}
	w := seedLive(t, s)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/api/v1/live/sessions/"+w.session.String()+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, _, err := conn.ReadMessage(); err != nil { // hello
		t.Fatal(err)
	}
	cancel()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var closeErr error
	for closeErr == nil {
		_, _, closeErr = conn.ReadMessage()
	}
	if ce, ok := closeErr.(*websocket.CloseError); !ok || ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, "shutting down") {
		t.Fatalf("viewer saw %v, want a close saying the server is shutting down", closeErr)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}
