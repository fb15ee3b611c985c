package cache

import (
	"testing"
	"time"
)

func TestGetPutExpireForget(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		run  func(c *Cache[string, int]) (int, bool)
		want int
		ok   bool
	}{
		{"a miss", func(c *Cache[string, int]) (int, bool) {
			v, ok, _ := c.Get("a", now)
			return v, ok
		}, 0, false},
		{"a hit within the TTL", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, time.Time{})
			v, ok, _ := c.Get("a", now.Add(time.Second-time.Nanosecond))
			return v, ok
		}, 1, true},
		{"gone once the TTL has passed", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, time.Time{})
			v, ok, _ := c.Get("a", now.Add(time.Second))
			return v, ok
		}, 0, false},
		{"gone at an earlier until", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, now.Add(time.Millisecond))
			v, ok, _ := c.Get("a", now.Add(time.Millisecond))
			return v, ok
		}, 0, false},
		{"a later until does not stretch the TTL", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, now.Add(time.Hour))
			v, ok, _ := c.Get("a", now.Add(2*time.Second))
			return v, ok
		}, 0, false},
		{"forgotten", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, time.Time{})
			c.Forget("a")
			v, ok, _ := c.Get("a", now)
			return v, ok
		}, 0, false},
		{"a read that raced a forget is not kept", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now) // a reader misses and goes to the database
			c.Forget("a")                // meanwhile a writer commits and forgets
			c.Put("a", 1, gen, now, time.Time{})
			v, ok, _ := c.Get("a", now)
			return v, ok
		}, 0, false},
		{"a forget of another key also refuses the racing read", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Forget("b")
			c.Put("a", 1, gen, now, time.Time{})
			v, ok, _ := c.Get("a", now)
			return v, ok
		}, 0, false},
		{"ForgetIf drops what it says", func(c *Cache[string, int]) (int, bool) {
			_, _, gen := c.Get("a", now)
			c.Put("a", 1, gen, now, time.Time{})
			c.Put("b", 2, gen, now, time.Time{})
			c.ForgetIf(func(_ string, v int) bool { return v == 1 })
			if _, ok, _ := c.Get("a", now); ok {
				return -1, true
			}
			v, ok, _ := c.Get("b", now)
			return v, ok
		}, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := tc.run(New[string, int](time.Second, 100))
			if v != tc.want || ok != tc.ok {
				t.Fatalf("got %d, %v; want %d, %v", v, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestZeroTTLKeepsNothing(t *testing.T) {
	c := New[string, int](0, 10)
	now := time.Now()
	_, _, gen := c.Get("a", now)
	c.Put("a", 1, gen, now, time.Time{})
	if _, ok, _ := c.Get("a", now); ok || c.Len() != 0 {
		t.Fatal("a cache with no TTL kept a value")
	}
}

func TestStaysBounded(t *testing.T) {
	const size = 1000
	c := New[int, int](time.Minute, size)
	now := time.Now()
	for i := range size + 10 {
		c.Put(i, i, 0, now, time.Time{})
	}
	if n := c.Len(); n > size || n < size/2 {
		t.Fatalf("%d entries after %d puts, bound %d", n, size+10, size)
	}
	if _, ok, _ := c.Get(size+9, now); !ok {
		t.Fatal("the newest entry was dropped")
	}
}
