package words

import (
	"sync"
	"testing"

	"github.com/mailward/mailward/scanner"
)

// TestOfShared: concurrent readers of one message get the same reading of
// each text, made once; another message gets its own.
func TestOfShared(t *testing.T) {
	m := &scanner.Message{Texts: []scanner.Text{{Content: "Hello f*ck w0rld"}, {Content: "second text"}}}
	var wg sync.WaitGroup
	got := make([]Text, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[g] = Of(m, g%2)
		}()
	}
	wg.Wait()
	for g := range got {
		if got[g].Tok != got[g%2].Tok {
			t.Fatalf("reader %d got its own tokenizer: the text was read twice", g)
		}
	}
	first := Of(m, 0)
	var ws []string
	for _, w := range first.Words {
		ws = append(ws, first.Tok.String(w))
	}
	if len(ws) != 3 || ws[1] != "f*ck" || ws[2] != "world" {
		t.Errorf("words %q", ws)
	}
	other := &scanner.Message{Texts: []scanner.Text{{Content: "Hello f*ck w0rld"}}}
	if Of(other, 0).Tok == first.Tok {
		t.Errorf("two messages share a reading")
	}
}
