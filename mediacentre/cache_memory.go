package mediacentre

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// MemoryCache is a Cache in the process's memory, bounded to a number of
// lists: when full, the least recently used list goes. Expired lists are
// dropped when they are next read or pushed out.
type MemoryCache struct {
	max int
	now func() time.Time

	mu    sync.Mutex
	order *list.List // of *memoryEntry, most recently used first
	index map[CacheKey]*list.Element
}

type memoryEntry struct {
	key     CacheKey
	value   []Resource
	expires time.Time
}

// NewMemoryCache returns an empty MemoryCache holding at most maxEntries
// lists (at least 1).
func NewMemoryCache(maxEntries int) *MemoryCache {
	return &MemoryCache{
		max:   max(maxEntries, 1),
		now:   time.Now,
		order: list.New(),
		index: make(map[CacheKey]*list.Element),
	}
}

// Get implements Cache. It never fails.
func (c *MemoryCache) Get(_ context.Context, key CacheKey) ([]Resource, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.index[key]
	if !ok {
		return nil, false, nil
	}
	e := el.Value.(*memoryEntry)
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.index, key)
		return nil, false, nil
	}
	c.order.MoveToFront(el)
	return e.value, true, nil
}

// Set implements Cache. It never fails.
func (c *MemoryCache) Set(_ context.Context, key CacheKey, rs []Resource, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(ttl)
	if el, ok := c.index[key]; ok {
		e := el.Value.(*memoryEntry)
		e.value, e.expires = rs, expires
		c.order.MoveToFront(el)
		return nil
	}
	c.index[key] = c.order.PushFront(&memoryEntry{key: key, value: rs, expires: expires})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.index, last.Value.(*memoryEntry).key)
	}
	return nil
}

// Len returns the number of lists held, expired ones included until they
// are dropped.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
