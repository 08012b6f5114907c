package offensive

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/scanner"
)

// corporaDir finds ../shared/corpora beside the module root, or skips.
func corporaDir(t testing.TB, sub string) string { return corpora.Dir(t, sub) }

// TestHamCorpus: under 0.5% of 2,500 real legitimate e-mails may be flagged.
func TestHamCorpus(t *testing.T) {
	dir := corporaDir(t, "ham/spamassassin-easy-ham-1")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Skipf("no ham messages in %s", dir)
	}
	s, err := New(config.Offensive{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scanner.Parse(raw, scanner.Envelope{Direction: scanner.Inbound})
		if err != nil {
			continue
		}
		fs, err := s.Scan(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if len(fs) > 0 {
			flagged++
			t.Logf("flagged %s: %.2f %s", filepath.Base(f), fs[0].Score, fs[0].Summary)
		}
	}
	rate := float64(flagged) / float64(len(files))
	t.Logf("offensive_language: %d of %d ham messages flagged (%.2f%%)", flagged, len(files), 100*rate)
	if rate >= 0.005 {
		t.Errorf("%.2f%% of ham flagged, want under 0.5%%", 100*rate)
	}
}
