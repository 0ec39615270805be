package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/trace"

	"tandem/domain"
	"tandem/store"
	"tandem/telemetry"
)

func TestGinMetrics(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	m := telemetry.NewMetrics()
	r := gin.New()
	r.Use(m.Gin())
	r.GET("/api/v1/tasks/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST(telemetry.LoginRoute, func(c *gin.Context) {
		switch c.Query("case") {
		case "bad":
			c.Status(http.StatusUnauthorized)
		case "locked":
			c.Status(http.StatusTooManyRequests)
		default:
			c.Status(http.StatusOK)
		}
	})
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/tasks/a"}, {"GET", "/api/v1/tasks/b"}, {"GET", "/no/such/1"}, {"GET", "/no/such/2"}, {"BREW", "/api/v1/tasks/a"},
		{"POST", telemetry.LoginRoute + "?case=bad"}, {"POST", telemetry.LoginRoute + "?case=bad"}, {"POST", telemetry.LoginRoute + "?case=locked"},
		{"POST", telemetry.LoginRoute},
	} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	want := `
# HELP tandem_http_requests_total HTTP requests answered, by method, route template and status.
# TYPE tandem_http_requests_total counter
tandem_http_requests_total{method="GET",route="/api/v1/tasks/:id",status="200"} 2
tandem_http_requests_total{method="GET",route="unmatched",status="404"} 2
tandem_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1
tandem_http_requests_total{method="POST",route="/api/v1/auth/login",status="401"} 2
tandem_http_requests_total{method="POST",route="/api/v1/auth/login",status="429"} 1
tandem_http_requests_total{method="other",route="unmatched",status="404"} 1
# HELP tandem_login_failures_total Refused sign-ins: bad_credentials (401) or throttled (429, the account or address is locked).
# TYPE tandem_login_failures_total counter
tandem_login_failures_total{reason="bad_credentials"} 2
tandem_login_failures_total{reason="throttled"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "tandem_http_requests_total", "tandem_login_failures_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.Registry, "tandem_http_request_duration_seconds"); n != 6 {
		t.Fatalf("%d latency series, want 6", n)
	}
}

func TestContextHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(telemetry.ContextHandler{Handler: slog.NewJSONHandler(&buf, nil)}).With("component", "x")
	ctx := domain.WithRequestID(context.Background(), "req-7")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	log.InfoContext(ctx, "with")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var with, without map[string]any
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &with) != nil || json.Unmarshal([]byte(lines[1]), &without) != nil {
		t.Fatalf("lines %q", lines)
	}
	if with["request_id"] != "req-7" || with["trace_id"] != tid.String() || with["span_id"] != sid.String() || with["component"] != "x" {
		t.Fatalf("with a context: %v", with)
	}
	if _, ok := without["request_id"]; ok {
		t.Fatalf("without a context: %v", without)
	}
}

type figuresSeq struct {
	figs  []store.OpsFigures
	calls int
	done  chan struct{}
}

func (f *figuresSeq) OpsFigures(context.Context) (store.OpsFigures, error) {
	i := min(f.calls, len(f.figs)-1)
	f.calls++
	if f.calls == len(f.figs) {
		close(f.done)
	}
	return f.figs[i], nil
}

// TestDBGauges: the gauges follow the figures, and a (kind, level) cell that empties reads 0
// rather than keeping its last value.
func TestDBGauges(t *testing.T) {
	m := telemetry.NewMetrics()
	src := &figuresSeq{done: make(chan struct{}), figs: []store.OpsFigures{
		{Tasks: []store.TaskFigure{{Kind: "census.verify", UnitLevel: "township", Active: 5, Overdue: 2, Escalated: 1}},
			Imports: map[string]int{"done": 3, "failed": 1}, LastImport: &store.ImportThroughput{Rows: 900, Seconds: 3},
			Rounds: map[string]int{"running": 1}, Running: store.RunningRounds{Selected: 5, Started: 5, Verifications: map[string]int{"open": 5}}},
		{Imports: map[string]int{"done": 3, "failed": 1}, Rounds: map[string]int{"running": 0}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	read := func() { <-src.done }
	go func() {
		m.RunDBGauges(ctx, src, func() time.Time { return time.Unix(1800000000, 0) }, 10*time.Millisecond, slog.New(slog.DiscardHandler))
		close(ran)
	}()
	read()
	time.Sleep(20 * time.Millisecond) // the second read has been applied
	cancel()
	<-ran
	want := `
# HELP tandem_roster_import_rows_per_second Rows per second of the most recently finished successful roster import.
# TYPE tandem_roster_import_rows_per_second gauge
tandem_roster_import_rows_per_second 300
# HELP tandem_roster_imports Roster imports by status.
# TYPE tandem_roster_imports gauge
tandem_roster_imports{status="done"} 3
tandem_roster_imports{status="failed"} 1
# HELP tandem_tasks_active Open or claimed tasks, by task kind and the kind of their unit.
# TYPE tandem_tasks_active gauge
tandem_tasks_active{kind="census.verify",unit_level="township"} 0
# HELP tandem_tasks_overdue Active tasks past their due time, by task kind and unit level.
# TYPE tandem_tasks_overdue gauge
tandem_tasks_overdue{kind="census.verify",unit_level="township"} 0
# HELP tandem_metrics_db_refreshed_timestamp_seconds When the database gauges were last read (Unix seconds).
# TYPE tandem_metrics_db_refreshed_timestamp_seconds gauge
tandem_metrics_db_refreshed_timestamp_seconds 1.8e+09
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "tandem_roster_import_rows_per_second", "tandem_roster_imports",
		"tandem_tasks_active", "tandem_tasks_overdue", "tandem_metrics_db_refreshed_timestamp_seconds"); err != nil {
		t.Fatal(err)
	}
}
