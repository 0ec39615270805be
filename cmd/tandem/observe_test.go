package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

func TestMetricsConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil || c.MetricsAddr != "" || c.MetricsAddrSet || c.MetricsDBGauges != nil || c.MetricsDBInterval != 30*time.Second || c.Tracing.Enabled() {
			t.Fatalf("%+v %v", c, err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{"TANDEM_METRICS_ADDR": ":9464", "TANDEM_METRICS_DB_GAUGES": "true",
			"TANDEM_METRICS_DB_INTERVAL": "5s", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}))
		if err != nil || c.MetricsAddr != ":9464" || c.MetricsDBGauges == nil || !*c.MetricsDBGauges || c.MetricsDBInterval != 5*time.Second ||
			c.Tracing.Exporter != "otlp" || c.Tracing.Protocol != "http/protobuf" {
			t.Fatalf("%+v %v", c, err)
		}
		c, err = loadConfig(env(map[string]string{"TANDEM_METRICS_ADDR": "off", "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}))
		if err != nil || c.MetricsAddr != "" || !c.MetricsAddrSet || c.Tracing.Protocol != "grpc" {
			t.Fatalf("%+v %v", c, err)
		}
		c, err = loadConfig(env(map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}))
		if err != nil || c.Tracing.Enabled() {
			t.Fatalf("none: %+v %v", c.Tracing, err)
		}
	})
	t.Run("ErrNamesTheVariable", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{"TANDEM_METRICS_ADDR": "9464", "TANDEM_METRICS_DB_GAUGES": "yes please",
			"TANDEM_METRICS_DB_INTERVAL": "10ms", "OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}))
		for _, name := range []string{"TANDEM_METRICS_ADDR", "TANDEM_METRICS_DB_GAUGES", "TANDEM_METRICS_DB_INTERVAL", "OTEL_TRACES_EXPORTER"} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name %s: %v", name, err)
			}
		}
		_, err = loadConfig(env(map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}))
		if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") {
			t.Errorf("protocol: %v", err)
		}
	})
}

func TestStartObservability(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	yes := true

	t.Run("ServeOffByDefault", func(t *testing.T) {
		o, err := startObservability(ctx, Config{}, "serve", log)
		if err != nil || o.metrics != nil || o.dbGauges || o.temporal != nil {
			t.Fatalf("%+v %v", o, err)
		}
	})
	t.Run("ErrExplicitAddressBusy", func(t *testing.T) {
		if _, err := startObservability(ctx, Config{MetricsAddr: busy.Addr().String(), MetricsAddrSet: true}, "serve", log); err == nil ||
			!strings.Contains(err.Error(), "TANDEM_METRICS_ADDR") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("ErrGaugesWithoutMetrics", func(t *testing.T) {
		if _, err := startObservability(ctx, Config{MetricsDBGauges: &yes}, "worker", log); err == nil ||
			!strings.Contains(err.Error(), "TANDEM_METRICS_DB_GAUGES") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("WorkerWithGauges", func(t *testing.T) {
		o, err := startObservability(ctx, Config{MetricsAddr: "127.0.0.1:0", MetricsAddrSet: true, MetricsDBGauges: &yes}, "worker", log)
		if err != nil || o.metrics == nil || !o.dbGauges || o.temporal == nil || !strings.HasPrefix(o.metricsURL, "http://127.0.0.1:") {
			t.Fatalf("%+v %v", o, err)
		}
		o.close(log)
	})
	t.Run("DevDefaultOnUnlessBusy", func(t *testing.T) {
		o, err := startObservability(ctx, Config{}, "dev", log)
		if err != nil || !o.dbGauges {
			t.Fatalf("%+v %v", o, err)
		}
		// Either it got 127.0.0.1:9464, or that port is taken (another dev) and it says so.
		if o.metrics == nil && !strings.Contains(logs.String(), "the default address is busy") {
			t.Fatalf("dev without /metrics and without a warning: %s", logs.String())
		}
		if o.metrics != nil && o.metricsURL != "http://"+devMetricsAddr+"/metrics" {
			t.Fatalf("dev metrics at %s", o.metricsURL)
		}
		o.close(log)
	})
}
