package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
	data := strings.ReplaceAll(string(raw), "/etc/mailward/", fakeEtc(t)+"/")

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

// fakeEtc makes the files the sample and the recipes name under
// /etc/mailward/ in a temporary folder and returns it.
func fakeEtc(t *testing.T) string {
	t.Helper()
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
	return etc
}

// TestRecipeConfigs: every mailward config in the deployment recipes
// (docs/deploy-*.md) validates as written. A yaml block starting with
// "domains:" is a whole config; any other is a change to the file's last
// whole config, its top-level keys replacing that config's.
func TestRecipeConfigs(t *testing.T) {
	files, err := filepath.Glob("../docs/deploy-*.md")
	if err != nil || len(files) < 4 {
		t.Fatalf("recipes: %v %v", files, err)
	}
	etc := fakeEtc(t)
	blockRE := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var base map[string]any
		blocks := blockRE.FindAllStringSubmatch(string(raw), -1)
		if len(blocks) == 0 {
			t.Errorf("%s: no yaml config", f)
		}
		for i, b := range blocks {
			text := strings.ReplaceAll(b[1], "/etc/mailward/", etc+"/")
			if !strings.HasPrefix(text, "domains:") {
				var part map[string]any
				if err := yaml.Unmarshal([]byte(text), &part); err != nil || base == nil {
					t.Errorf("%s block %d: a change with no whole config before it (%v)", f, i+1, err)
					continue
				}
				merged := map[string]any{}
				for k, v := range base {
					merged[k] = v
				}
				for k, v := range part {
					merged[k] = v
				}
				out, _ := yaml.Marshal(merged)
				text = string(out)
			} else if err := yaml.Unmarshal([]byte(text), &base); err != nil {
				t.Errorf("%s block %d: %v", f, i+1, err)
				continue
			}
			c, err := Parse([]byte(text))
			if err != nil {
				t.Errorf("%s block %d does not validate:\n%v", f, i+1, err)
				continue
			}
			t.Logf("%s block %d: ok, warnings %q", filepath.Base(f), i+1, c.Warnings)
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
