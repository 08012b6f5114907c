package smtp

import (
	"net/netip"
	"sync"

	"github.com/mailward/mailward/config"
)

// admission shares the relay's connections and next-hop transactions out
// between clients, so that no client can starve the others:
//
//   - at most limits.max_connections connections in all, of which
//     limits.trusted_reserved_connections only trusted clients may use: the
//     trust's own server always gets in;
//   - at most limits.max_connections_per_client per untrusted client;
//   - at most limits.max_transactions_per_client open transactions (each
//     holds a next-hop session) per untrusted client, and untrusted clients
//     together leave limits.trusted_reserved_sessions of next_hop.max_sessions
//     to trusted ones.
//
// An untrusted client is its IPv4 address or its IPv6 /64 (clientUnit).
type admission struct {
	maxConns, untrustedConns, perClientConns int
	untrustedTxns, perClientTxns             int

	mu        sync.Mutex
	conns     int            // all connections
	outConns  int            // untrusted connections
	byClient  map[string]int // untrusted connections per client
	outTxns   int            // untrusted transactions
	txnClient map[string]int // untrusted transactions per client
}

func newAdmission(l config.Limits, maxSessions int) *admission {
	reserve := func(total, reserved int) int { return total - min(reserved, total/2) }
	return &admission{
		maxConns:       l.MaxConnections,
		untrustedConns: reserve(l.MaxConnections, l.TrustedReservedConnections),
		perClientConns: l.MaxConnectionsPerClient,
		untrustedTxns:  reserve(maxSessions, l.TrustedReservedSessions),
		perClientTxns:  l.MaxTransactionsPerClient,
		byClient:       map[string]int{},
		txnClient:      map[string]int{},
	}
}

// clientUnit is the unit an untrusted client is limited by: its IPv4
// address, or its IPv6 /64 (one host commonly holds a whole /64).
func clientUnit(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// conn takes a connection slot; the caller gives it back with the returned
// release, called once. ok is false when the client must be turned away.
func (a *admission) conn(client netip.Addr, trusted bool) (release func(), ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conns >= a.maxConns {
		return nil, false
	}
	if trusted {
		a.conns++
		return a.once(func() { a.conns-- }), true
	}
	unit := clientUnit(client)
	if a.outConns >= a.untrustedConns || a.byClient[unit] >= a.perClientConns {
		return nil, false
	}
	a.conns++
	a.outConns++
	a.byClient[unit]++
	return a.once(func() {
		a.conns--
		a.outConns--
		if a.byClient[unit]--; a.byClient[unit] <= 0 {
			delete(a.byClient, unit)
		}
	}), true
}

// txn takes a transaction slot for an untrusted client (trusted clients
// are bounded by next_hop.max_sessions alone).
func (a *admission) txn(client netip.Addr, trusted bool) (release func(), ok bool) {
	if trusted {
		return func() {}, true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	unit := clientUnit(client)
	if a.outTxns >= a.untrustedTxns || a.txnClient[unit] >= a.perClientTxns {
		return nil, false
	}
	a.outTxns++
	a.txnClient[unit]++
	return a.once(func() {
		a.outTxns--
		if a.txnClient[unit]--; a.txnClient[unit] <= 0 {
			delete(a.txnClient, unit)
		}
	}), true
}

// once wraps a release so that it runs at most once, under the lock.
func (a *admission) once(f func()) func() {
	var o sync.Once
	return func() {
		o.Do(func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			f()
		})
	}
}
