package directory

import (
	"os"
	"testing"
)

// FuzzParse: a directory export from an MIS or HR system may be malformed
// in any way; parsing it must return an error, never panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/people.csv", "testdata/bad.csv", "testdata/people.yaml", "testdata/bad.yaml", "testdata/unknown.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("address,role\n\"a@b,staff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if es, err := parseCSV(data); err == nil {
			for _, e := range es {
				_ = Normalize(e.Address)
			}
		}
		parseYAML(data)
	})
}
