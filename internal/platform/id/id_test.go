package id

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

func TestNextIsUniqueAndIncreasingUnderConcurrency(t *testing.T) {
	g, err := NewGenerator(7)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 20000
	var mu sync.Mutex
	seen := make(map[ID]bool, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]ID, 0, each)
			var prev ID
			for i := 0; i < each; i++ {
				v := g.Next()
				if v <= prev {
					t.Errorf("id %d not greater than previous %d", v, prev)
					return
				}
				prev = v
				local = append(local, v)
			}
			mu.Lock()
			for _, v := range local {
				if seen[v] {
					t.Errorf("duplicate id %d", v)
				}
				seen[v] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
}

func TestClockSteppingBackStillIncreases(t *testing.T) {
	g, _ := NewGenerator(1)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	g.now = func() time.Time { return now }
	a := g.Next()
	now = now.Add(-time.Hour)
	b := g.Next()
	if b <= a {
		t.Fatalf("after clock step back got %d <= %d", b, a)
	}
	if got := a.Time(); !got.Equal(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("Time() = %v", got)
	}
}

func TestJSONRoundTripAsString(t *testing.T) {
	in := ID(7241234567890123456)
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `"7241234567890123456"` {
		t.Fatalf("marshal = %s", b)
	}
	var out ID
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("unmarshal = %d, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`12`), &out); err != nil || out != 12 {
		t.Fatalf("number form = %d, %v", out, err)
	}
	// An escaped digit still decodes (through the full JSON path).
	if err := json.Unmarshal([]byte(`"\u00312"`), &out); err != nil || out != 12 {
		t.Fatalf("escaped form = %d, %v", out, err)
	}
	for _, bad := range []string{`"abc"`, `"-5"`, `"0"`, `""`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
}

func TestNodeRange(t *testing.T) {
	if _, err := NewGenerator(1024); err == nil {
		t.Fatal("node 1024 accepted")
	}
	if _, err := NewGenerator(-1); err == nil {
		t.Fatal("node -1 accepted")
	}
}
