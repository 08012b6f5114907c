package nexthop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Maildir delivers into a maildir folder: the local default next hop, so
// that mailward works out of the box with nothing behind it.
type Maildir struct {
	dir string
}

func newMaildir(dir string) (*Maildir, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("maildir %s: %w", dir, err)
		}
	}
	return &Maildir{dir: dir}, nil
}

func (m *Maildir) String() string { return "maildir:" + m.dir }

// Begin implements Hop.
func (m *Maildir) Begin(ctx context.Context, from string, opts *smtp.MailOptions) (Txn, error) {
	return &maildirTxn{m: m, from: from}, nil
}

type maildirTxn struct {
	m    *Maildir
	from string
	to   []string
}

func (t *maildirTxn) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	t.to = append(t.to, to)
	return nil
}

// Data writes the message durably (temp file, fsync, rename, folder fsync)
// with Return-Path and X-Original-To lines first, as a local delivery agent
// does; the rest is the relayed bytes unchanged.
func (t *maildirTxn) Data(ctx context.Context, msg []byte) error {
	var b [8]byte
	rand.Read(b[:])
	host, _ := os.Hostname()
	name := fmt.Sprintf("%d.%s.%s", time.Now().UnixNano(), hex.EncodeToString(b[:]), strings.ReplaceAll(host, "/", "_"))
	tmp := filepath.Join(t.m.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("maildir deliver: %w", err)
	}
	head := fmt.Sprintf("Return-Path: <%s>\r\nX-Original-To: %s\r\n", oneLine(t.from), oneLine(strings.Join(t.to, ", ")))
	_, err = f.WriteString(head)
	if err == nil {
		_, err = f.Write(msg)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(t.m.dir, "new", name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("maildir deliver: %w", err)
	}
	d, err := os.Open(filepath.Join(t.m.dir, "new"))
	if err != nil {
		return fmt.Errorf("maildir deliver: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("maildir deliver: %w", err)
	}
	return nil
}

func (t *maildirTxn) Abort() {}

// oneLine keeps an envelope address inside its header line: the relay
// refuses control characters in addresses, and a maildir file must never
// get a bare CR or LF from anyone else either. Every line written is CRLF,
// like the relayed message itself.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

// TLSVerified implements Txn: a local folder is not a network hop.
func (t *maildirTxn) TLSVerified() bool { return false }
