package extract

import (
	"bytes"
	"compress/zlib"
	"io"
	"strings"
)

// pdfInflateCap bounds the bytes inflated from one PDF's streams; inflated
// streams are read and dropped, not kept.
const pdfInflateCap = 64 << 20

// pdfItem reads a PDF without a full PDF library: the names that make a PDF
// active (/JavaScript, /OpenAction, /Launch, /EmbeddedFile) and its
// encryption (/Encrypt), looked for in the file and inside its compressed
// streams (object streams hide them), with #xx name escapes undone; and the
// text shown by its content streams' string operators, which is the text
// of ordinary generated PDFs (reports, letters).
func (w *walker) pdfItem(it *Item) {
	var text strings.Builder
	names := map[string]bool{}
	pdfNames(it.Data, names)
	capLeft := int64(len(it.Data)) * w.lim.MaxRatio
	if capLeft < ratioFloor {
		capLeft = ratioFloor
	}
	if capLeft > pdfInflateCap {
		capLeft = pdfInflateCap
	}
	rest := it.Data
	for n := 0; n < 100000; n++ {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			break
		}
		dict := rest[max(0, i-512):i]
		after := rest[i+len("stream"):]
		if bytes.HasSuffix(dict, []byte("end")) {
			rest = after // the "stream" of "endstream"
			continue
		}
		if len(after) > 0 && after[0] == '\r' {
			after = after[1:]
		}
		if len(after) > 0 && after[0] == '\n' {
			after = after[1:]
		}
		end := bytes.Index(after, []byte("endstream"))
		if end < 0 {
			end = len(after)
		}
		raw := after[:end]
		rest = after[end:]
		d := lastDict(dict)
		if !bytes.Contains(d, []byte("/FlateDecode")) || bytes.Contains(d, []byte("/Image")) || bytes.Contains(d, []byte("/DCTDecode")) {
			continue
		}
		if capLeft <= 0 || w.expired(it.Index) {
			break
		}
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		out, _ := io.ReadAll(io.LimitReader(zr, capLeft))
		capLeft -= int64(len(out))
		pdfNames(out, names)
		if bytes.Contains(out, []byte("BT")) && text.Len() < w.lim.MaxTextBytes {
			pdfShowText(out, &text)
		}
	}
	if names["Encrypt"] {
		it.Encrypted = true
	}
	if names["JavaScript"] || names["JS"] {
		it.addTrait(TraitPDFJavaScript)
	}
	if names["OpenAction"] || names["AA"] {
		it.addTrait(TraitPDFOpenAction)
	}
	if names["Launch"] {
		it.addTrait(TraitPDFLaunch)
	}
	if names["EmbeddedFile"] || names["EmbeddedFiles"] {
		it.addTrait(TraitPDFEmbedded)
	}
	if !it.Encrypted {
		s := strings.TrimSpace(text.String())
		w.charge(int64(len(s)), it.Index)
		w.addText(it, KindAttachment, s)
	}
}

// lastDict returns the last "<<" dictionary before a stream keyword.
func lastDict(b []byte) []byte {
	if i := bytes.LastIndex(b, []byte("obj")); i >= 0 {
		return b[i:]
	}
	return b
}

// interesting PDF names.
var pdfWanted = map[string]bool{"JavaScript": true, "JS": true, "OpenAction": true, "AA": true,
	"Launch": true, "EmbeddedFile": true, "EmbeddedFiles": true, "Encrypt": true}

// pdfNames records which wanted names occur in b, undoing #xx escapes.
func pdfNames(b []byte, found map[string]bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		var name []byte
		for j < len(b) && j-i < 40 {
			c := b[j]
			if c == '#' && j+2 < len(b) && isHex(b[j+1]) && isHex(b[j+2]) {
				name = append(name, unhex(b[j+1])<<4|unhex(b[j+2]))
				j += 3
				continue
			}
			if c <= ' ' || bytes.IndexByte([]byte("/<>[]()%{}"), c) >= 0 {
				break
			}
			name = append(name, c)
			j++
		}
		if len(name) > 1 && pdfWanted[string(name)] {
			found[string(name)] = true
		}
		i = j - 1
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// pdfShowText appends the literal strings of Tj, TJ, ' and " operators
// between BT and ET; TJ arrays join their parts, large kerning gaps become
// spaces.
func pdfShowText(b []byte, out *strings.Builder) {
	inText := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == 'B' && i+1 < len(b) && b[i+1] == 'T' && (i == 0 || isSpace(b[i-1])):
			inText = true
			i++
		case c == 'E' && i+1 < len(b) && b[i+1] == 'T' && (i == 0 || isSpace(b[i-1])):
			if inText {
				out.WriteByte('\n')
			}
			inText = false
			i++
		case c == '(' && inText:
			s, n := pdfLiteral(b[i:])
			out.WriteString(latin1(s))
			i += n - 1
		case c == ']' && inText:
			out.WriteByte(' ')
		case c == 'T' && inText && i+1 < len(b) && (b[i+1] == '*' || b[i+1] == 'd' || b[i+1] == 'D'):
			out.WriteByte(' ')
		case c == '-' && inText && i+3 < len(b) && b[i+1] >= '1' && b[i+1] <= '9' && b[i+2] >= '0' && b[i+2] <= '9' && b[i+3] >= '0' && b[i+3] <= '9':
			out.WriteByte(' ') // a kerning gap of a word space or more
		}
		if out.Len() > 16<<20 {
			return
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// pdfLiteral reads a (...) string with escapes; n is the bytes consumed.
func pdfLiteral(b []byte) ([]byte, int) {
	var s []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			depth++
			if depth == 1 {
				continue
			}
		case ')':
			depth--
			if depth == 0 {
				return s, i + 1
			}
		case '\\':
			if i+1 >= len(b) {
				return s, i + 1
			}
			i++
			switch e := b[i]; e {
			case 'n':
				s = append(s, '\n')
			case 'r', 't', 'b', 'f':
				s = append(s, ' ')
			case '\r', '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
						i++
						v = v*8 + int(b[i]-'0')
					}
					s = append(s, byte(v))
				} else {
					s = append(s, e)
				}
			}
			continue
		}
		s = append(s, c)
	}
	return s, len(b)
}

// latin1 maps PDFDocEncoding-ish bytes to UTF-8, dropping control bytes
// (glyph ids of embedded fonts that have no readable mapping).
func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c < 0x20 && c != '\n' {
			continue
		}
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
