package pupildata

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/scanner"
)

// corporaDir finds ../shared/corpora beside the module root (the folder
// holding go.mod), or "" when it is absent.
func corporaDir(testing.TB) string { return corpora.Root() }

func corpusFiles(t testing.TB, sub string) []string {
	base := corporaDir(t)
	if base == "" {
		t.Skip("../shared/corpora is absent: ham and MIME corpora not checked")
	}
	var files []string
	filepath.WalkDir(filepath.Join(base, sub), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) != ".xml" && d.Name() != "LICENSE" && d.Name() != "NOTICE" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("no files under %s", sub)
	}
	return files
}

// TestHamHasNoPupilData scans the 2,500 legitimate messages of the
// SpamAssassin easy-ham corpus as outbound mail to an external address, the
// harshest setting: DESIGN.md allows no pupil_data finding at all.
func TestHamHasNoPupilData(t *testing.T) {
	files := corpusFiles(t, "ham")
	d := newTestDetector(corpusConfig(t))
	env := scanner.Envelope{Direction: scanner.Outbound, To: []string{"someone@example.com"}}
	found := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scanner.Parse(normalizeCRLF(raw), env)
		if err != nil {
			continue // not a message: parse's problem, counted elsewhere
		}
		fs, err := d.Scan(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(fs) > 0 {
			found++
			t.Errorf("%s: %+v", filepath.Base(f), fs)
		}
	}
	t.Logf("ham: %d messages, %d with pupil_data findings", len(files), found)
}

// TestMIMECorpusNoPanic scans the malformed-MIME corpora: no panic, no error.
func TestMIMECorpusNoPanic(t *testing.T) {
	files := corpusFiles(t, "mime")
	d := newTestDetector(corpusConfig(t))
	env := scanner.Envelope{Direction: scanner.Outbound, To: []string{"someone@example.com"}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scanner.Parse(normalizeCRLF(raw), env)
		if err != nil {
			continue
		}
		if _, err := d.Scan(context.Background(), m); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func normalizeCRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/20)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
