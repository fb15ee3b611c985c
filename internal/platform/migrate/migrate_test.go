package migrate_test

import (
	"context"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/db/dbtest"
	"github.com/liveshop/liveshop/internal/platform/migrate"
)

// dbtest.Each migrates an empty database on each engine; running again must be a no-op.
func TestMigrateEmptyDatabaseThenAgainIsNoop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v, err := migrate.Version(ctx, d)
		if err != nil || v != migrate.Latest() {
			t.Fatalf("version = %d, %v; want %d", v, err, migrate.Latest())
		}
		n, err := migrate.Run(ctx, d, nil)
		if err != nil || n != 0 {
			t.Fatalf("second run applied %d, %v", n, err)
		}
	})
}

func TestStepVersionsIncrease(t *testing.T) {
	up := func(context.Context, *db.Tx) error { return nil }
	if err := migrate.CheckOrder([]migrate.Step{{Version: 1, Up: up}, {Version: 5, Up: up}, {Version: 200, Up: up}}); err != nil {
		t.Fatalf("gaps refused: %v", err)
	}
	if err := migrate.CheckOrder([]migrate.Step{{Version: 2, Up: up}, {Version: 2, Up: up}}); err == nil {
		t.Fatal("a repeated version was accepted")
	}
	if err := migrate.CheckOrder([]migrate.Step{{Version: 3, Up: up}, {Version: 1, Up: up}}); err == nil {
		t.Fatal("a decreasing version was accepted")
	}
}
