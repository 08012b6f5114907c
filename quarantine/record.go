// Package quarantine keeps held messages durably: raw bytes unchanged plus a
// JSON record, written so that a crash at any moment leaves either the whole
// message or nothing, and the client hears 250 only after both are on disk.
package quarantine

import (
	"time"

	"github.com/mailward/mailward/scanner"
)

// Status of a held message.
type Status string

// Statuses.
const (
	Held     Status = "held"
	Released Status = "released"
	Deleted  Status = "deleted"
	Expired  Status = "expired"
)

// Record describes one held message. The raw message is stored beside it.
type Record struct {
	ID         string            `json:"id"`
	Received   time.Time         `json:"received"`
	Client     string            `json:"client"`
	Helo       string            `json:"helo,omitempty"`
	TLS        bool              `json:"tls,omitempty"`
	From       string            `json:"from"`
	To         []string          `json:"to"`
	Direction  string            `json:"direction"`
	Subject    string            `json:"subject,omitempty"`
	Size       int64             `json:"size"`
	Findings   []scanner.Finding `json:"findings"`
	Categories []string          `json:"categories"`
	Rule       string            `json:"rule"`
	Action     string            `json:"action"`
	Status     Status            `json:"status"`
	Audit      []AuditEntry      `json:"audit,omitempty"`
}

// AuditEntry is one event in a held message's life.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`
	What   string    `json:"what"`
	Detail string    `json:"detail,omitempty"`
}
