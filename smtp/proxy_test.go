package smtp

import (
	"strings"
	"testing"
)

// TestProxyProtocol: behind a load balancer the client's address comes from
// the PROXY header, accepted only from proxy_networks.
func TestProxyProtocol(t *testing.T) {
	r := startRelay(t, "  proxy_header_timeout: 300ms\nproxy_networks: [127.0.0.1/32]\n")

	// From the balancer: the real client 192.0.2.7 is untrusted, so relaying
	// out is refused although the balancer itself is in trusted_networks.
	cv := dialRaw(t, r.addr, "")
	cv.send("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n")
	cv.expect("220")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<x@elsewhere.example>", "554 5.7.1")
	cv.cmd("RCPT TO:<head@trust.example>", "250")
	cv.cmd("DATA", "354")
	cv.send("Subject: via balancer\r\n\r\nhi\r\n.\r\n")
	cv.expect("250")
	if m := r.in.Messages(); len(m) != 1 || !strings.Contains(string(m[0].Data), "([192.0.2.7])") {
		t.Fatalf("Received does not name the real client: %+v", m)
	}

	// From the balancer without a header: refused, never taken as the
	// balancer (the greeting waits proxy_header_timeout for the header).
	cv = dial(t, r.addr, "")
	cv.send("EHLO client.test\r\n")
	cv.expect("421")

	// From anyone else a PROXY line is not believed.
	cv = dial(t, r.addr, "127.0.0.2")
	cv.cmd("PROXY TCP4 127.0.0.1 127.0.0.1 40000 25", "50")
	cv.ehlo()
	cv.cmd("MAIL FROM:<a@elsewhere.example>", "250")
	cv.cmd("RCPT TO:<x@elsewhere.example>", "554 5.7.1")
}
