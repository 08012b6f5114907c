package extract

import (
	"strings"
)

// uufile is a file uuencoded in a text body ("begin 644 name" ... "end").
type uufile struct {
	name string
	data []byte
}

// maxUUFiles bounds the uuencoded files taken from one text.
const maxUUFiles = 100

// uudecode takes uuencoded blocks out of text, returning the text without
// them and the files they held. A block that does not decode cleanly is left
// in the text.
func uudecode(text string) (string, []uufile) {
	lines := strings.SplitAfter(text, "\n")
	var out strings.Builder
	var files []uufile
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r\n")
		name, ok := uuBegin(line)
		if !ok || len(files) >= maxUUFiles {
			out.WriteString(lines[i])
			continue
		}
		var data []byte
		j := i + 1
		good := false
		for ; j < len(lines); j++ {
			l := strings.TrimRight(lines[j], "\r\n")
			if l == "end" {
				good = true
				break
			}
			d, ok := uuLine(l)
			if !ok {
				break
			}
			data = append(data, d...)
		}
		if !good {
			out.WriteString(lines[i])
			continue
		}
		files = append(files, uufile{name: name, data: data})
		i = j
	}
	return out.String(), files
}

// uuBegin parses "begin <octal mode> <name>".
func uuBegin(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "begin ")
	if !ok {
		return "", false
	}
	mode, name, ok := strings.Cut(rest, " ")
	if !ok || len(mode) < 3 || len(mode) > 4 || strings.Trim(mode, "01234567") != "" || strings.TrimSpace(name) == "" {
		return "", false
	}
	return strings.TrimSpace(name), true
}

// uuLine decodes one uuencoded line: a length character, then groups of
// four characters for three bytes.
func uuLine(l string) ([]byte, bool) {
	if l == "" {
		return nil, false
	}
	n := int(l[0]-' ') & 63
	if n == 0 {
		return nil, true // the "`" line before "end"
	}
	body := l[1:]
	if len(body) < (n+2)/3*4 {
		return nil, false
	}
	out := make([]byte, 0, n+2)
	for k := 0; k+4 <= len(body) && len(out) < n; k += 4 {
		var c [4]byte
		for m := 0; m < 4; m++ {
			ch := body[k+m]
			if ch < ' ' || ch > '`' {
				return nil, false
			}
			c[m] = (ch - ' ') & 63
		}
		out = append(out, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
	}
	if len(out) < n {
		return nil, false
	}
	return out[:n], true
}
