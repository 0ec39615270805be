package main_test

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"tandem/store/storetest"
)

// TestBackupRestoreDrill is the drill of docs/operations.md: with a task open in a running
// workflow, Tandem and Temporal stop; scripts/backup-drill.sh dumps the domain database and
// Temporal's two; a fresh PostgreSQL cluster gets them restored; Temporal and Tandem start on
// it and the secretary finds the same task, completes it, and its workflow completes.
func TestBackupRestoreDrill(t *testing.T) {
	began := time.Now()
	db := storetest.NewPostgresDatabase(t)
	cluster := startTemporalCluster(t)
	env := func(databaseURL, temporal string) []string {
		return []string{"DATABASE_URL=" + databaseURL, "TEMPORAL_ADDRESS=" + temporal, "TEMPORAL_NAMESPACE=" + cluster.Namespace,
			"TANDEM_ADMIN_PASSWORD=" + adminPassword, "TANDEM_PUBLIC_URL=https://tandem.example.gov.cn", "TANDEM_LOG_LEVEL=warn"}
	}
	logs := t.TempDir()
	migrate := tandemCmd(env(db, cluster.Address)...)
	migrate.Args = append(migrate.Args, "migrate", "up")
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	worker := startTandem(t, env(db, cluster.Address), logs, "worker", "worker")
	serve := startTandem(t, env(db, cluster.Address), logs, "serve", "serve")
	serve.waitReady(t)

	admin := loginAs(t, serve.base, "admin", adminPassword)
	county := admin.unit("青山县", "region", "county", nil)
	town := admin.unit("东风街道", "region", "township", county)
	for _, u := range []struct{ name, role string }{{"officer-a", "officer"}, {"secretary-a", "secretary"}} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": town, "role": u.role}}})
	}
	loginAs(t, serve.base, "officer-a", "password-officer-a").must(202, "POST", "/drills", map[string]any{"unit_id": town, "role": "secretary"})
	sec := loginAs(t, serve.base, "secretary-a", "password-secretary-a")
	task := nextTask(t, sec, "drill.acknowledge")

	// A cold backup: everything stopped, then one dump per database.
	if err := serve.stop(20 * time.Second); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := worker.stop(20 * time.Second); err != nil {
		t.Fatalf("worker: %v", err)
	}
	cluster.Stop()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	domainDB := strings.TrimPrefix(u.Path, "/")
	dumps := t.TempDir()
	out := drillScript(t, "backup", os.Getenv(storetest.PostgresEnv), dumps, domainDB, cluster.Databases["temporal"], cluster.Databases["visibility"])
	t.Logf("backup:\n%s", out)

	// Restore into a fresh cluster; Temporal and Tandem start there.
	fresh := startFreshPostgres(t)
	t.Logf("restore:\n%s", drillScript(t, "restore", fresh, dumps))
	fu, _ := url.Parse(fresh)
	restored := runTemporalServer(t, cluster.tools, fu, cluster.Databases, cluster.ports)
	fu.Path = "/" + domainDB
	worker = startTandem(t, env(fu.String(), restored.Address), logs, "worker-restored", "worker")
	serve = startTandem(t, env(fu.String(), restored.Address), logs, "serve-restored", "serve")
	serve.waitReady(t)

	sec = loginAs(t, serve.base, "secretary-a", "password-secretary-a")
	again := nextTask(t, sec, "drill.acknowledge")
	if again["id"] != task["id"] || again["status"] != "open" {
		t.Fatalf("after the restore the secretary's task is %v, want %v open", again, task["id"])
	}
	doTask(t, sec, again, map[string]any{"acknowledged": true})
	tc := restored.Client()
	defer tc.Close()
	wid := task["workflow_id"].(string)
	waitFor(t, func() bool {
		d, err := tc.DescribeWorkflowExecution(context.Background(), wid, "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if err := worker.stop(20 * time.Second); err != nil {
		t.Fatalf("restored worker on SIGTERM: %v", err)
	}
	t.Logf("drill: task %s of workflow %s found again after the restore and completed; took %v", task["id"], wid,
		time.Since(began).Round(time.Millisecond))
}

// drillScript runs scripts/backup-drill.sh and returns its output.
func drillScript(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("./scripts/backup-drill.sh", args...)
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("backup-drill.sh %s: %v\n%s", args[0], err, out)
	}
	return string(out)
}

// startFreshPostgres starts another throwaway PostgreSQL cluster (scripts/postgres.sh) for the
// test and returns its URL; it is stopped and removed when the test ends.
func startFreshPostgres(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", `source scripts/postgres.sh && start_throwaway_postgres >&2 && echo "$DATABASE_URL" && read -r _`)
	cmd.Dir = "../.."
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() }) // its EXIT trap stops the cluster
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "postgres://") {
		t.Fatalf("fresh PostgreSQL did not start: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}
