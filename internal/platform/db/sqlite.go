package db

import (
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver; see docs/SQLITE_DRIVER.md
)

const sqliteDriver = "sqlite"

// sqliteRole is what a connection is for.
type sqliteRole int

const (
	sqliteReader sqliteRole = iota
	sqliteWriter
	sqliteCheckpointer
)

// sqliteDSN builds the connection string for the file at path. Every connection gets
// WAL (readers never block the writer), a busy timeout (another process, such as
// `liveshop migrate`, may hold the write lock briefly), foreign keys, and
// synchronous=NORMAL, which in WAL mode still survives a process crash (kill -9) and
// loses at most the last transactions on power loss. The writer begins transactions
// IMMEDIATE so it takes the write lock up front instead of failing to upgrade later,
// and checkpoints the log itself only as a backstop (checkpoint.go). Readers may
// not write at all; the checkpointer's connection only runs checkpoints.
func sqliteDSN(path string, role sqliteRole) string {
	v := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)"} {
		v.Add("_pragma", p)
	}
	switch role {
	case sqliteWriter:
		v.Set("_txlock", "immediate")
		v.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages))
	case sqliteReader:
		v.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + v.Encode()
}
