package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"tandem/api"
	"tandem/store"
	"tandem/telemetry"
)

// devMetricsAddr is where `tandem dev` serves /metrics unless TANDEM_METRICS_ADDR says otherwise
// (the port of OpenTelemetry's Prometheus exporter; 9090 is Prometheus's own).
const devMetricsAddr = "127.0.0.1:9464"

// observability is one process's metrics and tracing (docs/operations.md).
type observability struct {
	component     string
	metrics       *telemetry.Metrics // nil: /metrics off
	metricsURL    string
	temporal      client.MetricsHandler
	tracing       bool
	closeTemporal func() error
	stopTracing   func(context.Context) error
	dbGauges      bool
}

// startObservability opens /metrics (when configured) and installs tracing (when the OTEL_*
// variables ask for it). In dev a busy default port only turns /metrics off, with a warning:
// several dev processes (tests) run side by side.
func startObservability(ctx context.Context, cfg Config, component string, log *slog.Logger) (*observability, error) {
	o := &observability{component: component, tracing: cfg.Tracing.Enabled()}
	addr, soft := cfg.MetricsAddr, false
	if component == "dev" && !cfg.MetricsAddrSet {
		addr, soft = devMetricsAddr, true
	}
	o.dbGauges = component == "dev"
	if cfg.MetricsDBGauges != nil {
		o.dbGauges = *cfg.MetricsDBGauges
	}
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		switch {
		case err != nil && soft:
			log.Warn("metrics: the default address is busy; /metrics is off (set TANDEM_METRICS_ADDR)", "addr", addr, "error", err)
		case err != nil:
			return nil, fmt.Errorf("TANDEM_METRICS_ADDR: listen on %s: %w", addr, err)
		default:
			o.metrics = telemetry.NewMetrics()
			o.metricsURL = "http://" + reachableAddr(ln.Addr()) + "/metrics"
			o.temporal, o.closeTemporal = o.metrics.TemporalHandler()
			go func() {
				if err := o.metrics.Serve(ctx, ln, log); err != nil {
					log.Error("metrics: server stopped", "error", err)
				}
			}()
		}
	}
	if o.dbGauges && o.metrics == nil && cfg.MetricsDBGauges != nil {
		if o.closeTemporal != nil {
			_ = o.closeTemporal()
		}
		return nil, errors.New("TANDEM_METRICS_DB_GAUGES=true needs TANDEM_METRICS_ADDR (the gauges are served on /metrics)")
	}
	stop, err := cfg.Tracing.Start(ctx, component)
	if err != nil {
		if o.closeTemporal != nil {
			_ = o.closeTemporal()
		}
		return nil, err
	}
	o.stopTracing = stop
	if o.metrics != nil {
		log.Info("metrics on", "url", o.metricsURL, "database_gauges", o.dbGauges)
	}
	if o.tracing {
		log.Info("tracing on", "protocol", cfg.Tracing.Protocol)
	}
	return o, nil
}

// temporalOptions adds the SDK's metrics handler and the tracing interceptor to a client's
// options; the workers made from that client use both.
func (o *observability) temporalOptions(opts *client.Options) error {
	if o == nil {
		return nil
	}
	if o.temporal != nil {
		opts.MetricsHandler = o.temporal
	}
	if o.tracing {
		ti, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{})
		if err != nil {
			return fmt.Errorf("tracing: Temporal interceptor: %w", err)
		}
		opts.Interceptors = append(opts.Interceptors, ti)
	}
	return nil
}

// instrument puts the HTTP tracing and metrics middleware on the API.
func (o *observability) instrument(s *api.Server) *api.Server {
	if o == nil {
		return s
	}
	if o.tracing {
		s.Middleware = append(s.Middleware, otelgin.Middleware("tandem"))
	}
	if o.metrics != nil {
		s.Middleware = append(s.Middleware, o.metrics.Gin())
	}
	return s
}

// startDBGauges reads the database gauges on their interval, in the one process that has them.
func (o *observability) startDBGauges(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger) {
	if o == nil || o.metrics == nil || !o.dbGauges {
		return
	}
	go o.metrics.RunDBGauges(ctx, st, st.Now, cfg.MetricsDBInterval, log)
}

// close flushes the traces and stops the SDK metrics' reporter.
func (o *observability) close(log *slog.Logger) {
	if o == nil {
		return
	}
	if o.closeTemporal != nil {
		_ = o.closeTemporal()
	}
	if o.stopTracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := o.stopTracing(ctx); err != nil {
			log.Warn("tracing: flushing the last spans failed", "error", err)
		}
	}
}
