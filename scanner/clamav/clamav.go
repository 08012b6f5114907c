package clamav

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/attachment"
)

// Name is the scanner's name in findings, logs and metrics.
const Name = "clamav"

// Options configure the malware scanner (config.ClamAV).
type Options struct {
	// Address is tcp://host:port or unix:/path.
	Address string
	// Timeout is the time all of one message's streams may take. Default 30s.
	Timeout time.Duration
	// ConnectTimeout bounds each connection to clamd. Default 5s.
	ConnectTimeout time.Duration
	// MaxStreamBytes is the largest item sent; it must not exceed clamd's
	// StreamMaxLength. Larger items are reported unscannable. Default 25 MiB.
	MaxStreamBytes int64
}

// Scanner sends every attachment and extracted item to clamd.
type Scanner struct {
	client *Client
	opt    Options
}

var _ scanner.Scanner = (*Scanner)(nil)

// New returns a malware scanner for clamd at opt.Address.
func New(opt Options) (*Scanner, error) {
	c, err := NewClient(opt.Address)
	if err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.ConnectTimeout <= 0 {
		opt.ConnectTimeout = 5 * time.Second
	}
	if opt.MaxStreamBytes <= 0 {
		opt.MaxStreamBytes = 25 << 20
	}
	c.DialTimeout = opt.ConnectTimeout
	return &Scanner{client: c, opt: opt}, nil
}

// Name implements scanner.Scanner.
func (s *Scanner) Name() string { return Name }

// Client returns the clamd client, for readiness checks.
func (s *Scanner) Client() *Client { return s.client }

// Scan implements scanner.Scanner. Each distinct item (by content hash) is
// streamed once; items inside one already found infected are skipped.
// clamd unpacks archives itself, and the extracted items are sent too, so
// that what extraction can open and clamd cannot (TNEF, a forwarded
// message's parts) is still seen.
func (s *Scanner) Scan(ctx context.Context, m *scanner.Message) ([]scanner.Finding, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	var out []scanner.Finding
	seen := map[[32]byte]bool{}
	infected := map[*scanner.Attachment]bool{}
	for _, a := range m.Attachments {
		if len(a.Data) == 0 || a.Parent != nil && infected[a.Parent] {
			if a.Parent != nil && infected[a.Parent] {
				infected[a] = true
			}
			continue
		}
		sum := sha256.Sum256(a.Data)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		if a.Size > s.opt.MaxStreamBytes {
			out = append(out, scanner.UnscannableFinding(Name,
				fmt.Sprintf("%s too large for the malware scanner", where(a))))
			continue
		}
		v, err := s.client.Scan(ctx, bytes.NewReader(a.Data))
		if errors.Is(err, ErrTooLarge) {
			out = append(out, scanner.UnscannableFinding(Name,
				fmt.Sprintf("%s too large for the malware scanner", where(a))))
			continue
		}
		if err != nil {
			return out, fmt.Errorf("malware scan of attachment %d: %w", a.Index, err)
		}
		if v.Infected {
			infected[a] = true
			out = append(out, scanner.Finding{
				Category: scanner.Malware,
				Scanner:  Name,
				Score:    1,
				Summary:  fmt.Sprintf("signature %s %s", v.Signature, where(a)),
				Where:    fmt.Sprint(a.Index),
			})
		}
	}
	return out, nil
}

// where names an item by index and type, never by file name.
func where(a *scanner.Attachment) string {
	top := a
	for top.Parent != nil {
		top = top.Parent
	}
	if a.Depth == 0 {
		return fmt.Sprintf("in attachment %d (%s)", a.Index, attachment.TypeLabel(a))
	}
	return fmt.Sprintf("inside attachment %d (%s)", a.Index, attachment.TypeLabel(top))
}
