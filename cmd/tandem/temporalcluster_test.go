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
	"strconv"
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
	"go.temporal.io/sdk/temporal"
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
	mod, err := temporalModuleDir()
	if err != nil {
		return temporalTools{}, err
	}
	tools.schemaDir = filepath.Join(mod, "schema", "postgresql", "v12")
	return tools, nil
}

// temporalModuleDir is where the pinned go.temporal.io/server module is (its schemas).
func temporalModuleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		return "", fmt.Errorf("locate the go.temporal.io/server module: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// temporalCluster is the official Temporal server (frontend, history, matching and worker in
// one process) on PostgreSQL: its own two databases on the tests' PostgreSQL cluster,
// configured by environment variables as the temporalio/server image is.
type temporalCluster struct {
	t         *testing.T
	tools     temporalTools
	env       []string // the server's environment (its configuration)
	dir       string
	Address   string
	Namespace string
	Databases map[string]string // "temporal" and "visibility" → database name
	ports     []int
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

	c := runTemporalServer(t, tools, u, dbs, nil)
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
	// The frontend maps the new attributes only once its namespace cache refreshes (about
	// 10 s more): until then a start naming TandemUnit is refused ("no mapping defined").
	// Probe with such a start until one is accepted, so that tests begin on a ready cluster.
	for i := 0; ; i++ {
		id := fmt.Sprintf("search-attributes-probe-%d", i)
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "search-attributes-probe",
			TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SearchUnit.ValueSet("probe"))}, "Probe")
		if err == nil {
			if err := tc.TerminateWorkflow(ctx, id, "", "search attributes probe"); err != nil {
				t.Fatalf("terminate the probe: %v", err)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("search attributes never mapped on namespace %s: %v", c.Namespace, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c
}

// runTemporalServer starts the server on Temporal's databases dbs (names by "temporal" and
// "visibility") on the PostgreSQL cluster at u, on the given ports (nil: free ones); it stops
// when the test ends. The ports are those of a server restored from a backup: Temporal keeps
// its cluster's address in its database, and a restored cluster answers at the same address.
func runTemporalServer(t *testing.T, tools temporalTools, u *url.URL, dbs map[string]string, ports []int) *temporalCluster {
	t.Helper()
	pw, _ := u.User.Password()
	dir := t.TempDir()
	if ports == nil {
		ports = make([]int, 12)
		for i := range ports {
			ports[i] = lowFreePort(t)
		}
	}
	c := &temporalCluster{t: t, tools: tools, dir: dir, Address: fmt.Sprintf("127.0.0.1:%d", ports[0]), Namespace: "tandem", Databases: dbs, ports: ports}
	dyn, err := filepath.Abs("../../deploy/temporal-dynamicconfig.yaml") // the compose file's
	if err != nil {
		t.Fatal(err)
	}
	c.env = temporalServerEnv(u.Hostname(), u.Port(), u.User.Username(), pw, dbs, ports, dyn)
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
	return c
}

// temporalServerEnv configures the server as the temporalio/server image does: no config file,
// the template embedded in the binary filled from these variables (deploy/compose.yaml sets
// the same ones but the ports; TestComposeFile checks that).
func temporalServerEnv(host, port, user, password string, dbs map[string]string, p []int, dynamicConfig string) []string {
	env := map[string]string{
		"DB": "postgres12", "POSTGRES_SEEDS": host, "DB_PORT": port, "POSTGRES_USER": user, "POSTGRES_PWD": password,
		"DBNAME": dbs["temporal"], "VISIBILITY_DBNAME": dbs["visibility"], "DYNAMIC_CONFIG_FILE_PATH": dynamicConfig,
		"NUM_HISTORY_SHARDS": "4", "LOG_LEVEL": "warn", "SQL_MAX_CONNS": "20", "SQL_VIS_MAX_CONNS": "5",
		// One host: bind to loopback, on free ports below 32768.
		"BIND_ON_IP": "127.0.0.1", "TEMPORAL_BROADCAST_ADDRESS": "127.0.0.1",
	}
	for i, name := range []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT", "HISTORY_GRPC_PORT",
		"HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT", "WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT",
		"INTERNAL_FRONTEND_GRPC_PORT", "INTERNAL_FRONTEND_HTTP_PORT", "INTERNAL_FRONTEND_MEMBERSHIP_PORT"} {
		env[name] = strconv.Itoa(p[i])
	}
	var out []string
	for _, kv := range os.Environ() {
		// The server reads TEMPORAL_* itself (a TEMPORAL_CONFIG_DIR would switch off the template).
		if !strings.HasPrefix(kv, "TEMPORAL_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
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
	c.cmd = exec.Command(c.tools.server, "--allow-no-auth", "start")
	c.cmd.Env, c.cmd.Dir = c.env, c.dir
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
