// Command liveshop runs the liveshop live-commerce platform: one binary for the
// storefront, Seller Center, Creator Center, Ops console, live rooms and APIs.
//
//	liveshop serve      run a node
//	liveshop demo       run a node with a seeded, living demo marketplace
//	liveshop migrate    bring the database schema up to date
//	liveshop bench NAME run a benchmark scenario
//	liveshop analytics rebuild  recompute the GMV rollups from the facts
//	liveshop version    print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // markets' time zones, even on machines without a zoneinfo database

	"github.com/liveshop/liveshop/internal/app"
	"github.com/liveshop/liveshop/internal/bench"
	"github.com/liveshop/liveshop/internal/demo"
	"github.com/liveshop/liveshop/internal/platform/migrate"
)

const usage = `liveshop: open-source live commerce in one binary.

Usage:
  liveshop serve   [flags]   run a node (storefront, Seller Center, Creator Center, Ops, live rooms, APIs)
  liveshop demo    [flags]   seed a demo marketplace (once) and run it with simulated viewers and buyers
  liveshop migrate [flags]   bring the database schema up to date and exit
  liveshop bench NAME [flags] run a benchmark scenario; liveshop bench --list shows them
  liveshop analytics rebuild [--check] [flags]  recompute the GMV rollups from the facts (--check: compare only)
  liveshop version           print the version

Every command takes --help. Settings also come from LIVESHOP_* environment variables.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, false)
	case "demo":
		err = serve(ctx, args[1:], stdout, stderr, true)
	case "migrate":
		err = migrateCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		err = benchCmd(ctx, args[1:], stdout, stderr)
	case "analytics":
		err = analyticsCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "liveshop", version())
	default:
		fmt.Fprintf(stderr, "liveshop: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "liveshop:", err)
		return 1
	}
}

var errUsage = errors.New("usage")

func version() string {
	if app.Version != "dev" {
		return app.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev+" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// flags makes a subcommand's flag set with a usage message that lists its settings.
func flags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("liveshop "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: liveshop %s\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string, finish func() error) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return finish()
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, withDemo bool) error {
	name, summary := "serve [flags]", "Runs a liveshop node: pages, JSON APIs, live rooms, /healthz and /metrics."
	if withDemo {
		name, summary = "demo [flags]", "Seeds a believable marketplace into the data directory (once; a restart keeps the data),\nthen serves it with simulated viewers chatting, liking and buying in live rooms."
	}
	fs := flags(name, summary, stderr)
	cfg, finish := app.Bind(fs, app.StorageFlags|app.ServerFlags, os.Getenv)
	if withDemo {
		// The demo's sandbox carrier and timers run fast enough to watch orders move.
		app.DemoPace(cfg)
	}
	if err := parse(fs, args, finish); err != nil {
		return err
	}
	log := cfg.Logger(os.Stderr)
	var media *demo.Media
	if withDemo && cfg.RTMPURL == "" {
		// The demo brings its own media server when the machine has one to run.
		var why string
		if media, why = demo.StartMedia(ctx, cfg.DataDir, cfg.Addr, log); media != nil {
			cfg.RTMPURL, cfg.HLSURL = media.RTMPURL, media.HLSURL
			if err := demo.EnsurePlayer(ctx, cfg.VendorDir); err != nil {
				fmt.Fprintf(stdout, "The video player (hls.js) could not be fetched, so only browsers that play HLS natively show video: %v.\n", err)
			}
		} else {
			fmt.Fprintf(stdout, "Live rooms will show a poster instead of video: %s.\n", why)
		}
	}
	a, err := app.New(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if withDemo {
		logins, err := demo.Seed(ctx, a, stdout)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		sim := demo.NewSimulator(a, log)
		go sim.Run(ctx)
		if media != nil {
			go media.Cameras(ctx, a, 2)
			fmt.Fprintln(stdout, "Two demo rooms carry a test-pattern video through nginx-rtmp (docs/VIDEO.md).")
		}
		printWelcome(stdout, cfg.Addr, logins)
	}
	return a.Run(ctx)
}

func printWelcome(w io.Writer, addr string, logins []demo.Login) {
	host := addr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	fmt.Fprintf(w, "\nliveshop demo is running at http://%s\n\nLog in as (password for all: %s):\n", host, demo.Password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-12s %-28s %s\n", l.Role, l.Email, l.What)
	}
	fmt.Fprintln(w, "\nPress Ctrl+C to stop. Run it again to carry on where you left off.")
}

// analyticsCmd runs `liveshop analytics rebuild`: the GMV rollups are derived from
// the facts, and this recomputes them (or, with --check, only compares).
func analyticsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprint(stderr, "Usage: liveshop analytics rebuild [--check] [flags]\n")
		return errUsage
	}
	fs := flags("analytics rebuild [flags]", "Recomputes every GMV rollup from the GMV facts and reports the rows that differed.\nWith --check it only compares, changes nothing, and fails if anything differs.", stderr)
	check := fs.Bool("check", false, "compare the rollups with the facts; change nothing")
	cfg, finish := app.Bind(fs, app.StorageFlags, os.Getenv)
	if err := parse(fs, args[1:], finish); err != nil {
		return err
	}
	a, err := app.New(ctx, *cfg, cfg.Logger(os.Stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	run := a.Analytics.Rebuild
	if *check {
		run = a.Analytics.Check
	}
	res, err := run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d facts, %d rollup rows, %d live sessions; %d rows differed; rebuilt: %v (%s)\n",
		res.Facts, res.Rows, res.Sessions, res.Differences, res.Rebuilt, res.Took.Round(time.Millisecond))
	for _, e := range res.Examples {
		fmt.Fprintln(stdout, "  "+e)
	}
	if *check && res.Differences > 0 {
		return fmt.Errorf("the rollups differ from the facts in %d rows; run liveshop analytics rebuild", res.Differences)
	}
	return nil
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("migrate [flags]", "Applies every schema migration the database has not seen, each in its own transaction, and exits.", stderr)
	cfg, finish := app.Bind(fs, app.StorageFlags, os.Getenv)
	if err := parse(fs, args, finish); err != nil {
		return err
	}
	log := cfg.Logger(os.Stderr)
	d, err := app.OpenDB(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := migrate.Version(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d (latest %d)\n", d, v, migrate.Latest())
	return nil
}

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "--list" || args[0] == "-list" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, "Usage: liveshop bench NAME [flags]\n\nScenarios:\n")
		for _, s := range bench.Scenarios {
			fmt.Fprintf(stdout, "  %-10s %s\n", s.Name, s.Summary)
		}
		fmt.Fprint(stdout, "\nEach prints progress and ends with a line: RESULT name=NAME key=value ...\n")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sc, ok := bench.Find(args[0])
	if !ok {
		fmt.Fprintf(stderr, "liveshop bench: no scenario %q; liveshop bench --list shows them\n", args[0])
		return errUsage
	}
	fs := flags("bench "+sc.Name+" [flags]", sc.Summary, stderr)
	opts := sc.Flags(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file, for go tool pprof")
	if err := parse(fs, args[1:], func() error { return nil }); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return sc.Run(ctx, opts, stdout)
}
