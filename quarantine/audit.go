package quarantine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// AuditEvent is one line of the append-only audit log: every view and every
// action on the quarantine, by whom, when, on which message. It never holds
// content: no subject, no file name, no body.
type AuditEvent struct {
	Time time.Time `json:"time"`
	// Who is the reviewer's login, "cli:USER" or "mailward" for the gateway.
	Who string `json:"who"`
	// Role is the reviewer's role when the event came from the review page.
	Role string `json:"role,omitempty"`
	// What is a verb: login, login-failed, logout, list, view, view-body,
	// download, release, release-failed, delete, false-positive,
	// request-release, confirm, suspected-illegal, legal-hold,
	// legal-hold-lifted, expired, purged, forgotten, notice, denied.
	What string `json:"what"`
	// ID is the message, if the event concerns one.
	ID string `json:"id,omitempty"`
	// Detail is a short free text (recipients released, a reason).
	Detail string `json:"detail,omitempty"`
	// Remote is the client address for web requests.
	Remote string `json:"remote,omitempty"`
}

// AppendAudit implements Backend: one JSON line appended with O_APPEND (so
// concurrent writers never interleave a line) and fsynced before return.
// The file is only ever opened for appending; an operator may make it
// append-only at the filesystem level too (chattr +a).
func (d *Dir) AppendAudit(ctx context.Context, e AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = d.now().UTC()
	}
	e.Detail = oneLine(e.Detail)
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("quarantine audit: %w", err)
	}
	line = append(line, '\n')
	d.auditMu.Lock()
	defer d.auditMu.Unlock()
	f, err := os.OpenFile(filepath.Join(d.root, "audit.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("quarantine audit: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("quarantine audit: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("quarantine audit: %w", err)
	}
	return f.Close()
}

// ReadAudit returns the audit log's events, oldest first (for tests and the
// admin's audit view). A missing log is empty.
func (d *Dir) ReadAudit() ([]AuditEvent, error) {
	f, err := os.Open(filepath.Join(d.root, "audit.log"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("quarantine audit: %w", err)
	}
	defer f.Close()
	var out []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return out, fmt.Errorf("quarantine audit: bad line: %w", err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// oneLine keeps free text to one printable line of bounded length.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
