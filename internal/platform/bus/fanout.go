package bus

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Fanout carries messages that must reach every node now but need no durability: a
// live room's chat, likes and viewer counts. A message lost to a node that was down
// is a chat line it never showed, which is what a viewer who was not there sees too.
// Durable domain events go through the outbox instead.
type Fanout interface {
	Publish(subject string, data []byte) error
	// Subscribe calls fn for every message on subject (NATS wildcards allowed) until
	// the returned function is called.
	Subscribe(subject string, fn func(data []byte)) (unsubscribe func(), err error)
	Close()
}

// NATSFanout is a Fanout over core NATS publish/subscribe.
type NATSFanout struct{ nc *nats.Conn }

// NewNATSFanout connects to the NATS server at url, reconnecting by itself.
func NewNATSFanout(url, name string) (*NATSFanout, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", url, err)
	}
	return &NATSFanout{nc: nc}, nil
}

// Publish implements Fanout. It buffers and returns at once; the connection flushes.
func (f *NATSFanout) Publish(subject string, data []byte) error { return f.nc.Publish(subject, data) }

// Subscribe implements Fanout.
func (f *NATSFanout) Subscribe(subject string, fn func([]byte)) (func(), error) {
	sub, err := f.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Flush waits until the server has everything published so far (tests use it).
func (f *NATSFanout) Flush() error { return f.nc.Flush() }

// Healthy reports whether the connection is up.
func (f *NATSFanout) Healthy() bool { return f.nc.IsConnected() }

// Close implements Fanout.
func (f *NATSFanout) Close() { f.nc.Close() }
