// Command mediacentre is entgar's médiacentre client benchmark (`make
// bench`): requests per second and latency percentiles of listeRessources
// calls through mediacentre.Client against the simulator (garsim) over
// mutual TLS, compared in the same run with bare net/http clients that use
// the same TLS settings, the same connection pool limits and the same
// simulator.
//
// Three variants run the same workload:
//
//   - client: mediacentre.Client.Resources, i.e. per-request headers, the
//     deadline and retry machinery, bounded reads, decompression by
//     Content-Encoding, decoding by Content-Type into the model, metrics;
//   - bare+decode: a plain http.Client whose transport has the same TLS
//     configuration (TLS 1.2+, the same cipher suites, the same client
//     certificate and CA bundle) and pool size, sending the same headers,
//     gunzipping the body with the same gzip package and decoding it with
//     encoding/json into a struct of GAR's field names: the least a correct
//     client must do, hence the baseline of the overhead target (< 10%);
//   - bare read: the same bare client reading and gunzipping the body
//     without decoding it, to show what decoding itself costs;
//   - bare+json-v2 again (unless -control=false): the baseline a second
//     time, an A/A control whose difference from the first is the noise of
//     the run.
//
// The simulator runs in the same process and caches its encoded answers,
// so its share of the CPU is small and the same for every variant. The
// machine's cores are shared between the simulator and the client, as they
// would be by an ENT server and its other work.
//
// The steadiest figure is the process's CPU time per request (getrusage),
// which other processes on the machine hardly change; requests/s and
// latencies are also given, but on a shared machine they swing by tens of
// percent from run to run.
//
// Each variant runs -rounds times for -duration with -concurrency workers
// cycling over -users pupils and teachers, the variants interleaved round by
// round, each round starting with the next variant, so that drift (other
// processes, CPU frequency) hits them alike; the
// report gives requests/s over all rounds, p50 and p99 of the per-request
// latencies, and the client's overhead against each baseline. Nothing is
// asserted: the harness reports, it does not judge.
//
// Usage, from the module root:
//
//	go run ./bench/mediacentre [-duration 3s] [-rounds 3] [-concurrency 8] [-users 200] [-format json]
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/klauspost/compress/gzip"

	"github.com/entgar/entgar/garsim"
	"github.com/entgar/entgar/mediacentre"
)

const (
	ident = "BENCH"
	uai   = "0750001A"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "length of one round of one variant")
	rounds := flag.Int("rounds", 3, "rounds per variant, interleaved")
	conc := flag.Int("concurrency", 8, "concurrent callers (and pooled connections)")
	users := flag.Int("users", 200, "distinct users cycled over")
	format := flag.String("format", "json", "answer format asked: json or xml")
	only := flag.String("only", "", "run only the variants whose name contains this")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured rounds to this file")
	control := flag.Bool("control", true, "also run bare+json-v2 a second time (an A/A control: how far two identical variants differ is the run's noise)")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "entgar-bench-mediacentre-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var people []garsim.Person
	var ids []string
	for i := range *users {
		id, profile := fmt.Sprintf("eleve-%05d", i), "National_elv"
		if i%10 == 0 {
			id, profile = fmt.Sprintf("prof-%05d", i), "National_ens"
		}
		ids = append(ids, id)
		people = append(people, garsim.Person{ID: id, Profiles: map[string]string{uai: profile}})
	}
	mc, err := garsim.NewMediacentre(garsim.MediacentreOptions{
		TLSDir: filepath.Join(dir, "tls"),
		Idents: []string{ident},
		People: map[string][]garsim.Person{ident: people},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- mc.Serve(ctx) }()
	defer func() { cancel(); <-served }()

	files := mc.TLSFiles()
	client, err := mediacentre.NewClient(mediacentre.Config{
		BaseURL: mc.URL(), Ident: ident,
		CertFile: files.Clients[ident].Cert, KeyFile: files.Clients[ident].Key, CAFile: files.CA,
		Format: *format, MaxConns: *conc,
	})
	if err != nil {
		log.Fatal(err)
	}
	bare := newBareClient(files.Clients[ident].Cert, files.Clients[ident].Key, files.CA, *conc)
	accept := map[string]string{"json": "application/json", "xml": "application/xml"}[*format]

	variants := []*variant{
		{name: "client", call: func(ctx context.Context, user string) (int, error) {
			res, err := client.Resources(ctx, uai, user)
			return len(res), err
		}},
		{name: "bare+json-v2", call: func(ctx context.Context, user string) (int, error) {
			return bare.get(ctx, mc.URL(), user, accept, decodeV2)
		}},
		{name: "bare+json-v2 again", call: func(ctx context.Context, user string) (int, error) {
			return bare.get(ctx, mc.URL(), user, accept, decodeV2)
		}},
		{name: "bare+encoding/json", call: func(ctx context.Context, user string) (int, error) {
			return bare.get(ctx, mc.URL(), user, accept, decodeV1)
		}},
		{name: "bare read", call: func(ctx context.Context, user string) (int, error) {
			return bare.get(ctx, mc.URL(), user, accept, nil)
		}},
	}
	if *format != "json" {
		variants = slices.DeleteFunc(variants, func(v *variant) bool { return strings.HasPrefix(v.name, "bare+") })
	}
	if !*control {
		variants = slices.DeleteFunc(variants, func(v *variant) bool { return strings.HasSuffix(v.name, " again") })
	}
	if *only != "" {
		variants = slices.DeleteFunc(variants, func(v *variant) bool { return !strings.Contains(v.name, *only) })
	}
	// Warm up every pool and check every variant answers the same.
	for i := range variants {
		n, err := variants[i].call(ctx, ids[0])
		if err != nil {
			log.Fatalf("%s: %v", variants[i].name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: %d resources for %s\n", variants[i].name, n, ids[0])
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	for r := range *rounds {
		// Each round starts with the next variant, so that no variant is
		// always the one after the most demanding.
		for k := range variants {
			v := variants[(r+k)%len(variants)]
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", r+1, *rounds, v.name)
			v.run(ctx, *duration, *conc, ids)
		}
	}

	fmt.Printf("médiacentre client vs bare net/http, %s answers, %d callers, %d users, %d × %s per variant, GOMAXPROCS %d\n",
		*format, *conc, *users, *rounds, *duration, runtime.GOMAXPROCS(0))
	fmt.Printf("TLS handshakes on the simulator: %d (connections %d) for %d requests\n\n",
		mc.Handshakes(), mc.Connections(), mc.Requests())
	fmt.Printf("| variant | requests | errors | CPU/request | req/s | mean | p50 | p90 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, v := range variants {
		fmt.Printf("| %s | %d | %d | %s | %.0f | %s | %s | %s | %s | %s |\n", v.name, len(v.lat), v.errors.Load(), v.cpuPerRequest(),
			v.rate(), mean(v.lat), pct(v.lat, 0.50), pct(v.lat, 0.90), pct(v.lat, 0.99), pct(v.lat, 1))
	}
	fmt.Println()
	c := variants[0]
	if c.name != "client" {
		return
	}
	if len(variants) > 2 && variants[2].name == "bare+json-v2 again" {
		a, b := variants[1], variants[2]
		fmt.Printf("noise (A/A, bare+json-v2 twice): CPU per request %+.1f%%, throughput %+.1f%%, p50 %+.1f%%, p99 %+.1f%%\n",
			100*(float64(b.cpuPerRequest())/float64(a.cpuPerRequest())-1), 100*(1-b.rate()/a.rate()),
			100*(float64(pct(b.lat, 0.50))/float64(pct(a.lat, 0.50))-1),
			100*(float64(pct(b.lat, 0.99))/float64(pct(a.lat, 0.99))-1))
	}
	for _, b := range variants[1:] {
		if strings.HasSuffix(b.name, " again") {
			continue
		}
		// Overhead: how much lower the client's throughput is, and how much
		// higher its latencies (negative: the client does better).
		fmt.Printf("client vs %s: CPU per request %+.1f%%, throughput overhead %+.1f%%, p50 %+.1f%%, p99 %+.1f%%\n", b.name,
			100*(float64(c.cpuPerRequest())/float64(b.cpuPerRequest())-1),
			100*(1-c.rate()/b.rate()),
			100*(float64(pct(c.lat, 0.50))/float64(pct(b.lat, 0.50))-1),
			100*(float64(pct(c.lat, 0.99))/float64(pct(b.lat, 0.99))-1))
	}
}

// variant is one way of calling listeRessources, with its measurements
// accumulated over the rounds.
type variant struct {
	name    string
	call    func(ctx context.Context, user string) (int, error)
	lat     []time.Duration
	elapsed time.Duration
	cpu     time.Duration // user + system CPU time of the process
	errors  atomic.Int64
}

// cpuPerRequest is the process's CPU time per request: client and
// simulator together, the simulator's share being the same for every
// variant. Unlike wall-clock rates it hardly depends on what other
// processes do with the machine's cores.
func (v *variant) cpuPerRequest() time.Duration {
	return (v.cpu / time.Duration(max(1, len(v.lat)))).Round(100 * time.Nanosecond)
}

// processCPU returns the user + system CPU time used by this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (v *variant) rate() float64 { return float64(len(v.lat)) / v.elapsed.Seconds() }

// run calls v with conc workers for d, each cycling over the users from its
// own offset.
func (v *variant) run(ctx context.Context, d time.Duration, conc int, users []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu := processCPU()
	start := time.Now()
	stop := start.Add(d)
	for w := range conc {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for i := w * len(users) / conc; time.Now().Before(stop); i++ {
				t := time.Now()
				_, err := v.call(ctx, users[i%len(users)])
				lat = append(lat, time.Since(t))
				if err != nil {
					v.errors.Add(1)
				}
			}
			mu.Lock()
			v.lat = append(v.lat, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	v.elapsed += time.Since(start)
	v.cpu += processCPU() - cpu
}

func mean(lat []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return (sum / time.Duration(max(1, len(lat)))).Round(time.Microsecond)
}

func pct(lat []time.Duration, p float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))].Round(time.Microsecond)
}

// bareClient is a plain net/http client with the médiacentre client's TLS
// settings.
type bareClient struct{ hc *http.Client }

func newBareClient(certFile, keyFile, caFile string, conns int) *bareClient {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		log.Fatal(err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &bareClient{hc: &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12, CipherSuites: mediacentre.ClientCipherSuites(),
			RootCAs: roots, Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"},
		},
		DisableCompression:  true,
		MaxConnsPerHost:     conns,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}}
}

// garTerm and garResource are the étiquette in GAR's JSON names, as a
// straightforward client would declare them.
type garTerm struct {
	Code string `json:"code"`
	URI  string `json:"uri"`
	Nom  string `json:"nom"`
}

type garResource struct {
	IDRessource           string    `json:"idRessource"`
	IDType                string    `json:"idType"`
	NomRessource          string    `json:"nomRessource"`
	IDEditeur             string    `json:"idEditeur"`
	NomEditeur            string    `json:"nomEditeur"`
	URLVignette           string    `json:"urlVignette"`
	TypePresentation      garTerm   `json:"typePresentation"`
	TypePedagogique       []garTerm `json:"typePedagogique"`
	TypologieDocument     []garTerm `json:"typologieDocument"`
	NiveauEducatif        []garTerm `json:"niveauEducatif"`
	DomaineEnseignement   []garTerm `json:"domaineEnseignement"`
	URLAccesRessource     string    `json:"urlAccesRessource"`
	NomSourceEtiquetteGar string    `json:"nomSourceEtiquetteGar"`
	DistributeurTech      string    `json:"distributeurTech"`
	ValidateurTech        string    `json:"validateurTech"`
}

type garList struct {
	ListeRessources struct {
		Ressource []garResource `json:"ressource"`
	} `json:"listeRessources"`
}

// decodeV2 decodes with the JSON library the client uses (json v2), into
// plain structs: what the client adds beyond it is its own overhead.
func decodeV2(r io.Reader) (int, error) {
	var doc garList
	err := jsonv2.UnmarshalRead(r, &doc)
	return len(doc.ListeRessources.Ressource), err
}

// decodeV1 decodes with encoding/json, as most clients would.
func decodeV1(r io.Reader) (int, error) {
	var doc garList
	err := json.NewDecoder(r).Decode(&doc)
	return len(doc.ListeRessources.Ressource), err
}

// get calls listeRessources for user and reads the gzipped answer, decoding
// it with decode when not nil; it returns the number of resources.
func (b *bareClient) get(ctx context.Context, base, user, accept string, decode func(io.Reader) (int, error)) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ressources/"+ident+"/"+uai+"/"+user, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	resp, err := b.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	var r io.Reader = resp.Body
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return 0, err
		}
		defer zr.Close()
		r = zr
	}
	n := 0
	if decode != nil {
		if n, err = decode(r); err != nil {
			return 0, err
		}
	}
	_, err = io.Copy(io.Discard, r)
	return n, err
}
