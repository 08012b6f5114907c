package credentials

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/corpora"
	"github.com/mailward/mailward/scanner"
)

// TestHamCredentials scans the SpamAssassin easy-ham corpus (2,500
// legitimate messages from 2002, many of them about software, servers
// and mailing list settings) as outbound mail, the direction the detector
// watches: issue 16 allows no credentials finding on it.
func TestHamCredentials(t *testing.T) {
	dir := corpora.Dir(t, corpora.Ham...)
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := New(config.Default().Credentials)
	var n, flagged int
	for _, f := range files {
		if f.IsDir() || f.Name() == "LICENSE" || f.Name() == "NOTICE" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		raw = []byte(strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n", "\r\n"))
		m, err := scanner.Parse(raw, scanner.Envelope{Direction: scanner.Outbound, From: "a@trust.example", To: []string{"b@example.org"}})
		if err != nil {
			continue
		}
		n++
		fs, err := d.Scan(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		if len(fs) > 0 {
			flagged++
			for _, fd := range fs {
				t.Errorf("%s: %s [%s %.2f]", f.Name(), fd.Summary, fd.Tiers[0], fd.Score)
			}
		}
	}
	t.Logf("%d ham messages, %d with a credentials finding", n, flagged)
	if n < 2000 {
		t.Fatalf("only %d ham messages read", n)
	}
}
