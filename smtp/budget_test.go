package smtp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"testing"
	"testing/iotest"

	"github.com/mailward/mailward/internal/inflight"
)

// TestChargedCopy: whatever the sizes, the hint and the reads, the message
// comes out byte for byte and every byte is charged; past the budget the
// rest is read and dropped.
func TestChargedCopy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17, 1<<20 + 3} {
		msg := make([]byte, size)
		rng.Read(msg)
		for _, hint := range []int{0, size / 2, size, size + 100} {
			for name, wrap := range map[string]func(io.Reader) io.Reader{
				"whole": func(r io.Reader) io.Reader { return r },
				"half":  iotest.HalfReader,
				"bytes": func(r io.Reader) io.Reader {
					if size > 200_000 {
						return iotest.HalfReader(r) // one byte at a time is too slow here
					}
					return iotest.OneByteReader(r)
				},
			} {
				t.Run(fmt.Sprintf("%d/%d/%s", size, hint, name), func(t *testing.T) {
					b := inflight.New(1 << 30)
					c := b.Charge()
					var buf bytes.Buffer
					buf.Grow(hint)
					if err := chargedCopy(&buf, wrap(bytes.NewReader(msg)), c); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(buf.Bytes(), msg) {
						t.Fatalf("got %d bytes, differing from the %d sent", buf.Len(), len(msg))
					}
					if got, want := b.Used(), int64(size)*inflight.Weight; got != want {
						t.Fatalf("charged %d, want %d", got, want)
					}
					c.Release()
					if b.Used() != 0 {
						t.Fatalf("%d still charged after release", b.Used())
					}
				})
			}
		}
	}
	t.Run("over-budget", func(t *testing.T) {
		b := inflight.New(10 * chunkSize)
		if !b.Charge().Grow(5 * chunkSize / inflight.Weight) { // another transaction holds half
			t.Fatal("the budget refused the first transaction")
		}
		c := b.Charge()
		r := &countReader{r: bytes.NewReader(make([]byte, 4*chunkSize))}
		var buf bytes.Buffer
		if err := chargedCopy(&buf, r, c); !errors.Is(err, errOverBudget) {
			t.Fatalf("got %v, want errOverBudget", err)
		}
		if r.n != 4*chunkSize {
			t.Fatalf("read %d of %d bytes: the client must reach its end of data", r.n, 4*chunkSize)
		}
		if b.Used() != 5*chunkSize {
			t.Fatalf("%d charged, want only the other transaction's %d", b.Used(), 5*chunkSize)
		}
	})
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
