// Package testkit assembles the base every domain test stands on: a migrated database
// (from dbtest), seeded markets, identity, and an outbox on an in-process bus. Domain
// tests build their own service on top, so each test still exercises real storage.
package testkit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/market"
	"github.com/liveshop/liveshop/internal/order"
	"github.com/liveshop/liveshop/internal/payment"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/bus"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/outbox"
	"github.com/liveshop/liveshop/internal/promo"
	"github.com/liveshop/liveshop/internal/seller"
)

// Kit is the shared base of a domain test.
type Kit struct {
	DB       *db.DB
	Bus      *bus.InProc
	Outbox   *outbox.Outbox
	Markets  *market.Service
	Identity *identity.Service
	Log      *slog.Logger
}

// New builds a kit over d with markets seeded.
func New(t testing.TB, d *db.DB) *Kit {
	t.Helper()
	log := Logger()
	b := bus.NewInProc()
	k := &Kit{DB: d, Bus: b, Outbox: outbox.New(d, b, log, nil), Markets: market.NewService(d, log), Identity: identity.NewService(d, log), Log: log}
	if err := k.Markets.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return k
}

// Logger discards logs unless LIVESHOP_TEST_LOG is set, when it writes them to stderr.
func Logger() *slog.Logger {
	if os.Getenv("LIVESHOP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

var seq atomic.Int64

// Actor provisions a fresh account with the roles and returns it as an actor. It has
// no password (hashing is the slow part of creating accounts and tests do not log in).
func (k *Kit) Actor(t testing.TB, name string, roles ...auth.Role) auth.Actor {
	t.Helper()
	n := seq.Add(1)
	a, err := k.Identity.Provision(context.Background(), fmt.Sprintf("%s%d@example.com", name, n), name, "", roles...)
	if err != nil {
		t.Fatal(err)
	}
	return a.Actor()
}

// Operator returns a fresh operator.
func (k *Kit) Operator(t testing.TB) auth.Actor { return k.Actor(t, "operator", auth.Operator) }

// RelayUntilIdle publishes every pending outbox event to the bus, synchronously, so a
// test can assert on what consumers did.
func (k *Kit) RelayUntilIdle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { k.Outbox.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, dead, err := k.Outbox.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if dead > 0 {
			t.Fatalf("%d events failed permanently", dead)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox still has %d pending events", pending)
		}
		k.Outbox.Wake()
		time.Sleep(2 * time.Millisecond)
	}
}

// Commerce is the selling stack most domain tests stand on: shops, catalog,
// promotions, payments through the sandbox provider, and orders, all on the kit's
// database and outbox.
type Commerce struct {
	Sellers  *seller.Service
	Catalog  *catalog.Service
	Promos   *promo.Service
	Payments *payment.Service
	Orders   *order.Service
}

// SandboxSecret signs the test sandbox provider's webhooks.
var SandboxSecret = []byte("whsec_liveshop_test")

// Commerce builds the selling stack over the kit.
func (k *Kit) Commerce() Commerce {
	var c Commerce
	c.Sellers = seller.NewService(k.DB, k.Markets, k.Identity, k.Outbox, k.Log)
	c.Catalog = catalog.NewService(k.DB, k.Markets, c.Sellers, k.Outbox, k.Log)
	c.Promos = promo.NewService(k.DB, k.Markets, c.Sellers, c.Catalog, k.Log)
	c.Payments = payment.NewService(k.DB, payment.Sandbox{Secret: SandboxSecret}, k.Log)
	c.Orders = order.NewService(k.DB, k.Markets, k.Identity, c.Sellers, c.Catalog, c.Promos, c.Payments, k.Outbox, k.Log)
	return c
}

// SetPolicy publishes a new version of a market's policy, in force from now, made
// from the one in force with change applied: how a test states the rules it needs.
func (k *Kit) SetPolicy(t testing.TB, marketCode string, change func(p *market.Policy)) market.Policy {
	t.Helper()
	ctx := context.Background()
	p, err := k.Markets.Policy(ctx, marketCode, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	change(&p)
	if _, err := k.Markets.SetPolicy(ctx, k.Operator(t), marketCode, time.Now(), p, "set by a test"); err != nil {
		t.Fatal(err)
	}
	return p
}
