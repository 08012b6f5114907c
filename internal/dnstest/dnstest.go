// Package dnstest runs a small authoritative DNS server on loopback for
// tests: TXT, A, AAAA, MX and PTR records set by the test, answered over
// UDP and TCP on one port, and names that answer SERVFAIL, so SPF, DKIM and
// DMARC can be tested without leaving the machine.
package dnstest

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is a running test DNS server.
type Server struct {
	// Addr is host:port for UDP and TCP alike.
	Addr string

	mu       sync.Mutex
	rr       map[string][]dns.RR // by lowercased FQDN
	servfail map[string]bool
	queries  int
	udp, tcp *dns.Server
}

// Start runs a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{rr: map[string][]dns.RR{}, servfail: map[string]bool{}}
	var lastErr error
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnstest: %v", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		s.Addr = pc.LocalAddr().String()
		s.udp = &dns.Server{PacketConn: pc, Handler: s}
		s.tcp = &dns.Server{Listener: l, Handler: s}
		break
	}
	if s.udp == nil {
		t.Fatalf("dnstest: no port free for UDP and TCP: %v", lastErr)
	}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("dnstest: server did not start")
		}
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop shuts the server down; later queries find nothing listening.
func (s *Server) Stop() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// TXT adds a TXT record at name; a long value is split into strings of
// 255 bytes, as a zone file would publish a DKIM key.
func (s *Server) TXT(name string, values ...string) {
	for _, v := range values {
		var parts []string
		for len(v) > 255 {
			parts = append(parts, v[:255])
			v = v[255:]
		}
		parts = append(parts, v)
		s.add(&dns.TXT{Hdr: s.hdr(name, dns.TypeTXT), Txt: parts})
	}
}

// A adds address records (A or AAAA by the address's family).
func (s *Server) A(name string, addrs ...string) {
	for _, a := range addrs {
		ip := netip.MustParseAddr(a)
		if ip.Is4() {
			s.add(&dns.A{Hdr: s.hdr(name, dns.TypeA), A: net.IP(ip.AsSlice())})
		} else {
			s.add(&dns.AAAA{Hdr: s.hdr(name, dns.TypeAAAA), AAAA: net.IP(ip.AsSlice())})
		}
	}
}

// MX adds an MX record.
func (s *Server) MX(name string, pref uint16, host string) {
	s.add(&dns.MX{Hdr: s.hdr(name, dns.TypeMX), Preference: pref, Mx: dns.Fqdn(host)})
}

// PTR adds a reverse record for addr.
func (s *Server) PTR(addr, host string) {
	rev, err := dns.ReverseAddr(addr)
	if err != nil {
		panic(err)
	}
	s.add(&dns.PTR{Hdr: s.hdr(rev, dns.TypePTR), Ptr: dns.Fqdn(host)})
}

// ServFail makes every query for name answer SERVFAIL.
func (s *Server) ServFail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfail[strings.ToLower(dns.Fqdn(name))] = true
}

// Queries returns how many queries the server answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *Server) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: 60}
}

func (s *Server) add(rr dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(rr.Header().Name)
	s.rr[k] = append(s.rr[k], rr)
}

// ServeDNS answers from the records: NXDOMAIN for an unknown name, an
// empty answer (NODATA) for a known name without that type.
func (s *Server) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	s.mu.Lock()
	s.queries++
	if len(q.Question) == 1 {
		name := strings.ToLower(q.Question[0].Name)
		switch {
		case s.servfail[name]:
			m.Rcode = dns.RcodeServerFailure
		case len(s.rr[name]) == 0:
			m.Rcode = dns.RcodeNameError
		default:
			for _, rr := range s.rr[name] {
				if rr.Header().Rrtype == q.Question[0].Qtype {
					m.Answer = append(m.Answer, dns.Copy(rr))
				}
			}
		}
	}
	s.mu.Unlock()
	if o := q.IsEdns0(); o != nil {
		m.SetEdns0(o.UDPSize(), false)
	}
	if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
		size := 512
		if o := q.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// TXTRecords returns every TXT record by name (without the final dot),
// each record's strings joined: for handing the same zone to another
// implementation under test.
func (s *Server) TXTRecords() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for name, rrs := range s.rr {
		for _, rr := range rrs {
			if t, ok := rr.(*dns.TXT); ok {
				n := strings.TrimSuffix(name, ".")
				out[n] = append(out[n], strings.Join(t.Txt, ""))
			}
		}
	}
	return out
}
