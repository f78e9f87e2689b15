package mediacentre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts of the Redis cache. They are short: a cache slower than GAR is
// no use, and a Redis that hangs must not hold a pupil's page.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = 500 * time.Millisecond
	// redisPause is how long a failed Redis is left alone before it is
	// tried again, so that a Redis that is down costs one failed call per
	// pause, not one per request.
	redisPause = 2 * time.Second
)

// ErrCachePaused is returned by RedisCache while it leaves a failed Redis
// alone.
var ErrCachePaused = errors.New("redis cache paused after a failure")

// RedisOptions configures a RedisCache.
type RedisOptions struct {
	// Addr is Redis's host:port.
	Addr string
	// Password is Redis's password (AUTH); empty for none.
	Password string
	// DB is the Redis database number.
	DB int
}

// RedisCache is a Cache in Redis, shared by every `entgar serve` of the
// ENT. Lists are stored as JSON under
// "entgar:mediacentre:v1:IDENT:UAI:USER" (each part query-escaped) with
// Redis's own expiry.
type RedisCache struct {
	rdb       *redis.Client
	pausedTil atomic.Int64 // Unix nanoseconds; 0 when not paused
}

// NewRedisCache returns a RedisCache. It does not connect: a Redis that is
// down at start is like a Redis that goes down later, the server works
// uncached meanwhile.
func NewRedisCache(opts RedisOptions) *RedisCache {
	return &RedisCache{rdb: redis.NewClient(&redis.Options{
		Addr:         opts.Addr,
		Password:     opts.Password,
		DB:           opts.DB,
		DialTimeout:  redisDialTimeout,
		ReadTimeout:  redisIOTimeout,
		WriteTimeout: redisIOTimeout,
		MaxRetries:   1,
		// RESP2 with no client-side tracking: nothing more is needed for
		// GET and SET, and it works with every Redis version.
		Protocol:              2,
		ContextTimeoutEnabled: true,
	})}
}

func redisKey(k CacheKey) string {
	return "entgar:mediacentre:v1:" + url.QueryEscape(k.Ident) + ":" + url.QueryEscape(k.UAI) + ":" + url.QueryEscape(k.User)
}

// Get implements Cache.
func (c *RedisCache) Get(ctx context.Context, key CacheKey) ([]Resource, bool, error) {
	if c.paused() {
		return nil, false, ErrCachePaused
	}
	b, err := c.rdb.Get(ctx, redisKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		c.fail(ctx, err)
		return nil, false, fmt.Errorf("redis cache get: %w", err)
	}
	var rs []Resource
	if err := json.Unmarshal(b, &rs); err != nil {
		// Not a Redis failure: an entry written by another version. Ask
		// GAR; the Set that follows replaces it.
		return nil, false, nil
	}
	return rs, true, nil
}

// Set implements Cache.
func (c *RedisCache) Set(ctx context.Context, key CacheKey, rs []Resource, ttl time.Duration) error {
	if c.paused() {
		return ErrCachePaused
	}
	if rs == nil {
		rs = []Resource{} // "null" would not say "no resource"
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return fmt.Errorf("redis cache: encode: %w", err)
	}
	if err := c.rdb.Set(ctx, redisKey(key), b, ttl).Err(); err != nil {
		c.fail(ctx, err)
		return fmt.Errorf("redis cache set: %w", err)
	}
	return nil
}

// Ping checks that Redis answers, ignoring the pause, and ends the pause
// when it does.
func (c *RedisCache) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis cache ping %s: %w", c.rdb.Options().Addr, err)
	}
	c.pausedTil.Store(0)
	return nil
}

// Close closes the connections to Redis.
func (c *RedisCache) Close() error { return c.rdb.Close() }

func (c *RedisCache) paused() bool {
	t := c.pausedTil.Load()
	return t != 0 && time.Now().UnixNano() < t
}

// fail pauses the cache after a Redis failure, unless the failure is the
// caller's own cancellation.
func (c *RedisCache) fail(ctx context.Context, err error) {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return
	}
	c.pausedTil.Store(time.Now().Add(redisPause).UnixNano())
}
