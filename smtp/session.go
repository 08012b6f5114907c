package smtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/mailward/mailward/internal/inflight"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/pires/go-proxyproto"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/scanner"
)

// session is one client connection; it holds at most one transaction.
type session struct {
	srv     *Server
	conn    *gosmtp.Conn
	sc      *slotConn // the plain connection under any TLS
	client  netip.Addr
	trusted bool

	// The open transaction.
	inTxn    bool
	from     string
	mailOpts *gosmtp.MailOptions
	rcpts    []string
	dir      scanner.Direction
	txn      nexthop.Txn
	// txnRelease gives the transaction's admission slot back.
	txnRelease func()
	// g is the generation (config, pipeline, hops) the transaction took at
	// MAIL; it keeps it to the end, whatever a reload does meanwhile.
	g *generation
	// via is the trusted client whose certificate made the client trusted
	// at MAIL; its tenant check runs after DATA.
	via *config.TrustedClient
}

func (s *Server) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	var client netip.Addr
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		client = ap.Addr().Unmap()
	}
	sc := slotOf(c.Conn())
	if sc != nil {
		// go-proxyproto fails only the first read when a required header
		// is missing; never let such a connection go on as the balancer.
		if pc, ok := sc.Conn.(*proxyproto.Conn); ok && pc.ProxyHeader() == nil {
			if p, _ := s.proxyPolicy(pc.Raw().RemoteAddr()); p == proxyproto.REQUIRE {
				sc.closeAfterWrite.Store(true)
				return nil, errNoProxyHeader
			}
		}
	}
	ss := &session{srv: s, conn: c, sc: sc, client: client, trusted: s.gen.Load().trust.Trusted(client)}
	if sc != nil {
		sc.sess = ss
	}
	return ss, nil
}

func (ss *session) Mail(from string, opts *gosmtp.MailOptions) (reterr error) {
	defer func() { countReply("mail", reterr) }()
	if ss.inTxn {
		return errNestedMail
	}
	if ss.srv.draining.Load() {
		if ss.sc != nil {
			ss.sc.closeAfterWrite.Store(true)
		}
		return errShuttingDown
	}
	if opts != nil && opts.Size > 0 && !ss.srv.inflight.Room(opts.Size) {
		// RFC 1870: the declared size does not fit now; say so before
		// the client uploads it.
		return errBusyNow
	}
	if from != "" {
		canon, err := canonicalAddress(from)
		if err != nil {
			return errBadSender
		}
		from = canon
	}
	ss.inTxn, ss.from, ss.mailOpts = true, from, opts
	ss.g = ss.srv.acquire()
	// trusted_networks as reloaded, else trusted_clients (clienttrust.go)
	ss.trusted, ss.via = ss.sessionTrust(ss.g.trust.Trusted(ss.client))
	return nil
}

func (ss *session) Rcpt(to string, opts *gosmtp.RcptOptions) (reterr error) {
	defer func() { countReply("rcpt", reterr) }()
	_, domain, err := splitAddress(to)
	if err != nil {
		return errBadAddress
	}
	if to, err = canonicalAddress(to); err != nil {
		return errBadAddress
	}
	if ss.g == nil {
		return errTemporary
	}
	dir, ok := direction(ss.trusted, ss.g.domains.Has(domain))
	if !ok {
		ss.srv.log.Info("relay denied", "client", ss.client, "from", ss.from, "rcpt", to)
		return errRelayDenied
	}
	if ss.dir != "" && dir != ss.dir {
		return errOtherDirection
	}
	if len(ss.rcpts) >= ss.srv.cfg.Limits.MaxRecipients {
		return errTooManyRcpts
	}
	ctx, cancel := context.WithTimeout(context.Background(), ss.srv.cfg.Limits.NextHopTimeout.D())
	defer cancel()
	if ss.txn == nil {
		release, ok := ss.srv.admit.txn(ss.client, ss.trusted)
		if !ok {
			ss.srv.log.Info("transaction refused: client at its limit", "client", ss.client, "from", ss.from)
			return errTooManyTxns
		}
		txn, err := ss.g.hopFor(dir).Begin(ctx, ss.from, ss.mailOpts)
		if err != nil {
			release()
			ss.srv.log.Warn("next hop unavailable", "hop", ss.g.hopFor(dir).String(), "err", err)
			return hopReply(err, errHopUnavailable)
		}
		ss.txn, ss.txnRelease = txn, release
	}
	if err := ss.txn.Rcpt(ctx, to, opts); err != nil {
		var se *gosmtp.SMTPError
		if errors.As(err, &se) {
			return se // the next hop's own answer for this recipient
		}
		ss.srv.log.Warn("next hop rcpt failed", "err", err)
		return errHopFailed
	}
	ss.dir = dir
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// hopReply passes a next hop's own SMTP refusal back, or gives fallback.
func hopReply(err error, fallback *gosmtp.SMTPError) *gosmtp.SMTPError {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) && se.Code >= 400 && se.Code < 600 {
		return se
	}
	return fallback
}

func (ss *session) Reset() {
	ss.endTxn()
	ss.takeGen()()
	ss.inTxn, ss.from, ss.mailOpts, ss.rcpts, ss.dir = false, "", nil, nil, ""
}

// takeGen hands over the session's hold on its generation: the returned
// func ends it (a no-op when there is none).
func (ss *session) takeGen() func() {
	g := ss.g
	if g == nil {
		return func() {}
	}
	ss.g = nil
	return g.pipe.Done
}

// endTxn aborts the downstream transaction if one is still open and gives
// its slot back.
func (ss *session) endTxn() {
	if ss.txn != nil {
		ss.txn.Abort()
		ss.txn = nil
	}
	if ss.txnRelease != nil {
		ss.txnRelease()
		ss.txnRelease = nil
	}
}

func (ss *session) Logout() error {
	ss.Reset()
	return nil
}

// Data receives the message, scans it and answers. It returns only
// *gosmtp.SMTPError values (see replies.go); the final answer comes within
// limits.reply_deadline of the end-of-data dot whatever happens.
func (ss *session) Data(r io.Reader) (reterr error) {
	start := ss.srv.now()
	t := &transaction{ss: ss, id: quarantine.NewID()[:12], start: start}
	mem := ss.srv.inflight.Charge()
	defer func() {
		if p := recover(); p != nil {
			ss.srv.log.Error("panic in transaction", "queue_id", t.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			reterr = t.afterPanic()
		}
		countReply("data", reterr)
		ss.endTxn()
		// The message's memory is charged, and its generation held, until
		// the reply is written and the work after it is done (afterReply).
		done := ss.takeGen()
		ss.afterReply(func() { mem.Release(); done() })
	}()
	raw, err := ss.readData(r, mem)
	t.dot = time.Now()
	if err != nil {
		return t.readFailed(err)
	}
	t.raw = NormalizeNewlines(raw)
	return t.run()
}

// afterReply runs f once the reply to the current command has been written
// (the connection's next write), so that the client hears its answer first.
func (ss *session) afterReply(f func()) {
	if ss.sc == nil {
		f()
		return
	}
	ss.sc.afterReply(f)
}

// readData reads DATA with an idle deadline extended while bytes arrive and
// an overall cap. When either runs out, the connection is closed right after
// the reply: what the client sends next would otherwise be read as commands.
//
// Every byte kept is charged to the in-flight budget first (mem); a message
// that does not fit is read to its end and dropped: errOverBudget.
func (ss *session) readData(r io.Reader, mem *inflight.Charge) ([]byte, error) {
	lim := ss.srv.cfg.Limits
	if ss.sc != nil {
		ss.sc.dataDeadlines(lim.DataIdleTimeout.D(), ss.srv.now().Add(lim.DataTimeout.D()))
		defer ss.sc.dataDeadlines(0, time.Time{})
	}
	var buf bytes.Buffer
	if o := ss.mailOpts; o != nil && o.Size > 0 && o.Size <= ss.srv.cfg.MaxMessageBytes {
		buf.Grow(int(o.Size)) // one allocation instead of a doubling series
	}
	err := chargedCopy(&buf, r, mem)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && ss.sc != nil {
		ss.sc.closeAfterWrite.Store(true)
		ss.sc.SetReadDeadline(time.Now()) // go-smtp's drain of the rest returns at once
	}
	return buf.Bytes(), err
}
