package mediacentre

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Fetcher is what the cache, the JSON API and the page need of a Client:
// the resources of a user in each of their establishments.
type Fetcher interface {
	ResourcesByEstablishment(ctx context.Context, user string, uais []string) []EstablishmentResult
}

// CacheKey identifies one cached list: GAR's answer for one user in one
// establishment of one ENT.
type CacheKey struct {
	Ident, UAI, User string
}

// A Cache keeps resource lists for a while. The lists it returns are
// shared: callers must not modify them.
type Cache interface {
	// Get returns the list stored under key and whether there is one that
	// has not expired. An error means the cache could not be read.
	Get(ctx context.Context, key CacheKey) ([]Resource, bool, error)
	// Set stores rs under key for ttl.
	Set(ctx context.Context, key CacheKey, rs []Resource, ttl time.Duration) error
}

// CacheMetrics counts the lookups of a CachedFetcher.
type CacheMetrics struct {
	lookups *prometheus.CounterVec
}

// NewCacheMetrics registers the cache metrics with reg:
// entgar_mediacentre_cache_lookups_total{result="hit"|"miss"|"error"}.
func NewCacheMetrics(reg prometheus.Registerer) *CacheMetrics {
	m := &CacheMetrics{lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "entgar_mediacentre_cache_lookups_total",
		Help: "Lookups of resource lists in the médiacentre cache, by result (hit, miss, error: the cache could not be read and GAR was asked).",
	}, []string{"result"})}
	for _, r := range []string{"hit", "miss", "error"} {
		m.lookups.WithLabelValues(r)
	}
	reg.MustRegister(m.lookups)
	return m
}

func (m *CacheMetrics) count(result string) {
	if m != nil {
		m.lookups.WithLabelValues(result).Inc()
	}
}

// CachedFetcher answers from a Cache what it can and asks its Fetcher for
// the rest. Only successful answers are cached: an error is asked again at
// the next request, so that a pupil who reloads the page after GAR came
// back sees their resources at once. A cache that fails (Redis down) is
// bypassed: requests still work, uncached, and the failure is logged once
// when it starts and once when it ends.
type CachedFetcher struct {
	next    Fetcher
	cache   Cache
	ident   string
	ttl     time.Duration
	log     *slog.Logger
	metrics *CacheMetrics

	mu      sync.Mutex
	failing bool // the cache failed at its last use
	// inflight holds the lists being fetched from GAR, so that concurrent
	// misses of one key (the portal asking for the API and the page of a
	// user at once, a double click) make one call to GAR.
	inflight map[CacheKey]*flight
}

// A flight is one fetch from GAR that other requests for the same key wait
// for; res is set before done is closed.
type flight struct {
	done chan struct{}
	res  EstablishmentResult
}

// NewCachedFetcher returns a Fetcher that caches for ttl the answers of
// next, made for the ENT ident, in cache. metrics may be nil; log may be
// nil to discard.
func NewCachedFetcher(next Fetcher, cache Cache, ident string, ttl time.Duration, metrics *CacheMetrics, log *slog.Logger) *CachedFetcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &CachedFetcher{next: next, cache: cache, ident: ident, ttl: ttl, log: log, metrics: metrics,
		inflight: make(map[CacheKey]*flight)}
}

// ResourcesByEstablishment implements Fetcher. The establishments are
// upper-cased and deduplicated as the Client does, in the order given.
func (f *CachedFetcher) ResourcesByEstablishment(ctx context.Context, user string, uais []string) []EstablishmentResult {
	out := make([]EstablishmentResult, 0, len(uais))
	seen := make(map[string]bool, len(uais))
	var missing []string
	missingAt := make(map[string]int)
	for _, u := range uais {
		u = strings.ToUpper(strings.TrimSpace(u))
		if seen[u] {
			continue
		}
		seen[u] = true
		rs, ok, err := f.cache.Get(ctx, CacheKey{f.ident, u, user})
		f.noteCache(err)
		switch {
		case err != nil:
			f.metrics.count("error")
		case ok:
			f.metrics.count("hit")
		default:
			f.metrics.count("miss")
		}
		out = append(out, EstablishmentResult{UAI: u, Resources: rs})
		if !ok {
			missingAt[u] = len(out) - 1
			missing = append(missing, u)
		}
	}
	if len(missing) == 0 {
		return out
	}

	// Lead the fetch of the keys nobody is fetching; wait for the others.
	var lead []string
	waits := make(map[string]*flight)
	f.mu.Lock()
	for _, u := range missing {
		k := CacheKey{f.ident, u, user}
		if fl, ok := f.inflight[k]; ok {
			waits[u] = fl
			continue
		}
		f.inflight[k] = &flight{done: make(chan struct{})}
		lead = append(lead, u)
	}
	f.mu.Unlock()

	if len(lead) > 0 {
		f.fetch(ctx, user, lead, out, missingAt)
	}
	var again []string
	for u, fl := range waits {
		select {
		case <-fl.done:
		case <-ctx.Done():
			out[missingAt[u]].Err = fmt.Errorf("listeRessources %s: %w", u, ctx.Err())
			continue
		}
		if errors.Is(fl.res.Err, context.Canceled) && ctx.Err() == nil {
			// The leader's caller went away: that says nothing of this
			// request, which fetches for itself.
			again = append(again, u)
			continue
		}
		out[missingAt[u]] = fl.res
	}
	if len(again) > 0 {
		for _, r := range f.next.ResourcesByEstablishment(ctx, user, again) {
			if i, ok := missingAt[r.UAI]; ok {
				out[i] = r
				if r.Err == nil {
					f.noteCache(f.cache.Set(ctx, CacheKey{f.ident, r.UAI, user}, r.Resources, f.ttl))
				}
			}
		}
	}
	return out
}

// fetch asks next for the lists of uais, whose flights this request leads:
// it fills out (at missingAt), caches the successes and lands the flights.
func (f *CachedFetcher) fetch(ctx context.Context, user string, uais []string, out []EstablishmentResult, missingAt map[string]int) {
	got := make(map[string]bool, len(uais))
	// The flights land whatever happens, so that no waiter waits forever.
	defer f.land(user, uais, out, missingAt, got)
	for _, r := range f.next.ResourcesByEstablishment(ctx, user, uais) {
		i, ok := missingAt[r.UAI]
		if !ok || got[r.UAI] {
			continue // the Fetcher normalises as we do; never seen
		}
		got[r.UAI] = true
		out[i] = r
		if r.Err == nil {
			f.noteCache(f.cache.Set(ctx, CacheKey{f.ident, r.UAI, user}, r.Resources, f.ttl))
		}
	}
}

// land ends the flights of uais with their results in out.
func (f *CachedFetcher) land(user string, uais []string, out []EstablishmentResult, missingAt map[string]int, got map[string]bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range uais {
		i := missingAt[u]
		if !got[u] {
			// An establishment the Fetcher left out must not pass for one
			// without resources.
			out[i].Err = fmt.Errorf("listeRessources %s: no answer from the client", u)
		}
		k := CacheKey{f.ident, u, user}
		fl := f.inflight[k]
		delete(f.inflight, k)
		fl.res = out[i]
		close(fl.done)
	}
}

// noteCache logs when the cache starts or stops failing.
func (f *CachedFetcher) noteCache(err error) {
	if err != nil && errors.Is(err, context.Canceled) {
		return // the request went away, the cache is fine
	}
	f.mu.Lock()
	was := f.failing
	f.failing = err != nil
	f.mu.Unlock()
	switch {
	case err != nil && !was:
		f.log.Warn("médiacentre cache unavailable: serving uncached until it is back", "err", err)
	case err == nil && was:
		f.log.Info("médiacentre cache available again")
	}
}
