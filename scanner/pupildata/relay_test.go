package pupildata_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	netsmtp "net/smtp"
	"os"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/smtptest"
	"github.com/mailward/mailward/nexthop"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/quarantine"
	"github.com/mailward/mailward/smtp"
)

// relayFor runs mailward for oakfield.sch.uk in front of an outbound next
// hop that offers STARTTLS with cert; roots verify the hop's certificate
// (nil: it does not verify, as with an unknown certificate).
func relayFor(t *testing.T, cert tls.Certificate, roots *x509.CertPool) (addr string, out *smtptest.Server, store *quarantine.Dir) {
	t.Helper()
	out = smtptest.Start(t, func(s *gosmtp.Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}} })
	in := smtptest.Start(t, nil)
	qdir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`domains: [oakfield.sch.uk]
trusted_networks: [127.0.0.1/32]
listen: 127.0.0.1:0
hostname: mailward.test
next_hop:
  inbound: smtp://%s
  outbound: smtp://%s
quarantine:
  dir: %s
pupil_data:
  allowed_destinations: [mash@kent.gov.uk]
  require_tls: true
`, in.Addr, out.Addr, qdir)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	store, err = quarantine.OpenDir(qdir)
	if err != nil {
		t.Fatal(err)
	}
	hop, err := nexthop.New("smtp://"+out.Addr, nexthop.Options{HeloName: "mailward.test", RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := smtp.New(cfg, smtp.Options{Pipeline: p, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Outbound: hop})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), out, store
}

// send runs one SMTP transaction from 127.0.0.1 (a trusted client) and
// returns the error of the final reply, nil for 250.
func send(t *testing.T, addr, from, to string, msg []byte) error {
	t.Helper()
	c, err := netsmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("staff-pc.oakfield.sch.uk"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(msg); err != nil {
		t.Fatal(err)
	}
	return w.Close()
}

// TestRelayRealFormatExport sends a Children in Need census XML (a real
// format with synthetic values: check letters that fail, adult dates of
// birth) through the relay: to a personal address it is held in the
// quarantine as pupil_data and nothing leaves; to the local authority's
// safeguarding hub (pupil_data.allowed_destinations, require_tls) over
// verified TLS it is delivered unchanged; to the same hub when the next
// hop's certificate does not verify it is held.
func TestRelayRealFormatExport(t *testing.T) {
	raw, err := os.ReadFile("testdata/eval/cin-census-namespaced.eml")
	if err != nil {
		t.Fatal(err)
	}
	const from = "j.bloggs@oakfield.sch.uk"
	cert, roots := smtptest.SelfSigned(t)

	t.Run("personal address held", func(t *testing.T) {
		addr, out, store := relayFor(t, cert, roots)
		if err := send(t, addr, from, "validator.contractor@gmail.com", raw); err != nil {
			t.Fatalf("final reply: %v, want 250 after the hold", err)
		}
		if n := len(out.Messages()); n != 0 {
			t.Fatalf("next hop got %d messages, want none", n)
		}
		recs, err := store.List(context.Background())
		if err != nil || len(recs) != 1 {
			t.Fatalf("quarantine holds %d records (%v), want 1", len(recs), err)
		}
		r := recs[0]
		if r.Direction != "outbound" || !strings.Contains(strings.Join(r.Categories, ","), "pupil_data") || r.Action != "quarantine" {
			t.Errorf("record: direction %s categories %v action %s rule %s", r.Direction, r.Categories, r.Action, r.Rule)
		}
		for _, f := range r.Findings {
			if f.Category == "pupil_data" && (strings.Contains(f.Summary, "cin_2026") || strings.Contains(f.Summary, "DDS")) {
				t.Errorf("summary names the file or data: %q", f.Summary)
			}
		}
	})

	t.Run("allowed destination over verified TLS delivered", func(t *testing.T) {
		addr, out, store := relayFor(t, cert, roots)
		if err := send(t, addr, from, "mash@kent.gov.uk", raw); err != nil {
			t.Fatalf("final reply: %v, want 250", err)
		}
		msgs := out.Messages()
		if len(msgs) != 1 || !msgs[0].TLS || len(msgs[0].To) != 1 || msgs[0].To[0] != "mash@kent.gov.uk" {
			t.Fatalf("next hop got %+v, want one message over TLS to the hub", msgs)
		}
		if !strings.HasSuffix(string(msgs[0].Data), string(raw)) {
			t.Errorf("delivered bytes do not end with the sent message")
		}
		if recs, _ := store.List(context.Background()); len(recs) != 0 {
			t.Errorf("quarantine holds %d records, want none", len(recs))
		}
	})

	t.Run("allowed destination without verified TLS held", func(t *testing.T) {
		addr, out, store := relayFor(t, cert, nil) // the hop's certificate is not trusted
		if err := send(t, addr, from, "mash@kent.gov.uk", raw); err != nil {
			t.Fatalf("final reply: %v, want 250 after the hold", err)
		}
		if n := len(out.Messages()); n != 0 {
			t.Fatalf("next hop got %d messages, want none", n)
		}
		if recs, _ := store.List(context.Background()); len(recs) != 1 {
			t.Fatalf("quarantine holds %d records, want 1", len(recs))
		}
	})
}
