package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"tandem/auth"
	"tandem/diskspace"
	"tandem/embeddedtemporal"
	"tandem/store"
	"tandem/workflows"
)

// runDev runs everything in one process: an embedded Temporal server on SQLite, the domain
// database (SQLite in the data folder, or DATABASE_URL), the worker and the API.
func runDev(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address of the API")
	data := fs.String("data", "./data", "folder for the SQLite files and uploads")
	temporalPort := fs.Int("temporal-port", 7233, "gRPC port of the embedded Temporal server (0 = any free port)")
	uiPort := fs.Int("ui-port", 8233, "port of the Temporal Web UI (0 = no UI)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}

	// Listen first: a busy port fails fast, before anything else starts.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}

	disk := &diskspace.Watch{Path: *data, MinFree: cfg.DiskMinFree, Log: log}
	if s := disk.Check(); s.Full {
		log.Warn("starting on a full disk: /readyz answers 503 until there is room", "path", *data, "free_bytes", s.FreeBytes)
	}
	go disk.Run(ctx, 30*time.Second)
	if cfg.TemporalRetention < time.Hour {
		log.Warn("TANDEM_TEMPORAL_RETENTION is under an hour: closed workflows vanish from the Temporal UI within minutes (for tests)",
			"retention", cfg.TemporalRetention)
	}
	ts, err := embeddedtemporal.Start(embeddedtemporal.Options{
		DatabaseFile:     filepath.Join(*data, "temporal.db"),
		Port:             *temporalPort,
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
		UIPort:           *uiPort,
		Retention:        cfg.TemporalRetention,
		Log:              log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer ts.Stop()

	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = filepath.Join(*data, "tandem.db")
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()
	st.Now = cfg.clock()
	st.MinEmployees = cfg.MinEmployees // 三有 in CountedOperating, the same head count the API shows
	if !cfg.TestClock.IsZero() {
		slog.Warn("TANDEM_TEST_CLOCK is set: this process's clock is shifted, for tests only", "now", st.Now())
	}
	if err := st.Migrate(ctx, log); err != nil {
		ln.Close()
		return err
	}

	password := cfg.AdminPassword
	if password == "" {
		password = auth.RandomPassword()
	}
	created, err := bootstrapAdmin(ctx, st, password, cfg.AdminPassword != "")
	if err != nil {
		ln.Close()
		return err
	}

	obs, err := startObservability(ctx, cfg, "dev", log)
	if err != nil {
		ln.Close()
		return err
	}
	defer obs.close(log)
	obs.startDBGauges(ctx, cfg, st, log)
	cfg.TemporalAddress = ts.HostPort()
	tc, err := dialTemporal(ctx, cfg, log, obs)
	if err != nil {
		ln.Close()
		return err
	}
	defer tc.Close()
	w, err := startWorker(tc, st, newCalendar(st), cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer w.Stop()
	if err := workflows.EnsureSchedules(ctx, tc, cfg.CycleHour); err != nil {
		log.Warn("could not set up the cycle schedules", "error", err)
	}

	fmt.Fprintf(stdout, "Tandem is running\n  API       http://%s/api/v1  (OpenAPI: /api/v1/openapi.yaml)\n  Temporal  %s  namespace %s\n  data      %s  database %s\n",
		ln.Addr(), ts.HostPort(), cfg.TemporalNamespace, *data, st.Dialect())
	if ts.UIURL() != "" {
		fmt.Fprintf(stdout, "  Temporal UI %s\n", ts.UIURL())
	}
	if obs.metricsURL != "" {
		fmt.Fprintf(stdout, "  metrics   %s\n", obs.metricsURL)
	}
	switch {
	case created && cfg.AdminPassword == "":
		fmt.Fprintf(stdout, "  admin     user \"admin\", password %s  (shown once; set TANDEM_ADMIN_PASSWORD to choose it)\n", password)
	case cfg.AdminPassword != "":
		fmt.Fprintln(stdout, "  admin     user \"admin\", password from TANDEM_ADMIN_PASSWORD")
	default:
		fmt.Fprintln(stdout, "  admin     user \"admin\" (password unchanged)")
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + reachableAddr(ln.Addr())
	}
	if err := st.CachePrincipals(ctx, cfg.AuthCacheTTL, log); err != nil {
		ln.Close()
		return err
	}
	return serveHTTP(ctx, ln, obs.instrument(newAPI(st, tc, cfg, log, disk.Last)), log)
}

// reachableAddr is a listen address as a browser on this machine reaches it: an unspecified
// host (":8080", "0.0.0.0:8080") becomes 127.0.0.1.
func reachableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
