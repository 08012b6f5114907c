package config

import (
	"fmt"
	"path/filepath"
)

// Tracking is message tracking (package msglog): one metadata record per
// message (time, queue id, client, direction, envelope addresses, size,
// action, rule, categories and scores, reply, quarantine id), never
// content, kept for log.retention_days. On by default, in an embedded
// database under the quarantine folder; with store.url (issue 15) the
// shared store keeps it instead.
//
//	tracking:
//	  enabled: true
//	  path: ./var/quarantine/tracking/messages.db
//	  queue: 10000                # records waiting; a full queue drops (counted), never delays mail
//	  batch: 500                  # records per write transaction
//	  monthly_report: true        # e-mail the trend report to alerts.management on the 1st
//	  report_staff_names: false   # reports name reviewers only when policy allows
type Tracking struct {
	Enabled *bool  `yaml:"enabled"`
	Path    string `yaml:"path"`
	Queue   int    `yaml:"queue"`
	Batch   int    `yaml:"batch"`
	// MonthlyReport sends last month's trend report to alerts.management
	// once a month (nothing is sent while that list is empty).
	MonthlyReport *bool `yaml:"monthly_report"`
	// ReportStaffNames lets reports name reviewers (the time-to-review
	// table by person). Off by default: counts and trends only.
	ReportStaffNames bool `yaml:"report_staff_names"`
}

// On reports whether message tracking is enabled.
func (t Tracking) On() bool { return t.Enabled == nil || *t.Enabled }

// Monthly reports whether the monthly report job runs.
func (t Tracking) Monthly() bool { return t.On() && (t.MonthlyReport == nil || *t.MonthlyReport) }

func (t *Tracking) applyDefaults(quarantineDir string) {
	if t.Path == "" {
		t.Path = filepath.Join(quarantineDir, "tracking", "messages.db")
	}
	if t.Queue == 0 {
		t.Queue = 10000
	}
	if t.Batch == 0 {
		t.Batch = 500
	}
}

func (t *Tracking) validate(v *validator) {
	if t.Queue < 1 || t.Queue > 10_000_000 {
		v.errorf("tracking.queue", "must be between 1 and 10000000, got %d", t.Queue)
	}
	if t.Batch < 1 || t.Batch > 10000 {
		v.errorf("tracking.batch", "must be between 1 and 10000, got %d", t.Batch)
	}
	if t.Path == "" {
		v.errorf("tracking.path", "must not be empty")
	}
}

// String describes the tracking settings for the start-up log line.
func (t Tracking) String() string {
	if !t.On() {
		return "off"
	}
	return fmt.Sprintf("sqlite:%s", t.Path)
}
