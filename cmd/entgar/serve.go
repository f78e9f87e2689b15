package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/mediacentre"
	"github.com/entgar/entgar/server"
)

// Routes of `entgar serve`, the contract with the ENT portals.
const (
	routeAPI  = "GET /api/v1/mediacentre/resources"
	routePage = "GET /mediacentre"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	check := fs.Bool("check", false, "load the configuration and every file it names (certificates, keys, CA bundles, API keys), then exit without serving")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)

	srv, closeCache, err := newServer(cfg, log)
	if err != nil {
		return err
	}
	defer closeCache()
	if *check {
		fmt.Fprintln(stdout, "configuration OK")
		return nil
	}
	if err := srv.ListenAndServe(ctx); err != nil {
		return &exitError{exitEnv, err}
	}
	return nil
}

// newServer builds the server that `entgar serve` runs from cfg: the
// médiacentre client, its cache, the API and the page, and the callers'
// authentication. Configuration problems, including unreadable files,
// are usage errors (exit 2). closeCache releases the cache's connections.
func newServer(cfg *config.Config, log *slog.Logger) (srv *server.Server, closeCache func(), err error) {
	sc := cfg.Server
	switch {
	case sc.TLSCert == "" || sc.TLSKey == "":
		return nil, nil, usageErr("set server.tls_cert and server.tls_key (the server's certificate and key)")
	case sc.APIKeysFile == "" && sc.ClientCAFile == "":
		return nil, nil, usageErr("set server.api_keys_file or server.client_ca_file: otherwise no portal can call the API")
	case cfg.ENT.ID == "":
		return nil, nil, usageErr("no idENT: set ent.id in the configuration or ENTGAR_ENT_ID")
	case cfg.Mediacentre.Deadline >= server.WriteTimeout:
		// The answer to the portal would be cut by the server's write
		// timeout before the client gave up on GAR: the portal would see
		// a broken connection instead of GAR's error in French.
		return nil, nil, usageErr("mediacentre.deadline %s must be shorter than the server's write timeout (%s) for entgar serve", cfg.Mediacentre.Deadline, server.WriteTimeout)
	}

	var auth server.Any
	if sc.APIKeysFile != "" {
		keys, err := server.OpenAPIKeys(sc.APIKeysFile, log)
		if err != nil {
			return nil, nil, usageErr("server.api_keys_file: %v", err)
		}
		auth = append(auth, keys)
		log.Info("API keys loaded", "file", sc.APIKeysFile, "keys", keys.Len())
	}
	if sc.ClientCAFile != "" {
		auth = append(auth, server.ClientCert{})
	}
	srv, err = server.New(server.Options{
		Listen:          sc.Listen,
		TLSCertFile:     sc.TLSCert,
		TLSKeyFile:      sc.TLSKey,
		ClientCAFile:    sc.ClientCAFile,
		ShutdownTimeout: sc.ShutdownTimeout,
		Logger:          log,
	})
	if err != nil {
		return nil, nil, &exitError{exitUsage, err}
	}

	mcfg, err := mediacentre.FromConfig(cfg, log)
	if err != nil {
		return nil, nil, &exitError{exitUsage, err}
	}
	client, err := mediacentre.NewClient(mcfg)
	if err != nil {
		return nil, nil, &exitError{exitUsage, fmt.Errorf("médiacentre client: %w", err)}
	}
	srv.Registerer().MustRegister(client.Collector())

	cache, cacheCheck, closeCache, err := newCache(cfg.Cache, srv.Registerer())
	if err != nil {
		return nil, nil, err
	}
	watch := mediacentre.NewUpstreamWatch(client)
	fetch := mediacentre.NewCachedFetcher(watch, cache, client.Ident(), cfg.Cache.TTL,
		mediacentre.NewCacheMetrics(srv.Registerer()), log)

	srv.HandleAuth(routeAPI, auth, mediacentre.NewAPI(fetch, log))
	srv.HandleAuth(routePage, auth, mediacentre.NewPage(fetch, cfg.ENT.Name, log))
	srv.AddCheck("cache", cacheCheck)
	srv.AddCheck("gar", upstreamCheck(watch))
	return srv, closeCache, nil
}

// newCache returns the cache cfg asks for, its readiness check and a
// function that closes it.
func newCache(cfg config.CacheConfig, reg prometheus.Registerer) (mediacentre.Cache, server.Checker, func(), error) {
	if cfg.Kind != config.CacheRedis {
		c := mediacentre.NewMemoryCache(cfg.MaxEntries)
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "entgar_mediacentre_cache_entries",
			Help: "Resource lists held by the memory cache (expired ones included until they are dropped).",
		}, func() float64 { return float64(c.Len()) }))
		return c, server.CheckFunc(func(context.Context) server.CheckResult {
			return server.CheckResult{Status: server.StatusOK, Detail: fmt.Sprintf("memory, %d of %d entries", c.Len(), cfg.MaxEntries)}
		}), func() {}, nil
	}
	opts := mediacentre.RedisOptions{Addr: cfg.Redis.Addr, DB: cfg.Redis.DB}
	if cfg.Redis.PasswordFile != "" {
		pw, err := config.ReadSecret(cfg.Redis.PasswordFile)
		if err != nil {
			return nil, nil, nil, usageErr("cache.redis.password_file: %v", err)
		}
		opts.Password = pw
	}
	c := mediacentre.NewRedisCache(opts)
	return c, server.CheckFunc(func(ctx context.Context) server.CheckResult {
		if err := c.Ping(ctx); err != nil {
			// Degraded, not down: requests are served uncached.
			return server.CheckResult{Status: server.StatusDegraded, Detail: err.Error() + "; serving uncached"}
		}
		return server.CheckResult{Status: server.StatusOK, Detail: "redis " + cfg.Redis.Addr}
	}), func() { c.Close() }, nil
}

// upstreamCheck reports what the last calls to GAR said. GAR failing makes
// the server degraded, not unready: cached lists and GAR's error messages
// are still served.
func upstreamCheck(w *mediacentre.UpstreamWatch) server.Checker {
	return server.CheckFunc(func(context.Context) server.CheckResult {
		s := w.State()
		switch {
		case !s.Known:
			return server.CheckResult{Status: server.StatusUnknown, Detail: "GAR not called since start"}
		case s.Failing:
			return server.CheckResult{Status: server.StatusDegraded, Detail: fmt.Sprintf("last call failed at %s: %s", s.LastFailure.Format(time.RFC3339), s.Failure)}
		}
		return server.CheckResult{Status: server.StatusOK, Detail: "last answer at " + s.LastOK.Format(time.RFC3339)}
	})
}
