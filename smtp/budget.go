package smtp

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/mailward/mailward/internal/inflight"
)

// errOverBudget ends a DATA that does not fit in the in-flight budget.
var errOverBudget = errors.New("in-flight byte budget exhausted")

// chargedCopy copies r into buf, charging every chunk to c before keeping
// it. When the budget runs out it reads the rest of r without keeping it
// (the client still has to reach its end of data) and returns errOverBudget.
//
// What fits in buf's capacity (the SIZE the client declared) goes straight
// there; the rest is read in pooled chunks and copied once into a buffer of
// the exact size at the end. Growing one buffer by doubling allocated and
// cleared twice the message on the way, a cost the garbage collector paid
// for every large message.
func chargedCopy(buf *bytes.Buffer, r io.Reader, c *inflight.Charge) error {
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
			if c.Grow(n) {
				if len(chunks) == 0 {
					buf.Write(p[:n]) // already in place: a copy onto itself
				} else {
					last += n
				}
			} else {
				over = true
				*buf = bytes.Buffer{} // let the garbage collector have it
				c.Release()
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
