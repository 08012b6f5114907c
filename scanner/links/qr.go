package links

import (
	"bytes"
	"context"
	"fmt"
	"image"
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
