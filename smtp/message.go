package smtp

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// NormalizeNewlines turns every bare CR and bare LF into CRLF. go-smtp ends
// DATA only at CRLF.CRLF, so a bare "\n.\n" stays inside the message; were it
// relayed as is, a next hop that accepts bare line endings would see the end
// of data there and a second, unscanned message after it ("SMTP smuggling",
// 2023). After this, what was scanned is exactly what is relayed, and the
// dot-stuffing of the next hop writer covers every line. `mailward scan`
// applies it too, so that it scans what the relay would.
func NormalizeNewlines(b []byte) []byte {
	bad := 0
	for i, c := range b {
		switch c {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				bad++
			}
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				bad++
			}
		}
	}
	if bad == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+bad)
	for i, c := range b {
		switch c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
		case '\n':
			if i > 0 && b[i-1] == '\r' {
				continue // already written with its CR
			}
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// headerEnd returns the length of the header section including the blank
// line, or len(b) when the message has no body.
func headerEnd(b []byte) int {
	if bytes.HasPrefix(b, []byte("\r\n")) {
		return 2
	}
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	return len(b)
}

// headerFieldStarts calls fn with the offset of every header field's name.
func headerFieldStarts(hdr []byte, fn func(off int)) {
	for off := 0; off < len(hdr); {
		if c := hdr[off]; c != ' ' && c != '\t' && c != '\r' {
			fn(off)
		}
		nl := bytes.IndexByte(hdr[off:], '\n')
		if nl < 0 {
			return
		}
		off += nl + 1
	}
}

func hasFieldPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// countReceived counts Received: fields in the top-level header.
func countReceived(msg []byte) int {
	n := 0
	hdr := msg[:headerEnd(msg)]
	headerFieldStarts(hdr, func(off int) {
		if hasFieldPrefix(hdr[off:], "Received:") {
			n++
		}
	})
	return n
}

const ourPrefix = "X-Mailward-"

// renameOurHeaders renames every incoming X-Mailward-* field to
// X-Mailward-Untrusted-*, so only mailward's own verdict carries the name.
// It returns b itself when there is nothing to rename.
func renameOurHeaders(b []byte) []byte {
	end := headerEnd(b)
	var offs []int
	headerFieldStarts(b[:end], func(off int) {
		if hasFieldPrefix(b[off:], ourPrefix) {
			offs = append(offs, off)
		}
	})
	if len(offs) == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+len(offs)*len("Untrusted-"))
	prev := 0
	for _, off := range offs {
		out = append(out, b[prev:off]...)
		out = append(out, "X-Mailward-Untrusted-"...)
		prev = off + len(ourPrefix)
	}
	return append(out, b[prev:]...)
}

// receivedHeader builds mailward's trace field (RFC 5321 4.4).
func receivedHeader(helo, client, by, id string, tls bool, rcpts []string, now time.Time) string {
	with := "ESMTP"
	if tls {
		with = "ESMTPS"
	}
	for_ := ""
	if len(rcpts) == 1 {
		for_ = fmt.Sprintf("\r\n\tfor <%s>", rcpts[0])
	}
	return fmt.Sprintf("Received: from %s ([%s])\r\n\tby %s (mailward) with %s id %s%s;\r\n\t%s\r\n",
		sanitizeHelo(helo), client, by, with, id, for_, now.Format(time.RFC1123Z))
}

// sanitizeHelo keeps a client-supplied HELO name from breaking the header.
func sanitizeHelo(h string) string {
	h = strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e || r == '(' || r == ')' || r == ';' {
			return '_'
		}
		return r
	}, h)
	if h == "" {
		h = "unknown"
	}
	if len(h) > 255 {
		h = h[:255]
	}
	return h
}

// prefixSubject puts prefix before the top-level Subject, or adds a Subject
// when there is none.
func prefixSubject(b []byte, prefix string) []byte {
	end := headerEnd(b)
	at := -1
	headerFieldStarts(b[:end], func(off int) {
		if at < 0 && hasFieldPrefix(b[off:], "Subject:") {
			at = off + len("Subject:")
		}
	})
	out := make([]byte, 0, len(b)+len(prefix)+12)
	if at < 0 {
		out = append(out, "Subject: "+strings.TrimSpace(prefix)+"\r\n"...)
		return append(out, b...)
	}
	for at < end && (b[at] == ' ' || b[at] == '\t') {
		at++
	}
	out = append(out, b[:at]...)
	out = append(out, prefix...)
	return append(out, b[at:]...)
}

// headerName accepts a configured field name made of RFC 5322 ftext.
func headerName(k string) (string, bool) {
	if k == "" || strings.HasPrefix(strings.ToLower(k), "x-mailward-untrusted") {
		return "", false
	}
	for _, c := range k {
		if c <= 32 || c >= 127 || c == ':' {
			return "", false
		}
	}
	return k, true
}

// headerValue keeps a configured value on one line.
func headerValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
