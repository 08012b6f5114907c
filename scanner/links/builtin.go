package links

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// builtin holds the small category lists shipped with mailward, one file
// per category; data/README.md says where each entry comes from and why.
//
//go:embed data/*.txt
var builtin embed.FS

// LoadBuiltin adds the shipped lists to l.
func LoadBuiltin(l *Lists) error {
	files, err := fs.Glob(builtin, "data/*.txt")
	if err != nil {
		return fmt.Errorf("builtin link lists: %w", err)
	}
	for _, f := range files {
		r, err := builtin.Open(f)
		if err != nil {
			return fmt.Errorf("builtin link lists: %w", err)
		}
		cat := strings.TrimSuffix(path.Base(f), ".txt")
		_, bad, err := l.LoadDomains(r, cat)
		r.Close()
		if err != nil || bad > 0 {
			return fmt.Errorf("builtin link list %s: %d bad lines, %v", f, bad, err)
		}
	}
	return nil
}
