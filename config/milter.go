package config

import "net/netip"

// Milter makes `mailward serve` also speak the milter protocol, for an MTA
// (Postfix smtpd_milters, Sendmail) that keeps its own queue and asks
// mailward for a verdict on each message. The same pipeline and rules run;
// the relay's limits (max_message_bytes, limits.max_connections,
// limits.max_inflight_bytes, limits.reply_deadline) bound it too.
//
//	milter:
//	  listen: 127.0.0.1:8891   # empty: no milter
//	  quarantine: store        # or hold
type Milter struct {
	// Listen is host:port for the milter socket; empty turns milter mode
	// off. Keep it on loopback or a private network: the protocol has no
	// authentication.
	Listen string `yaml:"listen"`
	// Quarantine says what a quarantine decision does: "store" (default)
	// keeps the message in mailward's quarantine, fsynced, and then tells
	// the MTA to discard it, so review and release work as for the relay
	// (release goes through next_hop); "hold" asks the MTA to put it in
	// its own hold queue (Postfix: `postsuper -H` releases) and stores
	// nothing in mailward.
	Quarantine string `yaml:"quarantine"`
}

// Milter quarantine modes.
const (
	MilterStore = "store"
	MilterHold  = "hold"
)

func (m *Milter) applyDefaults() {
	if m.Quarantine == "" {
		m.Quarantine = MilterStore
	}
}

func (m *Milter) validate(v *validator) {
	if m.Listen != "" {
		host, _, err := splitHostPort(m.Listen)
		if err != nil {
			v.errorf("milter.listen", "%v", err)
		} else if a, err := netip.ParseAddr(host); err != nil || a.IsUnspecified() || !isPrivate(netip.PrefixFrom(a, a.BitLen())) {
			// Anyone who reaches the socket can ask for verdicts and
			// learn the rules: the milter protocol has no login.
			v.warnf("milter.listen", "%s is not a loopback or private address: the milter protocol has no authentication", host)
		}
	}
	if m.Quarantine != MilterStore && m.Quarantine != MilterHold {
		v.errorf("milter.quarantine", "must be %q or %q, got %q", MilterStore, MilterHold, m.Quarantine)
	}
}
