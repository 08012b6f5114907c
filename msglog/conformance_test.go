package msglog_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/msglog/msglogtest"
)

// TestSQLite runs the behaviour every Store must have.
func TestSQLite(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	msglogtest.Run(t, func(t *testing.T) msglog.Store {
		s, err := msglog.OpenSQLite(filepath.Join(t.TempDir(), "messages.db"), msglog.SQLiteOptions{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
