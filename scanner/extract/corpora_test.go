package extract

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// corporaDir finds ../shared/corpora beside the module root, or "".
func corporaDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpora")
			if _, err := os.Stat(c); err == nil {
				return c
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestSharedCorpora extracts every message of the shared third-party
// corpora (2,500 legitimate mails and the MIME torture tests) without the
// panic guard: none may panic, hang or hit a limit.
func TestSharedCorpora(t *testing.T) {
	root := corporaDir()
	if root == "" {
		t.Skip("../shared/corpora not found beside the module: third-party corpora absent")
	}
	var durs []time.Duration
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) == ".xml" || d.Name() == "LICENSE" || d.Name() == "NOTICE" || d.Name() == "README.md" {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		total += int64(len(raw))
		start := time.Now()
		w := newWalker(context.Background(), Limits{})
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", p, r)
				}
			}()
			w.run(raw)
		}()
		durs = append(durs, time.Since(start))
		if len(w.res.Limits) > 0 {
			t.Errorf("%s: limits %v", p, w.res.Limits)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(durs) < 100 {
		t.Fatalf("only %d corpus files", len(durs))
	}
	slices.Sort(durs)
	var sum time.Duration
	for _, d := range durs {
		sum += d
	}
	t.Logf("%d messages, %d MB in %s: p50 %s p99 %s max %s", len(durs), total>>20, sum.Round(time.Millisecond),
		durs[len(durs)/2], durs[len(durs)*99/100], durs[len(durs)-1])
	if durs[len(durs)-1] > 5*time.Second {
		t.Errorf("slowest message took %s", durs[len(durs)-1])
	}
}

// TestFastPathAgrees: for every single-part plain message of the corpora
// and fixtures, the fast path yields the same subject and text as the full
// MIME walk.
func TestFastPathAgrees(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	if root := corporaDir(); root != "" {
		more, _ := filepath.Glob(filepath.Join(root, "*", "*", "*"))
		files = append(files, more...)
	}
	fast := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		a := newWalker(context.Background(), Limits{})
		if !a.plainFast(raw) {
			continue
		}
		fast++
		b := newWalker(context.Background(), Limits{})
		if err := b.runMIME(raw); err != nil {
			t.Errorf("%s: fast path took a message the MIME walk refuses: %v", f, err)
			continue
		}
		if a.res.Subject != b.res.Subject {
			t.Errorf("%s: subject %q, MIME walk %q", f, a.res.Subject, b.res.Subject)
		}
		if ta, tb := plainOf(a.res), plainOf(b.res); ta != tb {
			t.Errorf("%s: fast text differs from the MIME walk's (%d vs %d bytes)", f, len(ta), len(tb))
		}
	}
	t.Logf("%d of %d messages took the fast path", fast, len(files))
	if fast == 0 {
		t.Error("no message took the fast path")
	}
}

func plainOf(r *Result) string {
	var s string
	for _, x := range r.Texts {
		if x.Kind == KindPlain {
			s += x.Content
		}
	}
	return s
}
