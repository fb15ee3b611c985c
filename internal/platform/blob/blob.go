// Package blob keeps uploaded files (product images, shoppable videos) under keys.
// Dir writes them under a directory of the node's disk; an object store (S3, GCS)
// can replace it behind the same three methods, which is why callers hold a Store
// and never a path.
package blob

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Store keeps bytes under keys such as "products/123/456.jpg".
type Store interface {
	// Put stores what r yields under key, replacing any, and returns the byte count.
	// A failed Put leaves no partial file behind.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the bytes stored under key, or an error wrapping fs.ErrNotExist.
	// The reader also implements io.Seeker when the store can seek (Dir does), so
	// HTTP range requests, which video players depend on, can be served.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Dir is a Store on the local file system.
type Dir struct{ Root string }

// NewDir keeps files in the named sub-directory of the data directory
// ("liveshop-data" when none is configured, as with PostgreSQL).
func NewDir(dataDir, sub string) Dir {
	if dataDir == "" {
		dataDir = "liveshop-data"
	}
	return Dir{Root: filepath.Join(dataDir, sub)}
}

// path maps a key to a file under Root, refusing keys that could escape it.
func (d Dir) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return "", fmt.Errorf("blob: bad key %q", key)
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put writes a temporary file and renames it into place, so readers never see a
// half-written file and a crash leaves at most a stray temporary.
func (d Dir) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+".*.tmp")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, readerWithContext{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	return n, nil
}

// Open opens the file; *os.File seeks.
func (d Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Delete removes the file.
func (d Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// readerWithContext stops a long copy (a large upload) when the request is gone.
type readerWithContext struct {
	ctx context.Context
	r   io.Reader
}

func (r readerWithContext) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
