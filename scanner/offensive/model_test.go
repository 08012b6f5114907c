package offensive

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/model_golden.tsv from the embedded model")

// goldenTexts are scored by the embedded model in TestModelGolden.
var goldenTexts = []string{
	"Please find attached the minutes of the governors' meeting.",
	"you are a useless idiot",
	"immigrants are ruining this country",
	"I will find you and hurt you",
	"what a f*cking joke this timetable is",
	"Muslim pupils may use the prayer room during Ramadan.",
	"go back to where you came from",
	"thanks so much, you're a star",
}

// TestModelGolden: the embedded model loads and scores a fixed set of texts
// exactly as recorded when it was trained (to 1e-4), so a changed feature
// extraction or a corrupted model file fails here, in every build, even
// without the training data. Rewrite with -update after retraining.
func TestModelGolden(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(defaultLexicon(t), m)
	score := func(text string) [NumHeads]float64 {
		sum := m.Sum(a.ExampleFeatures(text))
		var p [NumHeads]float64
		for h := range p {
			p[h] = m.Prob(h, sum[h])
		}
		return p
	}
	const path = "testdata/model_golden.tsv"
	if *update {
		var b strings.Builder
		b.WriteString("# text\tabusive\thate\tthreat (written by go test -run TestModelGolden -update)\n")
		for _, text := range goldenTexts {
			p := score(text)
			fmt.Fprintf(&b, "%s\t%.4f\t%.4f\t%.4f\n", text, p[0], p[1], p[2])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != NumHeads+1 {
			t.Fatalf("bad golden line %q", sc.Text())
		}
		got := score(cols[0])
		for h := range got {
			want, _ := strconv.ParseFloat(cols[h+1], 64)
			if math.Abs(got[h]-want) > 1e-4 {
				t.Errorf("%q %s: %.4f, recorded %.4f", cols[0], HeadNames[h], got[h], want)
			}
		}
		n++
	}
	if n != len(goldenTexts) {
		t.Errorf("%d golden lines, want %d", n, len(goldenTexts))
	}
}

// TestModelLoad: the embedded model adds under 60 MB of heap (the issue's
// limit). Its load time is a goal for BenchmarkModelLoad, not a timed test.
func TestModelLoad(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := ReadModel(strings.NewReader(string(embeddedModel)))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	added := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	t.Logf("heap added %.1f MB, file %d KB", added, len(embeddedModel)/1024)
	if added > 60 {
		t.Errorf("model adds %.1f MB of heap, want under 60", added)
	}
	runtime.KeepAlive(m)
}

// BenchmarkModelLoad is reading the embedded model at start-up (goal:
// under 200 ms, reported as ms/load).
func BenchmarkModelLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := ReadModel(strings.NewReader(string(embeddedModel))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
}
