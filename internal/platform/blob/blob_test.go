package blob_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/blob"
)

func TestDirPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d := blob.NewDir(t.TempDir(), "files")
	n, err := d.Put(ctx, "a/b/c.txt", strings.NewReader("hello"))
	if err != nil || n != 5 {
		t.Fatalf("put: %d %v", n, err)
	}
	rc, err := d.Open(ctx, "a/b/c.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.(io.Seeker); !ok {
		t.Error("Dir's reader does not seek; range requests would fail")
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	if err := d.Delete(ctx, "a/b/c.txt"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "a/b/c.txt"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := d.Open(ctx, "a/b/c.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open after delete: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDirPutFailureLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d := blob.Dir{Root: root}
	if _, err := d.Put(context.Background(), "x/y.bin", io.MultiReader(strings.NewReader("partial"), failingReader{})); err == nil {
		t.Fatal("a failed read stored a file")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "x"))
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

func TestDirRefusesEscapingKeys(t *testing.T) {
	d := blob.Dir{Root: t.TempDir()}
	for _, key := range []string{"", "../etc/passwd", "/abs", `a\b`, "a/../../b", "nul\x00"} {
		if _, err := d.Put(context.Background(), key, strings.NewReader("x")); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
