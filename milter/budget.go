package milter

import "sync"

// inflightWeight is what one message byte costs in memory while it is
// scanned: the bytes kept, the parsed parts and decoded attachments. The
// relay measured 3.4 and charges 4 (smtp.inflightWeight); so does this.
const inflightWeight = 4

// budget is limits.max_inflight_bytes for messages arriving over the
// milter: what they may hold in memory together, from their first header
// to the verdict. A message that would pass it is answered 451 4.3.1 and
// its MTA retries; one message alone always fits, as in the relay.
type budget struct {
	max int64

	mu   sync.Mutex
	used int64
}

// take charges n more bytes to a transaction that holds own already.
func (b *budget) take(n, own int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > own {
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

// charge is one transaction's share of the budget.
type charge struct {
	b    *budget
	held int64
}

// grow charges n more message bytes (times inflightWeight).
func (c *charge) grow(n int) bool {
	w := int64(n) * inflightWeight
	if !c.b.take(w, c.held) {
		return false
	}
	c.held += w
	return true
}

// release gives everything back; later calls do nothing.
func (c *charge) release() {
	c.b.give(c.held)
	c.held = 0
}
