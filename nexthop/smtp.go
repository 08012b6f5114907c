package nexthop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTP is a next hop spoken to over SMTP, with STARTTLS when offered.
type SMTP struct {
	addr  string
	opts  Options
	slots chan struct{}
	idle  pool // open sessions between transactions (pool.go)
}

func (h *SMTP) String() string { return "smtp://" + h.addr }

// Begin implements Hop.
func (h *SMTP) Begin(ctx context.Context, from string, opts *smtp.MailOptions) (Txn, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("next hop %s: all %d sessions busy: %w", h.addr, cap(h.slots), ctx.Err())
	}
	t := &smtpTxn{hop: h, from: from, mailOpts: opts}
	// An idle session goes first; one the hop has dropped meanwhile (or
	// that fails MAIL in any way but the hop's own refusal) is closed and
	// a new one opened.
	if s := h.idle.get(); s != nil {
		t.c, t.conn, t.raw, t.uses = s.c, s.conn, s.raw, s.uses
		release := t.raw.bound(ctx)
		err := t.mail()
		release()
		var se *smtp.SMTPError
		if err == nil || errors.As(err, &se) && se.Code != 421 {
			if err != nil {
				t.recycle()
				<-h.slots
				return nil, err
			}
			return t, nil
		}
		t.close()
	}
	if err := t.open(ctx); err != nil {
		<-h.slots
		return nil, err
	}
	return t, nil
}

type smtpTxn struct {
	hop      *SMTP
	c        *smtp.Client
	conn     net.Conn // what the client speaks over: greeted, over TLS or raw
	raw      *bounded // the TCP connection under it
	from     string
	mailOpts *smtp.MailOptions
	rcpts    []rcpt
	uses     int       // transactions the session carried before this one
	used     time.Time // the last command the hop answered
	// downgraded: the client asked for SMTPUTF8, the hop lacks it, and the
	// transaction goes on without it while nothing needs it (utf8.go).
	downgraded bool
	// reply is the hop's 250 to the data.
	reply string
}

type rcpt struct {
	to   string
	opts *smtp.RcptOptions
}

// open connects, greets, starts TLS when offered and sends MAIL FROM.
func (t *smtpTxn) open(ctx context.Context) error {
	t.uses = 0
	d := net.Dialer{Timeout: t.hop.opts.Timeout}
	tcp, err := d.DialContext(ctx, "tcp", t.hop.addr)
	if err != nil {
		return fmt.Errorf("next hop %s: %w", t.hop.addr, err)
	}
	raw := &bounded{Conn: tcp}
	defer raw.bound(ctx)()
	conn, err := starttls(raw, t.hop.opts, t.hop.addr)
	if err != nil {
		return fmt.Errorf("next hop %s: %w", t.hop.addr, err)
	}
	c := smtp.NewClient(conn)
	c.CommandTimeout = t.hop.opts.Timeout
	c.SubmissionTimeout = t.hop.opts.Timeout
	t.c, t.conn, t.raw = c, conn, raw
	if err := c.Hello(t.hop.opts.HeloName); err != nil {
		t.close()
		return fmt.Errorf("next hop %s: ehlo: %w", t.hop.addr, err)
	}
	if err := t.mail(); err != nil {
		t.close()
		return err
	}
	return nil
}

// mail starts the transaction on a greeted session: MAIL FROM, unless the
// message needs SMTPUTF8 that the hop lacks.
func (t *smtpTxn) mail() error {
	c := t.c
	t.downgraded = false
	if t.mailOpts != nil && t.mailOpts.UTF8 {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			// RFC 6531 3.2: without SMTPUTF8 at the next hop, only a
			// message that needs it is refused (see utf8.go).
			if !isASCII(t.from) {
				return errUTF8Address
			}
			t.downgraded = true
		}
	}
	if err := c.Mail(t.from, t.mailOptions()); err != nil {
		return fmt.Errorf("next hop %s: mail: %w", t.hop.addr, err)
	}
	t.used = time.Now()
	return nil
}

// mailOptions passes the client's MAIL parameters on, except SIZE: mailward
// adds headers, so the declared size no longer holds.
func (t *smtpTxn) mailOptions() *smtp.MailOptions {
	if t.mailOpts == nil {
		return nil
	}
	o := *t.mailOpts
	o.Size = 0
	o.Auth = nil
	if t.downgraded {
		o.UTF8 = false
	}
	if ok, _ := t.c.Extension("8BITMIME"); !ok {
		o.Body = ""
	}
	if ok, _ := t.c.Extension("DSN"); !ok {
		o.Return, o.EnvelopeID = "", ""
	}
	return &o
}

func (t *smtpTxn) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	if ok, _ := t.c.Extension("DSN"); !ok {
		opts = nil
	}
	if t.downgraded && !isASCII(to) {
		return errUTF8Address
	}
	defer t.raw.bound(ctx)()
	if err := t.c.Rcpt(to, opts); err != nil {
		return err
	}
	t.used = time.Now()
	t.rcpts = append(t.rcpts, rcpt{to, opts})
	return nil
}

// reopen replaces a dropped session and replays MAIL and every RCPT.
func (t *smtpTxn) reopen(ctx context.Context) error {
	t.close()
	if err := t.open(ctx); err != nil {
		return err
	}
	defer t.raw.bound(ctx)()
	for _, r := range t.rcpts {
		if err := t.c.Rcpt(r.to, r.opts); err != nil {
			return fmt.Errorf("next hop %s: replayed rcpt refused: %w", t.hop.addr, err)
		}
	}
	return nil
}

func (t *smtpTxn) Data(ctx context.Context, msg []byte) (err error) {
	defer func() {
		if err != nil {
			// The hop may be wedged mid-reply: do not wait for a QUIT.
			t.close()
			t.finish()
			return
		}
		// The hop has the message: the session goes back to the pool
		// (or quits in the background); the client's answer waits for
		// neither.
		t.recycle()
	}()
	if t.downgraded && !headerASCII(msg) {
		return errUTF8Header
	}
	// The session may have gone quiet during the upload and scan, and
	// the hop may have dropped it: then the DATA command fails before any
	// of the message is sent, and a new session replays MAIL and RCPT.
	if err := t.startData(ctx); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code != 421 {
			return se
		}
		if err := t.reopen(ctx); err != nil {
			return err
		}
		if err := t.startData(ctx); err != nil {
			return fmt.Errorf("next hop %s: data: %w", t.hop.addr, err)
		}
	}
	// ctx's deadline holds for every byte and reply from here on, whatever
	// deadlines are set or cleared above it (see bounded).
	defer t.raw.bound(ctx)()
	dataTimeout := t.hop.opts.Timeout
	if dl, ok := ctx.Deadline(); ok {
		dataTimeout = time.Until(dl)
	}
	// Never sends the dot after a failed write: closing the connection
	// (above) makes the hop discard what it has.
	reply, err := sendBody(t.conn, msg, dataTimeout)
	t.reply = reply
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		return fmt.Errorf("next hop %s: %w", t.hop.addr, err)
	}
	return nil
}

// startData sends DATA and waits for the hop's 354.
func (t *smtpTxn) startData(ctx context.Context) error {
	defer t.raw.bound(ctx)()
	return sendDataCommand(t.conn, t.hop.opts.Timeout)
}

// recycle ends a transaction that ended cleanly (the hop said 250 to the
// data or to RSET): its session goes back to the hop's pool, and its slot
// is freed.
func (t *smtpTxn) recycle() {
	if t.c != nil && t.hop != nil {
		t.hop.idle.put(&hopConn{c: t.c, conn: t.conn, raw: t.raw, uses: t.uses + 1}, len(t.hop.slots)-1, cap(t.hop.slots))
		t.c, t.conn, t.raw = nil, nil, nil
	}
	t.finish()
}

// Abort ends the transaction without delaying the caller: RSET runs in the
// background, bounded by a short deadline, and the session goes back to
// the pool when the hop said 250 to it, or quits.
func (t *smtpTxn) Abort() {
	go func() {
		if t.c != nil && t.conn != nil {
			t.conn.SetDeadline(time.Now().Add(5 * time.Second))
			if t.c.Reset() == nil {
				t.conn.SetDeadline(time.Time{})
				t.recycle()
				return
			}
		}
		t.finish()
	}()
}

// finish quits politely if the session is still open and frees the slot.
func (t *smtpTxn) finish() {
	if t.c != nil && t.conn != nil {
		t.conn.SetDeadline(time.Now().Add(5 * time.Second))
		t.c.Quit()
	}
	t.close()
	if t.hop != nil {
		<-t.hop.slots
		t.hop = nil
	}
}

func (t *smtpTxn) close() {
	if t.conn != nil {
		t.conn.Close()
	}
	t.c, t.conn, t.raw = nil, nil, nil
}

// starttls greets the hop and upgrades the connection with STARTTLS when the
// hop offers it. go-smtp's client has no exported STARTTLS after a custom
// EHLO name, so the first exchange is done here and the returned connection
// replays a greeting for the go-smtp client that takes over.
func starttls(conn net.Conn, o Options, addr string) (net.Conn, error) {
	conn.SetDeadline(time.Now().Add(o.Timeout))
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		conn.Close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if err := tp.PrintfLine("EHLO %s", o.HeloName); err != nil {
		conn.Close()
		return nil, err
	}
	_, msg, err := tp.ReadResponse(250)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ehlo: %w", err)
	}
	offered := false
	for _, l := range strings.Split(msg, "\n") {
		if strings.EqualFold(strings.TrimSpace(l), "STARTTLS") {
			offered = true
		}
	}
	if offered {
		if err := tp.PrintfLine("STARTTLS"); err != nil {
			conn.Close()
			return nil, err
		}
		if _, _, err := tp.ReadResponse(220); err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
		cfg := o.TLS
		if cfg == nil {
			host, _, _ := net.SplitHostPort(addr)
			cfg = &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
		}
		if c := o.ClientCert; c != nil && cfg.GetClientCertificate == nil && len(cfg.Certificates) == 0 {
			cfg = cfg.Clone()
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c, nil }
		}
		tc := tls.Client(conn, cfg)
		if err := tc.Handshake(); err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls handshake: %w", err)
		}
		conn.SetDeadline(time.Time{})
		host, _, _ := net.SplitHostPort(addr)
		return &greeted{Conn: tc, pending: []byte("220 greeted\r\n"), verified: verifyPeer(tc, host, o.RootCAs)}, nil
	}
	conn.SetDeadline(time.Time{})
	return &greeted{Conn: conn, pending: []byte("220 greeted\r\n")}, nil
}

// greeted is a connection whose greeting was already read; it replays one
// for the go-smtp client.
type greeted struct {
	net.Conn
	pending  []byte
	verified bool // TLS with a certificate valid for the hop's name
}

func (g *greeted) Read(b []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(b, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	return g.Conn.Read(b)
}

// verifyPeer checks the hop's certificate chain and name. Opportunistic TLS
// goes on without it, but pupil data bound for an allowed destination may
// require it (pupil_data.require_tls).
func verifyPeer(tc *tls.Conn, host string, roots *x509.CertPool) bool {
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return false
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
	return err == nil
}

// TLSVerified implements Txn.
func (t *smtpTxn) TLSVerified() bool {
	g, ok := t.conn.(*greeted)
	return ok && g.verified
}

// LastReply is the hop's answer to the data after Data returned nil:
// "250 2.0.0 Ok: queued as 4Xyz", its queue id for message tracking.
func (t *smtpTxn) LastReply() string { return t.reply }
