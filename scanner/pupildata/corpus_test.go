package pupildata

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// corpusConfig is the pupil_data section the labelled corpus is judged with:
// defaults plus the lawful destinations its negatives use.
func corpusConfig(t testing.TB) config.PupilData {
	c, err := config.Parse([]byte("pupil_data:\n  allowed_destinations: [mash@kent.gov.uk, nhs.net]\n"))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return c.PupilData
}

func newTestDetector(cfg config.PupilData) *Detector {
	d := New(cfg)
	d.Now = func() time.Time { return testNow }
	return d
}

type corpusCase struct {
	file, label, direction string
	to                     []string
	note                   string
}

func readManifest(t *testing.T) []corpusCase {
	f, err := os.Open("testdata/corpus/manifest.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.Split(l, "\t")
		if len(p) != 5 {
			t.Fatalf("manifest line %q: want 5 fields", l)
		}
		out = append(out, corpusCase{p[0], p[1], p[2], strings.Split(p[3], ","), p[4]})
	}
	return out
}

// parseForTest parses a fixture the way the pipeline does. Until the
// extraction helper fills Message.Tables from spreadsheets, .xlsx
// attachments are read here with excelize (a stand-in for extraction, test
// only) so that the corpus's real spreadsheets are judged.
func parseForTest(t testing.TB, raw []byte, env scanner.Envelope) *scanner.Message {
	t.Helper()
	raw = []byte(strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n", "\r\n"))
	m, err := scanner.Parse(raw, env)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	have := map[*scanner.Attachment]bool{}
	for _, tb := range m.Tables {
		have[tb.Attachment] = true
	}
	for _, a := range m.Attachments {
		if have[a] || !strings.HasSuffix(strings.ToLower(a.FileName), ".xlsx") {
			continue
		}
		f, err := excelize.OpenReader(strings.NewReader(string(a.Data)))
		if err != nil {
			t.Fatalf("xlsx stand-in: %v", err)
		}
		for _, sh := range f.GetSheetList() {
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatalf("xlsx stand-in: %v", err)
			}
			m.Tables = append(m.Tables, scanner.Table{Where: "", Attachment: a, Name: sh, Rows: rows})
		}
		f.Close()
	}
	return m
}

// dataInSummary catches summaries that leak data: long digit runs
// (identifiers, dates) or a UPN shape.
var dataInSummary = regexp.MustCompile(`\d{5,}|\d{1,2}/\d{1,2}/\d{2,4}|[A-Z]\d{11}`)

// TestCorpusPrecisionRecall judges the labelled corpus in testdata/corpus
// (manifest.tsv: file, label, direction, recipients, note) and fails below
// precision 0.95 or recall 0.9, as issue 4 asks.
func TestCorpusPrecisionRecall(t *testing.T) {
	d := newTestDetector(corpusConfig(t))
	var tp, fp, fn, tn int
	for _, c := range readManifest(t) {
		raw, err := os.ReadFile(filepath.Join("testdata/corpus", c.file))
		if err != nil {
			t.Fatal(err)
		}
		env := scanner.Envelope{Direction: scanner.Direction(c.direction), To: c.to, From: "j.bloggs@oakfield.sch.uk"}
		m := parseForTest(t, raw, env)
		fs, err := d.Scan(context.Background(), m)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got := len(fs) > 0
		want := c.label == "pupil_data"
		switch {
		case got && want:
			tp++
		case got && !want:
			fp++
			t.Errorf("false positive %s (%s): %+v", c.file, c.note, fs)
		case !got && want:
			fn++
			t.Errorf("missed %s (%s)", c.file, c.note)
		default:
			tn++
		}
		for _, f := range fs {
			t.Logf("%s: %.2f %q where=%s", c.file, f.Score, f.Summary, f.Where)
			if f.Category != scanner.PupilData || f.Scanner != Name || f.Score <= 0 || f.Score > 1 {
				t.Errorf("%s: malformed finding %+v", c.file, f)
			}
			if dataInSummary.MatchString(f.Summary) {
				t.Errorf("%s: summary %q looks like it holds data", c.file, f.Summary)
			}
			for _, a := range m.Attachments {
				if a.FileName != "" && strings.Contains(f.Summary, a.FileName) {
					t.Errorf("%s: summary %q names a file", c.file, f.Summary)
				}
			}
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("corpus: tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f", tp, fp, fn, tn, precision, recall)
	if tp+fn < 15 || fp+tn < 15 {
		t.Fatalf("corpus too small: %d positives, %d negatives", tp+fn, fp+tn)
	}
	if precision < 0.95 || recall < 0.9 {
		t.Errorf("precision %.3f (want >= 0.95), recall %.3f (want >= 0.9)", precision, recall)
	}
}
