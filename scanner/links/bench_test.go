package links

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
)

// BenchmarkScanPlain50K: an ordinary 50 KB message with a few links.
func BenchmarkScanPlain50K(b *testing.B) {
	var body strings.Builder
	for body.Len() < 50<<10 {
		body.WriteString("The governors met on Tuesday (see https://www.oakfield.sch.uk/governors/minutes and bbc.co.uk/news) and agreed the budget.\r\n")
	}
	m, err := scanner.Parse(eml("minutes", body.String(), false), scanner.Envelope{Direction: scanner.Outbound})
	if err != nil {
		b.Fatal(err)
	}
	d, err := New(config.Default().Links)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body.String())))
	for b.Loop() {
		if _, err := d.Scan(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQRNoCode: the cost of searching a large photo that holds no
// code (the common case), at the default pixel bound.
func BenchmarkQRNoCode(b *testing.B) {
	for _, side := range []int{1000, 4000} {
		img := image.NewGray(image.Rect(0, 0, side, side))
		r := rand.New(rand.NewPCG(1, 2))
		for i := range img.Pix {
			img.Pix[i] = uint8(r.IntN(256))
		}
		img.SetGray(0, 0, color.Gray{})
		var buf bytes.Buffer
		png.Encode(&buf, img)
		b.Run(strings.Repeat("x", 0)+itoa(side), func(b *testing.B) {
			for b.Loop() {
				if got := decodeQR(buf.Bytes(), 16_000_000); len(got) != 0 {
					b.Fatal("code found in noise")
				}
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
