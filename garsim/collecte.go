package garsim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/entgar/entgar/export/analyse"
	"github.com/entgar/entgar/export/results"
	"github.com/entgar/entgar/gar"
)

// CollecteOptions configures a Collecte.
type CollecteOptions struct {
	// Root is the directory holding GAR's folders (the SFTP server's root).
	Root string
	// Idents are the idENTs whose ENTRANT folders are polled.
	Idents []string
	// Names maps an idENT to the ENT's name written in reports
	// (nomProjetENT); the idENT itself when missing.
	Names map[string]string
	// Check analyses archives that passed naming and MD5; nil means
	// AnalyseChecker with the analyser's defaults.
	Check Checker
	// Now is the clock; nil means time.Now. Tests move it to cross the
	// 2-hour window.
	Now func() time.Time
	// Logger receives what GAR would send by e-mail; nil discards it.
	Logger *slog.Logger
}

// Outcome is what one pass of the collecte did with one archive (or an
// orphan MD5 file).
type Outcome struct {
	Ident   string     `json:"ident"`
	File    string     `json:"file"`
	Degree  gar.Degree `json:"degree"`
	Folder  string     `json:"folder"` // SUCCES, SUCCES_PARTIEL, ERREUR or IGNORE
	Reason  string     `json:"reason,omitempty"`
	Errors  int        `json:"errors"`
	Ignored int        `json:"ignored"`
	Reports []string   `json:"reports,omitempty"`
}

// Collecte is GAR's collecte brick as far as an ENT can see it: it takes
// archives out of ENTRANT and says what became of them.
type Collecte struct {
	opts CollecteOptions
	root *os.Root
	log  *slog.Logger
	mu   sync.Mutex // one pass at a time
}

// NewCollecte creates the folder layout and opens the root.
func NewCollecte(o CollecteOptions) (*Collecte, error) {
	if len(o.Idents) == 0 {
		return nil, errors.New("collecte: no idENT")
	}
	if o.Check == nil {
		o.Check = AnalyseChecker(analyse.Options{})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := MakeLayout(o.Root, o.Idents); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return nil, fmt.Errorf("collecte: %w", err)
	}
	return &Collecte{opts: o, root: root, log: log}, nil
}

// Close releases the root directory.
func (c *Collecte) Close() error { return c.root.Close() }

// Run makes a pass at once, then one every interval, until ctx is done. A
// failed pass is logged and the next one tries again.
func (c *Collecte) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := c.Pass(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("collecte: pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// deposit is one final-named file in ENTRANT.
type deposit struct {
	file string // base name
	name gar.Name
	mod  time.Time
}

// Pass makes one pass over every ENTRANT folder and ANALYSEUR and returns
// what it did. Files it leaves in ENTRANT (temporary names, archives waiting
// for their MD5) are not outcomes.
func (c *Collecte) Pass(ctx context.Context) ([]Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Outcome
	var errs []error
	for _, id := range c.opts.Idents {
		o, err := c.passIdent(ctx, id)
		out = append(out, o...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", gar.FolderEntrant, id, err))
		}
	}
	if err := c.passAnalyseur(ctx); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func (c *Collecte) passIdent(ctx context.Context, id string) ([]Outcome, error) {
	dir := path.Join(gar.FolderEntrant, id)
	entries, err := c.list(dir)
	if err != nil {
		return nil, err
	}
	now := c.opts.Now()
	archives := map[string]*deposit{}
	md5s := map[string]*deposit{}
	for _, e := range entries {
		if !e.Mode().IsRegular() {
			continue
		}
		n, err := gar.ParseName(e.Name())
		if err != nil || n.Kind == gar.KindXML {
			// Not a final name (an upload in progress under a temporary
			// name, or anything else): GAR ignores it (§5.5.2.1).
			c.log.Debug("collecte: not an archive or MD5 name, left alone", "file", path.Join(dir, e.Name()))
			continue
		}
		d := &deposit{file: e.Name(), name: n, mod: e.ModTime()}
		base := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".tar.gz"), ".MD5")
		if n.Kind == gar.KindArchive {
			archives[base] = d
		} else {
			md5s[base] = d
		}
	}
	var out []Outcome
	var errs []error
	add := func(o *Outcome, err error) {
		if o != nil {
			out = append(out, *o)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}

	// An MD5 whose archive never came within the window.
	for base, m := range sorted(md5s) {
		if archives[base] == nil && now.Sub(m.mod) > gar.DepositWindow {
			add(c.reject(ctx, id, m, nil, controlMD5,
				fmt.Sprintf("le fichier MD5 %s est sans archive depuis plus de %s", m.file, gar.DepositWindow)))
		}
	}

	byDegree := map[gar.Degree][]*deposit{}
	for base, a := range sorted(archives) {
		if a.name.Ident != id {
			add(c.reject(ctx, id, a, md5s[base], controlNaming,
				fmt.Sprintf("l'idENT %s du nom de l'archive n'est pas celui du projet ENT %s", a.name.Ident, id)))
			continue
		}
		byDegree[a.name.Degree] = append(byDegree[a.name.Degree], a)
	}
	for _, d := range gar.Degrees {
		list := byDegree[d]
		if len(list) == 0 {
			continue
		}
		// Most recent first: by the name's stamp, then by deposit time.
		slices.SortFunc(list, func(a, b *deposit) int {
			if c := b.name.Timestamp.Compare(a.name.Timestamp); c != 0 {
				return c
			}
			return b.mod.Compare(a.mod)
		})
		newest := list[0]
		m := md5s[base(newest.file)]
		if m == nil {
			if now.Sub(newest.mod) <= gar.DepositWindow {
				c.log.Debug("collecte: archive waiting for its MD5", "file", path.Join(dir, newest.file))
				continue
			}
			add(c.reject(ctx, id, newest, nil, controlMD5,
				fmt.Sprintf("aucun fichier MD5 %s déposé dans les %s qui suivent l'archive", gar.MD5Name(newest.file), gar.DepositWindow)))
		} else {
			add(c.process(ctx, id, newest, m))
		}
		for _, old := range list[1:] {
			add(c.ignore(id, old, md5s[base(old.file)], newest.file))
		}
	}
	return out, errors.Join(errs...)
}

func base(archive string) string { return strings.TrimSuffix(archive, ".tar.gz") }

// sorted iterates over a map in key order, so that passes are deterministic.
func sorted(m map[string]*deposit) func(func(string, *deposit) bool) {
	return func(yield func(string, *deposit) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

// process checks the window and the MD5, analyses the archive and files it.
func (c *Collecte) process(ctx context.Context, id string, a, m *deposit) (*Outcome, error) {
	if gap := a.mod.Sub(m.mod).Abs(); gap > gar.DepositWindow {
		return c.reject(ctx, id, a, m, controlMD5,
			fmt.Sprintf("l'archive et son MD5 ont été déposés à %s d'intervalle, plus que les %s permis", gap.Round(time.Second), gar.DepositWindow))
	}
	dir := path.Join(gar.FolderEntrant, id)
	want, err := c.readMD5(path.Join(dir, m.file))
	if err != nil {
		return c.reject(ctx, id, a, m, controlMD5, err.Error())
	}
	got, err := c.md5Of(path.Join(dir, a.file))
	if err != nil {
		return nil, err
	}
	if got != want {
		return c.reject(ctx, id, a, m, controlMD5,
			fmt.Sprintf("le MD5 de l'archive est %s, le fichier %s annonce %s", got, m.file, want))
	}
	previous := c.previous(id, a)
	prevPath := ""
	if previous != nil {
		prevPath = c.abs(path.Join(previous.folder, id, previous.file))
	}
	an, err := c.opts.Check(ctx, c.abs(path.Join(dir, a.file)), prevPath)
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", a.file, err)
	}
	folder := gar.FolderSucces
	switch {
	case an.Rejected:
		folder = gar.FolderErreur
	case len(an.Errors) > 0:
		folder = gar.FolderSuccesPartiel
	}
	o := &Outcome{Ident: id, File: a.file, Degree: a.name.Degree, Folder: folder, Errors: len(an.Errors), Ignored: len(an.Ignored)}
	if len(an.Errors) > 0 {
		o.Reason = an.Errors[0].Erreur
	}
	prevName := results.NoPreviousArchive
	if previous != nil {
		prevName = previous.file
	}
	// Reports first: a client that sees the archive leave ENTRANT must find
	// them.
	if len(an.Errors) > 0 {
		name, err := c.writeErrors(id, a, prevName, an.Errors)
		if err != nil {
			return nil, err
		}
		o.Reports = append(o.Reports, name)
	}
	if len(an.Ignored) > 0 {
		name, err := c.writeIgnored(id, a, prevName, an.Ignored)
		if err != nil {
			return nil, err
		}
		o.Reports = append(o.Reports, name)
	}
	if err := c.move(id, folder, a, m); err != nil {
		return nil, err
	}
	c.log.Info("collecte: archive processed", "ident", id, "archive", a.file, "folder", folder,
		"errors", len(an.Errors), "ignored", len(an.Ignored), "previous", prevName)
	return o, nil
}

// reject files an archive (or an orphan MD5, a nil) and its MD5 in ERREUR
// with an error report holding one element.
func (c *Collecte) reject(ctx context.Context, id string, a, m *deposit, control, msg string) (*Outcome, error) {
	subject := a
	if subject == nil {
		subject = m
	}
	el := results.Element{Fichier: subject.file, Controle: control, Erreur: msg}
	prevName := results.NoPreviousArchive
	if p := c.previous(id, subject); p != nil {
		prevName = p.file
	}
	o := &Outcome{Ident: id, File: subject.file, Degree: subject.name.Degree, Folder: gar.FolderErreur, Reason: msg, Errors: 1}
	name, err := c.writeErrors(id, subject, prevName, []results.Element{el})
	if err != nil {
		return nil, err
	}
	o.Reports = append(o.Reports, name)
	if err := c.move(id, gar.FolderErreur, a, m); err != nil {
		return nil, err
	}
	c.log.Warn("collecte: rejected", "ident", id, "file", subject.file, "control", control, "error", msg)
	return o, nil
}

// ignore files an older archive and its MD5 in IGNORE (§5.2.1.5).
func (c *Collecte) ignore(id string, a, m *deposit, newest string) (*Outcome, error) {
	if err := c.move(id, gar.FolderIgnore, a, m); err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("une archive plus récente du même degré était présente: %s", newest)
	c.log.Info("collecte: archive ignored", "ident", id, "archive", a.file, "newest", newest)
	return &Outcome{Ident: id, File: a.file, Degree: a.name.Degree, Folder: gar.FolderIgnore, Reason: reason}, nil
}

// move renames the archive, then its MD5, from ENTRANT to folder. Either may
// be nil.
func (c *Collecte) move(id, folder string, files ...*deposit) error {
	for _, d := range files {
		if d == nil {
			continue
		}
		from := path.Join(gar.FolderEntrant, id, d.file)
		to := path.Join(folder, id, d.file)
		if err := c.root.Rename(from, to); err != nil {
			return fmt.Errorf("move %s to %s: %w", from, to, err)
		}
	}
	return nil
}

// previousArchive is the last archive integrated for an ENT and a degree.
type previousArchive struct {
	folder, file string
}

// previous finds the most recent archive of a's degree, older than a, in
// SUCCES or SUCCES_PARTIEL: GAR's N-1.
func (c *Collecte) previous(id string, a *deposit) *previousArchive {
	var best *previousArchive
	var bestTime time.Time
	for _, folder := range []string{gar.FolderSucces, gar.FolderSuccesPartiel} {
		entries, err := c.list(path.Join(folder, id))
		if err != nil {
			continue
		}
		for _, e := range entries {
			n, err := gar.ParseName(e.Name())
			if err != nil || n.Kind != gar.KindArchive || n.Degree != a.name.Degree || !n.Timestamp.Before(a.name.Timestamp) {
				continue
			}
			if best == nil || n.Timestamp.After(bestTime) {
				best, bestTime = &previousArchive{folder: folder, file: e.Name()}, n.Timestamp
			}
		}
	}
	return best
}

func (c *Collecte) list(dir string) ([]fs.FileInfo, error) {
	d, err := c.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	infos := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			infos = append(infos, fi)
		}
	}
	return infos, nil
}

func (c *Collecte) abs(rel string) string { return path.Join(c.opts.Root, rel) }

// readMD5 reads the checksum an MD5 file announces: 32 hex digits, alone or
// followed by the file name as md5sum writes it, in any case.
func (c *Collecte) readMD5(rel string) (string, error) {
	f, err := c.root.Open(rel)
	if err != nil {
		return "", fmt.Errorf("lecture du fichier MD5: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("lecture du fichier MD5: %v", err)
	}
	fields := bytes.Fields(data)
	if len(fields) == 0 {
		return "", fmt.Errorf("le fichier MD5 %s est vide", path.Base(rel))
	}
	sum := strings.ToLower(string(fields[0]))
	if _, err := hex.DecodeString(sum); err != nil || len(sum) != 32 {
		return "", fmt.Errorf("le fichier MD5 %s ne commence pas par 32 chiffres hexadécimaux", path.Base(rel))
	}
	return sum, nil
}

func (c *Collecte) md5Of(rel string) (string, error) {
	f, err := c.root.Open(rel)
	if err != nil {
		return "", fmt.Errorf("md5 %s: %w", rel, err)
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("md5 %s: %w", rel, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
