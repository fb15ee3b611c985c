package openapi

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// LogEntry is one call in an app's request log.
type LogEntry struct {
	ID         id.ID
	AppID      id.ID
	Method     string
	Path       string
	ShopID     id.ID
	HTTPStatus int
	Code       int
	Message    string
	Latency    time.Duration
	RequestID  string
	At         time.Time
}

// requestLog records calls without making them wait for a database write: entries
// queue in memory and a writer commits them in batches, one transaction per batch.
// If the writer falls this far behind, entries are dropped and counted
// (liveshop_openapi_request_log_dropped_total) rather than slowing the API.
type requestLog struct {
	db      *db.DB
	log     *slog.Logger
	metrics *metrics
	queue   chan LogEntry
	mu      sync.Mutex // one flush at a time
}

const logQueue = 8192

func newRequestLog(d *db.DB, log *slog.Logger, m *metrics) *requestLog {
	return &requestLog{db: d, log: log, metrics: m, queue: make(chan LogEntry, logQueue)}
}

func (l *requestLog) add(e LogEntry) {
	select {
	case l.queue <- e:
	default:
		l.metrics.logDropped.Inc()
	}
}

func (l *requestLog) run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Write what is queued before stopping, on a context of its own.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := l.flush(fctx); err != nil {
				l.log.Warn("openapi: request log flush at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := l.flush(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("openapi: request log flush", "err", err)
			}
		}
	}
}

// flush writes every queued entry, 500 to a transaction.
func (l *requestLog) flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		var batch []LogEntry
	take:
		for len(batch) < 500 {
			select {
			case e := <-l.queue:
				batch = append(batch, e)
			default:
				break take
			}
		}
		if len(batch) == 0 {
			return nil
		}
		err := l.db.RunInTx(ctx, func(tx *db.Tx) error {
			for _, e := range batch {
				if _, err := tx.ExecContext(ctx, `INSERT INTO openapi_request_log (id, app_id, method, path, shop_id, http_status, code, message,
					latency_us, request_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					e.ID, e.AppID, e.Method, e.Path, e.ShopID, e.HTTPStatus, e.Code, truncate(e.Message, 500),
					e.Latency.Microseconds(), e.RequestID, db.Micros(e.At)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RequestLog returns an app's latest calls, newest first, for its owner (or an
// operator).
func (s *Service) RequestLog(ctx context.Context, actor auth.Actor, appID id.ID, limit int) ([]LogEntry, error) {
	a, err := s.App(ctx, actor, appID)
	if err != nil {
		return nil, err
	}
	// Entries still queued belong in the answer too.
	if err := s.logs.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, app_id, method, path, shop_id, http_status, code, message, latency_us, request_id, at
		FROM openapi_request_log WHERE app_id = $1 ORDER BY id DESC LIMIT $2`, a.ID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var lat, at int64
		if err := rows.Scan(&e.ID, &e.AppID, &e.Method, &e.Path, &e.ShopID, &e.HTTPStatus, &e.Code, &e.Message, &lat, &e.RequestID, &at); err != nil {
			return nil, err
		}
		e.Latency, e.At = time.Duration(lat)*time.Microsecond, db.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
