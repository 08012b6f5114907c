package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkSchema walks the parsed YAML beside the Go type it decodes into and
// returns one Error per problem, each naming the dotted key path and its
// line: unknown keys (with the nearest known key at that level as a
// suggestion) and values of the wrong type. yaml.v3 alone stops at the first
// unknown key and reports type errors by line only, without the key.
//
// Doing this on yaml.v3's node tree rather than switching decoders keeps
// every custom UnmarshalYAML (Duration) and the exact decoding rules the
// config has always had: the decoder still decides what a value means, the
// walk only says where it went wrong.
func checkSchema(n *yaml.Node, t reflect.Type) Errors {
	var errs Errors
	walkSchema(n, t, "", &errs)
	return errs
}

var (
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func walkSchema(n *yaml.Node, t reflect.Type, path string, errs *Errors) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkSchema(c, t, path, errs)
		}
		return
	case yaml.AliasNode:
		walkSchema(n.Alias, t, path, errs)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the default
	}
	custom := reflect.PointerTo(t).Implements(yamlUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	for !custom && t.Kind() == reflect.Pointer {
		t = t.Elem()
		custom = reflect.PointerTo(t).Implements(yamlUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	}
	switch {
	case custom:
		// The type reads itself; let it say what is wrong.
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" { // a merge key: its mapping holds the same keys
				walkSchema(v, t, path, errs)
				continue
			}
			f, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{Key: join(path, k.Value), Line: k.Line, Msg: unknownKeyMsg(k.Value, fields)})
				continue
			}
			walkSchema(v, f, join(path, k.Value), errs)
		}
		return
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			walkSchema(c, t.Elem(), join(path, fmt.Sprint(i)), errs)
		}
		return
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				*errs = append(*errs, &Error{Key: join(path, "?"), Line: k.Line, Msg: "want a plain key"})
				continue
			}
			walkSchema(v, t.Elem(), join(path, k.Value), errs)
		}
		return
	}
	// A leaf, or a node of the wrong shape: let yaml.v3 decode it alone.
	err := n.Decode(reflect.New(t).Interface())
	if err == nil && !custom && isInt(t) && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
		// yaml.v3 would silently cut 3.5 down to 3.
		err = fmt.Errorf("not a whole number")
	}
	if err != nil {
		key := path
		if key == "" {
			key = "(top level)"
		}
		*errs = append(*errs, &Error{Key: key, Line: n.Line, Msg: typeMsg(n, t, custom, err)})
	}
}

// yamlFields maps the YAML keys of a struct to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownKeyMsg names the unknown key and the nearest known one, if any is
// near enough to be a likely typo.
func unknownKeyMsg(key string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	slices.Sort(known)
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf("field %s not found; did you mean %q?", key, s)
	}
	if len(known) <= 12 {
		return fmt.Sprintf("field %s not found (known here: %s)", key, strings.Join(known, ", "))
	}
	return fmt.Sprintf("field %s not found", key)
}

// suggest returns the known key nearest to key by edit distance, when it
// is within about a third of the key's length (at least 1), else "".
func suggest(key string, known []string) string {
	best, bestD := "", -1
	for _, k := range known {
		d := editDistance(strings.ToLower(key), k)
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	if bestD < 0 || bestD > max(1, (len(key)+1)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// typeMsg says in words what the key wants and what it got.
func typeMsg(n *yaml.Node, t reflect.Type, custom bool, err error) string {
	if custom {
		msg := err.Error()
		// Duration's own message starts with its line; the Error has it.
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		return msg
	}
	got := "a list"
	switch n.Kind {
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.ScalarNode:
		got = fmt.Sprintf("%q", n.Value)
	}
	return fmt.Sprintf("want %s, got %s", want(t), got)
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping (key: value)"
	}
	return t.String()
}
