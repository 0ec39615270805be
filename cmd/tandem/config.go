package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tandem/activities"
	"tandem/app"
	"tandem/diskspace"
	"tandem/domain"
	"tandem/embeddedtemporal"
	"tandem/store"
	"tandem/telemetry"
)

// Config is everything Tandem reads from its environment, parsed once here.
type Config struct {
	DatabaseURL string // DATABASE_URL: postgres://… (required for serve, worker, migrate)

	TemporalAddress       string // TEMPORAL_ADDRESS, default 127.0.0.1:7233
	TemporalNamespace     string // TEMPORAL_NAMESPACE, default "default"
	TemporalTLS           bool   // TEMPORAL_TLS: use TLS with the system's roots
	TemporalTLSCert       string // TEMPORAL_TLS_CERT: client certificate file (mTLS)
	TemporalTLSKey        string // TEMPORAL_TLS_KEY: client key file (mTLS)
	TemporalTLSCA         string // TEMPORAL_TLS_CA: CA bundle file for the server's certificate
	TemporalTLSServerName string // TEMPORAL_TLS_SERVER_NAME: override the name checked on the certificate
	TemporalAPIKey        string // TEMPORAL_API_KEY: Temporal Cloud API key (implies TLS)

	Addr          string        // TANDEM_ADDR: listen address of `serve`, default :8080
	AdminPassword string        // TANDEM_ADMIN_PASSWORD: password of the bootstrapped admin
	TokenTTL      time.Duration // TANDEM_TOKEN_TTL: bearer token lifetime, default 12h
	AuthCacheTTL  time.Duration // TANDEM_AUTH_CACHE_TTL: longest a token's principal is cached (0: no cache), default 1m
	LogLevel      slog.Level    // TANDEM_LOG_LEVEL: debug, info, warn, error; default info
	LogFormat     string        // TANDEM_LOG_FORMAT: text or json; default text
	MinEmployees  int           // TANDEM_MIN_EMPLOYEES: the 三有 head count an operating enterprise needs; default 3
	SurveyDays    int           // TANDEM_SURVEY_WORKING_DAYS: how long a registration survey link lives; default 5
	DeliveryDays  int           // TANDEM_DELIVERY_WORKING_DAYS: the departments' monthly delivery window; default 5
	PublicURL     string        // TANDEM_PUBLIC_URL: base URL printed on prompt letters; required by serve, dev defaults to its own address
	CycleHour     int           // TANDEM_CYCLE_HOUR: hour (Asia/Shanghai) the cycle schedules run on their day; default 1
	// Inspection rounds (#19): TANDEM_RECTIFICATION_WORKING_DAYS, a rectification item's
	// deadline after its visit (default 40); TANDEM_INSPECTION_METHODS, comma-separated methods
	// a round may use besides 听取汇报, 调研座谈, 实地走访, 查阅台账.
	RectificationDays int
	InspectionMethods []string
	// TANDEM_RECTIFICATION_LADDER: the escalation ladder of an overdue rectification item,
	// "reminder:0,chase:3,bulletin:5,talk:7:task,warning:3:task" by default (domain.ParseLadder).
	RectificationLadder []domain.LadderStep
	// TANDEM_RECTIFICATION_RECHECK: "<working days>:<percent>", when and how many signed-off
	// items are re-checked 回头看 (default 60:30; 0:0 none).
	RecheckWorkingDays, RecheckPercent int
	// TANDEM_RECTIFICATION_DEMO_DAY, for a demonstration run only: a duration ("3s", 1s to 1h)
	// that one working day of a rectification plan's deadline and of the escalation ladder's
	// spacing lasts instead of a day on the calendar (unset: the calendar).
	RectificationDemoDay time.Duration
	// Demonstration points (#19): TANDEM_DEMONSTRATION_NOTICE_DAYS, the public notice 公示 in
	// working days (default 5); TANDEM_DEMONSTRATION_CHECKLIST, the self-assessment's items,
	// comma-separated (default the six haves 六有 and five goods 五好).
	DemonstrationNoticeDays int
	DemonstrationChecklist  []string
	// TANDEM_DEMONSTRATION_NOTICE_DAYS given as a duration ("20s", at most 24h): the notice lasts
	// that long instead, for demonstration runs and end-to-end tests.
	DemonstrationNoticeFor time.Duration
	// TANDEM_DEMONSTRATION_RECHECK: when a named point is re-checked, "<months>/<months>" after
	// its naming or last keep and after a warning (default 12/1), or two durations for a
	// demonstration run ("2m/30s", each at most 24h).
	DemonstrationRecheck app.DemonstrationRecheck
	// Uploads: TANDEM_UPLOAD_RETENTION (default 90d), TANDEM_FAILED_UPLOAD_RETENTION (default 7d),
	// TANDEM_UPLOAD_QUOTA and TANDEM_ADMIN_UPLOAD_QUOTA (bytes per 30 days, default 2GiB; off: none).
	Uploads store.UploadPolicy

	// Throttling of failed sign-ins and guessed survey links (only failures count).
	TrustedProxies     []string // TANDEM_TRUSTED_PROXIES: comma-separated CIDRs/IPs whose X-Forwarded-For is believed; default none
	LoginAccountLimit  int      // TANDEM_LOGIN_ACCOUNT_LIMIT: failed sign-ins of one username per 15 min before a lock; default 5
	LoginAddressLimit  int      // TANDEM_LOGIN_ADDRESS_LIMIT: failed sign-ins from one client address per 15 min; default 20
	SurveyAddressLimit int      // TANDEM_SURVEY_ADDRESS_LIMIT: unknown survey links from one client address per 15 min; default 20

	// TestClock (TANDEM_TEST_CLOCK, for tests only): the time the process believes it is at
	// start, running on from there; due dates and expiries follow it, Temporal's timers do not.
	TestClock time.Time
	// MissingGateShare (TANDEM_MISSING_GATE_SHARE): an extract that would flag more than this
	// share of its source's organizations missing waits for an admin's confirmation; default 0.20
	MissingGateShare float64

	// Metrics, traces (docs/operations.md "Metrics, traces, logs").
	MetricsAddr       string            // TANDEM_METRICS_ADDR: listen address of /metrics; off (""): none; default off, dev 127.0.0.1:9464
	MetricsAddrSet    bool              // TANDEM_METRICS_ADDR was given (dev's default applies otherwise)
	MetricsDBGauges   *bool             // TANDEM_METRICS_DB_GAUGES: this process exports the gauges read from the database; default dev only
	MetricsDBInterval time.Duration     // TANDEM_METRICS_DB_INTERVAL: how often those gauges are read; default 30s
	Tracing           telemetry.Tracing // OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_*: off unless set

	// tandem dev only (docs/operations.md "The embedded server's disk").
	TemporalRetention time.Duration       // TANDEM_TEMPORAL_RETENTION: how long the embedded server keeps closed workflows; default 7d
	DiskMinFree       diskspace.Threshold // TANDEM_DISK_MIN_FREE: warn below this free space on the data folder's disk (1GiB, 5%, off); default 1GiB
}

// loadConfig reads the environment through getenv, reporting every bad value at once.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:           getenv("DATABASE_URL"),
		TemporalAddress:       orDefault(getenv("TEMPORAL_ADDRESS"), "127.0.0.1:7233"),
		TemporalNamespace:     orDefault(getenv("TEMPORAL_NAMESPACE"), "default"),
		TemporalTLSCert:       getenv("TEMPORAL_TLS_CERT"),
		TemporalTLSKey:        getenv("TEMPORAL_TLS_KEY"),
		TemporalTLSCA:         getenv("TEMPORAL_TLS_CA"),
		TemporalTLSServerName: getenv("TEMPORAL_TLS_SERVER_NAME"),
		TemporalAPIKey:        getenv("TEMPORAL_API_KEY"),
		Addr:                  orDefault(getenv("TANDEM_ADDR"), ":8080"),
		AdminPassword:         getenv("TANDEM_ADMIN_PASSWORD"),
		TokenTTL:              12 * time.Hour,
		AuthCacheTTL:          time.Minute,
		LogFormat:             orDefault(getenv("TANDEM_LOG_FORMAT"), "text"),
		MinEmployees:          domain.DefaultMinEmployees,
		SurveyDays:            5,
		DeliveryDays:          activities.DefaultDeliveryDays,
		MissingGateShare:      activities.DefaultMissingGateShare,
		CycleHour:             1,
		Uploads:               store.UploadPolicy{Retention: 90 * day, FailedRetention: 7 * day, Quota: 2 << 30, AdminQuota: 2 << 30},
		PublicURL:             strings.TrimRight(getenv("TANDEM_PUBLIC_URL"), "/"),
		LoginAccountLimit:     5,
		LoginAddressLimit:     20,
		SurveyAddressLimit:    20,
		TemporalRetention:     embeddedtemporal.DefaultRetention,
		DiskMinFree:           diskspace.Threshold{Bytes: 1 << 30},
	}
	var problems []string
	if v := getenv("TEMPORAL_TLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, "TEMPORAL_TLS must be true or false")
		}
		c.TemporalTLS = b
	}
	if v := getenv("TANDEM_TOKEN_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			problems = append(problems, "TANDEM_TOKEN_TTL must be a duration of at least 1m, such as 12h")
		}
		c.TokenTTL = d
	}
	if v := getenv("TANDEM_AUTH_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Hour {
			problems = append(problems, "TANDEM_AUTH_CACHE_TTL must be a duration from 0 (no cache) to 1h, such as 1m")
		}
		c.AuthCacheTTL = d
	}
	if v := getenv("TANDEM_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			problems = append(problems, "TANDEM_LOG_LEVEL must be debug, info, warn or error")
		}
	}
	if v := getenv("TANDEM_MIN_EMPLOYEES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problems = append(problems, "TANDEM_MIN_EMPLOYEES must be a whole number from 1 to 1000 (some cities use 10)")
		}
		c.MinEmployees = n
	}
	if v := getenv("TANDEM_SURVEY_WORKING_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 60 {
			problems = append(problems, "TANDEM_SURVEY_WORKING_DAYS must be a whole number from 1 to 60")
		}
		c.SurveyDays = n
	}
	if v := getenv("TANDEM_DELIVERY_WORKING_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 60 {
			problems = append(problems, "TANDEM_DELIVERY_WORKING_DAYS must be a whole number from 1 to 60")
		}
		c.DeliveryDays = n
	}
	c.RectificationDays = domain.DefaultRectificationWorkingDays
	if v := getenv("TANDEM_RECTIFICATION_WORKING_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > domain.MaxRectificationWorkingDays {
			problems = append(problems, fmt.Sprintf("TANDEM_RECTIFICATION_WORKING_DAYS must be a whole number from 1 to %d", domain.MaxRectificationWorkingDays))
		}
		c.RectificationDays = n
	}
	if v := getenv("TANDEM_RECTIFICATION_LADDER"); v != "" {
		l, err := domain.ParseLadder(v)
		if err != nil {
			problems = append(problems, "TANDEM_RECTIFICATION_LADDER: "+err.Error())
		}
		c.RectificationLadder = l
	}
	if v := getenv("TANDEM_RECTIFICATION_RECHECK"); v != "" {
		days, percent, ok := strings.Cut(v, ":")
		d, err1 := strconv.Atoi(days)
		pc, err2 := strconv.Atoi(percent)
		if !ok || err1 != nil || err2 != nil || d < 0 || d > domain.MaxRectificationWorkingDays || pc < 0 || pc > 100 {
			problems = append(problems, fmt.Sprintf("TANDEM_RECTIFICATION_RECHECK must be <working days 0-%d>:<percent 0-100>", domain.MaxRectificationWorkingDays))
		}
		c.RecheckWorkingDays, c.RecheckPercent = d, pc
		if d == 0 || pc == 0 {
			c.RecheckWorkingDays, c.RecheckPercent = 1, -1 // none
		}
	}
	if v := getenv("TANDEM_RECTIFICATION_DEMO_DAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			problems = append(problems, "TANDEM_RECTIFICATION_DEMO_DAY must be a duration from 1s to 1h such as 3s (for a demonstration run only; unset: working days on the calendar)")
		}
		c.RectificationDemoDay = d
	}
	c.DemonstrationNoticeDays = domain.DefaultNoticeWorkingDays
	if v := getenv("TANDEM_DEMONSTRATION_NOTICE_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		d, derr := time.ParseDuration(v)
		switch {
		case err == nil && n >= 1 && n <= 30:
			c.DemonstrationNoticeDays = n
		case err != nil && derr == nil && d > 0 && d <= 24*time.Hour:
			c.DemonstrationNoticeFor = d
		default:
			problems = append(problems, "TANDEM_DEMONSTRATION_NOTICE_DAYS must be a whole number of working days from 1 to 30 (or, for a demonstration run, a duration such as 20s)")
		}
	}
	if v := getenv("TANDEM_DEMONSTRATION_RECHECK"); v != "" {
		r, ok := parseDemonstrationRecheck(v)
		if !ok {
			problems = append(problems, "TANDEM_DEMONSTRATION_RECHECK must be <months 1-36>/<months 1-12>, the re-check after the naming or a keep and after a warning (default 12/1), or two durations for a demonstration run such as 2m/30s (each at most 24h)")
		}
		c.DemonstrationRecheck = r
	}
	if v := getenv("TANDEM_DEMONSTRATION_CHECKLIST"); v != "" {
		for _, m := range strings.Split(v, ",") {
			m = strings.TrimSpace(m)
			if n := len([]rune(m)); n == 0 || n > 50 || domain.CheckText(m, domain.ShortText) != "" || slices.Contains(c.DemonstrationChecklist, m) {
				problems = append(problems, "TANDEM_DEMONSTRATION_CHECKLIST must list distinct items of 1 to 50 characters, separated by commas")
				break
			}
			c.DemonstrationChecklist = append(c.DemonstrationChecklist, m)
		}
		if len(c.DemonstrationChecklist) > domain.MaxChecklistItems {
			problems = append(problems, fmt.Sprintf("TANDEM_DEMONSTRATION_CHECKLIST lists more than %d items", domain.MaxChecklistItems))
		}
	}
	if v := getenv("TANDEM_INSPECTION_METHODS"); v != "" {
		for _, m := range strings.Split(v, ",") {
			m = strings.TrimSpace(m)
			if n := len([]rune(m)); n == 0 || n > domain.MaxMethodName || domain.CheckText(m, domain.ShortText) != "" {
				problems = append(problems, fmt.Sprintf("TANDEM_INSPECTION_METHODS must list methods of 1 to %d characters, separated by commas", domain.MaxMethodName))
				break
			}
			c.InspectionMethods = append(c.InspectionMethods, m)
		}
		if len(c.InspectionMethods)+len(domain.DefaultInspectionMethods) > domain.MaxRoundMethods*3 {
			problems = append(problems, "TANDEM_INSPECTION_METHODS lists too many methods")
		}
	}
	if v := getenv("TANDEM_MISSING_GATE_SHARE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0.01 && f <= 1) {
			problems = append(problems, "TANDEM_MISSING_GATE_SHARE must be a share from 0.01 to 1, such as 0.2 (1 turns the gate off)")
		}
		c.MissingGateShare = f
	}
	if v := getenv("TANDEM_CYCLE_HOUR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 23 {
			problems = append(problems, "TANDEM_CYCLE_HOUR must be an hour from 0 to 23")
		}
		c.CycleHour = n
	}
	for _, r := range []struct {
		name string
		into *time.Duration
	}{{"TANDEM_UPLOAD_RETENTION", &c.Uploads.Retention}, {"TANDEM_FAILED_UPLOAD_RETENTION", &c.Uploads.FailedRetention}} {
		if v := getenv(r.name); v != "" {
			d, err := parseRetention(v)
			if err != nil {
				problems = append(problems, r.name+" must be a number of days such as 90d, or a duration of at least 1h such as 2160h")
			}
			*r.into = d
		}
	}
	for _, q := range []struct {
		name string
		into *int64
	}{{"TANDEM_UPLOAD_QUOTA", &c.Uploads.Quota}, {"TANDEM_ADMIN_UPLOAD_QUOTA", &c.Uploads.AdminQuota}} {
		if v := getenv(q.name); v != "" {
			n, err := parseQuota(v)
			if err != nil {
				problems = append(problems, q.name+" must be a size such as 2GiB, 500MiB or 1048576 (bytes), or off")
			}
			*q.into = n
		}
	}
	if v := getenv("TANDEM_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					problems = append(problems, "TANDEM_TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs such as 10.0.0.0/8; "+strconv.Quote(p)+" is neither")
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	for _, l := range []struct {
		name string
		dst  *int
	}{{"TANDEM_LOGIN_ACCOUNT_LIMIT", &c.LoginAccountLimit}, {"TANDEM_LOGIN_ADDRESS_LIMIT", &c.LoginAddressLimit}, {"TANDEM_SURVEY_ADDRESS_LIMIT", &c.SurveyAddressLimit}} {
		if v := getenv(l.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100000 {
				problems = append(problems, l.name+" must be a whole number of failures from 1 to 100000")
			}
			*l.dst = n
		}
	}
	if v := getenv("TANDEM_TEST_CLOCK"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			problems = append(problems, "TANDEM_TEST_CLOCK must be an RFC 3339 time such as 2027-02-05T10:00:00+08:00 (for tests only)")
		}
		c.TestClock = t
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil) {
		problems = append(problems, "TANDEM_PUBLIC_URL must be an http:// or https:// URL with a host, such as https://tandem.example.gov.cn")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, "TANDEM_LOG_FORMAT must be text or json")
	}
	if v := getenv("TANDEM_METRICS_ADDR"); v != "" {
		c.MetricsAddrSet = true
		if v != "off" {
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				problems = append(problems, "TANDEM_METRICS_ADDR must be a listen address such as 127.0.0.1:9464 or :9464, or off")
			}
			c.MetricsAddr = v
		}
	}
	if v := getenv("TANDEM_METRICS_DB_GAUGES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, "TANDEM_METRICS_DB_GAUGES must be true or false (true in exactly one process)")
		}
		c.MetricsDBGauges = &b
	}
	c.MetricsDBInterval = 30 * time.Second
	if v := getenv("TANDEM_METRICS_DB_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			problems = append(problems, "TANDEM_METRICS_DB_INTERVAL must be a duration from 1s to 1h, such as 30s")
		}
		c.MetricsDBInterval = d
	}
	if v := getenv("TANDEM_TEMPORAL_RETENTION"); v != "" {
		d, err := parseRetention(v)
		if err != nil { // under an hour: for tests that watch histories go (dev warns)
			d, err = time.ParseDuration(v)
			if err != nil || d < embeddedtemporal.MinRetention {
				problems = append(problems, "TANDEM_TEMPORAL_RETENTION must be a number of days such as 7d, or a duration of at least 1m such as 168h")
			}
		}
		c.TemporalRetention = d
	}
	if v := getenv("TANDEM_DISK_MIN_FREE"); v != "" {
		t, err := parseMinFree(v)
		if err != nil {
			problems = append(problems, "TANDEM_DISK_MIN_FREE must be a size such as 1GiB or 500MiB, a share such as 5%, or off")
		}
		c.DiskMinFree = t
	}
	if t, err := telemetry.ParseTracing(getenv); err != nil {
		problems = append(problems, err.Error())
	} else {
		c.Tracing = t
	}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		problems = append(problems, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together")
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %v", problems)
	}
	return c, nil
}

// clock is the process's one clock: the wall clock, or with TANDEM_TEST_CLOCK set, that time
// running on at the wall clock's pace from the moment the configuration was read.
func (c Config) clock() func() time.Time {
	if c.TestClock.IsZero() {
		return func() time.Time { return time.Now().UTC() }
	}
	offset := time.Until(c.TestClock)
	return func() time.Time { return time.Now().Add(offset).UTC() }
}

const day = 24 * time.Hour

// parseRetention reads a retention: whole days as 90d, or a Go duration of at least an hour.
func parseRetention(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 36500 {
			return 0, fmt.Errorf("bad number of days %q", v)
		}
		return time.Duration(days) * day, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour {
		return 0, fmt.Errorf("bad duration %q", v)
	}
	return d, nil
}

// parseQuota reads a size in bytes, KiB, MiB, GiB or TiB (whole numbers); off means no quota (0).
func parseQuota(v string) (int64, error) {
	if v == "off" {
		return 0, nil
	}
	mult := int64(1)
	for i, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if n, ok := strings.CutSuffix(v, unit); ok {
			v, mult = strings.TrimSpace(n), 1<<(10*(i+1))
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", v)
	}
	return n * mult, nil
}

// parseMinFree reads a disk threshold: a share of the file system (5%, 0.5%) or a size as
// parseQuota reads it; off: no warning (a full disk still makes dev unready).
func parseMinFree(v string) (diskspace.Threshold, error) {
	if n, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil || !(f > 0 && f < 100) {
			return diskspace.Threshold{}, fmt.Errorf("bad share %q", v)
		}
		return diskspace.Threshold{Share: f / 100}, nil
	}
	n, err := parseQuota(v)
	return diskspace.Threshold{Bytes: uint64(n)}, err
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// logger writes to w; a line logged with a request's context carries its request (and trace) ID.
func (c Config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(telemetry.ContextHandler{Handler: slog.NewJSONHandler(w, opts)})
	}
	return slog.New(telemetry.ContextHandler{Handler: slog.NewTextHandler(w, opts)})
}

// parseDemonstrationRecheck reads TANDEM_DEMONSTRATION_RECHECK: "12/1" (months) or "2m/30s"
// (durations, both parts of one kind).
func parseDemonstrationRecheck(v string) (app.DemonstrationRecheck, bool) {
	a, b, ok := strings.Cut(v, "/")
	if !ok {
		return app.DemonstrationRecheck{}, false
	}
	m, err1 := strconv.Atoi(strings.TrimSpace(a))
	w, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 == nil && err2 == nil {
		return app.DemonstrationRecheck{Months: m, WarningMonths: w}, m >= 1 && m <= 36 && w >= 1 && w <= 12
	}
	d, err1 := time.ParseDuration(strings.TrimSpace(a))
	e, err2 := time.ParseDuration(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || d <= 0 || d > 24*time.Hour || e <= 0 || e > 24*time.Hour {
		return app.DemonstrationRecheck{}, false
	}
	return app.DemonstrationRecheck{For: d, WarningFor: e}, true
}
