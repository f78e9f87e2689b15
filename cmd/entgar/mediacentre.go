package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/entgar/entgar/mediacentre"
)

// mediacentreOutput is the --json output of `entgar mediacentre`, a stable
// contract documented in docs/mediacentre.md.
type mediacentreOutput struct {
	Ident       string                 `json:"ident"`
	UAI         string                 `json:"uai,omitempty"`
	User        string                 `json:"user,omitempty"`
	Operation   string                 `json:"operation"`
	URL         string                 `json:"base_url"`
	Certificate certificateOutput      `json:"certificate"`
	Seconds     float64                `json:"seconds"`
	Resources   []mediacentre.Resource `json:"resources"`
	Error       *errorOutput           `json:"error,omitempty"`
}

type certificateOutput struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

type errorOutput struct {
	// Kind is mediacentre.Outcome's name of the failure.
	Kind        string `json:"kind"`
	Status      int    `json:"status,omitempty"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Detail      string `json:"detail"`
	UserMessage string `json:"user_message"`
}

func runMediacentre(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mediacentre", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: ENTGAR_CONFIG, else built-in defaults)")
	uai := fs.String("uai", "", "establishment UAI (required unless --distributable)")
	user := fs.String("user", "", "GARPersonIdentifiant of the user (required unless --distributable)")
	ident := fs.String("ident", "", "idENT (overrides ent.id)")
	format := fs.String("format", "", "json or xml (overrides mediacentre.format)")
	distributable := fs.Bool("distributable", false, "fetch ressourcesDiffusables instead of one user's list")
	asJSON := fs.Bool("json", false, "print the result as JSON on standard output")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if !*distributable && (strings.TrimSpace(*uai) == "" || *user == "") {
		return usageErr("--uai and --user are required (or --distributable)")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *ident != "" {
		cfg.ENT.ID = *ident
	}
	if *format != "" {
		cfg.Mediacentre.Format = *format
	}
	if err := validateConfig(cfg); err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	ccfg, err := mediacentre.FromConfig(cfg, log)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	client, err := mediacentre.NewClient(ccfg)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	defer client.CloseIdleConnections()

	cert := client.Certificate()
	out := mediacentreOutput{
		Ident: client.Ident(), URL: ccfg.BaseURL, Operation: "listeRessources",
		Certificate: certificateOutput{
			Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), NotAfter: cert.NotAfter.UTC(),
			DaysLeft: int(time.Until(cert.NotAfter).Hours() / 24),
		},
	}
	start := time.Now()
	if *distributable {
		out.Operation = "ressourcesDiffusables"
		out.Resources, err = client.Distributable(ctx)
	} else {
		out.UAI, out.User = strings.ToUpper(strings.TrimSpace(*uai)), *user
		out.Resources, err = client.Resources(ctx, out.UAI, out.User)
	}
	out.Seconds = time.Since(start).Seconds()
	if out.Resources == nil {
		out.Resources = []mediacentre.Resource{}
	}
	code := exitOK
	if err != nil {
		out.Error, code = describeCallError(err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printMediacentre(stdout, &out)
	}
	if err != nil {
		return &exitError{code, errors.New(out.Error.Detail)}
	}
	return nil
}

// describeCallError turns a client error into what the operator needs and
// the exit code: 1 when GAR answered an error (the call ran, GAR refused),
// 3 for TLS, network and unreadable answers (the environment).
func describeCallError(err error) (*errorOutput, int) {
	e := &errorOutput{Detail: err.Error(), UserMessage: mediacentre.UserMessage(err)}
	var ge *mediacentre.Error
	switch {
	case errors.As(err, &ge):
		e.Kind, e.Status, e.Code, e.Message, e.Resource = ge.Kind.String(), ge.Status, ge.Code, ge.Message, ge.Resource
		e.Detail = ge.Error() + ": " + garAdvice(ge)
		return e, exitProblems
	case mediacentre.DescribeTLSError(err) != "":
		e.Kind = "tls"
		e.Detail = "TLS: " + mediacentre.DescribeTLSError(err) + " (" + err.Error() + ")"
	default:
		e.Kind = mediacentre.Outcome(err)
	}
	return e, exitEnv
}

// garAdvice says what an operator should check for each GAR error.
func garAdvice(e *mediacentre.Error) string {
	switch e.Kind {
	case mediacentre.KindUnknownEstablishment:
		return "the UAI is not in the last export GAR integrated for this idENT"
	case mediacentre.KindUnknownUser:
		return "the user is not in this establishment in the last export GAR integrated (same GARPersonIdentifiant as in the export?)"
	case mediacentre.KindUnauthorized:
		return "GAR did not accept the client certificate (issued by the ministry's authority? expired? revoked?)"
	case mediacentre.KindForbidden:
		return "the client certificate is not allowed for this idENT: check ent.id and the certificate's CN declared to GAR"
	case mediacentre.KindNotAcceptable:
		return "GAR refused the Accept header: check mediacentre.format"
	case mediacentre.KindUnavailable:
		return "GAR is temporarily unavailable (retried within mediacentre.deadline)"
	}
	return "see GAR's message"
}

func printMediacentre(w io.Writer, o *mediacentreOutput) {
	fmt.Fprintf(w, "GAR %s, idENT %s", o.URL, o.Ident)
	if o.Operation == "listeRessources" {
		fmt.Fprintf(w, ", UAI %s, user %s", o.UAI, o.User)
	}
	fmt.Fprintf(w, " (%s, %.0f ms)\n", o.Operation, o.Seconds*1000)
	fmt.Fprintf(w, "client certificate: %s, issued by %s, expires %s (%d days left)\n",
		o.Certificate.Subject, o.Certificate.Issuer, o.Certificate.NotAfter.Format(time.DateOnly), o.Certificate.DaysLeft)
	if o.Error != nil {
		fmt.Fprintf(w, "FAILED: %s\n", o.Error.Detail)
		fmt.Fprintf(w, "a user would read: %s\n", o.Error.UserMessage)
		return
	}
	fmt.Fprintf(w, "%d resource(s)\n", len(o.Resources))
	groups := map[string][]mediacentre.Resource{}
	for _, r := range o.Resources {
		groups[r.Presentation.Code] = append(groups[r.Presentation.Code], r)
	}
	codes := mediacentre.PresentationCodes()
	for _, c := range slices.Sorted(maps.Keys(groups)) {
		if mediacentre.PresentationLabel(c) == "" {
			codes = append(codes, c) // codes GAR may add, after the known ones
		}
	}
	for _, c := range codes {
		list := groups[c]
		if len(list) == 0 {
			continue
		}
		label := mediacentre.PresentationLabel(c)
		if label == "" {
			label = list[0].Presentation.Name
		}
		fmt.Fprintf(w, "\n%s  %s\n", c, label)
		for _, r := range list {
			fmt.Fprintf(w, "  %s — %s\n    %s\n    %s\n", r.Name, r.PublisherName, r.ID, r.AccessURL)
		}
	}
}
