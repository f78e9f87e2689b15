// Command serve is the benchmark harness of `entgar serve`'s médiacentre
// API (`make bench`).
//
// It starts, in one process, garsim's listeRessources service over mutual
// TLS and a server built as `entgar serve` builds it (server package, the
// real médiacentre client, the memory cache, the JSON API and the page),
// then sends requests over HTTPS with keep-alive from -c concurrent
// workers and reports requests/s, p50 and p99 of each workload:
//
//   - healthz: GET /healthz, the bare cost of a request to the server (TLS,
//     routing, access log, metrics): the baseline of the cached calls;
//   - api cached: the API for users whose lists are in the cache (2
//     establishments each);
//   - page cached: the HTML page of the same users;
//   - gar direct: the médiacentre client calling garsim itself for the
//     same 2 establishments, no server in between: the baseline of the
//     uncached calls;
//   - api uncached: the API with no cache, so through the client to garsim.
//
// The ratios (api cached / healthz, api uncached / gar direct) say what the
// API and the cache add to what cannot be avoided; both sides of a ratio
// run in the same process on the same machine. Nothing is asserted.
//
// Usage, from the module root:
//
//	go run ./bench/serve [-n 3000] [-c 8] [-users 200]
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entgar/entgar/garsim"
	"github.com/entgar/entgar/mediacentre"
	"github.com/entgar/entgar/server"
)

const apiKey = "bench-key-0123456789abcdef0123456789abcdef"

var uais = []string{"0650499P", "0750001A"}

func main() {
	n := flag.Int("n", 3000, "requests per workload")
	c := flag.Int("c", 8, "concurrent workers")
	users := flag.Int("users", 200, "distinct users")
	flag.Parse()
	if err := run(*n, *c, *users); err != nil {
		log.Fatal(err)
	}
}

func run(n, conc, nusers int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "entgar-bench-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)

	var people []garsim.Person
	for i := range nusers {
		people = append(people, garsim.Person{ID: fmt.Sprintf("eleve%04d", i), Profiles: map[string]string{uais[0]: "National_elv", uais[1]: "National_elv"}})
	}
	gar, err := garsim.NewMediacentre(garsim.MediacentreOptions{
		TLSDir: filepath.Join(dir, "garsim"), Idents: []string{"ZZ"},
		People: map[string][]garsim.Person{"ZZ": people}, Logger: quiet,
	})
	if err != nil {
		return err
	}
	go gar.Serve(ctx)

	files := gar.TLSFiles()
	mcfg := mediacentre.DefaultConfig()
	mcfg.BaseURL, mcfg.Ident = gar.URL(), "ZZ"
	mcfg.CertFile, mcfg.KeyFile, mcfg.CAFile = files.Clients["ZZ"].Cert, files.Clients["ZZ"].Key, files.CA
	mcfg.Logger = quiet
	client, err := mediacentre.NewClient(mcfg)
	if err != nil {
		return err
	}

	// The server's own certificate, from a CA of the simulator's kind.
	ca, err := garsim.NewCA("bench server CA")
	if err != nil {
		return err
	}
	leaf, err := ca.Issue(garsim.CertRequest{CommonName: "entgar", Hosts: []string{"127.0.0.1"}})
	if err != nil {
		return err
	}
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	keyPEM, err := leaf.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, leaf.CertPEM(), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	srv, err := server.New(server.Options{TLSCertFile: certFile, TLSKeyFile: keyFile, Logger: quiet})
	if err != nil {
		return err
	}
	keys, err := server.ParseAPIKeys(strings.NewReader(server.HashAPIKey("bench", apiKey)))
	if err != nil {
		return err
	}
	cached := mediacentre.NewCachedFetcher(client, mediacentre.NewMemoryCache(10*nusers), "ZZ", time.Hour, mediacentre.NewCacheMetrics(srv.Registerer()), quiet)
	srv.HandleAuth("GET /api/v1/mediacentre/resources", keys, mediacentre.NewAPI(cached, quiet))
	srv.HandleAuth("GET /mediacentre", keys, mediacentre.NewPage(cached, "ENT", quiet))
	srv.HandleAuth("GET /uncached/resources", keys, mediacentre.NewAPI(client, quiet))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ctx, ln)
	base := "https://" + ln.Addr().String()

	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: ca.Pool()},
		MaxIdleConnsPerHost: conc,
	}}
	userQuery := func(i int, path string) string {
		v := url.Values{"user": {people[i%nusers].ID}, "uai": uais}
		return base + path + "?" + v.Encode()
	}
	get := func(u string) error {
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		return nil
	}
	// Warm: every user's lists in the cache, connections open.
	for i := range nusers {
		if err := get(userQuery(i, "/api/v1/mediacentre/resources")); err != nil {
			return err
		}
	}

	fmt.Printf("entgar serve, médiacentre API: %d requests per workload, %d workers, %d users x %d establishments\n\n", n, conc, nusers, len(uais))
	fmt.Printf("%-14s %10s %10s %10s\n", "workload", "req/s", "p50", "p99")
	results := map[string]stats{}
	for _, w := range []struct {
		name string
		do   func(i int) error
	}{
		{"healthz", func(int) error { return get(base + "/healthz") }},
		{"api cached", func(i int) error { return get(userQuery(i, "/api/v1/mediacentre/resources")) }},
		{"page cached", func(i int) error { return get(userQuery(i, "/mediacentre")) }},
		{"gar direct", func(i int) error {
			for _, r := range client.ResourcesByEstablishment(ctx, people[i%nusers].ID, uais) {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		}},
		{"api uncached", func(i int) error { return get(userQuery(i, "/uncached/resources")) }},
	} {
		s, err := measure(n, conc, w.do)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		results[w.name] = s
		fmt.Printf("%-14s %10.0f %10s %10s\n", w.name, s.rps, round(s.p50), round(s.p99))
	}
	fmt.Println()
	ratio := func(a, b string) {
		fmt.Printf("%s / %s: p99 x%.2f, req/s x%.2f\n", a, b,
			float64(results[a].p99)/float64(results[b].p99), results[a].rps/results[b].rps)
	}
	ratio("api cached", "healthz")
	ratio("api uncached", "gar direct")
	return nil
}

type stats struct {
	rps      float64
	p50, p99 time.Duration
}

// measure runs do n times from conc workers and returns the throughput
// and latency percentiles.
func measure(n, conc int, do func(i int) error) (stats, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				if err := do(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if firstErr != nil {
		return stats{}, firstErr
	}
	slices.Sort(lat)
	return stats{rps: float64(n) / wall.Seconds(), p50: lat[n/2], p99: lat[n*99/100]}, nil
}

func round(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	default:
		return d.Round(10 * time.Microsecond).String()
	}
}
