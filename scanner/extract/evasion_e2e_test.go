package extract_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/attachment"
	"github.com/mailward/mailward/scanner/extract"
	"github.com/mailward/mailward/scanner/pupildata"
)

// outbound is a member of staff sending to an outside address.
var outbound = scanner.Envelope{Direction: scanner.Outbound, Trusted: true,
	From: "staff@trust.example", To: []string{"someone@example.com"}}

// TestEvasionsHeld runs every evasion of the corpus through the whole scan
// (parse, the attachment and pupil-data detectors, the default rules): each
// ends with its proper categories and is held.
func TestEvasionsHeld(t *testing.T) {
	runner := &scanner.Runner{Scanners: []scanner.Scanner{
		attachment.New(config.DefaultBlockedExtensions), pupildata.New(config.PupilData{})}}
	engine := rules.New(config.DefaultRules(), "tempfail")
	for _, ev := range extract.Evasions {
		t.Run(ev.Name, func(t *testing.T) {
			m, err := scanner.Parse(ev.Build(), outbound)
			if err != nil {
				t.Fatal(err)
			}
			res := runner.Run(context.Background(), m)
			var cats []string
			for _, f := range res.Findings {
				cats = append(cats, string(f.Category))
				if f.Category == scanner.Unscannable && (f.Score != 1 || strings.Contains(f.Summary, "pupils") || strings.Contains(f.Summary, "invoice")) {
					t.Errorf("unscannable finding %+v: want score 1 and no names", f)
				}
			}
			for _, c := range ev.Categories {
				if !slices.Contains(cats, c) {
					t.Errorf("findings %v, want %s", res.Findings, c)
				}
			}
			if ev.Incomplete == "" && slices.Contains(cats, string(scanner.Unscannable)) {
				t.Errorf("read in full, yet unscannable: %v", res.Findings)
			}
			if d := engine.Decide(outbound, res); d.Action != rules.Quarantine {
				t.Errorf("action %s by %s, want quarantine (findings %v)", d.Action, d.Rule, res.Findings)
			}
		})
	}
}

// TestHamNotUnscannable: none of the 2,500 legitimate mails of the shared
// corpus is unscannable: holding ordinary mail is a failure too.
func TestHamNotUnscannable(t *testing.T) {
	dir := corpora.Dir(t, corpora.Ham...)
	runner := &scanner.Runner{Scanners: []scanner.Scanner{attachment.New(config.DefaultBlockedExtensions)}}
	n, held := 0, 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "LICENSE" || d.Name() == "NOTICE" || strings.HasSuffix(d.Name(), ".md") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		m, err := scanner.Parse(raw, scanner.Envelope{Direction: scanner.Inbound})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			return nil
		}
		res := runner.Run(context.Background(), m)
		for _, f := range res.Findings {
			if f.Category == scanner.Unscannable {
				held++
				t.Errorf("%s: unscannable: %s", filepath.Base(p), f.Summary)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2500 {
		t.Fatalf("only %d ham messages", n)
	}
	t.Logf("%d of %d ham messages unscannable", held, n)
}
