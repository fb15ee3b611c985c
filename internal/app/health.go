package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/liveshop/liveshop/internal/platform/httpx"
)

// Version is set at build time with -ldflags "-X github.com/liveshop/liveshop/internal/app.Version=v1.2.3".
var Version = "dev"

type component struct {
	Status string `json:"status"`
	Kind   string `json:"kind,omitempty"`
	Error  string `json:"error,omitempty"`
}

type health struct {
	Status   string    `json:"status"`
	Version  string    `json:"version"`
	Database component `json:"database"`
	Bus      component `json:"bus"`
	Outbox   struct {
		Pending int64 `json:"pending"`
		Dead    int64 `json:"dead"`
	} `json:"outbox"`
}

// handleHealth reports whether this node can serve: 200 when the database and the bus
// answer, 503 with the failing part named otherwise. Load balancers poll it.
func (a *App) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	h := health{Status: "ok", Version: Version,
		Database: component{Status: "ok", Kind: string(a.DB.Engine())}, Bus: component{Status: "ok", Kind: a.Bus.Kind()}}
	if err := a.DB.Ping(ctx); err != nil {
		h.Status, h.Database.Status, h.Database.Error = "unavailable", "down", err.Error()
	}
	if err := a.Bus.Health(ctx); err != nil {
		h.Status, h.Bus.Status, h.Bus.Error = "unavailable", "down", err.Error()
	}
	if h.Database.Status == "ok" {
		h.Outbox.Pending, h.Outbox.Dead, _ = a.Outbox.Stats(ctx)
	}
	status := http.StatusOK
	if h.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	httpx.WriteJSON(w, status, h)
}

func (a *App) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{Registry: a.Registry})
}
