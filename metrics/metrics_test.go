package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestMetricsAndHealth(t *testing.T) {
	Message("outbound", "quarantine", []string{"pupil_data"}, 20*time.Millisecond)
	Error("next_hop")
	code, body := get(t, "/metrics")
	for _, want := range []string{
		`mailward_messages_total{action="quarantine",direction="outbound"} 1`,
		`mailward_findings_total{category="pupil_data"} 1`,
		`mailward_errors_total{place="next_hop"} 1`,
		`mailward_message_seconds_count{direction="outbound"} 1`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "@") {
		t.Error("an address in metrics")
	}
	SetReady(false)
	if code, _ := get(t, "/readyz"); code != 503 {
		t.Errorf("/readyz before ready: %d", code)
	}
	SetReady(true)
	if code, _ := get(t, "/readyz"); code != 200 {
		t.Errorf("/readyz when ready: %d", code)
	}
	if code, _ := get(t, "/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
}
