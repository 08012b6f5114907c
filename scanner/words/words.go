// Package words tokenises each text of a message once (package textnorm)
// and shares the words between the detectors that read them, through the
// message's derived values: the tokenizer is the costliest step of the
// text detectors, and the offensive-language and chain-mail detectors read
// the same texts.
package words

import (
	"sync"

	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/textnorm"
)

// Text is one text of a message, read: its normalised words and the
// tokenizer that holds their bytes. Both are read-only once shared.
type Text struct {
	Tok   *textnorm.Tokenizer
	Words []textnorm.Word
}

// shared is what the message keeps under key: each text read at most once,
// by whichever detector asks first.
type shared struct {
	once  []sync.Once
	texts []Text
}

type key struct{}

// Of returns the words of m.Texts[i]. Detectors running concurrently on
// one message share a single reading of each text; the reading lives as
// long as the message.
func Of(m *scanner.Message, i int) Text {
	v, ok := m.Derived(key{})
	if !ok {
		v = m.DerivedOrStore(key{}, &shared{once: make([]sync.Once, len(m.Texts)), texts: make([]Text, len(m.Texts))})
	}
	sh := v.(*shared)
	sh.once[i].Do(func() {
		z := new(textnorm.Tokenizer)
		z.Reserve(len(m.Texts[i].Content))
		sh.texts[i] = Text{Tok: z, Words: z.Words(m.Texts[i].Content)}
	})
	return sh.texts[i]
}
