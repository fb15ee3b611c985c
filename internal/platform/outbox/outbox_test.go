package outbox_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/events"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/outbox"
)

func pin(product int64) events.LiveProductPinned {
	return events.LiveProductPinned{SessionID: 1, ProductID: id.ID(product), At: time.Now()}
}

// recorder is a consumer that writes what it sees through outbox.Consume, failing the
// first failFirst deliveries.
type recorder struct {
	d         *db.DB
	mu        sync.Mutex
	calls     int
	failFirst int
}

func (r *recorder) handle(ctx context.Context, e bus.Event) error {
	r.mu.Lock()
	r.calls++
	fail := r.calls <= r.failFirst
	r.mu.Unlock()
	if fail {
		return errors.New("transient")
	}
	return outbox.Consume(ctx, r.d, "recorder", e, func(tx *db.Tx) error {
		p, err := bus.Decode[events.LiveProductPinned](e)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0)`, e.ID.String(), p.ProductID.String())
		return err
	})
}

func handled(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT value FROM settings ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		rows.Scan(&v)
		out = append(out, v)
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEventsCommitWithTheirTransactionAndArriveInOrderOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b := bus.NewInProc()
		rec := &recorder{d: d, failFirst: 2}
		if err := b.Subscribe("recorder", []string{events.TopicLiveProductPinned}, rec.handle); err != nil {
			t.Fatal(err)
		}
		o := outbox.New(d, b, slog.New(slog.DiscardHandler), nil)

		// A rolled-back transaction leaves no event behind.
		_ = d.RunInTx(ctx, func(tx *db.Tx) error {
			if err := o.Add(ctx, tx, "live:1", pin(99)); err != nil {
				t.Fatal(err)
			}
			return errors.New("abort")
		})
		for _, p := range []int64{1, 2, 3} {
			if err := d.RunInTx(ctx, func(tx *db.Tx) error { return o.Add(ctx, tx, "live:1", pin(p)) }); err != nil {
				t.Fatal(err)
			}
		}
		go o.Run(ctx)
		// The first two deliveries fail; the relay retries the same event, so order holds.
		waitFor(t, "three handled events", func() bool { return len(handled(t, d)) == 3 })
		got := handled(t, d)
		if got[0] != "1" || got[1] != "2" || got[2] != "3" {
			t.Fatalf("handled %v, want [1 2 3]", got)
		}
		waitFor(t, "nothing pending", func() bool { p, _, _ := o.Stats(ctx); return p == 0 })
	})
}

func TestConsumeRunsOncePerEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		rec := &recorder{d: d}
		e := bus.Event{ID: id.New(), Topic: events.TopicLiveProductPinned, Payload: []byte(`{"session_id":"1","product_id":"7"}`)}
		for i := 0; i < 3; i++ {
			if err := rec.handle(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if got := handled(t, d); len(got) != 1 || got[0] != "7" {
			t.Fatalf("handled %v after three deliveries, want [7]", got)
		}
	})
}

func TestPoisonEventIsSetAsideAndCanBeRedelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b := bus.NewInProc()
		var fail sync.Mutex
		failing := true
		b.Subscribe("picky", []string{events.TopicLiveProductPinned}, func(ctx context.Context, e bus.Event) error {
			fail.Lock()
			defer fail.Unlock()
			if failing {
				panic("consumer bug") // a panic is contained and counted as a failure
			}
			return nil
		})
		o := outbox.New(d, b, slog.New(slog.DiscardHandler), nil)
		o.MaxAttempts = 2
		if err := d.RunInTx(ctx, func(tx *db.Tx) error { return o.Add(ctx, tx, "live:1", pin(5)) }); err != nil {
			t.Fatal(err)
		}
		go o.Run(ctx)
		waitFor(t, "dead event", func() bool { _, dead, _ := o.Stats(ctx); return dead == 1 })
		dead, err := o.Dead(ctx, 10)
		if err != nil || len(dead) != 1 || dead[0].Attempts != 2 {
			t.Fatalf("dead = %+v, %v", dead, err)
		}
		fail.Lock()
		failing = false
		fail.Unlock()
		if err := o.Redeliver(ctx, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "redelivered", func() bool { p, dd, _ := o.Stats(ctx); return p == 0 && dd == 0 })
	})
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	if outbox.Backoff(1) != 100*time.Millisecond || outbox.Backoff(2) != 200*time.Millisecond || outbox.Backoff(50) != 30*time.Second {
		t.Fatalf("backoff: %v %v %v", outbox.Backoff(1), outbox.Backoff(2), outbox.Backoff(50))
	}
}
