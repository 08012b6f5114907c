package links

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for the image formats mail carries
	_ "image/jpeg"
	_ "image/png"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/mailward/mailward/scanner"
)

// qrText is the text of one QR code and the place of its image.
type qrText struct {
	place string
	text  string
}

// qrImageTypes are the sniffed types searched for QR codes.
var qrImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}

// qrCodes reads the QR codes of the message's images (attachments and
// inline images), at most MaxImages of them, skipping any larger than
// MaxImageBytes or MaxImagePixels. An image without a code, or one the
// decoder cannot read, yields nothing: most images hold no code, so a
// failure to find one is no reason to call the message unscannable.
func (d *Detector) qrCodes(ctx context.Context, m *scanner.Message) ([]qrText, error) {
	var out []qrText
	n := 0
	for _, a := range m.Attachments {
		if !qrImageTypes[a.SniffedType] || len(a.Data) == 0 || len(a.Data) > d.o.MaxImageBytes {
			continue
		}
		if n >= d.o.MaxImages {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("links: qr codes: %w", err)
		}
		n++
		for _, t := range decodeQR(a.Data, d.o.MaxImagePixels) {
			out = append(out, qrText{place: strconv.Itoa(a.Index), text: t})
		}
	}
	return out, nil
}

// decodeQR returns the texts of the QR codes in an encoded image, none
// when it is too large, cannot be decoded or holds no code.
func decodeQR(data []byte, maxPixels int) (texts []string) {
	defer func() {
		if recover() != nil {
			texts = nil // a decoder bug on a hostile image finds nothing
		}
	}()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels || cfg.Width < 21 || cfg.Height < 21 {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	if cfg.Width*cfg.Height > qrScalePixels {
		// A code in a large photo is large too: search a smaller copy
		// (decoding a 16-megapixel photo took 1.6 s, its copy 0.2 s).
		if img = shrink(img, cfg.Width*cfg.Height); img == nil {
			return nil
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil
	}
	if rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, nil); err == nil && len(rs) > 0 {
		for _, r := range rs {
			if s := strings.TrimSpace(r.GetText()); s != "" {
				texts = append(texts, s)
			}
		}
		return texts
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	if r, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
		if s := strings.TrimSpace(r.GetText()); s != "" {
			texts = append(texts, s)
		}
	}
	return texts
}

// qrScalePixels is the size above which an image is searched at a
// smaller scale.
const qrScalePixels = 2_500_000

// shrink returns a grey copy of img scaled down by a whole factor to at
// most qrScalePixels, each pixel the mean of its block (nil when that
// leaves too few pixels for a code).
func shrink(img image.Image, pixels int) image.Image {
	f := 1
	for pixels/(f*f) > qrScalePixels {
		f++
	}
	b := img.Bounds()
	w, h := b.Dx()/f, b.Dy()/f
	if w < 21 || h < 21 {
		return nil
	}
	var lum func(x, y int) int // luminance 0..255 at absolute x, y
	switch m := img.(type) {
	case *image.YCbCr:
		lum = func(x, y int) int { return int(m.Y[m.YOffset(x, y)]) }
	case *image.Gray:
		lum = func(x, y int) int { return int(m.Pix[m.PixOffset(x, y)]) }
	case *image.NRGBA:
		lum = func(x, y int) int {
			i := m.PixOffset(x, y)
			return (299*int(m.Pix[i]) + 587*int(m.Pix[i+1]) + 114*int(m.Pix[i+2])) / 1000
		}
	case *image.RGBA:
		lum = func(x, y int) int {
			i := m.PixOffset(x, y)
			return (299*int(m.Pix[i]) + 587*int(m.Pix[i+1]) + 114*int(m.Pix[i+2])) / 1000
		}
	case *image.Paletted:
		grey := make([]int, len(m.Palette))
		for i, c := range m.Palette {
			grey[i] = int(color.GrayModel.Convert(c).(color.Gray).Y)
		}
		lum = func(x, y int) int {
			if i := int(m.Pix[m.PixOffset(x, y)]); i < len(grey) {
				return grey[i]
			}
			return 0
		}
	default:
		lum = func(x, y int) int { return int(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y) }
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < f; dy++ {
				for dx := 0; dx < f; dx++ {
					sum += lum(b.Min.X+x*f+dx, b.Min.Y+y*f+dy)
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}
