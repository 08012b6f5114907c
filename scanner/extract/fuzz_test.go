package extract

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// The fuzz targets call walker.run and walker.inspect directly, without
// Extract's recover, so that any panic in extraction is a failure. Seeds are
// the fixture corpus (testdata/mail) and the items inside it.

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = Limits{Budget: 2 * time.Second, MaxBytes: 16 << 20}

func seedMessages(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		f.Fatal("no seed messages in testdata/mail")
	}
	return out
}

// seedItems are the top-level attachments of the corpus whose name ends in
// one of exts (all when exts is empty).
func seedItems(f *testing.F, exts ...string) []*Item {
	var out []*Item
	for _, raw := range seedMessages(f) {
		r, err := Extract(context.Background(), raw, Limits{})
		if err != nil {
			continue
		}
		for _, it := range r.Items {
			if it.Depth != 0 {
				continue
			}
			ok := len(exts) == 0
			for _, e := range exts {
				ok = ok || strings.HasSuffix(strings.ToLower(it.FileName), e)
			}
			if ok {
				out = append(out, it)
			}
		}
	}
	return out
}

func FuzzExtract(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w := newWalker(context.Background(), fuzzLimits)
		w.run(raw)
		for _, it := range w.res.Items {
			if it.Size != int64(len(it.Data)) || it.Depth > fuzzLimits.withDefaults().MaxDepth || it.Index < 1 {
				t.Fatalf("bad item %q size %d/%d depth %d index %d", it.Path, it.Size, len(it.Data), it.Depth, it.Index)
			}
		}
	})
}

// fuzzItem inspects data as an attachment called name.
func fuzzItem(name string, data []byte) *Result {
	w := newWalker(context.Background(), fuzzLimits)
	it := w.newItem(nil, name, "", data)
	w.inspect(it)
	return w.res
}

func FuzzItem(f *testing.F) {
	for _, it := range seedItems(f) {
		f.Add(it.FileName, it.Data)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) { fuzzItem(name, data) })
}

func FuzzZip(f *testing.F) {
	for _, it := range seedItems(f, ".zip", ".docx", ".docm", ".xlsx", ".odt", ".ods") {
		f.Add(it.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzItem("a.zip", data) })
}

func FuzzOOXML(f *testing.F) {
	for _, it := range seedItems(f, ".docx", ".docm", ".xlsx") {
		f.Add(it.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzItem("a.docx", data) })
}

func FuzzPDF(f *testing.F) {
	for _, it := range seedItems(f, ".pdf") {
		f.Add(it.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !strings.Contains(string(data[:min(len(data), 1024)]), "%PDF-") {
			data = append([]byte("%PDF-1.7\n"), data...)
		}
		fuzzItem("a.pdf", data)
	})
}

func FuzzOLE(f *testing.F) {
	for _, it := range seedItems(f, ".xls", ".doc", ".msg") {
		f.Add(it.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzItem("a.doc", data) })
}

func FuzzHTML(f *testing.F) {
	for _, it := range seedItems(f, ".htm", ".html") {
		f.Add(string(it.Data))
	}
	f.Add(`<div style="color:#fff;background:rgb(255,255,255)"><a href="x">y</a></div>`)
	f.Fuzz(func(t *testing.T, s string) { htmlText(s) })
}

// FuzzFastMIME checks the fast MIME reader against enmime on hostile input:
// whatever enmime reads from a message the fast reader accepts, the fast
// reader reads too (every text and every attachment's bytes), so taking
// the fast path never hides content. (On the corpora the two agree exactly:
// TestFastMIMEAgrees.) Mid-line delimiters are left out: there enmime
// splits and RFC 2046, mail clients and the fast reader do not.
func FuzzFastMIME(f *testing.F) {
	for _, m := range seedMessages(f) {
		if len(m) < 64<<10 {
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		root := fastRoot(raw)
		if root == nil || midLineDelimiter(raw, root) {
			return // mid-line delimiters: enmime splits there, RFC 2046 and mail clients do not
		}
		a := newWalker(context.Background(), fuzzLimits)
		a.walkRoot(root)
		b := newWalker(context.Background(), fuzzLimits)
		if b.runEnmime(raw) != nil {
			return
		}
		for _, y := range b.res.Texts {
			if strings.TrimSpace(y.Content) != "" && !slices.ContainsFunc(a.res.Texts, func(x Text) bool { return x.Content == y.Content }) {
				t.Fatalf("enmime reads text %q that the fast reader does not", clip(y.Content))
			}
		}
		for _, y := range b.res.Items {
			if !slices.ContainsFunc(a.res.Items, func(x *Item) bool { return bytes.Equal(x.Data, y.Data) }) {
				t.Fatalf("enmime reads an item of %d bytes that the fast reader does not", len(y.Data))
			}
		}
	})
}

// midLineDelimiter reports a boundary of the tree occurring other than at
// the start of a line.
func midLineDelimiter(raw []byte, p *enmime.Part) bool {
	for ; p != nil; p = p.NextSibling {
		if p.Boundary != "" {
			d := []byte("--" + p.Boundary)
			for i := 0; ; {
				j := bytes.Index(raw[i:], d)
				if j < 0 {
					break
				}
				if at := i + j; at > 0 && raw[at-1] != '\n' {
					return true
				}
				i += j + len(d)
			}
		}
		if midLineDelimiter(raw, p.FirstChild) {
			return true
		}
	}
	return false
}
