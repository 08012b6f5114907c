// Package nexthop delivers mail to where it goes after mailward: another SMTP
// server (smtp://host:port) or, for the local default, a maildir folder.
//
// The relay opens a transaction at the client's first accepted RCPT, mirrors
// each RCPT, and sends the data only once the message has been scanned. A
// transaction never sends the end-of-data dot unless every byte was written,
// so a next hop never receives a half-written message.
package nexthop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
)

// Hop opens transactions to one next hop.
type Hop interface {
	// Begin opens a transaction with MAIL FROM. It blocks while the hop's
	// session limit is reached, until ctx ends.
	Begin(ctx context.Context, from string, opts *smtp.MailOptions) (Txn, error)
	// String names the hop for logs.
	String() string
}

// Txn is one open transaction. Exactly one of Data or Abort ends it.
type Txn interface {
	// Rcpt mirrors one recipient. A refusal is the hop's *smtp.SMTPError,
	// to be passed back to the client for that recipient; any other error
	// is a connection problem.
	Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error
	// Data sends the complete message and ends the transaction. nil means
	// the hop said 250. If the session went idle and dropped meanwhile,
	// Data reconnects and replays MAIL and RCPT first.
	Data(ctx context.Context, msg []byte) error
	// Abort discards the transaction (RSET) and releases the session.
	Abort()
	// TLSVerified reports whether the session runs over TLS with a
	// certificate that verifies for the hop's name.
	TLSVerified() bool
}

// Replier is a Txn that keeps the hop's answer to the data: the hop's own
// queue id, which lets message tracking follow a message to the next
// system ("did it arrive?").
type Replier interface {
	LastReply() string
}

// Options tune how hops are reached.
type Options struct {
	// Timeout bounds the connection and each command. Default 30s.
	Timeout time.Duration
	// MaxSessions caps concurrent sessions to one SMTP hop. Default 100.
	MaxSessions int
	// HeloName is the name mailward gives in EHLO.
	HeloName string
	// TLS is used for STARTTLS when the hop offers it; nil means
	// opportunistic TLS without certificate verification, as an MTA does
	// for an internal next hop.
	TLS *tls.Config
	// RootCAs verify the hop's certificate for TLSVerified; nil means the
	// system's roots.
	RootCAs *x509.CertPool
	// ClientCert is presented when the hop asks for a client certificate
	// (tls.cert): Exchange Online's partner connectors restricted by
	// certificate accept only mail whose sender shows one of its name.
	ClientCert *tls.Certificate
}

// New returns the hop for a next_hop URL.
func New(url string, o Options) (Hop, error) {
	h, err := config.ParseHop(url)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100
	}
	if o.HeloName == "" {
		o.HeloName = "localhost"
	}
	switch h.Kind {
	case "maildir":
		return newMaildir(h.Dir)
	default:
		return &SMTP{addr: h.Addr, opts: o, slots: make(chan struct{}, o.MaxSessions)}, nil
	}
}

// Send delivers one complete message (CRLF line endings) to the hop URL,
// for mail that mailward itself sends or releases. A refusal by the hop is
// returned as its *smtp.SMTPError.
func Send(ctx context.Context, hop string, from string, to []string, msg []byte) error {
	h, err := New(hop, Options{})
	if err != nil {
		return err
	}
	return SendVia(ctx, h, from, to, msg)
}

// SendVia is Send on an existing Hop.
func SendVia(ctx context.Context, h Hop, from string, to []string, msg []byte) error {
	if len(to) == 0 {
		return errors.New("nexthop send: no recipients")
	}
	t, err := h.Begin(ctx, from, nil)
	if err != nil {
		return fmt.Errorf("nexthop send via %s: %w", h, err)
	}
	for _, r := range to {
		if err := t.Rcpt(ctx, r, nil); err != nil {
			t.Abort()
			return fmt.Errorf("nexthop send via %s: rcpt: %w", h, err)
		}
	}
	if err := t.Data(ctx, msg); err != nil {
		return fmt.Errorf("nexthop send via %s: %w", h, err)
	}
	return nil
}
