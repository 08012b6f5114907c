package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/tracker/redistest"
)

var sharedRedis string

// TestRedisURL is the Redis of this test run, for the external e2e test.
var TestRedisURL string

func TestMain(m *testing.M) {
	sharedRedis = redistest.Shared(12)
	var srv *redistest.Server
	if sharedRedis == "" {
		dir, _ := os.MkdirTemp("", "redis")
		defer os.RemoveAll(dir)
		var err error
		if srv, err = redistest.StartServer(dir); err == nil {
			sharedRedis = srv.URL
		} else if !errors.Is(err, redistest.ErrNoServer) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	TestRedisURL = sharedRedis
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	os.Exit(code)
}

// uniq keeps runs apart in a shared Redis.
func uniq() string { return fmt.Sprintf("%x", time.Now().UnixNano()) }

// Salt makes a text's words unique to one run, so that bodies from earlier
// runs against a shared Redis (the spread window is a day) share no
// fingerprint with this run's: every word gets the same letters-only suffix.
func Salt(text, u string) string {
	suffix := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'g' + (r - '0')
		}
		return r
	}, u)
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		for j, w := range strings.Split(line, " ") {
			if j > 0 {
				b.WriteString(" ")
			}
			b.WriteString(w)
			if len(w) > 3 && !strings.ContainsAny(w, ":@-") {
				b.WriteString(suffix)
			}
		}
	}
	return b.String()
}

// sent captures alert mail instead of sending it through a next hop.
type sent struct {
	mu   sync.Mutex
	msgs []string
	to   [][]string
}

func (s *sent) send(ctx context.Context, hop, from string, to []string, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, string(msg))
	s.to = append(s.to, to)
	return nil
}

// pipelines runs f with the in-process tracker and with Redis.
func pipelines(t *testing.T, yml string, f func(t *testing.T, p *Pipeline, out *sent)) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			y := yml
			if backend == "redis" {
				if sharedRedis == "" {
					t.Skip(redistest.ErrNoServer.Error())
				}
				y += "\nredis:\n  url: " + sharedRedis + "\n"
			}
			p, out := newPipeline(t, y)
			f(t, p, out)
		})
	}
}

func newPipeline(t *testing.T, yml string) (*Pipeline, *sent) {
	t.Helper()
	cfg, err := config.Parse([]byte("domains: [trust.example]\nreport_addresses: [it-support@trust.example]\n" + yml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	out := &sent{}
	p.track.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	p.Notifier().Log = p.track.log
	p.Notifier().Send = out.send
	return p, out
}

var (
	outside = netip.MustParseAddr("203.0.113.5")
	inside  = netip.MustParseAddr("10.0.0.25")
)

func TestAdmitLimits(t *testing.T) {
	u := uniq()
	people := filepath.Join(t.TempDir(), "people.csv")
	os.WriteFile(people, []byte("address,role,groups\nhead-"+u+"@trust.example,staff,slt\n"), 0o600)
	pipelines(t, fmt.Sprintf(`
tracker:
  sender_messages_per_hour: 3
  sender_recipients_per_hour: 10
  client_messages_per_hour: 5
  client_recipients_per_hour: 100
  overrides:
    - sender: [newsletter-%[1]s@trust.example]
      messages_per_hour: 100
    - group: [slt]
      messages_per_hour: 50
directory:
  file: %[2]s
`, u, people), func(t *testing.T, p *Pipeline, out *sent) {
		ctx := context.Background()
		now := time.Date(2026, 5, 5, 10, 30, 0, 0, time.UTC)
		u := u + t.Name()[len(t.Name())-1:] // memory and redis runs apart
		admit := func(from string, client netip.Addr, trusted bool, rcpts int) error {
			t.Helper()
			to := make([]string, rcpts)
			for i := range to {
				to[i] = fmt.Sprintf("r%d@example.com", i)
			}
			now = now.Add(time.Second)
			return p.Admit(ctx, scanner.Envelope{Client: client, Trusted: trusted, From: from, To: to, Direction: scanner.Outbound}, now)
		}
		// A staff sender through the trusted server: 3 messages an hour.
		staff := "t.jones-" + u + "@trust.example"
		for i := 0; i < 3; i++ {
			if err := admit(staff, inside, true, 1); err != nil {
				t.Fatalf("message %d: %v", i+1, err)
			}
		}
		for i := 0; i < 4; i++ { // retries while over the limit
			if err := admit(staff, inside, true, 1); !errors.Is(err, ErrRateLimited) {
				t.Fatalf("4th message: %v", err)
			}
		}
		// Recipients: 10 an hour.
		bulk := "bulk-" + u + "@trust.example"
		if err := admit(bulk, inside, true, 8); err != nil {
			t.Fatal(err)
		}
		if err := admit(bulk, inside, true, 3); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("11 recipients: %v", err)
		}
		// The trusted server sends for many staff: never limited as a client.
		for i := 0; i < 20; i++ {
			if err := admit(fmt.Sprintf("s%d-%s@trust.example", i, u), inside, true, 1); err != nil {
				t.Fatalf("trusted client limited: %v", err)
			}
		}
		// An untrusted client is limited by address however it names itself.
		spam := netip.MustParseAddr("198.51.100." + fmt.Sprint(time.Now().UnixNano()%200+1))
		var limited int
		for i := 0; i < 8; i++ {
			if err := admit(fmt.Sprintf("x%d-%s@example.net", i, u), spam, false, 1); errors.Is(err, ErrRateLimited) {
				limited++
			}
		}
		if limited != 3 {
			t.Fatalf("untrusted client: %d of 8 limited, want 3", limited)
		}
		// Overrides by address and by directory group (head@ is in slt).
		for i := 0; i < 6; i++ {
			if err := admit("newsletter-"+u[:len(u)-1]+"@trust.example", inside, true, 1); err != nil {
				t.Fatalf("override by sender: %v", err)
			}
			if err := admit("Head-"+u[:len(u)-1]+"@trust.example", inside, true, 1); err != nil {
				t.Fatalf("override by group: %v", err)
			}
		}
		// IT hears once per sender and hour, not once per retry.
		if _, err := p.Notifier().Flush(ctx, now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		var toStaff int
		for _, m := range out.msgs {
			toStaff += strings.Count(m, staff)
		}
		if len(out.msgs) != 1 || !strings.Contains(out.msgs[0], "Sending rate exceeded") || out.to[0][0] != "it-support@trust.example" {
			t.Fatalf("%d alerts: %v", len(out.msgs), out.to)
		}
		// staff, bulk and the untrusted client: once each.
		if c := strings.Count(out.msgs[0], "Sending rate exceeded"); c != 3 {
			t.Fatalf("%d rate items, want 3:\n%s", c, out.msgs[0])
		}
		if toStaff == 0 {
			t.Fatal("the alert does not name the sender")
		}
	})
}

// TestRedisDownFailsOpen: with Redis gone, Admit lets mail through quickly
// (or tempfails when so configured) and scanning still decides.
func TestRedisDownFailsOpen(t *testing.T) {
	for _, onError := range []string{"allow", "tempfail"} {
		t.Run(onError, func(t *testing.T) {
			srv := redistest.Start(t)
			p, _ := newPipeline(t, fmt.Sprintf("redis: {url: %q}\ntracker: {on_error: %s, timeout: 200ms}\n", srv.URL, onError))
			ctx := context.Background()
			env := scanner.Envelope{Client: outside, From: "a@example.com", To: []string{"b@trust.example"}, Direction: scanner.Inbound}
			if err := p.Admit(ctx, env, time.Now()); err != nil {
				t.Fatalf("redis up: %v", err)
			}
			srv.Stop()
			start := time.Now()
			err := p.Admit(ctx, env, time.Now())
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("Admit took %v with Redis down", took)
			}
			if onError == "allow" && err != nil {
				t.Fatalf("fail-open: %v", err)
			}
			if onError == "tempfail" && !errors.Is(err, ErrRateLimited) {
				t.Fatalf("tempfail: %v", err)
			}
			start = time.Now()
			v := p.Scan(ctx, []byte(chainBody("a@example.com")), env)
			p.Record(ctx, v, "", time.Now())
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("Scan+Record took %v with Redis down", took)
			}
			if v.Decision.Action != rules.Deliver {
				t.Fatalf("decision with Redis down: %+v", v.Decision)
			}
		})
	}
}

// chainBody is a neutral-looking letter, forwarded: each sender's copy has
// its own forwarding header, the words are the same. Nothing in its wording
// says chain letter; only its spread does.
func chainBody(from string) string {
	return "From: " + from + "\r\nTo: staff@trust.example\r\nSubject: Fwd: car park\r\n\r\n" +
		"---------- Forwarded message ---------\r\nFrom: " + from + "\r\nDate: Mon, 4 May 2026\r\n\r\n" +
		"> The contractors will resurface the lower car park on Thursday and Friday next week.\r\n" +
		"> Staff who normally park there are asked to use the field entrance on those days,\r\n" +
		"> and to leave the spaces by the sports hall free for the minibus and for deliveries\r\n" +
		"> to the kitchen. The upper car park is not affected and opens at the usual time.\r\n"
}

// TestChainSpread is the case: three different senders sending the
// same neutral-looking body make it chain_mail, and later copies too; a
// scan alone never counts.
func TestChainSpread(t *testing.T) {
	pipelines(t, "tracker: {chain_spread_senders: 3}\n", func(t *testing.T, p *Pipeline, _ *sent) {
		ctx := context.Background()
		u := uniq()
		// Unique words per run keep shared-Redis runs apart.
		body := func(from string) []byte {
			head, text, _ := strings.Cut(chainBody(from), "\r\n\r\n")
			return []byte(head + "\r\n\r\n" + Salt(text, u))
		}
		send := func(who string, record bool) Verdict {
			t.Helper()
			from := who + "@trust.example"
			env := scanner.Envelope{Client: inside, Trusted: true, From: from, To: []string{"all-staff@trust.example"}, Direction: scanner.Internal}
			v := p.Scan(ctx, body(from), env)
			if record {
				p.Record(ctx, v, "", time.Now())
			}
			return v
		}
		// Scans alone (mailward scan) leave no trace.
		for _, who := range []string{"d", "e", "f", "g"} {
			if v := send(who, false); hasCategory(v, scanner.ChainMail) {
				t.Fatalf("scan-only copy from %s is chain_mail: nothing should have been counted", who)
			}
		}
		for _, who := range []string{"a", "b"} {
			if v := send(who, true); hasCategory(v, scanner.ChainMail) {
				t.Fatalf("copy from %s already chain_mail", who)
			}
		}
		v := send("c", true)
		if !hasCategory(v, scanner.ChainMail) || v.Decision.Action != rules.Quarantine || v.Decision.Rule != "chain-mail-staff" {
			t.Fatalf("third sender: %+v %+v", v.Result.Findings, v.Decision)
		}
		if !strings.Contains(v.Decision.Reason, "chain_mail finding scored 0.90") {
			t.Errorf("reason %q", v.Decision.Reason)
		}
		// A later copy from an earlier sender is chain mail too.
		if v := send("a", true); !hasCategory(v, scanner.ChainMail) {
			t.Fatal("later copy not chain_mail")
		}
		// A bulk mailer's copies (one author, a VERP envelope sender each)
		// are one sender.
		for i := 0; i < 4; i++ {
			env := scanner.Envelope{Client: outside, From: fmt.Sprintf("bounce-%d-%s@mailer.example", i, u), To: []string{"x@trust.example"}, Direction: scanner.Inbound}
			raw := "From: School Newsletter <news@mailer.example>\r\nSubject: news\r\n\r\n" + Salt(strings.Repeat("the autumn fair raised money for the library and thanks go to every family who baked ", 3), u+"n")
			v := p.Scan(ctx, []byte(raw), env)
			p.Record(ctx, v, "", time.Now())
			if hasCategory(v, scanner.ChainMail) {
				t.Fatalf("newsletter copy %d is chain_mail", i)
			}
		}
		// A different body is not.
		env := scanner.Envelope{Client: inside, Trusted: true, From: "h@trust.example", To: []string{"x@trust.example"}, Direction: scanner.Internal}
		if v := p.Scan(ctx, []byte("Subject: hi\r\n\r\n"+strings.Repeat("minutes of the governors meeting ", 10)+u+"\r\n"), env); hasCategory(v, scanner.ChainMail) {
			t.Fatal("other body is chain_mail")
		}
	})
}

func hasCategory(v Verdict, c scanner.Category) bool {
	for _, f := range v.Result.Findings {
		if f.Category == c {
			return true
		}
	}
	return false
}

// TestRepeatHoldsHoldEverything: after ten holds in a day, the default
// policy holds all of the sender's outbound mail; IT hears of pupil-data
// holds in one digest.
func TestRepeatHoldsHoldEverything(t *testing.T) {
	pipelines(t, "", func(t *testing.T, p *Pipeline, out *sent) {
		ctx := context.Background()
		from := "repeat-" + uniq() + "@trust.example"
		env := scanner.Envelope{Client: inside, Trusted: true, From: from, To: []string{"x@example.com"}, Direction: scanner.Outbound}
		clean := []byte("Subject: hello\r\n\r\nSee you on Tuesday.\r\n")
		if v := p.Scan(ctx, clean, env); v.Decision.Action != rules.Deliver {
			t.Fatalf("clean: %+v", v.Decision)
		}
		now := time.Now()
		for i := 0; i < 10; i++ {
			v := Verdict{Message: &scanner.Message{Envelope: env},
				Result:   scanner.Result{Findings: []scanner.Finding{{Category: scanner.PupilData, Scanner: "pupildata", Score: 0.97, Summary: "31 UPNs in attachment 1 (xlsx)"}}},
				Decision: rules.Decision{Action: rules.Quarantine, Rule: "pupil-data-outbound"}}
			p.Record(ctx, v, fmt.Sprintf("q%s%02d", uniq(), i), now)
		}
		v := p.Scan(ctx, clean, env)
		if v.Decision.Action != rules.Quarantine || v.Decision.Rule != "repeat-holds-outbound" ||
			!strings.Contains(v.Decision.Reason, "sender has 10 holds today (at least 10)") {
			t.Fatalf("after ten holds: %+v", v.Decision)
		}
		// Internal mail still flows.
		env.Direction, env.To = scanner.Internal, []string{"y@trust.example"}
		if v := p.Scan(ctx, clean, env); v.Decision.Action != rules.Deliver {
			t.Fatalf("internal: %+v", v.Decision)
		}
		p.Notifier().Flush(ctx, now.Add(2*time.Minute))
		if len(out.msgs) != 1 || strings.Count(out.msgs[0], "Message held") != 10 || strings.Contains(out.msgs[0], "UPN") {
			t.Fatalf("%d IT digests", len(out.msgs))
		}
	})
}

// TestRulesMonitor: the whole policy in log-only mode delivers (tags).
func TestRulesMonitor(t *testing.T) {
	p, _ := newPipeline(t, "rules_monitor: true\n")
	ctx := context.Background()
	env := scanner.Envelope{Client: outside, From: "a@example.com", To: []string{"b@trust.example"}, Direction: scanner.Inbound}
	raw := "Subject: invoice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=invoice.exe\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n"
	v := p.Scan(ctx, []byte(raw), env)
	if v.Decision.Action != rules.Tag || !v.Decision.Monitor || v.Decision.WouldBe != rules.Quarantine {
		t.Fatalf("%+v %+v", v.Decision, v.Result.Findings)
	}
}

// TestClientIPv6Slash64: an untrusted IPv6 client is limited per /64, so
// rotating through its own /64 does not escape the limit.
func TestClientIPv6Slash64(t *testing.T) {
	p, _ := newPipeline(t, "tracker: {client_messages_per_hour: 2}\n")
	ctx := context.Background()
	now := time.Now()
	var limited int
	for i := 1; i <= 4; i++ {
		env := scanner.Envelope{Client: netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", i)),
			From: fmt.Sprintf("s%d@example.net", i), To: []string{"x@trust.example"}, Direction: scanner.Inbound}
		if errors.Is(p.Admit(ctx, env, now), ErrRateLimited) {
			limited++
		}
	}
	other := scanner.Envelope{Client: netip.MustParseAddr("2001:db8:1:3::1"), From: "t@example.net", To: []string{"x@trust.example"}, Direction: scanner.Inbound}
	if limited != 2 || p.Admit(ctx, other, now) != nil {
		t.Fatalf("%d of 4 limited in one /64, want 2; or the next /64 was limited", limited)
	}
}

// TestScanNeverWrites: `mailward scan` builds the same pipeline and calls
// only Scan; against a Redis of its own, scanning leaves no key behind.
func TestScanNeverWrites(t *testing.T) {
	srv := redistest.Start(t)
	p, _ := newPipeline(t, fmt.Sprintf("redis: {url: %q}\ntracker: {chain_spread_senders: 2}\n", srv.URL))
	ctx := context.Background()
	for i, who := range []string{"a", "b", "c", "a"} {
		from := who + "@trust.example"
		env := scanner.Envelope{Client: inside, Trusted: true, From: from, To: []string{"x@trust.example", "y@example.com"}, Direction: scanner.Outbound}
		v := p.Scan(ctx, []byte(chainBody(from)), env)
		if hasCategory(v, scanner.ChainMail) && i < 2 {
			t.Fatalf("scan %d: chain mail from nothing recorded", i)
		}
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
		keys, _ := c.Keys(ctx, "*").Result()
		t.Fatalf("scan wrote %d keys (%v): %v", n, err, keys)
	}
}

// BenchmarkAdmit measures the rate check each message pays before its scan.
func BenchmarkAdmit(b *testing.B) {
	for _, backend := range []string{"memory", "redis"} {
		b.Run(backend, func(b *testing.B) {
			y := "tracker: {sender_messages_per_hour: 1000000000, sender_recipients_per_hour: 1000000000, client_messages_per_hour: 1000000000, client_recipients_per_hour: 1000000000}\n"
			if backend == "redis" {
				if sharedRedis == "" {
					b.Skip(redistest.ErrNoServer.Error())
				}
				y += "redis: {url: " + sharedRedis + "}\n"
			}
			cfg, err := config.Parse([]byte("domains: [trust.example]\n" + y))
			if err != nil {
				b.Fatal(err)
			}
			p, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			ctx := context.Background()
			env := scanner.Envelope{Client: outside, From: "bench-" + uniq() + "@example.net", To: []string{"a@trust.example", "b@trust.example"}, Direction: scanner.Inbound}
			now := time.Now()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if err := p.Admit(ctx, env, now); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// TestSpoofedSenderSpendsOwnBudget: an outsider naming head@trust.example as
// its sender uses up only its own budget for that name; the trust's server
// sending as head is unaffected, in Admit and in the hold counts.
func TestSpoofedSenderSpendsOwnBudget(t *testing.T) {
	pipelines(t, "tracker:\n  sender_messages_per_hour: 3\n  client_messages_per_hour: 1000\n", func(t *testing.T, p *Pipeline, out *sent) {
		ctx := context.Background()
		now := time.Now()
		head := "head-" + uniq() + "@trust.example"
		spoof := scanner.Envelope{Client: outside, From: head, To: []string{"x@trust.example"}, Direction: scanner.Inbound}
		real := scanner.Envelope{Client: inside, Trusted: true, From: head, To: []string{"x@example.com"}, Direction: scanner.Outbound}
		for i := 0; i < 5; i++ {
			err := p.Admit(ctx, spoof, now)
			if want := i >= 3; errors.Is(err, ErrRateLimited) != want {
				t.Fatalf("spoofed message %d: %v", i+1, err)
			}
		}
		// Another outside address naming the same sender has its own budget.
		other := spoof
		other.Client = netip.MustParseAddr("203.0.113.77")
		if err := p.Admit(ctx, other, now); err != nil {
			t.Fatalf("second outsider: %v", err)
		}
		for i := 0; i < 3; i++ {
			if err := p.Admit(ctx, real, now); err != nil {
				t.Fatalf("the real head, message %d: %v", i+1, err)
			}
		}
		if err := p.Admit(ctx, real, now); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("the real head's own 4th message: %v", err)
		}
		// Ten inbound holds of spoofed mail do not make head a repeat offender.
		for i := 0; i < 10; i++ {
			v := Verdict{Message: &scanner.Message{Envelope: spoof},
				Result:   scanner.Result{Findings: []scanner.Finding{{Category: scanner.Malware, Scanner: "clamav", Score: 1}}},
				Decision: rules.Decision{Action: rules.Quarantine, Rule: "malware"}}
			p.Record(ctx, v, fmt.Sprintf("q%s%02d", uniq(), i), now)
		}
		clean := []byte("Subject: hello\r\n\r\nSee you on Tuesday.\r\n")
		if v := p.Scan(ctx, clean, real); v.Decision.Action != rules.Deliver {
			t.Fatalf("the real head after spoofed holds: %+v", v.Decision)
		}
	})
}
