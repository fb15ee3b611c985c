package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/ledger"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/id"
)

type ledgerOpts struct {
	transfers, naive, workers, naiveWorkers, shops, batch int
	postgres                                              string
}

var ledgerScenario = Scenario{
	Name: "ledger",
	Summary: "balanced three-posting transfers per second, every one through the hot platform clearing account (a protected account, " +
		"checked for overdraft), with the batching writer and with the naive baseline of one transaction per transfer, on SQLite and PostgreSQL",
	Flags: func(fs *flag.FlagSet) any {
		o := &ledgerOpts{}
		fs.IntVar(&o.transfers, "transfers", 200000, "transfers per engine through the batching writer")
		fs.IntVar(&o.naive, "naive-transfers", 5000, "transfers per engine for the naive baseline")
		fs.IntVar(&o.workers, "workers", 4096, "concurrent submitters (each waits for its transfer to commit)")
		fs.IntVar(&o.naiveWorkers, "naive-workers", 64, "concurrent submitters for the naive baseline (more only queue for the same locks)")
		fs.IntVar(&o.shops, "shops", 1000, "shops the transfers pay; every transfer also pays one creator of 100")
		fs.IntVar(&o.batch, "batch", 2048, "most transfers per commit")
		fs.StringVar(&o.postgres, "postgres", os.Getenv("LIVESHOP_BENCH_POSTGRES"), "PostgreSQL URL to run against too (a throwaway schema); LIVESHOP_BENCH_POSTGRES")
		return o
	},
	Run: runLedger,
}

func runLedger(ctx context.Context, optsAny any, out io.Writer) error {
	o := optsAny.(*ledgerOpts)
	if o.transfers < 1 || o.naive < 1 || o.workers < 1 || o.naiveWorkers < 1 || o.shops < 1 || o.batch < 1 {
		return errors.New("--transfers, --naive-transfers, --workers, --naive-workers, --shops and --batch must be at least 1")
	}
	engines := []string{""}
	if o.postgres != "" {
		engines = append(engines, o.postgres)
	}
	kv := []any{"transfers", o.transfers, "naive_transfers", o.naive, "workers", o.workers, "naive_workers", o.naiveWorkers, "batch", o.batch}
	for _, pg := range engines {
		engine := engineName(pg)
		fmt.Fprintf(out, "bench ledger on %s: 3 postings per transfer, hot clearing account, %d shops, %d workers\n", engine, o.shops, o.workers)
		naive, err := ledgerOnce(ctx, o, pg, o.naive, false, out)
		if err != nil {
			return fmt.Errorf("%s naive: %w", engine, err)
		}
		fmt.Fprintf(out, "  naive: %.0f transfers/s, p99 %s ms\n", naive.perSecond, ms(naive.p99))
		batched, err := ledgerOnce(ctx, o, pg, o.transfers, true, out)
		if err != nil {
			return fmt.Errorf("%s batched: %w", engine, err)
		}
		fmt.Fprintf(out, "  batched: %.0f transfers/s, p50 %s ms, p99 %s ms (%.1fx naive)\n", batched.perSecond, ms(batched.p50), ms(batched.p99), batched.perSecond/naive.perSecond)
		kv = append(kv, engine+"_transfers_per_s", fmt.Sprintf("%.0f", batched.perSecond),
			engine+"_p99_ms", ms(batched.p99),
			engine+"_naive_per_s", fmt.Sprintf("%.0f", naive.perSecond),
			engine+"_ratio_vs_naive", fmt.Sprintf("%.1f", batched.perSecond/naive.perSecond),
			engine+"_cpu_us_per_transfer", fmt.Sprintf("%.1f", batched.cpuPer), engine+"_naive_cpu_us_per_transfer", fmt.Sprintf("%.1f", naive.cpuPer))
	}
	result(out, "ledger", kv...)
	return nil
}

// ledgerRun is one measured run.
type ledgerRun struct {
	perSecond float64
	p50, p99  time.Duration
	cpuPer    float64 // µs of this process's CPU per transfer
}

// ledgerTransfer is the measured transfer: the hot clearing account gives an order's
// 25.00 to a shop (22.50) and a creator (2.50).
func ledgerTransfer(i, shops int) ledger.TransferInput {
	return ledger.TransferInput{IdempotencyKey: fmt.Sprint("bench/", i), Kind: "order_settled", Reference: fmt.Sprint("order:", i),
		Postings: []ledger.Posting{
			{Account: ledger.Platform(ledger.BuyerPaymentsClearing, "USD"), Amount: 2500},
			{Account: ledger.Shop(ledger.SellerPayable, id.ID(1+i%shops), "USD"), Amount: -2250},
			{Account: ledger.Creator(ledger.CreatorCommissionPayable, id.ID(1+i%100), "USD"), Amount: -250},
		}}
}

// ledgerOnce runs n transfers on a fresh database, through the batching writer or,
// naively, each in its own transaction through Post (whose balance updates lock each
// account's row until the commit).
func ledgerOnce(ctx context.Context, o *ledgerOpts, pg string, n int, batched bool, out io.Writer) (ledgerRun, error) {
	cfg, cleanup, err := freshConfig(ctx, pg)
	if err != nil {
		return ledgerRun{}, err
	}
	defer cleanup()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return ledgerRun{}, err
	}
	defer a.Close()
	// The clearing account holds exactly what the run spends: every transfer is checked
	// against it, and the last one empties it.
	const each = 2500
	err = a.DB.RunInTx(ctx, func(tx *db.Tx) error {
		_, err := a.Ledger.Post(ctx, tx, ledger.TransferInput{IdempotencyKey: "bench/seed", Kind: "payment_captured", Reference: "bench",
			Postings: []ledger.Posting{
				{Account: ledger.Platform(ledger.ProviderReceivable, "USD"), Amount: int64(n) * each},
				{Account: ledger.Platform(ledger.BuyerPaymentsClearing, "USD"), Amount: -int64(n) * each},
			}})
		return err
	})
	if err != nil {
		return ledgerRun{}, fmt.Errorf("seed: %w", err)
	}

	label, workers := "naive", o.naiveWorkers
	transfer := func(in ledger.TransferInput) error {
		return a.DB.RunInTx(ctx, func(tx *db.Tx) error {
			_, err := a.Ledger.Post(ctx, tx, in)
			return err
		})
	}
	if batched {
		label, workers = "batched", o.workers
		w := a.Ledger.NewWriter(o.batch)
		defer w.Close()
		transfer = func(in ledger.TransferInput) error {
			_, err := w.Transfer(ctx, in)
			return err
		}
	}
	lat := make(latencies, n)
	cpu0 := cpuTime()
	var next, failed, done atomic.Int64
	var firstErr atomic.Value
	pr := &progress{out: out, label: label, total: n}
	var mu sync.Mutex
	start := time.Now()
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				err := transfer(ledgerTransfer(i, o.shops))
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				if d := done.Add(1); d%1000 == 0 || d == int64(n) {
					mu.Lock()
					pr.at(int(d))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	if f := failed.Load(); f > 0 {
		return ledgerRun{}, fmt.Errorf("%d of %d transfers failed; first: %v", f, n, firstErr.Load())
	}
	// Every cent accounted for: the clearing account is empty, the books balance and
	// every maintained balance equals its postings.
	clearing, err := a.Ledger.Account(ctx, ledger.Platform(ledger.BuyerPaymentsClearing, "USD"))
	if err != nil {
		return ledgerRun{}, err
	}
	if clearing.Balance != 0 {
		return ledgerRun{}, fmt.Errorf("clearing account holds %d after the run, want 0", clearing.Balance)
	}
	if err := a.Ledger.Verify(ctx); err != nil {
		return ledgerRun{}, err
	}
	fmt.Fprintf(out, "  %s: %.1f µs of CPU per transfer (this process, all goroutines; wall %.2fs)\n", label, float64(cpu.Microseconds())/float64(n), took.Seconds())
	return ledgerRun{perSecond: float64(n) / took.Seconds(), p50: lat.pct(0.50), p99: lat.pct(0.99), cpuPer: float64(cpu.Microseconds()) / float64(n)}, nil
}

// cpuTime is the CPU this process has used, user and system: on a shared machine
// it says what a run cost when the wall clock cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
