package chainmail

// phraseSet finds every occurrence of a fixed set of ASCII phrases in one
// pass over a text: an Aho-Corasick automaton compiled to a dense DFA over a
// small alphabet (the bytes the phrases use, plus one class for every other
// byte). It replaces one strings.Index scan per phrase (over a hundred of
// them per 50 KB body) with one table look-up per byte.
//
// The DFA is built once at init and read-only afterwards, so one phraseSet
// serves any number of goroutines.
type phraseSet struct {
	phrases []string
	maxLen  int // of the longest phrase
	class   [256]uint32
	nclass  int
	// next[s+class] is the state after s reads a byte of that class.
	// States are numbered premultiplied by nclass, so the hot loop has no
	// multiplication, and those where a phrase ends come last (from
	// finalFrom on), so spotting one needs no extra load.
	next      []uint32
	finalFrom uint32
	// out[s/nclass] lists the phrases that end when the automaton enters
	// s, including those ending at a proper suffix (the failure chain).
	out [][]uint16
}

// newPhraseSet compiles phrases; with fold, ASCII capitals match the
// lowercase letters of the phrases (phrases must then be lowercase).
func newPhraseSet(phrases []string, fold bool) *phraseSet {
	p := &phraseSet{phrases: phrases}
	// Alphabet: class 0 is every byte no phrase uses.
	for _, ph := range phrases {
		if ph == "" {
			panic("chainmail: empty phrase")
		}
		p.maxLen = max(p.maxLen, len(ph))
		for i := 0; i < len(ph); i++ {
			c := ph[i]
			if p.class[c] == 0 {
				p.nclass++
				p.class[c] = uint32(p.nclass)
			}
		}
	}
	p.nclass++
	if fold {
		for c := 'A'; c <= 'Z'; c++ {
			p.class[c] = p.class[c+'a'-'A']
		}
	}
	// Trie; -1 is "no edge yet".
	type node struct {
		edge []int32
		out  []uint16
	}
	newNode := func() node {
		e := make([]int32, p.nclass)
		for i := range e {
			e[i] = -1
		}
		return node{edge: e}
	}
	nodes := []node{newNode()}
	for id, ph := range phrases {
		s := 0
		for i := 0; i < len(ph); i++ {
			c := p.class[ph[i]]
			if nodes[s].edge[c] < 0 {
				nodes = append(nodes, newNode())
				nodes[s].edge[c] = int32(len(nodes) - 1)
			}
			s = int(nodes[s].edge[c])
		}
		nodes[s].out = append(nodes[s].out, uint16(id))
	}
	if uint64(len(nodes))*uint64(p.nclass) >= 1<<31 || len(phrases) > 1<<16 {
		panic("chainmail: phrase set too large")
	}
	// Breadth-first: failure links, inherited outputs and the missing
	// edges of the DFA (those of the failure state).
	fail := make([]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < p.nclass; c++ {
		if t := nodes[0].edge[c]; t < 0 {
			nodes[0].edge[c] = 0
		} else {
			fail[t] = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out = append(nodes[s].out, nodes[fail[s]].out...)
		for c := 0; c < p.nclass; c++ {
			t := nodes[s].edge[c]
			if t < 0 {
				nodes[s].edge[c] = nodes[fail[s]].edge[c]
				continue
			}
			fail[t] = nodes[fail[s]].edge[c]
			queue = append(queue, t)
		}
	}
	// Renumber: the root stays 0, final states go last.
	num := make([]uint32, len(nodes))
	k := uint32(0)
	for pass := 0; pass < 2; pass++ {
		for s, n := range nodes {
			if (len(n.out) > 0) == (pass == 1) {
				num[s] = k
				k++
			}
		}
		if pass == 0 {
			p.finalFrom = k * uint32(p.nclass)
		}
	}
	p.next = make([]uint32, len(nodes)*p.nclass)
	p.out = make([][]uint16, len(nodes))
	for s, n := range nodes {
		base := int(num[s]) * p.nclass
		for c, t := range n.edge {
			p.next[base+c] = num[t] * uint32(p.nclass)
		}
		p.out[num[s]] = n.out
	}
	return p
}

// A phraseHit packs one occurrence: the offset just after it (end) in the
// high bits and the phrase's index in the low 16.
type phraseHit uint64

func (h phraseHit) id() int  { return int(h & 0xffff) }
func (h phraseHit) end() int { return int(h >> 16) }

// interleaveMin is the text length from which appendHits runs four
// automata side by side: each byte costs one dependent load, so one
// automaton is bound by memory latency, not by the CPU's throughput.
const interleaveMin = 2048

// appendHits appends to dst every occurrence of every phrase in text, in
// order of end (as each reports them), and returns dst. Long texts are cut
// in four parts scanned side by side; each part's automaton first reads the
// maxLen bytes before it, which is all the state an automaton of phrases
// no longer than that keeps, and reports only phrases ending inside its
// part. scratch holds the later parts' hits meanwhile.
func appendHits[T string | []byte](p *phraseSet, text T, dst []phraseHit, scratch *[3][]phraseHit) []phraseHit {
	next, class, finalFrom, nc := p.next, &p.class, p.finalFrom, uint32(p.nclass)
	if len(text) < interleaveMin || len(text) < 8*p.maxLen {
		s := uint32(0)
		for i := 0; i < len(text); i++ {
			s = next[s+class[text[i]]]
			if s >= finalFrom {
				for _, id := range p.out[s/nc] {
					dst = append(dst, phraseHit(uint64(i+1)<<16|uint64(id)))
				}
			}
		}
		return dst
	}
	maxLen := p.maxLen
	l := len(text) / 4
	var st [4]uint32
	for k := 1; k < 4; k++ {
		for i := k*l - maxLen; i < k*l; i++ {
			st[k] = next[st[k]+class[text[i]]]
		}
		scratch[k-1] = scratch[k-1][:0]
	}
	t0, t1, t2, t3 := text[:l], text[l:2*l], text[2*l:3*l], text[3*l:]
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	report := func(k int, s uint32, end int) {
		for _, id := range p.out[s/nc] {
			h := phraseHit(uint64(end)<<16 | uint64(id))
			if k == 0 {
				dst = append(dst, h)
			} else {
				scratch[k-1] = append(scratch[k-1], h)
			}
		}
	}
	t1, t2, t3l := t1[:l], t2[:l], t3[:l]
	for j := 0; j < l; j++ {
		s0 = next[s0+class[t0[j]]]
		s1 = next[s1+class[t1[j]]]
		s2 = next[s2+class[t2[j]]]
		s3 = next[s3+class[t3l[j]]]
		if s0 >= finalFrom || s1 >= finalFrom || s2 >= finalFrom || s3 >= finalFrom {
			if s0 >= finalFrom {
				report(0, s0, j+1)
			}
			if s1 >= finalFrom {
				report(1, s1, l+j+1)
			}
			if s2 >= finalFrom {
				report(2, s2, 2*l+j+1)
			}
			if s3 >= finalFrom {
				report(3, s3, 3*l+j+1)
			}
		}
	}
	for j := l; j < len(t3); j++ {
		s3 = next[s3+class[t3[j]]]
		if s3 >= finalFrom {
			report(3, s3, 3*l+j+1)
		}
	}
	for _, hs := range scratch {
		dst = append(dst, hs...)
	}
	return dst
}
