package directory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadYAMLAndCSVAgree(t *testing.T) {
	for _, file := range []string{"testdata/people.yaml", "testdata/people.csv"} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			d, err := Open(file, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != 5 {
				t.Fatalf("%d people, want 5", d.Len())
			}
			p, ok := d.Lookup("<J.SMITH@trust.example>")
			if !ok || p.Manager != "head@trust.example" || p.Role != "staff" || !p.In("maths") || !p.In("Year7-Tutors") || p.In("pupil") {
				t.Fatalf("j.smith: %+v %v", p, ok)
			}
			if !p.MaySendAs("office@trust.example") || p.MaySendAs("head@trust.example") {
				t.Fatalf("j.smith send_as: %+v", p.SendAs)
			}
			if p, _ := d.Lookup("head@trust.example"); p.Title != "Head Teacher" || len(p.SendAs) != 0 {
				t.Fatalf("head: %+v", p)
			}
			if n := len(d.People()); n != 5 {
				t.Fatalf("People: %d, want 5", n)
			}
			if p, _ := d.Lookup("7a.pupil@pupils.trust.example"); !p.In("pupil") {
				t.Fatalf("pupil: %+v", p)
			}
			if _, ok := d.Lookup("stranger@example.com"); ok {
				t.Fatal("stranger found")
			}
		})
	}
}

func TestLoadErrorsNameTheLine(t *testing.T) {
	for file, want := range map[string][]string{
		"testdata/bad.yaml":     {"line 4: address", "line 6: a@trust.example listed twice", "line 8: b@trust.example: manager", "line 11: c@trust.example: role is required"},
		"testdata/unknown.yaml": {"manger"},
		"testdata/bad.csv":      {`line 1: unknown column "boss"`},
	} {
		_, err := Load(file)
		if err == nil {
			t.Fatalf("%s: no error", file)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", file, err, w)
			}
		}
	}
}

func TestReloadKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	write := func(s string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, mod, mod)
	}
	base := time.Now().Add(-time.Hour)
	write("address,role\na@trust.example,staff\n", base)
	d, err := Open(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	d.now = func() time.Time { return now }
	write("address,role,manager\na@trust.example,staff,b@trust.example\nb@trust.example,staff,\n", base.Add(time.Second))
	if _, ok := d.Lookup("b@trust.example"); ok {
		t.Fatal("reloaded before the interval")
	}
	now = now.Add(2 * time.Minute)
	if p, ok := d.Lookup("a@trust.example"); !ok || p.Manager != "b@trust.example" {
		t.Fatalf("not reloaded: %+v", p)
	}
	write("address,role\nbroken,staff\n", base.Add(2*time.Second))
	now = now.Add(2 * time.Minute)
	if _, ok := d.Lookup("b@trust.example"); !ok {
		t.Fatal("a broken file replaced the directory")
	}
}
