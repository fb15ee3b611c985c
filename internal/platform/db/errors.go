package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUniqueViolation reports whether err is a unique or primary-key constraint failure.
func IsUniqueViolation(err error) bool {
	return pgCode(err) == "23505" || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE ||
		sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// IsCheckViolation reports whether err is a CHECK constraint failure, such as stock
// going below zero: the database's last word against a bug in the code above it.
func IsCheckViolation(err error) bool {
	return pgCode(err) == "23514" || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_CHECK
}

// IsForeignKeyViolation reports whether err is a foreign-key constraint failure.
func IsForeignKeyViolation(err error) bool {
	return pgCode(err) == "23503" || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// isRetryable reports whether a PostgreSQL transaction failed only because of
// concurrency and may succeed if run again.
func isRetryable(err error) bool {
	c := pgCode(err)
	return c == "40001" || c == "40P01"
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}
