// Package telemetry is what operators watch: Prometheus metrics (HTTP, the Temporal SDK's own,
// and gauges read from the database), OpenTelemetry traces chosen by the standard OTEL_*
// variables, and a log handler that stamps every line with its request and trace. cmd/tandem
// wires it; api and the workflows know nothing of it beyond a gin middleware list.
package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// LoginRoute is the route whose refusals count as login failures.
const LoginRoute = "/api/v1/auth/login"

// Metrics is one process's Prometheus registry and the collectors Tandem writes to directly.
type Metrics struct {
	Registry *prometheus.Registry

	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	loginFailures *prometheus.CounterVec
	gauges        *dbGauges
}

// NewMetrics makes a registry with the Go runtime and process collectors and Tandem's HTTP
// metrics. Its own registry, not the global one: the embedded Temporal server of `tandem dev`
// registers there too.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_http_requests_total",
		Help: "HTTP requests answered, by method, route template and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tandem_http_request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by method, route template and status.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route", "status"})
	m.loginFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tandem_login_failures_total",
		Help: "Refused sign-ins: bad_credentials (401) or throttled (429, the account or address is locked).",
	}, []string{"reason"})
	for _, reason := range []string{"bad_credentials", "throttled"} {
		m.loginFailures.WithLabelValues(reason)
	}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.loginFailures)
	return m
}

var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// Gin counts and times every request by its route template (c.FullPath(); "unmatched" for
// none, so that scanned URLs cannot grow the label set).
func (m *Metrics) Gin() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		code := strconv.Itoa(status)
		method := c.Request.Method
		if !knownMethods[method] { // a caller chooses the method: made-up ones share one label
			method = "other"
		}
		m.requests.WithLabelValues(method, route, code).Inc()
		m.latency.WithLabelValues(method, route, code).Observe(time.Since(start).Seconds())
		if route == LoginRoute {
			switch status {
			case http.StatusUnauthorized:
				m.loginFailures.WithLabelValues("bad_credentials").Inc()
			case http.StatusTooManyRequests:
				m.loginFailures.WithLabelValues("throttled").Inc()
			}
		}
	}
}

// TemporalHandler is the Temporal SDK's metrics handler (client and the workers made from it:
// requests, workflow task latency, activity failures, sticky cache, pollers) writing through
// tally into this registry, with the SDK's Prometheus naming. Close the closer at exit.
func (m *Metrics) TemporalHandler() (client.MetricsHandler, func() error) {
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              m.Registry,
		Gatherer:                m.Registry,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer.Close
}

// Serve answers GET /metrics on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn), Registry: m.Registry,
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
