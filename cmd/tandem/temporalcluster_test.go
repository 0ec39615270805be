package main_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"tandem/store/storetest"
	"tandem/workflows"
)

// temporalTools are the official Temporal server and its SQL schema tool, built from the
// module versions go.mod pins (its `tool` lines) into a cache folder keyed by go.sum's hash,
// so that a second run (or a second test) reuses them.
type temporalTools struct {
	server, sqlTool, schemaDir string
}

var (
	toolsOnce  sync.Once
	toolsBuilt temporalTools
	toolsErr   error
)

func buildTemporalTools(t *testing.T) temporalTools {
	t.Helper()
	toolsOnce.Do(func() { toolsBuilt, toolsErr = buildTemporalToolsOnce() })
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	return toolsBuilt
}

func buildTemporalToolsOnce() (temporalTools, error) {
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		return temporalTools{}, err
	}
	h := sha256.Sum256(sum)
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "tandem-e2e", "temporal-"+hex.EncodeToString(h[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return temporalTools{}, err
	}
	tools := temporalTools{server: filepath.Join(dir, "temporal-server"), sqlTool: filepath.Join(dir, "temporal-sql-tool")}
	for bin, pkg := range map[string]string{tools.server: "go.temporal.io/server/cmd/server", tools.sqlTool: "go.temporal.io/server/cmd/tools/sql"} {
		if _, err := os.Stat(bin); err == nil {
			continue
		}
		// Build beside the target and rename, so that a concurrent run never sees half a file.
		tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
		if out, err := exec.Command("go", "build", "-o", tmp, pkg).CombinedOutput(); err != nil {
			return temporalTools{}, fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
		if err := os.Rename(tmp, bin); err != nil {
			return temporalTools{}, err
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		return temporalTools{}, fmt.Errorf("locate the go.temporal.io/server module: %w", err)
	}
	tools.schemaDir = filepath.Join(strings.TrimSpace(string(out)), "schema", "postgresql", "v12")
	return tools, nil
}

// temporalCluster is the official Temporal server (frontend, history, matching and worker in
// one process) on PostgreSQL: its own two databases on the tests' PostgreSQL cluster.
type temporalCluster struct {
	t         *testing.T
	tools     temporalTools
	config    string
	Address   string
	Namespace string
	cmd       *exec.Cmd
	exited    chan struct{} // closed when cmd has ended
	log       *os.File
}

// startTemporalCluster creates Temporal's databases with the schema tool, starts the server,
// registers the namespace and adds Tandem's search attributes (as an operator would).
func startTemporalCluster(t *testing.T) *temporalCluster {
	t.Helper()
	admin := os.Getenv(storetest.PostgresEnv)
	if admin == "" {
		t.Skip("the Temporal cluster test needs PostgreSQL: " + storetest.PostgresEnv + " is not set (make test sets it)")
	}
	tools := buildTemporalTools(t)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	dbs := map[string]string{"temporal": "temporal_" + suffix, "visibility": "temporal_visibility_" + suffix}
	sqlArgs := []string{"--plugin", "postgres12", "--ep", u.Hostname(), "--port", u.Port(), "--user", u.User.Username(), "--password", pw}
	sqlTool := func(db string, args ...string) {
		t.Helper()
		cmd := exec.Command(tools.sqlTool, append(append(append([]string{}, sqlArgs...), "--db", db), args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("temporal-sql-tool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for schema, db := range dbs {
		sqlTool(db, "create-database")
		t.Cleanup(func() {
			_ = exec.Command(tools.sqlTool, append(append(append([]string{}, sqlArgs...), "--db", db), "drop-database", "--force")...).Run()
		})
		sqlTool(db, "setup-schema", "-v", "0.0")
		sqlTool(db, "update-schema", "-d", filepath.Join(tools.schemaDir, schema, "versioned"))
	}

	dir := t.TempDir()
	ports := make([]int, 9)
	for i := range ports {
		ports[i] = lowFreePort(t)
	}
	c := &temporalCluster{t: t, tools: tools, config: filepath.Join(dir, "temporal.yaml"),
		Address: fmt.Sprintf("127.0.0.1:%d", ports[0]), Namespace: "tandem"}
	dyn := filepath.Join(dir, "dynamicconfig.yaml")
	// New search attributes are read at once, not after the cache's minute.
	if err := os.WriteFile(dyn, []byte("system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.config, []byte(temporalConfig(u.Host, u.User.Username(), pw, dbs, ports, dyn)), 0o644); err != nil {
		t.Fatal(err)
	}
	c.log, err = os.Create(filepath.Join(dir, "temporal.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			out, _ := os.ReadFile(c.log.Name())
			if len(out) > 20000 {
				out = out[len(out)-20000:]
			}
			t.Logf("temporal server log (tail):\n%s", out)
		}
		c.log.Close()
	})
	c.Start()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nc, err := client.NewNamespaceClient(client.Options{HostPort: c.Address, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: c.Namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)}); err != nil {
		t.Fatalf("register namespace: %v", err)
	}
	tc := c.Client()
	defer tc.Close()
	// The frontend learns of a new namespace from its cache (about 10 s); retry until it does.
	for {
		_, err := tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: c.Namespace, SearchAttributes: workflows.SearchAttributes()})
		var exists *serviceerror.AlreadyExists
		if err == nil || errors.As(err, &exists) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("add search attributes: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c
}

// temporalConfig is a single-process server on PostgreSQL: the shape of the official
// development-postgres12.yaml with this test's ports and databases, and nothing archived.
func temporalConfig(hostPort, user, password string, dbs map[string]string, p []int, dynamicConfig string) string {
	store := func(db string, conns int) string {
		return fmt.Sprintf(`      sql:
        pluginName: postgres12
        databaseName: %q
        connectAddr: %q
        connectProtocol: tcp
        user: %q
        password: %q
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h
`, db, hostPort, user, password, conns, conns)
	}
	return fmt.Sprintf(`log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
%s    visibility:
%sglobal:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {grpcPort: %d, httpPort: %d, membershipPort: %d, bindOnLocalHost: true}
  history:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
  matching:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
  worker:
    rpc: {grpcPort: %d, membershipPort: %d, bindOnLocalHost: true}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:%d"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: %q
  pollInterval: 10s
`, store(dbs["temporal"], 20), store(dbs["visibility"], 5), p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[0], dynamicConfig)
}

// lowFreePort is a free loopback port below 32768: Temporal's SQL schema keeps membership
// ports in a smallint, so a port from the kernel's ephemeral range (32768 and up) stops the
// server at start ("out of range for type smallint").
func lowFreePort(t *testing.T) int {
	t.Helper()
	for range 200 {
		b := make([]byte, 2)
		_, _ = rand.Read(b)
		port := 20000 + (int(b[0])<<8|int(b[1]))%12000
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no free port below 32768")
	return 0
}

// Start starts the server and waits until its frontend answers.
func (c *temporalCluster) Start() {
	c.t.Helper()
	c.cmd = exec.Command(c.tools.server, "--config-file", c.config, "--allow-no-auth", "start")
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(c.cmd, c.exited)
	if err := c.WaitServing(90 * time.Second); err != nil {
		c.t.Fatal(err)
	}
}

// WaitServing waits until the frontend answers a health check.
func (c *temporalCluster) WaitServing(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		tc, err := client.DialContext(ctx, client.Options{HostPort: c.Address, Namespace: "temporal-system", Logger: quietLogger{}})
		if err == nil {
			_, err = tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			tc.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("temporal server exited: %v", c.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("temporal server not serving after %v: %v", limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, as an orchestrator does; SIGKILL after 30 s).
func (c *temporalCluster) Stop() {
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
}

// Client is a client of the cluster's Tandem namespace.
func (c *temporalCluster) Client() client.Client {
	c.t.Helper()
	tc, err := client.Dial(client.Options{HostPort: c.Address, Namespace: c.Namespace, Logger: quietLogger{}})
	if err != nil {
		c.t.Fatal(err)
	}
	return tc
}

// Executions lists the executions a visibility query finds, every page.
func (c *temporalCluster) Executions(ctx context.Context, tc client.Client, query string) ([]executionInfo, error) {
	var out []executionInfo
	var token []byte
	for {
		res, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: c.Namespace, Query: query,
			PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range res.Executions {
			info := executionInfo{WorkflowID: e.Execution.GetWorkflowId(), RunID: e.Execution.GetRunId(), Status: e.Status}
			if p := e.GetSearchAttributes().GetIndexedFields()[workflows.SearchSubject.GetName()]; p != nil {
				info.Subject = strings.Trim(string(p.GetData()), `"`)
			}
			out = append(out, info)
		}
		if token = res.NextPageToken; len(token) == 0 {
			return out, nil
		}
	}
}

type executionInfo struct {
	WorkflowID, RunID, Subject string
	Status                     enumspb.WorkflowExecutionStatus
}

// quietLogger drops the SDK's log lines in the test's own clients (retries while the server
// starts or restarts are expected).
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
