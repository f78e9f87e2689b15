package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/entgar/entgar/config"
	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/garsim"
)

func runGarsim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("garsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: entgar garsim [flags]")
		fmt.Fprintln(stderr, "Runs the GAR simulator (SFTP drop and collecte, and with garsim.mediacentre_listen the listeRessources service; see docs/garsim.md) until SIGINT or SIGTERM.")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	listen := fs.String("listen", "", "SFTP address host:port (overrides garsim.sftp_listen; port 0 picks a free one)")
	root := fs.String("root", "", "directory served (overrides garsim.root)")
	knownHostsOut := fs.String("known-hosts-out", "", "once listening, write the known_hosts line of the server (actual address and host key) to this file")
	newClientKey := fs.String("new-client-key", "", "for rehearsals: create an ed25519 client key at this path if missing and add it to garsim.authorized_keys")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Garsim.SFTPListen = *listen
	}
	if *root != "" {
		cfg.Garsim.Root = *root
	}
	if err := validateConfig(cfg); err != nil {
		return err
	}
	g := cfg.Garsim
	var idents []string
	for _, id := range g.Idents {
		idents = append(idents, strings.ToUpper(id))
	}
	if len(idents) == 0 {
		if cfg.ENT.ID == "" {
			return usageErr("no idENT to serve: set garsim.idents or ent.id")
		}
		id, err := gar.NormalizeIdent(cfg.ENT.ID)
		if err != nil {
			return usageErr("ent.id: %v", err)
		}
		idents = []string{id}
	}
	if inside(g.HostKeyFile, g.Root) {
		return usageErr("garsim.host_key_file %s is inside garsim.root %s: the ENTs could download the host key", g.HostKeyFile, g.Root)
	}
	names := map[string]string{}
	if cfg.ENT.Name != "" {
		for _, id := range idents {
			names[id] = cfg.ENT.Name
		}
	}
	if *newClientKey != "" {
		if err := garsim.AuthorizeNewClientKey(*newClientKey, g.AuthorizedKeys); err != nil {
			return &exitError{exitEnv, err}
		}
	}
	log := newLogger(cfg.Log, stderr)
	var mc *garsim.MediacentreOptions
	if g.MediacentreListen != "" {
		mc = &garsim.MediacentreOptions{Listen: g.MediacentreListen, TLSDir: g.TLSDir}
	}
	err = garsim.Run(ctx, garsim.Config{
		Root:   g.Root,
		Idents: idents,
		Names:  names,
		SFTP: garsim.SFTPConfig{
			Listen: g.SFTPListen, HostKeyFile: g.HostKeyFile, AuthorizedKeys: g.AuthorizedKeys,
			KnownHostsOut: *knownHostsOut,
		},
		Collecte:    garsim.CollecteConfig{Interval: g.CollecteInterval, Check: collecteChecker(cfg)},
		Mediacentre: mc,
		Logger:      log,
	})
	if err != nil {
		return &exitError{exitEnv, err}
	}
	return nil
}

// inside reports whether path is root or below it, once both are absolute.
func inside(path, root string) bool {
	p, err1 := filepath.Abs(path)
	r, err2 := filepath.Abs(root)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(r, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// collecteChecker is the content check garsim.checker asks for.
func collecteChecker(cfg *config.Config) garsim.Checker {
	if cfg.Garsim.Checker == config.GarsimCheckerBasic {
		return garsim.CheckArchive
	}
	// GAR's own node limit applies, not export.max_nodes.
	return garsim.AnalyseChecker(analyse.Options{MaxDeletionShare: cfg.Analyse.MaxDeletionShare})
}
