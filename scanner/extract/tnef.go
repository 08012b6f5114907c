package extract

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// TNEF attribute ids (the low 16 bits of the attribute tag; MS-OXTNEF 2.1.3).
const (
	tnefAttachRendData = 0x9002 // starts a new attachment
	tnefAttachTitle    = 0x8010 // 8-bit file name
	tnefAttachData     = 0x800F // attachment content
	tnefBody           = 0x800C // plain text body
	tnefMaxAttrs       = 10000
)

// tnefItem unpacks winmail.dat (Outlook's TNEF): the body text and each
// attachment, which is then inspected like any other file. Written by hand
// from MS-OXTNEF: the attribute stream is simple, and a reader that stops
// at the first inconsistency is enough to see what Outlook would show.
func (w *walker) tnefItem(it *Item) {
	d := it.Data
	if len(d) < 6 {
		return
	}
	p := d[6:] // signature (4) and legacy key (2)
	type att struct {
		name string
		data []byte
	}
	var atts []*att
	var cur *att
	var body strings.Builder
	for n := 0; len(p) >= 9 && n < tnefMaxAttrs; n++ {
		level := p[0]
		tag := binary.LittleEndian.Uint32(p[1:5])
		size := int(binary.LittleEndian.Uint32(p[5:9]))
		if size < 0 || size > len(p)-9 {
			w.incomplete(it, "TNEF cut short")
			break
		}
		val := p[9 : 9+size]
		p = p[9+size:]
		if len(p) >= 2 {
			p = p[2:] // checksum
		}
		switch id := tag & 0xFFFF; {
		case level == 2 && id == tnefAttachRendData:
			cur = &att{}
			atts = append(atts, cur)
		case level == 2 && id == tnefAttachTitle && cur != nil:
			cur.name = strings.TrimRight(decodeText(val, "", false), "\x00")
		case level == 2 && id == tnefAttachData && cur != nil:
			cur.data = val
		case level == 1 && id == tnefBody:
			body.WriteString(decodeText(val, "", false))
		}
	}
	if len(p) >= 9 {
		w.incomplete(it, fmt.Sprintf("TNEF attributes beyond %d not read", tnefMaxAttrs))
	}
	w.addText(it, KindAttachment, strings.TrimRight(body.String(), "\x00"))
	if len(atts) > 0 {
		it.addTrait(TraitArchive)
	}
	for _, a := range atts {
		if a.data == nil {
			continue
		}
		if !w.deeper(it) {
			return
		}
		c := w.newItem(it, a.name, "", a.data)
		w.inspect(c)
	}
}
