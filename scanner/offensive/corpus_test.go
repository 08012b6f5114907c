package offensive

import (
	"bufio"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// labelled is one message of a testdata corpus.
type labelled struct {
	name string
	pos  bool
	raw  []byte
}

// readCorpus reads a labelled corpus: "=== pos NAME" / "=== neg NAME" lines
// each start a message; lines before the first record are comments.
func readCorpus(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	var cur *labelled
	var b strings.Builder
	flush := func() {
		if cur != nil {
			cur.raw = []byte(strings.TrimSpace(b.String()) + "\r\n")
			out = append(out, *cur)
		}
		b.Reset()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "=== ") {
			flush()
			fields := strings.Fields(line)
			if len(fields) != 3 || (fields[1] != "pos" && fields[1] != "neg") {
				t.Fatalf("bad record line %q", line)
			}
			cur = &labelled{name: fields[2], pos: fields[1] == "pos"}
			continue
		}
		if cur != nil {
			b.WriteString(line)
			b.WriteString("\r\n")
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLabelledCorpus: precision at least 0.95 and recall at least 0.9 on
// testdata/labelled.txt (the development set) and on testdata/holdout.txt
// (written after tuning), with IT's report address configured.
func TestLabelledCorpus(t *testing.T) {
	for _, name := range []string{"labelled.txt", "holdout.txt"} {
		t.Run(name, func(t *testing.T) { testCorpus(t, name) })
	}
}

func testCorpus(t *testing.T, name string) {
	s := newScanner(t, config.Offensive{}, "it-support@trust.example")
	var tp, fp, fn, tn int
	for _, c := range readCorpus(t, filepath.Join("testdata", name)) {
		env := scanner.Envelope{Direction: scanner.Internal}
		if hm, err := mail.ReadMessage(strings.NewReader(string(c.raw))); err == nil {
			if to, err := hm.Header.AddressList("To"); err == nil {
				for _, a := range to {
					env.To = append(env.To, a.Address)
				}
			}
		}
		m, err := scanner.Parse(c.raw, env)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fs, err := s.Scan(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		got := len(fs) > 0
		switch {
		case got && c.pos:
			tp++
		case got && !c.pos:
			fp++
			t.Logf("false positive %s: %.2f %s", c.name, fs[0].Score, fs[0].Summary)
		case !got && c.pos:
			fn++
			t.Logf("false negative %s", c.name)
		default:
			tn++
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("offensive_language %s: %d positives, %d negatives; tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f",
		name, tp+fn, fp+tn, tp, fp, fn, tn, precision, recall)
	if precision < 0.95 || recall < 0.9 {
		t.Errorf("precision %.3f (want >= 0.95), recall %.3f (want >= 0.9)", precision, recall)
	}
}
