package review

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// previewCSP is the policy of an attachment preview, which a browser may
// also open as a page of its own: nothing loads, nothing runs, and the
// document gets an opaque origin (sandbox) whatever it is.
const previewCSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// previewKind is how an attachment may be shown on the page: its bytes
// sniffed, never its declared type trusted alone.
func previewKind(a attachment) string {
	sniffed := strings.ToLower(a.SniffedType)
	declared := strings.ToLower(a.DeclaredType)
	switch {
	case strings.HasPrefix(sniffed, "text/html") || strings.HasPrefix(declared, "text/html") && strings.HasPrefix(sniffed, "text/"):
		return "html"
	case strings.HasPrefix(sniffed, "text/plain"), strings.HasPrefix(sniffed, "text/csv"), strings.HasPrefix(sniffed, "application/json"),
		strings.HasPrefix(sniffed, "text/calendar"), strings.HasPrefix(sniffed, "text/vcard"):
		return "text"
	case strings.HasPrefix(sniffed, "image/png"), strings.HasPrefix(sniffed, "image/jpeg"), strings.HasPrefix(sniffed, "image/gif"),
		strings.HasPrefix(sniffed, "image/webp"):
		// Never SVG: it is a document that can carry script.
		return "image"
	}
	return ""
}

// CanPreview reports whether the page offers a preview of a.
func (a attachment) CanPreview() bool { return previewKind(a) != "" }

// attachmentFor loads attachment n of a message the person may see, with
// their permissions; it answers the request itself when it returns false.
func (s *Server) attachmentFor(w http.ResponseWriter, r *http.Request, c *reqCtx, need func(perms) bool, what string) (attachment, string, bool) {
	id := r.PathValue("id")
	rec, p, err := s.load(r.Context(), c, id)
	if err != nil {
		s.httpError(w, err)
		return attachment{}, id, false
	}
	if !need(p) {
		s.audit(r.Context(), c, "denied", id, what+" attachment")
		http.Error(w, "not allowed for your role", http.StatusForbidden)
		return attachment{}, id, false
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	raw, rerr := s.store.Raw(r.Context(), id)
	if rerr != nil {
		s.httpError(w, rerr)
		return attachment{}, id, false
	}
	v := parseView(raw, rec)
	if err != nil || n < 1 || n > len(v.Attachments) {
		http.Error(w, "no such attachment", http.StatusNotFound)
		return attachment{}, id, false
	}
	return v.Attachments[n-1], id, true
}

// attachmentPreview shows an attachment safely to those who may read the
// message: text as text/plain, HTML sanitised (as the message body), the
// common raster images as they are; all under previewCSP. Anything else
// (Office files, PDFs, archives, SVG) has no preview: download it.
func (s *Server) attachmentPreview(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	a, id, ok := s.attachmentFor(w, r, c, func(p perms) bool { return p.Preview }, "preview")
	if !ok {
		return
	}
	kind := previewKind(a)
	if kind == "" {
		http.Error(w, "no preview for this type ("+a.SniffedType+"): download it instead, if your role may", http.StatusUnsupportedMediaType)
		return
	}
	s.audit(r.Context(), c, "preview", id, "attachment "+strconv.Itoa(a.Index))
	h := w.Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Disposition", "inline")
	switch kind {
	case "text":
		h.Set("Content-Type", "text/plain; charset=utf-8")
		body := a.data
		if !utf8.Valid(body) {
			body = []byte(strings.ToValidUTF8(string(body), "\uFFFD"))
		}
		w.Write(body)
	case "html":
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><html><head><meta charset=\"utf-8\"><style>body{font:14px/1.45 system-ui,sans-serif;margin:12px;color:#222}</style></head><body>"))
		w.Write([]byte(Sanitize(string(a.data))))
		w.Write([]byte("</body></html>"))
	case "image":
		h.Set("Content-Type", strings.SplitN(a.SniffedType, ";", 2)[0])
		w.Write(a.data)
	}
}
