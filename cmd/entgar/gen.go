package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/entgar/entgar/export/synth"
	"github.com/entgar/entgar/gar"
)

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory receiving the JSON Lines files (required)")
	pupils := fs.Int("students", 1000, "number of pupils")
	teachers := fs.Int("teachers", 0, "number of staff members (0: one per 14 pupils)")
	schools := fs.Int("schools", 0, "number of establishments (0: derived from the pupils)")
	degree := fs.String("degree", "both", "1D, 2D or both")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same files")
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return usageErr("--out DIR is required and no argument is expected")
	}
	var degrees []gar.Degree
	switch *degree {
	case "both":
		degrees = gar.Degrees
	default:
		d, err := gar.ParseDegree(*degree)
		if err != nil {
			return usageErr("--degree: %v", err)
		}
		degrees = []gar.Degree{d}
	}
	if *pupils < 0 || *teachers < 0 || *schools < 0 {
		return usageErr("counts cannot be negative")
	}
	start := time.Now()
	st, err := synth.Generate(ctx, *out, synth.Options{Pupils: *pupils, Teachers: *teachers, Schools: *schools, Degrees: degrees, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s in %.1fs: %d establishments, %d MEF, %d subjects, %d groups, %d pupils, %d staff, %d RespAff\n",
		*out, time.Since(start).Seconds(), st.Establishments, st.MEFs, st.Subjects, st.Groups, st.Pupils, st.Staff, st.RespAff)
	return nil
}
