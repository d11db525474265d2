package web_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outage tests stop and freeze servers, so they start their own:
// never the shared ones named by DATABASE_URL and REDIS_URL, which other
// tests are using. They need the PostgreSQL and Redis binaries (installed
// by scripts/test-services.sh); without them the tests skip, or fail when
// RESPITE_TEST_REQUIRE_SERVICES=1, as CI sets it.

// needOwn skips the test, or fails it when services are required, for
// want of what.
func needOwn(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("RESPITE_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s (RESPITE_TEST_REQUIRE_SERVICES=1, so this cannot skip; scripts/test-services.sh installs what is needed)", msg)
	}
	t.Skipf("%s; skipping (scripts/test-services.sh installs what is needed)", msg)
}

// freePort returns a loopback TCP port nothing listens on just now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// ownPostgres is a throwaway PostgreSQL cluster of the test's own, which
// the test may stop and start.
type ownPostgres struct {
	bin, dir string
	port     int
	asRoot   bool // run the server binaries as the postgres user
	URL      string
}

// postgresBin finds the directory holding initdb and pg_ctl: the newest
// /usr/lib/postgresql/*/bin (Debian's layout), or else PATH.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startPostgres creates and starts a cluster on a free port, with fsync off
// (the tests need no durability across a machine crash, only across a
// server stop or kill). It is stopped and removed when the test ends. As root the
// binaries run as the postgres user (PostgreSQL refuses to run as root).
func startPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		needOwn(t, "PostgreSQL's initdb and pg_ctl are not installed")
	}
	p := &ownPostgres{bin: bin, port: freePort(t), asRoot: os.Geteuid() == 0}
	dir, err := os.MkdirTemp("", "respite-outage-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() {
		_ = p.run("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(dir)
	})
	if p.asRoot {
		u, err := user.Lookup("postgres")
		if err != nil {
			needOwn(t, "running as root, but there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.run("initdb", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	p.start(t)
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	return p
}

func (p *ownPostgres) data() string { return filepath.Join(p.dir, "data") }

// run runs one of the cluster's binaries (as the postgres user when root),
// from / so that user can enter the working directory.
func (p *ownPostgres) run(name string, args ...string) error {
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if p.asRoot {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (p *ownPostgres) start(t *testing.T) {
	t.Helper()
	// fsync=off is safe here: the tests stop and kill the server process,
	// never the machine, and what PostgreSQL has written is in the OS's
	// cache. synchronous_commit must stay on (the default): with it off a
	// commit is acknowledged before its WAL is written, and an immediate
	// stop then loses writes that were answered 201 — the test caught it.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off", p.port, p.dir)
	if err := p.run("pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "60", "start", "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		t.Fatalf("starting PostgreSQL: %v\n%s", err, log)
	}
}

// stop stops the server in pg_ctl's mode and waits until it has: "fast"
// is what an operator does (sessions are told and ended, transactions in
// flight roll back); "immediate" is a crash (connections just drop, and
// the next start recovers from the write-ahead log).
func (p *ownPostgres) stop(t *testing.T, mode string) {
	t.Helper()
	if err := p.run("pg_ctl", "-D", p.data(), "-m", mode, "-w", "stop"); err != nil {
		t.Fatalf("stopping PostgreSQL: %v", err)
	}
}

// ownRedis is a redis-server process of the test's own, which the test may
// freeze (SIGSTOP), thaw and stop.
type ownRedis struct {
	dir  string
	port int
	cmd  *exec.Cmd
	URL  string
}

// startRedis starts redis-server on a free port, in the foreground as a
// child of the test so that it has the process to signal. It is stopped
// when the test ends.
func startRedis(t *testing.T) *ownRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		needOwn(t, "redis-server is not installed")
	}
	r := &ownRedis{dir: t.TempDir(), port: freePort(t)}
	r.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
	t.Cleanup(func() { r.stop(t) })
	r.start(t)
	return r
}

func (r *ownRedis) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	probe := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1})
	defer probe.Close()
	deadline := time.Now().Add(10 * time.Second)
	for probe.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			t.Fatalf("redis-server did not answer within 10s\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeze stops the process without closing its sockets, as a stalled VM or
// a debugger would: connections stay open and nothing answers.
func (r *ownRedis) freeze(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
}

func (r *ownRedis) thaw(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// stop ends the process (thawing it first, so it can die) and waits.
func (r *ownRedis) stop(t *testing.T) {
	t.Helper()
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT)
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}
