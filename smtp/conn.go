package smtp

import (
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/metrics"
)

// listener hands every accepted connection to the relay as a slotConn.
// Admission (limits, per-client caps) happens in the connection's own
// goroutine when the greeting is written, not here: a PROXY protocol header
// must be read first, and the accept loop must never wait for a client.
type listener struct {
	net.Listener
	srv *Server
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &slotConn{Conn: c, srv: l.srv}
	l.srv.mu.Lock()
	l.srv.live[sc] = struct{}{}
	l.srv.mu.Unlock()
	return sc, nil
}

// slotConn is a client connection, the plain one under any TLS. It
//   - admits or turns away the client when the greeting is written (the
//     first Write), and frees its slot on Close;
//   - extends the read deadline on every network read during DATA;
//   - runs the work queued with afterReply right after the next reply has
//     been written (the tracker and the log wait, the client does not);
//   - answers 421 to the next command once the server is draining, unless a
//     transaction is open: that one is finished first;
//   - can close itself right after the reply that ends a broken DATA.
type slotConn struct {
	net.Conn
	srv *Server

	// Owned by the connection's goroutine.
	admitted bool
	sess     *session // the current session (a new one after STARTTLS)

	release   func() // gives the connection slot back
	closeOnce sync.Once

	mu    sync.Mutex
	idle  time.Duration // non-zero during DATA
	end   time.Time     // the cap on the whole DATA
	after func()        // run after the next Write

	poked           atomic.Bool // a shutdown woke a blocked Read
	closeAfterWrite atomic.Bool
}

// slotOf finds the slotConn under a session's connection, through TLS.
func slotOf(c net.Conn) *slotConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, _ := c.(*slotConn)
	return sc
}

// admit decides whether the client may stay; the refusal is the reply to
// send instead of the greeting.
func (c *slotConn) admit() *gosmtp.SMTPError {
	if c.srv.draining.Load() {
		countReply("connect", errShuttingDown)
		return errShuttingDown
	}
	var client netip.Addr
	if ap, err := netip.ParseAddrPort(c.Conn.RemoteAddr().String()); err == nil {
		client = ap.Addr().Unmap()
	}
	release, ok := c.srv.admit.conn(client, c.srv.gen.Load().trust.Trusted(client))
	if !ok {
		countReply("connect", errTooManyConns)
		return errTooManyConns
	}
	metrics.SessionOpened()
	c.mu.Lock()
	c.release = func() { release(); metrics.SessionClosed() }
	c.mu.Unlock()
	return nil
}

func (c *slotConn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		release := c.release
		c.mu.Unlock()
		if release != nil {
			release()
		}
		c.srv.mu.Lock()
		delete(c.srv.live, c)
		c.srv.mu.Unlock()
		if f := c.takeAfter(); f != nil {
			defer f() // never lost, even when the reply could not be written
		}
	})
	return c.Conn.Close()
}

// dataDeadlines turns DATA deadlines on (idle > 0) or off. go-smtp's own
// read timeout covers commands only, and a Read of its DATA reader spans
// many network reads, so the idle deadline is extended here, per read.
func (c *slotConn) dataDeadlines(idle time.Duration, end time.Time) {
	c.mu.Lock()
	c.idle, c.end = idle, end
	c.mu.Unlock()
}

func (c *slotConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		idle, end := c.idle, c.end
		c.mu.Unlock()
		if idle == 0 && c.srv.draining.Load() && (c.sess == nil || !c.sess.inTxn) {
			return 0, c.drain()
		}
		if idle > 0 {
			dl := time.Now().Add(idle)
			if dl.After(end) {
				dl = end
			}
			c.Conn.SetReadDeadline(dl)
		}
		n, err := c.Conn.Read(p)
		var ne net.Error
		if n == 0 && errors.As(err, &ne) && ne.Timeout() && c.poked.Swap(false) {
			// Woken by Shutdown, not by the client's silence: look again.
			if idle == 0 {
				c.Conn.SetReadDeadline(time.Now().Add(c.srv.cfg.Limits.CommandTimeout.D()))
			}
			continue
		}
		return n, err
	}
}

// poke wakes a Read blocked on the client so that it sees the server is
// draining.
func (c *slotConn) poke() {
	c.poked.Store(true)
	c.Conn.SetReadDeadline(time.Now())
}

// drain answers the command the client has not sent yet with 421, through
// TLS when the session runs over it, and closes the connection.
func (c *slotConn) drain() error {
	var w net.Conn = c.Conn
	if c.sess != nil {
		w = c.sess.conn.Conn()
	}
	c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	w.Write([]byte(replyLine(c.srv.cfg.Hostname, errShuttingDown)))
	c.Close()
	return net.ErrClosed
}

func (c *slotConn) Write(p []byte) (int, error) {
	if !c.admitted {
		c.admitted = true
		if rep := c.admit(); rep != nil {
			c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			c.Conn.Write([]byte(replyLine(c.srv.cfg.Hostname, rep)))
			c.Close()
			return len(p), nil
		}
	}
	n, err := c.Conn.Write(p)
	if f := c.takeAfter(); f != nil {
		f()
	}
	if c.closeAfterWrite.Load() {
		c.Close()
	}
	return n, err
}

// afterReply queues f to run once the next reply has been written (or the
// connection closed). Without a slotConn it runs at once.
func (c *slotConn) afterReply(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.after; prev != nil {
		c.after = func() { prev(); f() }
		return
	}
	c.after = f
}

func (c *slotConn) takeAfter() func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.after
	c.after = nil
	return f
}
