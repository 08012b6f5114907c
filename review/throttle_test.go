package review

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailward/mailward/config"
)

// basicMe asks /api/me with Basic auth from addr.
func (e *env) basicMe(user, pw, addr string) int {
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.SetBasicAuth(user, pw)
	req.RemoteAddr = addr
	return e.do(req).StatusCode
}

// TestBasicAuthThrottlePerClient: five bad Basic-auth attempts on /api/me
// lock that user out at that address only; the audit log has each failure
// with the address and one record for the lockout however often it is hit.
func TestBasicAuthThrottlePerClient(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 5 {
		if got := e.basicMe("rev", "wrong", "198.51.100.1:1000"); got != 401 {
			t.Fatalf("attempt %d: %d", i, got)
		}
	}
	for i := range 20 {
		if got := e.basicMe("rev", testPassword, "198.51.100.1:1001"); got != 429 {
			t.Fatalf("locked-out attempt %d: %d", i, got)
		}
	}
	if got := e.basicMe("rev", testPassword, "203.0.113.9:1000"); got != 200 {
		t.Errorf("the user from another address: %d, want 200", got)
	}
	ev, _ := e.store.ReadAudit()
	count := map[string]int{}
	for _, x := range ev {
		count[x.What]++
		if (x.What == "login-failed" || x.What == "login-limited") &&
			(x.Remote != "198.51.100.1" || !strings.Contains(x.Detail, `api user "rev"`)) {
			t.Errorf("record %+v: want the address and the name", x)
		}
	}
	if count["login-failed"] != 5 || count["login-limited"] != 1 {
		t.Errorf("audit records %v: want 5 login-failed and 1 login-limited", count)
	}
	// After the window the lockout ends; a new one makes a new record.
	e.now = e.now.Add(16 * time.Minute)
	if got := e.basicMe("rev", testPassword, "198.51.100.1:1002"); got != 200 {
		t.Errorf("after the window: %d", got)
	}
}

// TestLoginThrottleBounded: many names from many addresses keep the
// throttle's table and the audit records within their bounds.
func TestLoginThrottleBounded(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.limits.maxKeys = 50
	for i := range 300 {
		e.basicMe(fmt.Sprintf("name%d", i), "x", fmt.Sprintf("10.%d.%d.1:1", i/250, i%250))
		if n := e.srv.limits.len(); n > 50 {
			t.Fatalf("after %d failures the throttle holds %d keys", i+1, n)
		}
	}
	ev, _ := e.store.ReadAudit()
	if len(ev) != authAuditBurst {
		t.Errorf("%d audit records for 300 failures in an instant, want %d", len(ev), authAuditBurst)
	}
	// A minute later the bucket has refilled: the next record says how
	// many were left out.
	e.now = e.now.Add(time.Minute)
	e.basicMe("late", "x", "192.0.2.200:1")
	ev, _ = e.store.ReadAudit()
	if last := ev[len(ev)-1]; !strings.Contains(last.Detail, "240 earlier failed or refused logins not logged") {
		t.Errorf("last record %+v", last)
	}
	if !strings.Contains(e.log.String(), "login audit record left out") {
		t.Error("left-out records not logged")
	}
}

// TestDummyHashCost: an unknown user's login costs the same bcrypt work
// as a known user's, so timing does not tell which names exist.
func TestDummyHashCost(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost+1)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *config.Config) {
		for i := range c.Review.Users {
			c.Review.Users[i].PasswordHash = string(h)
		}
	})
	want, _ := bcrypt.Cost(h)
	if got, err := bcrypt.Cost(e.srv.dummyHash()); err != nil || got != want {
		t.Errorf("dummy hash cost %d (%v), users' cost %d", got, err, want)
	}
	// And the unknown user goes through it: still 401, not a quick path.
	if got := e.basicMe("nosuchuser", "x", "192.0.2.1:1"); got != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", got)
	}
}
