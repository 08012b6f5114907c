// Package inflight is the in-flight byte budget (limits.max_inflight_bytes)
// that the SMTP relay and the milter charge message bytes to: what the
// transactions together may hold in memory, from their first message byte
// until their reply, so that memory stays bounded however many large
// messages arrive at once. A transaction that would pass it is answered
// 451 4.3.1 and its sender retries.
package inflight

import (
	"math"
	"os"
	"runtime/debug"
	"sync"
)

// Weight is what one byte of message costs in memory while it is
// processed: the bytes as received, the copy relayed with our headers, the
// parsed parts and decoded attachments. The relay's BenchmarkInflightRSS
// measured 3.4 (24 concurrent 23 MB messages, no budget: 1894 MiB peak); the
// budget charges message bytes times this. With the budget, peak RSS stayed
// under max_inflight_bytes plus 130 MiB (256 MiB: 456; 512 MiB: 631; 1 GiB:
// 1078).
const Weight = 4

// Budget is one budget shared by the transactions charged to it.
type Budget struct {
	max int64

	mu   sync.Mutex
	used int64
}

// New returns a budget of max bytes of memory.
func New(max int64) *Budget { return &Budget{max: max} }

// Room reports whether a message of n bytes would fit now (a hint: it
// reserves nothing).
func (b *Budget) Room(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used == 0 || b.used+n*Weight <= b.max
}

// take charges n more bytes to a transaction that holds own already, if
// they fit. A transaction alone in flight (it holds all that is charged)
// always gets them, so that one message as large as max_message_bytes
// passes even with a small budget.
func (b *Budget) take(n, own int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > own {
		return false
	}
	b.used += n
	return true
}

func (b *Budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// Used reports the bytes charged now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// memoryHeadroom is what the process holds besides messages in flight:
// code, scanner models and tables, connections' buffers.
const memoryHeadroom = 256 << 20

// SetMemoryLimit makes the garbage collector keep the heap near what is in
// flight (the budget plus memoryHeadroom) rather than letting it grow to
// twice the live heap first, so that peak memory follows the budget. An
// operator's GOMEMLIMIT wins; a larger limit already set is kept.
//
// The collector's pace (GOGC) stays Go's default: GOGC=300 took 7% off
// the relay's CPU on the realistic mix (bench/) but tripled its peak RSS
// there (151 to 487 MB), a trade an operator can make in the environment.
func (b *Budget) SetMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	want := b.max + memoryHeadroom
	if cur := debug.SetMemoryLimit(-1); cur < math.MaxInt64 && cur >= want {
		return
	}
	debug.SetMemoryLimit(want)
}

// Charge is one transaction's share of a budget.
type Charge struct {
	b    *Budget
	held int64
	once sync.Once
}

// Charge starts a transaction's share of b.
func (b *Budget) Charge() *Charge { return &Charge{b: b} }

// Grow charges n more bytes of message (times Weight), if they fit.
func (c *Charge) Grow(n int) bool {
	w := int64(n) * Weight
	if !c.b.take(w, c.held) {
		return false
	}
	c.held += w
	return true
}

// Release gives everything back; later calls do nothing, from whichever
// goroutine they come (the answer's and the work after it).
func (c *Charge) Release() {
	c.once.Do(func() { c.b.give(c.held) })
}
