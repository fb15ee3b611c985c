// Package id issues liveshop's identifiers: 64-bit integers that sort by creation
// time, unique across nodes, rendered as decimal strings in JSON (as TikTok Shop does,
// because JavaScript numbers cannot hold 64 bits).
//
// Layout, most significant first: 41 bits of milliseconds since 2024-01-01 UTC (good
// until 2093), 10 bits of node number, 12 bits of sequence within the millisecond.
package id

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ID identifies any stored entity. Zero means "none".
type ID int64

const (
	nodeBits = 10
	seqBits  = 12
	maxNode  = 1<<nodeBits - 1
	maxSeq   = 1<<seqBits - 1
)

// epoch is the start of liveshop's clock; IDs carry milliseconds since it.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// String renders the ID as a decimal string.
func (i ID) String() string { return strconv.FormatInt(int64(i), 10) }

// Time returns when the ID was issued, to the millisecond.
func (i ID) Time() time.Time {
	return time.UnixMilli(int64(i)>>(nodeBits+seqBits) + epoch).UTC()
}

// MarshalJSON renders the ID as a JSON string.
func (i ID) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 21)
	b = append(b, '"')
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a decimal string or a JSON number. A quoted string without
// escapes (every id a client sends) is read in place, without a full JSON decode.
func (i *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && !bytes.ContainsRune(b[1:n-1], '\\') {
		s = string(b[1 : n-1])
	} else if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// Parse reads a decimal ID. Zero and negative values are refused: no stored entity has them.
func Parse(s string) (ID, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("id: %q is not a valid id", s)
	}
	return ID(v), nil
}

// Generator issues IDs for one node. It is safe for concurrent use.
type Generator struct {
	mu     sync.Mutex
	node   int64
	lastMs int64
	seq    int64
	now    func() time.Time
}

// NewGenerator returns a generator for the given node number (0-1023). Nodes sharing a
// database must have distinct numbers.
func NewGenerator(node int) (*Generator, error) {
	if node < 0 || node > maxNode {
		return nil, fmt.Errorf("id: node %d out of range 0-%d", node, maxNode)
	}
	return &Generator{node: int64(node), now: time.Now}, nil
}

// Next returns a new ID, larger than every ID this generator issued before, even if
// the wall clock steps back.
func (g *Generator) Next() ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.now().UnixMilli() - epoch
	if ms < g.lastMs {
		ms = g.lastMs // clock stepped back: keep counting from where we were
	}
	if ms == g.lastMs {
		g.seq++
		if g.seq > maxSeq {
			// 4096 IDs in one millisecond: borrow the next millisecond rather than spin.
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMs = ms
	return ID(ms<<(nodeBits+seqBits) | g.node<<seqBits | g.seq)
}

var std atomic.Pointer[Generator]

func init() {
	g, _ := NewGenerator(0)
	std.Store(g)
}

// SetNode makes New issue IDs for the given node. Call it once at start-up, before
// any ID is issued.
func SetNode(node int) error {
	g, err := NewGenerator(node)
	if err != nil {
		return err
	}
	std.Store(g)
	return nil
}

// New returns a new ID from the process-wide generator.
func New() ID { return std.Load().Next() }
