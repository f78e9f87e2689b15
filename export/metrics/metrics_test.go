package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestRecordKeepsEveryJob(t *testing.T) {
	dir := t.TempDir()
	f := Files{Textfile: filepath.Join(dir, "entgar.prom")}
	t0 := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	runs := []Run{
		{Job: "export", Outcome: OutcomeSuccess, Start: t0, Duration: 90 * time.Second, Bytes: 1234},
		{Job: "upload", Outcome: OutcomeFailure, Start: t0.Add(2 * time.Minute), Duration: time.Second, Detail: "connection refused"},
		{Job: "upload", Outcome: OutcomeFailure, Start: t0.Add(3 * time.Minute), Duration: time.Second},
		{Job: "results", Outcome: OutcomePartial, Start: t0.Add(time.Hour), Duration: 2 * time.Second, Bytes: 99},
	}
	for _, r := range runs {
		if err := Record(f, r); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Load(filepath.Join(dir, "entgar.json"))
	if err != nil {
		t.Fatal(err)
	}
	if e := sum.Jobs["export"]; e == nil || e.Bytes != 1234 || !e.LastSuccess.Equal(t0.Add(90*time.Second)) || e.ConsecutiveFailures != 0 {
		t.Errorf("export %+v", e)
	}
	if u := sum.Jobs["upload"]; u == nil || u.ConsecutiveFailures != 2 || !u.LastSuccess.IsZero() || u.LastOutcome != OutcomeFailure {
		t.Errorf("upload %+v", u)
	}
	fh, err := os.Open(f.Textfile)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(fh)
	if err != nil {
		t.Fatalf("textfile does not parse: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		for _, m := range fams[name].GetMetric() {
			match := true
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					match = false
				}
			}
			if match {
				return m.GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s%v", name, labels)
		return 0
	}
	if v := value("entgar_last_success_timestamp_seconds", map[string]string{"job": "export"}); v != float64(t0.Add(90*time.Second).Unix()) {
		t.Errorf("export last success %v", v)
	}
	if v := value("entgar_last_bytes", map[string]string{"job": "results"}); v != 99 {
		t.Errorf("results bytes %v", v)
	}
	if v := value("entgar_last_outcome", map[string]string{"job": "results", "outcome": "partial"}); v != 1 {
		t.Errorf("results partial %v", v)
	}
	if v := value("entgar_last_outcome", map[string]string{"job": "results", "outcome": "success"}); v != 0 {
		t.Errorf("results success %v", v)
	}
	if v := value("entgar_consecutive_failures", map[string]string{"job": "upload"}); v != 2 {
		t.Errorf("upload failures %v", v)
	}
}

func TestRecordConcurrent(t *testing.T) {
	f := Files{JSON: filepath.Join(t.TempDir(), "m.json")}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			job := []string{"export", "upload", "results", "ido"}[i%4]
			if err := Record(f, Run{Job: job, Outcome: OutcomeFailure, Start: time.Now()}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	sum, err := Load(f.JSON)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, j := range sum.Jobs {
		total += j.ConsecutiveFailures
	}
	if len(sum.Jobs) != 4 || total != 20 {
		t.Errorf("%d jobs, %d runs counted, want 4 and 20 (a lost update)", len(sum.Jobs), total)
	}
}

func TestRecordOff(t *testing.T) {
	if err := Record(Files{}, Run{Job: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.json")); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	if err := Record(Files{JSON: bad}, Run{Job: "x"}); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("corrupt state: %v", err)
	}
}
