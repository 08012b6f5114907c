package nexthop

// Slots reports how many of an SMTP hop's sessions (next_hop.max_sessions)
// are in use, for the mailward_next_hop_sessions gauge.
func (h *SMTP) Slots() (inUse, max int) { return len(h.slots), cap(h.slots) }

// SlotsOf reports h's sessions in use and its limit; ok is false for a hop
// without a session limit (maildir).
func SlotsOf(h Hop) (inUse, max int, ok bool) {
	s, isSMTP := h.(*SMTP)
	if !isSMTP {
		return 0, 0, false
	}
	inUse, max = s.Slots()
	return inUse, max, true
}
