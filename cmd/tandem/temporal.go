package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"tandem/activities"
	"tandem/store"
	"tandem/workflows"
)

// dialTemporal connects to the Temporal frontend described by cfg.
// obs adds the SDK's metrics and the tracing interceptor (nil: neither).
func dialTemporal(ctx context.Context, cfg Config, log *slog.Logger, obs *observability) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	}
	if err := obs.temporalOptions(&opts); err != nil {
		return nil, err
	}
	if cfg.TemporalTLS || cfg.TemporalTLSCert != "" || cfg.TemporalTLSCA != "" || cfg.TemporalAPIKey != "" {
		tlsConf := &tls.Config{ServerName: cfg.TemporalTLSServerName, MinVersion: tls.VersionTLS12}
		if cfg.TemporalTLSCert != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
			if err != nil {
				return nil, fmt.Errorf("temporal TLS client certificate: %w", err)
			}
			tlsConf.Certificates = []tls.Certificate{cert}
		}
		if cfg.TemporalTLSCA != "" {
			pem, err := os.ReadFile(cfg.TemporalTLSCA)
			if err != nil {
				return nil, fmt.Errorf("temporal TLS CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("temporal TLS CA: no certificate found in TEMPORAL_TLS_CA")
			}
			tlsConf.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tlsConf
	}
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
	}
	return c, nil
}

// ensureSearchAttributes registers Tandem's custom search attributes on an external cluster.
// Where the operator API is not allowed (Temporal Cloud), it warns: add them there by hand.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) {
	_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: workflows.SearchAttributes(),
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		log.Warn("could not register search attributes; add them to the namespace by hand",
			"attributes", workflows.SearchAttributes(), "error", err)
	}
}

// newCalendar returns the process's working-day calendar, reloading admins' overrides each minute.
func newCalendar(st *store.Store) *activities.CalendarCache {
	return &activities.CalendarCache{Store: st, TTL: time.Minute}
}

// startWorker runs Tandem's workflows and activities on the task queue until Stop.
func startWorker(c client.Client, st *store.Store, cal *activities.CalendarCache, cfg Config) (worker.Worker, error) {
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Store: st, Calendar: cal, Notifier: activities.InAppNotifier{Store: st}, Temporal: c,
		DeliveryDays: cfg.DeliveryDays, MissingGateShare: cfg.MissingGateShare})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}
