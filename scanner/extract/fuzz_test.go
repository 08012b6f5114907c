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

// FuzzFastMIME checks the fast MIME path against enmime on hostile input,
// part by part: every part the fast reader finds is transfer-decoded
// (base64, quoted-printable) to the same bytes as enmime's own decoding,
// and whatever enmime reads from a message the fast reader accepts (every
// text, every attachment's bytes) the fast path reads too, so taking it
// never hides content. (On the corpora the two agree exactly:
// TestFastMIMEAgrees.) Left out: mid-line delimiters, where enmime splits
// and RFC 2046, mail clients and the fast reader do not; parts where
// enmime itself reports content lost (it drops a base64 part with a lone
// trailing character, which the fast path reads); and charset conversion,
// compared only on ASCII text.
func FuzzFastMIME(f *testing.F) {
	for _, m := range seedMessages(f) {
		if len(m) < 64<<10 {
			f.Add(m)
		}
	}
	for _, ev := range Evasions {
		if m := ev.Build(); len(m) < 12<<10 { // the bombs slow every run down
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Parse is given what the relay passes on: bare CR and LF made CRLF.
		raw = crlf(raw)
		root := fastRoot(raw)
		if root == nil || midLineDelimiter(raw, root) {
			return // mid-line delimiters: enmime splits there, RFC 2046 and mail clients do not
		}
		checkPartBytes(t, raw, root)
		// A time budget spent on a loaded machine is no disagreement.
		lim := fuzzLimits
		lim.Budget = time.Minute
		a := newWalker(context.Background(), lim)
		a.walkRoot(fastRoot(raw))
		b := newWalker(context.Background(), lim)
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

// crlf makes every line ending CRLF, as the relay does before scanning.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// decodingParser is enmime with its own transfer and charset decoding, as
// a mail client built on it reads a message.
var decodingParser = enmime.NewParser(enmime.MaxStoredPartErrors(20), enmime.SkipMalformedParts(false))

// checkPartBytes compares, part by part, the fast path's transfer decoding
// of the fast reader's tree with enmime's decoding of the same message.
func checkPartBytes(t *testing.T, raw []byte, root *enmime.Part) {
	t.Helper()
	theirs, err := decodingParser.ReadParts(bytes.NewReader(raw))
	if err != nil {
		return
	}
	ours, want := leaves(root, nil), leaves(theirs, nil)
	if len(ours) != len(want) {
		t.Fatalf("fast reader finds %d parts, enmime %d", len(ours), len(want))
	}
	w := newWalker(context.Background(), fuzzLimits)
	for i, p := range ours {
		q := want[i]
		if slices.ContainsFunc(q.Errors, func(e *enmime.Error) bool { return e.Severe }) {
			continue // enmime lost content here and says so
		}
		got, _ := w.decodeTransfer(p)
		if strings.HasPrefix(q.ContentType, "text/") && !(plainASCII(got) && plainASCII(q.Content) && asciiCharset(q.Charset)) {
			continue // charset conversion, not transfer decoding
		}
		if !bytes.Equal(got, q.Content) {
			t.Fatalf("part %d (%s, %s): fast path decodes %d bytes %q, enmime %d bytes %q", i, q.ContentType,
				q.Header.Get("Content-Transfer-Encoding"), len(got), clip(string(got)), len(q.Content), clip(string(q.Content)))
		}
	}
}

// leaves lists the parts of a tree that have no children, in order.
func leaves(p *enmime.Part, out []*enmime.Part) []*enmime.Part {
	for ; p != nil; p = p.NextSibling {
		if p.FirstChild == nil {
			out = append(out, p)
		} else {
			out = leaves(p.FirstChild, out)
		}
	}
	return out
}

// plainASCII: printable ASCII, tabs and line breaks, which every
// ASCII-compatible charset reads alike.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c > 0x7e {
			return false
		}
	}
	return true
}

func asciiCharset(cs string) bool {
	cs = strings.ToLower(cs)
	return cs == "" || cs == "us-ascii" || cs == "utf-8" || strings.HasPrefix(cs, "iso-8859-") || strings.HasPrefix(cs, "windows-125")
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
