package smtp

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mailward/mailward/config"
)

// wireHop is a next hop that accepts everything and records the command
// lines exactly as they arrive on the wire.
type wireHop struct {
	addr string
	mu   sync.Mutex
	cmds []string
}

func startWireHop(t *testing.T) *wireHop {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	h := &wireHop{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				c.Write([]byte("220 wire.test ESMTP\r\n"))
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					h.mu.Lock()
					h.cmds = append(h.cmds, line)
					h.mu.Unlock()
					switch cmd := strings.ToUpper(line); {
					case strings.HasPrefix(cmd, "EHLO"):
						c.Write([]byte("250-wire.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"))
					case cmd == "DATA":
						c.Write([]byte("354 go ahead\r\n"))
						for {
							l, err := br.ReadString('\n')
							if err != nil || l == ".\r\n" {
								break
							}
						}
						c.Write([]byte("250 ok\r\n"))
					case cmd == "QUIT":
						c.Write([]byte("221 bye\r\n"))
						return
					default:
						c.Write([]byte("250 ok\r\n"))
					}
				}
			}()
		}
	}()
	return h
}

func (h *wireHop) commands(prefix string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.cmds {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// TestCanonicalAddresses: MAIL and RCPT go to the next hop in their RFC 5321
// canonical form: a needlessly quoted local part unquoted, one that needs
// its quotes quoted (go-smtp hands them over unquoted; relayed as such,
// "john doe"@x would become the invalid <john doe@x>).
func TestCanonicalAddresses(t *testing.T) {
	hop := startWireHop(t)
	r := startRelayCfg(t, "", func(c *config.Config) { c.NextHop.Inbound = "smtp://" + hop.addr })
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd(`MAIL FROM:<"a b"@elsewhere.example>`, "250")
	for _, rc := range []string{`"john.doe"@trust.example`, `"john doe"@trust.example`, `"q\"uote"@trust.example`, `plain+tag@trust.example`} {
		cv.cmd("RCPT TO:<"+rc+">", "250")
	}
	cv.cmd("DATA", "354")
	cv.send("Subject: x\r\n\r\nhi\r\n.\r\n")
	cv.expect("250")
	want := []string{`RCPT TO:<john.doe@trust.example>`, `RCPT TO:<"john doe"@trust.example>`, `RCPT TO:<"q\"uote"@trust.example>`, `RCPT TO:<plain+tag@trust.example>`}
	if got := hop.commands("RCPT"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("relayed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := hop.commands("MAIL"); len(got) != 1 || !strings.HasPrefix(got[0], `MAIL FROM:<"a b"@elsewhere.example>`) {
		t.Fatalf("relayed %q", got)
	}
}

// TestControlCharactersInAddresses: a bare CR (or any control character)
// inside a quoted local part is refused, so it can never reach our
// Received: field or a maildir's Return-Path as a line break.
func TestControlCharactersInAddresses(t *testing.T) {
	r := startRelay(t, "")
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	cv.cmd("MAIL FROM:<\"a\rX-Evil: 1\"@elsewhere.example>", "553 5.1.7")
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<\"b\rX-Evil: 1\"@trust.example>", "550 5.1.3")
	cv.cmd("RCPT TO:<\"b\x00\"@trust.example>", "550 5.1.3")
}

// TestMaildirLineEndings: with a maildir next hop, every line written,
// mailward's own headers included, ends in CRLF: no bare CR or LF.
func TestMaildirLineEndings(t *testing.T) {
	dir := t.TempDir()
	r := startRelayCfg(t, "", func(c *config.Config) { c.NextHop.Inbound = "maildir:" + dir })
	cv := dial(t, r.addr, "127.0.0.2")
	cv.ehlo()
	got := cv.sendMessage(`"x y"@elsewhere.example`, []string{"head@trust.example", `"a.b"@trust.example`},
		"Subject: lines\r\n\r\nbare\rCR and bare\nLF\r\n")
	if !strings.HasPrefix(got, "250") {
		t.Fatal(got)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	for i, c := range b {
		if c == '\r' && (i+1 >= len(b) || b[i+1] != '\n') || c == '\n' && (i == 0 || b[i-1] != '\r') {
			t.Fatalf("bare line ending at %d: %q", i, b[max(0, i-40):min(len(b), i+40)])
		}
	}
	for _, want := range []string{"Return-Path: <\"x y\"@elsewhere.example>\r\n", "X-Original-To: head@trust.example, a.b@trust.example\r\n", "Received: from client.test"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("no %q in\n%s", want, b)
		}
	}
}
