package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/api"
	"tandem/app"
	"tandem/auth"
	"tandem/diskspace"
	"tandem/domain"
	"tandem/store"
	"tandem/web"
)

// runServe runs the HTTP API against PostgreSQL and an external Temporal.
func runServe(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.PublicURL == "" {
		// Without it a letter's survey link would follow the request's Host header, which the
		// caller chooses (Host: evil.example would print https://evil.example/survey/…).
		return errors.New("TANDEM_PUBLIC_URL is required for serve: the base URL that prompt letters print, such as https://tandem.example.gov.cn")
	}
	st, err := openProductionStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.AdminPassword != "" {
		if _, err := bootstrapAdmin(ctx, st, cfg.AdminPassword, false); err != nil {
			return err
		}
	}
	obs, err := startObservability(ctx, cfg, "serve", log)
	if err != nil {
		return err
	}
	defer obs.close(log)
	obs.startDBGauges(ctx, cfg, st, log)
	tc, err := dialTemporal(ctx, cfg, log, obs)
	if err != nil {
		return err
	}
	defer tc.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := st.CachePrincipals(ctx, cfg.AuthCacheTTL, log); err != nil {
		return err
	}
	log.Info("serving the API", "addr", ln.Addr().String())
	return serveHTTP(ctx, ln, obs.instrument(newAPI(st, tc, cfg, log, nil)), log)
}

// openProductionStore opens DATABASE_URL and refuses a schema that does not match the binary.
func openProductionStore(ctx context.Context, cfg Config) (*store.Store, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is required (postgres://user:pass@host:5432/db)")
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st.Now = cfg.clock()
	st.MinEmployees = cfg.MinEmployees // 三有 in CountedOperating, the same head count the API shows
	if !cfg.TestClock.IsZero() {
		slog.Warn("TANDEM_TEST_CLOCK is set: this process's clock is shifted, for tests only", "now", st.Now())
	}
	if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// newAPI wires the API; disk is the data folder's disk watch of tandem dev (nil: none).
func newAPI(st *store.Store, tc client.Client, cfg Config, log *slog.Logger, disk func() diskspace.Status) *api.Server {
	as := auth.NewService(st, cfg.TokenTTL)
	as.Limits.Account.Failures = cfg.LoginAccountLimit
	as.Limits.Address.Failures = cfg.LoginAddressLimit
	as.Limits.Survey.Failures = cfg.SurveyAddressLimit
	cal := newCalendar(st)
	ops := app.New(app.Config{Store: st, Engine: tc, Calendar: cal, Log: log, SurveyDays: cfg.SurveyDays, DeliveryDays: cfg.DeliveryDays,
		RectificationDays: cfg.RectificationDays, InspectionMethods: cfg.InspectionMethods,
		RectificationLadder: cfg.RectificationLadder, RecheckWorkingDays: cfg.RecheckWorkingDays, RecheckPercent: cfg.RecheckPercent,
		RectificationDemoDay:    cfg.RectificationDemoDay,
		DemonstrationNoticeDays: cfg.DemonstrationNoticeDays, DemonstrationChecklist: cfg.DemonstrationChecklist,
		DemonstrationNoticeFor: cfg.DemonstrationNoticeFor, DemonstrationRecheck: cfg.DemonstrationRecheck, Disk: disk})
	return &api.Server{Store: st, Auth: as, App: ops, Calendar: cal, Log: log, PublicURL: cfg.PublicURL,
		Uploads: cfg.Uploads, TrustedProxies: cfg.TrustedProxies, UI: web.Handler()}
}

// bootstrapAdmin makes sure the global admin exists; it reports whether it was created. With
// reset set, an existing admin whose password differs gets this one (tandem dev honours
// TANDEM_ADMIN_PASSWORD on every start; the admin's tokens then die, as on any password change).
func bootstrapAdmin(ctx context.Context, st *store.Store, password string, reset bool) (bool, error) {
	cred, err := st.CredentialsOf(ctx, "admin")
	if err == nil {
		if reset && !auth.CheckPassword(cred.PasswordHash, password) {
			return false, (&auth.Service{Store: st}).SetPassword(ctx, domain.Principal{Username: domain.SystemActor, Admin: true}, "admin", password)
		}
		return false, nil
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return false, err
	}
	return st.EnsureAdmin(ctx, "admin", hash)
}

// serveHTTP serves until ctx ends, then drains requests for up to 10 seconds.
func serveHTTP(ctx context.Context, ln net.Listener, s *api.Server, log *slog.Logger) error {
	go housekeep(ctx, s.Store, s.Uploads, log)
	go reconcileObjections(ctx, s.App.Demonstrations, log)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // uploads of large rosters
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return nil
}
