package mailauth

import (
	"fmt"
	"strings"
)

// FieldName is the header field that carries the results (RFC 8601).
const FieldName = "Authentication-Results"

// UntrustedFieldName is what an incoming Authentication-Results that
// claims our authserv-id is renamed to (RFC 8601 section 5): readers
// downstream must never take a sender's claim for our verdict.
const UntrustedFieldName = "X-Mailward-Untrusted-Authentication-Results"

// Header returns the Authentication-Results value (without the field name
// and the final CRLF) for authservID, one result per folded line:
//
//	gw.trust.example;
//		spf=pass smtp.mailfrom=bursar@example.org;
//		dkim=pass header.d=example.org header.s=sel header.b=AbCdEfGh1234;
//		dmarc=pass (p=reject) header.from=example.org;
//		arc=none
func (r *Result) Header(authservID string) string {
	var rs []string
	s := r.SPF
	ptype := "smtp.mailfrom"
	if s.Scope == "helo" {
		ptype = "smtp.helo"
	}
	rs = append(rs, result("spf", s.Status, s.Reason, "", prop(ptype, s.Sender)))
	if len(r.DKIM) == 0 {
		rs = append(rs, result("dkim", StatusNone, "", "", ""))
	}
	for _, d := range r.DKIM {
		props := []string{prop("header.d", d.Domain), prop("header.s", d.Selector), prop("header.b", d.B)}
		if d.Identifier != "" {
			props = append(props, prop("header.i", d.Identifier))
		}
		rs = append(rs, result("dkim", d.Status, d.Reason, comment("alg", d.Algorithm), props...))
	}
	dm := r.DMARC
	var c string
	if dm.Record {
		c = "p=" + dm.Policy
		if dm.Percent != 100 {
			c += fmt.Sprintf(" pct=%d", dm.Percent)
		}
	}
	rs = append(rs, result("dmarc", dm.Status, dm.Reason, c, prop("header.from", dm.FromDomain)))
	a := r.ARC
	c = ""
	if a.Instances > 0 {
		c = fmt.Sprintf("i=%d", a.Instances)
		if a.Sealer != "" {
			c += " sealer=" + a.Sealer
		}
		if a.Trusted {
			c += " trusted"
		}
	}
	rs = append(rs, result("arc", a.Status, a.Reason, c, ""))
	return sanitizeID(authservID) + ";\r\n\t" + strings.Join(rs, ";\r\n\t")
}

// result formats one resinfo: method=value [(comment)] [reason=...] props.
func result(method string, st Status, reason, cmt string, props ...string) string {
	if st == "" {
		st = StatusNone
	}
	var b strings.Builder
	b.WriteString(method + "=" + string(st))
	if cmt != "" {
		b.WriteString(" (" + cleanComment(cmt) + ")")
	}
	if reason != "" && st != StatusPass {
		b.WriteString(" reason=" + quote(reason))
	}
	for _, p := range props {
		if p != "" {
			b.WriteString(" " + p)
		}
	}
	return b.String()
}

// prop formats ptype.property=pvalue, or "" for an empty value.
func prop(name, v string) string {
	if v == "" {
		return ""
	}
	if safePvalue(v) {
		return name + "=" + v
	}
	return name + "=" + quote(v)
}

func comment(k, v string) string {
	if v == "" {
		return ""
	}
	return k + "=" + v
}

// safePvalue reports whether v may stand unquoted: an address or domain
// of atext characters and dots (RFC 8601 pvalue, RFC 5322 dot-atom).
func safePvalue(v string) bool {
	for _, c := range []byte(v) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte(".-_+@=!#$%&'*/?^`{|}~", c) >= 0) {
			return false
		}
	}
	return true
}

// quote makes a quoted-string of printable ASCII.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
		if b.Len() > 200 {
			break
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cleanComment keeps a comment's text from closing or nesting it.
func cleanComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '(' || r == ')' || r == '\\' || r < 0x20 || r > 0x7e {
			return '_'
		}
		return r
	}, s)
}

// sanitizeID keeps the authserv-id a plain token.
func sanitizeID(id string) string {
	id = strings.Map(func(r rune) rune {
		if r <= 0x20 || r > 0x7e || r == ';' || r == '(' || r == ')' || r == '"' {
			return -1
		}
		return r
	}, id)
	if id == "" {
		return "localhost"
	}
	return id
}

// RenameForged renames every top-level Authentication-Results field whose
// authserv-id is authservID to UntrustedFieldName, as RFC 8601 section 5
// asks of a border MTA: such a field can only be a sender's forgery or a
// loop. It returns raw itself when there is nothing to rename.
func RenameForged(raw []byte, authservID string) []byte {
	id := strings.ToLower(sanitizeID(authservID))
	end := headerEnd(raw)
	var offs []int
	off := 0
	for _, f := range splitFields(raw[:end]) {
		name, value, ok := strings.Cut(f, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), FieldName) && strings.EqualFold(authservIDOf(value), id) {
			offs = append(offs, off)
		}
		off += len(f)
	}
	if len(offs) == 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(offs)*len("X-Mailward-Untrusted-"))
	prev := 0
	for _, o := range offs {
		out = append(out, raw[prev:o]...)
		out = append(out, UntrustedFieldName...)
		prev = o + len(FieldName)
	}
	return append(out, raw[prev:]...)
}

// authservIDOf reads the authserv-id at the start of an A-R value,
// skipping white space and comments.
func authservIDOf(v string) string {
	v = unfold(v)
	for {
		v = strings.TrimLeft(v, " \t")
		if !strings.HasPrefix(v, "(") {
			break
		}
		depth := 0
		i := 0
		for ; i < len(v); i++ {
			if v[i] == '(' {
				depth++
			} else if v[i] == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if i >= len(v) {
			return ""
		}
		v = v[i+1:]
	}
	n := strings.IndexAny(v, "; \t(")
	if n >= 0 {
		v = v[:n]
	}
	return strings.Trim(v, "\"")
}
