package pgstore

import (
	"testing"
	"time"

	"github.com/mailward/mailward/msglog"
	"github.com/mailward/mailward/msglog/msglogtest"
)

// TestMsgLogBehaviour runs the behaviour suite every msglog.Store must
// pass (the embedded SQLite store runs the same), each test on a fresh
// database.
func TestMsgLogBehaviour(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	msglogtest.Run(t, func(t *testing.T) msglog.Store { return open(t, migrated(t)).MsgLog(loc) })
}
