package nexthop

import (
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sessions to a hop are kept open between transactions, as Postfix's
// connection cache does: a new transaction takes an idle session and
// starts with MAIL, which saves the connect, greeting, EHLO and STARTTLS
// (and the QUIT) of every message. A session goes back to the pool only
// in a clean state: right after the hop said 250 to a message's end of data
// or to RSET. Nothing changes for the client's answer: it still waits for
// the hop's 250 to the data (see smtpTxn.Data). A session that fails in any
// way is closed, never pooled.
const (
	// idleFor is how long a session may wait in the pool. A busy MTA
	// shortens its idle timeout under load (Postfix's smtpd goes down to
	// 10s under stress), and Postfix's own client caches for 2s.
	idleFor = 2 * time.Second
	// maxUses is how many transactions one session carries at most, so
	// that load spreads again over a hop's servers behind one name.
	maxUses = 100
	// maxIdle caps the sessions kept idle per hop.
	maxIdle = 32
)

// hopConn is one open, greeted SMTP session to the hop.
type hopConn struct {
	c    *smtp.Client
	conn net.Conn // what the client speaks over: greeted, over TLS or raw
	raw  *bounded // the TCP connection under it
	uses int
	idle time.Time // when it went back to the pool
}

// pool holds a hop's idle sessions, most recently used last.
type pool struct {
	mu    sync.Mutex
	idle  []*hopConn
	timer *time.Timer
}

// get returns an idle session that has not waited too long, or nil.
func (p *pool) get() *hopConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		s := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(s.idle) < idleFor {
			return s
		}
		go s.quit()
	}
	return nil
}

// put keeps s for the next transaction, or quits it when the pool is full
// or s has carried enough. active is how many of the hop's sessions are in
// a transaction now; idle and active sessions together stay within max
// (next_hop.max_sessions).
func (p *pool) put(s *hopConn, active, max int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.uses >= maxUses || len(p.idle) >= maxIdle || len(p.idle)+active >= max {
		go s.quit()
		return
	}
	s.idle = time.Now()
	p.idle = append(p.idle, s)
	if p.timer == nil {
		p.timer = time.AfterFunc(idleFor, p.reap)
	}
}

// reap quits the sessions that waited idleFor, and looks again later while
// any are left.
func (p *pool) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := p.idle[:0]
	for _, s := range p.idle {
		if time.Since(s.idle) >= idleFor {
			go s.quit()
			continue
		}
		keep = append(keep, s)
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.timer = nil
	if len(p.idle) > 0 {
		p.timer = time.AfterFunc(idleFor, p.reap)
	}
}

// quit ends the session politely, bounded by a short deadline.
func (s *hopConn) quit() {
	s.conn.SetDeadline(time.Now().Add(5 * time.Second))
	s.c.Quit()
	s.conn.Close()
}
