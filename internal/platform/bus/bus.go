// Package bus carries events from the outbox relay to the consumers that act on them.
// The in-process bus calls consumers directly; a NATS JetStream bus (--nats) carries
// them between nodes. Delivery is at least once either way, so every consumer must be
// idempotent (outbox.Consume makes that one line).
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Event is an event as it travels: its id (the outbox row's), topic, the aggregate it
// is about (its ordering key) and its JSON payload.
type Event struct {
	ID        id.ID
	Topic     string
	Aggregate string
	At        time.Time
	Payload   json.RawMessage
}

// Handler acts on one event. Returning an error asks for redelivery later.
type Handler func(ctx context.Context, e Event) error

// Bus publishes events to subscribed consumers.
type Bus interface {
	// Publish hands e to every consumer subscribed to its topic. When it returns nil,
	// the event is safe: handled (in-process) or durably stored (NATS).
	Publish(ctx context.Context, e Event) error
	// Subscribe registers a named consumer for topics. Names must be unique and stable:
	// they key the consumer's record of what it has handled.
	Subscribe(consumer string, topics []string, h Handler) error
	// Health reports whether the bus can currently deliver.
	Health(ctx context.Context) error
	// Kind names the implementation for /healthz ("inproc", "nats").
	Kind() string
	Close() error
}

// Decode unmarshals an event's payload into T.
func Decode[T any](e Event) (T, error) {
	var v T
	if err := json.Unmarshal(e.Payload, &v); err != nil {
		return v, fmt.Errorf("bus: decode %s %d: %w", e.Topic, e.ID, err)
	}
	return v, nil
}

// InProc is the bus for a single node: Publish calls each subscribed handler in turn,
// in subscription order, and returns the joined errors. A handler that failed sees
// the event again when the relay retries; handlers that succeeded skip it by
// idempotency.
type InProc struct {
	mu   sync.RWMutex
	subs []subscription
}

type subscription struct {
	consumer string
	topics   []string
	h        Handler
}

// NewInProc returns an empty in-process bus.
func NewInProc() *InProc { return &InProc{} }

// Subscribe implements Bus.
func (b *InProc) Subscribe(consumer string, topics []string, h Handler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		if s.consumer == consumer {
			return fmt.Errorf("bus: consumer %q subscribed twice", consumer)
		}
	}
	b.subs = append(b.subs, subscription{consumer: consumer, topics: topics, h: h})
	return nil
}

// Publish implements Bus.
func (b *InProc) Publish(ctx context.Context, e Event) error {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	var errs []error
	for _, s := range subs {
		if !slices.Contains(s.topics, e.Topic) {
			continue
		}
		if err := safeCall(ctx, s.h, e); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.consumer, err))
		}
	}
	return errors.Join(errs...)
}

// safeCall turns a consumer's panic into an error, so one bad consumer cannot take
// down the relay that serves all of them.
func safeCall(ctx context.Context, h Handler, e Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic handling %s %d: %v", e.Topic, e.ID, p)
		}
	}()
	return h(ctx, e)
}

// Health implements Bus; an in-process bus is always up.
func (b *InProc) Health(context.Context) error { return nil }

// Kind implements Bus.
func (b *InProc) Kind() string { return "inproc" }

// Close implements Bus.
func (b *InProc) Close() error { return nil }
