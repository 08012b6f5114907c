package mailauth

import (
	"context"
	"errors"
	"net"
	"time"
)

// DefaultTimeout bounds one DNS query when the config names none.
const DefaultTimeout = 5 * time.Second

// Resolver answers the DNS questions of SPF, DKIM, DMARC and ARC through one
// server the config names (or the system resolver), each query under its
// own timeout.
//
// Its errors have one of two meanings, because the checks depend on the
// difference: a *net.DNSError with IsNotFound (NXDOMAIN, or no record of
// that type) means the record does not exist; every other failure (timeout,
// SERVFAIL, refused, server unreachable) is returned as a *net.DNSError with
// IsTemporary set, so that it yields temperror and never reads as "no
// record" (which would turn a DNS outage into dmarc=none).
type Resolver struct {
	r       *net.Resolver
	timeout time.Duration
}

// NewResolver returns a resolver that asks server ("127.0.0.1:53";
// "" means the system resolver). timeout bounds each query (0: DefaultTimeout).
func NewResolver(server string, timeout time.Duration) *Resolver {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	r := net.DefaultResolver
	if server != "" {
		d := net.Dialer{Timeout: timeout}
		r = &net.Resolver{
			PreferGo:     true,
			StrictErrors: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, server)
			},
		}
	}
	return &Resolver{r: r, timeout: timeout}
}

// LookupTXT returns the TXT records of name, each record's strings joined.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.r.LookupTXT(ctx, name)
	return v, classify(name, err)
}

// LookupMX returns the MX records of name.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.r.LookupMX(ctx, name)
	return v, classify(name, err)
}

// LookupIPAddr returns the A and AAAA records of host.
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.r.LookupIPAddr(ctx, host)
	return v, classify(host, err)
}

// LookupAddr returns the PTR names of addr.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.r.LookupAddr(ctx, addr)
	return v, classify(addr, err)
}

// classify keeps "not found" and makes every other failure temporary.
func classify(name string, err error) error {
	if err == nil {
		return nil
	}
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return &net.DNSError{Err: de.Err, Name: name, Server: de.Server, IsNotFound: true}
	}
	e := &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true}
	if de != nil {
		e.Err, e.Server = de.Err, de.Server
		e.IsTimeout = de.IsTimeout
	}
	return e
}

// isTemp reports whether err is a temporary DNS failure as classify made it.
func isTemp(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.Temporary()
}

// isNotFound reports whether err says the record does not exist.
func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
