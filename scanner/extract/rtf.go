package extract

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// rtfSkip are destinations whose content is not shown as text.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"themedata": true, "colorschememapping": true, "datastore": true, "latentstyles": true,
	"listtable": true, "listoverridetable": true, "rsidtbl": true, "generator": true,
	"xmlnstbl": true, "mmathPr": true, "fldinst": true, "filetbl": true, "revtbl": true,
	"objdata": true, "objclass": true, "bkmkstart": true, "bkmkend": true, "pgdsctbl": true,
}

type rtfState struct {
	skip    bool
	objdata bool
	uc      int
}

// rtfItem reads an RTF document's text and extracts embedded OLE objects
// (\objdata), the usual carrier of exploits in RTF.
func (w *walker) rtfItem(it *Item) {
	text, objects := rtfText(it.Data)
	w.charge(int64(len(text)), it.Index)
	w.addText(it, KindAttachment, text)
	if len(objects) > 0 {
		it.addTrait(TraitOLEObject)
	}
	for i, obj := range objects {
		if !w.deeper(it) {
			return
		}
		if j := bytes.Index(obj, magicOLE); j >= 0 {
			obj = obj[j:]
		}
		c := w.newItem(it, fmt.Sprintf("object%d.bin", i+1), "", obj)
		w.inspect(c)
	}
}

// rtfText returns the visible text of an RTF document and the decoded data
// of its embedded objects.
func rtfText(b []byte) (string, [][]byte) {
	var out strings.Builder
	var objects [][]byte
	var hexbuf []byte
	st := rtfState{uc: 1}
	var stack []rtfState
	deep := 0 // groups beyond the stack bound
	pendingSkip := 0
	dec := charmap.Windows1252
	emit := func(r rune) {
		if st.skip {
			return
		}
		if pendingSkip > 0 {
			pendingSkip--
			return
		}
		out.WriteRune(r)
	}
	for i := 0; i < len(b) && out.Len() < 16<<20; i++ {
		c := b[i]
		switch c {
		case '{':
			if len(stack) < 1000 {
				stack = append(stack, st)
			} else {
				deep++
			}
			if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == '*' {
				st.skip = true
			}
		case '}':
			if st.objdata && len(hexbuf) > 0 {
				if d, err := hex.DecodeString(string(hexbuf[:len(hexbuf)/2*2])); err == nil && len(d) > 0 && len(objects) < 100 {
					objects = append(objects, d)
				}
				hexbuf = nil
			}
			if deep > 0 {
				deep--
			} else if len(stack) > 0 {
				st = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case '\\':
			if i+1 >= len(b) {
				break
			}
			n := b[i+1]
			switch {
			case n == '\'':
				if i+3 < len(b) {
					v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8)
					if err == nil {
						r := dec.DecodeByte(byte(v))
						emit(r)
					}
					i += 3
				} else {
					i++
				}
			case n == '\\' || n == '{' || n == '}':
				emit(rune(n))
				i++
			case n == '~':
				emit(' ')
				i++
			case n == '\r' || n == '\n':
				emit('\n')
				i++
			case n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z':
				j := i + 1
				for j < len(b) && (b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z') && j-i < 40 {
					j++
				}
				word := string(b[i+1 : j])
				k := j
				if k < len(b) && (b[k] == '-' || b[k] >= '0' && b[k] <= '9') {
					k++
					for k < len(b) && b[k] >= '0' && b[k] <= '9' && k-j < 12 {
						k++
					}
				}
				param, hasParam := 0, k > j
				if hasParam {
					param, _ = strconv.Atoi(string(b[j:k]))
				}
				if k < len(b) && b[k] == ' ' {
					k++
				}
				i = k - 1
				switch word {
				case "par", "line", "sect", "page", "row":
					emit('\n')
				case "tab", "cell":
					emit('\t')
				case "u":
					if param < 0 {
						param += 65536
					}
					emit(rune(param))
					if !st.skip {
						pendingSkip = st.uc
					}
				case "uc":
					st.uc = param
				case "ansicpg":
					if cm := codePage(param); cm != nil {
						dec = cm
					}
				case "objdata":
					st.skip, st.objdata = true, true
				default:
					if rtfSkip[word] {
						st.skip = true
					}
				}
			default:
				i++ // control symbol such as \- or \_
			}
		case '\r', '\n':
		default:
			if st.objdata {
				if isHex(c) && len(hexbuf) < 64<<20 {
					hexbuf = append(hexbuf, c)
				}
				continue
			}
			if c < 0x80 {
				emit(rune(c))
			} else {
				emit(dec.DecodeByte(c))
			}
		}
	}
	return strings.TrimSpace(out.String()), objects
}

func codePage(n int) *charmap.Charmap {
	switch n {
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1252:
		return charmap.Windows1252
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1255:
		return charmap.Windows1255
	case 1256:
		return charmap.Windows1256
	case 1257:
		return charmap.Windows1257
	}
	return nil
}
