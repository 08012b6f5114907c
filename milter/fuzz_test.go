package milter

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomilter "github.com/d--j/go-milter"
)

// FuzzMilter sends arbitrary messages through the milter as an MTA would:
// whatever the header fields and body, mailward answers one of the
// replies an MTA understands and never breaks the connection. Seeds are
// the fixtures in testdata.
//
//	go test -run '^$' -fuzz FuzzMilter -fuzztime 60s ./milter
func FuzzMilter(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint32(0xc0000201), "office@trust.example")      // 192.0.2.1
		f.Add(b, uint32(0x7f000001), "someone@elsewhere.example") // 127.0.0.1
	}
	mw := startMailward(f, "127.0.0.1:0", "")
	f.Fuzz(func(t *testing.T, raw []byte, ip uint32, rcpt string) {
		if strings.ContainsAny(rcpt, "\x00<>\r\n") || rcpt == "" {
			t.Skip("not an address the MTA would pass")
		}
		client := netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}).String()
		raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
		hdr, body, _ := bytes.Cut(raw, []byte("\n\n"))
		m := mta{client: client, from: "a@elsewhere.example", rcpts: []string{rcpt},
			body: strings.ReplaceAll(string(body), "\n", "\r\n")}
		for _, line := range strings.Split(string(hdr), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && k != "" && !strings.ContainsAny(k, " \t\x00") {
				m.headers = append(m.headers, [2]string{k, strings.ReplaceAll(v, "\x00", " ")})
			}
		}
		r := m.run(t, mw.addr)
		switch r.act.Type {
		case gomilter.ActionAccept, gomilter.ActionDiscard, gomilter.ActionRejectWithCode, gomilter.ActionTempFail:
		default:
			t.Fatalf("milter answered %v", r.act)
		}
	})
}
