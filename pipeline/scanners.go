package pipeline

import (
	"github.com/mailward/mailward/config"
	"github.com/mailward/mailward/scanner"
	"github.com/mailward/mailward/scanner/attachment"
	"github.com/mailward/mailward/scanner/authcheck"
	"github.com/mailward/mailward/scanner/chainmail"
	"github.com/mailward/mailward/scanner/clamav"
	"github.com/mailward/mailward/scanner/credentials"
	"github.com/mailward/mailward/scanner/impersonation"
	"github.com/mailward/mailward/scanner/links"
	"github.com/mailward/mailward/scanner/offensive"
	"github.com/mailward/mailward/scanner/pupildata"
)

// buildScanners lists the detectors in the order their findings are most
// useful to read. Each detector adds itself here, configured from its own
// config section; resources to release go on p.close.
func (p *Pipeline) buildScanners(cfg *config.Config) ([]scanner.Scanner, error) {
	var s []scanner.Scanner
	p.extract = scanner.ParseLimits{MaxDepth: cfg.Extract.MaxDepth, MaxEntries: cfg.Extract.MaxEntries,
		MaxParts: cfg.Extract.MaxParts, MaxBytes: cfg.Extract.MaxBytes, MaxRatio: cfg.Extract.MaxRatio,
		MaxTextBytes: cfg.Extract.MaxTextBytes, Budget: cfg.Extract.Budget.D()}
	s = append(s, attachment.New(cfg.BlockedExtension))
	if cfg.ClamAV.Address != "" {
		av, err := clamav.New(clamav.Options{Address: cfg.ClamAV.Address, Timeout: cfg.ClamAV.Timeout.D(),
			ConnectTimeout: cfg.ClamAV.ConnectTimeout.D(), MaxStreamBytes: cfg.ClamAV.MaxStreamBytes})
		if err != nil {
			return nil, err
		}
		s = append(s, av)
	}
	if cfg.PupilData.IsEnabled() {
		s = append(s, pupildata.New(cfg.PupilData))
	}
	off, err := offensive.New(cfg.Offensive, cfg.ReportAddresses)
	if err != nil {
		return nil, err
	}
	s = append(s, off, chainmail.New(cfg.ChainMail, cfg.ReportAddresses))
	if im := cfg.Impersonation; im.IsEnabled() {
		o := impersonation.Options{Domains: cfg.Domains, Correspondents: im.Correspondents, RoleWords: im.RoleWords,
			AllowSenders: im.AllowSenders, Outbound: im.CheckOutbound()}
		if p.track != nil {
			o.Directory = p.track.dir
		}
		s = append(s, impersonation.New(o))
	}
	if cfg.Authentication.IsEnabled() {
		s = append(s, authcheck.New(cfg))
	}
	if cfg.Links.IsEnabled() {
		ln, err := links.New(cfg.Links)
		if err != nil {
			return nil, err
		}
		s = append(s, ln)
	}
	if cfg.Credentials.IsEnabled() {
		s = append(s, credentials.New(cfg.Credentials))
	}
	return s, nil
}
