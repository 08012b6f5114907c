package smtp

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// budget is the global in-flight byte budget (limits.max_inflight_bytes):
// what all transactions together may hold in memory, from the first byte of
// DATA until their reply is written. A DATA that would pass it is read to
// its end without being kept and gets 451 4.3.1, so the relay's memory
// stays bounded however many large messages arrive at once.
type budget struct {
	max int64

	mu   sync.Mutex
	used int64
}

// inflightWeight is what one byte of message costs in memory while it is
// processed: the bytes as received, the copy relayed with our headers, the
// parsed parts and decoded attachments, and the garbage collector's
// headroom. Measured with BenchmarkInflightRSS (24 concurrent 23 MB
// messages); the budget charges message bytes times this.
const inflightWeight = 4

func newBudget(max int64) *budget { return &budget{max: max} }

// take charges n bytes if they fit. A transaction that holds nothing yet
// always gets its first bytes when nothing else is in flight, so that one
// message as large as max_message_bytes can pass even with a small budget.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > 0 {
		return false
	}
	b.used += n
	return true
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// Used reports the bytes charged now (tests).
func (b *budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// errOverBudget ends a DATA that does not fit in the in-flight budget.
var errOverBudget = errors.New("in-flight byte budget exhausted")

// charge is one transaction's share of the budget.
type charge struct {
	b    *budget
	held int64
	once sync.Once
}

// grow charges n more bytes of message (times inflightWeight).
func (c *charge) grow(n int) bool {
	w := int64(n) * inflightWeight
	if !c.b.take(w) {
		return false
	}
	c.held += w
	return true
}

// release gives everything back; later calls do nothing.
func (c *charge) release() {
	c.once.Do(func() { c.b.give(c.held) })
}

// chargedCopy copies r into buf, charging every chunk to c before keeping
// it. When the budget runs out it reads the rest of r without keeping it
// (the client still has to reach its end of data) and returns errOverBudget.
func chargedCopy(buf *bytes.Buffer, r io.Reader, c *charge) error {
	p := make([]byte, 64<<10)
	over := false
	for {
		n, err := r.Read(p)
		if n > 0 && !over {
			if c.grow(n) {
				buf.Write(p[:n])
			} else {
				over = true
				*buf = bytes.Buffer{} // let the garbage collector have it
				c.release()
			}
		}
		if err == io.EOF {
			if over {
				return errOverBudget
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}
