package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailward/mailward/internal/pgtest"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/quarantine"
)

// TestBackend runs the quarantine.Backend contract against PostgreSQL:
// a hold reads back unchanged, updates bump the version, a final state
// refuses further actions, RemoveRaw makes the bytes gone, Forget removes
// the record, and ids that are not NewID's are not found.
func TestBackend(t *testing.T) {
	ctx := context.Background()
	q := open(t, migrated(t)).Quarantine()
	id, err := q.Put(ctx, testMsg, newRec("x@other.example", "y@other.example"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := q.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != id || r.Version != 1 || r.Status != quarantine.Held || len(r.Rcpts) != 2 || r.Size != int64(len(testMsg)) || len(r.Findings) != 1 {
		t.Errorf("record read back as %+v", r)
	}
	raw, err := q.Raw(ctx, id)
	if err != nil || !bytes.Equal(raw, testMsg) {
		t.Fatalf("raw = %q, %v", raw, err)
	}
	if l, err := q.List(ctx); err != nil || len(l) != 1 || l[0].ID != id {
		t.Fatalf("list = %v, %v", l, err)
	}
	r, err = quarantine.Delete(ctx, q, id, "rev", "spam", time.Now())
	if err != nil || r.Status != quarantine.Deleted || r.Version != 2 || r.Subject != "" {
		t.Fatalf("delete = %+v, %v", r, err)
	}
	if _, err := q.Raw(ctx, id); !errors.Is(err, quarantine.ErrGone) {
		t.Errorf("raw after delete: %v, want ErrGone", err)
	}
	if _, err := quarantine.Delete(ctx, q, id, "rev", "again", time.Now()); !errors.Is(err, quarantine.ErrFinal) {
		t.Errorf("second delete: %v, want ErrFinal", err)
	}
	if err := q.Forget(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{id, "../../etc/passwd", "AAAAAAAAAAAAAAAAAAAA"} {
		if _, err := q.Get(ctx, bad); !errors.Is(err, quarantine.ErrNotFound) {
			t.Errorf("get %q: %v, want ErrNotFound", bad, err)
		}
	}
	if err := q.AppendAudit(ctx, quarantine.AuditEvent{Who: "rev", What: "view", ID: id, Detail: "line\nbreak"}); err != nil {
		t.Fatal(err)
	}
	ev, err := q.ReadAudit()
	if err != nil || len(ev) != 1 || ev[0].Detail != "line break" || ev[0].ID != id {
		t.Errorf("audit = %+v, %v", ev, err)
	}
}

// TestLegalHoldBlocksDeleteAcrossGateways: a legal hold set through one
// gateway's store stops a delete and a purge through another's.
func TestLegalHoldBlocksDeleteAcrossGateways(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	a, b := open(t, u).Quarantine(), open(t, u).Quarantine()
	old := newRec()
	old.Received = time.Now().Add(-40 * 24 * time.Hour)
	id, err := a.Put(ctx, testMsg, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Update(ctx, id, func(r *quarantine.Record) error {
		r.LegalHold = &quarantine.Note{Who: "dpo", At: time.Now(), Reason: "tribunal"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := quarantine.Delete(ctx, b, id, "rev", "x", time.Now()); !errors.Is(err, quarantine.ErrLegalHold) {
		t.Errorf("delete under legal hold: %v", err)
	}
	res, err := quarantine.Purge(ctx, b, time.Now(), quarantine.PurgeOptions{Retention: 30 * 24 * time.Hour})
	if err != nil || res.Kept != 1 || res.Purged != 0 {
		t.Errorf("purge = %+v, %v; want kept 1", res, err)
	}
}

// TestConcurrentUpdatesAreCompareAndSet: 4 gateways (4 pools) each add 25
// audit entries to the same record at once: none is lost, and the version
// counts every write.
func TestConcurrentUpdatesAreCompareAndSet(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	first := open(t, u).Quarantine()
	id, err := first.Put(ctx, testMsg, newRec())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		q := open(t, u).Quarantine()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if _, err := q.Update(ctx, id, func(r *quarantine.Record) error {
					r.Audit = append(r.Audit, quarantine.AuditEntry{Who: fmt.Sprintf("g%d", g), What: fmt.Sprint(i)})
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	r, _ := first.Get(ctx, id)
	if len(r.Audit) != 101 || r.Version != 101 {
		t.Errorf("audit entries %d, version %d; want 101, 101", len(r.Audit), r.Version)
	}
}

// TestConcurrentReleaseOnce: five gateways release the same 20-recipient
// message at the same moment through a real SMTP next hop: every recipient
// gets exactly one copy, and every other release reports "already".
func TestConcurrentReleaseOnce(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	next := smtptest.Start(t, nil)
	next.Set(func(b *smtptest.Behaviour) { b.DataDelay = 20 * time.Millisecond })
	var to []string
	for i := range 20 {
		to = append(to, fmt.Sprintf("r%02d@other.example", i))
	}
	id, err := open(t, u).Quarantine().Put(ctx, testMsg, newRec(to...))
	if err != nil {
		t.Fatal(err)
	}
	var released, already atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range 5 {
		q := open(t, u).Quarantine()
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, _, err := quarantine.Release(ctx, q, id, quarantine.ReleaseOptions{Who: fmt.Sprintf("gw%d", g),
				Hop: "smtp://" + next.Addr, Send: nexthop.Send})
			if err != nil {
				t.Error(err)
			}
			for _, r := range res {
				switch r.Outcome {
				case "released":
					released.Add(1)
				case "already":
					already.Add(1)
				default:
					t.Errorf("outcome %+v", r)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, a := range to {
		if n := len(next.To(a)); n != 1 {
			t.Errorf("%s got %d copies, want 1", a, n)
		}
	}
	if released.Load() != 20 || already.Load() != 80 {
		t.Errorf("released %d, already %d; want 20 and 80", released.Load(), already.Load())
	}
	r, _ := open(t, u).Quarantine().Get(ctx, id)
	if r.Status != quarantine.Released {
		t.Errorf("status %s, want released", r.Status)
	}
}

// TestStaleClaimTakenOver: a gateway claims a recipient and dies before
// sending (its claim is written, nothing renews it). Another gateway's
// release reports "already" while the claim is fresh, and after it lapses
// takes it over and sends one copy.
func TestStaleClaimTakenOver(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	next := smtptest.Start(t, nil)
	dead, live := open(t, u).Quarantine(), open(t, u).Quarantine()
	id, err := dead.Put(ctx, testMsg, newRec("c@other.example"))
	if err != nil {
		t.Fatal(err)
	}
	claimed := time.Now().UTC()
	const ttl = 2 * time.Second
	if _, err := dead.Update(ctx, id, func(r *quarantine.Record) error {
		x := r.Rcpt("c@other.example")
		*x = quarantine.Rcpt{Addr: x.Addr, Status: quarantine.RcptReleasing, By: "dead", At: claimed, Claim: "dead0001", Until: claimed.Add(ttl)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	opts := quarantine.ReleaseOptions{Who: "live", Hop: "smtp://" + next.Addr, Send: nexthop.Send, ClaimTimeout: ttl}
	res, _, err := quarantine.Release(ctx, live, id, opts)
	if err != nil || len(res) != 1 || res[0].Outcome != "already" {
		t.Fatalf("release while claimed: %+v, %v", res, err)
	}
	opts.Now = func() time.Time { return claimed.Add(ttl + time.Second) }
	res, rec, err := quarantine.Release(ctx, live, id, opts)
	if err != nil || len(res) != 1 || res[0].Outcome != "released" {
		t.Fatalf("release after the claim lapsed: %+v, %v", res, err)
	}
	if n := len(next.Messages()); n != 1 || rec.Status != quarantine.Released {
		t.Errorf("%d copies, status %s; want 1, released", n, rec.Status)
	}
}

// TestPutUnknownCommitOutcome: the connection of a hold's transaction is
// cut just before its COMMIT (so the outcome, to the gateway, is unknown).
// Put tries again with the same id and returns it: one record, one copy of
// the bytes, never two.
func TestPutUnknownCommitOutcome(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	db := open(t, u)
	q := db.Quarantine()
	var cut atomic.Int32
	testHookBeforeCommit = func(id string) {
		if cut.Add(1) == 1 {
			pgtest.Exec(t, u, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mailward' AND state = 'idle in transaction'")
		}
	}
	defer func() { testHookBeforeCommit = nil }()
	id, err := q.Put(ctx, testMsg, newRec())
	if err != nil {
		t.Fatal(err)
	}
	if cut.Load() < 2 {
		t.Fatalf("the hold was tried %d times; the cut connection should have made it retry", cut.Load())
	}
	var n, raws int
	db.pool.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM quarantine_raw) FROM quarantine`).Scan(&n, &raws)
	if n != 1 || raws != 1 {
		t.Errorf("%d records, %d raws; want 1, 1", n, raws)
	}
	if r, err := q.Get(ctx, id); err != nil || r.Version != 1 {
		t.Errorf("get: %+v, %v", r, err)
	}
}

// TestPutReadOnlyDatabase: a database in read-only mode refuses the hold:
// Put fails (the relay answers 451) and nothing is stored.
func TestPutReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	db := open(t, u)
	q := db.Quarantine()
	q.PutTimeout = 3 * time.Second
	pgtest.Exec(t, u, "ALTER DATABASE "+dbName(u)+" SET default_transaction_read_only = on")
	db.pool.Reset() // new sessions pick the setting up
	if _, err := q.Put(ctx, testMsg, newRec()); err == nil {
		t.Fatal("hold into a read-only database succeeded")
	}
	pgtest.Exec(t, u, "BEGIN READ WRITE; ALTER DATABASE "+dbName(u)+" SET default_transaction_read_only = off; COMMIT")
	db.pool.Reset()
	if l, err := q.List(ctx); err != nil || len(l) != 0 {
		t.Errorf("list = %d records, %v; want none", len(l), err)
	}
	if db.Pending() != 0 {
		t.Errorf("a refused hold was taken as of unknown outcome")
	}
}

// TestPurgeOnceAcrossGateways: while one gateway holds the purge lock, a
// purge on another returns at once without doing anything; afterwards it
// runs.
func TestPurgeOnceAcrossGateways(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	a, b := open(t, u), open(t, u)
	old := newRec()
	old.Received = time.Now().Add(-40 * 24 * time.Hour)
	if _, err := a.Quarantine().Put(ctx, testMsg, old); err != nil {
		t.Fatal(err)
	}
	opts := quarantine.PurgeOptions{Retention: 30 * 24 * time.Hour}
	inside := make(chan struct{})
	release := make(chan struct{})
	go a.Exclusive(ctx, "quarantine-purge", func(context.Context) error {
		close(inside)
		<-release
		return nil
	})
	<-inside
	res, err := quarantine.Purge(ctx, b.Quarantine(), time.Now(), opts)
	if err != nil || res.Purged != 0 || len(res.Expired) != 0 {
		t.Errorf("purge while another gateway purges: %+v, %v", res, err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err = quarantine.Purge(ctx, b.Quarantine(), time.Now(), opts)
		if err != nil || res.Purged == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || res.Purged != 1 || len(res.Expired) != 1 {
		t.Errorf("purge = %+v, %v; want one expired", res, err)
	}
	if last, _ := b.LastRun(ctx, "quarantine-purge"); last.IsZero() {
		t.Error("job run not recorded")
	}
}

// TestImport moves a local quarantine (a held message, a released one and
// a tombstone, and its audit log) into PostgreSQL; a second import adds
// nothing.
func TestImport(t *testing.T) {
	ctx := context.Background()
	dir, err := quarantine.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	held, _ := dir.Put(ctx, testMsg, newRec())
	gone, _ := dir.Put(ctx, testMsg, newRec())
	if _, err := quarantine.Delete(ctx, dir, gone, "rev", "spam", time.Now()); err != nil {
		t.Fatal(err)
	}
	dir.AppendAudit(ctx, quarantine.AuditEvent{Who: "rev", What: "delete", ID: gone})
	db := open(t, migrated(t))
	res, err := db.Import(ctx, dir)
	if err != nil || res.Imported != 2 || res.Present != 0 || res.Audit != 1 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	res, err = db.Import(ctx, dir)
	if err != nil || res.Imported != 0 || res.Present != 2 || res.Audit != 0 {
		t.Fatalf("second import = %+v, %v", res, err)
	}
	q := db.Quarantine()
	if raw, err := q.Raw(ctx, held); err != nil || !bytes.Equal(raw, testMsg) {
		t.Errorf("held bytes: %v", err)
	}
	if _, err := q.Raw(ctx, gone); !errors.Is(err, quarantine.ErrGone) {
		t.Errorf("deleted bytes: %v, want ErrGone", err)
	}
	want, _ := dir.Get(ctx, held)
	got, _ := q.Get(ctx, held)
	if got.Version != want.Version || got.From != want.From || !got.Received.Equal(want.Received) {
		t.Errorf("imported record %+v, want %+v", got, want)
	}
	ev, _ := q.ReadAudit()
	if len(ev) != 2 || ev[0].What != "delete" || ev[1].What != "imported" {
		t.Errorf("audit after import: %+v", ev)
	}
}

// TestAbandonedHoldRemoved: a hold whose sender was told to retry after its
// commit outcome stayed unknown is removed once the database answers, if
// it landed; if it never landed, nothing is left behind either (not even
// the placeholder that waits for a commit in flight).
func TestAbandonedHoldRemoved(t *testing.T) {
	ctx := context.Background()
	db := open(t, migrated(t))
	q := db.Quarantine()
	landed, err := q.Put(ctx, testMsg, newRec())
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := q.Put(ctx, testMsg, newRec())
	db.abandon(landed)
	db.abandon(quarantine.NewID()) // never landed
	deadline := time.Now().Add(10 * time.Second)
	for db.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var n, raws int
	db.pool.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM quarantine_raw) FROM quarantine`).Scan(&n, &raws)
	if db.Pending() != 0 || n != 1 || raws != 1 {
		t.Errorf("pending %d, %d records, %d raws; want 0, 1, 1", db.Pending(), n, raws)
	}
	if _, err := q.Get(ctx, kept); err != nil {
		t.Errorf("the other hold: %v", err)
	}
}

// TestReleaseOfDeadGatewayTakenOver: gateway A claims a recipient and
// starts handing the copy to a next hop that never answers; then A dies
// (its connections to the database close and its release is cancelled).
// Gateway B's release reports "already" while A's claim is fresh, and
// once it lapses (no heartbeat renews it) takes the recipient over and
// sends the one copy that arrives: the stalled hop never accepted A's.
func TestReleaseOfDeadGatewayTakenOver(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	stalled := smtptest.StartStalled(t, true)
	good := smtptest.Start(t, nil)
	dbA := open(t, u)
	a, b := dbA.Quarantine(), open(t, u).Quarantine()
	id, err := a.Put(ctx, testMsg, newRec("d@other.example"))
	if err != nil {
		t.Fatal(err)
	}
	const ttl = time.Second
	actx, kill := context.WithCancel(ctx)
	doneA := make(chan []quarantine.RcptResult, 1)
	go func() {
		res, _, _ := quarantine.Release(actx, a, id, quarantine.ReleaseOptions{Who: "gw-a", Hop: "smtp://" + stalled,
			Send: nexthop.Send, ClaimTimeout: ttl})
		doneA <- res
	}()
	// Wait for A's claim, then A dies.
	for {
		r, err := b.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcpts[0].Status == quarantine.RcptReleasing {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	dbA.Close()
	kill()
	opts := quarantine.ReleaseOptions{Who: "gw-b", Hop: "smtp://" + good.Addr, Send: nexthop.Send, ClaimTimeout: ttl}
	res, _, err := quarantine.Release(ctx, b, id, opts)
	if err != nil || len(res) != 1 || res[0].Outcome != "already" {
		t.Fatalf("B while A's claim is fresh: %+v, %v", res, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, _, err = quarantine.Release(ctx, b, id, opts)
		if err != nil || res[0].Outcome != "already" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || len(res) != 1 || res[0].Outcome != "released" {
		t.Fatalf("B after A's claim lapsed: %+v, %v", res, err)
	}
	select {
	case r := <-doneA:
		if len(r) == 1 && r[0].Outcome == "released" {
			t.Errorf("A reports a release it never completed: %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Error("A's release did not stop after A lost its database")
	}
	if n := len(good.To("d@other.example")); n != 1 {
		t.Errorf("%d copies arrived, want 1", n)
	}
	r, _ := b.Get(ctx, id)
	if r.Status != quarantine.Released || r.Rcpts[0].By != "gw-b" {
		t.Errorf("record after takeover: status %s, by %s", r.Status, r.Rcpts[0].By)
	}
}

// TestAbandonedHoldJournalSurvivesRestart: a gateway told a sender to retry
// a hold whose commit landed after all, then died before the database
// answered again. The journal beside its quarantine folder makes its next
// start remove that hold, so the sender's retry is the only copy.
func TestAbandonedHoldJournalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	journal := filepath.Join(t.TempDir(), "abandoned")
	db1, err := Open(ctx, u, Options{AbandonedFile: journal})
	if err != nil {
		t.Fatal(err)
	}
	landed, err := db1.Quarantine().Put(ctx, testMsg, newRec())
	if err != nil {
		t.Fatal(err)
	}
	db1.Close() // the gateway's connections are gone: nothing can be removed now
	db1.abandon(landed)
	if b, _ := os.ReadFile(journal); !strings.Contains(string(b), landed) {
		t.Fatalf("journal %q lacks %s", b, landed)
	}
	db2, err := Open(ctx, u, Options{AbandonedFile: journal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db2.Close)
	deadline := time.Now().Add(10 * time.Second)
	for db2.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := db2.Quarantine().Get(ctx, landed); err == nil {
		t.Errorf("hold %s still there after restart", landed)
	}
	if b, _ := os.ReadFile(journal); len(strings.TrimSpace(string(b))) != 0 {
		t.Errorf("journal not emptied: %q", b)
	}
}
