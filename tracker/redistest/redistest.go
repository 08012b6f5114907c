// Package redistest gives tests a real Redis: the one at $REDIS_URL, or a
// private redis-server started on a free port for the test and stopped after
// it. It never fakes Redis: the tracker's guarantees are about Redis itself
// (Lua atomicity, TTLs, a second client seeing the same counts).
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binary is where the Debian redis-server package installs the server.
const Binary = "/usr/bin/redis-server"

// Shared returns $REDIS_URL moved to database db (a redis:// URL's path),
// or "" when REDIS_URL is not set. Each package's tests use their own
// database of a shared Redis, so that one package's digest flush never
// claims another's queues while `go test ./...` runs them side by side.
func Shared(db int) string {
	u := os.Getenv("REDIS_URL")
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "redis" && p.Scheme != "rediss") {
		return u
	}
	p.Path = fmt.Sprintf("/%d", db)
	return p.String()
}

// URL returns $REDIS_URL when set, otherwise the URL of a private server
// started with Start.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return Start(t).URL
}

// Server is a private redis-server process.
type Server struct {
	URL  string
	Addr string
	cmd  *exec.Cmd
}

// Start runs a private redis-server on a free port, without persistence,
// and stops it when the test ends. The test is skipped when no redis-server
// is installed (Debian package redis-server).
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := StartServer(t.TempDir())
	if errors.Is(err, ErrNoServer) {
		t.Skip(err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// ErrNoServer says that redis-server is not installed.
var ErrNoServer = errors.New("redis-server not installed (Debian package redis-server) and REDIS_URL not set")

// StartServer is Start for TestMain: the caller stops the server.
func StartServer(dir string) (*Server, error) {
	bin := Binary
	if _, err := os.Stat(bin); err != nil {
		p, lerr := exec.LookPath("redis-server")
		if lerr != nil {
			return nil, ErrNoServer
		}
		bin = p
	}
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
			"--dir", dir)
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		s := &Server{URL: "redis://" + addr + "/0", Addr: addr, cmd: cmd}
		if s.wait(5 * time.Second) {
			return s, nil
		}
		s.Stop()
	}
	return nil, fmt.Errorf("redis-server did not come up")
}

func (s *Server) wait(d time.Duration) bool {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		if s.cmd.ProcessState != nil {
			return false
		}
	}
	return false
}

// Stop kills the server and waits for it; calling it twice is harmless.
func (s *Server) Stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
