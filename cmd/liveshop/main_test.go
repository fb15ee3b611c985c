package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/liveshop/liveshop/internal/platform/migrate"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	code, out, _ := runCLI("--help")
	if code != 0 || !strings.Contains(out, "liveshop serve") || !strings.Contains(out, "liveshop demo") {
		t.Fatalf("--help: %d %q", code, out)
	}
	for _, cmd := range []string{"serve", "demo", "migrate"} {
		code, _, errOut := runCLI(cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: liveshop "+cmd) || !strings.Contains(errOut, "LIVESHOP_DATA") {
			t.Errorf("%s --help: %d %q", cmd, code, errOut)
		}
	}
	code, out, _ = runCLI("bench", "--help")
	if code != 0 || !strings.Contains(out, "loop") {
		t.Errorf("bench --help: %d %q", code, out)
	}
	code, _, errOut := runCLI("bench", "loop", "--help")
	if code != 0 || !strings.Contains(errOut, "-orders") {
		t.Errorf("bench loop --help: %d %q", code, errOut)
	}
	if code, out, _ := runCLI("version"); code != 0 || !strings.HasPrefix(out, "liveshop ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	if code, _, errOut := runCLI("frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := runCLI("serve", "--no-such-flag"); code != 2 {
		t.Errorf("unknown flag: %d", code)
	}
	if code, _, errOut := runCLI("bench", "nope"); code != 2 || !strings.Contains(errOut, "no scenario") {
		t.Errorf("unknown scenario: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI("migrate", "--db", "mysql://x"); code != 1 || !strings.Contains(errOut, "postgres://") {
		t.Errorf("bad --db: %d %q", code, errOut)
	}
}

func TestMigrateOnAFreshDataDirectory(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ { // a second run finds nothing to do
		code, out, errOut := runCLI("migrate", "--data", dir)
		want := fmt.Sprintf("schema version %d (latest %d)", migrate.Latest(), migrate.Latest())
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("migrate: %d %q %q", code, out, errOut)
		}
	}
}

func TestBenchLoopPrintsAResultLine(t *testing.T) {
	code, out, errOut := runCLI("bench", "loop", "--orders", "40", "--workers", "4")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(last, "RESULT name=loop ") || !strings.Contains(last, "ledger_balanced=true") || !strings.Contains(last, "gmv_matches=true") {
		t.Fatalf("bench loop: %d\n%s\n%s", code, out, errOut)
	}
}
