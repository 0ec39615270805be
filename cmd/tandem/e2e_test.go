package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tandem/store/storetest"
	"tandem/testclock"
)

// binary is the tandem binary under test: TANDEM_BINARY, or one built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	binary = os.Getenv("TANDEM_BINARY")
	if binary == "" {
		dir, err := os.MkdirTemp("", "tandem-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(dir, "tandem")
		build := exec.Command("go", "build", "-o", binary, ".")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build tandem:", err)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

const adminPassword = "e2e-admin-password"

// devProcess is a running `tandem dev`.
type devProcess struct {
	cmd    *exec.Cmd
	base   string
	output *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDev starts `tandem dev` on a data folder and waits until /readyz answers 200; env
// (KEY=value) is added last, so it wins.
func startDev(t *testing.T, data, databaseURL string, env ...string) *devProcess {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "dev", "--addr", addr, "--data", data, "--temporal-port", "0", "--ui-port", "0")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TANDEM_ADMIN_PASSWORD="+adminPassword, "TANDEM_LOG_LEVEL=warn")
	if testclock.Shifted() { // make test-dates: the binary's clock on TANDEM_TEST_DATE's day
		cmd.Env = append(cmd.Env, "TANDEM_TEST_CLOCK="+testclock.Day(time.Now()).Format(time.RFC3339))
	}
	if databaseURL != "" {
		cmd.Env = append(cmd.Env, "DATABASE_URL="+databaseURL)
	}
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, base: "http://" + addr, output: &out}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("tandem dev output:\n%s", out.String())
		}
	})
	for time.Since(start) < 60*time.Second {
		res, err := http.Get(p.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				t.Logf("readyz 200 after %v", time.Since(start).Round(time.Millisecond))
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("tandem dev not ready within 60s:\n%s", out.String())
	return nil
}

// kill ends the process with SIGKILL, as a crash would.
func (p *devProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

type session struct {
	t     *testing.T
	base  string
	token string
}

func (s *session) call(method, path string, body any, headers ...string) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+"/api/v1"+path, r)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (s *session) must(want int, method, path string, body any, headers ...string) map[string]any {
	s.t.Helper()
	status, out := s.call(method, path, body, headers...)
	if status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func loginAs(t *testing.T, base, user, pw string) *session {
	t.Helper()
	s := &session{t: t, base: base}
	out := s.must(200, "POST", "/auth/login", map[string]string{"username": user, "password": pw})
	s.token = out["token"].(string)
	return s
}

// TestDevEndToEnd runs scenario 2 of acceptance.md against the real binary, runs a workflow
// through the embedded Temporal server, kills the process with SIGKILL, restarts it on the
// same data folder and finds everything again.
func TestDevEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		data := t.TempDir()
		p := startDev(t, data, dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)

		// Scenario 2: the nets and the users.
		county := admin.unit("青山县", "region", "county", nil)
		townA := admin.unit("东风街道", "region", "township", county)
		townB := admin.unit("南湖镇", "region", "township", county)
		admin.unit("青山经济开发区", "region", "park", townA)
		admin.unit("非公经济组织行业党委", "industry", "committee", nil)
		admin.unit("律师行业党委", "industry", "committee", nil)
		user := func(name, unitID, role string) {
			admin.must(201, "POST", "/users", map[string]any{"username": name, "password": "password-" + name,
				"memberships": []map[string]string{{"unit_id": unitID, "role": role}}})
		}
		user("inspector-a", townA, "inspector")
		user("inspector-b", townB, "inspector")
		user("secretary-a", townA, "secretary")
		user("officer-a", townA, "officer")
		user("officer-county", county, "officer")

		inspB := loginAs(t, p.base, "inspector-b", "password-inspector-b")
		if units := inspB.must(200, "GET", "/units", nil)["items"].([]any); len(units) != 1 {
			t.Fatalf("inspector of township B sees %d units, want 1", len(units))
		}
		offCounty := loginAs(t, p.base, "officer-county", "password-officer-county")
		if units := offCounty.must(200, "GET", "/units", nil)["items"].([]any); len(units) != 4 {
			t.Fatalf("county officer sees %d units, want 4 (county, two townships, park)", len(units))
		}
		if status, _ := offCounty.call("POST", "/users", map[string]any{"username": "x-user", "password": "password-123"}); status != 403 {
			t.Fatalf("officer creating a user: %d, want 403", status)
		}

		// A workflow through the embedded Temporal server, run by the in-process worker.
		check := admin.must(200, "POST", "/system/self-check", nil)
		if check["database"] != db {
			t.Fatalf("self-check ran against %v, want %s", check["database"], db)
		}

		// A process in flight: a drill task waiting for township A's secretary.
		officerA := loginAs(t, p.base, "officer-a", "password-officer-a")
		officerA.must(202, "POST", "/drills", map[string]any{"unit_id": townA, "role": "secretary"})
		secA := loginAs(t, p.base, "secretary-a", "password-secretary-a")
		waitFor(t, func() bool { return len(secA.must(200, "GET", "/tasks", nil)["items"].([]any)) == 1 })

		p.kill(t)
		p = startDev(t, data, dbURL)

		// The task is still there, once, and the workflow takes its completion.
		secA.base = p.base
		tasks := secA.must(200, "GET", "/tasks", nil)["items"].([]any)
		if len(tasks) != 1 {
			t.Fatalf("after restart the secretary has %d tasks, want 1", len(tasks))
		}
		done := secA.must(200, "POST", "/tasks/"+tasks[0].(map[string]any)["id"].(string)+"/complete",
			map[string]any{"result": map[string]any{"acknowledged": true}})
		if done["status"] != "completed" {
			t.Fatalf("completion after restart: %v", done)
		}

		admin.base = p.base
		if units := admin.must(200, "GET", "/units?limit=200", nil)["items"].([]any); len(units) != 6 {
			t.Fatalf("after restart: %d units, want 6", len(units))
		}
		offCounty.base = p.base
		if me := offCounty.must(200, "GET", "/me", nil); me["username"] != "officer-county" {
			t.Fatalf("token from before the restart: %v", me)
		}
		admin.must(200, "POST", "/system/self-check", nil)
		// The audit trail kept every change, once.
		audit := admin.must(200, "GET", "/audit?limit=200&actor=admin", nil)["items"].([]any)
		if len(audit) != 11 { // six units and five users
			t.Fatalf("audit has %d records by admin, want 11", len(audit))
		}
		if n := len(admin.must(200, "GET", "/tasks?scope=visible&status=all", nil)["items"].([]any)); n != 1 {
			t.Fatalf("%d tasks in all, want 1 (nothing duplicated)", n)
		}
		if !strings.Contains(p.output.String(), "Tandem is running") {
			t.Fatalf("no start banner in output:\n%s", p.output.String())
		}
	})
}

// eachDatabase runs fn as a subtest once on SQLite (url "") and once on a fresh PostgreSQL
// database (skipped without one).
func eachDatabase(t *testing.T, fn func(t *testing.T, db, url string)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = storetest.NewPostgresDatabase(t)
			}
			fn(t, db, url)
		})
	}
}

// unit creates a unit as the session's user and returns its ID.
func (s *session) unit(name, net, kind string, parent any) string {
	s.t.Helper()
	return s.must(201, "POST", "/units", map[string]any{"name": name, "net": net, "kind": kind, "parent_id": parent})["id"].(string)
}
