// Package driverbench compares the SQLite drivers liveshop could use
// (modernc.org/sqlite, pure Go, and github.com/mattn/go-sqlite3, cgo) on the
// workloads liveshop actually runs, so the choice recorded in
// docs/SQLITE_DRIVER.md can be re-checked on any machine.
//
// The package holds no production code: everything lives in
// driver_bench_test.go, which is compiled only by `go test`, so neither
// driver is linked into the liveshop binary because of this package. Run it
// with
//
//	CGO_ENABLED=1 go test -run '^$' -bench . -benchtime=2s -count=3 \
//	    ./internal/platform/db/driverbench/
//
// Both drivers get identical settings: a file database in a temporary
// directory, WAL journal mode, synchronous=NORMAL, foreign_keys=ON,
// busy_timeout=5000, a single writer connection whose transactions start
// with BEGIN IMMEDIATE, and a separate pool of four query-only reader
// connections. The setup checks that every connection really ended up with
// those settings, and that the writer's transactions really take the write
// lock up front, and fails the benchmark if not; a DSN parameter a driver
// silently ignores would otherwise make the comparison meaningless.
//
// ncruces/go-sqlite3 is not benchmarked here: like mattn/go-sqlite3 it
// registers the database/sql driver name "sqlite3", so the two cannot be
// linked into the same test binary.
package driverbench
