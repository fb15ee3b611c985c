package ledger

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/migrate"
	"github.com/liveshop/liveshop/internal/seller"
	"github.com/liveshop/liveshop/internal/testkit"
)

const crashChildEnv = "LIVESHOP_LEDGER_CRASH_CHILD"

func openAt(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	return d
}

// The real thing: a process writing through the batching writer is killed with
// SIGKILL in the middle of its batches. Afterwards every transfer it was told had
// committed is there, every transfer there is whole (all three postings), the
// maintained balances equal the postings and the books balance.
func TestWriterKilledMidBatchLeavesWholeTransfers(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterKilledMidBatchLeavesWholeTransfers$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if k, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked[k] = true
		}
		if len(acked) >= 3000 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	_ = cmd.Wait()
	if len(acked) < 3000 {
		t.Fatalf("the child acknowledged only %d transfers before it ended", len(acked))
	}

	d := openAt(t, dir)
	defer d.Close()
	k := testkit.New(t, d)
	s := NewService(d, k.Markets, seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log), k.Log)
	ctx := context.Background()
	var transfers, broken int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'test' AND idempotency_key <> 'seed'`).Scan(&transfers); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_transfers t WHERE t.kind = 'test' AND t.idempotency_key <> 'seed' AND
		(SELECT COUNT(*) FROM ledger_postings p WHERE p.transfer_id = t.id) <> 3`).Scan(&broken); err != nil {
		t.Fatal(err)
	}
	if broken != 0 {
		t.Fatalf("%d of %d transfers are not whole after the kill", broken, transfers)
	}
	rows, err := d.QueryContext(ctx, `SELECT idempotency_key FROM ledger_transfers WHERE kind = 'test'`)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var key string
		rows.Scan(&key)
		have[key] = true
	}
	rows.Close()
	for key := range acked {
		if !have[key] {
			t.Fatalf("transfer %s was acknowledged but is gone after the kill", key)
		}
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d acknowledged; %d transfers on disk, all whole", len(acked), transfers)
}

// crashChild writes transfers through the writer as fast as it can, printing each
// acknowledged key, until it is killed.
func crashChild(t *testing.T, dir string) {
	d := openAt(t, dir)
	k := testkit.New(t, d)
	s := NewService(d, k.Markets, seller.NewService(d, k.Markets, k.Identity, k.Outbox, k.Log), k.Log)
	if _, err := post(t, s, sale("seed", 1<<40)); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(256)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				if _, err := w.Transfer(context.Background(), order3(key, id.ID(1+i%50), 100)); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					return
				}
				mu.Lock()
				fmt.Printf("ACK %s\n", key)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Minute)
}
