package mailauth

import (
	"bytes"
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
)

// field is one top-level header field: its name and its raw value (folding
// kept, without the final CRLF).
type field struct {
	name  string
	value string
}

// header is the top-level header of a message in field order.
type header []field

// headerEnd returns the offset of the blank line that ends the header (or
// len(raw) when there is none).
func headerEnd(raw []byte) int {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return 0
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return i + 2
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return i + 1
	}
	return len(raw)
}

// bodyStart returns the offset of the body: after the blank line that
// ends the header (len(raw) when there is none).
func bodyStart(raw []byte) int {
	end := headerEnd(raw)
	switch {
	case bytes.HasPrefix(raw[end:], []byte("\r\n")):
		return end + 2
	case bytes.HasPrefix(raw[end:], []byte("\n")):
		return end + 1
	}
	return end
}

// parseHeader splits the top-level header into fields. Lines that are not
// fields (no colon) are skipped, as a mail client would.
func parseHeader(raw []byte) header {
	var h header
	for _, line := range splitFields(raw[:headerEnd(raw)]) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		h = append(h, field{name: name, value: strings.TrimRight(value, "\r\n")})
	}
	return h
}

// splitFields returns each field with its continuation lines.
func splitFields(hdr []byte) []string {
	var out []string
	for len(hdr) > 0 {
		end := 0
		for {
			i := bytes.IndexByte(hdr[end:], '\n')
			if i < 0 {
				end = len(hdr)
				break
			}
			end += i + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		out = append(out, string(hdr[:end]))
		hdr = hdr[end:]
	}
	return out
}

// fields returns the raw values of every field called name, in order.
func (h header) fields(name string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			out = append(out, f.value)
		}
	}
	return out
}

// fromDomains returns the distinct author domains of the From field, and
// a reason when the field cannot be used for DMARC (RFC 7489 section 6.6.1:
// none, several From fields, or no parsable address).
func (h header) fromDomains() (domains []string, problem string) {
	fs := h.fields("From")
	switch {
	case len(fs) == 0:
		return nil, "no From field"
	case len(fs) > 1:
		problem = "several From fields"
	}
	seen := map[string]bool{}
	for _, f := range fs {
		addrs, err := mail.ParseAddressList(unfold(f))
		if err != nil {
			// Fall back to the text between the last < and > so a display
			// name the parser rejects does not hide the domain.
			if a := angleAddr(f); a != "" {
				addrs = []*mail.Address{{Address: a}}
			} else if problem == "" {
				problem = "From field not parsable"
			}
		}
		for _, a := range addrs {
			at := strings.LastIndexByte(a.Address, '@')
			if at < 0 {
				continue
			}
			d := normDomain(a.Address[at+1:])
			if d != "" && !seen[d] {
				seen[d] = true
				domains = append(domains, d)
			}
		}
	}
	if len(domains) == 0 && problem == "" {
		problem = "no domain in From"
	}
	if len(domains) > 1 && problem == "" {
		problem = "several author domains in From"
	}
	return domains, problem
}

// angleAddr returns the address between the last <...> of s, if any.
func angleAddr(s string) string {
	i := strings.LastIndexByte(s, '<')
	j := strings.LastIndexByte(s, '>')
	if i < 0 || j < i {
		return ""
	}
	a := strings.TrimSpace(s[i+1 : j])
	if !strings.Contains(a, "@") || strings.ContainsAny(a, " \t,<>") {
		return ""
	}
	return a
}

// unfold removes folding line breaks from a field value.
func unfold(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "")
	return strings.TrimSpace(strings.ReplaceAll(v, "\n", ""))
}

// normDomain lowercases a domain, drops a trailing dot and converts an
// internationalised name to its A-label form, so names compare as DNS
// does. A name that is not a valid domain comes back lowercased only.
func normDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" {
		return ""
	}
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}
