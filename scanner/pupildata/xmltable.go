package pupildata

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/mailward/mailward/scanner"
)

// XML exports (DfE Common Transfer File, school census, Children in Need
// census, school workforce census) reach the scanner as text: extraction
// reads an XML attachment as its markup. Their records are read here as
// tables instead: a run of sibling elements of one name, each holding
// child elements (<Pupil>, <Child>, <SchoolWorkforceMember>), is a table
// whose rows are the records and whose headings are the names of the
// leaf elements and attributes below each record ("PersonBirthDate",
// "FSMeligible"). Namespaces are ignored: only local names count.

// Bounds of the XML reader: enough records to judge any export, and a
// fixed cost for a hostile file.
const (
	maxXMLBytes    = 32 << 20
	maxXMLElements = 400000
	maxXMLDepth    = 64
	maxXMLFields   = 200
	maxXMLRows     = 20000
)

// xmlNode is one element of the parsed tree.
type xmlNode struct {
	name     string
	text     string
	attrs    []xml.Attr
	children []*xmlNode
}

// xmlAttachment reports an attachment that holds XML data (not markup for
// reading: HTML and SVG are read elsewhere).
func xmlAttachment(a *scanner.Attachment) bool {
	ext := strings.ToLower(path.Ext(a.FileName))
	isXML := ext == ".xml" || ext == ".ctf" || ext == ".cml"
	for _, t := range []string{a.DeclaredType, a.SniffedType} {
		mt, _, _ := mime.ParseMediaType(t)
		if mt == "text/xml" || mt == "application/xml" {
			isXML = true
		}
	}
	if !isXML {
		return false
	}
	d := bytes.TrimLeft(bytes.TrimPrefix(a.Data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(d) > 0 && d[0] == '<'
}

// xmlTables reads the repeated records of an XML document as tables, one
// per kind of record. A document too broken to parse, or past the reader's
// bounds, yields the tables of what was read, and unread says what was
// not (empty when the document was read whole): the scanner reports it as
// unscannable, for records past a bound are where an export would hide.
func xmlTables(data []byte) (tables []scanner.Table, unread string) {
	if len(data) > maxXMLBytes {
		data = data[:maxXMLBytes]
		unread = fmt.Sprintf("XML beyond %d bytes", maxXMLBytes)
	}
	root, treeUnread := parseXMLTree(data)
	if unread == "" {
		unread = treeUnread
	}
	if root == nil {
		return nil, unread
	}
	note := func(why string) {
		if unread == "" {
			unread = why
		}
	}
	if root.name == "Workbook" {
		if tbs := spreadsheetML(root, note); len(tbs) > 0 {
			return tbs, unread
		}
	}
	var out []scanner.Table
	var walk func(n *xmlNode, depth int)
	walk = func(n *xmlNode, depth int) {
		if depth > maxXMLDepth {
			return
		}
		groups := map[string][]*xmlNode{}
		var order []string
		for _, c := range n.children {
			// A record holds child elements, or is written as one
			// element with its fields as attributes.
			if len(c.children) == 0 && len(c.attrs) < 2 {
				continue
			}
			if groups[c.name] == nil {
				order = append(order, c.name)
			}
			groups[c.name] = append(groups[c.name], c)
		}
		for _, name := range order {
			g := groups[name]
			if len(g) >= 2 {
				out = append(out, recordTable(name, g, note))
				continue
			}
			walk(g[0], depth+1)
		}
	}
	walk(root, 0)
	return out, unread
}

// recordTable flattens records into rows: each leaf element and attribute
// below a record is a field. A leaf name met again under a different
// parent ("Surname" of a contact below a pupil's own "Surname") is named
// with its parent ("Contact Surname"); repeated values of one field are
// joined.
// note is told of records or fields past the bounds.
func recordTable(name string, recs []*xmlNode, note func(string)) scanner.Table {
	index := map[string]int{}
	var header []string
	var rows [][]string
	for _, r := range recs {
		if len(rows) >= maxXMLRows {
			note(fmt.Sprintf("XML records beyond %d of one kind", maxXMLRows))
			break
		}
		row := make([]string, len(header), len(header)+4)
		parentOf := map[string]string{}
		set := func(field, parent, val string) {
			if p, ok := parentOf[field]; ok && p != parent {
				field = parent + " " + field
			}
			parentOf[field] = parent
			i, ok := index[field]
			if !ok {
				if len(header) >= maxXMLFields {
					note(fmt.Sprintf("XML fields beyond %d in one record", maxXMLFields))
					return
				}
				i = len(header)
				index[field] = i
				header = append(header, field)
			}
			for len(row) <= i {
				row = append(row, "")
			}
			if row[i] == "" {
				row[i] = val
			} else if val != "" && len(row[i]) < 200 {
				row[i] += "; " + val
			}
		}
		var flat func(n *xmlNode, parent string)
		flat = func(n *xmlNode, parent string) {
			for _, a := range n.attrs {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space == "xsi" {
					continue
				}
				set(a.Name.Local, n.name, strings.TrimSpace(a.Value))
			}
			for _, c := range n.children {
				if len(c.children) == 0 {
					if len(c.attrs) > 0 {
						flat(c, n.name)
					}
					set(c.name, n.name, c.text)
					continue
				}
				flat(c, c.name)
			}
		}
		flat(r, r.name)
		rows = append(rows, row)
	}
	return scanner.Table{Name: name, Rows: append([][]string{header}, rows...)}
}

// parseXMLTree builds the element tree, within maxXMLElements and
// maxXMLDepth. Character data is kept for leaf elements only. unread says
// what a bound or a parse error left out.
func parseXMLTree(data []byte) (root *xmlNode, unread string) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []*xmlNode
	var text strings.Builder
	elements := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return root, unread
		}
		if err != nil {
			return root, fmt.Sprintf("XML after a parse error at byte %d", d.InputOffset())
		}
		if elements >= maxXMLElements {
			return root, fmt.Sprintf("XML beyond %d elements", maxXMLElements)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			n := &xmlNode{name: t.Name.Local, attrs: t.Attr}
			text.Reset()
			if len(stack) == 0 {
				if root != nil {
					return root, "XML after its first root element"
				}
				root = n
			} else if len(stack) < maxXMLDepth {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if unread == "" {
				unread = fmt.Sprintf("XML nested deeper than %d", maxXMLDepth)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			n := stack[len(stack)-1]
			if len(n.children) == 0 {
				n.text = strings.TrimSpace(text.String())
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if text.Len() < 1024 {
				text.Write(t)
			}
		}
	}
}

// spreadsheetML reads an Excel 2003 XML workbook (<Workbook><Worksheet
// ss:Name><Table><Row><Cell ss:Index><Data>), which older MIS reports
// export as ".xml": its rows are rows already.
func spreadsheetML(root *xmlNode, note func(string)) []scanner.Table {
	var out []scanner.Table
	for _, ws := range root.children {
		if ws.name != "Worksheet" {
			continue
		}
		name := attrValue(ws, "Name")
		for _, tbl := range ws.children {
			if tbl.name != "Table" {
				continue
			}
			var rows [][]string
			for _, r := range tbl.children {
				if r.name != "Row" {
					continue
				}
				if len(rows) >= maxXMLRows {
					note(fmt.Sprintf("spreadsheet rows beyond %d", maxXMLRows))
					break
				}
				var row []string
				for _, c := range r.children {
					if c.name != "Cell" {
						continue
					}
					if i, err := strconv.Atoi(attrValue(c, "Index")); err == nil && i > len(row) && i <= maxXMLFields {
						for len(row) < i-1 {
							row = append(row, "")
						}
					}
					val := c.text
					for _, d := range c.children {
						if d.name == "Data" {
							val = d.text
						}
					}
					if len(row) < maxXMLFields {
						row = append(row, val)
					} else {
						note(fmt.Sprintf("spreadsheet cells beyond %d in one row", maxXMLFields))
					}
				}
				rows = append(rows, row)
			}
			if len(rows) > 0 {
				out = append(out, scanner.Table{Name: name, Rows: rows})
			}
		}
	}
	return out
}

func attrValue(n *xmlNode, local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
