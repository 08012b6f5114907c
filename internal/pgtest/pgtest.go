// Package pgtest gives tests a real PostgreSQL server and a database of
// their own on it.
//
// Server finds one: DATABASE_URL when set, else the server on
// 127.0.0.1:5432 with trust authentication (user postgres), else one it
// starts itself (initdb and postgres from the Debian package postgresql,
// in a temporary folder on a free port, as an unprivileged user). Start
// always starts its own, for tests that kill it. Tests skip with a clear
// message when none of these is possible.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database creates a fresh database on a server found by Server and drops
// it when the test ends. It returns the database's URL.
func Database(t testing.TB) string {
	t.Helper()
	return NewDatabase(t, Server(t))
}

// Server returns the URL of a PostgreSQL server's maintenance database.
func Server(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	local := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if ping(local) == nil {
		return local
	}
	return Start(t).URL
}

func ping(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// NewDatabase creates a database with a random name on the server at
// base and drops it (with any connection left) when the test ends.
func NewDatabase(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "mwtest_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Skipf("PostgreSQL not reachable at %s: %v", redact(base), err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return // the server went away with the test's own instance
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable url)"
	}
	return p.Redacted()
}

// Instance is a PostgreSQL server this package started.
type Instance struct {
	// URL names the maintenance database "postgres" as user postgres.
	URL  string
	Port int

	t    testing.TB
	data string
	bin  string
	cred *syscall.Credential
	cmd  *exec.Cmd
	log  *os.File
}

// binDir finds the PostgreSQL server programs.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(ms) == 0 {
		return "", fmt.Errorf("initdb not found (Debian: apt-get install postgresql)")
	}
	return filepath.Dir(ms[len(ms)-1]), nil
}

// Start runs initdb and postgres in a temporary folder on a free loopback
// port, with trust authentication, and stops the server when the test
// ends. As root it runs them as the user postgres (or nobody): PostgreSQL
// refuses to run as root.
func Start(t testing.TB) *Instance {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		t.Skip(err.Error())
	}
	root, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	in := &Instance{t: t, data: filepath.Join(root, "data"), bin: bin}
	if os.Geteuid() == 0 {
		in.cred = unprivileged(t)
		os.Chmod(root, 0o755)
		os.Chown(root, int(in.cred.Uid), int(in.cred.Gid))
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", in.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: in.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	in.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", in.Port)
	in.log, err = os.Create(filepath.Join(root, "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	if in.cred != nil {
		os.Chown(in.log.Name(), int(in.cred.Uid), int(in.cred.Gid))
	}
	in.Restart()
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(in.log.Name())
			t.Logf("postgres log (last 3000 bytes):\n%s", tail(string(b), 3000))
		}
	})
	return in
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func unprivileged(t testing.TB) *syscall.Credential {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	t.Skip("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")
	return nil
}

// Restart starts the server again on the same folder and port (after
// Kill: crash recovery) and waits until it accepts connections.
func (in *Instance) Restart() {
	in.t.Helper()
	cmd := exec.Command(filepath.Join(in.bin, "postgres"), "-D", in.data, "-p", strconv.Itoa(in.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+filepath.Dir(in.data),
		"-c", "max_connections=100", "-c", "fsync=on")
	cmd.Stdout, cmd.Stderr = in.log, in.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: in.cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		in.t.Fatalf("postgres: %v", err)
	}
	in.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ping(in.URL)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(in.log.Name())
			in.t.Fatalf("postgres did not start: %v\n%s", err, tail(string(b), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Kill ends the server and all its processes at once with SIGKILL, as a
// crash or a power cut would (no shutdown checkpoint).
func (in *Instance) Kill() {
	if in.cmd == nil {
		return
	}
	syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	in.cmd.Wait()
	in.cmd = nil
	// Backends may outlive the postmaster for a moment: wait for the port.
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port), 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down cleanly (fast mode).
func (in *Instance) Stop() {
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { in.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	in.cmd = nil
}

// Exec runs one statement on the maintenance database (ALTER SYSTEM,
// pg_reload_conf, ...).
func Exec(t testing.TB, u, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", strings.SplitN(sql, " ", 3)[:2], err)
	}
}
