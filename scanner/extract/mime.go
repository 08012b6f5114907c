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
	data := w.decodeTransfer(p)
	p.Content = nil // the decoded copy replaces the raw one: memory stays bounded
	isAttachment := strings.EqualFold(p.Disposition, "attachment")
	switch {
	case ct == "text/plain" && !isAttachment, ct == "" && !isAttachment && p.FileName == "":
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

// addHTML records hidden text, links and smuggling traits of an HTML body.
func (w *walker) addHTML(it *Item, h htmlResult) {
	w.addText(it, KindHidden, h.Hidden)
	for _, l := range h.Links {
		if len(w.res.Links) >= 10000 {
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

// decodeTransfer undoes the part's Content-Transfer-Encoding, leniently: a
// mail client shows what it can, so the scanner must read the same.
func (w *walker) decodeTransfer(p *enmime.Part) []byte {
	raw := p.Content
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			w.problem("malformed quoted-printable")
		}
		return out
	}
	return raw
}

// decodeBase64 skips anything outside the base64 alphabet (line breaks,
// spaces, junk) and stops at the first padding, as mail clients do. It
// decodes in small chunks so that no cleaned copy of a large part is made.
func decodeBase64(raw []byte) []byte {
	out := make([]byte, 0, len(raw)/4*3+3)
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
	for _, c := range raw {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			chunk[n] = c
			n++
			if n == len(chunk) {
				flush(false)
			}
		case c == '=':
			flush(true)
			return out
		}
	}
	flush(true)
	return out
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
