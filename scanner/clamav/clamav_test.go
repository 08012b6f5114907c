package clamav_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/internal/clamdtest"
	"github.com/mailward/mailward/pipeline"
	"github.com/mailward/mailward/rules"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/clamav"
)

// eicar is the EICAR anti-virus test file, assembled at run time so that
// this source file itself is not flagged by scanners on developers' machines.
var eicar = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS" + `-TEST-FILE!$H+H*`)

// ownSignature is matched by the test's own .ndb signature.
const ownSignature = "mailward-test-signature"

// clamd is a real clamd started for the tests (internal/clamdtest), with a
// signature database the test writes itself (no freshclam).
type clamd struct {
	tcp, unix string
}

// startClamd starts clamd from Debian's clamav-daemon, or skips the test
// when it is not installed. streamMax is clamd's StreamMaxLength.
func startClamd(t *testing.T, streamMax string) *clamd {
	t.Helper()
	// .hdb: MD5:size:name of the whole file; .ndb: name:target:offset:hex.
	d := clamdtest.Start(t, streamMax, map[string]string{
		"mailward.hdb": fmt.Sprintf("%x:%d:Mailward.Test.EICAR\n", md5sum(eicar), len(eicar)),
		"mailward.ndb": fmt.Sprintf("Mailward.Test.Own:0:*:%x\n", ownSignature),
	})
	return &clamd{tcp: d.TCP, unix: d.Unix}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// message builds a message with one base64 attachment.
func message(name, ctype string, data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(enc) > 76 {
		lines = append(lines, enc[:76])
		enc = enc[76:]
	}
	lines = append(lines, enc)
	return []byte("From: a@example.org\r\nTo: b@trust.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b" + fmt.Sprint(len(data)) + "\"\r\n\r\n" +
		"--b" + fmt.Sprint(len(data)) + "\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b" + fmt.Sprint(len(data)) + "\r\nContent-Type: " + ctype + "\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b" + fmt.Sprint(len(data)) + "--\r\n")
}

func forwarded(inner []byte) []byte {
	return []byte("From: c@example.org\r\nTo: b@trust.example\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n" +
		"--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n" +
		string(inner) + "\r\n--outer--\r\n")
}

func zipOf(name string, data []byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create(name)
	w.Write(data)
	zw.Close()
	return b.Bytes()
}

func TestMalwareFound(t *testing.T) {
	d := startClamd(t, "25M")
	tests := []struct {
		name  string
		raw   []byte
		sig   string // "" for a clean message
		where string
	}{
		{"eicar alone", message("eicar.com", "application/octet-stream", eicar), "Mailward.Test.EICAR", "in attachment 1 (com)"},
		{"eicar in a zip", message("files.zip", "application/zip", zipOf("docs/eicar.com", eicar)), "Mailward.Test.EICAR", "attachment 1 (zip)"},
		{"eicar in a forwarded message", forwarded(message("eicar.com", "application/octet-stream", eicar)), "Mailward.Test.EICAR", "attachment 1 (eml)"},
		{"own signature in a text file", message("notes.txt", "text/plain", []byte("before "+ownSignature+" after")), "Mailward.Test.Own", "in attachment 1 (txt)"},
		{"clean pdf-like file", message("report.pdf", "application/pdf", []byte("%PDF-1.4\nclean content\n%%EOF\n")), "", ""},
		{"no attachments", []byte("From: a@example.org\r\nSubject: hi\r\n\r\nJust text.\r\n"), "", ""},
	}
	for _, addr := range []string{d.tcp, d.unix} {
		s, err := clamav.New(clamav.Options{Address: addr})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			t.Run(strings.SplitN(addr, ":", 2)[0]+"/"+tc.name, func(t *testing.T) {
				m, err := scanner.Parse(tc.raw, scanner.Envelope{Direction: scanner.Inbound})
				if err != nil {
					t.Fatal(err)
				}
				fs, err := s.Scan(context.Background(), m)
				if err != nil {
					t.Fatal(err)
				}
				if tc.sig == "" {
					if len(fs) != 0 {
						t.Errorf("clean message: %+v", fs)
					}
					return
				}
				if len(fs) == 0 {
					t.Fatalf("no finding for %s", tc.name)
				}
				f := fs[0]
				if f.Category != scanner.Malware || f.Score != 1 || f.Where != "1" ||
					!strings.Contains(f.Summary, tc.sig) || !strings.Contains(f.Summary, tc.where) {
					t.Errorf("finding %+v, want %s %s", f, tc.sig, tc.where)
				}
				if strings.Contains(f.Summary, "eicar.com") || strings.Contains(f.Summary, "files.zip") {
					t.Errorf("summary names a file: %q", f.Summary)
				}
			})
		}
	}
}

// TestUnavailable: clamd unreachable is an error wrapping ErrUnavailable,
// and the pipeline's default on_error turns it into a temporary failure.
func TestUnavailable(t *testing.T) {
	raw := message("report.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n"))
	for _, addr := range []string{fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)), "unix:" + filepath.Join(t.TempDir(), "none.sock")} {
		s, err := clamav.New(clamav.Options{Address: addr, ConnectTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := scanner.Parse(raw, scanner.Envelope{Direction: scanner.Inbound})
		_, err = s.Scan(context.Background(), m)
		if !errors.Is(err, scanner.ErrUnavailable) {
			t.Errorf("%s: error %v does not wrap ErrUnavailable", addr, err)
		}

		cfg, err := config.Parse([]byte("domains: [trust.example]\nclamav:\n  address: " + addr + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		v := p.Scan(context.Background(), raw, scanner.Envelope{Direction: scanner.Inbound})
		if v.Decision.Action != rules.Tempfail {
			t.Errorf("%s: action %s (%s), want tempfail", addr, v.Decision.Action, v.Decision.Reason)
		}
		p.Close()
	}
}

// TestTooLarge: an item over clamd's StreamMaxLength, or over the
// configured max_stream_bytes, is unscannable (it would fail every retry),
// not a backend failure.
func TestTooLarge(t *testing.T) {
	d := startClamd(t, "1M")
	big := bytes.Repeat([]byte("0123456789abcdef"), 128<<10) // 2 MiB
	m, _ := scanner.Parse(message("big.bin", "application/octet-stream", big), scanner.Envelope{})
	for _, opt := range []clamav.Options{
		{Address: d.unix, MaxStreamBytes: 4 << 20}, // clamd refuses
		{Address: d.unix, MaxStreamBytes: 1 << 20}, // mailward does not send
	} {
		s, _ := clamav.New(opt)
		fs, err := s.Scan(context.Background(), m)
		if err != nil {
			t.Fatalf("max %d: %v", opt.MaxStreamBytes, err)
		}
		if len(fs) != 1 || fs[0].Category != scanner.Unscannable || !strings.Contains(fs[0].Summary, "too large") {
			t.Errorf("max %d: findings %+v", opt.MaxStreamBytes, fs)
		}
	}
	// The same clamd still scans what fits.
	s, _ := clamav.New(clamav.Options{Address: d.tcp})
	m, _ = scanner.Parse(message("eicar.com", "application/octet-stream", eicar), scanner.Envelope{})
	if fs, err := s.Scan(context.Background(), m); err != nil || len(fs) != 1 || fs[0].Category != scanner.Malware {
		t.Errorf("after refusal: %+v %v", fs, err)
	}
}

// TestTimeout: a clamd that accepts but never answers is a failure that
// may pass, reported within the scanner's timeout.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, _ := clamav.New(clamav.Options{Address: "tcp://" + l.Addr().String(), Timeout: 300 * time.Millisecond})
	m, _ := scanner.Parse(message("a.pdf", "application/pdf", []byte("%PDF-1.4")), scanner.Envelope{})
	start := time.Now()
	_, err = s.Scan(context.Background(), m)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("err %v after %s", err, time.Since(start))
	}
}

func TestNewClientAddresses(t *testing.T) {
	for addr, ok := range map[string]bool{
		"tcp://127.0.0.1:3310": true, "unix:/run/clamav/clamd.ctl": true, "unix:///run/c.sock": true,
		"tcp://nohostport": false, "127.0.0.1:3310": false, "unix:": false,
	} {
		_, err := clamav.NewClient(addr)
		if (err == nil) != ok {
			t.Errorf("clamav.NewClient(%q) error %v", addr, err)
		}
	}
}

func md5sum(b []byte) [16]byte { return md5.Sum(b) }
