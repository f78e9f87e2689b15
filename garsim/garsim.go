package garsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/entgar/entgar/internal/atomicfile"
)

// Config is a whole simulator: the SFTP drop with its collecte, and beside
// it (configured by the médiacentre files of this package) the
// listeRessources service.
type Config struct {
	// Root is the directory holding GAR's folders.
	Root string
	// Idents are the idENTs served, each with its folders.
	Idents []string
	// Names maps idENTs to the ENT names written in reports.
	Names map[string]string
	// SFTP configures the SSH/SFTP server.
	SFTP SFTPConfig
	// Collecte configures the collecte.
	Collecte CollecteConfig
	// Mediacentre, when not nil, also serves listeRessources over mutual
	// TLS; Run fills its Root, Idents and Logger from this Config when
	// they are empty, so that it serves the people of the archives the
	// collecte integrates.
	Mediacentre *MediacentreOptions
	// Logger receives the simulator's events; nil discards them.
	Logger *slog.Logger
}

// SFTPConfig configures the SFTP side of Run.
type SFTPConfig struct {
	// Listen is the address to listen on, host:port (port 0 picks a free
	// one).
	Listen string
	// HostKeyFile is the host key, created when absent (LoadOrCreateHostKey).
	HostKeyFile string
	// AuthorizedKeys is the authorized_keys file of the ENTs' keys.
	AuthorizedKeys string
	// KnownHostsOut, when set, is a file that Run writes once listening: the
	// known_hosts line for the actual address and host key, for scripts
	// that start garsim on a free port.
	KnownHostsOut string
}

// CollecteConfig configures the collecte side of Run.
type CollecteConfig struct {
	// Interval is the time between passes; GAR polls "several times an
	// hour".
	Interval time.Duration
	// Check analyses archive contents; nil means AnalyseChecker.
	Check Checker
}

// Run serves SFTP and runs the collecte until ctx is done, then shuts both
// down gracefully and returns nil; it returns an error when either cannot
// start or fails.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Collecte.Interval <= 0 {
		return errors.New("garsim: collecte interval must be positive")
	}
	hostKey, err := LoadOrCreateHostKey(cfg.SFTP.HostKeyFile)
	if err != nil {
		return fmt.Errorf("garsim: %w", err)
	}
	srv, err := NewSFTPServer(SFTPOptions{
		Root: cfg.Root, Idents: cfg.Idents, HostKey: hostKey,
		AuthorizedKeys: cfg.SFTP.AuthorizedKeys, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("garsim: %w", err)
	}
	defer srv.Close()
	col, err := NewCollecte(CollecteOptions{
		Root: cfg.Root, Idents: cfg.Idents, Names: cfg.Names, Check: cfg.Collecte.Check, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("garsim: %w", err)
	}
	defer col.Close()
	var mc *Mediacentre
	if cfg.Mediacentre != nil {
		o := *cfg.Mediacentre
		if o.Root == "" {
			o.Root = cfg.Root
		}
		if len(o.Idents) == 0 {
			o.Idents = cfg.Idents
		}
		if o.Logger == nil {
			o.Logger = log
		}
		if mc, err = NewMediacentre(o); err != nil {
			return fmt.Errorf("garsim: %w", err)
		}
		defer mc.Close()
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.SFTP.Listen)
	if err != nil {
		return fmt.Errorf("garsim: listen %s: %w", cfg.SFTP.Listen, err)
	}
	addr := ln.Addr().String()
	if cfg.SFTP.KnownHostsOut != "" {
		if _, err := atomicfile.Write(cfg.SFTP.KnownHostsOut, strings.NewReader(KnownHostsLine(addr, hostKey.PublicKey())+"\n")); err != nil {
			ln.Close()
			return fmt.Errorf("garsim: known hosts: %w", err)
		}
	}
	log.Info("garsim: SFTP listening", "addr", addr, "root", cfg.Root, "idents", cfg.Idents,
		"collecte_interval", cfg.Collecte.Interval.String())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Go(func() {
		if err := srv.Serve(ctx, ln); err != nil {
			errc <- err
			cancel()
		}
	})
	wg.Go(func() {
		if err := col.Run(ctx, cfg.Collecte.Interval); err != nil {
			errc <- err
			cancel()
		}
	})
	if mc != nil {
		wg.Go(func() {
			if err := mc.Serve(ctx); err != nil {
				errc <- err
				cancel()
			}
		})
	}
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	log.Info("garsim: stopped")
	return errors.Join(errs...)
}
