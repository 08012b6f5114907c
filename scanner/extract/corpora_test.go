package extract

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/mailward/mailward/internal/corpora"
)

// corporaDir finds ../shared/corpora beside the module root, or "".
func corporaDir() string { return corpora.Root() }

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
	files := corpusFiles()
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

// TestFastMIMEAgrees: every message the fast MIME reader accepts (fixtures
// and corpora) extracts exactly as through enmime: same texts, items, links
// and tables.
func TestFastMIMEAgrees(t *testing.T) {
	files := corpusFiles()
	fast := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil || fastRoot(raw) == nil {
			continue
		}
		fast++
		a := newWalker(context.Background(), Limits{})
		a.walkRoot(fastRoot(raw))
		b := newWalker(context.Background(), Limits{})
		if err := b.runEnmime(raw); err != nil {
			continue // enmime reads nothing: the fast reader can only do better
		}
		if d := diffResults(a.res, b.res); d != "" && !rfcDifference[filepath.Base(f)] {
			t.Errorf("%s: fast reader differs from enmime: %s", f, d)
		}
	}
	t.Logf("%d of %d messages read by the fast MIME reader", fast, len(files))
}

// rfcDifference are corpus messages where the fast reader follows RFC 2046
// and enmime does not (reviewed): a boundary string in the middle of a line
// is not a delimiter, as mail clients agree.
var rfcDifference = map[string]bool{"misplaced-boundary.msg": true, "misplaced-boundary.out": true}

func diffResults(a, b *Result) string {
	if a.Subject != b.Subject {
		return fmt.Sprintf("subject %q vs %q", a.Subject, b.Subject)
	}
	if len(a.Texts) != len(b.Texts) {
		return fmt.Sprintf("%d texts vs %d", len(a.Texts), len(b.Texts))
	}
	for i := range a.Texts {
		x, y := a.Texts[i], b.Texts[i]
		if x.Kind != y.Kind || x.Where != y.Where || x.Content != y.Content {
			return fmt.Sprintf("text %d: %s@%s %q vs %s@%s %q", i, x.Kind, x.Where, clip(x.Content), y.Kind, y.Where, clip(y.Content))
		}
	}
	if len(a.Items) != len(b.Items) {
		return fmt.Sprintf("%d items vs %d", len(a.Items), len(b.Items))
	}
	for i := range a.Items {
		x, y := a.Items[i], b.Items[i]
		if x.Path != y.Path || x.DeclaredType != y.DeclaredType || x.SniffedType != y.SniffedType || !bytes.Equal(x.Data, y.Data) ||
			x.Encrypted != y.Encrypted || x.Inline != y.Inline || strings.Join(x.Traits, ",") != strings.Join(y.Traits, ",") {
			return fmt.Sprintf("item %d: %q %s %d inline=%v vs %q %s %d inline=%v", i, x.Path, x.DeclaredType, x.Size, x.Inline, y.Path, y.DeclaredType, y.Size, y.Inline)
		}
	}
	if len(a.Links) != len(b.Links) || len(a.Tables) != len(b.Tables) || len(a.Limits) != len(b.Limits) {
		return fmt.Sprintf("links %d/%d tables %d/%d limits %v/%v", len(a.Links), len(b.Links), len(a.Tables), len(b.Tables), a.Limits, b.Limits)
	}
	return ""
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// corpusFiles lists the fixtures and every file of the shared corpora.
func corpusFiles() []string {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	if root := corporaDir(); root != "" {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) != ".xml" {
				files = append(files, p)
			}
			return nil
		})
	}
	return files
}

func fastRoot(raw []byte) *enmime.Part {
	root, _ := fastParts(raw, DefaultMaxParts)
	return root
}
