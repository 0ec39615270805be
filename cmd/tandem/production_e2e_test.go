package main_test

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tandem/store/storetest"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tandemCmd(env ...string) *exec.Cmd {
	cmd := exec.Command(binary)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "TEMPORAL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// TestProductionCommands runs the production commands against PostgreSQL and an external
// Temporal (a `tandem dev` process plays the cluster): serve refuses an unmigrated database
// and names the fix; migrate up prepares it; serve and worker then run and a workflow goes
// through them.
func TestProductionCommands(t *testing.T) {
	db := storetest.NewPostgresDatabase(t)
	temporalPort := freePort(t)
	// The "cluster": a dev process on another database, serving Temporal on a known port.
	clusterDB := storetest.NewPostgresDatabase(t)
	cluster := exec.Command(binary, "dev", "--addr", freeAddr(t), "--data", t.TempDir(), "--temporal-port", strconv.Itoa(temporalPort), "--ui-port", "0")
	cluster.Env = append(os.Environ(), "DATABASE_URL="+clusterDB, "TANDEM_ADMIN_PASSWORD=cluster-password")
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cluster.Process.Kill(); _ = cluster.Wait() }()
	env := []string{"DATABASE_URL=" + db, "TEMPORAL_ADDRESS=127.0.0.1:" + strconv.Itoa(temporalPort), "TANDEM_ADMIN_PASSWORD=" + adminPassword,
		"TANDEM_PUBLIC_URL=https://tandem.example.gov.cn"}

	// serve without TANDEM_PUBLIC_URL refuses (its letters' links would follow the Host header).
	noURL := tandemCmd(append(env[:3:3], "TANDEM_ADDR="+freeAddr(t))...)
	noURL.Args = append(noURL.Args, "serve")
	if out, err := noURL.CombinedOutput(); err == nil || !strings.Contains(string(out), "TANDEM_PUBLIC_URL") {
		t.Fatalf("serve without TANDEM_PUBLIC_URL: %v %s", err, out)
	}

	// serve on an unmigrated database refuses and says what to run.
	stale := tandemCmd(append(env, "TANDEM_ADDR="+freeAddr(t))...)
	stale.Args = append(stale.Args, "serve")
	out, err := stale.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "tandem migrate up") {
		t.Fatalf("serve on an unmigrated database: %v\n%s", err, out)
	}

	migrate := tandemCmd(env...)
	migrate.Args = append(migrate.Args, "migrate", "up")
	if out, err := migrate.CombinedOutput(); err != nil || !strings.Contains(string(out), "schema at version") {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	check := tandemCmd(env...)
	check.Args = append(check.Args, "migrate", "check")
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("migrate check: %v\n%s", err, out)
	}

	worker := tandemCmd(env...)
	worker.Args = append(worker.Args, "worker")
	var wout bytes.Buffer
	worker.Stdout, worker.Stderr = &wout, &wout
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	serve := tandemCmd(append(env, "TANDEM_ADDR="+addr)...)
	serve.Args = append(serve.Args, "serve")
	var sout bytes.Buffer
	serve.Stdout, serve.Stderr = &sout, &sout
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Kill(); _ = serve.Wait() }()

	var s *session
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				s = loginAs(t, "http://"+addr, "admin", adminPassword)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready:\n%s\nworker:\n%s", sout.String(), wout.String())
		}
	}
	// A workflow through serve → the external Temporal → a worker → this database.
	if got := s.must(200, "POST", "/system/self-check", nil); got["database"] != "postgres" {
		t.Fatalf("self-check %v", got)
	}
	// The worker stops cleanly on SIGTERM.
	_ = worker.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- worker.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker exit: %v\n%s", err, wout.String())
		}
	case <-time.After(20 * time.Second):
		_ = worker.Process.Kill()
		t.Fatal("worker did not stop on SIGTERM")
	}
}
