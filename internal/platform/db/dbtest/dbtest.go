// Package dbtest gives each test its own freshly migrated database: a SQLite file in
// the test's temporary directory always, and a PostgreSQL schema of its own when
// LIVESHOP_TEST_POSTGRES holds a connection URL. Store tests call Each so the same
// assertions run on both engines.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/migrate"
)

// PostgresEnv names the variable holding the PostgreSQL URL for tests.
const PostgresEnv = "LIVESHOP_TEST_POSTGRES"

// Each runs fn once per available engine, as subtests named "sqlite" and "postgres",
// each with a new migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated SQLite database in a temporary directory, closed when
// the test ends.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return open(t, db.Options{DataDir: t.TempDir()})
}

// Postgres returns a migrated PostgreSQL database in a schema of its own, dropped when
// the test ends. Without LIVESHOP_TEST_POSTGRES the test is skipped (or fails, if
// Require says PostgreSQL must be present).
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return open(t, db.Options{URL: PostgresURL(t), MaxConns: 8})
}

// PostgresURL returns the URL of an empty PostgreSQL schema of the test's own, dropped
// when the test ends, for tests that open the database themselves (a whole app).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		Missing(t, "postgres", PostgresEnv+" is not set (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	admin, err := db.Open(ctx, db.Options{URL: base, MaxConns: 2})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	schema := "t_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	return WithSearchPath(base, schema)
}

// WithSearchPath returns the URL with its search_path set to schema, so every
// connection of a pool works inside that schema.
func WithSearchPath(base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, opts db.Options) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := migrate.Run(ctx, d, nil); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return d
}

// RequireEnv lists components (comma-separated: postgres, chromium, nats, ...) that CI
// guarantees; a test that finds one missing fails instead of skipping, so CI can never
// go green by skipping what it meant to run.
const RequireEnv = "LIVESHOP_TEST_REQUIRE"

// Missing skips the test because component is absent, with a one-line reason, or
// fails it if LIVESHOP_TEST_REQUIRE names the component.
func Missing(t testing.TB, component, reason string) {
	t.Helper()
	for _, c := range strings.Split(os.Getenv(RequireEnv), ",") {
		if strings.TrimSpace(c) == component {
			t.Fatalf("%s required by %s but unavailable: %s", component, RequireEnv, reason)
		}
	}
	t.Skipf("skipping: %s unavailable: %s", component, reason)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
