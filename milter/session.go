package milter

import (
	"bytes"
	"fmt"
	"github.com/mailward/mailward/internal/inflight"
	"net/netip"
	"strings"
	"time"

	gomilter "github.com/d--j/go-milter"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/mailauth"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/smtp"
)

// session is one MTA connection, which carries one SMTP session of the
// MTA's client; it holds at most one transaction at a time.
type session struct {
	srv    *Server
	client netip.Addr // invalid when the MTA gave none (a local submission)
	helo   string
	tls    bool

	txn *txn
}

// txn is one message: its envelope as the MTA passed it and the message
// as it arrives.
type txn struct {
	gen      *generation
	from     string
	authUser string
	trusted  bool
	tls      bool
	rcpts    []string
	dir      scanner.Direction
	start    time.Time

	raw   bytes.Buffer // header fields, then the blank line and the body
	inHdr bool         // still in the header section
	size  int64
	mem   *inflight.Charge
	// ours are the incoming X-Mailward-* fields, and forged are incoming
	// Authentication-Results fields claiming mailward's authserv-id: both
	// renamed at the end, as the relay renames them.
	ours, forged []field
	// subjects counts Subject fields; the first one's value is kept for a
	// tag rule's prefix.
	subjects int
	subject  string
	// seen counts fields per lower-cased name: the MTA indexes a field by
	// its name and its place among those of that name.
	seen map[string]int
}

// field is one header field and its index among fields of its name.
type field struct {
	name, value string
	index       int
}

var _ gomilter.Milter = (*session)(nil)

func (ss *session) NewConnection(gomilter.Modifier) error { return nil }

// Connect takes the client address the MTA reports. Anything but an IP
// address (a Unix socket, "unknown") leaves the client untrusted by
// address.
func (ss *session) Connect(host, family string, port uint16, addr string, m gomilter.Modifier) (*gomilter.Response, error) {
	if family == "tcp4" || family == "tcp6" {
		if a, err := netip.ParseAddr(strings.Trim(addr, "[]")); err == nil {
			ss.client = a.Unmap()
		}
	}
	return gomilter.RespContinue, nil
}

func (ss *session) Helo(name string, m gomilter.Modifier) (*gomilter.Response, error) {
	ss.helo = name
	ss.tls = m.Get(gomilter.MacroTlsVersion) != ""
	return gomilter.RespContinue, nil
}

// MailFrom starts a transaction with the current generation. The client is
// trusted when its address is in trusted_networks or it authenticated to
// the MTA (the {auth_authen} macro): Postfix's submission service.
func (ss *session) MailFrom(from, esmtpArgs string, m gomilter.Modifier) (*gomilter.Response, error) {
	ss.endTxn()
	if ss.srv.draining.Load() {
		return reply("mail", smtp.ReplyTemporary), nil
	}
	g := ss.srv.acquire()
	if g == nil {
		return reply("mail", smtp.ReplyTemporary), nil
	}
	t := &txn{gen: g, from: from, authUser: m.Get(gomilter.MacroAuthAuthen), inHdr: true,
		seen: map[string]int{}, mem: ss.srv.inflight.Charge()}
	t.trusted = t.authUser != "" || trusted(g.trust, ss.client)
	t.tls = ss.tls || m.Get(gomilter.MacroTlsVersion) != ""
	ss.txn = t
	return gomilter.RespContinue, nil
}

func trusted(nets []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// RcptTo classifies each recipient as the relay does: refused where the
// relay refuses it, and one direction per transaction.
func (ss *session) RcptTo(rcpt, esmtpArgs string, m gomilter.Modifier) (*gomilter.Response, error) {
	t := ss.txn
	if t == nil {
		return reply("rcpt", smtp.ReplyTemporary), nil
	}
	dir, rep := smtp.RcptCheck(t.gen.cfg.Domains, t.trusted, rcpt)
	if rep != nil {
		if rep == smtp.ReplyRelayDenied {
			ss.srv.log.Info("relay denied", "client", ss.client, "from", t.from, "rcpt", rcpt)
		}
		return reply("rcpt", rep), nil
	}
	if t.dir != "" && dir != t.dir {
		return reply("rcpt", smtp.ReplyOtherDirection), nil
	}
	if len(t.rcpts) >= t.gen.cfg.Limits.MaxRecipients {
		return reply("rcpt", smtp.ReplyTooManyRcpts), nil
	}
	t.dir = dir
	t.rcpts = append(t.rcpts, rcpt)
	return gomilter.RespContinue, nil
}

func (ss *session) Data(m gomilter.Modifier) (*gomilter.Response, error) {
	if ss.txn == nil {
		return reply("data", smtp.ReplyTemporary), nil
	}
	ss.txn.start = ss.srv.now()
	return gomilter.RespContinue, nil
}

// Header keeps one field as it was sent (the leading space included: see
// OptHeaderLeadingSpace), bounded like the body.
func (ss *session) Header(name, value string, m gomilter.Modifier) (*gomilter.Response, error) {
	t := ss.txn
	if t == nil {
		return reply("data", smtp.ReplyTemporary), nil
	}
	if rep := ss.keep(name + ":" + value + "\r\n"); rep != nil {
		return rep, nil
	}
	key := strings.ToLower(name)
	t.seen[key]++
	switch {
	case smtp.IsOurHeader(name):
		t.ours = append(t.ours, field{name, value, t.seen[key]})
	case strings.EqualFold(name, mailauth.FieldName) && forgedAR(name, value, t.gen.cfg.Authentication.AuthservID):
		t.forged = append(t.forged, field{name, value, t.seen[key]})
	case key == "subject":
		if t.subjects++; t.subjects == 1 {
			t.subject = value
		}
	}
	return gomilter.RespContinue, nil
}

func (ss *session) Headers(m gomilter.Modifier) (*gomilter.Response, error) {
	if ss.txn == nil {
		return reply("data", smtp.ReplyTemporary), nil
	}
	ss.txn.inHdr = false
	if rep := ss.keep("\r\n"); rep != nil {
		return rep, nil
	}
	return gomilter.RespContinue, nil
}

func (ss *session) BodyChunk(chunk []byte, m gomilter.Modifier) (*gomilter.Response, error) {
	if ss.txn == nil {
		return reply("data", smtp.ReplyTemporary), nil
	}
	if rep := ss.keep(string(chunk)); rep != nil {
		return rep, nil
	}
	return gomilter.RespContinue, nil
}

// keep adds s to the message, within max_message_bytes (552 5.3.4, as the
// relay) and the in-flight budget (451 4.3.1); a refusal ends the
// transaction at the MTA.
func (ss *session) keep(s string) *gomilter.Response {
	t := ss.txn
	t.size += int64(len(s))
	if t.size > ss.srv.start.MaxMessageBytes {
		ss.srv.log.Info("message refused: too large", "client", ss.client, "from", t.from, "size", t.size)
		ss.endTxn()
		return reply("data", smtp.ReplyTooLarge)
	}
	if !t.mem.Grow(len(s)) {
		ss.srv.log.Info("message deferred: in-flight budget", "client", ss.client, "from", t.from)
		ss.endTxn()
		return reply("data", smtp.ReplyBusy)
	}
	t.raw.WriteString(s)
	return nil
}

// Abort ends the transaction: the MTA's client reset or left.
func (ss *session) Abort(m gomilter.Modifier) error {
	ss.endTxn()
	return nil
}

func (ss *session) Unknown(cmd string, m gomilter.Modifier) (*gomilter.Response, error) {
	return gomilter.RespContinue, nil
}

func (ss *session) Cleanup(m gomilter.Modifier) { ss.endTxn() }

// endTxn gives the transaction's memory and pipeline back.
func (ss *session) endTxn() {
	if t := ss.txn; t != nil {
		t.mem.Release()
		t.gen.pipe.Done()
		ss.txn = nil
	}
}

// reply turns one of the relay's replies into the milter's, counted at
// stage as the relay counts it. A reply the library cannot carry becomes a
// plain temporary failure: never an accept.
func reply(stage string, r *gosmtp.SMTPError) *gomilter.Response {
	smtp.CountReply(stage, r)
	text := fmt.Sprintf("%d.%d.%d %s", r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2], r.Message)
	resp, err := gomilter.RejectWithCodeAndReason(uint16(r.Code), text)
	if err != nil {
		return gomilter.RespTempFail
	}
	return resp
}

// forgedAR reports whether an incoming Authentication-Results field claims
// mailward's own authserv-id (RFC 8601 section 5: a forgery or a loop),
// by the relay's own test.
func forgedAR(name, value, authservID string) bool {
	f := []byte(name + ":" + value + "\r\n\r\n")
	return !bytes.Equal(mailauth.RenameForged(f, authservID), f)
}
