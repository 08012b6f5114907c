package extract

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"path"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// walkMessage walks the MIME tree of a message. parent is nil for the
// message itself and the message/rfc822 item for a forwarded one.
func (w *walker) walkMessage(root *enmime.Part, parent *Item) {
	w.walkPart(root, parent, false)
}

// walkPart visits p, its children and its later siblings' subtrees are
// visited by the caller. altPlain is set inside a multipart/alternative that
// has a text/plain body: its HTML then adds hidden text and links only, so
// that the body text is not counted twice (scanner.Message.Body's contract).
func (w *walker) walkPart(p *enmime.Part, parent *Item, altPlain bool) {
	if p == nil || w.stopped {
		return
	}
	w.parts++
	if w.parts > w.lim.MaxParts {
		w.limit(fmt.Sprintf("more than %d MIME parts", w.lim.MaxParts))
		return
	}
	for _, e := range p.Errors {
		w.problem(e.Name)
	}
	if p.ContentType == "" && p.FirstChild == nil && (p.Parent == nil || !strings.EqualFold(p.Parent.ContentType, "multipart/digest")) {
		// A part without a Content-Type is text/plain (RFC 2045), and
		// enmime reads no Content-Disposition for it; a mail client (and
		// the fast reader) still shows it as the attachment it says it is.
		p.ContentType = "text/plain"
		if d, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil && p.Disposition == "" {
			p.Disposition = d
			if p.FileName == "" {
				p.FileName = params["filename"]
			}
		}
	}
	ct := strings.ToLower(p.ContentType)
	if strings.HasPrefix(ct, "multipart/") || p.FirstChild != nil {
		alt := altPlain
		if ct == "multipart/alternative" {
			alt = hasPlainChild(p)
		}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if w.stopped {
				return
			}
			w.walkPart(c, parent, alt)
		}
		return
	}
	if strings.Contains(p.FileName, "=?") {
		// RFC 2047 words inside a file name parameter: not standard, but
		// what mail clients show.
		p.FileName = decodeHeader(p.FileName)
	}
	data, unread := w.decodeTransfer(p)
	p.Content = nil // the decoded copy replaces the raw one: memory stays bounded
	isAttachment := strings.EqualFold(p.Disposition, "attachment")
	switch {
	case ct == "text/plain" && !isAttachment, ct == "" && !isAttachment && p.FileName == "":
		if unread != "" {
			w.incomplete(parent, unread)
		}
		text := decodeText(data, p.Charset, false)
		var files []uufile
		if strings.Contains(text, "begin ") {
			text, files = uudecode(text)
		}
		w.addText(parent, KindPlain, text)
		if parent != nil {
			w.charge(int64(len(text)), parent.Index)
		}
		for _, f := range files {
			// Mail clients show uuencoded blocks as attachments: so do we.
			it := w.newItem(parent, f.name, "", f.data)
			w.inspect(it)
		}
	case ct == "text/html" && !isAttachment:
		if unread != "" {
			w.incomplete(parent, unread)
		}
		text := decodeText(data, p.Charset, true)
		h := htmlText(text)
		if !altPlain {
			w.addText(parent, KindHTML, h.Visible)
		}
		w.addHTML(parent, h)
		if parent != nil {
			w.charge(int64(len(text)), parent.Index)
		}
	case ct == "multipart/encrypted" || strings.HasPrefix(ct, "application/pgp-encrypted"):
		// The PGP/MIME version part; its sibling carries the ciphertext.
	default:
		it := w.newItem(parent, p.FileName, ct, data)
		if encryptedPart(p, ct) {
			it.Encrypted = true
		}
		it.Inline = !isAttachment && (p.ContentID != "" || strings.EqualFold(p.Disposition, "inline"))
		if ct == "text/plain" || ct == "text/html" || strings.HasPrefix(ct, "text/") {
			it.charset = p.Charset
		}
		if unread != "" {
			w.incomplete(it, unread)
		}
		w.inspect(it)
	}
}

// encryptedPart reports S/MIME enveloped data and the ciphertext part of
// PGP/MIME: content no scanner can read, which the pupil_data policy treats
// as protected.
func encryptedPart(p *enmime.Part, ct string) bool {
	switch ct {
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		_, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		return err != nil || !strings.EqualFold(params["smime-type"], "signed-data")
	case "application/octet-stream":
		return p.Parent != nil && strings.EqualFold(p.Parent.ContentType, "multipart/encrypted")
	}
	return false
}

// maxLinks bounds the links kept from one message.
const maxLinks = 10000

// addHTML records hidden text, links and smuggling traits of an HTML body.
func (w *walker) addHTML(it *Item, h htmlResult) {
	w.addText(it, KindHidden, h.Hidden)
	for _, l := range h.Links {
		if len(w.res.Links) >= maxLinks {
			w.incomplete(it, fmt.Sprintf("links beyond %d not read", maxLinks))
			break
		}
		w.res.Links = append(w.res.Links, Link{Where: where(it), Item: it, URL: l.URL, Text: l.Text})
	}
}

func hasPlainChild(p *enmime.Part) bool {
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if strings.EqualFold(c.ContentType, "text/plain") && !strings.EqualFold(c.Disposition, "attachment") {
			return true
		}
	}
	return false
}

// newItem makes an item below parent (or a new top-level attachment) and
// records it; the caller inspects it.
func (w *walker) newItem(parent *Item, name, declared string, data []byte) *Item {
	name = cleanName(name)
	it := &Item{FileName: name, DeclaredType: strings.ToLower(declared), Data: data, Size: int64(len(data)), Parent: parent}
	if parent == nil {
		w.index++
		it.Index = w.index
		if name == "" {
			name = fmt.Sprintf("part%d", it.Index)
		}
		it.Path = name
	} else {
		it.Index = parent.Index
		it.Depth = parent.Depth + 1
		if name == "" {
			name = fmt.Sprintf("part%d", len(w.res.Items)+1)
		}
		it.Path = parent.Path + "/" + name
	}
	if it.FileName == "" {
		it.FileName = name
	}
	w.res.Items = append(w.res.Items, it)
	return it
}

// cleanName keeps a name's own characters (a right-to-left override is
// evidence) but drops directory parts and control characters.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimRight(name, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// cleanPath keeps an archive entry's inner path, without leading slashes
// or dot-dot elements.
func cleanPath(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = path.Clean("/" + name)[1:]
	return name
}

// decodeTransfer undoes the part's Content-Transfer-Encoding exactly as
// enmime does (FuzzFastMIME holds the two to the same bytes), leniently:
// a mail client shows what it can, so the scanner must read the same.
// unread is a reason for Item.Incomplete when some of the part could not
// be read one certain way, "" otherwise.
func (w *walker) decodeTransfer(p *enmime.Part) (data []byte, unread string) {
	raw := p.Content
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		out, padInside := decodeBase64(raw)
		if padInside {
			// Readers disagree here: enmime reads on past the padding,
			// Python's email package stops at it, others restart after it.
			return out, "base64 with padding inside the data"
		}
		return out, ""
	case "quoted-printable":
		out, err := decodeQP(raw)
		if err != nil {
			w.problem("malformed quoted-printable")
			return out, "quoted-printable could not be fully decoded"
		}
		return out, ""
	}
	return raw, ""
}

// decodeBase64 decodes as enmime does: every byte outside the base64
// alphabet is skipped (line breaks, spaces, junk and '=' too), and the
// rest is decoded as one stream; a lone trailing character carries no
// byte. It decodes in small chunks so that no cleaned copy of a large part
// is made. padInside reports padding that ends a group ("xx==", "xxx=")
// with more data after it: there readers disagree (Python stops, enmime
// reads on, others restart), so the part cannot be read one certain way.
func decodeBase64(raw []byte) (out []byte, padInside bool) {
	out = make([]byte, 0, len(raw)/4*3+3)
	var chunk [4096]byte
	n := 0
	flush := func(final bool) {
		m := n
		if !final {
			m = n / 4 * 4
		} else if m%4 == 1 {
			m-- // a lone trailing character carries no byte
		}
		d, _ := base64.RawStdEncoding.AppendDecode(out, chunk[:m])
		out = d
		copy(chunk[:], chunk[m:n])
		n -= m
	}
	// quad is the count of alphabet characters mod 4; pads counts the '='
	// after the last of them; ended is set once padding ended a group.
	quad, pads, ended := 0, 0, false
	for _, c := range raw {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			if ended {
				padInside = true
			}
			pads = 0
			quad = (quad + 1) & 3
			chunk[n] = c
			n++
			if n == len(chunk) {
				flush(false)
			}
		case c == '=':
			pads++
			if quad == 3 && pads == 1 || quad == 2 && pads == 2 {
				ended = true
			}
		}
	}
	flush(true)
	return out, padInside
}

// decodeQP decodes quoted-printable as enmime does: its cleaner first
// (invalid escapes and raw 8-bit bytes kept literally, soft breaks in very
// long lines), then mime/quotedprintable. err is set only when some of the
// data could not be decoded.
func decodeQP(raw []byte) ([]byte, error) {
	return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(qpClean(raw))))
}

// maxQPLineLen is where enmime's cleaner breaks long lines, so that
// mime/quotedprintable's line buffer never overflows.
const maxQPLineLen = 1024

// qpClean rewrites quoted-printable as enmime's QPCleaner does (MIT,
// github.com/jhillyerd/enmime/v2/internal/coding), in one pass: '=' not
// followed by two hex digits or a line break becomes "=3D", bytes outside
// printable ASCII (but tab, CR, LF) become "=XX", and a soft break is put
// in every 1024 bytes of a line.
func qpClean(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/64)
	lineLen := 0
	ensure := func(requested int) {
		if lineLen+requested >= maxQPLineLen {
			out = append(out, '=', '\r', '\n')
			lineLen = 0
		}
	}
	const hexDigits = "0123456789ABCDEF"
	for i, b := range raw {
		if lineLen >= maxQPLineLen {
			out = append(out, '=', '\r', '\n')
			lineLen = 0
		}
		switch {
		case b == '=':
			ensure(2)
			if qpValidEscape(raw[i+1:]) {
				out = append(out, b)
				lineLen++
			} else {
				out = append(out, '=', '3', 'D')
				lineLen += 3
			}
		case b == '\t':
			out = append(out, b)
			lineLen++
		case b == '\r' || b == '\n':
			out = append(out, b)
			lineLen = 0
		case b < ' ' || b > '~':
			ensure(2)
			out = append(out, '=', hexDigits[b>>4], hexDigits[b&15])
			lineLen += 3
		default:
			out = append(out, b)
			lineLen++
		}
	}
	return out
}

// qpValidEscape reports whether what follows an '=' is two hex digits or a
// line break.
func qpValidEscape(v []byte) bool {
	if len(v) > 0 && v[0] == '\n' {
		return true
	}
	if len(v) < 2 {
		return false
	}
	if v[0] == '\r' && v[1] == '\n' {
		return true
	}
	return isHex(v[0]) && isHex(v[1])
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeHeader decodes RFC 2047 words and raw 8-bit header text to UTF-8.
func decodeHeader(s string) string {
	if s == "" {
		return ""
	}
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.TrimSpace(decodeText([]byte(s), "", false))
}
