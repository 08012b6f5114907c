package smtp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"runtime/debug"
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
// parsed parts and decoded attachments. BenchmarkInflightRSS measured 3.4
// (24 concurrent 23 MB messages, no budget: 1894 MiB peak); the budget
// charges message bytes times this. With the budget, peak RSS stayed under
// max_inflight_bytes plus 130 MiB (256 MiB: 456; 512 MiB: 631; 1 GiB: 1078).
const inflightWeight = 4

func newBudget(max int64) *budget { return &budget{max: max} }

// memoryHeadroom is what the process holds besides messages in flight:
// code, scanner models and tables, connections' buffers.
const memoryHeadroom = 256 << 20

// setMemoryLimit makes the garbage collector keep the heap near what is in
// flight (the budget plus memoryHeadroom) rather than letting it grow to
// twice the live heap first, so that peak memory follows the budget. An
// operator's GOMEMLIMIT wins; a larger limit already set is kept.
//
// The collector's pace (GOGC) stays Go's default: GOGC=300 took 7% off
// the relay's CPU on the realistic mix (bench/) but tripled its peak RSS
// there (151 to 487 MB), a trade an operator can make in the environment.
func (b *budget) setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	want := b.max + memoryHeadroom
	if cur := debug.SetMemoryLimit(-1); cur < math.MaxInt64 && cur >= want {
		return
	}
	debug.SetMemoryLimit(want)
}

// room reports whether a message of n bytes would fit now (a hint: it
// reserves nothing).
func (b *budget) room(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used == 0 || b.used+n*inflightWeight <= b.max
}

// take charges n more bytes to a transaction that holds own already, if
// they fit. A transaction alone in flight (it holds all that is charged)
// always gets them, so that one message as large as max_message_bytes
// passes even with a small budget.
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
	if !c.b.take(w, c.held) {
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
//
// What fits in buf's capacity (the SIZE the client declared) goes straight
// there; the rest is read in pooled chunks and copied once into a buffer of
// the exact size at the end. Growing one buffer by doubling allocated and
// cleared twice the message on the way, a cost the garbage collector paid
// for every large message.
func chargedCopy(buf *bytes.Buffer, r io.Reader, c *charge) error {
	var chunks []*[chunkSize]byte
	var last int // bytes used in the last chunk
	defer func() {
		for _, ch := range chunks {
			chunkPool.Put(ch)
		}
	}()
	scratch := chunkPool.Get().(*[chunkSize]byte)
	defer chunkPool.Put(scratch)
	over := false
	for {
		// Where this read goes: buf while it has room, else a chunk.
		var p []byte
		switch {
		case over:
			p = scratch[:]
		case len(chunks) == 0 && buf.Available() > 0:
			p = buf.AvailableBuffer()[:buf.Available()]
		default:
			if len(chunks) == 0 || last == chunkSize {
				chunks = append(chunks, chunkPool.Get().(*[chunkSize]byte))
				last = 0
			}
			p = chunks[len(chunks)-1][last:]
		}
		n, err := r.Read(p)
		if n > 0 && !over {
			if c.grow(n) {
				if len(chunks) == 0 {
					buf.Write(p[:n]) // already in place: a copy onto itself
				} else {
					last += n
				}
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
			if len(chunks) > 0 {
				buf.Grow((len(chunks)-1)*chunkSize + last)
				for i, ch := range chunks {
					if i == len(chunks)-1 {
						buf.Write(ch[:last])
					} else {
						buf.Write(ch[:])
					}
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// chunkSize is the unit DATA is read in.
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}
