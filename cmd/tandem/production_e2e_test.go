package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"tandem/domain"
	"tandem/store/storetest"
	"tandem/workflows"
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

// clusterOrganizations is how many organizations the production test's census round visits.
const clusterOrganizations = 300

// TestProductionCluster runs Tandem as operators do: the official Temporal server on
// PostgreSQL (its own two databases), `tandem migrate up`, two `serve` and two `worker`
// processes on a separate domain database. A census round over 300 organizations is driven
// through both API processes in turn; one worker is SIGKILLed mid-round and restarted later,
// the Temporal server is restarted mid-round. In the end every organization has exactly one
// verification workflow execution in Temporal's visibility (listed by Tandem's search
// attributes), completed, and exactly one task in the database; no request answered 500.
// It logs the figures (organizations, tasks, duplicates, 500s, how long Temporal was away and
// what the API answered meanwhile).
func TestProductionCluster(t *testing.T) {
	began := time.Now()
	db := storetest.NewPostgresDatabase(t)
	cluster := startTemporalCluster(t)
	t.Logf("temporal server on PostgreSQL serving at %s after %v", cluster.Address, time.Since(began).Round(time.Millisecond))
	env := []string{"DATABASE_URL=" + db, "TEMPORAL_ADDRESS=" + cluster.Address, "TEMPORAL_NAMESPACE=" + cluster.Namespace,
		"TANDEM_ADMIN_PASSWORD=" + adminPassword, "TANDEM_PUBLIC_URL=https://tandem.example.gov.cn", "TANDEM_LOG_LEVEL=warn"}
	run := func(args ...string) string {
		t.Helper()
		cmd := tandemCmd(env...)
		cmd.Args = append(cmd.Args, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tandem %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	// serve without TANDEM_PUBLIC_URL refuses (its letters' links would follow the Host header).
	noURL := tandemCmd("DATABASE_URL="+db, "TEMPORAL_ADDRESS="+cluster.Address, "TANDEM_ADDR="+freeAddr(t))
	noURL.Args = append(noURL.Args, "serve")
	if out, err := noURL.CombinedOutput(); err == nil || !strings.Contains(string(out), "TANDEM_PUBLIC_URL") {
		t.Fatalf("serve without TANDEM_PUBLIC_URL: %v %s", err, out)
	}
	// serve on an unmigrated database refuses and says what to run.
	stale := tandemCmd(append(env, "TANDEM_ADDR="+freeAddr(t))...)
	stale.Args = append(stale.Args, "serve")
	if out, err := stale.CombinedOutput(); err == nil || !strings.Contains(string(out), "tandem migrate up") {
		t.Fatalf("serve on an unmigrated database: %v\n%s", err, out)
	}
	if out := run("migrate", "up"); !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate up: %s", out)
	}
	run("migrate", "check")

	logs := t.TempDir()
	workers := []*tandemProcess{startTandem(t, env, logs, "worker-1", "worker"), startTandem(t, env, logs, "worker-2", "worker")}
	apis := []*tandemProcess{startTandem(t, env, logs, "serve-a", "serve"), startTandem(t, env, logs, "serve-b", "serve")}
	for _, a := range apis {
		a.waitReady(t)
	}
	t.Logf("migrate, 2 × serve and 2 × worker ready after %v", time.Since(began).Round(time.Millisecond))

	// The nets: a county, three townships with an inspector each, the county's officer.
	admin := loginAs(t, apis[0].base, "admin", adminPassword)
	if got := admin.must(200, "POST", "/system/self-check", nil); got["database"] != "postgres" {
		t.Fatalf("self-check %v", got)
	}
	county := admin.unit("青山县", "region", "county", nil)
	townships := []string{"东风街道", "南湖镇", "西山乡"}
	townIDs := make([]string, len(townships))
	inspectors := make([]*session, len(townships))
	for i, name := range townships {
		townIDs[i] = admin.unit(name, "region", "township", county)
		user := fmt.Sprintf("inspector-%d", i+1)
		admin.must(201, "POST", "/users", map[string]any{"username": user, "password": "password-" + user,
			"memberships": []map[string]string{{"unit_id": townIDs[i], "role": "inspector"}}})
		inspectors[i] = loginAs(t, apis[i%2].base, user, "password-"+user)
	}
	admin.must(201, "POST", "/users", map[string]any{"username": "officer-county", "password": "password-officer-county",
		"memberships": []map[string]string{{"unit_id": county, "role": "officer"}}})
	officer := loginAs(t, apis[1].base, "officer-county", "password-officer-county")

	var roster strings.Builder
	roster.WriteString("统一社会信用代码,企业名称,所属乡镇(街道)\n")
	orgs := make([]string, clusterOrganizations)
	for i := range orgs {
		orgs[i] = string(domain.CompleteUSCC(fmt.Sprintf("91350100MA3PC%04d", i)))
		fmt.Fprintf(&roster, "%s,青山测试企业%03d有限公司,%s\n", orgs[i], i, townships[i%len(townships)])
	}
	rosterFile := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(rosterFile, []byte(roster.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	admin.base = apis[1].base
	if imp := admin.upload("market", rosterFile); imp["status"] != "done" {
		t.Fatalf("import %v", imp)
	}

	round := officer.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})
	roundID := round["id"].(string)
	if round["total"] != float64(clusterOrganizations) {
		t.Fatalf("round total %v, want %d", round["total"], clusterOrganizations)
	}
	// Every inspector's verification tasks, read through both API processes.
	var queue []clusterTask
	for i, insp := range inspectors {
		insp.base = apis[i%2].base
		var mine []clusterTask
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			mine = mine[:0]
			for _, x := range listAll(t, insp, "/tasks?kind=census.verify&limit=200") {
				mine = append(mine, clusterTask{id: x["id"].(string), subject: x["subject"].(string), who: i})
			}
			if len(mine) == clusterOrganizations/len(inspectors) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("inspector %d has %d verification tasks, want %d", i+1, len(mine), clusterOrganizations/len(inspectors))
			}
		}
		queue = append(queue, mine...)
	}
	t.Logf("round %s fanned out: %d tasks after %v", roundID, len(queue), time.Since(began).Round(time.Millisecond))

	// Complete the tasks through both API processes, four at a time, while the cluster is
	// disrupted: a worker SIGKILLed at a fifth, Temporal restarted at a half, the worker back
	// at two thirds. A completion that Temporal could not take (503) is tried again later
	// with the same Idempotency-Key; nothing else is accepted.
	stats := &clusterStats{byStatus: map[int]int{}, whileDown: map[string]int{}}
	tokens := make([]string, len(inspectors))
	for i, s := range inspectors {
		tokens[i] = s.token
	}
	pending := make(chan clusterTask, len(queue))
	for _, q := range queue {
		pending <- q
	}
	var done atomic.Int64
	var failure atomic.Pointer[error]
	var wg sync.WaitGroup
	var calls atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var task clusterTask
				select {
				case task = <-pending:
				case <-ctx.Done():
					return
				}
				base := apis[calls.Add(1)%2].base
				ok, err := stats.completeTask(base, tokens[task.who], &task)
				switch {
				case err != nil:
					failure.CompareAndSwap(nil, &err)
					cancel()
					return
				case ok:
					if done.Add(1) == int64(len(queue)) {
						cancel()
					}
				default:
					pending <- task // 503: again later
				}
			}
		}()
	}
	waitDone := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Minute); done.Load() < int64(n); time.Sleep(20 * time.Millisecond) {
			if err := failure.Load(); err != nil {
				t.Fatal(*err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d completions after 3 minutes", done.Load(), n)
			}
		}
	}

	waitDone(len(queue) / 5)
	workers[0].kill(t)
	t.Logf("worker-1 SIGKILLed after %d completions", done.Load())

	waitDone(len(queue) / 2)
	before := done.Load()
	stats.markDown(true)
	stopped := time.Now()
	cluster.Stop()
	// Keep it away until each API process has answered a completion 503 (its Update waits for
	// the engine up to 30 s), at most a minute.
	readyDown := 0
	for deadline := time.Now().Add(time.Minute); !stats.sawUnavailableFromBoth(apis) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
	}
	for _, a := range apis {
		if res, err := http.Get(a.base + "/readyz"); err == nil {
			if res.StatusCode == 503 {
				readyDown++
			}
			res.Body.Close()
		}
	}
	cluster.Start()
	down := time.Since(stopped)
	stats.markDown(false)
	t.Logf("temporal server stopped after %d completions and back after %.1f s", before, down.Seconds())

	waitDone(len(queue) * 2 / 3)
	workers[0] = startTandem(t, env, logs, "worker-1-restarted", "worker")
	t.Logf("worker-1 restarted after %d completions", done.Load())
	waitDone(len(queue))
	wg.Wait()
	t.Logf("all %d tasks completed after %v", len(queue), time.Since(began).Round(time.Millisecond))

	// Every verification completes, once per organization, in Temporal's visibility, found by
	// the search attributes Tandem sets.
	tc := cluster.Client()
	defer tc.Close()
	query := fmt.Sprintf("WorkflowType = '%s' AND %s IN ('%s')", workflows.CensusVerifyWorkflowName, workflows.SearchUnit.GetName(),
		strings.Join(townIDs, "', '"))
	var execs []executionInfo
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		var err error
		if execs, err = cluster.Executions(context.Background(), tc, query); err != nil {
			t.Fatalf("list %s: %v", query, err)
		}
		completed := 0
		for _, e := range execs {
			if e.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				completed++
			}
		}
		if completed >= clusterOrganizations {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d verification executions completed after 2 minutes", completed, len(execs))
		}
	}
	bySubject := map[string]int{}
	for _, e := range execs {
		bySubject[e.Subject]++
		if e.Status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED || e.WorkflowID != workflows.VerifyWorkflowID(e.Subject) {
			t.Errorf("execution %+v", e)
		}
	}
	dupExecs := countDuplicates(bySubject, orgs)
	// The round's own workflow: one execution, still running (it sees the round done at its
	// next poll, every 15 minutes, which the test does not wait for).
	rounds, err := cluster.Executions(context.Background(), tc, fmt.Sprintf("WorkflowId = '%s'", workflows.CensusWorkflowID(roundID)))
	if err != nil || len(rounds) != 1 || rounds[0].Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("round workflow executions %+v %v, want one running", rounds, err)
	}

	// In the database: one verification task per organization in this round, each completed.
	admin.base = apis[0].base
	tasksBySubject := map[string]int{}
	var taskRows int
	for _, x := range listAll(t, admin, "/tasks?kind=census.verify&scope=visible&status=all&limit=200") {
		taskRows++
		tasksBySubject[x["subject"].(string)]++
		if x["status"] != "completed" {
			t.Errorf("task %v", x)
		}
	}
	dupTasks := countDuplicates(tasksBySubject, orgs)
	r := officer.must(200, "GET", "/census-rounds/"+roundID, nil)
	if r["created"] != float64(clusterOrganizations) || r["completed"] != float64(clusterOrganizations) {
		t.Errorf("round %v", r)
	}

	stats.mu.Lock()
	defer stats.mu.Unlock()
	t.Logf("figures: organizations %d; verification tasks %d (duplicates %d); verification executions %d (duplicates %d, completed all %v); HTTP answers %v; 500s %d; transport errors %d",
		clusterOrganizations, taskRows, dupTasks, len(execs), dupExecs, len(execs) == clusterOrganizations, stats.byStatus, stats.byStatus[500], stats.transport)
	t.Logf("figures: temporal server away %.1f s (SIGTERM to serving again); answers meanwhile %v; 503s with Retry-After %d of %d; readyz 503 on %d of 2 API processes; worker-1 SIGKILLed mid-round and restarted",
		down.Seconds(), stats.whileDown, stats.retryAfter, stats.byStatus[503], readyDown)
	if dupTasks != 0 || dupExecs != 0 || taskRows != clusterOrganizations || len(execs) != clusterOrganizations {
		t.Errorf("%d tasks (%d duplicated), %d executions (%d duplicated), want %d each and none duplicated",
			taskRows, dupTasks, len(execs), dupExecs, clusterOrganizations)
	}
	if stats.byStatus[500] != 0 || stats.transport != 0 {
		t.Errorf("%d answers 500 and %d transport errors, want none", stats.byStatus[500], stats.transport)
	}
	if stats.retryAfter != stats.byStatus[503] {
		t.Errorf("%d of %d 503s carried Retry-After", stats.retryAfter, stats.byStatus[503])
	}
	for status := range stats.byStatus {
		if status != 200 && status != 503 {
			t.Errorf("unexpected answers %d: %v (first: %s)", status, stats.byStatus, stats.firstOther)
		}
	}

	// A worker stops cleanly on SIGTERM.
	if err := workers[1].stop(20 * time.Second); err != nil {
		t.Fatalf("worker-2 on SIGTERM: %v\n%s", err, workers[1].output())
	}
	t.Logf("took %v", time.Since(began).Round(time.Millisecond))
}

// countDuplicates is how many findings beyond the first there are, over all organizations.
func countDuplicates(found map[string]int, orgs []string) int {
	dups := 0
	for _, o := range orgs {
		if found[o] > 1 {
			dups += found[o] - 1
		}
	}
	return dups
}

// listAll reads every page of a list.
func listAll(t *testing.T, s *session, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for {
		p := path
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		page := s.must(200, "GET", p, nil)
		for _, x := range page["items"].([]any) {
			out = append(out, x.(map[string]any))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

type clusterTask struct {
	id, subject string
	who         int // index of the inspector
	claimed     bool
	attempts    int
}

// clusterStats counts every answer the completers had, and those while Temporal was away.
type clusterStats struct {
	mu          sync.Mutex
	byStatus    map[int]int
	down        bool
	whileDown   map[string]int // answers to requests sent while Temporal was away, by "method …/last-segment → status"
	unavailable map[string]bool
	retryAfter  int
	transport   int
	firstOther  string
}

var clusterHTTP = &http.Client{Timeout: 90 * time.Second}

func (s *clusterStats) markDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
	if down {
		s.unavailable = map[string]bool{}
	}
}

func (s *clusterStats) sawUnavailableFromBoth(apis []*tandemProcess) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unavailable[apis[0].base] && s.unavailable[apis[1].base]
}

// call makes one request and counts its answer.
func (s *clusterStats) call(base, token, method, path string, body any, headers ...string) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+"/api/v1"+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	s.mu.Lock()
	sentDown := s.down
	s.mu.Unlock()
	res, err := clusterHTTP.Do(req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.transport++
		return 0, nil, fmt.Errorf("%s %s%s: %w", method, base, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	s.byStatus[res.StatusCode]++
	if sentDown {
		s.whileDown[fmt.Sprintf("%s …/%s → %d", method, path[strings.LastIndex(path, "/")+1:], res.StatusCode)]++
	}
	switch {
	case res.StatusCode == 503:
		if res.Header.Get("Retry-After") != "" {
			s.retryAfter++
		}
		if s.down && method == "POST" && strings.HasSuffix(path, "/complete") {
			s.unavailable[base] = true
		}
	case res.StatusCode != 200 && s.firstOther == "":
		s.firstOther = fmt.Sprintf("%s %s: %d %v", method, path, res.StatusCode, out)
	}
	return res.StatusCode, out, nil
}

// completeTask claims a task (once) and completes it as "already has a party organization",
// which ends its verification. It reports false when the engine was away (503: try again).
func (s *clusterStats) completeTask(base, token string, task *clusterTask) (bool, error) {
	task.attempts++
	if task.attempts > 20 {
		return false, fmt.Errorf("task %s: still not completed after 20 attempts", task.id)
	}
	if !task.claimed {
		status, out, err := s.call(base, token, "POST", "/tasks/"+task.id+"/claim", nil)
		if err != nil {
			return false, err
		}
		switch status {
		case 200:
			task.claimed = true
		case 503:
			return false, nil
		default:
			return false, fmt.Errorf("claim %s: %d %v", task.id, status, out)
		}
	}
	visit := map[string]any{"operating": true, "employees": 12, "formal_members": 2, "probationary_members": 0, "party_org": "single"}
	status, out, err := s.call(base, token, "POST", "/tasks/"+task.id+"/complete", map[string]any{"result": visit},
		"Idempotency-Key", "complete-"+task.id)
	switch {
	case err != nil:
		return false, err
	case status == 200 && out["status"] == "completed":
		return true, nil
	case status == 503:
		return false, nil
	}
	return false, fmt.Errorf("complete %s: %d %v", task.id, status, out)
}

// tandemProcess is a running `tandem serve` or `tandem worker`, its output in a file.
type tandemProcess struct {
	name   string
	cmd    *exec.Cmd
	base   string // serve only
	log    string
	exited chan struct{}
}

func startTandem(t *testing.T, env []string, logs, name, command string) *tandemProcess {
	t.Helper()
	p := &tandemProcess{name: name, log: filepath.Join(logs, name+".log"), exited: make(chan struct{})}
	if command == "serve" {
		addr := freeAddr(t)
		p.base = "http://" + addr
		env = append(env, "TANDEM_ADDR="+addr)
	}
	p.cmd = tandemCmd(env...)
	p.cmd.Args = append(p.cmd.Args, command)
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); f.Close(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("%s output (tail):\n%s", p.name, p.output())
		}
	})
	return p
}

func (p *tandemProcess) output() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

func (p *tandemProcess) waitReady(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(p.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited:\n%s", p.name, p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 60 s:\n%s", p.name, p.output())
		}
	}
}

// kill ends the process with SIGKILL, as a crash or an evicted pod does.
func (p *tandemProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *tandemProcess) stop(limit time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			return fmt.Errorf("exit %v", p.cmd.ProcessState)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("did not stop within %v", limit)
	}
}
