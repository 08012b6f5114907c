package links

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/mailward/mailward/scanner"
)

// Bounds on reading an attachment for links outside its text.
const (
	maxRelsFiles = 2000    // .rels parts read from one Office file
	maxRelsBytes = 4 << 20 // bytes read from one .rels part
	maxDocLinks  = 10000   // links taken from one attachment
)

var (
	relationshipRe = regexp.MustCompile(`<Relationship\b[^>]*>`)
	targetRe       = regexp.MustCompile(`\bTarget="([^"]*)"`)
)

// docLinks returns the link targets an attachment carries outside its
// readable text: the external relationships of Office Open XML files
// (hyperlinks in Word, Excel and PowerPoint files). A PDF's link targets
// come with the message's links from extraction, which decodes its
// streams. A file that does not open as a zip gives none (extraction
// reports it); unread says what a bound left unread, for an unscannable
// finding.
func docLinks(a *scanner.Attachment) (links []string, unread string) {
	switch {
	case strings.HasPrefix(a.SniffedType, "application/vnd.openxmlformats-officedocument."),
		strings.HasPrefix(a.SniffedType, "application/vnd.ms-") && bytes.HasPrefix(a.Data, []byte("PK")):
		return officeLinks(a.Data)
	}
	return nil, ""
}

func officeLinks(data []byte) (out []string, unread string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ""
	}
	n := 0
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".rels") {
			continue
		}
		if n++; n > maxRelsFiles {
			return out, fmt.Sprintf("hyperlink parts beyond %d not read", maxRelsFiles)
		}
		rc, err := f.Open()
		if err != nil {
			continue // extraction reports a part it cannot open
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxRelsBytes+1))
		rc.Close()
		if err != nil {
			continue
		}
		if len(b) > maxRelsBytes {
			unread = fmt.Sprintf("hyperlink part beyond %d MB not read", maxRelsBytes>>20)
			b = b[:maxRelsBytes]
		}
		for _, el := range relationshipRe.FindAll(b, -1) {
			if !bytes.Contains(el, []byte(`TargetMode="External"`)) {
				continue
			}
			if m := targetRe.FindSubmatch(el); m != nil {
				if len(out) == maxDocLinks {
					return out, fmt.Sprintf("hyperlinks beyond %d not read", maxDocLinks)
				}
				out = append(out, html.UnescapeString(string(m[1])))
			}
		}
	}
	return out, unread
}
