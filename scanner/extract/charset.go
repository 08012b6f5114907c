package extract

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// detectSample is how much of a mislabelled text charset detection reads:
// detection is the costly step, and a prefix decides it as well as the whole.
const detectSample = 16 << 10

// decodeText returns data as UTF-8. declared is the charset the sender
// named (may be empty or wrong). The common case, valid UTF-8 or ASCII,
// costs one validity scan; detection runs only on text that does not decode
// cleanly as declared.
func decodeText(data []byte, declared string, isHTML bool) string {
	if len(data) == 0 {
		return ""
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		declared = "utf-8"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		if s, ok := decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), data); ok {
			return s
		}
	}
	cs := normCharset(declared)
	if cs == "" && isHTML && !utf8.Valid(data) {
		cs = normCharset(metaCharset(data))
	}
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default":
		if utf8.Valid(data) {
			return string(data)
		}
		return detect(data)
	}
	if isASCII(data) {
		return string(data)
	}
	enc := lookup(cs)
	if enc == nil {
		if utf8.Valid(data) {
			return string(data)
		}
		return detect(data)
	}
	if singleByte(cs) && utf8.Valid(data) {
		// UTF-8 mislabelled as Latin-1 or a Windows code page: random
		// single-byte text is almost never valid multi-byte UTF-8.
		return string(data)
	}
	if s, ok := decodeWith(enc, data); ok {
		return s
	}
	return detect(data)
}

// detect guesses the charset of text that is not valid as declared.
func detect(data []byte) string {
	sample := data
	if len(sample) > detectSample {
		sample = sample[:detectSample]
	}
	if r, ok := bestCharset(sample); ok && r.Confidence >= 30 {
		if enc := lookup(normCharset(r.Charset)); enc != nil {
			if s, ok := decodeWith(enc, data); ok {
				return s
			}
		}
	}
	// Windows-1252 maps every byte: the usual truth of unlabelled 8-bit mail.
	s, _ := decodeWith(charmap.Windows1252, data)
	return s
}

// bestCharset is chardet's best guess, made deterministic: DetectBest
// runs its recognisers concurrently and keeps whichever of equally
// confident ones answers first, so the same message could read differently
// from one scan to the next. Ties go to the first by name.
func bestCharset(sample []byte) (chardet.Result, bool) {
	all, err := chardet.NewTextDetector().DetectAll(sample)
	if err != nil || len(all) == 0 {
		return chardet.Result{}, false
	}
	best := all[0]
	for _, r := range all[1:] {
		if r.Confidence > best.Confidence || r.Confidence == best.Confidence && r.Charset+r.Language < best.Charset+best.Language {
			best = r
		}
	}
	return best, true
}

func decodeWith(enc encoding.Encoding, data []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", false
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return string(out), true
}

func lookup(cs string) encoding.Encoding {
	if cs == "" {
		return nil
	}
	if e, err := htmlindex.Get(cs); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(cs); err == nil && e != nil {
		return e
	}
	return nil
}

// charsetReader serves mime.WordDecoder.
func charsetReader(cs string, r io.Reader) (io.Reader, error) {
	enc := lookup(normCharset(cs))
	if enc == nil {
		return r, nil
	}
	return enc.NewDecoder().Reader(r), nil
}

func normCharset(cs string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	cs = strings.TrimPrefix(cs, "charset=")
	switch cs {
	case "latin1", "latin-1":
		return "iso-8859-1"
	case "cp1252":
		return "windows-1252"
	}
	return cs
}

func singleByte(cs string) bool {
	return strings.HasPrefix(cs, "iso-8859") || strings.HasPrefix(cs, "windows-125") ||
		strings.HasPrefix(cs, "cp125") || cs == "koi8-r" || cs == "koi8-u" || cs == "macintosh"
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// metaCharset finds <meta charset> or http-equiv charset near an HTML start.
func metaCharset(data []byte) string {
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	l := bytes.ToLower(head)
	i := bytes.Index(l, []byte("charset="))
	if i < 0 {
		return ""
	}
	rest := l[i+len("charset="):]
	rest = bytes.TrimLeft(rest, `"' `)
	end := bytes.IndexAny(rest, `"' ;/>`)
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}
