package nexthop

import (
	"context"
	"net"
	"sync"
	"time"
)

// bounded is the next hop's TCP connection with a hard deadline that no
// later SetDeadline can move past. go-smtp's client sets its own deadlines
// around each command and clears them afterwards (and leaves the DATA body
// write with none at all), so a hop that stops reading or answering mid-DATA
// would otherwise hold the client's reply far past limits.reply_deadline.
// Every layer above (TLS, the go-smtp client) sets deadlines through here.
type bounded struct {
	net.Conn

	mu    sync.Mutex
	limit time.Time // zero: no hard deadline
	read  time.Time // what the layers above asked for
	write time.Time
}

// clamp returns t or the hard limit, whichever is earlier; a zero t (no
// deadline) becomes the limit.
func (b *bounded) clamp(t time.Time) time.Time {
	if b.limit.IsZero() {
		return t
	}
	if t.IsZero() || t.After(b.limit) {
		return b.limit
	}
	return t
}

func (b *bounded) SetDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.read, b.write = t, t
	return b.Conn.SetDeadline(b.clamp(t))
}

func (b *bounded) SetReadDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.read = t
	return b.Conn.SetReadDeadline(b.clamp(t))
}

func (b *bounded) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.write = t
	return b.Conn.SetWriteDeadline(b.clamp(t))
}

// setLimit sets the hard deadline (zero removes it) and applies it at once,
// also to a read or write already blocked.
func (b *bounded) setLimit(limit time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit = limit
	b.Conn.SetReadDeadline(b.clamp(b.read))
	b.Conn.SetWriteDeadline(b.clamp(b.write))
}

// bound makes ctx's deadline the connection's hard deadline, and ctx's end
// (deadline or cancel) an immediate one, until the returned release is
// called.
func (b *bounded) bound(ctx context.Context) (release func()) {
	dl, _ := ctx.Deadline()
	b.setLimit(dl)
	stop := context.AfterFunc(ctx, func() { b.setLimit(time.Now()) })
	return func() {
		stop()
		b.setLimit(time.Time{})
	}
}
