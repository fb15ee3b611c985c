// Package bench holds the benchmark scenarios behind `liveshop bench NAME`. Each runs
// against a fresh database through the platform's real services, prints progress, and
// ends with one line, RESULT name=NAME key=value ..., that docs/BENCHMARKS.md records.
package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Scenario is one benchmark.
type Scenario struct {
	Name    string
	Summary string
	// Flags registers the scenario's options and returns them, filled in once parsed.
	Flags func(fs *flag.FlagSet) any
	Run   func(ctx context.Context, opts any, out io.Writer) error
}

// Scenarios lists every benchmark.
var Scenarios = []Scenario{loopScenario, checkoutScenario, openapiScenario, analyticsScenario, flashScenario, ledgerScenario, catalogScenario, matchingScenario, fanoutScenario}

// Find returns the scenario with the name.
func Find(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// result prints the RESULT line: name first, then the figures in the order given.
func result(out io.Writer, name string, kv ...any) {
	var b strings.Builder
	fmt.Fprintf(&b, "RESULT name=%s", name)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	fmt.Fprintln(out, b.String())
}

// latencies summarises durations.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// us renders a duration in microseconds, one decimal.
func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond)) }

// progress prints a phase's progress every tenth.
type progress struct {
	out   io.Writer
	label string
	total int
	step  int
}

func (p *progress) at(done int) {
	if p.total == 0 {
		return
	}
	tenth := done * 10 / p.total
	if tenth > p.step {
		p.step = tenth
		fmt.Fprintf(p.out, "  %-10s %3d%% (%d/%d)\n", p.label, tenth*10, done, p.total)
	}
}
