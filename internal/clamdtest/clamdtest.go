// Package clamdtest runs a real clamd (Debian package clamav-daemon) for
// tests, with a signature database the test writes itself (no freshclam,
// no internet), listening on loopback TCP and a unix socket.
package clamdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailward/mailward/scanner/clamav"
)

// Clamd is a running clamd.
type Clamd struct {
	// TCP and Unix are clamav.address values: tcp://127.0.0.1:PORT and
	// unix:/path.
	TCP, Unix string
	cmd       *exec.Cmd
}

// Start runs clamd until the test ends, or skips the test when clamd is
// not installed. streamMax is clamd's StreamMaxLength ("25M"); db maps
// signature file names (x.hdb, x.ndb) to their contents.
func Start(t testing.TB, streamMax string, db map[string]string) *Clamd {
	t.Helper()
	bin := "/usr/sbin/clamd"
	if _, err := os.Stat(bin); err != nil {
		p, lerr := exec.LookPath("clamd")
		if lerr != nil {
			t.Skip("clamd not installed (Debian package clamav-daemon): these tests need a real clamd")
		}
		bin = p
	}
	dir := t.TempDir()
	dbDir := filepath.Join(dir, "db")
	if err := os.Mkdir(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range db {
		write(t, filepath.Join(dbDir, name), content)
	}
	port := freePort(t)
	sock := filepath.Join(dir, "clamd.sock")
	conf := filepath.Join(dir, "clamd.conf")
	write(t, conf, fmt.Sprintf("Foreground yes\nLocalSocket %s\nTCPSocket %d\nTCPAddr 127.0.0.1\nDatabaseDirectory %s\n"+
		"LogFile %s\nStreamMaxLength %s\nMaxThreads 2\nBytecode no\n", sock, port, dbDir, filepath.Join(dir, "clamd.log"), streamMax))
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start clamd: %v", err)
	}
	c := &Clamd{TCP: fmt.Sprintf("tcp://127.0.0.1:%d", port), Unix: "unix:" + sock, cmd: cmd}
	t.Cleanup(c.Stop)
	client, err := clamav.NewClient(c.Unix)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := client.Ping(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
			t.Fatalf("clamd did not answer PING: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

// Stop ends clamd (the test's cleanup does too; stopping twice is fine).
func (c *Clamd) Stop() {
	if c.cmd.Process != nil && c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

func write(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
