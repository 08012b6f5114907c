package extract

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
)

// Bounds of MIME structure. enmime's reader costs the nesting depth times
// the message size, byte by byte, so a message past these bounds is not
// handed to it: it is unscannable (hostile, never ordinary mail).
const (
	// maxMIMEDepth is the deepest multipart nesting read.
	maxMIMEDepth = 50
	// maxEnmimeBoundaries is the most boundaries a message the fast reader
	// refuses may declare and still be read by enmime.
	maxEnmimeBoundaries = 100
)

// fastState carries the part count of one fast read and the limit it hit.
type fastState struct {
	n, maxParts int
	limit       string
}

// fastParts reads a well-formed MIME message into enmime parts without
// copying: part contents are slices of raw. It accepts only what it can read
// exactly as enmime would (every header parses, every multipart has its
// boundary and closing delimiter) and returns nil otherwise, so that odd
// and hostile structure always takes enmime's tolerant reader. Ordinary
// multipart mail (plain and HTML alternatives, attachments) is read several
// times faster this way, and its parts do not occupy memory twice.
//
// limit is set instead when the structure is past a bound (more than
// maxParts parts, deeper than maxMIMEDepth): the message is then not to be
// read by any reader.
func fastParts(raw []byte, maxParts int) (root *enmime.Part, limit string) {
	st := &fastState{maxParts: maxParts}
	p, ok := fastPart(raw, nil, 0, st, true)
	if !ok {
		return nil, st.limit
	}
	return p, ""
}

func fastPart(raw []byte, parent *enmime.Part, depth int, st *fastState, top bool) (*enmime.Part, bool) {
	st.n++
	switch {
	case depth > maxMIMEDepth:
		st.limit = fmt.Sprintf("MIME nesting deeper than %d", maxMIMEDepth)
		return nil, false
	case st.n > st.maxParts:
		st.limit = fmt.Sprintf("more than %d MIME parts", st.maxParts)
		return nil, false
	}
	end, bodyStart := headerEnd(raw)
	if end < 0 {
		if top || len(bytes.TrimSpace(raw)) > 0 {
			return nil, false
		}
		end, bodyStart = 0, len(raw)
	}
	start := 0
	if top && bytes.HasPrefix(raw, []byte("From ")) {
		if nl := bytes.IndexByte(raw, '\n'); nl >= 0 && nl < end {
			start = nl + 1
		}
	}
	if !headerStart(raw[start:end]) {
		return nil, false
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw[start:end]))).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return nil, false
	}
	p := &enmime.Part{Header: hdr, Parent: parent}
	ct := hdr.Get("Content-Type")
	if ct == "" {
		if parent != nil && strings.EqualFold(parent.ContentType, "multipart/digest") {
			return nil, false
		}
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, false
	}
	p.ContentType = mt
	p.Charset = params["charset"]
	if cd := hdr.Get("Content-Disposition"); cd != "" {
		d, dparams, err := mime.ParseMediaType(cd)
		if err != nil {
			return nil, false
		}
		p.Disposition = d
		p.FileName = dparams["filename"]
	}
	if p.FileName == "" {
		p.FileName = params["name"]
	}
	p.ContentID = strings.Trim(strings.TrimSpace(hdr.Get("Content-Id")), "<>")
	body := raw[bodyStart:]
	if !strings.HasPrefix(mt, "multipart/") {
		p.Content = body
		return p, true
	}
	boundary := params["boundary"]
	if boundary == "" || len(boundary) > 200 {
		return nil, false
	}
	p.Boundary = boundary
	parts, ok := splitMultipart(body, boundary)
	if !ok {
		return nil, false
	}
	var last *enmime.Part
	for _, b := range parts {
		c, ok := fastPart(b, p, depth+1, st, false)
		if !ok {
			return nil, false
		}
		if last == nil {
			p.FirstChild = c
		} else {
			last.NextSibling = c
		}
		last = c
	}
	return p, true
}

// splitMultipart cuts body at its delimiter lines ("--boundary" at the
// start of a line). The line break before a delimiter belongs to it. It
// fails without a closing delimiter or with any part-like oddity.
func splitMultipart(body []byte, boundary string) ([][]byte, bool) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	pos := -1 // start of the current part's content
	for i := 0; i <= len(body); {
		j := bytes.Index(body[i:], delim)
		if j < 0 {
			return nil, false // no closing delimiter
		}
		at := i + j
		after := at + len(delim)
		if at > 0 && body[at-1] != '\n' {
			i = after
			continue
		}
		rest := body[after:]
		closing := bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		k := 0
		for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t') {
			k++
		}
		lineEnd := after + (len(body[after:]) - len(rest)) + k
		switch {
		case k < len(rest) && rest[k] == '\r' && k+1 < len(rest) && rest[k+1] == '\n':
			lineEnd += 2
		case k < len(rest) && rest[k] == '\n':
			lineEnd++
		case k == len(rest) && closing:
		default:
			if !closing {
				if k > 0 || len(rest) > 0 && isSpaceRune(rest[0]) {
					// "--b1 junk": no delimiter by RFC 2046, one to enmime
					// (and to some clients). Ambiguous: enmime reads it.
					return nil, false
				}
				// "--b10" is no delimiter of boundary "b1": content.
				i = after
				continue
			}
		}
		if pos >= 0 {
			end := at
			if end > pos && body[end-1] == '\n' {
				end--
				if end > pos && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[pos:end])
		}
		if closing {
			if pos < 0 || len(parts) == 0 {
				return nil, false
			}
			return parts, true
		}
		pos = lineEnd
		i = lineEnd
	}
	return nil, false
}

// countBoundaries counts "boundary=" parameters, any case, up to max+1.
func countBoundaries(raw []byte, max int) int {
	n := 0
	for i := 0; n <= max; {
		j := bytes.Index(raw[i:], []byte("oundary"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + len("oundary")
		if at > 0 && (raw[at-1] == 'b' || raw[at-1] == 'B') && i < len(raw) && raw[i] == '=' {
			n++
		}
	}
	return n
}

// isSpaceRune is unicode.IsSpace of a byte taken as a rune, as enmime
// tests the byte after a boundary.
func isSpaceRune(c byte) bool { return unicode.IsSpace(rune(c)) }
