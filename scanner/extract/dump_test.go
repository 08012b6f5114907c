package extract

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestDump prints what extraction finds in each corpus message; run with
// MAILWARD_DUMP=1 go test -run TestDump -v to look at a fixture.
func TestDump(t *testing.T) {
	if os.Getenv("MAILWARD_DUMP") == "" {
		t.Skip("set MAILWARD_DUMP=1 to print the corpus extraction")
	}
	files, _ := filepath.Glob("testdata/mail/*.eml")
	sort.Strings(files)
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		r, err := Extract(context.Background(), raw, Limits{})
		if err != nil {
			t.Logf("%s: %v", f, err)
			continue
		}
		t.Logf("== %s", filepath.Base(f))
		for _, it := range r.Items {
			t.Logf("  item %d %q decl=%s sniff=%s enc=%v depth=%d traits=%v", it.Index, it.Path, it.DeclaredType, it.SniffedType, it.Encrypted, it.Depth, it.Traits)
		}
		for _, x := range r.Texts {
			c := x.Content
			if len(c) > 120 {
				c = c[:120]
			}
			t.Logf("  text %s/%s %q", x.Where, x.Kind, c)
		}
		for _, tb := range r.Tables {
			t.Logf("  table %s %q rows=%d first=%v", tb.Where, tb.Name, len(tb.Rows), tb.Rows[0])
		}
		for _, l := range r.Links {
			t.Logf("  link %s %q %q", l.Where, l.URL, l.Text)
		}
		if len(r.Limits)+len(r.Problems) > 0 {
			t.Logf("  limits %v problems %v", r.Limits, r.Problems)
		}
	}
}
