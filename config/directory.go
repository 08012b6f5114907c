package config

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/mailward/mailward/directory"
)

// Directory configures the staff directory: who is staff, pupil, governor or
// IT, and who is each person's line manager (for alerts and for rules on
// sender and recipient groups).
//
//	directory:
//	  file: /etc/mailward/people.yaml   # or .csv: address,name,role,manager[,groups]
//	  reload: 5m                         # re-read the file when it changed
type Directory struct {
	// File is a YAML or CSV file, chosen by extension (.yaml, .yml, .csv).
	File string `yaml:"file"`
	// Reload is how often the file is checked for changes. Default 5m.
	Reload Duration `yaml:"reload"`
}

func (x *Directory) applyDefaults() {
	setDur(&x.Reload, 5*time.Minute)
}

func (x *Directory) validate(v *validator) {
	if x.File != "" {
		switch strings.ToLower(filepath.Ext(x.File)) {
		case ".yaml", ".yml", ".csv":
		default:
			v.errorf("directory.file", "want a .yaml, .yml or .csv file, got %q", x.File)
			return
		}
		// check-config reads the file too, so a broken export is caught
		// before serve starts.
		if _, err := directory.Load(x.File); err != nil {
			v.errorf("directory.file", "%v", err)
		}
	}
	if x.Reload.D() < time.Second {
		v.errorf("directory.reload", "must be at least 1s")
	}
}
