package milter

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the run when any transaction panicked, even one that the
// milter recovered from (and answered safely): a panic is a bug.
func TestMain(m *testing.M) {
	code := m.Run()
	if n := panics.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "milter: %d transactions panicked\n", n)
		code = 1
	}
	os.Exit(code)
}
