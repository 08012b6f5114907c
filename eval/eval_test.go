package eval

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFormats(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emls := filepath.Join(dir, "emls")
	os.Mkdir(emls, 0o755)
	os.WriteFile(filepath.Join(emls, "a.eml"), []byte("Subject: a\r\n\r\nhello\r\n"), 0o644)
	os.WriteFile(filepath.Join(emls, "b.eml"), []byte("Subject: b\r\n\r\nbye\r\n"), 0o644)
	os.WriteFile(filepath.Join(emls, "labels.tsv"), []byte("# comment\na.eml\tclean\nb.eml\tcensus_csv\tinbound\n"), 0o644)
	for _, c := range []struct {
		path   string
		labels []string
		dirs   []string
		text   string
	}{
		{emls, []string{"clean", "census_csv"}, []string{"", "inbound"}, "hello"},
		{write("x.jsonl", `{"text":"you idiot","label":"abuse"}`+"\n"+`{"text":"hi","label":0,"direction":"internal"}`+"\n"),
			[]string{"abuse", "0"}, []string{"", "internal"}, "you idiot"},
		{write("x.csv", "id,text,label\n1,\"a, b\",hate\n2,fine,normal\n"), []string{"hate", "normal"}, []string{"", ""}, "a, b"},
		{write("x.tsv", "label\ttext\ndsl/clean\tok\n"), []string{"dsl/clean"}, []string{""}, "ok"},
	} {
		items, err := Load(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if len(items) != len(c.labels) {
			t.Fatalf("%s: %d items, want %d", c.path, len(items), len(c.labels))
		}
		for i, it := range items {
			if it.Label != c.labels[i] || it.Direction != c.dirs[i] {
				t.Errorf("%s item %d: label %q dir %q, want %q %q", c.path, i, it.Label, it.Direction, c.labels[i], c.dirs[i])
			}
		}
		if !bytes.Contains(items[0].Raw, []byte(c.text)) {
			t.Errorf("%s: first message lacks its text: %q", c.path, items[0].Raw)
		}
	}
	if _, err := Load(write("x.txt", "text")); err == nil {
		t.Errorf("unknown format accepted")
	}
	if _, err := Load(write("bad.csv", "words,stuff\n1,2\n")); err == nil {
		t.Errorf("csv without text and label columns accepted")
	}
}

func TestNegative(t *testing.T) {
	for label, want := range map[string]bool{"clean": true, "0": true, "Normal": true, "hatexplain/clean": true,
		"abuse": false, "1": false, "hatexplain/hate": false, "clean/abuse": false} {
		if Negative(label) != want {
			t.Errorf("Negative(%q) = %v", label, !want)
		}
	}
}

func TestReport(t *testing.T) {
	r := NewReport()
	for i := 0; i < 8; i++ {
		r.Add("abuse", Outcome{Found: i < 6, Tier: "abuse"}) // 6 of 8 found
	}
	r.Add("threat", Outcome{Found: true, Tier: "threat"})
	r.Add("threat", Outcome{Found: false})
	for i := 0; i < 10; i++ {
		r.Add("clean", Outcome{Found: i < 1, Tier: "profanity"}) // 1 false positive
	}
	tp, fp, fn, tn := r.Totals()
	if tp != 7 || fp != 1 || fn != 3 || tn != 9 {
		t.Fatalf("totals tp %d fp %d fn %d tn %d", tp, fp, fn, tn)
	}
	p, rec, f1 := r.PRF()
	if p != 7.0/8 || rec != 0.7 || f1 < 0.777 || f1 > 0.778 {
		t.Errorf("precision %.3f recall %.3f F1 %.3f", p, rec, f1)
	}
	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{"abuse", "0.750", "false-positive rate 0.100", "confusion", "tp 7 fp 1 fn 3 tn 9"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
