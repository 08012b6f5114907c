package links

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

// hamBudget is how many of the 2,500 ham messages may carry an
// inappropriate_link finding above low severity (none today), and
// hamLowBudget how many may carry only low-severity ones (shorteners and
// bare IP addresses, tagged by default). Today's two low ones are both
// genuine and listed in the report of issue 16: 00166 (a 2002 news digest
// linking articles through tinyurl.com) and 00189 (a Google cache link
// written with the cache server's IP address).
const (
	hamBudget    = 2
	hamLowBudget = 5
)

// TestHamLinks scans the SpamAssassin easy-ham corpus (2,500 legitimate
// messages from 2002) with the default configuration and counts the
// messages flagged.
func TestHamLinks(t *testing.T) {
	dir := corpora.Dir(t, corpora.Ham...)
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(config.Default().Links)
	if err != nil {
		t.Fatal(err)
	}
	var n, high, low int
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
		isHigh, isLow := false, false
		for _, fd := range fs {
			if fd.Severity == SeverityLow {
				isLow = true
			} else {
				isHigh = true
			}
			t.Logf("%s: %s [%s %s %.1f]", f.Name(), fd.Summary, fd.Tiers[0], fd.Severity, fd.Score)
		}
		if isHigh {
			high++
		}
		if isLow {
			low++
		}
	}
	t.Logf("%d ham messages: %d with a link finding above low severity, %d with low-severity ones", n, high, low)
	if n < 2000 {
		t.Fatalf("only %d ham messages read", n)
	}
	if high > hamBudget || low > hamLowBudget {
		t.Errorf("ham flagged: %d above low severity (budget %d), %d low (budget %d)", high, hamBudget, low, hamLowBudget)
	}
}
