package extract

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxPDFURI bounds the bytes of one URI target read.
const maxPDFURI = 2048

// addPDFLinks adds the targets of the URI actions in b (the file, or one
// of its decoded streams: an object stream hides them from a reading of the
// raw file) to the message's links, once each per item (seen). They are
// where a link annotation sends the reader who clicks it, not page text.
// Links past maxLinks make the item incomplete, as an HTML part's do.
func (w *walker) addPDFLinks(it *Item, b []byte, seen map[string]bool) {
	for {
		i := bytes.Index(b, []byte("/URI"))
		if i < 0 {
			return
		}
		b = b[i+len("/URI"):]
		j := 0
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		u := pdfURI(b[j:min(len(b), j+maxPDFURI)])
		if u == "" || seen[u] {
			continue
		}
		if len(w.res.Links) >= maxLinks {
			w.incomplete(it, fmt.Sprintf("links beyond %d not read", maxLinks))
			return
		}
		seen[u] = true
		w.res.Links = append(w.res.Links, Link{Where: where(it), Item: it, URL: u})
	}
}

// pdfURI reads the string object at the start of b: a literal (...) or a
// hex <...> string; "" for anything else (a "/URI" name that is a key of
// another kind, a reference).
func pdfURI(b []byte) string {
	switch {
	case len(b) > 0 && b[0] == '(':
		s, _ := pdfLiteral(b)
		return string(s)
	case len(b) > 1 && b[0] == '<' && b[1] != '<':
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			return ""
		}
		h := strings.Join(strings.Fields(string(b[1:end])), "")
		if len(h)%2 == 1 {
			h += "0"
		}
		d, err := hex.DecodeString(h)
		if err != nil {
			return ""
		}
		return string(d)
	}
	return ""
}
