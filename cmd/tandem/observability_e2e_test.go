package main_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestObservabilityEndToEnd runs `tandem dev` with /metrics on, traces exported over OTLP/HTTP
// to a receiver in this test, and JSON logs, then: reads /metrics before and after a census
// round over a few organizations and one completed verification and finds the HTTP, Temporal
// SDK and database series moved by the round's numbers; finds the trace of that completion
// (HTTP span → Update → activity → SQL, one trace, parents linked); finds its request ID on
// the request's log lines and the workflow and run IDs on the workflow's and activity's; and
// checks that every metric the Grafana dashboard and the alert rules name is exported.
func TestObservabilityEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) { observeRound(t, dbURL) })
}

func observeRound(t *testing.T, dbURL string) {
	spans := &spanSink{}
	receiver := httptest.NewServer(spans)
	defer receiver.Close()
	metricsAddr := freeAddr(t)
	p := startDev(t, t.TempDir(), dbURL,
		"TANDEM_METRICS_ADDR="+metricsAddr, "TANDEM_METRICS_DB_INTERVAL=1s",
		"TANDEM_LOG_LEVEL=info", "TANDEM_LOG_FORMAT=json",
		"OTEL_EXPORTER_OTLP_ENDPOINT="+receiver.URL, "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_BSP_SCHEDULE_DELAY=100", "OTEL_SERVICE_NAME=tandem-e2e")
	if !strings.Contains(p.output.String(), "metrics   http://"+metricsAddr+"/metrics") {
		t.Fatalf("the banner does not print the metrics address:\n%s", p.output.String())
	}
	scrape := func() metricsText {
		t.Helper()
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("/metrics: %d %s", res.StatusCode, b)
		}
		return parseMetrics(t, string(b))
	}

	admin := loginAs(t, p.base, "admin", adminPassword)
	county := admin.unit("青山县", "region", "county", nil)
	townA := admin.unit("东风街道", "region", "township", county)
	townB := admin.unit("南湖镇", "region", "township", county)
	for _, u := range []struct{ name, unit string }{{"inspector-a", townA}, {"inspector-b", townB}} {
		admin.must(201, "POST", "/users", map[string]any{"username": u.name, "password": "password-" + u.name,
			"memberships": []map[string]string{{"unit_id": u.unit, "role": "inspector"}}})
	}
	const inA, inB = 4, 2 // organizations per township
	var csv strings.Builder
	csv.WriteString("统一社会信用代码,企业名称,所属乡镇(街道)\n")
	for i := range inA + inB {
		town := "东风街道"
		if i >= inA {
			town = "南湖镇"
		}
		fmt.Fprintf(&csv, "%s,观测企业%d有限公司,%s\n", usccFor(7000+i), i, town)
	}
	roster := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(roster, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	admin.upload("market", roster)
	inspA := loginAs(t, p.base, "inspector-a", "password-inspector-a")
	offCounty := admin

	// Before: the import is in the gauges (read each second by this one dev process).
	var before metricsText
	waitFor(t, func() bool {
		before = scrape()
		return before.value("tandem_roster_imports", "status", "done") == 1
	})
	if got := before.value("tandem_roster_import_last_rows"); got != inA+inB {
		t.Fatalf("tandem_roster_import_last_rows %v, want %d", got, inA+inB)
	}
	if before.value("tandem_roster_import_rows_per_second") <= 0 {
		t.Fatalf("tandem_roster_import_rows_per_second %v", before.value("tandem_roster_import_rows_per_second"))
	}

	// The round, a refused sign-in, and one verification completed with a known trace and
	// request ID.
	round := offCounty.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})
	if round["total"] != float64(inA+inB) {
		t.Fatalf("round total %v", round["total"])
	}
	if status, _ := (&session{t: t, base: p.base}).call("POST", "/auth/login", map[string]string{"username": "admin", "password": "wrong-password"}); status != 401 {
		t.Fatalf("a wrong password: %d, want 401", status)
	}
	var tasksA []any
	waitFor(t, func() bool {
		tasksA = inspA.must(200, "GET", "/tasks?kind=census.verify", nil)["items"].([]any)
		return len(tasksA) == inA
	})
	task := tasksA[0].(map[string]any)
	inspA.must(200, "POST", "/tasks/"+task["id"].(string)+"/claim", nil)
	const traceID, parentSpan, requestID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "e2e-complete-1"
	done := inspA.must(200, "POST", "/tasks/"+task["id"].(string)+"/complete",
		map[string]any{"result": map[string]any{"operating": false, "employees": 0, "formal_members": 0, "probationary_members": 0, "party_org": "none"}},
		"traceparent", "00-"+traceID+"-"+parentSpan+"-01", "X-Request-ID", requestID)
	if done["status"] != "completed" {
		t.Fatalf("completion %v", done)
	}

	// An extract without one valid row: the import activity fails (non-retryable), which the
	// dashboard's activity-failure panel counts.
	refused := filepath.Join(t.TempDir(), "refused.csv")
	if err := os.WriteFile(refused, []byte("统一社会信用代码,企业名称,所属乡镇(街道)\n91350100M000100Y44,校验位错误的企业,东风街道\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusedID := admin.uploadNoWait("market", refused)

	// After: the gauges show the round; the counters moved by exactly what was asked.
	var after metricsText
	waitFor(t, func() bool {
		after = scrape()
		return admin.must(200, "GET", "/roster-imports/"+refusedID, nil)["status"] == "failed" &&
			after.value("temporal_activity_execution_failed_total") >= 1 &&
			after.value("tandem_census_running_verifications", "status", "completed") == 1 &&
			after.value("tandem_census_running_verifications", "status", "open") == inA+inB-1 &&
			// One refresh reads all its gauges at one moment (store.OpsFigures, one read-only
			// transaction), so the task gauge agrees with the census ones of the same refresh;
			// waiting for it too fails on a task query that is stuck. Before, one CI run scraped
			// a refresh whose task query ran before the round's tasks were committed and whose
			// census queries ran after the completion.
			after.value("tandem_tasks_active", "kind", "census.verify", "unit_level", "township") == inA+inB-1 &&
			after.value("temporal_workflow_completed_total", "workflow_type", "CensusVerifyWorkflow") == 1
	})
	exact := []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"tandem_http_requests_total", []string{"method", "POST", "route", "/api/v1/census-rounds", "status", "202"}, 1},
		{"tandem_http_requests_total", []string{"method", "POST", "route", "/api/v1/tasks/:id/complete", "status", "200"}, 1},
		{"tandem_http_request_duration_seconds_count", []string{"method", "POST", "route", "/api/v1/tasks/:id/complete", "status", "200"}, 1},
		{"tandem_login_failures_total", []string{"reason", "bad_credentials"}, 1},
		{"tandem_census_rounds", []string{"status", "running"}, 1},
		{"tandem_census_running_organizations", []string{"state", "selected"}, inA + inB},
		{"tandem_census_running_organizations", []string{"state", "started"}, inA + inB},
		{"tandem_census_running_verifications", []string{"status", "open"}, inA + inB - 1},
		{"tandem_census_running_verifications", []string{"status", "completed"}, 1},
		{"tandem_tasks_active", []string{"kind", "census.verify", "unit_level", "township"}, inA + inB - 1},
		{"tandem_tasks_overdue", []string{"kind", "census.verify"}, 0},
		{"temporal_workflow_completed_total", []string{"workflow_type", "CensusVerifyWorkflow"}, 1},
	}
	for _, e := range exact {
		if d := after.value(e.name, e.labels...) - before.value(e.name, e.labels...); d != e.delta {
			t.Errorf("%s%v moved by %v, want %v", e.name, e.labels, d, e.delta)
		}
	}
	// The Temporal SDK's series moved at least by the round's numbers: a workflow task per
	// verification workflow, an activity per created task, long polls.
	atLeast := []struct {
		name   string
		labels []string
		delta  float64
	}{
		{"temporal_workflow_task_execution_latency_seconds_count", []string{"workflow_type", "CensusVerifyWorkflow"}, inA + inB},
		{"temporal_activity_execution_latency_seconds_count", []string{"activity_type", "CreateTask"}, inA + inB},
		{"temporal_activity_execution_latency_seconds_count", []string{"activity_type", "CompleteTask"}, 1},
		{"temporal_long_request_total", nil, 1},
		{"temporal_activity_execution_failed_total", nil, 1},
	}
	for _, e := range atLeast {
		if d := after.value(e.name, e.labels...) - before.value(e.name, e.labels...); d < e.delta {
			t.Errorf("%s%v moved by %v, want at least %v", e.name, e.labels, d, e.delta)
		}
	}
	if after.value("temporal_num_pollers", "poller_type", "workflow_task") < 1 {
		t.Errorf("temporal_num_pollers{poller_type=workflow_task} %v", after.value("temporal_num_pollers", "poller_type", "workflow_task"))
	}

	// The trace of the completion: every span in our trace, the HTTP span a child of the
	// caller's, the Update under it, the activity under the Update, SQL under the activity.
	var trace map[string]*tracepb.Span
	waitFor(t, func() bool {
		trace = spans.trace(traceID)
		return findSpan(trace, "RunActivity:CompleteTask") != nil && findSpan(trace, "POST /api/v1/tasks/:id/complete") != nil
	})
	httpSpan := findSpan(trace, "POST /api/v1/tasks/:id/complete")
	if hex.EncodeToString(httpSpan.ParentSpanId) != parentSpan || httpSpan.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Fatalf("HTTP span %s: parent %x kind %v, want parent %s, server", httpSpan.Name, httpSpan.ParentSpanId, httpSpan.Kind, parentSpan)
	}
	update := findSpan(trace, "UpdateWorkflow:")
	run := findSpan(trace, "RunActivity:CompleteTask")
	if update == nil {
		t.Fatalf("no UpdateWorkflow span in the trace: %v", spanNames(trace))
	}
	if !descends(trace, update, httpSpan) || !descends(trace, run, update) {
		t.Fatalf("parents do not link HTTP → Update → activity: %v", spanTree(trace))
	}
	sqlUnderActivity := false
	for _, s := range trace {
		if strings.HasPrefix(s.Name, "sql ") && descends(trace, s, run) {
			sqlUnderActivity = true
		}
	}
	if !sqlUnderActivity {
		t.Fatalf("no SQL span under the activity: %v", spanTree(trace))
	}
	for _, s := range trace {
		if s != httpSpan && trace[hex.EncodeToString(s.ParentSpanId)] == nil {
			t.Errorf("span %s has a parent %x outside the trace", s.Name, s.ParentSpanId)
		}
	}
	t.Logf("trace of one completion: %d spans: %s", len(trace), spanTree(trace))

	// Logs: the request's lines carry its request ID (and trace); the workflow's and the
	// activity's their workflow and run IDs.
	lines := jsonLines(p.output.String())
	var access, wfLine, actLine map[string]any
	for _, l := range lines {
		if l["msg"] == "http" && l["request_id"] == requestID {
			if access != nil {
				t.Errorf("two access lines for request %s: %v and %v", requestID, access, l)
			}
			access = l
		}
		if l["msg"] == "task completed" && l["task"] == task["id"] {
			wfLine = l
		}
		if l["msg"] == "task completion recorded" && l["task"] == task["id"] {
			actLine = l
		}
	}
	if access == nil || access["request_id"] != requestID || access["trace_id"] != traceID {
		t.Errorf("the completion's access log line %v: want request_id %s and trace_id %s", access, requestID, traceID)
	}
	for _, l := range lines {
		if l["trace_id"] == traceID && l["request_id"] != requestID {
			t.Errorf("a line of the request without its request ID: %v", l)
		}
	}
	for name, l := range map[string]map[string]any{"workflow": wfLine, "activity": actLine} {
		if l == nil || l["WorkflowID"] == nil || l["WorkflowID"] == "" || l["RunID"] == nil || l["RunID"] == "" {
			t.Errorf("the %s's log line %v lacks WorkflowID or RunID", name, l)
		}
	}
	for name, l := range map[string]map[string]any{"workflow": wfLine, "activity": actLine} {
		if l != nil && l["TraceID"] != traceID { // the tracing interceptor's logger adds it
			t.Errorf("the %s's log line is not in the completion's trace: %v", name, l)
		}
	}
	if actLine != nil && wfLine != nil && (actLine["WorkflowID"] != wfLine["WorkflowID"] || actLine["RunID"] != wfLine["RunID"]) {
		t.Errorf("the activity's line names another run than the workflow's: %v / %v", actLine, wfLine)
	}

	// The dashboard and the alert rules name only series this binary exports.
	for _, file := range []string{"../../deploy/grafana-dashboard.json", "../../deploy/alerts.yaml"} {
		names := deployMetricNames(t, file)
		if len(names) < 5 {
			t.Fatalf("%s names only %v", file, names)
		}
		for _, n := range names {
			if !after.has(n) {
				t.Errorf("%s uses %s, which /metrics does not export", file, n)
			}
		}
	}
}

// metricsText is one scrape of a Prometheus text exposition.
type metricsText struct{ series []promSeries }

type promSeries struct {
	name   string
	labels map[string]string
	value  float64
}

var seriesLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func parseMetrics(t *testing.T, text string) metricsText {
	t.Helper()
	var m metricsText
	for _, l := range strings.Split(text, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		g := seriesLine.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("unparsable /metrics line %q", l)
		}
		v, err := strconv.ParseFloat(g[3], 64)
		if err != nil {
			t.Fatalf("bad value in %q", l)
		}
		s := promSeries{name: g[1], labels: map[string]string{}, value: v}
		for _, kv := range labelPair.FindAllStringSubmatch(g[2], -1) {
			s.labels[kv[1]] = kv[2]
		}
		m.series = append(m.series, s)
	}
	return m
}

// value sums the series of name whose labels include the given pairs.
func (m metricsText) value(name string, labels ...string) float64 {
	sum := 0.0
next:
	for _, s := range m.series {
		if s.name != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if s.labels[labels[i]] != labels[i+1] {
				continue next
			}
		}
		sum += s.value
	}
	return sum
}

// has reports whether a metric family is exported (a histogram by its _bucket/_count/_sum).
func (m metricsText) has(name string) bool {
	for _, s := range m.series {
		if s.name == name || s.name == name+"_bucket" || s.name == name+"_count" || s.name == name+"_total" {
			return true
		}
	}
	return false
}

// deployMetricNames lists the metric names in a dashboard's or rule file's PromQL expressions.
func deployMetricNames(t *testing.T, file string) []string {
	t.Helper()
	var exprs []string
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(file, ".json") {
		for _, m := range regexp.MustCompile(`"expr":\s*"((?:[^"\\]|\\.)*)"`).FindAllSubmatch(b, -1) {
			var s string
			if err := json.Unmarshal([]byte(`"`+string(m[1])+`"`), &s); err != nil {
				t.Fatal(err)
			}
			exprs = append(exprs, s)
		}
	} else {
		for _, r := range loadAlertRules(t, file) {
			exprs = append(exprs, r.Expr)
		}
	}
	seen := map[string]bool{}
	for _, e := range exprs {
		e = regexp.MustCompile(`\{[^}]*\}|"[^"]*"|\[[^\]]*\]`).ReplaceAllString(e, " ")
		for _, n := range regexp.MustCompile(`\b(?:tandem|temporal)_[a-z0-9_]+`).FindAllString(e, -1) {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				n = strings.TrimSuffix(n, suffix)
			}
			seen[n] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// spanSink is an OTLP/HTTP trace receiver: it keeps every span it is sent.
type spanSink struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (s *spanSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unsupported", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			s.spans = append(s.spans, ss.Spans...)
		}
	}
	s.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// trace returns the spans of one trace by span ID.
func (s *spanSink) trace(traceID string) map[string]*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*tracepb.Span{}
	for _, sp := range s.spans {
		if hex.EncodeToString(sp.TraceId) == traceID {
			out[hex.EncodeToString(sp.SpanId)] = sp
		}
	}
	return out
}

func findSpan(trace map[string]*tracepb.Span, prefix string) *tracepb.Span {
	for _, id := range sortedIDs(trace) {
		if strings.HasPrefix(trace[id].Name, prefix) {
			return trace[id]
		}
	}
	return nil
}

// descends reports whether s has ancestor among its parents within the trace.
func descends(trace map[string]*tracepb.Span, s, ancestor *tracepb.Span) bool {
	for hops := 0; s != nil && hops < 64; hops++ {
		p := trace[hex.EncodeToString(s.ParentSpanId)]
		if p == ancestor {
			return true
		}
		s = p
	}
	return false
}

func sortedIDs(trace map[string]*tracepb.Span) []string {
	ids := make([]string, 0, len(trace))
	for id := range trace {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return trace[ids[i]].StartTimeUnixNano < trace[ids[j]].StartTimeUnixNano })
	return ids
}

func spanNames(trace map[string]*tracepb.Span) []string {
	var out []string
	for _, id := range sortedIDs(trace) {
		out = append(out, trace[id].Name)
	}
	return out
}

// spanTree renders the trace as "name<-parent name" pairs in start order.
func spanTree(trace map[string]*tracepb.Span) string {
	var b bytes.Buffer
	for _, id := range sortedIDs(trace) {
		s := trace[id]
		parent := "(caller)"
		if p := trace[hex.EncodeToString(s.ParentSpanId)]; p != nil {
			parent = p.Name
		}
		fmt.Fprintf(&b, "[%s <- %s] ", s.Name, parent)
	}
	return b.String()
}

// jsonLines decodes the output's JSON log lines (the banner and the embedded server's own
// lines are not JSON objects of ours and are skipped).
func jsonLines(out string) []map[string]any {
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] != nil {
			lines = append(lines, m)
		}
	}
	return lines
}
