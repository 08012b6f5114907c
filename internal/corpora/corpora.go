// Package corpora finds the third-party test corpora (2,500 legitimate
// mails, MIME torture tests) kept beside the module in ../shared/corpora.
// CI has them; a user's clone may not, so tests that read them skip with a
// clear message when they are absent. They are never copied into the module.
package corpora

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpora folder, or "" when it is absent.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(dir), "shared", "corpora")
			if _, err := os.Stat(c); err != nil {
				return ""
			}
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the folder sub (joined) below Root, and skips tb when it is
// absent.
func Dir(tb testing.TB, sub ...string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skip("../shared/corpora not found beside the module: third-party corpora absent")
	}
	p := filepath.Join(append([]string{root}, sub...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus %s absent: %v", p, err)
	}
	return p
}

// Ham is the folder of 2,500 ordinary legitimate messages.
var Ham = []string{"ham", "spamassassin-easy-ham-1"}
