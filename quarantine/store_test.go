package quarantine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailward/mailward/scanner"
)

var testMsg = []byte("From: a@trust.example\r\nTo: b@other.example\r\nSubject: list\r\n\r\nbody\r\n")

func newRec(to ...string) *Record {
	if len(to) == 0 {
		to = []string{"b@other.example"}
	}
	return &Record{Client: "127.0.0.1", From: "a@trust.example", To: to, Direction: "outbound",
		Subject: "list", Rule: "pupil-data-outbound", Action: "quarantine", Categories: []string{"pupil_data"},
		Findings: []scanner.Finding{{Category: scanner.PupilData, Scanner: "pupildata", Score: 0.97, Summary: "31 UPNs in attachment 1 (csv)"}}}
}

func TestPutGetListRaw(t *testing.T) {
	ctx := context.Background()
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i := range 5 {
		rec := newRec()
		rec.Received = time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC)
		id, err := d.Put(ctx, testMsg, rec)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidID(id) || ids[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		ids[id] = true
	}
	list, err := d.List(ctx)
	if err != nil || len(list) != 5 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Received.After(list[i-1].Received) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	r := list[0]
	if r.Status != Held || r.Version != 1 || len(r.Rcpts) != 1 || r.Rcpts[0].Status != RcptHeld || r.Size != int64(len(testMsg)) {
		t.Fatalf("record %+v", r)
	}
	raw, err := d.Raw(ctx, r.ID)
	if err != nil || !bytes.Equal(raw, testMsg) {
		t.Fatalf("raw differs: %v", err)
	}
	// A caller changing what it got must not change the store's copy.
	r.To[0] = "x@evil.example"
	g, _ := d.Get(ctx, r.ID)
	if g.To[0] != "b@other.example" {
		t.Fatal("Get returned shared state")
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := NewID()
		if !ValidID(id) || seen[id] {
			t.Fatalf("id %q invalid or repeated", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "../../../etc/passwd", "aaaaaaaaaaaaaaaaaaa/", "AAAAAAAAAAAAAAAAAAAA",
		"aaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaa/../aaaaaaa", "aaaaaaaaaaaaaaaaaa\x00a", "aaaaaaaaaaaaaaaaaaá"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

// Ids from URLs and the command line never reach the filesystem unless
// they have NewID's form: a planted file outside the store stays unread.
func TestPathTraversal(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	d, _ := OpenDir(filepath.Join(base, "q"))
	os.WriteFile(filepath.Join(base, "secret.json"), []byte(`{"id":"../../secret"}`), 0o600)
	os.WriteFile(filepath.Join(base, "secret.eml"), []byte("secret"), 0o600)
	for _, id := range []string{"../../secret", "../secret", "/etc/passwd", "..", "", "msg/../../secret"} {
		if _, err := d.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v", id, err)
		}
		if _, err := d.Raw(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Raw(%q) = %v", id, err)
		}
		if _, err := d.Update(ctx, id, func(*Record) error { return nil }); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update(%q) = %v", id, err)
		}
		if err := d.Forget(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Forget(%q) = %v", id, err)
		}
		if err := d.RemoveRaw(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("RemoveRaw(%q) = %v", id, err)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "secret.eml")); err != nil {
		t.Fatal("planted file was removed")
	}
	// A record file whose content names another id is refused.
	id := NewID()
	os.WriteFile(filepath.Join(d.Root(), "msg", id+".json"), []byte(`{"id":"../../secret"}`), 0o600)
	if _, err := d.Get(ctx, id); err == nil {
		t.Fatal("record naming another id was accepted")
	}
}

// TestCrashBeforeRename runs Put in a child process that is killed with
// SIGKILL after a file is written and fsynced but before it is renamed
// into place, once for the message file and once for the record. The
// child prints "250" only after Put returns; it never does, so the client
// never heard 250. The parent then checks that nothing half-written is
// listed or readable, and that Cleanup removes the leftovers.
func TestCrashBeforeRename(t *testing.T) {
	for _, at := range []string{".eml", ".json"} {
		t.Run(at, func(t *testing.T) {
			root := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
			cmd.Env = append(os.Environ(), "MAILWARD_CRASH_DIR="+root, "MAILWARD_CRASH_AT="+at)
			var out bytes.Buffer
			cmd.Stdout = &out
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child was not killed: %v\n%s", err, out.String())
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child ended by %v, want SIGKILL", ee)
			}
			if strings.Contains(out.String(), "250") {
				t.Fatal("child answered 250 before the record was durable")
			}
			d, err := OpenDir(root)
			if err != nil {
				t.Fatal(err)
			}
			list, err := d.List(context.Background())
			if err != nil || len(list) != 0 {
				t.Fatalf("half-written message listed: %v %v", list, err)
			}
			tmps, _ := os.ReadDir(filepath.Join(root, "tmp"))
			if len(tmps) == 0 {
				t.Fatal("expected a leftover temporary file")
			}
			// A fresh write in progress is left alone...
			if n, _ := d.Cleanup(time.Now(), time.Hour); n != 0 {
				t.Fatalf("cleanup removed %d young files", n)
			}
			// ... and an hour later the leftovers go.
			n, err := d.Cleanup(time.Now().Add(2*time.Hour), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if at == ".json" {
				want = 2 // the orphan .eml too
			}
			if n != want {
				t.Fatalf("cleanup removed %d, want %d", n, want)
			}
			for _, sub := range []string{"tmp", "msg"} {
				if ents, _ := os.ReadDir(filepath.Join(root, sub)); len(ents) != 0 {
					t.Fatalf("%s not empty after cleanup: %v", sub, ents)
				}
			}
		})
	}
}

// TestCrashChild is the child half of TestCrashBeforeRename.
func TestCrashChild(t *testing.T) {
	root := os.Getenv("MAILWARD_CRASH_DIR")
	if root == "" {
		t.Skip("child process of TestCrashBeforeRename")
	}
	at := os.Getenv("MAILWARD_CRASH_AT")
	testHookBeforeRename = func(name string) {
		if strings.HasSuffix(name, at) {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(context.Background(), testMsg, newRec()); err == nil {
		fmt.Println("250 2.0.0 held")
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	day := 24 * time.Hour
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	put := func(age time.Duration, mod func(*Record)) string {
		r := newRec()
		r.Received = now.Add(-age)
		id, err := d.Put(ctx, testMsg, r)
		if err != nil {
			t.Fatal(err)
		}
		if mod != nil {
			if _, err := d.Update(ctx, id, func(r *Record) error { mod(r); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	fresh := put(29*day, nil)
	old := put(31*day, nil)
	held := put(40*day, func(r *Record) { r.LegalHold = &Note{Who: "dpo", At: now} })
	illegal := put(40*day, func(r *Record) { r.SuspectedIllegal = &Note{Who: "rev", At: now} })
	released := put(35*day, func(r *Record) { r.Status = Released })
	tomb := put(100*day, func(r *Record) { r.Status = Deleted; r.RawRemoved = true })

	res, err := d.Purge(ctx, now, 30, 90)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Expired) != 1 || res.Expired[0].ID != old || res.Purged != 2 || res.Kept != 2 || res.Forgotten != 1 {
		t.Fatalf("purge result %+v", res)
	}
	check := func(id string, st Status, rawKept bool) {
		t.Helper()
		r, err := d.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != st {
			t.Errorf("%s status %s, want %s", id, r.Status, st)
		}
		_, err = d.Raw(ctx, id)
		if rawKept != (err == nil) {
			t.Errorf("%s raw kept=%v, err %v", id, rawKept, err)
		}
		if !rawKept {
			if r.Subject != "" {
				t.Errorf("%s subject kept after purge", id)
			}
			if _, err := os.Stat(filepath.Join(d.Root(), "msg", id+".eml")); err == nil {
				t.Errorf("%s bytes still on disk", id)
			}
		}
	}
	check(fresh, Held, true)
	check(old, Expired, false)
	check(held, Held, true)
	check(illegal, Held, true)
	check(released, Released, false)
	if _, err := d.Get(ctx, tomb); !errors.Is(err, ErrNotFound) {
		t.Errorf("tombstone not forgotten: %v", err)
	}
	r, _ := d.Get(ctx, old)
	if last := r.Audit[len(r.Audit)-1]; last.What != "expired" || last.Who != "mailward" {
		t.Errorf("no expiry audit entry: %+v", last)
	}
	ev, err := d.ReadAudit()
	if err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, e := range ev {
		whats = append(whats, e.What+":"+e.ID)
	}
	for _, want := range []string{"expired:" + old, "purged:" + released, "forgotten:" + tomb} {
		if !slices.Contains(whats, want) {
			t.Errorf("audit log lacks %s: %v", want, whats)
		}
	}
	// A second purge at the same time does nothing more.
	res, err = d.Purge(ctx, now, 30, 90)
	if err != nil || len(res.Expired) != 0 || res.Purged != 0 || res.Forgotten != 0 {
		t.Fatalf("second purge %+v %v", res, err)
	}
}

func TestDeleteLegalHold(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	id, _ := d.Put(ctx, testMsg, newRec())
	d.Update(ctx, id, func(r *Record) error { r.LegalHold = &Note{Who: "dpo"}; return nil })
	if _, err := Delete(ctx, d, id, "rev", "spam", time.Now()); !errors.Is(err, ErrLegalHold) {
		t.Fatalf("delete under legal hold: %v", err)
	}
	d.Update(ctx, id, func(r *Record) error { r.LegalHold = nil; return nil })
	r, err := Delete(ctx, d, id, "rev", "spam", time.Now())
	if err != nil || r.Status != Deleted || !r.RawRemoved || r.Subject != "" {
		t.Fatalf("delete: %+v %v", r, err)
	}
	if _, err := d.Raw(ctx, id); !errors.Is(err, ErrGone) {
		t.Fatalf("raw after delete: %v", err)
	}
	if _, err := Delete(ctx, d, id, "rev", "again", time.Now()); !errors.Is(err, ErrFinal) {
		t.Fatalf("second delete: %v", err)
	}
}

// sendLog records what a SendFunc was asked to deliver.
type sendLog struct {
	mu   sync.Mutex
	sent map[string]int
	msgs map[string][]byte
	fail map[string]error
	wait chan struct{}
}

func (s *sendLog) send(ctx context.Context, hop, from string, to []string, msg []byte) error {
	if s.wait != nil {
		<-s.wait
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail[to[0]]; err != nil {
		return err
	}
	for _, a := range to {
		s.sent[a]++
		s.msgs[a] = msg
	}
	return nil
}

func newSendLog() *sendLog {
	return &sendLog{sent: map[string]int{}, msgs: map[string][]byte{}, fail: map[string]error{}}
}

// Two gateway instances (two Dir values on one folder) and several
// reviewers release the same message at once: each recipient gets exactly
// one copy.
func TestReleaseIdempotent(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d1, _ := OpenDir(root)
	d2, _ := OpenDir(root)
	id, _ := d1.Put(ctx, testMsg, newRec("x@other.example", "y@other.example", "z@other.example"))
	sl := newSendLog()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := d1
			if i%2 == 1 {
				d = d2
			}
			_, _, err := Release(ctx, d, id, ReleaseOptions{Who: fmt.Sprintf("rev%d", i), Hop: "smtp://x", Send: sl.send})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, a := range []string{"x@other.example", "y@other.example", "z@other.example"} {
		if sl.sent[a] != 1 {
			t.Errorf("%s got %d copies", a, sl.sent[a])
		}
		if !bytes.HasPrefix(sl.msgs[a], []byte("X-Mailward-Released-By: rev")) || !bytes.HasSuffix(sl.msgs[a], testMsg) {
			t.Errorf("%s got %q", a, sl.msgs[a])
		}
	}
	r, _ := d1.Get(ctx, id)
	if r.Status != Released {
		t.Fatalf("status %s", r.Status)
	}
}

func TestReleasePerRecipient(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	id, _ := d.Put(ctx, testMsg, newRec("x@other.example", "y@other.example"))
	sl := newSendLog()
	sl.fail["y@other.example"] = errors.New("550 5.1.1 no such user")
	res, r, err := Release(ctx, d, id, ReleaseOptions{Who: "rev", Recipients: []string{"x@other.example"}, Send: sl.send})
	if err != nil || len(res) != 1 || res[0].Outcome != "released" {
		t.Fatalf("%+v %v", res, err)
	}
	if r.Status != Held || r.Rcpt("x@other.example").Status != RcptReleased || r.Rcpt("y@other.example").Status != RcptHeld {
		t.Fatalf("after first: %+v", r.Rcpts)
	}
	// Everything still held: only y, which fails and stays held with the error.
	res, r, err = Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: sl.send})
	if err != nil {
		t.Fatal(err)
	}
	want := []RcptResult{{Addr: "x@other.example", Outcome: "already"}, {Addr: "y@other.example", Outcome: "failed", Error: "550 5.1.1 no such user"}}
	if !slices.Equal(res, want) {
		t.Fatalf("results %+v", res)
	}
	if y := r.Rcpt("y@other.example"); y.Status != RcptHeld || y.Error == "" {
		t.Fatalf("y %+v", y)
	}
	delete(sl.fail, "y@other.example")
	_, r, _ = Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: sl.send})
	if r.Status != Released || sl.sent["x@other.example"] != 1 || sl.sent["y@other.example"] != 1 {
		t.Fatalf("final %s %v", r.Status, sl.sent)
	}
	if _, _, err := Release(ctx, d, id, ReleaseOptions{Who: "rev", Recipients: []string{"evil@other.example"}, Send: sl.send}); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("stranger: %v", err)
	}
}

// A release that crashed after claiming leaves the recipient "releasing";
// a later release takes the claim over only once it is stale.
func TestReleaseStaleClaim(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	id, _ := d.Put(ctx, testMsg, newRec())
	now := time.Now()
	d.Update(ctx, id, func(r *Record) error {
		r.Rcpts[0] = Rcpt{Addr: r.Rcpts[0].Addr, Status: RcptReleasing, At: now, Claim: "dead"}
		return nil
	})
	sl := newSendLog()
	res, _, _ := Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: sl.send, Now: func() time.Time { return now.Add(time.Minute) }})
	if res[0].Outcome != "already" || len(sl.sent) != 0 {
		t.Fatalf("fresh claim taken over: %+v", res)
	}
	res, r, _ := Release(ctx, d, id, ReleaseOptions{Who: "rev", Send: sl.send, Now: func() time.Time { return now.Add(time.Hour) }})
	if res[0].Outcome != "released" || r.Status != Released {
		t.Fatalf("stale claim not taken over: %+v", res)
	}
}

func TestReleaseRefusals(t *testing.T) {
	ctx := context.Background()
	d, _ := OpenDir(t.TempDir())
	sl := newSendLog()
	id, _ := d.Put(ctx, testMsg, newRec())
	d.Update(ctx, id, func(r *Record) error { r.SuspectedIllegal = &Note{Who: "rev"}; return nil })
	if _, _, err := Release(ctx, d, id, ReleaseOptions{Who: "admin", Send: sl.send}); !errors.Is(err, ErrIllegal) {
		t.Fatalf("illegal released: %v", err)
	}
	id2, _ := d.Put(ctx, testMsg, newRec())
	Delete(ctx, d, id2, "rev", "", time.Now())
	if _, _, err := Release(ctx, d, id2, ReleaseOptions{Who: "admin", Send: sl.send}); !errors.Is(err, ErrFinal) {
		t.Fatalf("deleted released: %v", err)
	}
	if len(sl.sent) != 0 {
		t.Fatal("something was sent")
	}
}

func TestReleasedByHeaderInjection(t *testing.T) {
	h := string(ReleasedByHeader("eve\r\nBcc: all@trust.example", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	if strings.Count(h, "\r\n") != 1 || !strings.HasSuffix(h, "\r\n") || strings.Contains(h, "\nBcc") {
		t.Fatalf("header injection: %q", h)
	}
}
