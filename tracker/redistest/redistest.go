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
	"strings"
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

// startArgs runs redis-server with extra arguments on a free port; with
// sentinel set ("name host port quorum") it runs a sentinel instead.
func startArgs(t testing.TB, sentinel string, extra ...string) *Server {
	t.Helper()
	bin := Binary
	if _, err := os.Stat(bin); err != nil {
		t.Skip(ErrNoServer.Error())
	}
	dir := t.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--loglevel", "warning", "--dir", dir}, extra...)
		if sentinel != "" {
			// A sentinel reads, and rewrites, a config file of its own.
			conf := fmt.Sprintf("%s/sentinel-%d.conf", dir, port)
			text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nloglevel warning\nsentinel monitor %s\n", port, dir, sentinel)
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			args = []string{conf, "--sentinel"}
		}
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s := &Server{URL: "redis://" + addr, Addr: addr, cmd: cmd}
		if s.wait(5 * time.Second) {
			t.Cleanup(s.Stop)
			return s
		}
		s.Stop()
	}
	t.Fatal("redis-server did not come up")
	return nil
}

// StartCluster runs a three-node Redis Cluster (each node owns a third of
// the slots, no replicas) and returns a URL for tracker.Dial:
// redis://node1?addr=node2&addr=node3.
func StartCluster(t testing.TB) string {
	t.Helper()
	var nodes []*Server
	for i := 0; i < 3; i++ {
		nodes = append(nodes, startArgs(t, "", "--cluster-enabled", "yes", "--cluster-config-file",
			fmt.Sprintf("nodes-%d-%d.conf", os.Getpid(), time.Now().UnixNano())))
	}
	ctx := context.Background()
	ranges := [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}
	for i, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.Addr})
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", ranges[i][0], ranges[i][1]).Err(); err != nil {
			t.Fatalf("addslots: %v", err)
		}
		if i > 0 {
			host, port, _ := net.SplitHostPort(nodes[0].Addr)
			if err := c.Do(ctx, "CLUSTER", "MEET", host, port).Err(); err != nil {
				t.Fatalf("meet: %v", err)
			}
		}
		c.Close()
	}
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ok := true
		for _, n := range nodes {
			c := redis.NewClient(&redis.Options{Addr: n.Addr})
			info, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(end) {
			t.Fatal("cluster did not become ready")
		}
	}
	return fmt.Sprintf("redis://%s?addr=%s&addr=%s", nodes[0].Addr, nodes[1].Addr, nodes[2].Addr)
}

// StartSentinel runs a master and one sentinel watching it as "mymaster"
// and returns a URL for tracker.Dial: redis://sentinel?master_name=mymaster.
func StartSentinel(t testing.TB) string {
	t.Helper()
	master := startArgs(t, "")
	host, port, _ := net.SplitHostPort(master.Addr)
	s := startArgs(t, "mymaster "+host+" "+port+" 1")
	ctx := context.Background()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if a, err := c.GetMasterAddrByName(ctx, "mymaster").Result(); err == nil && len(a) == 2 {
			break
		}
		if time.Now().After(end) {
			t.Fatal("sentinel does not know the master")
		}
	}
	return "redis://" + s.Addr + "?master_name=mymaster"
}
