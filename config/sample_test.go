package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mailward/mailward/internal/smtptest"
)

// samplePath is the commented sample config with every key.
const samplePath = "../docs/mailward.sample.yaml"

// schemaKeys lists every dotted key path the type t reads, "*" standing for
// a map key and lists read through to their elements.
func schemaKeys(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	custom := reflect.PointerTo(t).Implements(yamlUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	switch {
	case custom:
	case t.Kind() == reflect.Struct:
		for name, ft := range yamlFields(t) {
			p := join(prefix, name)
			*out = append(*out, p)
			schemaKeys(ft, p, out)
		}
	case t.Kind() == reflect.Map:
		e := t.Elem()
		for e.Kind() == reflect.Pointer || e.Kind() == reflect.Slice {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct {
			schemaKeys(t.Elem(), join(prefix, "*"), out)
		}
	}
}

// yamlKeys lists the dotted key paths present in a YAML tree, the same way;
// maps (keys under a key whose type is a map) are written "*" by the caller's
// schema, so every key here is also recorded under "*" for its parent.
func yamlKeys(n *yaml.Node, prefix string, out map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			yamlKeys(c, prefix, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			for _, k := range []string{n.Content[i].Value, "*"} {
				p := join(prefix, k)
				out[p] = true
				yamlKeys(n.Content[i+1], p, out)
			}
		}
	}
}

// TestSampleConfig: the sample config parses, validates (with its
// /etc/mailward files made real in a temporary folder) and names every key
// the Config struct reads, so it cannot drift from the code.
func TestSampleConfig(t *testing.T) {
	raw, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	etc := t.TempDir()
	ca := smtptest.NewCA(t, "sample CA")
	certFile, keyFile := smtptest.WriteFiles(t, ca.Issue(t, "mailward.trust.example"))
	people, err := os.ReadFile("../directory/testdata/people.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"tls/fullchain.pem": certFile, "tls/privkey.pem": keyFile, "tls/client-ca.pem": ca.WriteCA(t)} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(etc, name), b)
	}
	writeFile(t, filepath.Join(etc, "people.yaml"), people)
	writeFile(t, filepath.Join(etc, "ldap-password"), []byte("secret\n"))
	writeFile(t, filepath.Join(etc, "gambling.txt"), []byte("bet.example\n"))
	writeFile(t, filepath.Join(etc, "ut1", "gambling", "domains"), []byte("bet.example\n"))
	writeFile(t, filepath.Join(etc, "ut1", "adult", "domains"), []byte("adult.example\n"))
	data := strings.ReplaceAll(string(raw), "/etc/mailward/", etc+"/")

	c, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("the sample does not validate:\n%v", err)
	}
	for _, w := range c.Warnings {
		t.Logf("warning: %s", w)
	}

	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	yamlKeys(&root, "", have)
	var want []string
	schemaKeys(reflect.TypeFor[Config](), "", &want)
	slices.Sort(want)
	for _, k := range want {
		if !have[k] {
			t.Errorf("%s: key %s is missing (add it, with a comment, where its section is)", samplePath, k)
		}
	}
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
