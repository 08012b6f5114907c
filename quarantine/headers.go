package quarantine

import (
	"bytes"
	"strings"
)

// ourPrefix names mailward's own header fields.
const ourPrefix = "X-Mailward-"

// untrustedPrefix replaces ourPrefix on fields that came with the message.
const untrustedPrefix = "X-Mailward-Untrusted-"

// RenameUntrusted returns raw with every X-Mailward-* field of its top-level
// header renamed X-Mailward-Untrusted-*, exactly as the relay does with
// what it relays: only mailward's own verdict may carry the name, and a
// held message's headers are the sender's, never ours. The body is left
// alone. It returns raw itself when there is nothing to rename.
func RenameUntrusted(raw []byte) []byte {
	end := headerEnd(raw)
	var offs []int
	for off := 0; off < end; {
		if c := raw[off]; c != ' ' && c != '\t' && c != '\r' && c != '\n' &&
			len(raw)-off >= len(ourPrefix) && strings.EqualFold(string(raw[off:off+len(ourPrefix)]), ourPrefix) {
			offs = append(offs, off)
		}
		nl := bytes.IndexByte(raw[off:end], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	if len(offs) == 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(offs)*(len(untrustedPrefix)-len(ourPrefix)))
	prev := 0
	for _, off := range offs {
		out = append(out, raw[prev:off]...)
		out = append(out, untrustedPrefix...)
		prev = off + len(ourPrefix)
	}
	return append(out, raw[prev:]...)
}

// headerEnd returns the offset just past the blank line that ends the
// top-level header (CRLF or bare LF), or len(b) when there is none.
func headerEnd(b []byte) int {
	for off := 0; off < len(b); {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			return len(b)
		}
		line := b[off : off+nl]
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return off
		}
		off += nl + 1
	}
	return len(b)
}
