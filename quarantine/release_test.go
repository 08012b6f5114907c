package quarantine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/nexthop"
)

func manyRcpts(n int) []string {
	var to []string
	for i := range n {
		to = append(to, fmt.Sprintf("r%02d@other.example", i))
	}
	return to
}

// checkOneCopyEach fails unless every address got exactly one copy.
func checkOneCopyEach(t *testing.T, next *smtptest.Server, to []string) {
	t.Helper()
	for _, a := range to {
		if n := len(next.To(a)); n != 1 {
			t.Errorf("%s got %d copies, want 1", a, n)
		}
	}
	if n := len(next.Messages()); n != len(to) {
		t.Errorf("next hop accepted %d messages, want %d", n, len(to))
	}
}

// TestReleaseSlowHopNoDoubleSend: a release of 90 recipients through a
// real SMTP next hop that takes 250 ms per message lasts many times the
// claim timeout (300 ms here). A second release, through a second store
// instance on the same folder, keeps trying all along. The first release's
// heartbeat keeps its claims, so the second never takes one over, and each
// recipient receives exactly one copy.
func TestReleaseSlowHopNoDoubleSend(t *testing.T) {
	next := smtptest.Start(t, nil)
	next.Set(func(b *smtptest.Behaviour) { b.DataDelay = 250 * time.Millisecond })
	ctx := context.Background()
	root := t.TempDir()
	d1, _ := OpenDir(root)
	d2, _ := OpenDir(root)
	to := manyRcpts(90)
	id, err := d1.Put(ctx, testMsg, newRec(to...))
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 300 * time.Millisecond
	opts := func(who string) ReleaseOptions {
		return ReleaseOptions{Who: who, Hop: "smtp://" + next.Addr, Send: nexthop.Send, ClaimTimeout: ttl}
	}
	start := time.Now()
	var resA []RcptResult
	var errA error
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		resA, _, errA = Release(ctx, d1, id, opts("rev-a"))
	}()
	// The second reviewer starts once the first has claimed, and tries
	// again every 50 ms until the first is done, then once more.
	var mu sync.Mutex
	tries, takenOver := 0, 0
	doneB := make(chan struct{})
	go func() {
		defer close(doneB)
		for {
			r, err := d2.Get(ctx, id)
			if err == nil && r.Rcpts[0].Status != RcptHeld {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		last := false
		for {
			select {
			case <-doneA:
				last = true
			case <-time.After(50 * time.Millisecond):
			}
			res, _, err := Release(ctx, d2, id, opts("rev-b"))
			mu.Lock()
			tries++
			for _, x := range res {
				if x.Outcome != "already" {
					takenOver++
				}
			}
			mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			if last {
				return
			}
		}
	}()
	<-doneA
	<-doneB
	took := time.Since(start)
	if errA != nil {
		t.Fatal(errA)
	}
	if took < 5*ttl {
		t.Fatalf("the release took %v: too quick to outlive a claim timeout of %v", took, ttl)
	}
	for _, x := range resA {
		if x.Outcome != "released" {
			t.Errorf("first release: %+v", x)
		}
	}
	if takenOver != 0 || tries < 5 {
		t.Errorf("second release: %d of its results were not \"already\" in %d tries", takenOver, tries)
	}
	checkOneCopyEach(t, next, to)
	r, _ := d1.Get(ctx, id)
	if r.Status != Released {
		t.Errorf("status %s", r.Status)
	}
	for _, x := range r.Rcpts {
		if x.Status != RcptReleased || x.By != "rev-a" {
			t.Errorf("rcpt %+v", x)
		}
	}
	t.Logf("90 recipients at 100 ms each released in %v, %d concurrent tries refused", took, tries)
}

// TestReleaseDeadReleaserExpires: a release process is SIGKILLed while it
// sends; its claims hold for the claim timeout, then lapse, and a later
// release sends every recipient exactly once, so nothing is stuck.
func TestReleaseDeadReleaserExpires(t *testing.T) {
	next := smtptest.Start(t, nil)
	ctx := context.Background()
	root := t.TempDir()
	d, _ := OpenDir(root)
	to := manyRcpts(12)
	id, _ := d.Put(ctx, testMsg, newRec(to...))
	const ttl = 400 * time.Millisecond

	cmd := exec.Command(os.Args[0], "-test.run=^TestReleaseDeadChild$")
	cmd.Env = append(os.Environ(), "MAILWARD_RELEASE_DIR="+root, "MAILWARD_RELEASE_ID="+id,
		"MAILWARD_RELEASE_TTL="+ttl.String())
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "sending") {
	}
	// Let it renew at least once, then kill it mid-send.
	time.Sleep(ttl / 2)
	cmd.Process.Kill()
	cmd.Wait()
	killed := time.Now()

	opts := ReleaseOptions{Who: "rev", Hop: "smtp://" + next.Addr, Send: nexthop.Send, ClaimTimeout: ttl}
	res, _, err := Release(ctx, d, id, opts)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(killed) < ttl/2 {
		for _, x := range res {
			if x.Outcome != "already" {
				t.Fatalf("claim of a release just killed was taken over: %+v", x)
			}
		}
	}
	time.Sleep(ttl + 50*time.Millisecond)
	res, r, err := Release(ctx, d, id, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Outcome != "released" {
			t.Errorf("after the dead claim lapsed: %+v", x)
		}
	}
	if r.Status != Released {
		t.Errorf("status %s", r.Status)
	}
	checkOneCopyEach(t, next, to)
}

// TestReleaseDeadChild is the child half of TestReleaseDeadReleaserExpires:
// a release whose next hop never answers.
func TestReleaseDeadChild(t *testing.T) {
	root := os.Getenv("MAILWARD_RELEASE_DIR")
	if root == "" {
		t.Skip("child process of TestReleaseDeadReleaserExpires")
	}
	ttl, _ := time.ParseDuration(os.Getenv("MAILWARD_RELEASE_TTL"))
	d, _ := OpenDir(root)
	var once sync.Once
	Release(context.Background(), d, os.Getenv("MAILWARD_RELEASE_ID"), ReleaseOptions{Who: "dead", Hop: "smtp://x",
		ClaimTimeout: ttl, Send: func(ctx context.Context, hop, from string, to []string, msg []byte) error {
			once.Do(func() { fmt.Println("sending") })
			select {}
		}})
}

// TestReleaseClaimLapsed: a claim with a lease is taken over only after
// its Until, whatever its age.
func TestReleaseClaimLapsed(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	id, _ := d.Put(ctx, testMsg, newRec())
	t0 := time.Now()
	d.Update(ctx, id, func(r *Record) error {
		r.Rcpts[0] = Rcpt{Addr: r.Rcpts[0].Addr, Status: RcptReleasing, At: t0.Add(-time.Hour), Until: t0.Add(time.Minute), Claim: "alive"}
		return nil
	})
	sl := newSendLog()
	at := func(t time.Time) ReleaseOptions {
		return ReleaseOptions{Who: "rev", Send: sl.send, Now: func() time.Time { return t }}
	}
	if res, _, _ := Release(ctx, d, id, at(t0.Add(30*time.Second))); res[0].Outcome != "already" || len(sl.sent) != 0 {
		t.Fatalf("renewed claim taken over: %+v", res)
	}
	if res, r, _ := Release(ctx, d, id, at(t0.Add(2*time.Minute))); res[0].Outcome != "released" || r.Status != Released {
		t.Fatalf("lapsed claim not taken over: %+v", res)
	}
}

// TestReleaseClaimLost: if another release holds a recipient's claim when
// its turn comes (our lease lapsed meanwhile), that recipient is not sent.
func TestReleaseClaimLost(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	to := manyRcpts(3)
	id, _ := d.Put(ctx, testMsg, newRec(to...))
	sl := newSendLog()
	first := true
	send := func(ctx context.Context, hop, from string, rcpts []string, msg []byte) error {
		if first {
			first = false
			d.Update(ctx, id, func(r *Record) error {
				for i := 1; i < len(r.Rcpts); i++ {
					r.Rcpts[i].Claim = "successor"
				}
				return nil
			})
		}
		return sl.send(ctx, hop, from, rcpts, msg)
	}
	res, r, err := Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: send, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"released", "already", "already"}
	for i, x := range res {
		if x.Outcome != want[i] {
			t.Errorf("%s: %s, want %s", x.Addr, x.Outcome, want[i])
		}
	}
	if sl.sent[to[0]] != 1 || sl.sent[to[1]] != 0 || sl.sent[to[2]] != 0 {
		t.Errorf("sent %v", sl.sent)
	}
	if x := r.Rcpt(to[1]); x.Status != RcptReleasing || x.Claim != "successor" {
		t.Errorf("successor's claim changed: %+v", x)
	}
}

// brokenStore fails every Update once broken is set.
type brokenStore struct {
	*Dir
	mu     sync.Mutex
	broken bool
}

func (b *brokenStore) Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error) {
	b.mu.Lock()
	broken := b.broken
	b.mu.Unlock()
	if broken {
		return nil, errors.New("disk gone")
	}
	return b.Dir.Update(ctx, id, fn)
}

// TestReleaseStopsWhenClaimCannotBeRenewed: when the store stops taking
// renewals, the release abandons the copy in flight before its claim lapses
// and starts no other, so it never sends beside a successor.
func TestReleaseStopsWhenClaimCannotBeRenewed(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	b := &brokenStore{Dir: d}
	to := manyRcpts(3)
	id, _ := d.Put(ctx, testMsg, newRec(to...))
	const ttl = 300 * time.Millisecond
	var sent []string
	var abandoned time.Duration
	send := func(ctx context.Context, hop, from string, rcpts []string, msg []byte) error {
		b.mu.Lock()
		b.broken = true
		b.mu.Unlock()
		start := time.Now()
		select {
		case <-ctx.Done():
			abandoned = time.Since(start)
			return ctx.Err()
		case <-time.After(10 * ttl):
			sent = append(sent, rcpts[0])
			return nil
		}
	}
	res, _, err := Release(ctx, b, id, ReleaseOptions{Who: "rev", Send: send, Parallel: 1, ClaimTimeout: ttl})
	if err == nil {
		t.Error("no error although the outcome could not be recorded")
	}
	if len(sent) != 0 || abandoned == 0 || abandoned >= ttl {
		t.Fatalf("sent %v; copy in flight abandoned after %v (claim %v)", sent, abandoned, ttl)
	}
	for _, x := range res {
		if x.Outcome != "failed" {
			t.Errorf("%+v", x)
		}
	}
	r, _ := d.Get(ctx, id)
	for _, x := range r.Rcpts {
		if x.Status != RcptReleasing || x.Until.Sub(x.At) != ttl {
			t.Errorf("claim %+v: want it left to lapse", x)
		}
	}
}

// TestReleaseRenamesForgedHeaders: X-Mailward-* fields that came with the
// held message are renamed X-Mailward-Untrusted-* on release, as on relay;
// the body is untouched and the only genuine one is Released-By.
func TestReleaseRenamesForgedHeaders(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	raw := []byte("X-Mailward-Action: deliver\r\nFrom: a@trust.example\r\nx-mailward-findings: none\r\n" +
		"X-Other: x\r\n X-Mailward-Folded: continuation\r\nSubject: s\r\n\r\nX-Mailward-Action: in the body\r\n")
	id, _ := d.Put(ctx, raw, newRec())
	sl := newSendLog()
	if _, _, err := Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: sl.send}); err != nil {
		t.Fatal(err)
	}
	got := sl.msgs["b@other.example"]
	hdr, body, _ := bytes.Cut(got, []byte("\r\n\r\n"))
	var ours []string
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "x-mailward-") && !strings.HasPrefix(strings.ToLower(line), "x-mailward-untrusted-") {
			ours = append(ours, line)
		}
	}
	if len(ours) != 1 || !strings.HasPrefix(ours[0], "X-Mailward-Released-By: rev;") {
		t.Errorf("genuine-looking X-Mailward fields: %q", ours)
	}
	for _, w := range []string{"X-Mailward-Untrusted-Action: deliver", "X-Mailward-Untrusted-findings: none", " X-Mailward-Folded: continuation"} {
		if !bytes.Contains(hdr, []byte(w)) {
			t.Errorf("header lacks %q:\n%s", w, hdr)
		}
	}
	if string(body) != "X-Mailward-Action: in the body\r\n" {
		t.Errorf("body changed: %q", body)
	}
	if b := RenameUntrusted(testMsg); &b[0] != &testMsg[0] {
		t.Error("a message without such fields was copied")
	}
}
