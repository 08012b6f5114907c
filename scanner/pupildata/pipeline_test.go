package pupildata_test

import (
	"context"
	"os"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
)

// TestThroughPipeline runs a fixture through the real pipeline (parse,
// every registered scanner, default rules): an MIS export sent out is held
// by the pupil-data-outbound rule; the same mail inside the trust is not.
func TestThroughPipeline(t *testing.T) {
	cfg, err := config.Parse([]byte("domains: [oakfield.sch.uk]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	raw, err := os.ReadFile("testdata/corpus/pos-sims-export-csv.eml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out := p.Scan(ctx, raw, scanner.Envelope{Direction: scanner.Outbound, From: "j.bloggs@oakfield.sch.uk", To: []string{"jbloggs1975@gmail.com"}})
	if out.Decision.Action != rules.Quarantine || out.Decision.Rule != "pupil-data-outbound" {
		t.Errorf("outbound: %s by %s (%+v), want quarantine by pupil-data-outbound", out.Decision.Action, out.Decision.Rule, out.Result.Findings)
	}
	in := p.Scan(ctx, raw, scanner.Envelope{Direction: scanner.Internal, From: "j.bloggs@oakfield.sch.uk", To: []string{"head@oakfield.sch.uk"}})
	for _, f := range in.Result.Findings {
		if f.Category == scanner.PupilData {
			t.Errorf("internal: pupil_data finding %+v", f)
		}
	}
}
