// Package outbox makes "change the state and announce it" atomic. A service records
// an event in the outbox table inside the transaction that makes the change; after
// commit, the relay publishes it to the bus and marks it published. If the process
// dies in between, the event is published after restart: at least once, never lost.
// Consumers record the events they handled (Consume), so a second delivery is harmless.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// Outbox records events and relays them to a bus.
type Outbox struct {
	db   *db.DB
	bus  bus.Bus
	log  *slog.Logger
	wake chan struct{}

	// MaxAttempts is how often the relay tries an event before setting it aside as
	// dead (visible in the Ops console, redeliverable by hand).
	MaxAttempts int
	// Retention is how long published events are kept for inspection.
	Retention time.Duration

	published prometheus.Counter
	failed    prometheus.Counter
	dead      prometheus.Counter
	lag       prometheus.Histogram
}

// New returns an outbox over d relaying to b. reg may be nil.
func New(d *db.DB, b bus.Bus, log *slog.Logger, reg prometheus.Registerer) *Outbox {
	o := &Outbox{
		db: d, bus: b, log: log, wake: make(chan struct{}, 1),
		MaxAttempts: 25, Retention: 7 * 24 * time.Hour,
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_outbox_published_total", Help: "Events the relay published."}),
		failed:    prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_outbox_failures_total", Help: "Failed attempts to publish an event."}),
		dead:      prometheus.NewCounter(prometheus.CounterOpts{Name: "liveshop_outbox_dead_total", Help: "Events set aside after MaxAttempts failures."}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "liveshop_outbox_lag_seconds", Help: "Time from recording an event to publishing it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
	}
	if reg != nil {
		reg.MustRegister(o.published, o.failed, o.dead, o.lag)
	}
	return o
}

// Add records ev about aggregate (such as "order:123") in tx. It is published once tx
// commits; if tx rolls back, it never existed.
func (o *Outbox) Add(ctx context.Context, tx *db.Tx, aggregate string, ev events.Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", ev.Topic(), err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO outbox (id, topic, aggregate, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id.New(), ev.Topic(), aggregate, string(payload), db.Micros(time.Now())); err != nil {
		return fmt.Errorf("outbox: record %s: %w", ev.Topic(), err)
	}
	tx.AfterCommit(o.Wake)
	return nil
}

// Message is one event about an aggregate, for AddMany.
type Message struct {
	Aggregate string
	Event     events.Event
}

// AddMany records many events in tx with a few multi-row inserts (a group-commit
// batch's worth); like Add, they exist only if tx commits.
func (o *Outbox) AddMany(ctx context.Context, tx *db.Tx, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	now := db.Micros(time.Now())
	args := make([]any, 0, 5*len(msgs))
	for _, m := range msgs {
		payload, err := json.Marshal(m.Event)
		if err != nil {
			return fmt.Errorf("outbox: encode %s: %w", m.Event.Topic(), err)
		}
		args = append(args, id.New(), m.Event.Topic(), m.Aggregate, string(payload), now)
	}
	if _, err := db.InsertRows(ctx, tx, `INSERT INTO outbox (id, topic, aggregate, payload, created_at) VALUES `, 5, args, ""); err != nil {
		return fmt.Errorf("outbox: record %d events: %w", len(msgs), err)
	}
	tx.AfterCommit(o.Wake)
	return nil
}

// Wake tells the relay there is something to publish now rather than at its next poll.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

const batchSize = 200

// Run relays events until ctx ends. Run one relay per database: events are published
// in id order, which is what keeps one order's events in sequence for consumers.
func (o *Outbox) Run(ctx context.Context) {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		n, retryIn, err := o.relayBatch(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Error("outbox relay", "err", err)
		}
		if n == batchSize && retryIn == 0 {
			continue // more waiting
		}
		var retry <-chan time.Time
		if retryIn > 0 {
			retry = time.After(retryIn)
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-poll.C:
		case <-retry:
		case <-prune.C:
			if err := o.Prune(ctx); err != nil {
				o.log.Warn("outbox prune", "err", err)
			}
		}
	}
}

type pending struct {
	ev       bus.Event
	attempts int
}

// relayBatch publishes up to batchSize pending events in order. It stops at the first
// failure, so later events about the same aggregate never overtake an earlier one, and
// says how long to wait before retrying it.
func (o *Outbox) relayBatch(ctx context.Context) (published int, retryIn time.Duration, err error) {
	rows, err := o.db.QueryContext(ctx, `SELECT id, topic, aggregate, payload, created_at, attempts FROM outbox
		WHERE published_at IS NULL AND dead_at IS NULL ORDER BY id LIMIT `+fmt.Sprint(batchSize))
	if err != nil {
		return 0, 0, err
	}
	var batch []pending
	for rows.Next() {
		var p pending
		var payload string
		var created int64
		if err := rows.Scan(&p.ev.ID, &p.ev.Topic, &p.ev.Aggregate, &payload, &created, &p.attempts); err != nil {
			rows.Close()
			return 0, 0, err
		}
		p.ev.Payload = json.RawMessage(payload)
		p.ev.At = db.Time(created)
		batch = append(batch, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}

	var done []id.ID
	defer func() {
		if len(done) > 0 {
			if mErr := o.markPublished(ctx, done); mErr != nil && err == nil {
				err = mErr
			}
		}
	}()
	for _, p := range batch {
		if ctx.Err() != nil {
			return len(done), 0, ctx.Err()
		}
		if pErr := o.bus.Publish(ctx, p.ev); pErr != nil {
			o.failed.Inc()
			return len(done), o.recordFailure(ctx, p, pErr), nil
		}
		done = append(done, p.ev.ID)
		o.published.Inc()
		o.lag.Observe(time.Since(p.ev.At).Seconds())
	}
	return len(done), 0, nil
}

func (o *Outbox) markPublished(ctx context.Context, ids []id.ID) error {
	now := db.Micros(time.Now())
	return o.db.RunInTx(ctx, func(tx *db.Tx) error {
		// One statement per event keeps the SQL identical on both engines; it is one
		// transaction, so one fsync for the whole batch.
		for _, i := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET published_at = $1 WHERE id = $2`, now, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordFailure counts a failed attempt and returns the backoff before the next one,
// or sets the event aside once it has failed MaxAttempts times.
func (o *Outbox) recordFailure(ctx context.Context, p pending, cause error) time.Duration {
	attempts := p.attempts + 1
	msg := cause.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	dead := attempts >= o.MaxAttempts
	var deadAt any
	if dead {
		deadAt = db.Micros(time.Now())
	}
	if _, err := o.db.ExecContext(ctx, `UPDATE outbox SET attempts = $1, last_error = $2, dead_at = $3 WHERE id = $4`,
		attempts, msg, deadAt, p.ev.ID); err != nil {
		o.log.Error("outbox: record failure", "event", p.ev.ID, "err", err)
	}
	if dead {
		o.dead.Inc()
		o.log.Error("outbox: event set aside after repeated failures", "event", p.ev.ID, "topic", p.ev.Topic, "attempts", attempts, "err", cause)
		return 0
	}
	o.log.Warn("outbox: publish failed, will retry", "event", p.ev.ID, "topic", p.ev.Topic, "attempt", attempts, "err", cause)
	return Backoff(attempts)
}

// Backoff is the wait after the nth failed attempt: 100ms doubling, capped at 30s.
func Backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < attempt && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

// Prune deletes events published longer ago than Retention.
func (o *Outbox) Prune(ctx context.Context) error {
	cutoff := db.Micros(time.Now().Add(-o.Retention))
	_, err := o.db.ExecContext(ctx, `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1`, cutoff)
	return err
}

// Stats counts events waiting to be published and events set aside.
func (o *Outbox) Stats(ctx context.Context) (pendingCount, deadCount int64, err error) {
	err = o.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN published_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox`).Scan(&pendingCount, &deadCount)
	return
}

// DeadEvent is an event the relay set aside.
type DeadEvent struct {
	ID        id.ID
	Topic     string
	Aggregate string
	Attempts  int
	LastError string
	CreatedAt time.Time
}

// Dead lists events set aside, newest first.
func (o *Outbox) Dead(ctx context.Context, limit int) ([]DeadEvent, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT id, topic, aggregate, attempts, last_error, created_at FROM outbox
		WHERE dead_at IS NOT NULL ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeadEvent
	for rows.Next() {
		var d DeadEvent
		var created int64
		if err := rows.Scan(&d.ID, &d.Topic, &d.Aggregate, &d.Attempts, &d.LastError, &created); err != nil {
			return nil, err
		}
		d.CreatedAt = db.Time(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Redeliver puts a dead event back in the queue with a fresh count of attempts.
func (o *Outbox) Redeliver(ctx context.Context, eventID id.ID) error {
	res, err := o.db.ExecContext(ctx, `UPDATE outbox SET dead_at = NULL, attempts = 0 WHERE id = $1 AND dead_at IS NOT NULL`, eventID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("outbox: event %d is not dead", eventID)
	}
	o.Wake()
	return nil
}

// Consume runs fn in one transaction with the record that consumer handled e. If the
// record already exists, fn does not run: redelivered events change nothing twice.
func Consume(ctx context.Context, d *db.DB, consumer string, e bus.Event, fn func(tx *db.Tx) error) error {
	return d.RunInTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO consumed_events (consumer, event_id, consumed_at) VALUES ($1, $2, $3)
			ON CONFLICT (consumer, event_id) DO NOTHING`, consumer, e.ID, db.Micros(time.Now()))
		if err != nil {
			return fmt.Errorf("outbox: record consumption: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // already handled
		}
		return fn(tx)
	})
}

// Aggregate formats an aggregate key: Aggregate("order", 12) is "order:12".
func Aggregate(kind string, i id.ID) string { return kind + ":" + i.String() }

// ParseAggregate splits an aggregate key.
func ParseAggregate(s string) (kind, rest string) {
	kind, rest, _ = strings.Cut(s, ":")
	return
}
