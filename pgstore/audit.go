package pgstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailward/mailward/quarantine"
)

// AppendAudit implements quarantine.Backend: one row, committed before
// return. The table is only ever inserted into by mailward; an operator may
// revoke UPDATE and DELETE on it from mailward's role to make it
// append-only for real.
func (q *Quarantine) AppendAudit(ctx context.Context, e quarantine.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = q.db.now().UTC()
	}
	_, err := q.db.pool.Exec(ctx, `INSERT INTO audit (time, who, role, what, msg_id, detail, remote) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.Time, e.Who, e.Role, e.What, e.ID, oneLine(e.Detail), e.Remote)
	if err != nil {
		return fmt.Errorf("quarantine audit: %w", err)
	}
	return nil
}

// ReadAudit returns the audit log's events, oldest first, as the local
// store's ReadAudit does.
func (q *Quarantine) ReadAudit() ([]quarantine.AuditEvent, error) {
	rows, err := q.db.pool.Query(context.Background(), `SELECT time, who, role, what, msg_id, detail, remote FROM audit ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("quarantine audit: %w", err)
	}
	defer rows.Close()
	var out []quarantine.AuditEvent
	for rows.Next() {
		var e quarantine.AuditEvent
		if err := rows.Scan(&e.Time, &e.Who, &e.Role, &e.What, &e.ID, &e.Detail, &e.Remote); err != nil {
			return nil, fmt.Errorf("quarantine audit: %w", err)
		}
		e.Time = e.Time.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// oneLine keeps free text to one printable line of bounded length, as the
// local audit log does.
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
