// Package blockedext flags attachments whose file extension Windows would run
// or mount on a double-click (invoice.pdf.exe). It is the first, small, real
// detector: the suspicious-attachment scanner extends it with content checks.
package blockedext

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/mailward/mailward/scanner"
)

// Name is the scanner's name in findings.
const Name = "blockedext"

// Scanner flags attachments by extension.
type Scanner struct {
	ext map[string]bool
}

var _ scanner.Scanner = (*Scanner)(nil)

// New returns a scanner for the given extensions, with or without dots, any case.
func New(exts []string) *Scanner {
	s := &Scanner{ext: map[string]bool{}}
	for _, e := range exts {
		s.ext[strings.ToLower(strings.TrimPrefix(e, "."))] = true
	}
	return s
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// Scan implements scanner.Scanner. One finding per attachment; the summary
// names the attachment's index and extension, never its file name.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	var out []scanner.Finding
	for _, a := range m.Attachments {
		ext := Ext(a.FileName)
		if ext == "" || !s.ext[ext] {
			continue
		}
		out = append(out, scanner.Finding{
			Category: scanner.SuspiciousAttachment,
			Scanner:  Name,
			Score:    0.9,
			Summary:  fmt.Sprintf("blocked file type .%s in attachment %d", ext, a.Index),
			Where:    fmt.Sprint(a.Index),
		})
	}
	return out, nil
}

// Ext returns the lowercased last extension of a file name, ignoring
// trailing dots and spaces that Windows strips ("a.exe. " runs as a.exe).
func Ext(name string) string {
	name = strings.TrimRight(name, ". \t")
	e := path.Ext(strings.ReplaceAll(name, "\\", "/"))
	return strings.ToLower(strings.TrimPrefix(e, "."))
}
