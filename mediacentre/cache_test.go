package mediacentre

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/entgar/entgar/internal/redistest"
	"github.com/entgar/entgar/internal/testlog"
)

// fakeFetcher answers from fixed lists and errors, counting the
// establishments it was asked for.
type fakeFetcher struct {
	mu        sync.Mutex
	resources map[string][]Resource // by UAI
	errs      map[string]error      // by UAI
	asked     []string
}

func (f *fakeFetcher) ResourcesByEstablishment(_ context.Context, user string, uais []string) []EstablishmentResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []EstablishmentResult
	for _, u := range uais {
		u = strings.ToUpper(u)
		f.asked = append(f.asked, u)
		if err := f.errs[u]; err != nil {
			out = append(out, EstablishmentResult{UAI: u, Err: err})
			continue
		}
		out = append(out, EstablishmentResult{UAI: u, Resources: f.resources[u]})
	}
	return out
}

func (f *fakeFetcher) takeAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.asked
	f.asked = nil
	return a
}

func resource(code, title string) Resource {
	return Resource{
		ID:            "ark:/99999/" + strings.ToLower(strings.ReplaceAll(title, " ", "-")),
		IDType:        "ARK",
		Name:          title,
		PublisherName: "Éditions " + code,
		ThumbnailURL:  "https://vignette.example/" + code + ".png",
		Presentation:  Term{Code: code, Name: strings.ToLower(PresentationLabel(code))},
		AccessURL:     "https://gar.example/domaineGar?r=" + code,
		LabelSource:   "Accessible via le Gestionnaire d’accès aux ressources (GAR)",
		TeachingDomains: []Term{
			{URI: "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-015-num-990", Name: "histoire (6e)"},
		},
	}
}

func TestMemoryCacheLRUAndTTL(t *testing.T) {
	ctx := context.Background()
	c := NewMemoryCache(2)
	now := time.Unix(1_800_000_000, 0)
	c.now = func() time.Time { return now }
	k := func(u string) CacheKey { return CacheKey{"ZZ", u, "user"} }
	a, b, d := []Resource{resource("MAN", "a")}, []Resource{resource("DIC", "b")}, []Resource{}
	c.Set(ctx, k("A"), a, time.Minute)
	c.Set(ctx, k("B"), b, time.Minute)
	if _, ok, _ := c.Get(ctx, k("A")); !ok { // A is now the most recent
		t.Fatal("A missing")
	}
	c.Set(ctx, k("D"), d, time.Minute) // pushes B out
	if _, ok, _ := c.Get(ctx, k("B")); ok {
		t.Error("B still cached after two more recent entries in a cache of 2")
	}
	if got, ok, _ := c.Get(ctx, k("D")); !ok || got == nil || len(got) != 0 {
		t.Errorf("an empty list must be cached as such: %v %v", got, ok)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	now = now.Add(time.Minute)
	if _, ok, _ := c.Get(ctx, k("A")); ok {
		t.Error("A returned after its TTL")
	}
	if c.Len() != 1 {
		t.Errorf("Len after an expired read = %d, want 1", c.Len())
	}
	if _, ok, _ := c.Get(ctx, CacheKey{"ZZ", "D", "other"}); ok {
		t.Error("another user's list returned")
	}
}

func TestCachedFetcher(t *testing.T) {
	ctx := context.Background()
	gar := &Error{Status: 400, Code: "Bad Request", Message: "Etablissement non trouvé", Kind: KindUnknownEstablishment}
	next := &fakeFetcher{
		resources: map[string][]Resource{"0650499P": {resource("MAN", "Maths 6e")}, "0750001A": nil},
		errs:      map[string]error{"0999999Z": gar},
	}
	reg := prometheus.NewRegistry()
	m := NewCacheMetrics(reg)
	f := NewCachedFetcher(next, NewMemoryCache(100), "ZZ", time.Hour, m, nil)

	got := f.ResourcesByEstablishment(ctx, "u1", []string{"0650499p", "0999999Z", "0750001A", "0650499P"})
	if uais := resultUAIs(got); !reflect.DeepEqual(uais, []string{"0650499P", "0999999Z", "0750001A"}) {
		t.Fatalf("UAIs = %v", uais)
	}
	if !errors.Is(got[1].Err, gar) || got[1].Resources != nil {
		t.Errorf("failed establishment: %+v", got[1])
	}
	if len(got[0].Resources) != 1 || got[0].Err != nil || got[2].Err != nil {
		t.Errorf("results: %+v", got)
	}
	if asked := next.takeAsked(); len(asked) != 3 {
		t.Errorf("first call asked GAR for %v, want the 3 establishments", asked)
	}

	got2 := f.ResourcesByEstablishment(ctx, "u1", []string{"0650499P", "0999999Z", "0750001A"})
	if asked := next.takeAsked(); !reflect.DeepEqual(asked, []string{"0999999Z"}) {
		t.Errorf("second call asked GAR for %v, want only the failed establishment (errors are not cached)", asked)
	}
	if !reflect.DeepEqual(got2[0].Resources, got[0].Resources) || got2[2].Resources != nil || got2[2].Err != nil {
		t.Errorf("cached results differ: %+v", got2)
	}
	f.ResourcesByEstablishment(ctx, "u2", []string{"0650499P"})
	if asked := next.takeAsked(); !reflect.DeepEqual(asked, []string{"0650499P"}) {
		t.Errorf("another user asked GAR for %v, want 0650499P (the cache is per user)", asked)
	}
	for result, want := range map[string]float64{"hit": 2, "miss": 5, "error": 0} {
		if n := testutil.ToFloat64(m.lookups.WithLabelValues(result)); n != want {
			t.Errorf("cache lookups %s = %v, want %v", result, n, want)
		}
	}
}

func resultUAIs(rs []EstablishmentResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.UAI)
	}
	return out
}

// failingCache fails every call.
type failingCache struct{ err error }

func (c failingCache) Get(context.Context, CacheKey) ([]Resource, bool, error) {
	return nil, false, c.err
}
func (c failingCache) Set(context.Context, CacheKey, []Resource, time.Duration) error { return c.err }

func TestCachedFetcherSurvivesCacheFailure(t *testing.T) {
	next := &fakeFetcher{resources: map[string][]Resource{"A": {resource("DOC", "Presse")}}}
	var logs bytes.Buffer
	m := NewCacheMetrics(prometheus.NewRegistry())
	f := NewCachedFetcher(next, failingCache{errors.New("dial tcp: connection refused")}, "ZZ", time.Hour, m, slog.New(slog.NewTextHandler(&logs, nil)))
	for range 3 {
		got := f.ResourcesByEstablishment(context.Background(), "u", []string{"A"})
		if len(got) != 1 || got[0].Err != nil || len(got[0].Resources) != 1 {
			t.Fatalf("with the cache down: %+v", got)
		}
	}
	if n := len(next.takeAsked()); n != 3 {
		t.Errorf("GAR asked %d times, want 3 (uncached)", n)
	}
	if n := strings.Count(logs.String(), "cache unavailable"); n != 1 {
		t.Errorf("cache failure logged %d times, want once:\n%s", n, logs.String())
	}
	if n := testutil.ToFloat64(m.lookups.WithLabelValues("error")); n != 3 {
		t.Errorf("error lookups = %v, want 3", n)
	}
}

func TestRedisCache(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := NewRedisCache(RedisOptions{Addr: srv.Addr})
	defer c.Close()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	key := CacheKey{"ZZ", "0650499P", "user:with spaces/and:colons"}
	if _, ok, err := c.Get(ctx, key); ok || err != nil {
		t.Fatalf("empty cache: ok=%v err=%v", ok, err)
	}
	want := []Resource{resource("MAN", "Maths 6e"), resource("DIC", "Le Robert")}
	want[1].PedagogicalTypes = []Term{{URI: "u", Name: "étude de cas"}}
	if err := c.Set(ctx, key, want, time.Second); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(ctx, key)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip through redis:\n got %+v %v %v\nwant %+v", got, ok, err, want)
	}
	if err := c.Set(ctx, CacheKey{"ZZ", "0650499P", "empty"}, nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := c.Get(ctx, CacheKey{"ZZ", "0650499P", "empty"}); !ok || got == nil || len(got) != 0 {
		t.Errorf("an empty list: got %v %v, want an empty, cached list", got, ok)
	}
	if _, ok, _ := c.Get(ctx, CacheKey{"ZZ", "0650499P", "user"}); ok {
		t.Error("key collision between users")
	}
	// Redis expires the entry itself.
	time.Sleep(1100 * time.Millisecond)
	if _, ok, err := c.Get(ctx, key); ok || err != nil {
		t.Errorf("after the TTL: ok=%v err=%v", ok, err)
	}
}

// TestRedisDown stops Redis under a CachedFetcher: requests go on uncached,
// one warning is logged, and the cache is used again once Redis is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := NewRedisCache(RedisOptions{Addr: srv.Addr})
	defer c.Close()
	next := &fakeFetcher{resources: map[string][]Resource{"A": {resource("ORI", "Onisep")}}}
	var logs testlog.Buffer
	f := NewCachedFetcher(next, c, "ZZ", time.Hour, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	f.ResourcesByEstablishment(ctx, "u", []string{"A"})
	f.ResourcesByEstablishment(ctx, "u", []string{"A"})
	if n := len(next.takeAsked()); n != 1 {
		t.Fatalf("GAR asked %d times with Redis up, want 1", n)
	}

	srv.Stop()
	for i := range 5 {
		start := time.Now()
		got := f.ResourcesByEstablishment(ctx, "u", []string{"A"})
		if len(got) != 1 || got[0].Err != nil || len(got[0].Resources) != 1 {
			t.Fatalf("call %d with Redis down: %+v", i, got)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("call %d with Redis down took %v", i, d)
		}
	}
	if n := len(next.takeAsked()); n != 5 {
		t.Errorf("GAR asked %d times with Redis down, want 5", n)
	}
	if err := c.Ping(ctx); err == nil {
		t.Error("Ping succeeds with Redis stopped")
	}
	if n := strings.Count(logs.String(), "cache unavailable"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestRedisKeyEscapes(t *testing.T) {
	a := redisKey(CacheKey{"ZZ", "A:B", "C"})
	b := redisKey(CacheKey{"ZZ", "A", "B:C"})
	if a == b {
		t.Errorf("keys collide: %s", a)
	}
	if want := "entgar:mediacentre:v1:ZZ:0650499P:jean%3Adupont"; redisKey(CacheKey{"ZZ", "0650499P", "jean:dupont"}) != want {
		t.Errorf("key = %s, want %s", redisKey(CacheKey{"ZZ", "0650499P", "jean:dupont"}), want)
	}
}

// shortFetcher answers for none of the establishments.
type shortFetcher struct{}

func (shortFetcher) ResourcesByEstablishment(context.Context, string, []string) []EstablishmentResult {
	return nil
}

func TestCachedFetcherMissingAnswer(t *testing.T) {
	f := NewCachedFetcher(shortFetcher{}, NewMemoryCache(10), "ZZ", time.Hour, nil, nil)
	got := f.ResourcesByEstablishment(context.Background(), "u", []string{"A"})
	if len(got) != 1 || got[0].Err == nil {
		t.Errorf("an establishment without an answer: %+v, want an error", got)
	}
}

func TestRedisCachePassword(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "s3cret pass")
	ctx := context.Background()
	good := NewRedisCache(RedisOptions{Addr: srv.Addr, Password: "s3cret pass", DB: 3})
	defer good.Close()
	if err := good.Ping(ctx); err != nil {
		t.Fatalf("right password: %v", err)
	}
	key := CacheKey{"ZZ", "A", "u"}
	if err := good.Set(ctx, key, []Resource{resource("DIC", "Dico")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := good.Get(ctx, key); !ok || err != nil {
		t.Errorf("get with the right password: %v %v", ok, err)
	}
	bad := NewRedisCache(RedisOptions{Addr: srv.Addr, Password: "wrong", DB: 3})
	defer bad.Close()
	if err := bad.Ping(ctx); err == nil {
		t.Error("wrong password: Ping succeeds")
	}
	if _, ok, err := bad.Get(ctx, key); ok || err == nil {
		t.Errorf("get with a wrong password: ok=%v err=%v, want an error", ok, err)
	}
	other := NewRedisCache(RedisOptions{Addr: srv.Addr, Password: "s3cret pass", DB: 4})
	defer other.Close()
	if _, ok, _ := other.Get(ctx, key); ok {
		t.Error("the entry of database 3 is seen from database 4")
	}
}

// gateFetcher blocks every call until its gate opens (or the call's
// context ends), counting the calls.
type gateFetcher struct {
	gate  chan struct{}
	calls atomic.Int32
	rs    []Resource
}

func (g *gateFetcher) ResourcesByEstablishment(ctx context.Context, _ string, uais []string) []EstablishmentResult {
	g.calls.Add(1)
	var err error
	select {
	case <-g.gate:
	case <-ctx.Done():
		err = ctx.Err()
	}
	out := make([]EstablishmentResult, len(uais))
	for i, u := range uais {
		out[i] = EstablishmentResult{UAI: u, Resources: g.rs, Err: err}
		if err != nil {
			out[i].Resources = nil
		}
	}
	return out
}

// waitCalls waits until g has been called n times.
func (g *gateFetcher) waitCalls(t *testing.T, n int32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for g.calls.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls, want %d", g.calls.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCachedFetcherSharesFlights sends concurrent requests for one key:
// GAR is asked once and every request gets the answer.
func TestCachedFetcherSharesFlights(t *testing.T) {
	g := &gateFetcher{gate: make(chan struct{}), rs: []Resource{resource("MAN", "Maths")}}
	cache := &countingCache{Cache: NewMemoryCache(10)}
	f := NewCachedFetcher(g, cache, "ZZ", time.Hour, nil, nil)
	results := make(chan []EstablishmentResult, 5)
	for range 5 {
		go func() { results <- f.ResourcesByEstablishment(context.Background(), "u", []string{"A"}) }()
	}
	g.waitCalls(t, 1)
	// Every request has missed the cache (nothing is stored before the
	// gate opens); give them a moment to queue behind the first.
	for cache.gets.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(g.gate)
	for range 5 {
		r := <-results
		if len(r) != 1 || r[0].Err != nil || len(r[0].Resources) != 1 {
			t.Errorf("result %+v", r)
		}
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("GAR asked %d times for 5 concurrent requests of one key, want 1", n)
	}
	if len(f.inflight) != 0 {
		t.Errorf("%d flights left", len(f.inflight))
	}
}

// TestCachedFetcherLeaderCancelled checks that a request waiting on another
// whose caller went away fetches for itself.
func TestCachedFetcherLeaderCancelled(t *testing.T) {
	g := &gateFetcher{gate: make(chan struct{}), rs: []Resource{resource("DOC", "Presse")}}
	f := NewCachedFetcher(g, NewMemoryCache(10), "ZZ", time.Hour, nil, nil)
	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leader := make(chan []EstablishmentResult, 1)
	go func() { leader <- f.ResourcesByEstablishment(leaderCtx, "u", []string{"A"}) }()
	g.waitCalls(t, 1)
	follower := make(chan []EstablishmentResult, 1)
	go func() { follower <- f.ResourcesByEstablishment(context.Background(), "u", []string{"A"}) }()
	time.Sleep(50 * time.Millisecond)
	cancelLeader()
	if r := <-leader; !errors.Is(r[0].Err, context.Canceled) {
		t.Errorf("leader: %+v, want its cancellation", r)
	}
	g.waitCalls(t, 2)
	close(g.gate)
	if r := <-follower; r[0].Err != nil || len(r[0].Resources) != 1 {
		t.Errorf("follower after the leader went away: %+v", r)
	}
	// The follower's own fetch is cached like any other.
	if r := f.ResourcesByEstablishment(context.Background(), "u", []string{"A"}); r[0].Err != nil || len(r[0].Resources) != 1 {
		t.Errorf("request after the follower: %+v", r)
	}
	if n := g.calls.Load(); n != 2 {
		t.Errorf("GAR asked %d times, want 2: the follower's answer was not cached", n)
	}
}

// countingCache counts the lookups of the Cache it wraps.
type countingCache struct {
	Cache
	gets atomic.Int32
}

func (c *countingCache) Get(ctx context.Context, key CacheKey) ([]Resource, bool, error) {
	c.gets.Add(1)
	return c.Cache.Get(ctx, key)
}
