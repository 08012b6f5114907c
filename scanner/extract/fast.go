package extract

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/textproto"
	"strings"
)

// plainFast extracts the relay's commonest message, one text/plain part,
// without building a MIME tree: the header is parsed with net/textproto and
// the body is decoded in place. It returns false, having recorded nothing,
// for anything else (multipart, other types, attachments, a header that
// net/textproto finds malformed), which then takes the full MIME walk.
func (w *walker) plainFast(raw []byte) bool {
	end, bodyStart := headerEnd(raw)
	if end < 0 {
		return false
	}
	start := 0
	if bytes.HasPrefix(raw, []byte("From ")) {
		// An mbox separator line ("From addr date"), as saved .eml files
		// and mail corpora have: not a header field.
		if nl := bytes.IndexByte(raw, '\n'); nl >= 0 && nl < end {
			start = nl + 1
		}
	}
	if !headerStart(raw[start:end]) {
		return false
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw[start:end]))).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return false
	}
	var charset string
	if ct := hdr.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/plain" || params["name"] != "" {
			return false
		}
		charset = params["charset"]
	}
	if cd := hdr.Get("Content-Disposition"); cd != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(cd)), "inline") {
		return false
	}
	body := raw[bodyStart:]
	var data []byte
	switch strings.ToLower(strings.TrimSpace(hdr.Get("Content-Transfer-Encoding"))) {
	case "", "7bit", "8bit", "binary":
		data = body
	case "base64":
		var padInside bool
		if data, padInside = decodeBase64(body); padInside {
			return false // the MIME walk records why it cannot be read
		}
	case "quoted-printable":
		if data, err = decodeQP(body); err != nil {
			return false
		}
	default:
		return false
	}
	w.res.Header = hdr
	w.res.Subject = decodeHeader(hdr.Get("Subject"))
	if w.res.Subject != "" {
		w.res.Texts = append(w.res.Texts, Text{Where: "subject", Kind: KindSubject, Content: w.res.Subject})
	}
	w.parts = 1
	text := decodeText(data, charset, false)
	var files []uufile
	if strings.Contains(text, "begin ") {
		text, files = uudecode(text)
	}
	w.addText(nil, KindPlain, text)
	for _, f := range files {
		w.inspect(w.newItem(nil, f.name, "", f.data))
	}
	return true
}

// headerEnd finds the blank line ending the header (a line that is empty
// or holds only a CR, whatever the other lines end with): end is where the
// header stops, its last line break included, bodyStart where the body
// begins; -1 when there is no blank line.
func headerEnd(raw []byte) (end, bodyStart int) {
	for s := 0; s < len(raw); {
		switch {
		case raw[s] == '\n':
			return s, s + 1
		case raw[s] == '\r' && s+1 < len(raw) && raw[s+1] == '\n':
			return s, s + 2
		}
		nl := bytes.IndexByte(raw[s:], '\n')
		if nl < 0 {
			break
		}
		s += nl + 1
	}
	return -1, -1
}

// headerStart reports whether h begins like a header: empty, or a field
// name of printable characters followed by a colon on the first line.
func headerStart(h []byte) bool {
	if len(h) == 0 {
		return true
	}
	for i, c := range h {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c >= 0x7f:
			return false
		}
	}
	return false
}
