package pipeline

import (
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/blockedext"
	"github.com/mailward/mailward/scanner/pupildata"
)

// buildScanners lists the detectors in the order their findings are most
// useful to read. Each detector adds itself here, configured from its own
// config section; resources to release go on p.close.
func (p *Pipeline) buildScanners(cfg *config.Config) ([]scanner.Scanner, error) {
	var s []scanner.Scanner
	s = append(s, blockedext.New(cfg.BlockedExtension))
	if cfg.PupilData.IsEnabled() {
		s = append(s, pupildata.New(cfg.PupilData))
	}
	return s, nil
}
